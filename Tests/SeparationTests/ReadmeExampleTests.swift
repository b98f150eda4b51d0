import Testing
import Foundation
import NMFSeparation
import _TestSupport

/// The library example printed in README.md and in the DocC catalog compiles (it is
/// `ReadmeExample.swift`, verbatim) and separates the bundled sample.
@Suite struct ReadmeExampleTests {
    static func marked(_ text: String, begin: String, end: String) -> String? {
        guard let a = text.range(of: begin), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else { return nil }
        return text[a.upperBound..<b.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let example: String = {
        let path = TestSupport.packageRoot.appendingPathComponent("Tests/SeparationTests/ReadmeExample.swift").path
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return marked(text, begin: "// README example begin", end: "// README example end") ?? ""
    }()

    @Test(arguments: ["README.md", "Sources/NMFSeparation/NMFSeparation.docc/GettingStarted.md"])
    func documentShowsTheCompiledExample(document: String) throws {
        let text = try String(contentsOfFile: TestSupport.packageRoot.appendingPathComponent(document).path, encoding: .utf8)
        let block = try #require(Self.marked(text, begin: "```swift\n", end: "```"))
        #expect(!Self.example.isEmpty)
        #expect(block == Self.example, "the Swift block of \(document) differs from Tests/SeparationTests/ReadmeExample.swift")
    }

    @Test func exampleSeparatesTheSample() throws {
        let dir = try TestSupport.temporaryDirectory()
        let sample = TestSupport.packageRoot.appendingPathComponent("Samples/speech_piano.wav").path
        let divergence = try separate(sample, into: dir)
        #expect(divergence.isFinite && divergence > 0)
        let mixture = try TestSupport.read(sample)
        for i in 1...2 {
            let source = try TestSupport.read("\(dir)/source_\(i).wav")
            #expect(source.frameCount == mixture.frameCount && source.channelCount == mixture.channelCount)
        }
    }
}
