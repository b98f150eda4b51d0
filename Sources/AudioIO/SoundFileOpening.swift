import CSndFile
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sf_open`, also for paths of 1024 bytes or more (libsndfile copies the path into a
/// 1024-byte buffer and refuses longer ones with "Supplied filename too long", while Linux
/// allows 4096): such a file is opened through its directory, `/proc/self/fd/N/<name>` with
/// N a descriptor of the directory, so that libsndfile keeps its own open flags and modes and
/// still sees the name's extension (which it reads for headerless formats).
/// - Parameters:
///   - path: the file.
///   - mode: `SFM_READ` or `SFM_WRITE`.
///   - info: as for `sf_open`.
/// - Returns: the handle, or nil (`sf_strerror(nil)` then says why).
func openSoundFile(_ path: String, mode: Int32, _ info: inout SF_INFO) -> OpaquePointer? {
    guard path.utf8.count >= 1024 else { return sf_open(path, mode, &info) }
    let cut = path.utf8.lastIndex(of: UInt8(ascii: "/"))
    let directory = cut.map { String(path[..<$0]) } ?? "."
    let name = cut.map { String(path[path.index(after: $0)...]) } ?? path
    let fd = open(directory.isEmpty ? "/" : directory, openPath | O_DIRECTORY)
    guard fd >= 0 else { return sf_open(path, mode, &info) }   // (libsndfile's own message)
    defer { close(fd) }
    return sf_open("/proc/self/fd/\(fd)/\(name)", mode, &info)
}

/// Linux's O_PATH (a descriptor that only names a directory: search permission is enough),
/// which Glibc's Swift module does not export.
private let openPath: Int32 = 0o10_000_000
