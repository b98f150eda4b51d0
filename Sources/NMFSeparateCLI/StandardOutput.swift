import Foundation
import NMFSeparation

/// The process's standard output (help, version, `--json` lines, train's and eval's reports).
///
/// Foundation's `FileHandle.standardOutput.write` stops the process when the write fails (a
/// reader that closed the pipe, `>&-`, a full disk). Here the first failure is said once on
/// stderr and later output is dropped; the work goes on (a batch still writes its files) and
/// the command exits with status 1 (``failed``).
enum StandardOutput {
    private static let lock = PThreadLock()
    nonisolated(unsafe) private static var failure: String?
    nonisolated(unsafe) private static var closedAtStart = false

    /// Writes `text` whole (`writeAll`); after a failure, nothing.
    static func write(_ text: String) {
        if text.isEmpty { return }
        lock.withLock {
            guard failure == nil else { return }
            if closedAtStart {
                failure = "it is closed"
                StandardError.write("nmf-separate: cannot write to standard output: it is closed; its output is dropped\n")
                return
            }
            guard let error = Array(text.utf8).withUnsafeBytes({ writeAll(1, $0) }) else { return }
            let reason = String(cString: strerror(error))
            failure = reason
            StandardError.write("nmf-separate: cannot write to standard output: \(reason); its further output is dropped\n")
        }
    }

    /// Whether a write has failed, or had to (the command then exits with status 1).
    static var failed: Bool { lock.withLock { failure != nil } }

    /// Points closed descriptors 0, 1 and 2 at /dev/null before anything else is opened, so that
    /// no file the command opens takes their numbers (the `--json` lines for a closed stdout
    /// went into whatever file had become descriptor 1); a closed stdout counts as a failed one.
    /// Call first thing in the process.
    static func reserveStandardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != fd {
                dup2(null, fd)
                close(null)
            }
            if fd == 1 { lock.withLock { closedAtStart = true } }
        }
    }
}
