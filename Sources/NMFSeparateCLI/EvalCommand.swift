import Foundation
import NMFSeparation

/// `nmf-separate eval`: BSS Eval SDR/SIR/SAR (best permutation) and SI-SDR of estimates
/// against references — or, with `--images`, the multichannel image metrics SDR/ISR/SIR/SAR —
/// with the mixture's own scores and the improvement when `--mixture` is given.
struct EvalCommand {
    var references: [String] = []
    var estimates: [String] = []
    var mixture: String?
    var images = false
    /// `--window`/`--hop` in seconds: framewise image metrics (medians over the windows).
    var windowSeconds: Double?
    var hopSeconds: Double?
    var json = false
    var help = false

    static let helpText = """
    usage: nmf-separate eval --reference REF... --estimate EST... [--mixture MIX] [--images [--window S [--hop S]]] [--json]
           nmf-separate eval --reference REF_DIR --estimate EST_DIR [--mixture MIX] [--images [--window S [--hop S]]] [--json]

    Scores separated sources: BSS Eval SDR, SIR and SAR (Vincent, Gribonval & Févotte 2006,
    512-tap distortion filter as in BSS Eval v3/v4) with the best permutation of estimates
    to references, and SI-SDR (Le Roux et al. 2019). Multichannel files are averaged to mono,
    unless --images is given. A directory stands for its ref_*/source_* audio files (or all
    its audio files), sorted.

    options:
      --reference FILE...|DIR   the true sources (required)
      --estimate FILE...|DIR    the separated sources, as many as references (required)
      --mixture FILE            also score the mixture itself and report the improvement
      --images                  score every channel: the image metrics SDR, ISR, SIR and SAR of
                                BSS Eval v4 (as in SiSEC 2018, over one window spanning the
                                file), which count a wrong level or place in the stereo field
                                as distortion; every file needs the same channel count, at
                                most 16 sources × channels
      --window S, --hop S       with --images: score windows of S seconds every S (or --hop)
                                seconds with the filters fitted on the whole files, and report
                                each metric's median over the windows (museval's protocol for
                                MUSDB18 and SiSEC 2018: --window 1); silent windows are skipped
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
            case "--images": c.images = true; target = nil
            case "--window", "--hop":
                guard i < arguments.count, let v = Double(arguments[i]), v.isFinite, v > 0, v <= 86_400 else {
                    throw CLIError.usage("option \(a) needs a value in seconds, greater than 0 (at most 86400), got '\(i < arguments.count ? arguments[i] : "")'")
                }
                if a == "--window" { c.windowSeconds = v } else { c.hopSeconds = v }
                i += 1
                target = nil
            case "-h", "--help": c.help = true
            default:
                if a.hasPrefix("-") && a.count > 1 { throw CLIError.usage("unknown eval option '\(a)' (see eval --help)") }
                guard let t = target else { throw CLIError.usage("unexpected argument '\(a)': give files after --reference or --estimate") }
                c[keyPath: t].append(a)
            }
        }
        if c.windowSeconds != nil && !c.images { throw CLIError.usage("option --window needs --images (framewise scores are image metrics)") }
        if c.hopSeconds != nil && c.windowSeconds == nil { throw CLIError.usage("option --hop needs --window") }
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
        let paths = refs + ests + (mixture.map { [$0] } ?? [])
        let (signals, rate) = try Self.read(paths, sources: refs.count, images: images)
        let lengths = signals.map { $0.first?.count ?? 0 }
        let length = lengths.min()!
        let trimmed = signals.map { $0.map { Array($0.prefix(length)) } }
        let j = refs.count
        let result: Metrics
        var baseline: Metrics?
        do {
            if images, let seconds = windowSeconds {
                let r = Array(trimmed[0..<j]), e = Array(trimmed[j..<(2 * j)])
                let window = max(1, Int((seconds * Double(rate)).rounded())), hop = max(1, Int(((hopSeconds ?? seconds) * Double(rate)).rounded()))
                let framewise = try BSSEval.evaluateImagesFramewise(references: r, estimates: e, window: window, hop: hop)
                result = Metrics(framewise, rate: rate, hop: hop)
                if mixture != nil {
                    let sdr = try BSSEval.imageSDRFramewise(references: r, estimate: trimmed[2 * j], window: window, hop: hop)
                    baseline = Metrics(sdr: sdr.map(FramewiseImageScores.median))
                }
            } else if images {
                let r = Array(trimmed[0..<j]), e = Array(trimmed[j..<(2 * j)])
                result = Metrics(try BSSEval.evaluateImages(references: r, estimates: e))
                if mixture != nil {
                    // Only the mixture's SDR is reported: no projection needed.
                    baseline = Metrics(sdr: try r.map { try BSSEval.imageSDR(reference: $0, estimate: trimmed[2 * j]) })
                }
            } else {
                let mono = try trimmed.map { try BSSEval.downmix($0) }
                let r = Array(mono[0..<j])
                result = Metrics(try BSSEval.evaluate(references: r, estimates: Array(mono[j..<(2 * j)])))
                if mixture != nil { baseline = Metrics(try BSSEval.evaluateMixture(references: r, mixture: mono[2 * j])) }
            }
        } catch {
            var message = "cannot evaluate: " + Self.naming(files: paths, sources: j, in: "\(error)")
            if lengths.contains(where: { $0 != length }) { message += " (in its first \(length) samples, the shortest file's length)" }
            throw CLIError.runtime(message)
        }
        if let longest = lengths.max(), longest != length, let k = lengths.firstIndex(of: length) {
            StandardError.write("nmf-separate: eval: the files differ in length (\(length) to \(longest) samples); scored the first \(length), the length of '\(paths[k])'\n")
        }
        return json ? jsonText(refs: refs, ests: ests, scores: result, mixture: baseline, length: length)
                    : table(refs: refs, ests: ests, scores: result, mixture: baseline)
    }

    /// Replaces the library's signal names (`references[i]`, `estimates[i]`, `mixture`, and
    /// channels `references[i][c]`) in `message` by the files they were read from.
    static func naming(files paths: [String], sources j: Int, in message: String) -> String {
        var out = message
        if paths.count > 2 * j { out = out.replacingOccurrences(of: "mixture", with: "'\(paths[2 * j])'") }
        for (prefix, offset) in [("references", 0), ("estimates", j)] {
            for i in (0..<j).reversed() {
                for c in (0..<64).reversed() where out.contains("\(prefix)[\(i)][\(c)]") {
                    out = out.replacingOccurrences(of: "\(prefix)[\(i)][\(c)]", with: "channel \(c + 1) of '\(paths[offset + i])'")
                }
                out = out.replacingOccurrences(of: "\(prefix)[\(i)]", with: "'\(paths[offset + i])'")
            }
        }
        return out
    }

    /// Reads every file's channels, after checking from the headers that the sample rates agree,
    /// that with `images` every file has the same channel count and J·C is within the image
    /// metrics' limit, and that the memory they need fits (the samples and two copies of the
    /// Gram matrix of the delayed references, order J·L, or J·C·L with `images`).
    static func read(_ paths: [String], sources: Int, images: Bool) throws -> (signals: [[[Float]]], rate: Int) {
        var bytes = 0.0
        var first: (rate: Int, channels: Int)?
        for path in paths {
            let r: SoundFileReader
            do { r = try SoundFileReader(path: path) } catch let e as AudioIOError { throw CLIError.runtime(e.description) }
            bytes += Double(r.frameCount) * Double(r.channelCount + 1) * 4
            guard let f = first else { first = (r.sampleRate, r.channelCount); continue }
            if r.sampleRate != f.rate {
                throw CLIError.runtime("'\(path)' has sample rate \(r.sampleRate) Hz but '\(paths[0])' has \(f.rate) Hz")
            }
            if images && r.channelCount != f.channels {
                throw CLIError.runtime("'\(path)' has \(r.channelCount) channel(s) but '\(paths[0])' has \(f.channels): --images needs the same channel count in every file")
            }
        }
        let count = sources * (images ? first!.channels : 1)
        if images && count > BSSEval.maximumImageSignals {
            throw CLIError.usage("eval --images supports at most \(BSSEval.maximumImageSignals) sources × channels, got \(sources) × \(first!.channels)")
        }
        let order = Double(count * BSSEval.defaultFilterLength)
        bytes += 2 * order * order * 8
        if let available = MemoryBudget.availableBytes(), bytes * 1.5 > Double(available) {
            throw CLIError.runtime(String(format: "eval needs about %.2f GB of memory for these files but only %.2f GB is available", bytes * 1.5 / 1e9, Double(available) / 1e9))
        }
        let signals = try paths.map { path in
            do { return try SoundFileReader(path: path).readAll().channels } catch let e as AudioIOError { throw CLIError.runtime(e.description) }
        }
        return (signals, first!.rate)
    }
}
