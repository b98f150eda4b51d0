import Foundation

/// Refuses up front a separation whose working set would not fit in memory, instead of
/// letting the kernel's OOM killer end it half-way.
enum MemoryBudget {
    /// Bytes the separation needs: V (bins × frames floats), H (K × frames) four times over
    /// (the working copies of the factorization and after it: with K = 3000 at fft 16, hop 4,
    /// where H is nearly everything, the peak resident memory measured 4.0 × H), one more per further run of
    /// an ensemble, W and its per-chunk accumulators, and the streaming buffers
    /// of one chunk: every channel's samples and complex spectra, the masks, and per (source,
    /// channel) pair about six chunks of hop-spaced samples (the overlap-add's sums and
    /// weights, which grow by doubling, the drained output and the writer's interleaved copy;
    /// measured 225 MB a pair at fft 65536, hop 16384, where 512 × hop samples are 33.5 MB).
    /// A spatial separation (`spatial`, C > 1 channels) holds the C stacked spectrograms, C
    /// times V (their mean, when needed, is analysed after they are released), and a W with C
    /// times the rows.
    /// (Computed in Double: a lying header can announce more frames than an Int product holds.)
    static func requiredBytes(frames: Int, bins: Int, hop: Int, components: Int, chunkFrames: Int, channels: Int, sources: Int,
                              runs: Int = 1, spatial: Bool = false) -> Double {
        let f = Double(bins), n = Double(frames), k = Double(components), c = Double(channels), s = Double(sources)
        let blocks = spatial && channels > 1 ? c : 1
        let padded = (blocks * f / 8).rounded(.up) * 8
        let v = f * n * blocks
        let h = Double(3 + max(runs, 1)) * k * n
        let w = 20 * padded * k
        // Per chunk: every channel's spectrum, the masks (one set per channel when spatial), and
        // the overlap-add buffers.
        let samples = Double(chunkFrames) * Double(hop) + 2 * f
        let stream = Double(chunkFrames) * f * (2 * c + s * blocks) + 6 * samples * c * s + samples * c
        return 4 * (v + h + w + stream) + 64 * 1_048_576
    }

    /// Memory this process may still use: the smallest of MemAvailable, the cgroup limit, the
    /// address-space limit and the `NMF_SEPARATE_MAX_MEMORY` environment variable (bytes), when set.
    /// - Throws: `CLIError.usage` when `NMF_SEPARATE_MAX_MEMORY` is set but not a byte count.
    static func availableBytes() throws -> Int? {
        try room()?.bytes
    }

