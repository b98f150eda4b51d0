import Foundation
import NMFSeparation

/// `nmf-separate eval`: BSS Eval SDR/SIR/SAR (best permutation) and SI-SDR of estimates
/// against references — or, with `--images`, the multichannel image metrics SDR/ISR/SIR/SAR —
/// with the mixture's own scores and the improvement when `--mixture` is given.
struct EvalCommand {
    /// The long options `eval` takes (for the guess in an "unknown option" message).
    static let optionNames = ["--reference", "--estimate", "--mixture", "--window", "--hop", "--json", "--images",
                              "--fixed-order", "--quiet", "--progress", "--help"]
    var references: [String] = []
    var estimates: [String] = []
    var mixture: String?
    var images = false
    /// `--fixed-order`: estimate i is scored against reference i, without a permutation search.
    var fixedOrder = false
    /// `--window`/`--hop` in seconds: framewise image metrics (medians over the windows).
    var windowSeconds: Double?
    var hopSeconds: Double?
    var json = false
    /// `--quiet` / `--progress`: as for separation (a bar on a terminal for framewise scoring).
    var quiet = false
    var progress = false
    var help = false

    static let helpText = """
    usage: nmf-separate eval --reference REF... --estimate EST... [--mixture MIX]
                [--images [--window S [--hop S]]] [--fixed-order] [--json] [-q]
                [--progress]
           nmf-separate eval --reference REF_DIR --estimate EST_DIR [options]
           nmf-separate eval --reference DATASET --estimate RESULTS [options]

    Scores separated sources: BSS Eval SDR, SIR and SAR (Vincent, Gribonval &
    Févotte 2006, 512-tap distortion filter as in BSS Eval v3/v4) with the best
    permutation of estimates to references, and SI-SDR (Le Roux et al. 2019).
    Multichannel files are averaged to mono, unless --images is given. A directory
    stands for its ref_*/source_* audio files (or all its audio files), sorted.

    A DATASET directory holds no audio itself but mixture folders: references as
    ref_* files, or as stems beside a mix.* or mixture.* file. Each folder is scored
    against the source_* files in RESULTS/<folder>/<mixture's stem>/ (where
    `nmf-separate DATASET --include 'mix*' -o RESULTS` puts them) or else in
    RESULTS/<folder>/, with its mixture for the improvement: one row per mixture
    (means over its sources) and the mean of the rows. A folder that cannot be
    scored is named on stderr, the others still are, and the exit status is 1.

    options:
      --reference FILE...|DIR   the true sources, 1 to \(BSSEval.maximumSourceCount) (required)
      --estimate FILE...|DIR    the separated sources, as many as references
                                (required)
      --mixture FILE            also score the mixture itself and report the
                                improvement
      --images                  score every channel: the image metrics SDR, ISR, SIR
                                and SAR of BSS Eval v4 (as in SiSEC 2018, over one
                                window spanning the file), which count a wrong level
                                or place in the stereo field as distortion; every
                                file needs the same channel count, at most 16
                                sources × channels
      --window S, --hop S       with --images: score windows of S seconds every S
                                (or --hop) seconds with the filters fitted on the
                                whole files, and report each metric's median over
                                the windows (museval's protocol for MUSDB18 and
                                SiSEC 2018: --window 1 --fixed-order); windows where
                                a source's channel sum is zero throughout are
                                skipped
      --fixed-order             score the i-th estimate against the i-th reference
                                instead of searching the best assignment (as
                                museval's MUSDB18 scoring does)
      --json                    print one JSON object instead of a table
      -q, --quiet               no progress bar (--window runs draw one on a
                                terminal)
      --progress                plain progress lines on stderr even when it is not a
                                terminal
      -h, --help                show this help and exit

    """

