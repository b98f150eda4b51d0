import Foundation
import NMFSeparation

/// nmf-bench: times the KL multiplicative-update iteration on seeded data.
///
/// usage: nmf-bench [--threads T] [--runs R] [--write-v DIR] [--v FILE.npy] [--step-exponent E]
///                  [--target D] [--size F,N,K,ITERS ...]
/// Prints one line per size: ms per iteration (median of runs, from T(2n) − T(n)) and the final
/// KL divergence after n iterations. `--v` factorizes a float32 .npy matrix (bins × frames,
/// e.g. a real magnitude spectrogram) instead of seeded data; F and N then come from the file.
/// `--target D` also reports after how many iterations (divergence measured at every one, at
/// most 10·ITERS) the divergence first is ≤ D, and that count times the ms per iteration.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("nmf-bench: \(message)\n".utf8))
    exit(64)
}

struct BenchSize { var f: Int; var n: Int; var k: Int; var iterations: Int }

struct BenchOptions {
    var sizes: [BenchSize] = []
    var threads = Parallel.defaultThreadCount
    var runs = 5
    var writeDir: String?
    var vFile: String?
    var stepExponent: Float = 1
    var target: Double?
}

func parseOptions() -> BenchOptions {
    var o = BenchOptions()
    let args = Array(CommandLine.arguments.dropFirst())
    var i = 0
    func next() -> String {
        i += 1
        guard i < args.count else { fail("missing value after \(args[i - 1])") }
        return args[i]
    }
    /// The next value as an integer in `range`, or a usage error naming the option.
    func integer(_ name: String, _ range: ClosedRange<Int>) -> Int {
        let text = next()
        guard let n = Int(text) else { fail("\(name) '\(text)' is not an integer (allowed: \(range.lowerBound) to \(range.upperBound))") }
        guard range.contains(n) else { fail("\(name) \(n) is out of range (allowed: \(range.lowerBound) to \(range.upperBound))") }
        return n
    }
    while i < args.count {
        switch args[i] {
        case "--threads": o.threads = integer("--threads", 1...NMFConfiguration.maxThreadCount)
        case "--runs": o.runs = integer("--runs", 1...1000)
        case "--write-v": o.writeDir = next()
        case "--v": o.vFile = next()
        case "--step-exponent":
            let text = next()
            guard let e = Float(text), e.isFinite else { fail("--step-exponent '\(text)' is not a number") }
            o.stepExponent = e   // (its range is NMFConfiguration's, checked before any work)
        case "--target":
            let text = next()
            guard let d = Double(text), d.isFinite, d >= 0 else { fail("--target '\(text)' is out of range (allowed: a divergence ≥ 0)") }
            o.target = d
        case "--size":
            let text = next()
            let p = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard p.count == 4, let f = p[0], let n = p[1], let k = p[2], let iterations = p[3],
                  f >= 0, n >= 0, k >= 1, iterations >= 1, iterations <= NMFConfiguration.maxIterationLimit / 10 else {
                fail("--size '\(text)' is out of range (allowed: F,N,K,ITERS, four integers ≥ 1 (F and N 0 with --v, which sets them), ITERS at most \(NMFConfiguration.maxIterationLimit / 10))")
            }
            // V (F × N) and H (K × N) are held in memory: refuse what this machine cannot hold.
            let bytes = 4 * (Double(f) * Double(n) + 4 * Double(k) * Double(n) + 2 * Double(f) * Double(k))
            guard bytes < Double(ProcessInfo.processInfo.physicalMemory) / 2 else {
                fail(String(format: "--size '%@' needs about %.1f GB (allowed: under half of this machine's memory)", text, bytes / 1e9))
            }
            o.sizes.append(BenchSize(f: f, n: n, k: k, iterations: iterations))
        case "--help", "-h":
            print("usage: nmf-bench [--threads T] [--runs R] [--write-v DIR] [--v FILE.npy] [--step-exponent E] [--target D] [--size F,N,K,ITERS ...]")
            exit(0)
        default:
            fail("unknown option \(args[i])")
        }
        i += 1
    }
    if o.vFile == nil, let s = o.sizes.first(where: { $0.f < 1 || $0.n < 1 }) {
        fail("--size \(s.f),\(s.n),\(s.k),\(s.iterations) is out of range (allowed: F and N ≥ 1 without --v)")
    }
    if o.sizes.isEmpty {
        o.sizes = [BenchSize(f: 1025, n: 2587, k: 3, iterations: 50), BenchSize(f: 1025, n: 2587, k: 32, iterations: 20),
                   BenchSize(f: 1025, n: 15500, k: 8, iterations: 10), BenchSize(f: 513, n: 620_000, k: 4, iterations: 3)]
    }
    return o
}

