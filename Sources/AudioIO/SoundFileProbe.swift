import CSndFile
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How ``SoundFileReader`` checks a path before libsndfile sees it, counts the frames of a
/// stream whose header states none, silences libsndfile's decoders while they probe, and
/// recognises a file that was cut off or rewritten.
extension SoundFileReader {
    /// `stat` of `path`, when it names a readable, non-empty regular file.
    /// - Throws: `AudioIOError.fileNotFound`, `.isDirectory`, or `.cannotOpen` with the reason
    ///   (a trailing '/' after a file's name, not a regular file, no permission, empty).
    static func regularFileStatus(_ path: String) throws -> stat {
        var st = stat()
        if stat(path, &st) != 0 {
            let error = errno
            var trimmed = Substring(path), file = stat()
            while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
            if error == ENOTDIR, trimmed.count < path.count, stat(String(trimmed), &file) == 0 {
                throw AudioIOError.cannotOpen(path: path, reason: "the trailing '/' names a file as a directory")
            }
            if error == ENOENT || error == ENOTDIR { throw AudioIOError.fileNotFound(path: path) }
            throw AudioIOError.cannotOpen(path: path, reason: String(cString: strerror(error)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw AudioIOError.isDirectory(path: path) }
        if (st.st_mode & S_IFMT) != S_IFREG {
            throw AudioIOError.cannotOpen(path: path, reason: "not a regular file (a pipe, socket or device)")
        }
        if access(path, R_OK) != 0 { throw AudioIOError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        if st.st_size == 0 { throw AudioIOError.cannotOpen(path: path, reason: "the file is empty (0 bytes)") }
        return st
    }

    /// Decodes the open file `handle` to its end, counting frames (at most `maximumFrameCount`
    /// + 1), then closes it and opens the file again at its start.
    /// - Parameter info: what the first opening reported, which the second must report too.
    /// - Returns: the count and the new handle.
    /// - Throws: `AudioIOError.cannotOpen` when the file cannot be opened again or has changed
    ///   (another channel count would overrun the buffers sized for the first).
    static func countFrames(_ handle: OpaquePointer, path: String, info first: SF_INFO) throws -> (Int, OpaquePointer) {
        let chunk = 65_536
        var scratch = [Float](repeating: 0, count: chunk * Int(first.channels))
        var total = 0
        // (Not with stderr silenced: that holds `StandardError.lock`, and the Ogg and FLAC decoders print nothing.)
        while total <= maximumFrameCount {
            let got = scratch.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(chunk)) }
            total += Int(max(got, 0))
            if got < chunk { break }
        }
        sf_close(handle)
        return (total, try reopen(path, as: first))
    }

    /// Opens `path` again for reading and checks that it is the file opened first (`first`:
    /// what that opening reported).
    /// - Throws: `AudioIOError.cannotOpen` when it cannot be opened again or has changed
    ///   (another channel count would overrun the buffers sized for the first).
    static func reopen(_ path: String, as first: SF_INFO) throws -> OpaquePointer {
        var info = SF_INFO()
        guard let h = withStderrSilenced({ openSoundFile(path, mode: Int32(SFM_READ), &info) }) else {
            throw AudioIOError.cannotOpen(path: path, reason: "it could not be opened again (libsndfile: \(String(cString: sf_strerror(nil))))")
        }
        guard info.channels == first.channels, info.samplerate == first.samplerate, info.format == first.format, info.frames == first.frames else {
            sf_close(h)
            let frames = info.frames == Int64.max ? "" : ", \(info.frames) frames"
            throw AudioIOError.cannotOpen(path: path, reason: "it changed while being read (reopened with \(info.channels) channels, \(info.samplerate) Hz\(frames))")
        }
        return h
    }

    /// Runs `body` with file descriptor 2 pointed at /dev/null, restoring it afterwards.
    ///
    /// Holds `StandardError.lock` throughout: two readers opened at once (batch `--jobs`)
    /// would otherwise save each other's /dev/null and leave stderr silenced for good, and
    /// messages written through `StandardError.write` meanwhile would be lost.
    package static func withStderrSilenced<T>(_ body: () -> T) -> T {
        StandardError.lock.withLock { silencing(body) }
    }

    /// The body of ``withStderrSilenced(_:)``, with the lock held: if descriptor 2 cannot
    /// be saved or /dev/null opened, runs `body` with stderr as it is.
    private static func silencing<T>(_ body: () -> T) -> T {
        let saved = dup(2)
        let null = open("/dev/null", O_WRONLY)
        if saved < 0 || null < 0 {
            if saved >= 0 { close(saved) }
            if null >= 0 { close(null) }
            return body()
        }
        dup2(null, 2)
        close(null)
        let result = body()
        dup2(saved, 2)
        close(saved)
        return result
    }

    /// Data-chunk sizes that mean "length unknown" (see `truncatedDataChunk`).
    static let unknownDataSizes: Set = [0xFFFF_FFFF, 0x7FFF_F000]

    /// Detects a data chunk whose header size exceeds what the file holds: libsndfile
    /// silently shortens such files, and its log says `data : CLAIMED (should be PRESENT)`.
    /// A size of 0xFFFFFFFF, or SoX's 0x7FFFF000, is not a truncation but the "length unknown"
    /// that programs put there when they cannot seek back to fill it in (writing to a pipe);
    /// libsndfile then reads to the end of the file.
    static func truncatedDataChunk(_ h: OpaquePointer) -> (Int, Int)? {
        var log = [CChar](repeating: 0, count: 16_384)
        sf_command(h, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("data") || t.hasPrefix("SSND"), let open = t.range(of: "(should be ") else { continue }
            let numbers = t.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let tail = t[open.upperBound...].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if let claimed = numbers.first, let present = tail.first, claimed > present, !unknownDataSizes.contains(claimed) { return (claimed, present) }
        }
        return nil
    }

    /// Device, inode, size and modification time (seconds, nanoseconds) of a `stat` result.
    static func stamp(_ st: stat) -> [Int] {
        #if canImport(Glibc)
        return [Int(st.st_dev), Int(st.st_ino), Int(st.st_size), Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)]
        #else
        return [Int(st.st_dev), Int(st.st_ino), Int(st.st_size), Int(st.st_mtimespec.tv_sec), Int(st.st_mtimespec.tv_nsec)]
        #endif
    }
}
