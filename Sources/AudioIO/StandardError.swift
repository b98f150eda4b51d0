#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DSPCore

/// The process's standard error, shared with `SoundFileReader`, which points file
/// descriptor 2 at /dev/null for the moment libsndfile probes a file (its MPEG decoder
/// prints to stderr). Messages written here wait for that moment to pass instead of
/// being lost.
package enum StandardError {
    /// Held while stderr is redirected and while a message is written.
    package static let lock = PThreadLock()

    /// Writes `text` to file descriptor 2 (whole, retrying short writes; a failure is ignored:
    /// there is nowhere left to report it).
    package static func write(_ text: String) {
        lock.withLock {
            _ = Array(text.utf8).withUnsafeBytes { writeAll(2, $0) }
        }
    }
}
