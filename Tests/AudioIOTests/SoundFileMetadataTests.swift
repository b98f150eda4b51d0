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
        #expect(try SoundFileReader(path: "\(dir)/t.\(ext)").readAll() == SoundFileReader(path: "\(dir)/u.\(ext)").readAll())
    }

    /// Long fields are cut to 1 KiB at a character boundary, so that every container stays
    /// readable with its fields (libsndfile wrote a 2 KB WAV title as a broken LIST chunk, and an
    /// 8 KB AIFF title as a file it could not open).
    @Test(arguments: [("wav", Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16)), ("flac", Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16)),
                      ("ogg", Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)), ("aiff", Int32(SF_FORMAT_AIFF) | Int32(SF_FORMAT_PCM_16))])
    func longFieldsAreCutAndTheFileStaysReadable(_ ext: String, _ raw: Int32) throws {
        let dir = try TestSupport.temporaryDirectory()
        let title = String(repeating: "é", count: 5000)   // 2 bytes each in UTF-8
        try writeTagged("\(dir)/long.\(ext)", format: AudioFormat(rawValue: raw),
                        metadata: SoundFileMetadata([.title: title, .artist: "Band", .comment: String(repeating: "x", count: 9000)]))
        let r = try SoundFileReader(path: "\(dir)/long.\(ext)")
        #expect(r.frameCount == 4000)
        let read = r.metadata
        #expect(read.fields[.title] == String(repeating: "é", count: 512), "\(ext): \(read.fields[.title]?.utf8.count ?? -1) bytes")
        if ext != "aiff" { #expect(read.fields[.artist] == "Band", "\(ext)") }   // (libsndfile's AIFF has no artist chunk)
        #expect(SoundFileMetadata.storable("ab\0cd") == "ab" && SoundFileMetadata.storable("aé", limit: 2) == "a")
        // Between characters: a flag (two scalars, 8 bytes) is kept whole or left out.
        #expect(SoundFileMetadata.storable("ab🇫🇷", limit: 9) == "ab" && SoundFileMetadata.storable("ab🇫🇷", limit: 10) == "ab🇫🇷")
    }

    /// A RIFF INFO title in Windows-1252 (as Windows tools write them) is read as such, not with
    /// U+FFFD in place of its accented letters and quotes.
    @Test func latin1FieldsAreRead() throws {
        func chunk(_ id: String, _ body: [UInt8]) -> [UInt8] {
            let padded = body + (body.count % 2 == 1 ? [0] : [])
            return Array(id.utf8) + withUnsafeBytes(of: UInt32(body.count).littleEndian, Array.init) + padded
        }
        let fmt: [UInt8] = [1, 0, 1, 0] + withUnsafeBytes(of: UInt32(8000).littleEndian, Array.init)
            + withUnsafeBytes(of: UInt32(16000).littleEndian, Array.init) + [2, 0, 16, 0]
        let info = chunk("LIST", Array("INFO".utf8) + chunk("INAM", Array("Caf".utf8) + [0xE9, 0x92, 0]))
        let body = Array("WAVE".utf8) + chunk("fmt ", fmt) + info + chunk("data", [UInt8](repeating: 0, count: 200))
        let file = Array("RIFF".utf8) + withUnsafeBytes(of: UInt32(body.count).littleEndian, Array.init) + body
        let dir = try TestSupport.temporaryDirectory()
        try Data(file).write(to: URL(fileURLWithPath: "\(dir)/latin1.wav"))
        #expect(try SoundFileReader(path: "\(dir)/latin1.wav").metadata.fields[.title] == "Café’")   // (0x92: Windows-1252's ’)
    }

    @Test func emptyValuesAndTextAfterANulAreDropped() throws {
        let m = SoundFileMetadata([.title: "", .artist: "A\0B"])
        #expect(m.fields[.title] == nil)
        let dir = try TestSupport.temporaryDirectory()
        try writeTagged("\(dir)/n.wav", format: .wav16, metadata: m)
        #expect(try SoundFileReader(path: "\(dir)/n.wav").metadata == SoundFileMetadata([.artist: "A"]))
    }
}
