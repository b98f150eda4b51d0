import Foundation
import NMFSeparation

/// Standard input given as the input `-`, copied to a temporary file: a separation reads its
/// input twice (the analysis, then the masking pass), which a pipe cannot do. The copy is
/// `$TMPDIR/nmf-separate-stdin.XXXXXX/stdin` (so its sources go to `DIR/stdin/`), removed when
/// the batch ends or on SIGINT/SIGTERM; messages and the JSON report name it `-`.
struct StdinSpool {
    /// The temporary directory holding the copy.
    let directory: String
    /// The copy.
    let path: String

    /// Copies standard input (`descriptor`) to its end into a new temporary file.
    /// - Throws: `CLIError.usage` when standard input is a terminal (nothing was piped);
    ///   `.runtime` when it cannot be read or copied. (Empty input is copied as an empty file,
    ///   which then fails on its own, as an empty file does.)
    init(descriptor: Int32 = STDIN_FILENO) throws {
        if isatty(descriptor) == 1 {
            throw CLIError.usage("'-' reads the audio from standard input, which is a terminal here (allowed: a pipe or a redirected file, e.g. `ffmpeg -i in.mp3 -f wav - | nmf-separate - --sources 2`)")
        }
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/nmf-separate-stdin.XXXXXX".utf8CString)
        guard let made = SignalCleanup.shared.withLock({ mkdtemp(&template) }) else {
            throw CLIError.runtime("cannot copy standard input ('-'): cannot create a temporary directory in '\(base)': \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        path = directory + "/stdin"
        SignalCleanup.shared.registerDirectories([directory])
        SignalCleanup.shared.register([path])
        do { try Self.copy(descriptor, to: path) } catch {
            remove()
            throw error
        }
    }

    /// Copies `descriptor` to its end into the new file `path`.
    private static func copy(_ descriptor: Int32, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError.runtime("cannot copy standard input ('-') to '\(path)': \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CLIError.runtime("cannot read standard input ('-'): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            if let error = buffer.withUnsafeBytes({ writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
                throw CLIError.runtime("cannot copy standard input ('-') to '\(path)': \(String(cString: strerror(error)))")
            }
        }
        // (Empty input fails as an empty file does, on its own: the other inputs still run.)
    }

    /// Removes the copy and its directory.
    func remove() {
        SignalCleanup.shared.withLock {
            unlink(path)
            rmdir(directory)
        }
        SignalCleanup.shared.unregister([path])
        SignalCleanup.shared.unregisterDirectories([directory])
    }
}
