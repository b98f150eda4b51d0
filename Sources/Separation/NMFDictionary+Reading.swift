import Foundation
import DSPCore
import Spectral
import Factorization
import AudioIO
#if canImport(Glibc)
import Glibc
#endif

/// Reading `.nmfdict` files: the header checked field by field, the templates read straight
/// into their matrix (one copy of the payload in memory, its size known from the header before
/// anything is allocated).
extension NMFDictionary {
    /// The longest header line accepted, in bytes, without its newline. A header is a few hundred bytes; anything
    /// longer is damage, and parsing it could cost far more memory than the file's size.
    public static let maximumHeaderBytes = 65_536

    /// The largest file ``read(path:maximumBytes:)`` takes by default: 1 GiB.
    public static let defaultMaximumFileBytes = 1 << 30

    /// The checked header of a `.nmfdict` file.
    struct Header {
        let sampleRate: Int
        let stft: STFTConfiguration
        let bins: Int
        let components: Int
        let divergence: Divergence
        let label: String
        let notes: [String: String]
        /// Bytes of the templates that follow the header: bins × components × 4.
        let payloadBytes: Int
    }

    /// Decodes a `.nmfdict` file's bytes.
    /// - Parameters:
    ///   - data: the whole file.
    ///   - path: used in error messages.
    /// - Throws: `DictionaryError` for a wrong magic, version, header field, size or template.
    public static func decode(_ data: Data, path: String) throws -> NMFDictionary {
        let (header, start) = try parseHeader(data, path: path)
        let payload = data[(data.startIndex + start)...]
        guard payload.count == header.payloadBytes else { throw sizeMismatch(header, found: payload.count, path: path) }
        var values = [Float](repeating: 0, count: header.bins * header.components)
        values.withUnsafeMutableBytes { out in payload.withUnsafeBytes { out.copyMemory(from: $0) } }
        return try dictionary(header, values: values, path: path)
    }

    /// Reads a `.nmfdict` file (a symbolic link to one too).
    /// - Parameters:
    ///   - path: the file.
    ///   - maximumBytes: the largest file taken (its templates are held in memory once):
    ///     ``defaultMaximumFileBytes`` unless the caller has less memory to give.
    /// - Throws: `DictionaryError.cannotRead` naming the reason (missing, not a regular file,
    ///   unreadable), `.tooLarge` beyond `maximumBytes`, or what ``decode(_:path:)`` throws.
    /// - Complexity: O(file size), with one copy of the templates in memory.
    public static func read(path: String, maximumBytes: Int = defaultMaximumFileBytes) throws -> NMFDictionary {
        // Only a regular file is opened (a device is not), and checked again once open (it
        // could have been replaced in between); O_NONBLOCK, so that a FIFO put there meanwhile
        // does not wait for a writer.
        var info = stat()
        func refuseUnlessRegular() throws {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw DictionaryError.cannotRead(path: path, reason: info.st_mode & S_IFMT == S_IFDIR ? "it is a directory" : "not a regular file")
            }
        }
        guard stat(path, &info) == 0 else { throw DictionaryError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        try refuseUnlessRegular()
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DictionaryError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { throw DictionaryError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        try refuseUnlessRegular()
        let size = Int(info.st_size)
        guard size <= maximumBytes else { throw DictionaryError.tooLarge(path: path, bytes: size, limit: maximumBytes) }
        let head = try readBytes(fd, count: min(size, magic.count + maximumHeaderBytes + 1), at: 0, path: path)
        let (header, start) = try parseHeader(head, path: path)
        guard size - start == header.payloadBytes else { throw sizeMismatch(header, found: size - start, path: path) }
        var values = [Float](repeating: 0, count: header.bins * header.components)
        _ = try values.withUnsafeMutableBytes { try readAll(fd, into: $0, at: start, path: path) }
        return try dictionary(header, values: values, path: path)
    }

    /// Reads `count` bytes at `offset` (fewer at the end of the file).
    private static func readBytes(_ fd: Int32, count: Int, at offset: Int, path: String) throws -> Data {
        var data = Data(count: count)
        let got = try data.withUnsafeMutableBytes { try readAll(fd, into: $0, at: offset, path: path, exact: false) }
        return data.prefix(got)
    }

    /// Fills `buffer` from the file at `offset`; returns the bytes read.
    /// - Throws: `DictionaryError.cannotRead` on a read error, or `.corrupt` when `exact` and
    ///   the file ends first (it shrank since it was measured).
    @discardableResult
    private static func readAll(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String,
                                exact: Bool = true) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DictionaryError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            done += n
        }
        if exact && done < buffer.count {
            throw DictionaryError.corrupt(path: path, reason: "the file ended after \(offset + done) bytes while being read")
        }
        return done
    }

    /// The error for a payload of `found` bytes where the header announces another size.
    private static func sizeMismatch(_ header: Header, found: Int, path: String) -> DictionaryError {
        .corrupt(path: path, reason: "header announces \(header.bins) × \(header.components) templates (\(header.payloadBytes) bytes) but \(found) bytes follow")
    }

    /// Checks the magic and the header line at the start of `data`.
    /// - Returns: the header and the offset of the templates from `data`'s start.
    static func parseHeader(_ data: Data, path: String) throws -> (Header, Int) {
        guard data.count > magic.count, data.prefix(magic.count) == magic else { throw DictionaryError.notADictionary(path: path) }
        let rest = data.dropFirst(magic.count)
        guard let newline = rest.prefix(maximumHeaderBytes + 1).firstIndex(of: 0x0A) else {
            throw DictionaryError.corrupt(path: path, reason: rest.count > maximumHeaderBytes
                ? "no end to the header line in its first \(maximumHeaderBytes) bytes (allowed: a header line of at most \(maximumHeaderBytes) bytes)"
                : "the header line has no end")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(rest[rest.startIndex..<newline])) as? [String: Any] else {
            throw DictionaryError.corrupt(path: path, reason: "the header line is not a JSON object")
        }
        let header = try Header(json, path: path)
        return (header, newline + 1 - data.startIndex)
    }

    /// Builds the dictionary from checked header fields and the decoded templates.
    /// - Throws: `DictionaryError.corrupt` naming the first template that cannot be used.
    private static func dictionary(_ header: Header, values raw: [Float], path: String) throws -> NMFDictionary {
        var values = raw
        #if _endian(big)
        for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
        #endif
        let basis = Matrix(rows: header.bins, columns: header.components, columnMajor: values)
        for c in 0..<header.components {
            if let problem = NMF.fixedTemplateProblem(basis.column(c)) {
                throw DictionaryError.corrupt(path: path, reason: "template \(c + 1) \(problem)")
            }
        }
        return NMFDictionary(basis: basis, sampleRate: header.sampleRate, stft: header.stft, label: header.label,
                             notes: header.notes, divergence: header.divergence)
    }
}

