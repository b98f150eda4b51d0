import Foundation
import DSPCore
import Spectral
import Factorization

/// Trained spectral templates of one source, with the analysis settings they were learned
/// with, as saved in a `.nmfdict` file.
///
/// File format, version 1 (little-endian):
/// 1. the 8 bytes `NMFDICT\n`;
/// 2. one line of JSON (UTF-8, ending in `\n`) with the keys `version` (1), `sample_rate`,
///    `fft_size`, `hop`, `window` (`"hann"`), `divergence` (`"kullback-leibler"`, `"itakura-saito"`, `"euclidean"` or `"beta=B"`), `bins`,
///    `components`; informative `label`, `iterations`, `final_divergence`, `trained_on`
///    (file names); and optionally `level_spread_db` (a string, the training audio's level
///    spread, which chooses the automatic penalties: see `levelSpread`);
/// 3. `bins × components` float32 values: W column by column (each template's bins
///    together), every column summing to one.
public struct NMFDictionary: Sendable, Equatable {
    /// The format version this code writes.
    public static let formatVersion = 1
    static let magic = Data("NMFDICT\n".utf8)

    /// W, bins × K, each column summing to one.
    public var basis: Matrix
    /// Sample rate of the training audio, in Hz.
    public var sampleRate: Int
    /// STFT settings of the training.
    public var stft: STFTConfiguration
    /// A free-form name (e.g. `speech`).
    public var label: String
    /// The divergence the templates were learned with (separations must use the same).
    public var divergence: Divergence
    /// Further header values: informative ones (training files, iterations, final divergence)
    /// and the level spread (`level_spread_db`).
    public var notes: [String: String]

    /// Creates a dictionary.
    public init(basis: Matrix, sampleRate: Int, stft: STFTConfiguration, label: String = "", notes: [String: String] = [:],
                divergence: Divergence = .kullbackLeibler) {
        self.basis = basis
        self.divergence = divergence
        self.sampleRate = sampleRate
        self.stft = stft
        self.label = label
        self.notes = notes
    }

    /// Number of templates K.
    public var components: Int { basis.columns }

    /// The header fields the format defines; ``encoded()`` writes a note of one of these names
    /// not at all (``checkedEncoding(path:)`` refuses it).
    static let headerFields: Set<String> = ["version", "sample_rate", "fft_size", "hop", "window", "divergence", "bins", "components", "label"]

