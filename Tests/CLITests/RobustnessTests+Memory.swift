import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// The memory budget: spectrograms too large for the machine are refused before any work,
/// and the limits it is made of (`NMF_SEPARATE_MAX_MEMORY`, the address-space limit, the cgroup's
/// room) are read as documented and shared by parallel jobs.
extension RobustnessTests {
    @Test func spectrogramTooLargeForMemoryIsRefusedUpFront() throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 2), rate: 44100, to: "\(dir)/mix.wav")
        let r = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/out", "--hop", "1"],
                                  environment: ["NMF_SEPARATE_MAX_MEMORY": "100000000"])
        let stderr = r.stderr
        #expect(r.status == 1)
        #expect(stderr.contains("needs about") && (stderr.contains("GB") || stderr.contains("MB")), "\(stderr)")
        // The advice names only what lowers this run's need: no --jobs for a single file.
        #expect(stderr.hasSuffix("; use a larger --hop or split the file\n"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
        // Training has no --jobs and takes several files: its advice says so.
        let t = try CLIRunner.run(["train", "\(dir)/mix.wav", "--hop", "1", "-o", "\(dir)/d.nmfdict"],
                                  environment: ["NMF_SEPARATE_MAX_MEMORY": "100000000"])
        #expect(t.status == 1 && t.stderrLines.count == 1
                && t.stderr.hasSuffix("; use a larger --hop or train on fewer or shorter files\n"), "\(t.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/d.nmfdict"))
    }

    /// The advice of a memory refusal lists the options in effect that would bring the need
    /// within the room, alone or only together.
    @Test func theMemoryAdviceNamesOnlyWhatWouldHelp() throws {
        typealias O = MemoryBudget.Options
        #expect(MemoryBudget.remedy(O(), training: false) == "use a larger --hop or split the file")
        #expect(MemoryBudget.remedy(O(jobs: true, ensemble: true, spatial: true), training: false)
                == "use a larger --hop, fewer --jobs, a smaller --ensemble, --no-spatial or split the file")
        #expect(MemoryBudget.remedy(O(ensemble: true, spatial: true), together: true, training: false)
                == "use a larger --hop, a smaller --ensemble and --no-spatial together or split the file")
        #expect(MemoryBudget.remedy(O(), training: true) == "use a larger --hop or train on fewer or shorter files")
        // Through the check: an ensemble whose share is small is not named; one whose runs
        // are most of the need is. (H dominates at many components over many frames.)
        func advice(runs: Int, components: Int, room: Int) -> String {
            do {
                try MemoryBudget.check(input: "x.wav", frames: 32001, bins: 9, hop: 4, components: components, chunkFrames: 512,
                                       channels: 1, sources: 2, runs: runs, available: room)
                return "fits"
            } catch { return "\(error)" }
        }
        let one = MemoryBudget.requiredBytes(frames: 32001, bins: 9, hop: 4, components: 3000, chunkFrames: 512, channels: 1, sources: 2)
        #expect(advice(runs: 3, components: 3000, room: Int(one * 1.01)).hasSuffix("use a larger --hop, a smaller --ensemble or split the file"))
        #expect(advice(runs: 3, components: 3000, room: Int(one * 0.9)).hasSuffix("use a larger --hop or split the file"))
    }

    /// With many templates over many frames H is nearly everything, and the peak holds it four
    /// times over (measured at K = 3000, fft 16, hop 4): the estimate counts that, and one more
    /// H per further run of an ensemble.
    @Test func theEstimateCountsEveryCopyOfTheActivations() {
        let h = 4.0 * 3000 * 32001
        func need(runs: Int) -> Double {
            MemoryBudget.requiredBytes(frames: 32001, bins: 9, hop: 4, components: 3000, chunkFrames: 512, channels: 1, sources: 2, runs: runs)
        }
        #expect(need(runs: 1) >= 4 * h && need(runs: 1) < 4.2 * h)
        #expect(abs(need(runs: 3) - need(runs: 1) - 2 * h) < 1)
        #expect(MemoryBudget.size(1_048_576) == "1.0 MB" && MemoryBudget.size(2.5e9) == "2.50 GB" && MemoryBudget.size(20_480) == "20.5 kB")
    }

    /// NMF_SEPARATE_MAX_MEMORY takes bytes with an optional binary unit; anything else is a usage
    /// error naming the variable, not a cap silently ignored.
    @Test func memoryCapVariableIsParsedOrRefused() throws {
        #expect(MemoryBudget.byteCount("100000000") == 100_000_000)
        #expect(MemoryBudget.byteCount("2G") == 2 << 30 && MemoryBudget.byteCount("512m") == 512 << 20)
        #expect(MemoryBudget.byteCount("3KiB") == 3072 && MemoryBudget.byteCount(" 1GB ") == 1 << 30 && MemoryBudget.byteCount("7B") == 7)
        for bad in ["abc", "0", "-5", "1.5G", "2X", "G", "+3", "99999999999999999999", "9999999999T"] {
            #expect(MemoryBudget.byteCount(bad) == nil, "\(bad)")
        }
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 2), rate: 44100, to: "\(dir)/mix.wav")
        let r = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "2"],
                                  environment: ["NMF_SEPARATE_MAX_MEMORY": "lots"])
        #expect(r.status == 64 && r.stderrLines.count == 1 && r.stderr.contains("NMF_SEPARATE_MAX_MEMORY is 'lots'"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
        let ok = try CLIRunner.run(["\(dir)/mix.wav", "--sources", "2", "-o", "\(dir)/out", "--iterations", "2"],
                                   environment: ["NMF_SEPARATE_MAX_MEMORY": "4G"])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    /// A stdout that fails (closed, a full disk, a reader gone) stopped the process with a
    /// Foundation trap (SIGILL, exit 132) and ended a batch half way. Now the failure is one
    /// line on stderr, every file is still separated, and the exit status is 1. With stdout
    /// closed from the start, no file the run opens takes its descriptor (the JSON went into one).
    @Test(arguments: [">&-", ">/dev/full"])
    func aFailingStandardOutputIsOneLineNotACrash(_ redirection: String) throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 1, rate: 16000), to: "\(dir)/a.wav")
        try writeFloat(try realMixture(seconds: 1.5, rate: 16000), to: "\(dir)/b.wav")
        let shell = "exec \"$0\" \"$@\" \(redirection)"
        let help = try CLIRunner.run(["-c", shell, CLIRunner.binary, "--help"], executable: "/bin/sh")
        #expect(help.status == 1 && help.stderrLines.count == 1 && help.stderr.contains("cannot write to standard output"), "\(help.stderr)")
        let batch = try CLIRunner.run(["-c", shell, CLIRunner.binary, "\(dir)/a.wav", "\(dir)/b.wav", "-s", "2", "--iterations", "3",
                                       "-o", "\(dir)/out", "--json", "-q"], executable: "/bin/sh")
        #expect(batch.status == 1 && batch.stderrLines.count == 1 && batch.stderr.contains("cannot write to standard output"), "\(batch.stderr)")
        #expect(CLIRunner.files(under: "\(dir)/out") == ["a/source_1.wav", "a/source_2.wav", "b/source_1.wav", "b/source_2.wav"])
        for f in CLIRunner.files(under: "\(dir)/out") { #expect(try TestSupport.read("\(dir)/out/\(f)").frameCount > 0) }
        // Without output for stdout, a closed one is no failure.
        let quiet = try CLIRunner.run(["-c", shell, CLIRunner.binary, "\(dir)/a.wav", "-s", "2", "--iterations", "3",
                                       "-o", "\(dir)/out2", "-q"], executable: "/bin/sh")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    /// An address-space limit (`ulimit -v`) too small for the spectrogram stopped the process
    /// with "failed to allocate" (SIGABRT), its temporary files left behind; it is now refused
    /// before any work, like a lack of memory.
    @Test func addressSpaceLimitIsPartOfTheMemoryBudget() throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 2, rate: 16000), to: "\(dir)/a.wav")
        let r = try CLIRunner.run(["-c", "ulimit -v 400000; exec \"$0\" \"$@\"", CLIRunner.binary, "\(dir)/a.wav", "-s", "2",
                                   "--fft-size", "16384", "--hop", "64", "--iterations", "2", "-o", "\(dir)/out"], executable: "/bin/sh")
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("of memory for its spectrogram"), "\(r.stderr)")
        // (It named "only 0.0 kB is available" without saying whose limit that was.)
        #expect(r.stderr.contains("is available under the address-space limit (ulimit -v)"), "\(r.stderr)")
        #expect(CLIRunner.entries(under: "\(dir)/out").isEmpty)
    }

    /// The memory check read the top of the cgroup hierarchy, not the process's own cgroup,
    /// and counted page cache as used. Fake cgroup trees: v2 with the limit on a parent, v1
    /// with a hierarchical limit, a path a namespace hides, no limit.
    @Test func cgroupRoomIsTheOwnCgroupsLimitLessItsUnreclaimableUse() throws {
        let root = try TestSupport.temporaryDirectory()
        func put(_ path: String, _ text: String) throws {
            try FileManager.default.createDirectory(atPath: PathName.directory(of: "\(root)/\(path)"), withIntermediateDirectories: true)
            try text.write(toFile: "\(root)/\(path)", atomically: false, encoding: .utf8)
        }
        func tree(_ files: KeyValuePairs<String, String>) throws { for (path, text) in files { try put(path, text + "\n") } }
        // v2: the job's parent caps it at 1 GiB; 600 MiB used, 200 MiB of it inactive page cache.
        try tree(["v2/cgroup.controllers": "memory", "v2/memory.max": "max", "v2/jobs/memory.max": "1073741824",
                  "v2/jobs/job7/memory.max": "max", "v2/jobs/job7/memory.current": "\(600 << 20)",
                  "v2/jobs/job7/memory.stat": "anon 1\ninactive_file \(200 << 20)\nactive_file 5"])
        #expect(MemoryBudget.cgroupRoom(selfCgroup: "0::/jobs/job7\n", root: "\(root)/v2") == (1024 - 400) << 20)
        // A namespace shows "/" while the files are the container's own, at the top.
        try tree(["v2ns/cgroup.controllers": "memory", "v2ns/memory.max": "\(2 << 30)", "v2ns/memory.current": "\(1 << 30)"])
        #expect(MemoryBudget.cgroupRoom(selfCgroup: "0::/\n", root: "\(root)/v2ns") == 1 << 30)
        // A sibling uses most of the parent's limit: the parent's room is what is left.
        try put("v2/jobs/memory.current", "\(900 << 20)\n")
        #expect(MemoryBudget.cgroupRoom(selfCgroup: "0::/jobs/job7\n", root: "\(root)/v2") == (1024 - 900) << 20)
        // v1: the memory controller's line; the limit on the parent, whose usage counts.
        try tree(["v1/memory/memory.limit_in_bytes": "9223372036854771712", "v1/memory/batch/memory.limit_in_bytes": "\(512 << 20)",
                  "v1/memory/batch/memory.usage_in_bytes": "\(300 << 20)",
                  "v1/memory/batch/memory.stat": "cache 1\ntotal_inactive_file \(100 << 20)",
                  "v1/memory/batch/step/memory.limit_in_bytes": "9223372036854771712",
                  "v1/memory/batch/step/memory.usage_in_bytes": "\(50 << 20)"])
        #expect(MemoryBudget.cgroupRoom(selfCgroup: "9:name=systemd:/\n4:memory:/batch/step\n0::/\n", root: "\(root)/v1") == 312 << 20)
        // No limit anywhere.
        try put("none/memory/memory.limit_in_bytes", "9223372036854771712\n")
        #expect(MemoryBudget.cgroupRoom(selfCgroup: "4:memory:/x\n", root: "\(root)/none") == nil)
    }

    /// With --jobs N each file may count on 1/N of the memory.
    @Test func parallelJobsShareTheMemoryBudget() throws {
        let dir = try TestSupport.temporaryDirectory()
        try writeFloat(try realMixture(seconds: 2), rate: 44100, to: "\(dir)/a.wav")
        try writeFloat(try realMixture(seconds: 2), rate: 44100, to: "\(dir)/b.wav")
        func run(_ jobs: Int, limit: String) throws -> CLIRunner.Outcome {
            try CLIRunner.run(["\(dir)/a.wav", "\(dir)/b.wav", "--sources", "2", "-o", "\(dir)/out\(jobs)", "--hop", "64",
                               "--iterations", "2", "--jobs", "\(jobs)", "-q"], environment: ["NMF_SEPARATE_MAX_MEMORY": limit])
        }
        // Find what one file needs from the refusal message at a tiny limit, then allow 1.5 times that.
        let probe = try run(1, limit: "1000")
        let needMB = try #require(probe.stderr.split(separator: " ").firstIndex(of: "about").map { Double(probe.stderr.split(separator: " ")[$0 + 1])! })
        let limit = String(Int(needMB * 1.5e6))
        #expect(try run(1, limit: limit).status == 0)
        let parallel = try run(2, limit: limit)
        #expect(parallel.status == 1 && parallel.stderr.contains("shared by --jobs 2"), "\(parallel.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out"))
    }
}
