import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text fields of a sound file's header (title, artist, …), as libsndfile reads and writes
/// them: a WAV file's LIST/INFO chunk, FLAC and Ogg comments, AIFF and CAF text chunks.
///
/// Which fields a container holds depends on the container (libsndfile's `sf_set_string`
/// documentation); a writer stores those it can and skips the others.
public struct SoundFileMetadata: Sendable, Equatable {
    /// One text field; the raw values are libsndfile's `SF_STR_*` codes.
    public enum Field: Int32, CaseIterable, Sendable {
        /// The work's title (`SF_STR_TITLE`).
        case title = 0x01
        /// The copyright notice (`SF_STR_COPYRIGHT`).
        case copyright = 0x02
        /// The software that made the file (`SF_STR_SOFTWARE`).
        case software = 0x03
        /// The artist (`SF_STR_ARTIST`).
        case artist = 0x04
        /// A free comment (`SF_STR_COMMENT`).
        case comment = 0x05
        /// The date, as the file states it (`SF_STR_DATE`).
        case date = 0x06
        /// The album (`SF_STR_ALBUM`).
        case album = 0x07
        /// The licence (`SF_STR_LICENSE`).
        case license = 0x08
        /// The track number, as text (`SF_STR_TRACKNUMBER`).
        case trackNumber = 0x09
        /// The genre (`SF_STR_GENRE`).
        case genre = 0x10
    }

    /// The fields present, each non-empty.
    public var fields: [Field: String]

    /// Metadata with the given fields (empty values are dropped).
    /// - Parameter fields: text per field.
    public init(_ fields: [Field: String] = [:]) {
        self.fields = fields.filter { !$0.value.isEmpty }
    }

    /// Whether no field is present.
    public var isEmpty: Bool { fields.isEmpty }

    /// The most bytes of UTF-8 stored per field: longer ones are cut (between characters).
    /// libsndfile 1.2 writes longer fields badly: a WAV INFO entry of about 2 KB lost every
    /// field, an AIFF text chunk of about 8 KB made the file unreadable, and it reads back no Ogg
    /// comment above about 2.7 KB.
    public static let maximumFieldBytes = 1024

    /// The fields of the open libsndfile `handle`. Text that is not valid UTF-8 is read as
    /// Windows-1252 (ISO Latin-1 with printable characters at 0x80–0x9F), as RIFF INFO chunks
    /// written by Windows tools are.
    static func read(from handle: OpaquePointer) -> SoundFileMetadata {
        var fields: [Field: String] = [:]
        for field in Field.allCases {
            guard let text = sf_get_string(handle, field.rawValue) else { continue }
            fields[field] = String(validatingCString: text)
                ?? windows1252(UnsafeBufferPointer(start: text, count: strlen(text)).map { UInt8(bitPattern: $0) })
        }
        return SoundFileMetadata(fields)
    }

    /// Windows-1252's characters at 0x80–0x9F (0 where the code page has none: kept as the
    /// Latin-1 control character).
    static let windows1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// Bytes read as Windows-1252.
    static func windows1252(_ bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        for b in bytes {
            let high = (0x80...0x9F).contains(b) ? windows1252High[Int(b) - 0x80] : 0
            out.append(Unicode.Scalar(high != 0 ? high : UInt32(b)) ?? Unicode.Scalar(b))
        }
        return String(out)
    }

    /// A field's text as a writer stores it: up to its first NUL (which would end the C
    /// string), cut to at most `limit` bytes of UTF-8 between two characters (grapheme
    /// clusters: a flag or a joined emoji is kept whole or left out).
    /// - Parameters:
    ///   - text: the field's text.
    ///   - limit: the most bytes of UTF-8 kept; ``maximumFieldBytes`` by default.
    public static func storable(_ text: String, limit: Int = maximumFieldBytes) -> String {
        var out = "", bytes = 0
        for character in text.prefix(while: { !$0.unicodeScalars.contains("\0") }) {
            let size = character.utf8.count
            if bytes + size > limit { break }
            out.append(character)
            bytes += size
        }
        return out
    }

    /// Stores the fields in the open libsndfile `handle`, before any audio is written, each
    /// cut to ``maximumFieldBytes``. A field the container has no place for is not stored
    /// (libsndfile refuses it or writes nothing; the audio is unchanged).
    func write(to handle: OpaquePointer) {
        for field in Field.allCases {
            guard let text = fields[field] else { continue }
            let cut = Self.storable(text)
            if !cut.isEmpty { _ = sf_set_string(handle, field.rawValue, cut) }
        }
    }
}
