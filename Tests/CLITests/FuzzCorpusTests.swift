import Testing
import Foundation
import _TestSupport

/// Files that once crashed the tool or broke its one-line error contract, found by
/// `Scripts/fuzz.py`; each must now end cleanly with a single error line.
@Suite struct FuzzCorpusTests {
    static let corpus: [String] = {
        guard let dir = Bundle.module.url(forResource: "Corpus", withExtension: nil) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0).path }
    }()

    @Test func corpusIsPresent() { #expect(Self.corpus.count >= 2) }

    @Test(arguments: corpus)
    func hostileFileEndsCleanly(path: String) throws {
        let out = try TestSupport.temporaryDirectory()
        for options in [["--sources", "2"], ["--sources", "5", "--hop", "1"], ["--sources", "1", "--fft-size", "16"]] {
            let r = try CLIRunner.run([path] + options + ["--iterations", "1", "-o", out, "-q"])
            #expect([0, 1, 64].contains(r.status), "\(path) \(options): status \(r.status)")
            if r.status != 0 {
                #expect(r.stderrLines.count == 1, "\(r.stderr)")
                #expect(CLIRunner.entries(under: out).isEmpty, "\(CLIRunner.entries(under: out))")
            }
            #expect(CLIRunner.files(under: out).allSatisfy { !($0 as NSString).lastPathComponent.hasPrefix(".") })
        }
    }
}
