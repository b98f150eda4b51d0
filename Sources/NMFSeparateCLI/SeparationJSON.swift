import Foundation
import NMFSeparation

extension SeparateCommand {
    /// The `--json` report of one separated file: everything a notebook needs to reproduce,
    /// plot or compare the run (settings, shapes, grouping, dictionaries, per-source energy
    /// share, divergence history, stage timings, output paths, stale outputs of earlier runs).
    func json(input: String, format: AudioFormat, reader: SoundFileReader, configuration c: SeparationConfiguration,
              report: SeparationReport, timings t: StageTimings, openSeconds: Double, plotSeconds: Double,
              outputs: [String], figureCount: Int, energies: [Double], beyondFullScale: [Int], stale: [String],
              total: Double) -> JSONValue {
        let f = report.factorization
        let energyTotal = energies.reduce(0, +)
        let sources = Array(outputs.prefix(c.sourceCount)), figures = Array(outputs.dropFirst(c.sourceCount).prefix(figureCount))
        let factors = Array(outputs.dropFirst(c.sourceCount + figureCount))
        // What decided the sources: dictionaries, a steady background beside one other source, or a grouping method.
        // (At most one free source needs no grouping: its components are all the free ones.)
        let preset = c.groupsFreeComponents ? nil
            : c.background == .steady ? "background" : c.fixedTemplates.isEmpty ? nil : "dictionaries"
        let grouping: String = preset ?? c.grouping.rawValue
        let dictionaryList: [JSONValue] = dictionariesJSON   // (typed apart: the literal below is at the type checker's limit)
        return .object([
            ("input", .string(input)),
            ("status", .string("ok")),
            ("version", .string(CLI.version)),
            ("sample_rate", .integer(reader.sampleRate)),
            ("channels", .integer(reader.channelCount)),
            ("length_samples", .integer(reader.frameCount)),
            ("duration_seconds", .number(reader.duration)),
            ("format", .string(reader.format.description)),
            ("output_format", .string(format.description)),
            ("frames", .integer(report.frames)),
            ("bins", .integer(report.bins)),
            ("sources", .integer(c.sourceCount)),
            ("components", .integer(report.components)),
            ("grouping", .string(grouping)),
            ("groups", .groups(report.groups)),
            ("dictionaries", .array(dictionaryList)),
            ("energy_share", .array(energies.map { .number(energyTotal > 0 ? $0 / energyTotal : 0) })),
            ("samples_beyond_full_scale", .array(beyondFullScale.map { .integer($0) })),
            ("settings", settingsJSON(c, report: report)),
            ("ensemble", .integer(report.runs.count)),
            ("ensemble_runs", .array(report.runs.dropFirst().map(Self.ensembleRunJSON))),
            ("iterations", .integer(f.iterations)),
            ("step_exponent_fallback_iteration", .integer(f.stepExponentFallbackIteration)),
            ("final_divergence", .number(f.finalDivergence)),
            ("divergence_history", .array(f.divergenceHistory.map { .array([.integer($0.iteration), .number($0.value)]) })),
            ("outputs", .array(sources.map { .string($0) })),
            ("figures", .array(figures.map { .string($0) })),
            ("factors", .array(factors.map { .string($0) })),
            ("stale_outputs", .array(stale.map { .string($0) })),
            ("seconds", .object([
                ("read", .number(t.read + openSeconds)), ("stft", .number(t.stft)), ("nmf", .number(t.nmf)), ("grouping", .number(t.grouping)),
                ("masks_istft", .number(t.masksAndInverse)), ("write", .number(t.write)), ("plot", .number(plotSeconds)),
                ("total", .number(total)),
            ])),
        ])
    }

    /// The report's `settings`: the analysis, factorization, grouping and mask settings of the run.
    func settingsJSON(_ c: SeparationConfiguration, report: SeparationReport) -> JSONValue {
        .object([
            ("fft_size", .integer(c.stft.fftSize)), ("hop", .integer(c.stft.hopLength)),
            ("window", .string("hann (periodic)")), ("max_iterations", .integer(c.maxIterations)),
            ("tolerance", .setting(c.tolerance)), ("seed", .string(String(c.seed))),
            ("mask_power", .setting(c.maskPower)), ("grouping", .string(c.grouping.rawValue)),
            ("sparsity", .setting(c.sparsity)), ("source_sparsity", .array(c.sourceSparsity.map { .setting($0) })), ("continuity", .setting(c.continuity)),
            ("source_continuity", .array(c.sourceContinuity.map { .setting($0) })),
            ("automatic_penalties", .bool(options.usesAutomaticPenalties(c))),
            ("background", .string(c.background.rawValue)),
            ("background_floor", report.backgroundFloor.map { .number(Double($0)) } ?? .null),
            ("divergence", .string(c.divergence.description)),
            ("init", .string(c.initialization.rawValue)), ("step_exponent", .setting(c.stepExponent)),
            ("threads", .integer(c.threadCount)), ("spatial", .bool(report.runs[0].channelGains != nil)),
            ("spatial_fallback", spatialFallback.map { .string($0.rawValue) } ?? .null),
        ])
    }

    /// One entry of the report's `ensemble_runs` (every run after the first): its seed,
    /// iterations, final divergence and groups.
    static func ensembleRunJSON(_ run: SeparationRun) -> JSONValue {
        .object([("seed", .string(String(run.seed))), ("iterations", .integer(run.factorization.iterations)),
                 ("final_divergence", .number(run.factorization.finalDivergence)),
                 ("step_exponent_fallback_iteration", .integer(run.factorization.stepExponentFallbackIteration)),
                 ("groups", .groups(run.groups))])
    }

    /// The dictionaries used, in order (source i is dictionary i's): `path`, `label`,
    /// `components` (its templates, the first columns of W in this order), for the report and `factors.json`.
    var dictionariesJSON: [JSONValue] {
        zip(options.dictionaries, dictionaries).map { path, d in
            .object([("path", .string(path)), ("label", .string(d.label)), ("components", .integer(d.components))])
        }
    }
}

/// Counts the energy (sum of squared samples over all channels) of what passes to a sink, and
/// the samples beyond full scale (which an integer encoding clips).
final class EnergyMeter: SampleSink {
    private let sink: SampleSink
    /// Σ x² so far, in double precision.
    private(set) var energy = 0.0
    /// Samples (over all channels) with |x| > 1 so far.
    private(set) var beyondFullScale = 0
    /// The largest |x| so far.
    private(set) var peak: Float = 0

    init(forwardingTo sink: SampleSink) { self.sink = sink }

    func write(_ channels: [[Float]], offset: Int, count: Int) throws {
        for channel in channels {
            var sum = 0.0, over = 0, top: Float = 0
            for i in offset..<(offset + count) {
                let x = channel[i], a = abs(x)
                sum += Double(x) * Double(x)
                if a > 1 { over += 1 }
                top = max(top, a)
            }
            peak = max(peak, top)
            energy += sum
            beyondFullScale += over
        }
        try sink.write(channels, offset: offset, count: count)
    }
}
