import Dispatch

/// Deterministic parallel loops over index ranges; outside the package, only the default
/// thread count (``defaultThreadCount``) is visible.
///
/// Work is split into blocks whose boundaries depend only on the problem size, never on
/// the number of threads, so that any per-block reduction combined in block order gives
/// results that are identical to the last bit whatever the thread count.
public enum Parallel {
    /// The number of worker threads the configurations default to (the active processor count
    /// within the process's CPU affinity and cgroup quota, at least 1).
    public static var defaultThreadCount: Int { max(1, ProcessInfoLite.activeProcessorCount) }

    /// Splits `0..<count` into `blockCount` contiguous, nearly equal blocks.
    /// - Parameters:
    ///   - index: the block, `0..<blockCount`.
    ///   - blockCount: the number of blocks, ≥ 1.
    ///   - count: the number of indices split, ≥ 0.
    /// - Returns: the half-open range of block `index`.
    /// - Precondition: the arguments are in the ranges above (the process stops with a message naming them otherwise).
    package static func blockRange(_ index: Int, of blockCount: Int, count: Int) -> Range<Int> {
        require(blockCount >= 1 && index >= 0 && index < blockCount && count >= 0,
                "block \(index) of \(blockCount) blocks over \(count) indices is out of range (allowed: blockCount ≥ 1, index in 0..<blockCount, count ≥ 0)")
        let lower = index * count / blockCount
        let upper = (index + 1) * count / blockCount
        return lower..<upper
    }

    /// Runs `body(block)` for every block index in `0..<blockCount`, on up to `threads` threads.
    ///
    /// Blocks are handed out in increasing order to whichever thread is free. The body must
    /// only write memory owned by its block.
    /// - Parameters:
    ///   - blockCount: the number of blocks.
    ///   - threads: how many threads may run at once (1 runs everything on the caller's thread).
    ///   - body: the work of one block.
    package static func forEachBlock(_ blockCount: Int, threads: Int, _ body: (Int) -> Void) {
        if blockCount <= 0 { return }
        let workers = min(max(1, threads), blockCount)
        if workers == 1 {
            for b in 0..<blockCount { body(b) }
            return
        }
        let counter = AtomicCounter()
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let b = counter.next()
                    if b >= blockCount { break }
                    box.value(b)
                }
            }
        }
    }
}

/// Wraps a non-Sendable closure for `concurrentPerform`; the caller guarantees that the
/// closure's blocks touch disjoint memory.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A lock-protected counter that hands out consecutive integers to worker threads.
final class AtomicCounter: @unchecked Sendable {
    private var value = 0
    private let lock = PThreadLock()

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}
