#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes all of `bytes` to the file descriptor `fd`: short writes are continued, an
/// interrupted call (EINTR) is repeated, and a full non-blocking pipe (EAGAIN) is waited on.
/// Shared by stderr, stdout and the tool's own file writes.
/// - Returns: nil when everything was written, else the errno of the failure (EIO when a
///   write wrote nothing without an error).
package func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n > 0 { offset += n; continue }
        if n < 0 && errno == EINTR { continue }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
            var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&ready, 1, -1)
            continue
        }
        return n < 0 ? errno : EIO
    }
    return nil
}
