import Testing
import Foundation
import NMFSeparation
import _TestSupport

/// `--plot`: the figures land next to the sources, decode, and are listed in the JSON report.
@Suite struct PlotCLITests {
    @Test func figuresAreWrittenNextToTheSources() throws {
        let (dir, input) = try CLIRunner.speechInput()
        let r = try CLIRunner.run([input, "--sources", "3", "--iterations", "10", "-o", "\(dir)/out", "--plot", "--json", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let names = ["activations.png", "mask_1.png", "mask_2.png", "mask_3.png", "spectrogram.png", "templates.png"]
        #expect(CLIRunner.files(under: "\(dir)/out/mix") == (names + ["source_1.wav", "source_2.wav", "source_3.wav"]).sorted())
        for name in names {
            let image = try PNGFile.read(from: "\(dir)/out/mix/\(name)")
            #expect(image.width >= 320 && image.height >= 160, "\(name): \(image.width) × \(image.height)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((json?["figures"] as? [String])?.count == 6)
    }

    @Test func aFailedRunLeavesNoFigure() throws {
        let (dir, input) = try CLIRunner.speechInput()
        try FileManager.default.createDirectory(atPath: "\(dir)/out/mix", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: "\(dir)/out/mix/templates.png"))
        let r = try CLIRunner.run([input, "--sources", "2", "--iterations", "3", "-o", "\(dir)/out", "--plot"])
        #expect(r.status == 1 && r.stderr.contains("templates.png") && r.stderr.contains("already exists"))
        #expect(CLIRunner.entries(under: "\(dir)/out/mix") == ["templates.png"])
    }

    @Test func aFigureThatCannotBeWrittenRollsBackEverything() throws {
        let (dir, input) = try CLIRunner.speechInput()
        // An 8 KiB file-size limit: the first figure (tens of KiB) fails after the factorization.
        let r = try CLIRunner.run([input, "--sources", "2", "-o", "\(dir)/out", "--iterations", "3", "--plot"], fileSizeLimit: 16)
        let stderr = r.stderr
        #expect(r.status == 1, "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1 && stderr.contains("spectrogram.png"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"), "\(CLIRunner.entries(under: "\(dir)/out"))")
    }
}