    static func parse(_ arguments: [String]) throws -> EvalCommand {
        var c = EvalCommand()
        var target: WritableKeyPath<EvalCommand, [String]>?
        var i = 0
        while i < arguments.count {
            var a = arguments[i]
            i += 1
            if a == "--" {
                // The rest are files of the list given before, even those named like options.
                guard let t = target else { throw CLIError.usage("'--' must follow --reference or --estimate (the files after it go to that list)") }
                c[keyPath: t] += arguments[i...]
                break
            }
            var inline: String?   // the value of `--name=value`
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                inline = String(a[a.index(after: eq)...])
                a = String(a[..<eq])
            }
            func value() -> String? {
                if let inline { return inline }
                guard i < arguments.count else { return nil }
                i += 1
                return arguments[i - 1]
            }
            switch a {
            case "--reference", "--references", "--estimate", "--estimates":
                target = a.hasPrefix("--reference") ? \.references : \.estimates
                if let inline { c[keyPath: target!].append(inline) }
            case "--mixture":
                if inline == nil, i < arguments.count {
                    try CommandLineOptions.refuseOptionAsValue(arguments[i], of: "--mixture", placeholder: "FILE") {
                        Self.optionNames.contains($0) || ["-q", "-h"].contains($0)
                    }
                }
                guard let v = value() else { throw CLIError.usage("option --mixture needs a value FILE") }
                if let first = c.mixture { throw CLIError.usage("--mixture is given twice ('\(first)', '\(v)'; allowed: one mixture)") }
                c.mixture = v
                target = nil
            case "--window", "--hop":
                let text = value()
                guard let text, CommandLineOptions.isDecimal(text), let v = Double(text), v.isFinite, v > 0, v <= 86_400 else {
                    throw CLIError.usage("option \(a) needs a value in seconds, greater than 0 (at most 86400), got '\(text ?? "")'")
                }
                if a == "--window" { c.windowSeconds = v } else { c.hopSeconds = v }
                target = nil
            case "--json", "--images", "--fixed-order", "-q", "--quiet", "--progress", "-h", "--help":
                if inline != nil { throw CLIError.usage("option \(a) takes no value") }
                switch a {
                case "--json": c.json = true
                case "--images": c.images = true
                case "--fixed-order": c.fixedOrder = true
                case "-q", "--quiet": c.quiet = true
                case "--progress": c.progress = true
                default: c.help = true
                }
                if a != "-h" && a != "--help" { target = nil }
            default:
                if a.hasPrefix("-") && a.count > 1 { throw CLIError.usage(OptionSuggestion.message("eval option", a, among: Self.optionNames, help: "eval --help")) }
                guard let t = target else { throw CLIError.usage("unexpected argument '\(a)': give files after --reference or --estimate") }
                c[keyPath: t].append(a)
            }
        }
        if c.windowSeconds != nil && !c.images { throw CLIError.usage("option --window needs --images (framewise scores are image metrics)") }
        if c.hopSeconds != nil && c.windowSeconds == nil { throw CLIError.usage("option --hop needs --window") }
        return c
    }

    /// Expands directories into their sorted audio files (preferring names starting with `prefix`,
    /// else all but a `mix.*` or `mixture.*` beside others),
    /// by the extensions separation's directory scan takes (`InputList.audioExtensions`).
    static func expand(_ paths: [String], prefix: String) throws -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                throw CLIError.runtime("input file '\(p)' does not exist")
            }
            if !isDir.boolValue { out.append(p); continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
            let audio = Self.audioNames(names)   // (one listing serves the files and the hint below)
            let preferred = audio.filter { $0.hasPrefix(prefix) }
            // A folder of stems with their mixture beside them (MUSDB's mixture.wav): the mixture is no source.
            let stems = audio.filter { !Self.isMixtureName($0) }
            let chosen = !preferred.isEmpty ? preferred : stems.isEmpty ? audio : stems
            if chosen.isEmpty {
                // One level too high is the usual slip: a batch writes <output>/<stem>/source_<i>.
                let inner = names.filter { !$0.hasPrefix(".") }.sorted().filter { name in
                    let sub = (p as NSString).appendingPathComponent(name)
                    return ((try? FileManager.default.contentsOfDirectory(atPath: sub)) ?? []).contains { !$0.hasPrefix(".") && SeparateCommand.isSourceFile($0) }
                }
                let hint = inner.isEmpty ? "" : "; the separation's sources are one level down, in "
                    + inner.prefix(3).map { "'\((p as NSString).appendingPathComponent($0))'" }.joined(separator: ", ") + (inner.count > 3 ? ", …" : "")
                throw CLIError.runtime("directory '\(p)' holds no audio files (looked for \(InputList.extensionList))\(hint)")
            }
            out += chosen.map { (p as NSString).appendingPathComponent($0) }
        }
        return out
    }

    /// One evaluation's files, scores and what is to be said about them.
    struct Evaluation {
        var refs: [String]
        var ests: [String]
        /// The mixture file scored for the baseline.
        var mixturePath: String?
        var scores: Metrics
        var mixture: Metrics?
        /// The samples scored (the shortest file's length).
        var length: Int
        /// Lines for stderr after `nmf-separate: eval: ` (warnings and the length note).
        var notes: [String]
    }

    func run() throws -> String {
        if references.contains("-") || estimates.contains("-") || mixture == "-" {
            throw CLIError.usage("eval reads files, not standard input ('-'): give each reference, estimate and mixture as a file")
        }
        let e = try evaluate()
        for note in e.notes { StandardError.write("nmf-separate: eval: \(TerminalText.escaped(note))\n") }
        return json ? jsonText(refs: e.refs, ests: e.ests, scores: e.scores, mixture: e.mixture, length: e.length)
                    : table(refs: e.refs, ests: e.ests, scores: e.scores, mixture: e.mixture)
    }

    /// Reads and scores the files of `references`, `estimates` and `mixture` (directories expanded).
    func evaluate() throws -> Evaluation {
        let refs = try Self.expand(references, prefix: "ref_")
        let ests = try Self.expand(estimates, prefix: "source_")
        guard !refs.isEmpty else { throw CLIError.usage("eval needs --reference files (see eval --help)") }
        guard !ests.isEmpty else { throw CLIError.usage("eval needs --estimate files (see eval --help)") }
        guard refs.count == ests.count else {
            func listed(_ n: Int, _ what: String, _ files: [String]) -> String {
                let names = files.prefix(4).map { ($0 as NSString).lastPathComponent }.joined(separator: ", ") + (files.count > 4 ? ", …" : "")
                return "\(n) \(what)\(n == 1 ? "" : "s") (\(names))"
            }
            throw CLIError.usage("eval got \(listed(refs.count, "reference", refs)) but \(listed(ests.count, "estimate", ests)); give as many estimates as references")
        }
        guard refs.count <= BSSEval.maximumSourceCount else {
            throw CLIError.usage("eval supports at most \(BSSEval.maximumSourceCount) sources, got \(refs.count)")
        }
        let paths = refs + ests + (mixture.map { [$0] } ?? [])
        let (signals, rate) = try Self.read(paths, sources: refs.count, images: images,
                                            window: windowSeconds, hop: hopSeconds ?? windowSeconds)
        let lengths = signals.map { $0.first?.count ?? 0 }
        let j = refs.count
        let (length, k) = Self.scoredLength(lengths, references: j, images: images)
        let trimmed = signals.map { $0.map { $0.count >= length ? Array($0.prefix(length)) : $0 + [Float](repeating: 0, count: length - $0.count) } }
        // Said once the scores exist (an error is one line, without them).
        let warnings = Self.inputWarnings(refs: refs, ests: ests, mixture: mixture, signals: trimmed, window: windowSeconds, hop: hopSeconds,
                                           images: images)
        // A reference whose channels cancel when averaged is silent to BSS Eval, but not silent.
        if !images, let (name, _) = zip(refs, trimmed).first(where: { _, channels in
            channels.count > 1 && (try? BSSEval.downmix(channels)).map { Self.cancels(channels, downmix: $0) } == true
        }) {
            throw CLIError.runtime("cannot evaluate: '\(name)' is silent once its channels are averaged (they cancel: opposite phase?), and BSS Eval needs a non-zero reference; --images scores the channels one by one")
        }
        let result: Metrics
        let baseline: Metrics?
        do {
            (result, baseline) = try score(trimmed, sources: j, rate: rate)
        } catch {
            var message = "cannot evaluate: " + Self.naming(files: paths, sources: j, in: "\(error)")
            if lengths.contains(where: { $0 != length }) {
                // The files are scored over one file's length: name it, it may be the cause.
                message += " (in its first \(length) samples, the length of '\(paths[k])', the shortest \(images ? "reference" : "file"))"
            }
            throw CLIError.runtime(message)
        }
        var notes = warnings.map { "warning: " + $0 }
        if let note = Self.lengthNote(lengths, scored: length, file: paths[k], images: images) { notes.append(note) }
        if let warning = shortSignalWarning(length: length, sources: j, channels: trimmed.first?.count ?? 1) {
            notes.append("warning: " + warning)
        }
        return Evaluation(refs: refs, ests: ests, mixturePath: mixture, scores: result, mixture: baseline, length: length, notes: notes)
    }

    /// The warning for signals too short for the projection (nil when long enough). The
    /// estimates are projected on the references delayed by 0…511 samples: a subspace of 512·J
    /// dimensions (512·J·C with `--images`). That projection also takes a share of about
    /// dimensions / samples of the artifacts, so SAR (and SDR) come out high by about
    /// −10·log10(1 − dimensions / samples) dB: 0.46 dB at a tenth, unbounded at one. (Without
    /// `--images` the channels were averaged to one; with `--window` the filters are still fitted
    /// on the whole files, so the whole length counts.) Scored as the reference scorers do, but a
    /// short signal flatters the estimates. (The image SDR projects nothing; ISR, SIR and SAR do.)
    func shortSignalWarning(length: Int, sources j: Int, channels: Int) -> String? {
        let dimensions = BSSEval.defaultFilterLength * j * (images ? channels : 1)
        guard length < 10 * dimensions else { return nil }
        let share = Double(dimensions) / Double(length)
        let metrics = images ? "ISR, SIR and SAR (not the image SDR)" : "SDR and SAR"
        let bias = share < 1 ? String(format: "are inflated by about %.1f dB", -10 * log10(1 - share))
            : "cannot be trusted (the projection has at least as many dimensions as there are samples)"
        return "\(length) \(length == 1 ? "sample is" : "samples are") fewer than 10 × the \(dimensions) dimensions of the \(BSSEval.defaultFilterLength)-tap projection; \(metrics) \(bias)"
    }

    /// Scores the estimates (`signals[j..<2j]`) against the references (`signals[0..<j]`), and the
    /// mixture (`signals[2j]`, when given) for the baseline, the mixture first since it is cheap.
    func score(_ signals: [[[Float]]], sources j: Int, rate: Int) throws -> (Metrics, Metrics?) {
        let r = Array(signals[0..<j]), e = Array(signals[j..<(2 * j)]), mix = mixture != nil ? signals[2 * j] : nil
        if images, let seconds = windowSeconds {
            let window = Self.samples(seconds, rate: rate), hop = Self.samples(hopSeconds ?? seconds, rate: rate)
            let mixSDR = try mix.map { try BSSEval.imageSDRFramewise(references: r, estimate: $0, window: window, hop: hop) }
            let board = ProgressBoard(total: 1, quiet: quiet, plainLines: progress)
            defer { board.close() }
            let file = board.begin(label: "eval", index: 1)
            file.update(fraction: 0, stage: "filters")
            var report: (@Sendable (Double) -> Void)?
            if board.mode != .off { report = { file.update(fraction: $0, stage: "windows") } }
            let framewise = try BSSEval.evaluateImagesFramewise(references: r, estimates: e, window: window, hop: hop,
                                                                fixedOrder: fixedOrder, progress: report)
            file.finish("done")
            // The mixture's median over the windows the estimates were scored on (they skip more when an estimate is silent).
            let baseline = mixSDR.map { sdr in
                Metrics(sdr: sdr.indices.map { i in FramewiseImageScores.median(zip(sdr[i], framewise.sdr[i]).map { $1.isNaN ? .nan : $0 }) })
            }
            return (Metrics(framewise, rate: rate, hop: hop), baseline)
        }
        if images {
            // Only the mixture's SDR is reported: no projection needed.
            let baseline = try mix.map { m in Metrics(sdr: try r.map { try BSSEval.imageSDR(reference: $0, estimate: m) }) }
            return (Metrics(try BSSEval.evaluateImages(references: r, estimates: e, fixedOrder: fixedOrder)), baseline)
        }
        let mono = try signals.map { try BSSEval.downmix($0) }
        let monoReferences = Array(mono[0..<j]), monoEstimates = Array(mono[j..<(2 * j)])
        let baseline = try mix.map { _ in Metrics(try BSSEval.evaluateMixture(references: monoReferences, mixture: mono[2 * j])) }
        let scores = fixedOrder
            ? try BSSEval.evaluate(references: monoReferences, estimates: monoEstimates, permutation: Array(0..<j))
            : try BSSEval.evaluate(references: monoReferences, estimates: monoEstimates)
        return (Metrics(scores), baseline)
    }

    /// The memory of a framewise evaluation beyond the whole-file one: the filters' half spectra
    /// (2·J²·C² of N/2 + 1 complex doubles), two windows' FFT buffers per thread, and the scores of
    /// every pair and window; a usage error when the windows exceed `BSSEval.maximumWindowCount`.
    static func framewiseBytes(window: Double, hop: Double, rate: Int, frames: Int, sources j: Int, channels c: Int) throws -> Double {
        let w = samples(window, rate: rate), h = samples(hop, rate: rate)
        if w >= frames { return 0 }   // one window over the whole files: the quadratic forms suffice
        let count = (frames - w) / h + 1
        if count > BSSEval.maximumWindowCount {
            throw CLIError.usage("eval --window \(window) --hop \(hop) makes \(count) windows of these files; at most \(BSSEval.maximumWindowCount) are scored: use a longer --hop")
        }
        var n = 1
        while n < w + BSSEval.defaultFilterLength - 1 { n <<= 1 }
        let spectra = 2.0 * Double(j * j * c * c) * Double(n / 2 + 1) * 16
        let buffers = Double(Parallel.defaultThreadCount) * Double(j * c * (j + 2)) * Double(n) * 16
        return spectra + buffers + Double(4 * j * j * count) * 8 * 3
    }

    /// `seconds` at `rate` Hz in whole samples, the fraction dropped as museval does
    /// (`int(window * rate)`: 0.25 s at 22,050 Hz is 5,512 samples), at least one.
    static func samples(_ seconds: Double, rate: Int) -> Int { max(1, Int((seconds * Double(rate)).rounded(.towardZero))) }

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
    static func read(_ paths: [String], sources: Int, images: Bool, window: Double?,
                     hop: Double?) throws -> (signals: [[[Float]]], rate: Int) {
        var bytes = 0.0
        var frames = Int.max
        var first: (rate: Int, channels: Int)?
        var readers: [SoundFileReader] = []
        for path in paths {
            let r: SoundFileReader
            do { r = try SoundFileReader(path: path) } catch let e as AudioIOError { throw CLIError.runtime(e.description) }
            readers.append(r)
            bytes += Double(r.frameCount) * Double(r.channelCount + 1) * 4
            if !images || readers.count <= sources { frames = min(frames, r.frameCount) }   // (the length scored)
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
        for (name, seconds) in [("--window", window), ("--hop", hop)] {
            // (Not rounded up to one sample unsaid: the windows would not be what was asked for.)
            if let seconds, seconds * Double(first!.rate) < 1 {
                throw CLIError.usage("\(name) \(seconds) is shorter than one sample at \(first!.rate) Hz (allowed: at least 1/\(first!.rate) s, \(1 / Double(first!.rate)) s)")
            }
        }
        if let window, let hop {
            bytes += try framewiseBytes(window: window, hop: hop, rate: first!.rate, frames: frames, sources: sources,
                                        channels: first!.channels)
        }
        if let room = try MemoryBudget.room(), bytes * 1.5 > Double(room.bytes) {
            throw CLIError.runtime("eval needs about \(MemoryBudget.size(bytes * 1.5)) of memory for these files but only \(MemoryBudget.size(Double(room.bytes))) is available under \(room.limit)")
        }
        // The samples of the readers whose headers were checked above.
        let signals = try readers.map { reader in
            do { return try reader.readAll().channels } catch let e as AudioIOError { throw CLIError.runtime(e.description) }
        }
        return (signals, first!.rate)
    }
}
