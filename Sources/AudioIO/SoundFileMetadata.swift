import CSndFile

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

    /// The fields of the open libsndfile `handle` (invalid UTF-8 is repaired with U+FFFD).
    static func read(from handle: OpaquePointer) -> SoundFileMetadata {
        var fields: [Field: String] = [:]
        for field in Field.allCases {
            if let text = sf_get_string(handle, field.rawValue) { fields[field] = String(cString: text) }
        }
        return SoundFileMetadata(fields)
    }

    /// Stores the fields in the open libsndfile `handle`, before any audio is written. A field
    /// the container has no place for is skipped (libsndfile refuses it; the file is unchanged).
    func write(to handle: OpaquePointer) {
        for field in Field.allCases {
            guard let text = fields[field] else { continue }
            // A NUL would end the C string early: keep what precedes it.
            let cut = text.split(separator: "\0", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if !cut.isEmpty { _ = sf_set_string(handle, field.rawValue, cut) }
        }
    }
}
