import Testing
import Foundation
import CSndFile
@testable import AudioIO
import _TestSupport

/// Ogg outputs are byte-identical for identical samples: the stream serial number, which
/// libsndfile draws at random, is fixed, and every page's CRC still checks (libogg verifies it
/// when the file is read back).
@Suite struct OggSerialNumberTests {
    @Test(arguments: [Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS), Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_OPUS)])
    func sameSamplesGiveSameBytes(_ raw: Int32) throws {
        let dir = try TestSupport.temporaryDirectory()
        let signal = (0..<96_000).map { Float(0.3 * sin(Double($0) * 0.05) + 0.05 * sin(Double($0) * 0.71)) }
        var files: [Data] = []
        for name in ["a", "b"] {
            let path = "\(dir)/\(name).ogg"
            try AudioBuffer(channels: [signal, signal.map { $0 * 0.5 }], sampleRate: 48000).write(to: path, format: AudioFormat(rawValue: raw))
            files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
            let back = try SoundFileReader(path: path).readAll()
            #expect(back.channelCount == 2 && back.frameCount >= 96_000)
            // A lossy codec, and Opus decodes with a delay: the best match over small lags is close.
            let x = back.channels[0], n = 40_000
            func worst(lag: Int) -> Float {
                var m: Float = 0
                for t in 1000..<(1000 + n) { m = max(m, abs(x[t + lag] - signal[t])) }
                return m
            }
            let best = (0..<1000).map(worst(lag:)).min() ?? 1
            #expect(best < 0.05, "\(best)")
        }
        #expect(files[0] == files[1])
        // Another signal gets another serial (the hash of its pages), on every page alike.
        let path = "\(dir)/c.ogg"
        try AudioBuffer(channels: [signal.map { -$0 }, signal], sampleRate: 48000).write(to: path, format: AudioFormat(rawValue: raw))
        let other = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(other[14..<18] != files[0][14..<18])
        var offset = 0, pages = 0
        while offset + 27 <= other.count {
            #expect(other[offset..<(offset + 4)] == Data("OggS".utf8) && other[(offset + 14)..<(offset + 18)] == other[14..<18])
            let segments = Int(other[offset + 26])
            offset += 27 + segments + other[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
            pages += 1
        }
        #expect(offset == other.count && pages > 2)
    }

    @Test func crcMatchesTheOggReferenceValue() {
        // CRC-32 with polynomial 0x04C11DB7, init 0, unreflected, no final xor ("CRC-32/MPEG-2"
        // without its init): "123456789" checks to 0x89A1897F.
        let value = Array("123456789".utf8).withUnsafeBytes { OggSerialNumber.crc($0) }
        #expect(value == 0x89A1_897F)
        let other = "x".withCString { _ in OggSerialNumber.normalize(path: "/nonexistent/x.ogg") }
        #expect(!other)
    }
}
