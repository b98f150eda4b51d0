import Foundation
import NMFSeparation

/// `nmf-separate eval`: BSS Eval SDR/SIR/SAR (best permutation) and SI-SDR of estimates
/// against references, with the mixture's own scores and the improvement when `--mixture` is given.
struct EvalCommand {
    var references: [String] = []
    var estimates: [String] = []
    var mixture: String?
    var json = false
    var help = false

    static let helpText = """
    usage: nmf-separate eval --reference REF... --estimate EST... [--mixture MIX] [--json]
           nmf-separate eval --reference REF_DIR --estimate EST_DIR [--mixture MIX] [--json]

    Scores separated sources: BSS Eval SDR, SIR and SAR (Vincent, Gribonval & Févotte 2006,
    512-tap distortion filter as in BSS Eval v3/v4) with the best permutation of estimates
    to references, and SI-SDR (Le Roux et al. 2019). Multichannel files are averaged to mono.
    A directory stands for its ref_*/source_* audio files (or all its audio files), sorted.

    options:
      --reference FILE...|DIR   the true sources (required)
      --estimate FILE...|DIR    the separated sources, as many as references (required)
      --mixture FILE            also score the mixture itself and report the improvement
      --json                    print one JSON object instead of a table
      -h, --help                show this help and exit

    """