extension NMFDictionary.Header {
    /// The header's keys with a meaning; the others are kept as notes.
    static let fixedKeys: Set<String> = ["version", "sample_rate", "fft_size", "hop", "window", "bins", "components", "label", "divergence"]

    /// Checks a parsed header line field by field.
    /// - Throws: `DictionaryError` naming the field, its value and what is allowed.
    init(_ json: [String: Any], path: String) throws {
        func corrupt(_ key: String, _ allowed: String) -> DictionaryError {
            .corrupt(path: path, reason: "header field '\(key)' is \(Self.describe(json[key])) (allowed: \(allowed))")
        }
        func integer(_ key: String, _ allowed: String, where ok: (Int) -> Bool = { _ in true }) throws -> Int {
            guard let n = Self.integer(json[key]), ok(n) else { throw corrupt(key, allowed) }
            return n
        }
        guard let version = Self.integer(json["version"]), version == NMFDictionary.formatVersion else {
            throw DictionaryError.unsupportedVersion(path: path, version: Self.describe(json["version"]))
        }
        sampleRate = try integer("sample_rate", "an integer from 1 to \(SoundFileReader.sampleRateRange.upperBound), in Hz") {
            SoundFileReader.sampleRateRange.contains($0)   // (the rates audio files are read at)
        }
        let fft = try integer("fft_size", "an even integer from \(STFTConfiguration.fftSizeRange.lowerBound) to \(STFTConfiguration.fftSizeRange.upperBound)") {
            STFTConfiguration.fftSizeRange.contains($0) && $0 % 2 == 0
        }
        let hop = try integer("hop", "an integer, 1 or more") { $0 > 0 }
        if hop > STFTConfiguration.maxHopLength(fftSize: fft), hop <= fft {
            // Written before the hop was limited to 3/4 of the fft size.
            throw DictionaryError.unusableHop(path: path, hop: hop, fftSize: fft)
        }
        do { stft = try STFTConfiguration(fftSize: fft, hopLength: hop) } catch {
            throw corrupt("hop", "1 to \(STFTConfiguration.maxHopLength(fftSize: fft)) at fft size \(fft)")
        }
        bins = try integer("bins", "the integer fft_size / 2 + 1 = \(fft / 2 + 1)") { $0 == fft / 2 + 1 }
        // (The payload's size is checked against the file before anything is allocated.)
        components = try integer("components", "an integer, 1 or more") { $0 >= 1 }
        let (bytes, overflow) = (bins * 4).multipliedReportingOverflow(by: components)
        guard !overflow else { throw corrupt("components", "fewer than \(Int.max / (bins * 4)) at \(bins) bins") }
        payloadBytes = bytes
        guard let name = json["divergence"] as? String, let d = try? Divergence(parsing: name) else {
            throw corrupt("divergence", "\"kullback-leibler\", \"itakura-saito\", \"euclidean\" or \"beta=B\"")
        }
        divergence = d
        if let window = json["window"], window as? String != "hann" {
            throw corrupt("window", "\"hann\", the only window of this version")
        }
        switch json["label"] {
        case nil: label = ""
        case let text as String: label = text   // (any length the header holds: `--label`'s limit is the writer's)
        default: throw corrupt("label", "a string")
        }
        // (The fixed fields are not notes, so a reloaded dictionary is == the one saved.)
        var notes: [String: String] = [:]
        for (key, value) in json where !Self.fixedKeys.contains(key) { notes[key] = "\(value)" }
        self.notes = notes
    }

    /// A JSON header value as an integer: a JSON integer only (JSONSerialization reads `true`
    /// as an NSNumber that `as? Int` turns into 1, and `1.5` into 1).
    static func integer(_ value: Any?) -> Int? {
        guard let n = value as? NSNumber, !["c", "B", "d", "f"].contains(String(cString: n.objCType)) else { return nil }
        return n.intValue
    }

    /// A header value as an error message shows it: `missing`, a number as written, a string
    /// quoted, other JSON by kind; at most 40 characters.
    static func describe(_ value: Any?) -> String {
        let text: String
        switch value {
        case nil: return "missing"
        case let s as String: text = "'\(s)'"
        case let n as NSNumber:
            switch String(cString: n.objCType) {
            case "c", "B": text = n.boolValue ? "true" : "false"
            case "d", "f": text = "\(n.doubleValue)"   // (1.0, not "1": it is not the integer asked for)
            default: text = n.stringValue
            }
        case is NSNull: return "null"
        case is [Any]: return "an array"
        default: return "an object"
        }
        return text.count > 40 ? String(text.prefix(37)) + "…" : text
    }
}