    /// Encodes the dictionary in the `.nmfdict` format.
    public func encoded() -> Data {
        var header: [String: Any] = [
            "version": Self.formatVersion, "sample_rate": sampleRate, "fft_size": stft.fftSize, "hop": stft.hopLength,
            "window": "hann", "divergence": divergence.description, "bins": basis.rows, "components": basis.columns,
            "label": label,
        ]
        for (k, v) in notes where header[k] == nil { header[k] = v }
        var data = Self.magic
        data.append((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8))
        data.append(0x0A)
        basis.storage.withUnsafeBufferPointer { p in
            for x in p { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        return data
    }

    /// Writes the dictionary to `path` in the `.nmfdict` format, atomically (a temporary file
    /// beside it, then renamed into place): a reader never sees half a file, and a failure
    /// leaves what was there. An existing file is replaced. A dictionary that `read` would
    /// refuse (no templates, a sample rate below 1 Hz, negative or non-finite templates, …) is
    /// refused here, before anything is written.
    /// - Throws: the error `decode` gives for such a dictionary, naming `path`;
    ///   `DictionaryError.cannotWrite` with the system's reason.
    public func write(to path: String) throws {
        let data = try checkedEncoding(path: path)
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw DictionaryError.cannotWrite(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// The longest label a trained dictionary takes, in UTF-8 bytes (`--label`): with the notes it
    /// must fit the header line a reader takes (``maximumHeaderBytes``).
    public static let maximumLabelBytes = 1024

    /// ``encoded()``, refused when a reader would refuse the file (``read(path:maximumBytes:)``).
    /// - Parameter path: the file it is meant for, named in errors.
    /// - Throws: `DictionaryError.cannotWrite` when the header line would be longer than
    ///   ``maximumHeaderBytes`` (a long label or long notes) or a note has the name of a header
    ///   field (it would be lost); the error `decode` gives for
    ///   anything else a reader refuses (no templates, a sample rate below 1 Hz, …).
    public func checkedEncoding(path: String) throws -> Data {
        if let key = notes.keys.sorted().first(where: Self.headerFields.contains) {
            throw DictionaryError.cannotWrite(path: path, reason: "the note '\(key)' has the name of a header field, which the file "
                                              + "would keep instead (allowed: notes named other than \(Self.headerFields.sorted().joined(separator: ", ")))")
        }
        let data = encoded()
        let body = data.dropFirst(Self.magic.count)
        let headerBytes = (body.firstIndex(of: 0x0A) ?? body.endIndex) - body.startIndex
        guard headerBytes <= Self.maximumHeaderBytes else {
            throw DictionaryError.cannotWrite(path: path, reason: "its header line would take \(headerBytes) bytes (allowed: at most "
                                              + "\(Self.maximumHeaderBytes)); shorten the label (\(label.utf8.count) bytes) or the notes")
        }
        _ = try Self.decode(data, path: path)   // (what a reader would refuse is not written)
        return data
    }

    /// The `trained_on` note: the files' last path components, comma-separated, within about 8 KiB
    /// (then "… and N more"), so that many or long names keep the header readable.
    static func trainedOnNote(_ names: [String]) -> String {
        let budget = 8192
        var shown: [String] = [], bytes = 0
        for name in names.map({ ($0 as NSString).lastPathComponent }) {
            let cost = name.utf8.count + 2
            if bytes + cost > budget { break }
            shown.append(name)
            bytes += cost
        }
        let rest = names.count - shown.count
        return shown.joined(separator: ", ") + (rest > 0 ? (shown.isEmpty ? "" : ", ") + "… and \(rest) more" : "")
    }

    /// Whether `other` holds the same templates, each up to its scale (a copy whose templates
    /// were multiplied by a factor models the same source): the same shape, and every pair of
    /// columns, each divided by its sum, equal within 1e-5 of the larger's peak.
    /// Complexity: O(bins × K).
    /// - Parameter other: a dictionary, possibly from another file.
    public func hasSameTemplates(as other: NMFDictionary) -> Bool {
        guard basis.rows == other.basis.rows, basis.columns == other.basis.columns else { return false }
        for c in 0..<basis.columns {
            let a = basis.column(c), b = other.basis.column(c)
            let sa = a.reduce(0, +), sb = b.reduce(0, +)
            guard sa > 0, sb > 0 else {
                if a != b { return false }   // (an all-zero template matches only another)
                continue
            }
            var peak: Float = 0, worst: Float = 0
            for (x, y) in zip(a, b) {
                let (u, v) = (x / sa, y / sb)
                peak = max(peak, u, v)
                worst = max(worst, abs(u - v))
            }
            if worst > 1e-5 * peak { return false }
        }
        return true
    }

    /// Checks that the dictionary was trained with the same analysis as a separation.
    /// - Throws: `DictionaryError.settingsMismatch` naming the setting and both values.
    public func validate(path: String, sampleRate rate: Int, stft other: STFTConfiguration,
                         divergence separation: Divergence = .kullbackLeibler) throws {
        if separation != divergence {
            throw DictionaryError.settingsMismatch(path: path, setting: "divergence", dictionary: divergence.description,
                                                   input: separation.description)
        }
        if rate != sampleRate {
            throw DictionaryError.settingsMismatch(path: path, setting: "sample rate", dictionary: "\(sampleRate) Hz", input: "\(rate) Hz")
        }
        if other.fftSize != stft.fftSize {
            throw DictionaryError.settingsMismatch(path: path, setting: "fft size", dictionary: "\(stft.fftSize)", input: "\(other.fftSize)")
        }
        if other.hopLength != stft.hopLength {
            throw DictionaryError.settingsMismatch(path: path, setting: "hop", dictionary: "\(stft.hopLength)", input: "\(other.hopLength)")
        }
    }
}

/// Problems with `.nmfdict` files.
public enum DictionaryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file cannot be read: missing, not a regular file or unreadable (`reason`).
    case cannotRead(path: String, reason: String)
    /// The file holds more bytes than the reader may take (`limit`).
    case tooLarge(path: String, bytes: Int, limit: Int)
    /// The file does not start with the `NMFDICT` magic.
    case notADictionary(path: String)
    /// A version this code does not read: the header's value as written, or `missing`.
    case unsupportedVersion(path: String, version: String)
    /// Header or payload damaged.
    case corrupt(path: String, reason: String)
    /// Trained with other analysis settings than the separation uses.
    case settingsMismatch(path: String, setting: String, dictionary: String, input: String)
    /// Trained (by an earlier version) with a hop above 3/4 of the fft size, which separations
    /// no longer use (`STFTConfiguration.maxHopLength(fftSize:)`).
    case unusableHop(path: String, hop: Int, fftSize: Int)
    /// The file could not be written.
    case cannotWrite(path: String, reason: String)

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .cannotRead(let p, let r): return "cannot read dictionary '\(p)': \(r)"
        case .tooLarge(let p, let b, let l): return "cannot read dictionary '\(p)': it holds \(b) bytes (allowed: at most \(l))"
        case .notADictionary(let p): return "'\(p)' is not an nmf-separate dictionary (no NMFDICT header)"
        case .unsupportedVersion(let p, let v):
            return "dictionary '\(p)' has format version \(v) (allowed: \(NMFDictionary.formatVersion), the version this tool reads)"
        case .corrupt(let p, let r): return "dictionary '\(p)' is damaged: \(r)"
        case .settingsMismatch(let p, let s, let d, let i):
            // The sample rate is the input's, not a setting: say what can be done about it.
            let remedy = s == "sample rate" ? "resample the input to \(d), or retrain the dictionary on recordings at \(i)"
                : "retrain it or use the same settings"
            return "dictionary '\(p)' was trained with \(s) \(d) but this separation uses \(i); \(remedy)"
        case .cannotWrite(let p, let r): return "cannot write dictionary '\(p)': \(r)"
        case .unusableHop(let p, let h, let n):
            return "dictionary '\(p)' was trained with --hop \(h) at --fft-size \(n), above the 3/4 of the fft size that separations allow "
                + "(\(STFTConfiguration.maxHopLength(fftSize: n))); retrain it with --hop \(STFTConfiguration.maxHopLength(fftSize: n)) or less"
        }
    }
}
