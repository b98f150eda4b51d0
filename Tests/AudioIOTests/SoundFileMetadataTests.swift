import Testing
import Foundation
import CSndFile
@testable import AudioIO
import _TestSupport

@Suite struct SoundFileMetadataTests {
    static let tags = SoundFileMetadata([.title: "Étude in C", .artist: "Quartet", .album: "Recordings", .comment: "take 2",
                                         .date: "2026-11-27", .copyright: "CC BY 4.0"])

    func writeTagged(_ path: String, format: AudioFormat, metadata: SoundFileMetadata) throws {
        let w = try SoundFileWriter(path: path, format: format, channels: 1, sampleRate: 16000, metadata: metadata)
        try w.write([(0..<4000).map { Float(0.2 * sin(Double($0) * 0.03)) }], count: 4000)
        try w.close()
    }

    /// Each container keeps the fields it has a place for, unchanged (WAV's INFO chunk, FLAC's
    /// and Ogg's comments, AIFF's text chunks); the audio is written as without them.
    @Test(arguments: [("wav", Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16)), ("flac", Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16)),
                      ("ogg", Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)), ("aiff", Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_PCM_16))])
    func fieldsSurviveAWriteAndARead(_ ext: String, _ raw: Int32) throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeTagged("\(dir)/t.\(ext)", format: AudioFormat(rawValue: raw), metadata: Self.tags)
        try writeTagged("\(dir)/u.\(ext)", format: AudioFormat(rawValue: raw), metadata: SoundFileMetadata())
        let read = try SoundFileReader(path: "\(dir)/t.\(ext)").metadata
        #expect(!read.isEmpty)
        for (field, text) in read.fields { #expect(Self.tags.fields[field] == text, "\(ext) \(field)") }
        #expect(read.fields[.title] == "Étude in C", "\(ext)")
        #expect(try SoundFileReader(path: "\(dir)/u.\(ext)").metadata.isEmpty)
        if ext != "ogg" {   // (Ogg's serial number is random)
            #expect(try SoundFileReader(path: "\(dir)/t.\(ext)").readAll() == SoundFileReader(path: "\(dir)/u.\(ext)").readAll())
        }
    }

    @Test func emptyValuesAndTextAfterANulAreDropped() throws {
        let m = SoundFileMetadata([.title: "", .artist: "A\0B"])
        #expect(m.fields[.title] == nil)
        let dir = try TestSupport.temporaryDirectory()
        try writeTagged("\(dir)/n.wav", format: .wav16, metadata: m)
        #expect(try SoundFileReader(path: "\(dir)/n.wav").metadata == SoundFileMetadata([.artist: "A"]))
    }
}
