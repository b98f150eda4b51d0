#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Processor count without Foundation (keeps DSPCore dependency-free).
package enum ProcessInfoLite {
    /// The processors this process may use: the online processors, limited by the CPU
    /// affinity mask (`taskset`, Slurm's `--cpus-per-task`) and by a cgroup v2 CPU quota
    /// (`cpu.max`, as set by container runtimes), at least 1.
    package static var activeProcessorCount: Int {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        var count = online > 0 ? Int(online) : 1
        #if os(Linux)
        if let allowed = affinityCount() { count = min(count, allowed) }
        if let quota = cgroupQuota() { count = min(count, quota) }
        #endif
        return max(count, 1)
    }

    /// The machine's physical memory in bytes (pages × page size), 0 when unknown.
    package static var physicalMemory: Double {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? Double(pages) * Double(size) : 0
    }

    /// `bytes` as the memory messages give it: gigabytes (10⁹ bytes) rounded up to a tenth, "1.3 GB".
    package static func gigabytes(_ bytes: Double) -> String { "\((bytes / 1e8).rounded(.up) / 10) GB" }

    /// The number of CPUs in this process's affinity mask (`Cpus_allowed` of `/proc/self/status`).
    static func affinityCount() -> Int? {
        guard let line = firstLine(of: "/proc/self/status", startingWith: "Cpus_allowed:") else { return nil }
        var bits = 0
        for c in line.dropFirst("Cpus_allowed:".count) {
            if let digit = c.hexDigitValue { bits += digit.nonzeroBitCount }
        }
        return bits > 0 ? bits : nil
    }

    /// The first line of a text file that starts with `prefix`.
    static func firstLine(of path: String, startingWith prefix: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if line.hasPrefix(prefix) { return line }
        }
        return nil
    }

    /// ⌈quota / period⌉ from `/sys/fs/cgroup/cpu.max` ("max 100000" means no limit).
    static func cgroupQuota() -> Int? {
        guard let text = firstLine(of: "/sys/fs/cgroup/cpu.max", startingWith: "") else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), quota > 0, period > 0 else { return nil }
        // (Clamped: an absurd quota, or quota/period = inf, must not trap the conversion.)
        return max(1, Int(min((quota / period).rounded(.up), 1_048_576.0)))
    }
}

/// A minimal mutex over `pthread_mutex_t` (heap-allocated, so its address is stable).
package final class PThreadLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Creates an unlocked mutex.
    package init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Acquires the lock.
    package func lock() { pthread_mutex_lock(mutex) }
    /// Releases the lock.
    package func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` while holding the lock.
    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
