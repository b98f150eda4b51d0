import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// `train` holds one training file open at a time: a directory of more takes than the process
/// may have files open (1100 against `ulimit -n 1024` failed with "Too many open files").
@Suite struct TrainingRecordingTests {
    /// The process's open file descriptors.
    func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }

    @Test func recordingsAreOpenOnlyWhileRead() throws {
        let dir = try TestSupport.temporaryDirectory()
        let x = try TestSupport.excerpt("speech_libri_198_f.wav", frames: 20_000)
        try TestSupport.write(x, to: "\(dir)/take.wav", format: .wavFloat)
        let before = try openDescriptors()
        let takes = try (0..<300).map { _ in try TrainingRecording(path: "\(dir)/take.wav") }
        // (Other tests run meanwhile and open files too: a leak would be 300 more.)
        #expect(try openDescriptors() < before + 100, "300 recordings probed, none left open")
        #expect(takes.allSatisfy { !$0.isOpen })
        #expect(takes[0].frameCount == 20_000 && takes[0].channelCount == x.channelCount && takes[0].sampleRate == x.sampleRate)
        // Read front to back in ranges, as the trainer's analysis reads: the same samples as the
        // file holds, and the file closed again once the end is reached.
        var channels = [[Float]](repeating: [Float](repeating: 0, count: 4096), count: x.channelCount)
        var got: [Float] = []
        for start in stride(from: -512, to: 20_000, by: 4096) {
            try takes[0].read(start: start, count: 4096, into: &channels)
            let from = max(0, -start)
            got += channels[0][from..<min(4096, 20_000 - start)]
            #expect(takes[0].isOpen == (start + 4096 < 20_000))
        }
        #expect(got == x.channels[0] && !takes[0].isOpen)
        // A file replaced by one of another length between the probe and the reading is named.
        try TestSupport.write(AudioBuffer(channels: x.channels.map { Array($0.prefix(9000)) }, sampleRate: x.sampleRate), to: "\(dir)/take.wav", format: .wavFloat)
        #expect(throws: AudioIOError.self) { try takes[1].read(start: 0, count: 100, into: &channels) }
    }
}
