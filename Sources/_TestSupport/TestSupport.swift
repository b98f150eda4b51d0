import Foundation
import NMFSeparation

/// Paths, signals and helpers shared by the test targets.
public enum TestSupport {
    /// The package's root directory.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `../shared/data/audio`, the development recordings.
    public static let audioDirectory = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/data/audio")

    /// The path of a development recording by file name.
    public static func audio(_ name: String) -> String {
        audioDirectory.appendingPathComponent(name).path
    }

    /// The bundled sample mixture.
    public static var sample: String { packageRoot.appendingPathComponent("Samples/speech_piano.wav").path }

    /// Reads a file entirely.
    public static func read(_ path: String) throws -> AudioBuffer {
        try SoundFileReader(path: path).readAll()
    }

    /// The first `frames` frames of a recording.
    public static func excerpt(_ name: String, frames: Int) throws -> AudioBuffer {
        let b = try read(audio(name))
        return AudioBuffer(channels: b.channels.map { Array($0.prefix(frames)) }, sampleRate: b.sampleRate)
    }

    /// A sine tone.
    public static func tone(frequency: Double, sampleRate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] {
        let n = Int(Double(sampleRate) * seconds)
        return (0..<n).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
    }

    /// The largest absolute value.
    public static func peak(_ x: [Float]) -> Float { x.reduce(0) { max($0, abs($1)) } }

    /// Seeded uniform factors W (bins × components) and H (components × frames) in [0, 1), and
    /// their product V = W·H (bins × frames): a planted factorization.
    public static func randomFactors(bins: Int, components: Int, frames: Int, seed: UInt64) -> (w: Matrix, h: Matrix, v: Matrix) {
        var g = SeededGenerator(seed: seed)
        var w = Matrix(rows: bins, columns: components), h = Matrix(rows: components, columns: frames)
        for i in 0..<w.storage.count { w[i % bins, i / bins] = g.nextUnitFloat() }
        for i in 0..<h.storage.count { h[i % components, i / components] = g.nextUnitFloat() }
        return (w, h, w.multiplied(by: h))
    }

    /// The directory under which this test process makes its temporary directories; it is
    /// removed with everything in it when the process exits (a crash leaves it behind).
    static let runDirectory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nmf-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        atexit { try? FileManager.default.removeItem(at: TestSupport.runDirectory) }
        return dir
    }()

    /// A fresh temporary directory, removed when the test process exits.
    public static func temporaryDirectory() throws -> String {
        let dir = runDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    /// Writes a buffer to a file in the given format.
    public static func write(_ buffer: AudioBuffer, to path: String, format: AudioFormat) throws {
        let w = try SoundFileWriter(path: path, format: format, channels: buffer.channelCount, sampleRate: buffer.sampleRate)
        try w.write(buffer.channels, offset: 0, count: buffer.frameCount)
        try w.close()
    }
}

extension TestSupport {
    /// Σ over `rows` of Σ_n (h_kn − h_k,n−1)² / Σ_n h_kn²: the temporal-continuity penalty's own
    /// measure of how rough activations are (H is K × frames; all rows when `rows` is nil).
    public static func roughness(_ h: Matrix, rows: Range<Int>? = nil) -> Double {
        (rows ?? 0..<h.rows).reduce(0.0) { total, c in
            var jumps = 0.0, squares = 0.0
            for j in 0..<h.columns {
                squares += Double(h[c, j]) * Double(h[c, j])
                if j > 0 { let d = Double(h[c, j]) - Double(h[c, j - 1]); jumps += d * d }
            }
            return total + jumps / max(squares, 1e-30)
        }
    }
}
