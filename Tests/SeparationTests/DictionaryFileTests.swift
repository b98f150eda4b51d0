import Testing
import Foundation
import NMFSeparation
@testable import Separation
import _TestSupport

/// Reading `.nmfdict` files that are damaged, lie in their header or are not files at all:
/// refused with the reason, the field and its value, before anything large is allocated.
@Suite struct DictionaryFileTests {
    let dir: String
    let data: Data
    init() throws {
        dir = try TestSupport.temporaryDirectory()
        let stft = try STFTConfiguration(fftSize: 256, hopLength: 64)
        data = NMFDictionary(basis: Matrix(rows: 129, columns: 3, repeating: 1.0 / 129), sampleRate: 8000, stft: stft, label: "x").encoded()
    }

    /// The header line, edited as text; the templates kept as bytes.
    func editedHeader(_ old: String, _ new: String) -> Data {
        let end = data.dropFirst(8).firstIndex(of: 0x0A)!
        let header = String(decoding: data[..<end], as: UTF8.self)
        #expect(header.contains(old), "\(header)")
        return Data(header.replacingOccurrences(of: old, with: new).utf8) + data[end...]
    }

    func reason(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    /// What `read` would refuse, `write` refuses before writing (a library caller's dictionary
    /// with a sample rate of −3 Hz, no templates or a NaN template was written and then unreadable).
    @Test func writeRefusesWhatReadWouldRefuse() throws {
        let stft = try STFTConfiguration(fftSize: 256, hopLength: 64)
        var nan = Matrix(rows: 129, columns: 2, repeating: 0.01)
        nan[5, 1] = .nan
        for (d, expected) in [(NMFDictionary(basis: Matrix(rows: 129, columns: 2, repeating: 0.01), sampleRate: -3, stft: stft), "'sample_rate' is -3"),
                              (NMFDictionary(basis: Matrix(rows: 129, columns: 0), sampleRate: 8000, stft: stft), "'components' is 0"),
                              (NMFDictionary(basis: nan, sampleRate: 8000, stft: stft), "nan")] {
            let text = reason { try d.write(to: "\(dir)/w.nmfdict") }
            #expect(text.contains(expected) && text.contains("w.nmfdict"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/w.nmfdict"))
        }
        // A header line longer than a reader takes (a 70 000-byte label; a note as long): said so.
        for (label, notes) in [(String(repeating: "x", count: 70_000), [:]), ("", ["trained_on": String(repeating: "y", count: 70_000)])] {
            let long = NMFDictionary(basis: Matrix(rows: 129, columns: 2, repeating: 0.01), sampleRate: 8000, stft: stft, label: label, notes: notes)
            let text = reason { try long.write(to: "\(dir)/w.nmfdict") }
            #expect(text.contains("cannot write dictionary '\(dir)/w.nmfdict': its header line would take")
                    && text.contains("(allowed: at most \(NMFDictionary.maximumHeaderBytes))"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/w.nmfdict"))
        }
        // A note named as a header field would be dropped: the file would not read back as written.
        let shadow = NMFDictionary(basis: Matrix(rows: 129, columns: 2, repeating: 0.01), sampleRate: 8000, stft: stft, notes: ["bins": "7"])
        let shadowed = reason { try shadow.write(to: "\(dir)/w.nmfdict") }
        #expect(shadowed.contains("the note 'bins' has the name of a header field"), "\(shadowed)")
        let good = NMFDictionary(basis: Matrix(rows: 129, columns: 2, repeating: 0.01), sampleRate: 8000, stft: stft,
                                 label: String(repeating: "é", count: NMFDictionary.maximumLabelBytes / 2))
        try good.write(to: "\(dir)/w.nmfdict")
        #expect(try NMFDictionary.read(path: "\(dir)/w.nmfdict") == good)
    }

    /// The training files' names are recorded within about 8 KiB, the rest counted, so that many
    /// or long names keep the header readable (400 names of 200 characters made a file no
    /// separation could read); a label beyond its limit is refused before the training.
    @Test func trainingNamesAndLabelsKeepTheHeaderReadable() throws {
        #expect(NMFDictionary.trainedOnNote(["a/x.wav", "b/y.wav"]) == "x.wav, y.wav")
        let names = (0..<400).map { "dir/\($0)" + String(repeating: "z", count: 200) + ".wav" }
        let note = NMFDictionary.trainedOnNote(names)
        #expect(note.utf8.count <= 8192 + 20 && note.hasPrefix("0zz") && note.hasSuffix(", … and \(400 - 39) more"), "\(note.suffix(40))")
        #expect(NMFDictionary.trainedOnNote([String(repeating: "w", count: 9000)]) == "… and 1 more")
        let trainer = DictionaryTrainer(stft: try STFTConfiguration(fftSize: 256), nmf: try NMFConfiguration(componentCount: 2, maxIterations: 3))
        let tone = AudioBuffer(channels: [(0..<4000).map { Float(sin(Double($0) * 0.3)) }], sampleRate: 8000)
        let text = reason { _ = try trainer.train([AudioBufferSource(tone)], label: String(repeating: "l", count: 1025)) }
        #expect(text.contains("--label") && text.contains("1025 bytes") && text.contains("at most 1024"), "\(text)")
    }

    @Test func headerFieldsAreNamedWithTheirValues() {
        for (old, new, expected) in [("\"sample_rate\":8000", "\"sample_rate\":0", "header field 'sample_rate' is 0 (allowed: an integer from 1 to 1536000, in Hz"),
                                     ("\"sample_rate\":8000", "\"sample_rate\":1000000000000", "header field 'sample_rate' is 1000000000000 (allowed: an integer from 1 to 1536000"),
                                     ("\"bins\":129", "\"bins\":130", "header field 'bins' is 130 (allowed: the integer fft_size / 2 + 1 = 129)"),
                                     ("\"bins\":129", "\"bins\":129.0", "header field 'bins' is 129.0 (allowed: the integer fft_size / 2 + 1 = 129)"),
                                     ("\"components\":3", "\"components\":0", "header field 'components' is 0 (allowed: an integer, 1 or more)"),
                                     ("\"components\":3", "\"components\":3.0", "header field 'components' is 3.0 (allowed: an integer, 1 or more)"),
                                     ("\"label\":\"x\"", "\"label\":5", "header field 'label' is 5 (allowed: a string)"),
                                     ("\"fft_size\":256", "\"fft_size\":\"256\"", "header field 'fft_size' is '256' (allowed: an even integer from"),
                                     ("\"fft_size\":256", "\"fft_size\":255", "header field 'fft_size' is 255 (allowed: an even integer from"),
                                     ("\"divergence\":\"kullback-leibler\"", "\"divergence\":\"l1\"", "header field 'divergence' is 'l1' (allowed:"),
                                     ("\"version\":1", "\"version\":\"1\"", "has format version '1' (allowed: 1"),
                                     ("\"version\":1", "\"version\":1.0", "has format version 1.0 (allowed: 1"),
                                     (",\"version\":1", "", "has format version missing (allowed: 1")] {
            let edited = editedHeader(old, new)
            let text = reason { _ = try NMFDictionary.decode(edited, path: "d.nmfdict") }
            #expect(text.contains(expected), "\(new): \(text)")
        }
    }

    /// A header announcing 10⁹ templates is refused by the file's size, not by allocating them;
    /// a header line without an end within 64 KiB is refused without parsing it.
    @Test func lyingSizesAreRefusedBeforeAllocating() throws {
        let huge = editedHeader("\"components\":3", "\"components\":1000000000")
        #expect(reason { _ = try NMFDictionary.decode(huge, path: "d") }.contains("announces 129 × 1000000000 templates"))
        try huge.write(to: URL(fileURLWithPath: "\(dir)/huge.nmfdict"))
        #expect(reason { _ = try NMFDictionary.read(path: "\(dir)/huge.nmfdict") }.contains("announces 129 × 1000000000 templates"))
        let long = Data("NMFDICT\n{\"pad\":\"".utf8) + Data(repeating: 0x61, count: 70_000) + Data("\"}\n".utf8)
        #expect(reason { _ = try NMFDictionary.decode(long, path: "d") }.contains("no end to the header line in its first 65536 bytes"))
        try data.write(to: URL(fileURLWithPath: "\(dir)/d.nmfdict"))
        #expect(throws: DictionaryError.tooLarge(path: "\(dir)/d.nmfdict", bytes: data.count, limit: 1000)) {
            try NMFDictionary.read(path: "\(dir)/d.nmfdict", maximumBytes: 1000)
        }
        // A header line of exactly the cap is taken; one byte more is not.
        for (size, ok) in [(NMFDictionary.maximumHeaderBytes, true), (NMFDictionary.maximumHeaderBytes + 1, false)] {
            let end = data.dropFirst(8).firstIndex(of: 0x0A)!
            let header = String(decoding: data[8..<end], as: UTF8.self)
            let padded = String(header.dropLast()) + ",\"pad\":\"" + String(repeating: "a", count: size - header.utf8.count - 9) + "\"}"
            #expect(padded.utf8.count == size)
            let file = Data("NMFDICT\n".utf8) + Data(padded.utf8) + data[end...]
            try file.write(to: URL(fileURLWithPath: "\(dir)/pad.nmfdict"))
            #expect(reason { _ = try NMFDictionary.read(path: "\(dir)/pad.nmfdict") }.contains("no end to the header line") == !ok, "\(size)")
            #expect(reason { _ = try NMFDictionary.decode(file, path: "p") }.contains("no end to the header line") == !ok, "\(size)")
        }
    }

    /// Templates are scaled to sum to one in float: a sum beyond float's range would have made
    /// a silent source (all entries 3e38), and so would one below its normal range (subnormals).
    @Test func templatesWhoseSumFloatCannotScaleAreRefused() {
        for value: Float in [3e38, .leastNonzeroMagnitude] {
            let bad = NMFDictionary(basis: Matrix(rows: 129, columns: 2, repeating: value), sampleRate: 8000,
                                    stft: try! STFTConfiguration(fftSize: 256, hopLength: 64)).encoded()
            let text = reason { _ = try NMFDictionary.decode(bad, path: "d") }
            #expect(text.contains("template 1 sums to"), "\(value): \(text)")
        }
        #expect(NMF.fixedTemplateProblem([0.5, 2, 0]) == nil)
        #expect(NMF.fixedTemplateProblem([0, 0]) == "is all zero (allowed: a template with some energy)")
    }

    /// decode on a slice of a larger buffer (whose indices do not start at 0) and read on the
    /// same bytes in a file give the same dictionary.
    @Test func decodeOfASliceAndReadAgree() throws {
        let framed = Data([1, 2, 3]) + data + Data([9])
        let slice = framed[3..<(3 + data.count)]
        #expect(slice.startIndex == 3)
        let fromSlice = try NMFDictionary.decode(slice, path: "s")
        try data.write(to: URL(fileURLWithPath: "\(dir)/same.nmfdict"))
        #expect(try NMFDictionary.read(path: "\(dir)/same.nmfdict") == fromSlice)
        #expect(fromSlice == (try NMFDictionary.decode(data, path: "d")))
    }

    @Test func aSymlinkIsFollowedAndWhatIsNotAFileIsNamed() throws {
        try data.write(to: URL(fileURLWithPath: "\(dir)/real.nmfdict"))
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link.nmfdict", withDestinationPath: "\(dir)/real.nmfdict")
        #expect(try NMFDictionary.read(path: "\(dir)/link.nmfdict").label == "x")
        #expect(mkfifo("\(dir)/fifo.nmfdict", 0o600) == 0)
        #expect(reason { _ = try NMFDictionary.read(path: "\(dir)/fifo.nmfdict") }.contains("not a regular file"))
        #expect(reason { _ = try NMFDictionary.read(path: dir) }.contains("it is a directory"))
        #expect(reason { _ = try NMFDictionary.read(path: "\(dir)/missing.nmfdict") }.contains("No such file"))
    }
}
