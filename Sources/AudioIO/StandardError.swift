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
public enum StandardError {
    /// Held while stderr is redirected and while a message is written.
    public static let lock = PThreadLock()

    /// Writes `text` to file descriptor 2 (whole, retrying short writes).
    public static func write(_ text: String) {
        lock.withLock {
            var bytes = Array(text.utf8)   // mutable for withUnsafeMutableBytes
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { writeToDescriptor2($0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { break }
                offset += n
            }
        }
    }
}

/// `write(2, …)` (outside `StandardError`, whose own `write` would shadow it).
private func writeToDescriptor2(_ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int { write(2, pointer, count) }
