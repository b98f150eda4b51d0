import Testing
import Foundation
@testable import NMFSeparateCLI
import _TestSupport

extension BatchTests {
    /// Comparing settings with output directories inside the data (`data -o data/k8`, then
    /// `data -o data/k12`) separated the first run's sources again, as inputs of the second, without
    /// a word. Directories below the arguments that hold only an earlier run's results are now left
    /// out, with a warning; naming them, or an `--include` pattern that names sources, takes them,
    /// and a folder where a user's own files sit beside `source_<i>` names is scanned as before.
    @Test func anEarlierRunsResultsAreNotSeparatedAgain() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        let first = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k4", "--save-factors", "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k6", "-k", "6", "--json"])
        let inputs = try Self.lines(second.stdout).map { $0["input"] as! String }
        #expect(second.status == 0 && inputs.count == 5 && !inputs.contains { $0.contains("/k4/") }, "\(inputs)")
        #expect(second.stderrLines == ["nmf-separate: warning: the sources in 5 directories ('\(root)/k4/a', '\(root)/k4/b', …) that hold only "
                                       + "an earlier separation's results are left out (name them, or their directories, to separate them)"],
                "\(second.stderr)")
        let quiet = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k7", "-q"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        // A pattern that does not name sources does not take them; one that does, does.
        let wav = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k5", "--include", "*.wav", "--json", "-q"])
        #expect(try Self.lines(wav.stdout).map { ($0["input"] as! NSString).lastPathComponent }.sorted() == ["a.wav", "d.wav", "f.wav"], "\(wav.stdout)")
        let included = try CLIRunner.run(["\(root)/k4", "--sources", "2", "--iterations", "2", "-o", "\(dir)/again", "--include", "*source_*", "-q"])
        #expect(included.status == 0 && CLIRunner.files(under: "\(dir)/again").count == 20, "\(included.stderr)")
        // Named, as a file or as the directory itself: separated.
        let named = try CLIRunner.run(["\(root)/k4/a/source_1.wav", "--sources", "2", "--iterations", "2", "-o", "\(dir)/named", "-q"])
        #expect(named.status == 0 && CLIRunner.files(under: "\(dir)/named") == ["source_1/source_1.wav", "source_1/source_2.wav"])
        let folder = try CLIRunner.run(["\(root)/k4/a", "--sources", "2", "--iterations", "2", "-o", "\(dir)/folder", "-q"])
        #expect(folder.status == 0 && CLIRunner.files(under: "\(dir)/folder").count == 4, "\(folder.stderr)")
        // Only results below the directory given: the refusal says they were left out, and how to take them.
        let only = try CLIRunner.run(["\(root)/k4", "--sources", "2", "-o", "\(dir)/only"])
        #expect(only.status == 1 && only.stderrLines.count == 1 && only.stderr.contains("no audio files in the directory '\(root)/k4'")
                && only.stderr.contains("an earlier separation's results are left out") == false
                && only.stderr.contains("that hold only an earlier separation's results were left out: name them, or their directories"), "\(only.stderr)")
        // A user's own file beside them, or a gap in the numbers: not a result directory.
        try FileManager.default.copyItem(atPath: "\(root)/a.wav", toPath: "\(root)/k4/b/take.wav")
        try FileManager.default.removeItem(atPath: "\(root)/k4/sub/d/source_1.wav")
        #expect(!InputList.holdsOnlyResults("\(root)/k4/b") && !InputList.holdsOnlyResults("\(root)/k4/sub/d") && InputList.holdsOnlyResults("\(root)/k4/a"))
        let mixed = try CLIRunner.run(["\(root)/k4", "--sources", "2", "--iterations", "2", "-o", "\(dir)/mixed", "--json", "-q"])
        #expect(try Self.lines(mixed.stdout).map { ($0["input"] as! NSString).lastPathComponent }.sorted()
                == ["source_1.flac", "source_2.flac", "source_2.wav", "take.wav"], "\(mixed.stdout)")
    }

    /// The results of `x.wav` beside those of `x/y.wav` (`k8/x/source_i` and `k8/x/y/source_i`):
    /// the outer folder holds a folder of results, and is a result folder too.
    @Test func nestedResultsAreLeftOutToo() throws {
        let dir = try TestSupport.temporaryDirectory()
        let root = try Self.corpus(in: dir)
        try FileManager.default.createDirectory(atPath: "\(root)/a", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(root)/f.wav", toPath: "\(root)/a/y.wav")
        let first = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k8", "-q"])
        #expect(first.status == 0 && FileManager.default.fileExists(atPath: "\(root)/k8/a/y/source_1.wav"), "\(first.stderr)")
        #expect(InputList.holdsOnlyResults("\(root)/k8/a") && InputList.isResultTree("\(root)/k8"))
        let second = try CLIRunner.run([root, "--sources", "2", "--iterations", "2", "-o", "\(root)/k12", "--json", "-q"])
        let inputs = try Self.lines(second.stdout).map { $0["input"] as! String }
        #expect(second.status == 0 && inputs.count == 6 && !inputs.contains { $0.contains("/k8/") }, "\(inputs)")
    }
}
