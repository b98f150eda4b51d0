#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives every page of an Ogg file a stream serial number computed from the file's own
/// content, so that the same samples make the same bytes: libsndfile draws the serial at random
/// (from the time) when it opens an Ogg file for writing, and nothing else in a Vorbis or Opus
/// stream varies between runs. The serial is a hash (32-bit FNV-1a) of the pages' bodies, so
/// two outputs that differ get different serials (RFC 3533 asks for distinct serials when
/// streams are chained or multiplexed).
///
/// Ogg pages (RFC 3533, section 6): "OggS", version, flags, granule position (8 bytes), the
/// serial number (4 bytes at offset 14), the page sequence number, the CRC (4 bytes at offset
/// 22), the segment count (offset 26), the segment table, then the body. The CRC is the
/// CRC-32 of the whole page with its CRC field zeroed, polynomial 0x04C11DB7, initial value 0,
/// no reflection and no final inversion. Each page is rewritten in place with the new serial
/// and its CRC; a file holding one logical stream (what libsndfile writes) stays valid.
enum OggSerialNumber {
    /// The CRC lookup table of the Ogg polynomial.
    static let table: [UInt32] = (0..<256).map { (i: Int) -> UInt32 in
        var r = UInt32(i) << 24
        for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1 }
        return r
    }

    /// The Ogg CRC-32 of `bytes`.
    static func crc(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0
        for b in bytes { c = (c << 8) ^ table[Int((c >> 24) ^ UInt32(b))] }
        return c
    }

    /// Calls `visit` with every page of the Ogg file open as `fd` (the page's bytes in
    /// `page[0..<length]`, and its offset), from the start to the end.
    /// - Returns: false when the file is not a sequence of well-formed Ogg pages to its end, or
    ///   `visit` returned false.
    private static func forEachPage(_ fd: Int32, _ visit: (inout [UInt8], _ length: Int, _ offset: Int) -> Bool) -> Bool {
        var page = [UInt8](repeating: 0, count: 27 + 255 + 255 * 255)
        var offset = 0
        while true {
            let header = page.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 27, off_t(offset)) }
            if header == 0 { return true }   // the end, after whole pages
            guard header == 27, page[0] == 0x4F, page[1] == 0x67, page[2] == 0x67, page[3] == 0x53 else { return false }
            let segments = Int(page[26])
            guard page.withUnsafeMutableBytes({ pread(fd, $0.baseAddress! + 27, segments, off_t(offset + 27)) }) == segments else { return false }
            let body = page[27..<(27 + segments)].reduce(0) { $0 + Int($1) }
            guard page.withUnsafeMutableBytes({ pread(fd, $0.baseAddress! + 27 + segments, body, off_t(offset + 27 + segments)) }) == body,
                  visit(&page, 27 + segments + body, offset) else { return false }
            offset += 27 + segments + body
        }
    }

    /// Rewrites the serial number of every page of the Ogg file `path` to the hash of its
    /// pages' bodies.
    /// - Returns: false when the file is not a sequence of well-formed Ogg pages from its
    ///   start to its end (pages after the first bad one are not changed).
    /// - Complexity: O(file size), read twice, one page (at most 65 307 bytes) in memory at a time.
    @discardableResult
    static func normalize(path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var hash: UInt32 = 0x811C_9DC5
        let read = forEachPage(fd) { page, length, _ in
            for b in page[(27 + Int(page[26]))..<length] { hash = (hash ^ UInt32(b)) &* 0x0100_0193 }
            return true
        }
        guard read else { return false }
        return forEachPage(fd) { page, length, offset in
            withUnsafeBytes(of: hash.littleEndian) { page.replaceSubrange(14..<18, with: $0) }
            page.replaceSubrange(22..<26, with: [0, 0, 0, 0])
            let sum = page.withUnsafeBytes { crc(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
            withUnsafeBytes(of: sum.littleEndian) { page.replaceSubrange(22..<26, with: $0) }
            // Only the serial and the CRC change: write those 12 bytes back.
            return page.withUnsafeBytes { pwrite(fd, $0.baseAddress! + 14, 12, off_t(offset + 14)) } == 12
        }
    }
}
