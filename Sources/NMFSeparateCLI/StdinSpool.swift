import Foundation
import NMFSeparation

/// Standard input given as the input `-`. A separation reads its input twice (the analysis,
/// then the masking pass), which a pipe cannot do, so a pipe is copied to a temporary file,
/// `$TMPDIR/nmf-separate-stdin.<pid>.XXXXXX/stdin`, removed when the batch ends or on SIGINT/SIGTERM;
/// a regular file redirected to standard input is read where it is (`/dev/stdin`). Its sources
/// go to `DIR/stdin/`; messages and the JSON report name it `-`.
struct StdinSpool {
    /// The temporary directory holding the copy; nil when standard input is read where it is.
    let directory: String?
    /// What the separation reads: the copy, or `/dev/stdin` for a regular file.
    let path: String

    /// Copies standard input (`descriptor`) to its end into a new temporary file, unless it is a
    /// regular file.
    /// - Throws: `CLIError.usage` when standard input is a terminal or another device (nothing
    ///   was piped; `/dev/zero` would never end); `.runtime` when it cannot be read or copied.
    ///   (Empty input is copied as an empty file, which then fails on its own, as an empty
    ///   file does.)
    init(descriptor: Int32 = STDIN_FILENO) throws {
        var info = stat()
        let type = fstat(descriptor, &info) == 0 ? info.st_mode & S_IFMT : 0
        if isatty(descriptor) == 1 || type == S_IFCHR || type == S_IFBLK {
            throw CLIError.usage("'-' reads the audio from standard input, which is \(isatty(descriptor) == 1 ? "a terminal" : "a device") here (allowed: a pipe or a redirected file, e.g. `ffmpeg -i in.mp3 -f wav - | nmf-separate - --sources 2`)")
        }
        if type == S_IFREG {
            directory = nil
            path = "/dev/stdin"
            return
        }
        // $TMPDIR, or /tmp, as Foundation reads it (the encoder trial's files go there too).
        var base = NSTemporaryDirectory()
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/\(Self.prefix)\(getpid()).XXXXXX".utf8CString)
        // Made and registered for removal under the lock, so that a signal cannot fall in between.
        let made: String? = SignalCleanup.shared.withLock {
            guard let p = mkdtemp(&template) else { return nil }
            let made = String(cString: p)
            SignalCleanup.shared.registerDirectoriesLocked([made])
            SignalCleanup.shared.registerLocked([made + "/stdin"])
            return made
        }
        guard let made else {
            throw CLIError.runtime("cannot copy standard input ('-'): cannot create a temporary directory in '\(base)': \(String(cString: strerror(errno)))")
        }
        directory = made
        path = made + "/stdin"
        do { try Self.copy(descriptor, to: path) } catch {
            remove()
            throw error
        }
    }

    /// The start of a copy's directory name, before the process id and mkdtemp's characters.
    static let prefix = "nmf-separate-stdin."

    /// Copies of standard input in `base` that a run killed outright (SIGKILL, out of memory:
    /// no chance to remove them) left behind: directories named `nmf-separate-stdin.<pid>.XXXXXX`
    /// whose process no longer exists. Sorted names; nothing is removed.
    static func leftovers(in base: String = NSTemporaryDirectory()) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return names.filter { name in
            guard name.hasPrefix(prefix) else { return false }
            let fields = name.dropFirst(prefix.count).split(separator: ".", maxSplits: 1)
            guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0 else { return false }
            return SignalCleanup.processIsGone(pid)
        }.sorted()
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
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                // A pipe handed over non-blocking: wait for data instead of failing.
                var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&ready, 1, -1)
                continue
            }
            guard n >= 0 else { throw CLIError.runtime("cannot read standard input ('-'): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            if let error = buffer.withUnsafeBytes({ writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
                throw CLIError.runtime("cannot copy standard input ('-') to '\(path)': \(String(cString: strerror(error)))")
            }
        }
        // (Empty input fails as an empty file does, on its own: the other inputs still run.)
    }

    /// Removes the copy and its directory (nothing when standard input was read where it is).
    func remove() {
        guard let directory else { return }
        SignalCleanup.shared.withLock {
            unlink(path)
            rmdir(directory)
        }
        SignalCleanup.shared.unregister([path])
        SignalCleanup.shared.unregisterDirectories([directory])
    }
}
