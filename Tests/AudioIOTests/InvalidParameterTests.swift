import Testing
import Foundation
@testable import AudioIO
import _TestSupport

/// Hostile arguments to the reader, the writer and `AudioBuffer.validate` throw
/// `AudioIOError.invalidParameter` naming the parameter and its value instead of trapping.
@Suite struct InvalidParameterTests {
    func parameter(_ body: () throws -> Void) -> String? {
        do { try body() } catch let AudioIOError.invalidParameter(_, name, _, _) { return name } catch { return "\(error)" }
        return nil
    }

    @Test func readRefusesBadRangesAndBufferCounts() throws {
        let path = TestSupport.audio("piano_sms.wav")
        let r = try SoundFileReader(path: path)
        var one = [[Float]](repeating: [], count: 1)
        var none = [[Float]]()
        var two = [[Float]](repeating: [], count: 2)
        #expect(parameter { try r.read(start: 0, count: -1, into: &one) } == "count")
        #expect(parameter { try r.read(start: 0, count: Int.max, into: &one) } == "count")
        #expect(parameter { try r.read(start: 0, count: 1 << 40, into: &one) } == "count")
        #expect(parameter { try r.read(start: Int.max - 5, count: 10, into: &one) } == "start")
        #expect(parameter { try r.read(start: 0, count: 10, into: &none) } == "channels")
        #expect(parameter { try r.read(start: 0, count: 10, into: &two) } == "channels")
        #expect(throws: AudioIOError.invalidParameter(path: path, name: "count", value: "-1", allowed: "0 to \(SoundFileReader.maximumFrameCount) frames")) {
            try r.read(start: 0, count: -1, into: &one)
        }
        #expect(AudioIOError.invalidParameter(path: "a.wav", name: "count", value: "-1", allowed: "0 or more").description
                == "'a.wav': count -1 is out of range (allowed: 0 or more)")
        // Valid reads still work afterwards, and a zero count reads nothing.
        try r.read(start: Int.min, count: 0, into: &one)
        try r.read(start: -3, count: 6, into: &one)
        #expect(one[0].prefix(3).allSatisfy { $0 == 0 })
    }

    @Test func writeRefusesMissingOrShortChannelsAndNegativeRanges() throws {
        let dir = try TestSupport.temporaryDirectory()
        let path = "\(dir)/w.wav"
        let w = try SoundFileWriter(path: path, format: .wavFloat, channels: 2, sampleRate: 8000)
        let x = [Float](repeating: 0.25, count: 10)
        #expect(parameter { try w.write([x], count: 5) } == "channels")
        #expect(parameter { try w.write([x, Array(x.prefix(4))], count: 5) } == "channels[1]")
        #expect(parameter { try w.write([x, x], offset: 8, count: 5) } == "channels[0]")
        #expect(parameter { try w.write([x, x], offset: -1, count: 5) } == "offset")
        #expect(parameter { try w.write([x, x], count: -1) } == "count")
        #expect(parameter { try w.write([x, x], offset: 1, count: Int.max) } == "channels[0]")
        #expect(throws: AudioIOError.invalidParameter(path: path, name: "channels[1]", value: "with 4 samples",
                                                      allowed: "at least offset + count, 0 + 5")) {
            try w.write([x, Array(x.prefix(4))], count: 5)
        }
        try w.write([x, x], offset: 2, count: 8)
        try w.close()
        #expect(try SoundFileReader(path: path).frameCount == 8)
        // A channel count out of range named as such (it blamed the format), a layout of the wrong length refused.
        #expect(parameter { _ = try SoundFileWriter(path: "\(dir)/z.wav", format: .wavFloat, channels: 0, sampleRate: 8000) } == "channels")
        #expect(parameter { _ = try SoundFileWriter(path: "\(dir)/m.wav", format: .wavFloat, channels: 2, sampleRate: 8000, channelMap: [2]) } == "channelMap")
        #expect(parameter { _ = try SoundFileWriter(path: "\(dir)/m.wav", format: .wavFloat, channels: 2, sampleRate: 8000, channelMap: [2, -1]) } == "channelMap")
        #expect(parameter { _ = try SoundFileWriter(path: "\(dir)/m.wav", format: .wavFloat, channels: 1, sampleRate: 8000, channelMap: [1000]) } == "channelMap")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/z.wav") && !FileManager.default.fileExists(atPath: "\(dir)/m.wav"))
    }

    /// A NaN written to a 16-bit file came back as full scale: the writer refuses non-finite
    /// samples in an integer encoding, naming the channel and frame, and writes nothing of that
    /// block; a float file stores them as they are.
    @Test func writeRefusesNonFiniteSamples() throws {
        let dir = try TestSupport.temporaryDirectory()
        let path = "\(dir)/nan.wav"
        let w = try SoundFileWriter(path: path, format: .wav16, channels: 2, sampleRate: 8000)
        var y = [Float](repeating: 0.25, count: 10)
        y[7] = .nan
        #expect(throws: AudioIOError.invalidParameter(path: path, name: "channels[1]", value: "with a NaN or infinite sample at frame 7 of the file (index 7 in the buffers)",
                                                      allowed: "finite samples in an integer or compressed encoding")) {
            try w.write([[Float](repeating: 0, count: 10), y], count: 10)
        }
        y[7] = -.infinity
        #expect(parameter { try w.write([y, y], offset: 3, count: 7) } == "channels[0]")
        try w.write([y, y], count: 7)
        // The frame is the file's, past what was written before.
        #expect(throws: AudioIOError.invalidParameter(path: path, name: "channels[0]", value: "with a NaN or infinite sample at frame 9 of the file (index 7 in the buffers)",
                                                      allowed: "finite samples in an integer or compressed encoding")) {
            try w.write([y, y], offset: 5, count: 5)
        }
        try w.close()
        #expect(try SoundFileReader(path: path).frameCount == 7)
        let f = try SoundFileWriter(path: "\(dir)/nan-float.wav", format: .wavFloat, channels: 1, sampleRate: 8000)
        try f.write([y], count: 10)
        try f.close()
    }

    @Test func audioBufferValidateNamesTheOffendingPart() throws {
        var b = AudioBuffer(channels: [[1, 2, 3], [4, 5, 6]], sampleRate: 8000)
        try b.validate()
        b.channels[1].removeLast()
        #expect(throws: AudioIOError.invalidParameter(path: nil, name: "channels[1]", value: "with 2 samples",
                                                      allowed: "the length of channels[0], 3")) { try b.validate() }
        b.channels = []
        #expect(parameter { try b.validate() } == "channels")
        b.channels = [[0]]
        b.sampleRate = 0
        #expect(throws: AudioIOError.invalidParameter(path: nil, name: "sampleRate", value: "0", allowed: "1 to 1536000 Hz")) {
            try b.validate()
        }
        #expect(AudioIOError.invalidParameter(path: nil, name: "sampleRate", value: "0", allowed: "1 to 1536000 Hz").description
                == "sampleRate 0 is out of range (allowed: 1 to 1536000 Hz)")
        b.sampleRate = Int.max
        #expect(parameter { try b.validate() } == "sampleRate")
    }

    /// A rate the reader would refuse is refused by the writer too (libsndfile took any Int32,
    /// and 2³¹ − 1 Hz made a file no reader here opens), and `isWritable` says so.
    @Test func writerRefusesRatesTheReaderRefuses() throws {
        let dir = try TestSupport.temporaryDirectory()
        for rate in [0, -1, 1_536_001, Int(Int32.max), Int.max] {
            #expect(throws: AudioIOError.invalidParameter(path: "\(dir)/x.wav", name: "sampleRate", value: "\(rate) Hz", allowed: "1 to 1536000 Hz")) {
                _ = try SoundFileWriter(path: "\(dir)/x.wav", format: .wav16, channels: 1, sampleRate: rate)
            }
            #expect(!AudioFormat.wav16.isWritable(channels: 1, sampleRate: rate))
        }
        #expect(!AudioFormat.wav16.isWritable(channels: 2, sampleRate: 4_294_967_296 + 44_100))
        #expect(AudioFormat.wav16.isWritable(channels: 2, sampleRate: 44_100) && !FileManager.default.fileExists(atPath: "\(dir)/x.wav"))
    }
}
