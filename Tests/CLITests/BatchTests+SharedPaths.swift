import Testing
import Foundation
@testable import NMFSeparateCLI
import _TestSupport

extension BatchTests {
    /// Two directory arguments holding the same relative path (a speaker per folder, utterances
    /// numbered alike: `spk1/001.wav`, `spk2/001.wav`) used to fail every such file of the later
    /// directory; they now go to `DIR/<the directory's name>/<path>/`, as files named on their own
    /// that share a stem do. Paths that only one directory holds keep their place, and directories
    /// of one name still cannot be told apart: the later file fails, saying so.
    @Test func directoriesWithTheSamePathsGoToTheirOwnFolders() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let fm = FileManager.default
        for d in ["spk1/sub", "spk2", "p/c1", "q/c1"] { try fm.createDirectory(atPath: "\(dir)/\(d)", withIntermediateDirectories: true) }
        for path in ["spk1/001.wav", "spk1/sub/002.wav", "spk2/001.wav", "spk2/003.wav", "p/c1/a.wav", "q/c1/a.wav"] {
            try fm.copyItem(atPath: "\(root)/a.wav", toPath: "\(dir)/\(path)")
        }
        let r = try CLIRunner.run(["\(dir)/spk1", "\(dir)/spk2/", "--sources", "2", "--iterations", "2", "-o", "\(dir)/out", "-q"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        #expect(CLIRunner.files(under: "\(dir)/out") == ["003/source_1.wav", "003/source_2.wav", "spk1/001/source_1.wav", "spk1/001/source_2.wav",
                                                         "spk2/001/source_1.wav", "spk2/001/source_2.wav", "sub/002/source_1.wav", "sub/002/source_2.wav"])
        // The same layout again finds the same places: --skip-existing skips all four.
        let again = try CLIRunner.run(["\(dir)/spk1", "\(dir)/spk2", "--sources", "2", "--iterations", "2", "-o", "\(dir)/out",
                                       "--skip-existing", "--json", "-q"])
        let statuses = try Self.lines(again.stdout).map { $0["status"] as? String }
        #expect(again.status == 0 && statuses == Array(repeating: "skipped", count: 4), "\(again.stdout)")
        // `.` names the directory it stands for.
        let here = try CLIRunner.run([".", "../spk2", "--sources", "2", "--iterations", "2", "-o", "\(dir)/dot", "-q"], in: "\(dir)/spk1")
        #expect(here.status == 0 && CLIRunner.files(under: "\(dir)/dot").contains("spk1/001/source_1.wav"), "\(here.stderr)")
        // Two directories named c1: nothing tells their a.wav apart.
        let same = try CLIRunner.run(["\(dir)/p/c1", "\(dir)/q/c1", "--sources", "2", "--iterations", "2", "-o", "\(dir)/same", "-q"])
        #expect(same.status == 1 && same.stderrLines.count == 2 && same.stderrLines[1].contains("1 of 2 files failed")
                && same.stderrLines[0].contains("q/c1/a.wav' would write to the same output directory '\(dir)/same/a'"), "\(same.stderr)")
    }
}