    static func parse(_ arguments: [String]) throws -> EvalCommand {
        var c = EvalCommand()
        var target: WritableKeyPath<EvalCommand, [String]>?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            switch a {
            case "--reference", "--references": target = \.references
            case "--estimate", "--estimates": target = \.estimates
            case "--mixture":
                guard i < arguments.count else { throw CLIError.usage("option --mixture needs a value FILE") }
                c.mixture = arguments[i]
                i += 1
                target = nil
            case "--json": c.json = true; target = nil
            case "-h", "--help": c.help = true
            default:
                if a.hasPrefix("-") && a.count > 1 { throw CLIError.usage("unknown eval option '\(a)' (see eval --help)") }
                guard let t = target else { throw CLIError.usage("unexpected argument '\(a)': give files after --reference or --estimate") }
                c[keyPath: t].append(a)
            }
        }
        return c
    }

    /// Expands directories into their sorted audio files (preferring names starting with `prefix`).
    static func expand(_ paths: [String], prefix: String) throws -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                throw CLIError.runtime("input file '\(p)' does not exist")
            }
            if !isDir.boolValue { out.append(p); continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
            let audio = names.filter { !$0.hasPrefix(".") && ["wav", "flac", "ogg", "aiff", "aif", "au", "caf", "w64"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            let preferred = audio.filter { $0.hasPrefix(prefix) }
            let chosen = preferred.isEmpty ? audio : preferred
            if chosen.isEmpty { throw CLIError.runtime("directory '\(p)' holds no audio files") }
            out += chosen.map { (p as NSString).appendingPathComponent($0) }
        }
        return out
    }

    func run() throws -> String {
        let refs = try Self.expand(references, prefix: "ref_")
        let ests = try Self.expand(estimates, prefix: "source_")
        guard !refs.isEmpty else { throw CLIError.usage("eval needs --reference files (see eval --help)") }
        guard !ests.isEmpty else { throw CLIError.usage("eval needs --estimate files (see eval --help)") }
        guard refs.count == ests.count else {
            throw CLIError.usage("eval got \(refs.count) references but \(ests.count) estimates; give as many estimates as references")
        }
        guard refs.count <= BSSEval.maximumSourceCount else {
            throw CLIError.usage("eval supports at most \(BSSEval.maximumSourceCount) sources, got \(refs.count)")
        }
        var rate: Int?
        var signals: [(path: String, samples: [Float])] = []
        var bytes = 0.0
        for path in refs + ests + (mixture.map { [$0] } ?? []) {
            do {
                let r = try SoundFileReader(path: path)
                bytes += Double(r.frameCount) * Double(r.channelCount + 1) * 4
            } catch let e as AudioIOError { throw CLIError.runtime(e.description) }
        }
        if let available = MemoryBudget.availableBytes(), bytes * 1.5 > Double(available) {
            throw CLIError.runtime(String(format: "eval needs about %.2f GB of memory for these files but only %.2f GB is available", bytes * 1.5 / 1e9, Double(available) / 1e9))
        }
        for path in refs + ests + (mixture.map { [$0] } ?? []) {
            let buffer: AudioBuffer
            do { buffer = try SoundFileReader(path: path).readAll() } catch let e as AudioIOError { throw CLIError.runtime(e.description) }
            if let r = rate, r != buffer.sampleRate {
                throw CLIError.runtime("'\(path)' has sample rate \(buffer.sampleRate) Hz but '\(refs[0])' has \(r) Hz")
            }
            rate = buffer.sampleRate
            signals.append((path, try BSSEval.downmix(buffer.channels)))
        }
        let length = signals.map(\.samples.count).min()!
        let trimmed = signals.map { Array($0.samples.prefix(length)) }
        let j = refs.count
        let scores: SeparationScores
        var mixtureScores: SeparationScores?
        do {
            scores = try BSSEval.evaluate(references: Array(trimmed[0..<j]), estimates: Array(trimmed[j..<(2 * j)]))
            if mixture != nil { mixtureScores = try BSSEval.evaluateMixture(references: Array(trimmed[0..<j]), mixture: trimmed[2 * j]) }
        } catch {
            throw CLIError.runtime("cannot evaluate: \(error)")
        }
        return json ? jsonText(refs: refs, ests: ests, scores: scores, mixture: mixtureScores, length: length)
                    : table(refs: refs, ests: ests, scores: scores, mixture: mixtureScores)
    }

    func table(refs: [String], ests: [String], scores s: SeparationScores, mixture m: SeparationScores?) -> String {
        func f(_ x: Double) -> String { String(format: "%7.2f", x) }
        let name = { (p: String) in (p as NSString).lastPathComponent }
        var lines = ["reference            estimate                 SDR     SIR     SAR  SI-SDR" + (m != nil ? "  mixSDR   SDRi" : "")]
        for r in 0..<refs.count {
            var line = name(refs[r]).padding(toLength: 20, withPad: " ", startingAt: 0) + " "
                + name(ests[s.permutation[r]]).padding(toLength: 20, withPad: " ", startingAt: 0)
                + f(s.sdr[r]) + " " + f(s.sir[r]) + " " + f(s.sar[r]) + " " + f(s.siSDR[r])
            if let m { line += " " + f(m.sdr[r]) + " " + f(s.sdr[r] - m.sdr[r]) }
            lines.append(line)
        }
        let mean = s.mean
        var last = "mean".padding(toLength: 41, withPad: " ", startingAt: 0) + f(mean.sdr) + " " + f(mean.sir) + " " + f(mean.sar) + " " + f(mean.siSDR)
        if let m { last += " " + f(m.mean.sdr) + " " + f(mean.sdr - m.mean.sdr) }
        lines.append(last)
        return lines.joined(separator: "\n") + "\n"
    }

    func jsonText(refs: [String], ests: [String], scores s: SeparationScores, mixture m: SeparationScores?, length: Int) -> String {
        let nums = { (x: [Double]) in JSONValue.array(x.map { .number($0) }) }
        var fields: [(String, JSONValue)] = [
            ("references", .array(refs.map { .string($0) })), ("estimates", .array(ests.map { .string($0) })),
            ("samples", .integer(length)),
            ("permutation", .array(s.permutation.map { .integer($0) })),
            ("sdr", nums(s.sdr)), ("sir", nums(s.sir)), ("sar", nums(s.sar)), ("si_sdr", nums(s.siSDR)),
            ("mean_sdr", .number(s.mean.sdr)), ("mean_sir", .number(s.mean.sir)), ("mean_sar", .number(s.mean.sar)),
            ("mean_si_sdr", .number(s.mean.siSDR)),
        ]
        if let m {
            fields += [("mix_sdr_per_source", nums(m.sdr)), ("mix_sdr", .number(m.mean.sdr)),
                       ("sdr_improvement", .number(s.mean.sdr - m.mean.sdr))]
        }
        return JSONValue.object(fields).text + "\n"
    }
}