/// Seeded V: |u − 0.5|·2 with u uniform from SplitMix64 (seed 1), bins × frames.
func makeV(_ f: Int, _ n: Int) -> Matrix {
    var rng = SeededGenerator(seed: 1)
    var v = Matrix(rows: f, columns: n)
    for j in 0..<v.storage.count { v.storage[j] = abs(rng.nextUnitFloat() - 0.5) * 2 }
    return v
}

/// Writes V (bins × frames) as a NumPy .npy file of float32 (shape F × N).
func writeNPY(_ v: Matrix, to path: String) throws {
    try Data(v.npyEncoded()).write(to: URL(fileURLWithPath: path))
}

/// Reads a little-endian float32 .npy matrix (shape F × N, C or Fortran order) as bins × frames.
func readNPY(_ path: String) -> Matrix {
    guard let data = FileManager.default.contents(atPath: path) else { fail("--v \(path): cannot read the file") }
    do {
        let v = try Matrix(npy: [UInt8](data))
        guard v.rows > 0, v.columns > 0 else { fail("--v \(path): need a non-empty matrix, found \(v.rows) × \(v.columns)") }
        return v
    } catch let e as NPYFormatError {
        fail("--v \(path): \(e.description)")
    } catch {
        fail("--v \(path): \(error)")
    }
}

let options = parseOptions()
let threads = options.threads
let fileV = options.vFile.map(readNPY)

/// Times every size of `options` and prints one line each (see the top of this file).
func benchmarkAll() throws {
    for var s in options.sizes {
        if let fv = fileV { (s.f, s.n) = (fv.rows, fv.columns) }
        let v = fileV ?? makeV(s.f, s.n)
        if let dir = options.writeDir {
            let path = "\(dir)/V_\(s.f)x\(s.n).npy"
            if !FileManager.default.fileExists(atPath: path) { try writeNPY(v, to: path) }
        }
        // Per-iteration cost = (T(2n) − T(n)) / n: the set-up (initialisation, input checks) and the
        // two divergence evaluations with logarithms (after iteration 0 and at the end) cancel out,
        // which is what the other tools' loops time too.
        func run(_ iterations: Int) throws -> (Double, Double) {
            var config = try NMFConfiguration(componentCount: s.k, maxIterations: iterations, divergenceInterval: 1_000_000,
                                              seed: 0, threadCount: threads, restarts: 1)
            config.stepExponent = options.stepExponent
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try NMF(configuration: config).factorize(v)
            return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6, r.finalDivergence)
        }
        var times: [Double] = []
        var kl = 0.0
        _ = try run(1)
        for _ in 0..<options.runs {
            let (single, d) = try run(s.iterations)
            let (double, _) = try run(2 * s.iterations)
            times.append(max(double - single, 0) / Double(s.iterations))
            kl = d
        }
        times.sort()
        let median = times[times.count / 2]
        // One divergence evaluation (what --tolerance and the divergence history cost every 10 iterations).
        let fitted = try NMF(configuration: NMFConfiguration(componentCount: s.k, maxIterations: 1, seed: 0, threadCount: threads,
                                                             restarts: 1)).factorize(v)
        var divergenceTimes: [Double] = []
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = NMF.divergence(v, basis: fitted.basis, activations: fitted.activations)
            divergenceTimes.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        var toTarget = ""
        if let target = options.target {
            // The divergence after every iteration (history sample i = after i iterations).
            var config = try NMFConfiguration(componentCount: s.k, maxIterations: 10 * s.iterations, divergenceInterval: 1,
                                              seed: 0, threadCount: threads, restarts: 1)
            config.stepExponent = options.stepExponent
            let history = try NMF(configuration: config).factorize(v).divergenceHistory
            if let hit = history.first(where: { $0.value <= target }) {
                toTarget = String(format: " iterations_to_target=%d ms_to_target=%.1f", hit.iteration, Double(hit.iteration) * median)
            } else {
                toTarget = String(format: " iterations_to_target=none best=%.6g", history.map(\.value).min() ?? .nan)
            }
        }
        // kl_bits: the final divergence's bit pattern, to compare runs with different thread counts.
        print(String(format: "F=%d N=%d K=%d iters=%d threads=%d per_iter_ms=%.3f divergence_ms=%.3f kl=%.6g kl_bits=%016llx", s.f, s.n,
                     s.k, s.iterations, threads, median, divergenceTimes.sorted()[1], kl, kl.bitPattern) + toTarget)
    }
}

do {
    try benchmarkAll()
} catch {
    // A configuration the factorization refuses (e.g. --step-exponent out of its range): one line.
    FileHandle.standardError.write(Data("nmf-bench: \(error)\n".utf8))
    exit(1)
}