    /// ``availableBytes()`` and the limit that sets it, named for a message ("ulimit -v", …).
    /// - Throws: `CLIError.usage` when `NMF_SEPARATE_MAX_MEMORY` is set but not a byte count.
    static func room() throws -> (bytes: Int, limit: String)? {
        var limits: [(bytes: Int, limit: String)] = []
        if let bytes = try configuredCap() { limits.append((bytes, "NMF_SEPARATE_MAX_MEMORY")) }
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
            limits.append((kb * 1024, "the machine's available memory"))
        }
        if let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8), let room = cgroupRoom(selfCgroup: text) {
            limits.append((room, "the cgroup's memory limit"))
        }
        if let room = addressSpaceLeft() { limits.append((room, "the address-space limit (ulimit -v), less what the program already maps")) }
        return limits.min { $0.bytes < $1.bytes }
    }

    /// What the process's memory cgroup still allows: at each level from its own cgroup up to
    /// the top, the level's limit less the level's usage without its inactive page cache (which
    /// the kernel reclaims before it kills), the smallest of them, so that siblings sharing a
    /// parent's limit count; nil without a limit. The cgroup is the process's own
    /// (`/proc/self/cgroup`: `0::/path` for cgroup v2, `N:memory:/path` for v1), looked up under
    /// `root`, or `root`'s top level when a cgroup namespace hides the path (a container's).
    /// - Parameters:
    ///   - selfCgroup: the text of `/proc/self/cgroup`.
    ///   - root: where the cgroup file systems are mounted.
    static func cgroupRoom(selfCgroup: String, root: String = "/sys/fs/cgroup") -> Int? {
        for line in selfCgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2]) == "/" ? "" : String(parts[2])
            if parts[0] == "0" && parts[1].isEmpty {   // v2 (unified; in a hybrid layout under "unified")
                let base = FileManager.default.fileExists(atPath: root + "/cgroup.controllers") ? root : root + "/unified"
                guard let room = levelsRoom(base: base, path: path, limit: "memory.max", usage: "memory.current",
                                            inactive: "inactive_file") else { continue }
                return room
            }
            if parts[1].split(separator: ",").contains("memory") {   // v1
                return levelsRoom(base: root + "/memory", path: path, limit: "memory.limit_in_bytes",
                                  usage: "memory.usage_in_bytes", inactive: "total_inactive_file") ?? nil
            }
        }
        return nil
    }

    /// The smallest room (limit − (usage − inactive cache)) over the levels from `base + path`
    /// (or `base` when that does not exist) up to `base`: .some(nil) when no level has a limit,
    /// nil when the controller's files are not there.
    private static func levelsRoom(base: String, path: String, limit: String, usage: String, inactive: String) -> Int?? {
        let fm = FileManager.default
        func number(_ file: String) -> Int? {
            (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        func stat(_ dir: String, _ key: String) -> Int? {
            guard let text = try? String(contentsOfFile: dir + "/memory.stat", encoding: .utf8) else { return nil }
            return text.split(separator: "\n").first { $0.hasPrefix(key + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
        }
        var dir = fm.fileExists(atPath: base + path) ? base + path : base
        guard fm.fileExists(atPath: dir + "/" + limit) || fm.fileExists(atPath: dir + "/" + usage) else { return nil }
        var room: Int?
        var own: Int?   // the process's own level's use, part of every ancestor's
        while dir.count >= base.count {
            let used = max(own ?? 0, (number(dir + "/" + usage) ?? 0) - (stat(dir, inactive) ?? 0))
            if own == nil { own = used }
            if let cap = number(dir + "/" + limit), cap < 1 << 60 {   // (v2 writes "max", v1 about 2⁶³, for none)
                room = min(room ?? Int.max, max(0, cap - used))
            }
            if dir == base { break }
            dir = PathName.directory(of: dir)
        }
        return .some(room)
    }

    /// What an address-space limit (`ulimit -v`, RLIMIT_AS) leaves this process: the limit less
    /// its present virtual size and 256 MiB (plus 72 MiB a core beyond two) for what the run maps
    /// later besides its buffers (the worker threads' stacks and malloc arenas); nil without a limit. (Past it an allocation
    /// stops the process with "failed to allocate", leaving its temporary files behind.)
    static func addressSpaceLeft() -> Int? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,   // (RLIM_INFINITY, all ones)
              let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = Int(text.split(separator: " ").first ?? "") else { return nil }
        let cap = Int(clamping: limit.rlim_cur)
        // Each worker thread may get a malloc arena (64 MiB reserved) besides its stack.
        let margin = (256 << 20) + max(0, ProcessInfo.processInfo.activeProcessorCount - 2) * (72 << 20)
        return max(0, cap - pages * Int(sysconf(Int32(_SC_PAGESIZE))) - margin)
    }

    /// The cap set by `NMF_SEPARATE_MAX_MEMORY` (nil when unset or empty). `CLI.main` calls it
    /// before any work, so that a malformed value is one usage error, not one per file.
    /// - Throws: `CLIError.usage` naming the value and the form allowed.
    static func configuredCap() throws -> Int? {
        guard let cap = ProcessInfo.processInfo.environment["NMF_SEPARATE_MAX_MEMORY"],
              !cap.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let bytes = byteCount(cap) else {
            throw CLIError.usage("NMF_SEPARATE_MAX_MEMORY is '\(cap)'; allowed: a positive number of bytes, optionally with K, M, G or T (powers of 1024), e.g. 2G")
        }
        return bytes
    }

    /// A byte count as `NMF_SEPARATE_MAX_MEMORY` takes it: a positive integer, optionally
    /// followed by K, M, G or T (case-insensitive, powers of 1024, an optional trailing B or iB).
    /// - Returns: the bytes, or nil for anything else (zero, a sign, a fraction, an overflow).
    static func byteCount(_ text: String) -> Int? {
        var t = Substring(text.trimmingCharacters(in: .whitespaces).uppercased())
        if t.hasSuffix("IB") { t = t.dropLast(2) } else if t.hasSuffix("B") { t = t.dropLast() }
        var scale = 1
        if let unit = t.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(unit)] {
            scale = 1 << (10 * power)
            t = t.dropLast()
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(t), n > 0 else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }

    /// - Parameters:
    ///   - available: ``availableBytes()``, read by the caller (nil: no limit known).
    ///   - limit: the limit that sets `available` (``room()``), named in the message.
    ///   - share: the number of files separated at the same time (`--jobs`): each may count on
    ///     only that fraction of the available memory.
    ///   - training: `input` is the training audio of `train` (the advice then names what train
    ///     takes: no --jobs, --ensemble or --spatial, fewer files instead of splitting one).
    static func check(input: String, frames: Int, bins: Int, hop: Int, components: Int, chunkFrames: Int, channels: Int, sources: Int,
                      runs: Int = 1, spatial: Bool = false, available: Int?, limit: String? = nil, share: Int = 1,
                      training: Bool = false) throws {
        let need = requiredBytes(frames: frames, bins: bins, hop: hop, components: components, chunkFrames: chunkFrames,
                                 channels: channels, sources: sources, runs: runs, spatial: spatial)
        if let total = available {
            let available = Double(total) / Double(max(share, 1))
            guard need > available else { return }
            let jobs = share > 1 ? " (\(size(Double(total))) shared by --jobs \(share))" : ""
            let shape = spatial && channels > 1 ? "\(channels) channels × \(bins) bins × \(frames) frames, --spatial" : "\(bins) bins × \(frames) frames"
            // Which of the options in effect would bring the need within the room.
            func fits(runs: Int, spatial: Bool, share: Int) -> Bool {
                requiredBytes(frames: frames, bins: bins, hop: hop, components: components, chunkFrames: chunkFrames,
                              channels: channels, sources: sources, runs: runs, spatial: spatial) <= Double(total) / Double(max(share, 1))
            }
            let options = Options(jobs: share > 1, ensemble: runs > 1, spatial: spatial && channels > 1)
            let alone = Options(jobs: options.jobs && fits(runs: runs, spatial: spatial, share: 1),
                                ensemble: options.ensemble && fits(runs: 1, spatial: spatial, share: share),
                                spatial: options.spatial && fits(runs: runs, spatial: false, share: share))
            let together = !alone.any && options.any && fits(runs: 1, spatial: false, share: 1)
            throw CLIError.runtime("'\(input)' needs about \(size(need)) of memory for its spectrogram (\(shape)), factors and buffers but only \(size(available)) is available\(jobs)\(limit.map { " under \($0)" } ?? ""); \(remedy(together ? options : alone, together: together, training: training))")
        }
    }

    /// Options of a run that raise its memory need: `--jobs` above 1, `--ensemble` above 1, the
    /// joint channel model of a multichannel input.
    struct Options: Equatable {
        /// Fewer `--jobs` (1) would do / is in effect.
        var jobs = false
        /// No `--ensemble` would do / is in effect.
        var ensemble = false
        /// `--no-spatial` would do / is in effect.
        var spatial = false
        /// Whether any of them is set.
        var any: Bool { jobs || ensemble || spatial }
    }

    /// The refusal's advice: a larger --hop always, then `ways`: the options in effect that
    /// would each alone bring the need within the room, or (`together`) the ones that would only
    /// all together; then less audio per run.
    static func remedy(_ ways: Options, together: Bool = false, training: Bool) -> String {
        var names: [String] = []
        if ways.jobs { names.append("fewer --jobs") }
        if ways.ensemble { names.append("a smaller --ensemble") }
        if ways.spatial { names.append("--no-spatial") }
        if together && names.count > 1 {
            names = [names.dropLast().joined(separator: ", ") + " and " + names.last! + " together"]
        }
        let last = training ? "train on fewer or shorter files" : "split the file"
        return "use " + (["a larger --hop"] + names).joined(separator: ", ") + " or " + last
    }

    /// A byte count for a message: GB from 10⁹ bytes, MB from 10⁶, kB below (so that a small
    /// cap does not read "0.00 GB").
    static func size(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.2f GB", bytes / 1e9) : bytes >= 1e6 ? String(format: "%.1f MB", bytes / 1e6)
            : String(format: "%.1f kB", bytes / 1e3)
    }
}
