import Foundation
import NMFSeparation

/// Removes registered temporary files when the process receives SIGINT or SIGTERM, then
/// exits with 128 + the signal number, so an interrupted run leaves no partial output.
final class SignalCleanup: @unchecked Sendable {
    static let shared = SignalCleanup()
    private let lock = PThreadLock()
    private var paths = Set<String>()
    private var directories: [String] = []
    private var sources: [DispatchSourceSignal] = []
    private var finalizers: [@Sendable () -> Void] = []
    private let queue = DispatchQueue(label: "nmf-separate.signals")

    /// Starts handling SIGINT, SIGTERM and SIGHUP.
    func install() {
        // Blocked first (the threads started later inherit the mask), so that a signal arriving
        // before its source is armed stays pending for the source instead of being dropped as
        // ignored: a SIGINT in the first milliseconds was lost and the run ended with 0.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // A handler that does nothing, not SIG_IGN: setting SIG_IGN discards a signal already
            // pending (one that came after the block), and the sources read pending signals.
            var action = sigaction()
            action.__sigaction_handler.sa_handler = ignoreSignal
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in self?.fire(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Files to delete on a signal.
    func register(_ list: [String]) { lock.withLock { registerLocked(list) } }
    /// Runs `body` so that a signal's cleanup waits for it to finish (creating or moving files).
    func withLock<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock(body) }
    func unregister(_ list: [String]) { lock.withLock { list.forEach { paths.remove($0) } } }
    /// Directories this run created, removed (when empty, deepest first) on a signal.
    func registerDirectories(_ list: [String]) { lock.withLock { registerDirectoriesLocked(list) } }
    /// `register(_:)` for a caller already inside `withLock(_:)`.
    func registerLocked(_ list: [String]) { list.forEach { paths.insert($0) } }
    /// `registerDirectories(_:)` for a caller already inside `withLock(_:)`.
    func registerDirectoriesLocked(_ list: [String]) { directories += list }
    func unregisterDirectories(_ list: [String]) { lock.withLock { directories.removeAll { list.contains($0) } } }
    /// Work to do on a signal after the partial outputs are removed, before the exit: e.g. print
    /// the `--json` lines of files that finished while an earlier one was still running. It must
    /// not wait for this object's lock (the signal's cleanup holds it).
    func addFinalizer(_ body: @escaping @Sendable () -> Void) { lock.withLock { finalizers.append(body) } }

    private func fire(_ sig: Int32) {
        // Take the lock and never give it back: no file is created or moved after this point.
        lock.lock()
        for p in paths { unlink(p) }
        for d in directories.reversed() { rmdir(d) }
        for body in finalizers { body() }
        // On a terminal the progress bar may be drawn: erase it rather than append to it.
        let erase = isatty(STDERR_FILENO) == 1 ? ProgressBoard.isDumbTerminal ? "\n" : ProgressBoard.eraseLine : ""
        StandardError.write(erase + "nmf-separate: interrupted by signal \(sig); partial outputs removed\n")
        _exit(128 + sig)
    }
}

extension SignalCleanup {
    /// Whether process `pid` no longer exists, so that files it left (its hidden outputs, its
    /// copy of standard input) can be called leftovers. A process that exists, or exists under
    /// another user (EPERM), may still be using them.
    static func processIsGone(_ pid: pid_t) -> Bool {
        kill(pid, 0) != 0 && errno == ESRCH
    }
}

/// The handler of SIGINT, SIGTERM and SIGHUP while they are blocked and read by dispatch sources.
private func ignoreSignal(_ signal: Int32) {}
