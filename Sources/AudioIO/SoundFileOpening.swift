import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sf_open`, also for paths of 1024 bytes or more (libsndfile copies the path into a
/// 1024-byte buffer and refuses longer ones with "Supplied filename too long", while Linux
/// allows 4096): those are opened with `open(2)` and handed over with `sf_open_fd`, which
/// closes the descriptor with the handle.
/// - Parameters:
///   - path: the file.
///   - mode: `SFM_READ` or `SFM_WRITE`.
///   - info: as for `sf_open`.
/// - Returns: the handle, or nil (`sf_strerror(nil)` then says why).
func openSoundFile(_ path: String, mode: Int32, _ info: inout SF_INFO) -> OpaquePointer? {
    guard path.utf8.count >= 1024 else { return sf_open(path, mode, &info) }
    let fd = mode == Int32(SFM_READ) ? open(path, O_RDONLY) : open(path, O_RDWR | O_CREAT | O_TRUNC, 0o666)
    guard fd >= 0 else { return sf_open(path, mode, &info) }   // (for libsndfile's own message)
    return sf_open_fd(fd, mode, &info, Int32(SF_TRUE))
}
