import Foundation

/// Reads an IEEE-float 32-bit WAV file (format tag 3, or WAVE_FORMAT_EXTENSIBLE with the
/// float sub-format), skipping unknown chunks. Enough for the committed fixtures; the test
/// target deliberately does not depend on AudioIO.
enum WAVFloatReader {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Reads a mono file.
    static func read(_ url: URL) throws -> (samples: [Float], sampleRate: Int) {
        let (channels, rate) = try readChannels(url)
        guard channels.count == 1 else { throw Failure(description: "\(url.lastPathComponent): not mono") }
        return (channels[0], rate)
    }

    /// Reads a file of any channel count, de-interleaved: channels × frames.
    static func readChannels(_ url: URL) throws -> (channels: [[Float]], sampleRate: Int) {
        let data = try Data(contentsOf: url)
        let bytes = [UInt8](data)
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func tag(_ o: Int) -> String { String(decoding: bytes[o..<(o + 4)], as: UTF8.self) }
        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else {
            throw Failure(description: "\(url.lastPathComponent): not a RIFF/WAVE file")
        }
        var offset = 12
        var rate = 0
        var isFloat = false
        var channelCount = 0
        while offset + 8 <= bytes.count {
            let id = tag(offset), size = u32(offset + 4), body = offset + 8
            guard body + size <= bytes.count else { throw Failure(description: "\(url.lastPathComponent): truncated \(id) chunk") }
            if id == "fmt " {
                var format = u16(body)
                if format == 0xFFFE && size >= 26 { format = u16(body + 24) }
                channelCount = u16(body + 2)
                isFloat = format == 3 && channelCount >= 1 && u16(body + 14) == 32
                rate = u32(body + 4)
            } else if id == "data" {
                guard isFloat else { throw Failure(description: "\(url.lastPathComponent): not float32") }
                let frames = size / 4 / channelCount
                var channels = [[Float]](repeating: [Float](repeating: 0, count: frames), count: channelCount)
                for t in 0..<frames {
                    for c in 0..<channelCount {
                        channels[c][t] = Float(bitPattern: UInt32(truncatingIfNeeded: u32(body + 4 * (t * channelCount + c))))
                    }
                }
                return (channels, rate)
            }
            offset = body + size + (size & 1)
        }
        throw Failure(description: "\(url.lastPathComponent): no data chunk")
    }
}
