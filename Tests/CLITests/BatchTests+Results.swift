import Testing
import Foundation
@testable import NMFSeparateCLI
import _TestSupport

extension BatchTests {
    /// Comparing settings with output directories inside the data (`data -o data/k8`, then
    /// `data -o data/k12`) separated the first run's sources again, as inputs of the second, without
    /// a word. Directories that hold only an earlier run's results are now left out (a note on a
    /// terminal or with --progress names them); `--include` or naming the files still takes them,
    /// and a folder where a user's own files sit beside `source_<i>` names is scanned as before.
    @Test func anEarlierRunsResultsAreNotSeparatedAgain() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let first = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k4", "--save-factors", "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k6", "-k", "6", "--json", "--progress"])
        let inputs = try Self.lines(second.stdout).map { $0["input"] as! String }
        #expect(second.status == 0 && inputs.count == 5 && !inputs.contains { $0.contains("/k4/") }, "\(inputs)")
        #expect(second.stderr.contains("note: the sources in 5 directories ('\(root)/k4/a', '\(root)/k4/b', …) that hold only an earlier separation's results are not separated again"),
                "\(second.stderr)")
        // A pattern that does not ask for sources by name does not take them.
        let wav = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k5", "--include", "*.wav", "--json", "-q"])
        #expect(try Self.lines(wav.stdout).map { ($0["input"] as! NSString).lastPathComponent }.sorted() == ["a.wav", "d.wav", "f.wav"], "\(wav.stdout)")
        // Asked for by --include, or by name: separated.
        let included = try CLIRunner.run(["\(root)/k4", "--sources", "2", "--iterations", "2", "-o", "\(dir)/again", "--include", "source_*", "-q"])
        #expect(included.status == 0 && CLIRunner.files(under: "\(dir)/again").count == 20, "\(included.stderr)")
        let named = try CLIRunner.run(["\(root)/k4/a/source_1.wav", "--sources", "2", "--iterations", "2", "-o", "\(dir)/named", "-q"])
        #expect(named.status == 0 && CLIRunner.files(under: "\(dir)/named") == ["source_1/source_1.wav", "source_1/source_2.wav"])
        // Only results in the directories given: the refusal says they were left out, and how to take them.
        let only = try CLIRunner.run(["\(root)/k4/a", "--sources", "2", "-o", "\(dir)/only"])
        #expect(only.status == 1 && only.stderrLines.count == 1 && only.stderr.contains("no audio files in the directory '\(root)/k4/a'")
                && only.stderr.contains("an earlier separation's results, were left out: name the files, or give --include 'source_*'"), "\(only.stderr)")
        // A user's own file beside them, or a gap in the numbers: not a result directory.
        try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(root)/k4/b/take.wav")
        try FileManager.default.removeItem(atPath: "\(root)/k4/sub/d/source_1.wav")
        #expect(!InputList.holdsOnlyResults("\(root)/k4/b") && !InputList.holdsOnlyResults("\(root)/k4/sub/d") && InputList.holdsOnlyResults("\(root)/k4/a"))
        let mixed = try CLIRunner.run(["\(root)/k4", "--sources", "2", "--iterations", "2", "-o", "\(dir)/mixed", "--json", "-q"])
        #expect(try Self.lines(mixed.stdout).map { ($0["input"] as! NSString).lastPathComponent }.sorted()
                == ["source_1.flac", "source_2.flac", "source_2.wav", "take.wav"], "\(mixed.stdout)")
    }
}
