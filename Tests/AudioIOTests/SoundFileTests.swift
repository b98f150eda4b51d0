import Testing
import Foundation
import CSndFile
@testable import AudioIO
import DSPCore
import _TestSupport

@Suite struct SoundFileTests {
    @Test func readsRealRecordingWithHeaderFacts() throws {
        let r = try SoundFileReader(path: TestSupport.audio("speech_sms_male.wav"))
        #expect(r.channelCount == 1)
        #expect(r.sampleRate == 44100)
        #expect(r.frameCount > 44100 * 5)
        #expect(r.format.isInteger)
        #expect(r.format.fileExtension == "wav")
    }

    /// The separation reads its input twice; a file rewritten in place in between (the masks
    /// applied to other audio than was factorized, with exit 0) is an error when a read goes back.
    @Test func aFileChangedBetweenPassesIsNoticed() throws {
        let dir = try TestSupport.temporaryDirectory()
        let x = (0..<8000).map { Float(sin(Double($0) * 0.05)) * 0.5 }
        try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 8000), to: "\(dir)/a.wav", format: .wav16)
        let r = try SoundFileReader(path: "\(dir)/a.wav")
        var buffers: [[Float]] = [[]]
        try r.read(start: 0, count: 1000, into: &buffers)
        try r.read(start: 500, count: 1000, into: &buffers)
        try r.read(start: 0, count: 1000, into: &buffers)   // unchanged: a second pass reads on
        try TestSupport.write(AudioBuffer(channels: [x.map { -$0 }], sampleRate: 8000), to: "\(dir)/a.wav", format: .wav16)
        // (Rewritten within the same clock tick the size is the same: set the time apart.)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: "\(dir)/a.wav")
        try r.read(start: 2000, count: 1000, into: &buffers)   // forward reads do not look
        #expect(throws: AudioIOError.cannotOpen(path: "\(dir)/a.wav", reason: "it changed while being read (its size or modification time differ from when it was opened)")) {
            try r.read(start: 0, count: 1000, into: &buffers)
        }
        // Replaced under its name (mv, an editor's save) or removed: the file open is still read.
        let kept = try SoundFileReader(path: "\(dir)/a.wav")
        try kept.read(start: 0, count: 1000, into: &buffers)
        let first = buffers[0]
        try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 8000), to: "\(dir)/b.wav", format: .wav16)
        #expect(rename("\(dir)/b.wav", "\(dir)/a.wav") == 0)
        try kept.read(start: 0, count: 1000, into: &buffers)
        #expect(buffers[0] == first)
        #expect(unlink("\(dir)/a.wav") == 0)
        try kept.read(start: 0, count: 1000, into: &buffers)
        #expect(buffers[0] == first)
    }

    /// A failed write names a (nearly) full file system, which the FLAC and Vorbis encoders do not
    /// (a full disk read "Unspecified internal error"); with room left, or where libsndfile said
    /// so itself, the reason stays as it is. (The full case was checked on a 32 kB tmpfs.)
    @Test func writeFailuresNameAFullDisk() throws {
        let dir = try TestSupport.temporaryDirectory()
        #expect(SoundFileWriter.withSpaceNote("Unspecified internal error", path: "\(dir)/a.ogg") == "Unspecified internal error")
        #expect(SoundFileWriter.withSpaceNote("No space left on device", path: "/") == "No space left on device")
    }

    @Test func rangeReadsPadWithZerosOutsideTheFile() throws {
        let r = try SoundFileReader(path: TestSupport.audio("piano_sms.wav"))
        let all = try r.readAll().channels[0]
        var out = [[Float]](repeating: [], count: 1)
        try r.read(start: -10, count: 30, into: &out)
        #expect(out[0][0..<10].allSatisfy { $0 == 0 })
        #expect(Array(out[0][10..<30]) == Array(all[0..<20]))
        try r.read(start: r.frameCount - 5, count: 10, into: &out)
        #expect(Array(out[0][0..<5]) == Array(all[(all.count - 5)...]))
        #expect(out[0][5..<10].allSatisfy { $0 == 0 })
    }

    /// Encodings libsndfile decodes front to back only (it cannot seek in them): overlapping and
    /// backward range reads, as the STFT's two passes make, give what one whole read gives.
    @Test(arguments: [Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_GSM610), Int32(SF_FORMAT_AU) | Int32(SF_FORMAT_G721_32),
                      Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_NMS_ADPCM_32)])
    func readsEncodingsThatCannotSeek(_ format: Int32) throws {
        let dir = try TestSupport.temporaryDirectory()
        let path = "\(dir)/seq.\(AudioFormat(rawValue: format).fileExtension)"
        let signal = (0..<120_000).map { Float(0.3 * sin(Double($0) * 0.05) + 0.1 * sin(Double($0) * 0.31)) }
        try TestSupport.write(AudioBuffer(channels: [signal], sampleRate: 8000), to: path, format: AudioFormat(rawValue: format))
        let all = try SoundFileReader(path: path).readAll().channels[0]
        #expect(all.count >= 120_000)  // block codecs pad the last block
        let r = try SoundFileReader(path: path)
        var out = [[Float]](repeating: [], count: 1)
        // Overlapping chunks, a second pass from the start, a jump forward, then back again; a
        // read longer than the kept range (65 536 frames), then one overlapping its end.
        for (start, count) in [(-512, 3000), (1500, 3000), (3500, 3000), (-512, 2000), (1000, 500), (30_000, 20_000), (7, 100),
                               (10_000, 90_000), (99_000, 25_000)] {
            try r.read(start: start, count: count, into: &out)
            for i in 0..<count {
                let frame = start + i
                #expect(out[0][i] == (frame >= 0 && frame < all.count ? all[frame] : 0), "\(start) \(count) \(i)")
                if out[0][i] != (frame >= 0 && frame < all.count ? all[frame] : 0) { return }
            }
        }
        #expect(r.isSequential)
    }

    @Test(arguments: [
        (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16), "wav", Float(1.0 / 32768)),
        (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_24), "wav", Float(1.0 / 8_388_608)),
        (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_FLOAT), "wav", Float(0)),
        (Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16), "flac", Float(1.0 / 32768)),
        (Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_PCM_16), "aiff", Float(1.0 / 32768)),
    ])
    func roundTripsFormats(raw: Int32, ext: String, step: Float) throws {
        let dir = try TestSupport.temporaryDirectory()
        let tone = TestSupport.tone(frequency: 440, sampleRate: 22050, seconds: 0.5)
        let buffer = AudioBuffer(channels: [tone, tone.map { -$0 }], sampleRate: 22050)
        let path = "\(dir)/x.\(ext)"
        try TestSupport.write(buffer, to: path, format: AudioFormat(rawValue: raw))
        let back = try SoundFileReader(path: path)
        #expect(back.channelCount == 2 && back.sampleRate == 22050 && back.frameCount == tone.count)
        #expect(back.format.rawValue == raw)
        let data = try back.readAll()
        for c in 0..<2 {
            let err = zip(data.channels[c], buffer.channels[c]).map { abs($0 - $1) }.max()!
            #expect(err <= step / 2, "rounded to the nearest step")   // (libsndfile's 16-bit clipping conversion truncates)
            let bias = zip(data.channels[c], buffer.channels[c]).reduce(0.0) { $0 + Double($1.0 - $1.1) } / Double(tone.count)
            #expect(abs(bias) <= Double(step) / 20, "no offset from truncation: \(bias / Double(max(step, 1e-9))) steps")
        }
    }

    /// The writer's fast rounding of 8- and 16-bit samples gives the bits of
    /// `rounded(.toNearestOrEven)`, ties included, after clamping to [−1, fullScale].
    @Test(arguments: [Float(128), 32768, 8_388_608])
    func fastRoundingIsRoundingToNearestEven(steps: Float) {
        var g = SeededGenerator(seed: 9)
        var x = (0..<20_000).map { _ in (g.nextUnitFloat() * 2.4 - 1.2) }
        x += (-300...300).map { (Float($0) + 0.5) / steps }                 // ties: exactly half a step
        x += [0, -0, 1, -1, SoundFileWriter.fullScale, 1e-30, -1e-30, 0.5 / steps, -0.5 / steps, 1.5 / steps]
        var y = x
        y.withUnsafeMutableBufferPointer { SoundFileWriter.clampAndRound($0, steps: steps) }
        for (a, b) in zip(x, y) {
            let expected = (min(max(a, -1), SoundFileWriter.fullScale) * steps).rounded(.toNearestOrEven) / steps
            #expect(b == expected, "\(a) → \(b), expected \(expected)")
            if b != expected { return }
        }
    }

    /// Beyond full scale every clipping encoding saturates: libsndfile's µ-law, A-law, DPCM and
    /// DWVW encoders wrap round (A-law wrote 1.01 as −0.17, DWVW-16 wrote 1.0 as −1).
    @Test(arguments: [
        (Int32(SF_FORMAT_AU) | Int32(SF_FORMAT_ULAW), "au"), (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_ALAW), "wav"),
        (Int32(SF_FORMAT_XI) | Int32(SF_FORMAT_DPCM_16), "xi"), (Int32(SF_FORMAT_XI) | Int32(SF_FORMAT_DPCM_8), "xi"),
        (Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_DWVW_16), "aiff"), (Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_DWVW_24), "aiff"),
        (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_U8), "wav"), (Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_PCM_S8), "aiff"),
        (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16), "wav"), (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_32), "wav"),
        (Int32(SF_FORMAT_CAF) | Int32(SF_FORMAT_ALAC_16), "caf"), (Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_IMA_ADPCM), "wav"),
    ])
    func samplesBeyondFullScaleSaturate(raw: Int32, ext: String) throws {
        let format = AudioFormat(rawValue: raw)
        #expect(format.clipsAtFullScale)
        let dir = try TestSupport.temporaryDirectory()
        let levels: [Float] = [0.5, 1.0, 1.01, 1.1, 2, 1000, -1, -1.01, -2, -1000]
        // Each level held for 400 samples (ADPCM and DPCM follow steps over a few samples).
        var x = [Float](repeating: 0, count: 800)
        for v in levels { x += [Float](repeating: v, count: 400) + [Float](repeating: 0, count: 400) }
        try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 8000), to: "\(dir)/x.\(ext)", format: format)
        let back = try SoundFileReader(path: "\(dir)/x.\(ext)").readAll().channels[0]
        for (i, v) in levels.enumerated() {
            let y = back[800 + i * 800 + 300]   // inside the held level
            let expected = min(max(v, -1), 1)
            #expect(abs(y - expected) < 0.05, "\(format): \(v) read back as \(y)")
        }
        #expect(!AudioFormat(rawValue: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_FLOAT)).clipsAtFullScale)
        #expect(!AudioFormat(rawValue: Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)).clipsAtFullScale)
    }

    @Test func refusesDirectoriesMissingAndNonAudioFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        #expect(throws: AudioIOError.isDirectory(path: dir)) { try SoundFileReader(path: dir) }
        #expect(throws: AudioIOError.fileNotFound(path: "\(dir)/none.wav")) { try SoundFileReader(path: "\(dir)/none.wav") }
        try "not audio".write(toFile: "\(dir)/t.wav", atomically: true, encoding: .utf8)
        #expect(throws: AudioIOError.self) { try SoundFileReader(path: "\(dir)/t.wav") }
    }

    @Test func detectsTruncatedWav() throws {
        let dir = try TestSupport.temporaryDirectory()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TestSupport.audio("piano_sms.wav")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: "\(dir)/half.wav"))
        #expect { try SoundFileReader(path: "\(dir)/half.wav") } throws: { e in
            if case .truncatedData = e as? AudioIOError { return true }
            return false
        }
        // Cut right after its 44-byte header: truncated (the header announces data), not empty.
        try TestSupport.write(AudioBuffer(channels: [[Float](repeating: 0.25, count: 1000)], sampleRate: 8000), to: "\(dir)/full.wav", format: .wav16)
        let full = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/full.wav"))
        #expect(full.count == 44 + 2000)
        try full.prefix(44).write(to: URL(fileURLWithPath: "\(dir)/header.wav"))
        #expect { try SoundFileReader(path: "\(dir)/header.wav") } throws: { e in
            if case .truncatedData(_, 2000, 0) = e as? AudioIOError { return true }
            return false
        }
        // A file of 0 bytes says so.
        #expect(FileManager.default.createFile(atPath: "\(dir)/zero.wav", contents: Data()))
        #expect { try SoundFileReader(path: "\(dir)/zero.wav") } throws: { e in
            "\(e)".contains("the file is empty (0 bytes)")
        }
    }

    /// Programs writing WAV to a pipe cannot seek back to fill in the data size and leave
    /// 0xFFFFFFFF ("unknown"); such a file is whole, not truncated.
    @Test func readsWavWhoseDataSizeIsUnknown() throws {
        let dir = try TestSupport.temporaryDirectory()
        let x = try TestSupport.excerpt("piano_sms.wav", frames: 20_000)
        try TestSupport.write(x, to: "\(dir)/whole.wav", format: .wav16)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/whole.wav")))
        let data = try #require((0..<(bytes.count - 8)).first { bytes[$0..<($0 + 4)].elementsEqual("data".utf8) })
        for i in 4..<8 { bytes[data + i] = 0xFF }
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/piped.wav"))
        let r = try SoundFileReader(path: "\(dir)/piped.wav")
        #expect(r.frameCount == 20_000)
        #expect(try r.readAll().channels == SoundFileReader(path: "\(dir)/whole.wav").readAll().channels)
        // SoX's "unknown" (MS_UNSPEC).
        for (i, b) in [UInt8](arrayLiteral: 0x00, 0xF0, 0xFF, 0x7F).enumerated() { bytes[data + 4 + i] = b }
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/sox.wav"))
        #expect(try SoundFileReader(path: "\(dir)/sox.wav").frameCount == 20_000)
        // A data size that is merely too large is still a truncation.
        for (i, b) in [UInt8](arrayLiteral: 0x00, 0x00, 0x10, 0x00).enumerated() { bytes[data + 4 + i] = b }
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/long.wav"))
        #expect { try SoundFileReader(path: "\(dir)/long.wav") } throws: { e in
            if case .truncatedData = e as? AudioIOError { return true }
            return false
        }
    }

    /// libsndfile refuses paths of 1024 bytes or more ("Supplied filename too long"); Linux
    /// allows 4096: such files are opened by descriptor, for reading and writing.
    @Test func pathsBeyondLibsndfilesLimitWork() throws {
        var dir = try TestSupport.temporaryDirectory()
        while dir.utf8.count < 1100 { dir += "/" + String(repeating: "d", count: 200) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let x = (0..<5000).map { Float(sin(Double($0) * 0.01)) * 0.5 }
        let path = "\(dir)/long.flac"
        try AudioBuffer(channels: [x, x], sampleRate: 8000).write(to: path, format: AudioFormat(rawValue: 0x170002))
        let r = try SoundFileReader(path: path)
        #expect(r.frameCount == 5000 && r.channelCount == 2)
        let back = try r.readAll()
        #expect(zip(back.channels[1], x).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func refusesNonFiniteSamples() throws {
        let dir = try TestSupport.temporaryDirectory()
        var x = [Float](repeating: 0.1, count: 100)
        x[42] = .nan
        try TestSupport.write(AudioBuffer(channels: [x], sampleRate: 8000), to: "\(dir)/nan.wav", format: .wavFloat)
        let r = try SoundFileReader(path: "\(dir)/nan.wav")
        #expect(throws: AudioIOError.nonFiniteSample(path: "\(dir)/nan.wav", frame: 42, channel: 0, doublePrecision: false)) { try r.readAll() }
        // The earliest frame is named, whichever channel holds it (channel 0 was scanned first).
        var left = [Float](repeating: 0.1, count: 100), right = left
        left[70] = .infinity
        right[30] = .nan
        try TestSupport.write(AudioBuffer(channels: [left, right], sampleRate: 8000), to: "\(dir)/two.wav", format: .wavFloat)
        #expect(throws: AudioIOError.nonFiniteSample(path: "\(dir)/two.wav", frame: 30, channel: 1, doublePrecision: false)) {
            try SoundFileReader(path: "\(dir)/two.wav").readAll()
        }
        // Replaced, each is counted once however often its frames are read.
        let replacing = try SoundFileReader(path: "\(dir)/two.wav")
        replacing.nonFinitePolicy = .replaceWithZero
        let back = try replacing.readAll()
        _ = try replacing.readAll()
        var part = [[Float]](repeating: [], count: 2)
        try replacing.read(start: 20, count: 60, into: &part)
        #expect(back.channels[0][70] == 0 && back.channels[1][30] == 0 && back.channels[1][31] == 0.1 && part[1][10] == 0)
        #expect(replacing.replacedNonFiniteSamples == 2)
        // A 64-bit float beyond float's range is not called NaN alone.
        var huge = [Double](repeating: 0.1, count: 100)
        huge[5] = 1e300
        var info = SF_INFO()
        info.samplerate = 8000
        info.channels = 1
        info.format = Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_DOUBLE)
        let h = try #require(sf_open("\(dir)/huge.wav", Int32(SFM_WRITE), &info))
        #expect(sf_writef_double(h, huge, 100) == 100)
        sf_close(h)
        do {
            _ = try SoundFileReader(path: "\(dir)/huge.wav").readAll()
            Issue.record("a double beyond float's range was read")
        } catch let e as AudioIOError {
            #expect(e == .nonFiniteSample(path: "\(dir)/huge.wav", frame: 5, channel: 0, doublePrecision: true))
            #expect(e.description.contains("out-of-range") && e.description.contains("frame 5, channel 1"))
        }
    }
}
