import DSPCore
import AudioIO
import Spectral
import Factorization
import Dispatch
import Foundation

/// The whole separation pipeline, from samples to separated samples (no file handling):
/// STFT → magnitude spectrogram V → KL-NMF V ≈ W·H → components grouped into sources →
/// generalised Wiener masks → masked complex STFT of every channel → inverse STFT.
///
/// The source is read twice (analysis, then masking and resynthesis; a spatial separation
/// whose grouping or `inspect` needs the channels' mean V reads it once more in between) in chunks of
/// `chunkFrames` frames, so besides V (bins × frames floats; C·bins × frames for a spatial
/// separation of C channels) memory stays proportional to
/// one chunk, however long the recording.
public struct Separator: Sendable {
    /// The settings.
    public let configuration: SeparationConfiguration

    /// Creates a separator.
    public init(configuration: SeparationConfiguration) {
        self.configuration = configuration
    }

    /// Separates `source` into `sinks.count == sourceCount` sources.
    ///
    /// Each sink receives exactly `source.frameCount` frames with `source.channelCount`
    /// channels; the sinks add up to the source (masks sum to one).
    /// - Parameters:
    ///   - source: the mixture, read twice.
    ///   - sinks: one per source, written front to back.
    ///   - progress: called during each stage, on the calling thread; return `false` to cancel:
    ///     the run throws `SeparationError.cancelled` at once, also on the last call (fraction 1
    ///     of the synthesis), and the sinks keep what they were given so far (a cancelled run's
    ///     outputs are incomplete: remove them, as the command-line tool does).
    ///   - inspect: called once after the factorization and grouping, before resynthesis, with
    ///     the mixture's magnitude spectrogram V (bins × frames, channels combined), the
    ///     runs (one factorization with its groups, or `ensembleSize` of them, aligned) and the
    ///     configuration they ran with (`background` decided, as in the report), e.g. to
    ///     draw figures; an error it throws ends the run.
    /// - Returns: the report (shapes, W, H, divergence history, timings).
    /// - Throws: `SeparationError`, `FactorizationError`, or the source's and sinks' errors.
    public func separate(source: SampleSource, sinks: [SampleSink],
                         progress: ((SeparationProgress) -> Bool)? = nil,
                         inspect: ((_ spectrogram: Matrix, _ runs: [SeparationRun], _ configuration: SeparationConfiguration) throws -> Void)? = nil)
        throws -> SeparationReport {
        let stft = configuration.stft
        try validate(source: source, sinks: sinks.count)
        var timings = StageTimings()
        let report = { (stage: SeparationProgress.Stage, fraction: Double) -> Bool in
            progress?(SeparationProgress(stage: stage, fraction: fraction)) ?? true
        }
        // A spatial separation factorizes the channels' spectrograms stacked (C·F × N); grouping,
        // figures and ensembles then work on each component's spectrum and the channels' mean V.
        let channels = configuration.spatial ? source.channelCount : 1
        var analyzer = SpectrogramAnalyzer(configuration: stft, chunkFrames: configuration.chunkFrames, threads: configuration.threadCount)
        analyzer.stacked = channels > 1
        var stacked: Matrix? = try analyzer.magnitude(of: source, timings: &timings) { report(.analysis, $0) }
        try Self.checkFinite(stacked!)
        let frames = stacked?.columns ?? 0
        // `.automatic` is decided here, from V; the rest of the run uses the decided settings.
        let measuredFloor = configuration.measuresBackgroundFloor(frames: frames) ? SteadyBackground.floor(of: stacked!) : nil
        let config = configuration.resolvingBackground(floor: measuredFloor, frames: frames)
        let factorizations = try Separator(configuration: config).factorizeAll(stacked!, channels: channels, timings: &timings,
                                                                               report: report)
        // The channels' mean V: the analysed V itself without `spatial`; for a spatial run only
        // when the grouping or `inspect` reads it, analysed again once the stacked V is released,
        // so that at most C spectrograms are held at a time.
        var v: Matrix? = channels == 1 ? stacked : nil
        stacked = nil
        if v == nil && (config.grouping == .percussive || inspect != nil) {
            analyzer.stacked = false
            v = try analyzer.magnitude(of: source, timings: &timings) { _ in report(.factorization, 1) }
        }
        var runs: [SeparationRun] = []
        let groupingStart = DispatchTime.now().uptimeNanoseconds
        for f in factorizations {
            var run = SeparationRun(factorization: f.result,
                                    groups: try Self.groups(config: config, result: f.result, spectrogram: v, sampleRate: source.sampleRate,
                                                        channelGains: f.gains),
                                    seed: f.seed, channelGains: f.gains)
            if let first = runs.first {
                run = EnsembleAlignment.aligned(run, to: first, fixedSources: config.presetSourceCount)
            }
            runs.append(run)
        }
        timings.grouping += Double(DispatchTime.now().uptimeNanoseconds - groupingStart) * 1e-9
        if let inspect, let v { try inspect(v, runs, config) }

        let synthesizer = MaskedSynthesizer(configuration: config, runs: runs)
        try synthesizer.run(source: source, sinks: sinks, timings: &timings) { report(.synthesis, $0) }
        return SeparationReport(bins: stft.binCount, frames: frames, components: config.componentCount, groups: runs[0].groups,
                                factorization: runs[0].factorization, timings: timings, runs: runs,
                                configuration: config, backgroundFloor: measuredFloor)
    }

    /// The `ensembleSize` factorizations of V (bins × frames, or C·bins × frames stacked when
    /// `channels` > 1), from seeds seed, seed + 1, …; a spatial one is split into spectra (W,
    /// with H scaled by 1/C so that W·H models the channels' mean magnitude) and channel gains.
    func factorizeAll(_ v: Matrix, channels: Int, timings: inout StageTimings,
                      report: @escaping (SeparationProgress.Stage, Double) -> Bool) throws -> [(result: NMFResult, gains: Matrix?, seed: UInt64)] {
        let config = configuration
        var fixed: Matrix? = config.fixedTemplates.isEmpty ? nil : Self.concatenate(config.fixedTemplates)
        if let f = fixed, channels > 1 {
            fixed = try ChannelTiedBasis.stack(spectra: f, gains: Matrix(rows: channels, columns: f.columns,
                                                                     repeating: 1 / Float(channels)))
        }
        var out: [(result: NMFResult, gains: Matrix?, seed: UInt64)] = []
        for r in 0..<config.ensembleSize {
            let seed = config.seed &+ UInt64(r)
            let t0 = DispatchTime.now().uptimeNanoseconds
            var result = try factorize(v, seed: seed, fixedBasis: fixed, channels: channels) { fraction in
                report(.factorization, (Double(r) + fraction) / Double(config.ensembleSize))
            }
            // The NMF stage is the factorizations alone (not the grouping).
            timings.nmf += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            var gains: Matrix?
            if channels > 1 {
                let parts = try ChannelTiedBasis.split(result.basis, channels: channels)
                result.basis = parts.spectra
                gains = parts.gains
                let inverse = 1 / Float(channels)
                for i in result.activations.storage.indices { result.activations.storage[i] *= inverse }
            }
            out.append((result, gains, seed))
        }
        return out
    }

    /// The most frames a source may have (as `SoundFileReader` accepts: 2⁴⁰).
    public static let maxFrameCount = 1 << 40
    /// The most channels a source may have (as `SoundFileReader` accepts).
    public static let maxChannelCount = 1024

    /// V with an infinite or NaN entry: the samples overflow float32 in the spectrum (magnitudes
    /// around 10¹⁷ and up), or a `SampleSource` delivered non-finite samples.
    /// - Throws: `SeparationError.invalidInput` naming the frame.
    /// - Parameter what: the audio V is the spectrogram of, as the message names it.
    static func checkFinite(_ v: Matrix, of what: String = "the mixture") throws {
        guard let i = v.storage.firstIndex(where: { !$0.isFinite }) else { return }
        throw SeparationError.invalidInput("the spectrum of \(what) is \(v.storage[i]) at STFT frame \(i / max(v.rows, 1)): "
            + "its samples are not finite or too large for float32 (allowed: finite samples of magnitude below about 10¹⁵; full scale is 1)")
    }

    /// Checks the configuration against the input before any work: sink count, ranges, the
    /// source's rate, channels and length in frames (and that its spectrogram fits in memory),
    /// dictionary templates and component counts.
    /// - Throws: `SeparationError` naming the parameter, its value and what is allowed.
    func validate(source: SampleSource, sinks: Int) throws {
        let config = configuration
        let stft = config.stft
        let frameCount = source.frameCount
        try Self.validateShape(of: source)
        if let rate = config.templateSampleRate, rate < 1 {
            throw SeparationError.invalidParameter(name: "templateSampleRate", value: "\(rate) Hz", allowed: "1 Hz or more (the dictionaries' sample rate)")
        }
        if let rate = config.templateSampleRate, rate != source.sampleRate {
            throw SeparationError.invalidParameter(name: "sample rate", value: "\(source.sampleRate) Hz",
                                                   allowed: "the dictionaries' \(rate) Hz (resample the input, or retrain the dictionaries at its rate)")
        }
        guard sinks == config.sourceCount else {
            throw SeparationError.invalidParameter(name: "sinks", value: "\(sinks)", allowed: "one per source, \(config.sourceCount)")
        }
        try validateSettings()
        guard frameCount >= stft.fftSize else {
            throw SeparationError.tooShort(frames: frameCount, fftSize: stft.fftSize)
        }
        let frames = stft.frameCount(forSignalLength: frameCount)
        guard config.sourceCount <= frames else {
            throw SeparationError.invalidParameter(name: "--sources", value: "\(config.sourceCount)",
                                                   allowed: "1 to the number of STFT frames, \(frames)")
        }
        try validateComponentSplit()
        try config.validateBackground()
        try config.validatePenaltyWeights()
        try validateTemplates()
        try checkMemory(frames: frames, channels: source.channelCount)
        try validateLearnedComponents(frames: frames)
    }

    /// The checks that do not depend on the input: the public vars may have been set after
    /// init, so the ranges ``SeparationConfiguration`` checks are checked again, with the
    /// step exponent, the ensemble size, `spatial` and the thread count.
    /// - Throws: `SeparationError.invalidParameter` naming the parameter.
    private func validateSettings() throws {
        let config = configuration
        _ = try SeparationConfiguration(sourceCount: config.sourceCount, componentCount: config.componentCount, stft: config.stft,
                                        maxIterations: config.maxIterations, tolerance: config.tolerance,
                                        maskPower: config.maskPower, threadCount: max(config.threadCount, 1),
                                        chunkFrames: config.chunkFrames)
        guard config.stepExponent.isFinite, config.stepExponent > 0, config.stepExponent < 2 else {
            throw SeparationError.invalidParameter(name: "--step-exponent", value: "\(config.stepExponent)", allowed: "0 < ω < 2")
        }
        guard (1...SeparationConfiguration.maxEnsembleSize).contains(config.ensembleSize) else {
            throw SeparationError.invalidParameter(name: "--ensemble", value: "\(config.ensembleSize)",
                                                   allowed: "1 to \(SeparationConfiguration.maxEnsembleSize)")
        }
        guard !config.spatial || config.divergence == .kullbackLeibler else {
            throw SeparationError.invalidParameter(name: "--spatial", value: "with --divergence \(config.divergence)",
                                                   allowed: "--divergence kl only")
        }
        guard config.threadCount >= 1 else {
            throw SeparationError.invalidParameter(name: "threadCount", value: "\(config.threadCount)", allowed: "1 or more")
        }
    }

    /// Checks how the components split between dictionaries and free components: at most one
    /// dictionary per source, no more templates than components, and at least one free
    /// component per source without a dictionary (none when every source has one).
    /// - Throws: `SeparationError.invalidParameter` naming the parameter.
    private func validateComponentSplit() throws {
        let config = configuration
        let fixedCount = config.fixedTemplateCount
        let freeSources = config.sourceCount - config.fixedTemplates.count
        let freeComponents = config.componentCount - fixedCount
        guard freeSources >= 0 else {
            throw SeparationError.invalidParameter(name: "fixedTemplates", value: "\(config.fixedTemplates.count) dictionaries",
                                                   allowed: "at most one per source (sourceCount \(config.sourceCount))")
        }
        guard freeComponents >= 0 else {
            throw SeparationError.invalidParameter(name: "fixedTemplates", value: "\(fixedCount) templates",
                                                   allowed: "at most componentCount (\(config.componentCount)), which counts them and the free components")
        }
        guard freeComponents >= freeSources, freeComponents == 0 || freeSources > 0 else {
            throw SeparationError.invalidParameter(name: "--free-components", value: "\(freeComponents)",
                                                   allowed: "at least one per source without a dictionary (\(max(freeSources, 0))), and 0 when every source has a dictionary")
        }
    }

    /// Only learned components must fit the frames: fixed templates add one activation per
    /// frame each, and each frame's activations are solved on their own.
    /// - Throws: `SeparationError.invalidParameter` naming `--free-components` or `--components`.
    private func validateLearnedComponents(frames: Int) throws {
        let config = configuration
        let fixedCount = config.fixedTemplateCount
        let freeComponents = config.componentCount - fixedCount
        if fixedCount > 0 {
            guard freeComponents <= frames else {
                throw SeparationError.invalidParameter(name: "--free-components", value: "\(freeComponents)",
                                                       allowed: "at most the number of STFT frames, \(frames) (the \(fixedCount) dictionary templates do not count)")
            }
        } else {
            guard config.componentCount <= frames else {
                throw SeparationError.invalidParameter(name: "--components", value: "\(config.componentCount)",
                                                       allowed: "at most the number of STFT frames, \(frames)")
            }
        }
    }

    /// Checks a source's rate, channels and length against what the pipeline takes.
    /// - Throws: `SeparationError.invalidParameter` naming the value.
    static func validateShape(of source: SampleSource) throws {
        guard SoundFileReader.sampleRateRange.contains(source.sampleRate) else {
            // (As files are read and written: sources at another rate could not be saved.)
            throw SeparationError.invalidParameter(name: "sample rate", value: "\(source.sampleRate) Hz",
                                                   allowed: "1 to \(SoundFileReader.sampleRateRange.upperBound) Hz")
        }
        guard (1...maxChannelCount).contains(source.channelCount) else {
            throw SeparationError.invalidParameter(name: "channels", value: "\(source.channelCount)", allowed: "1 to \(maxChannelCount)")
        }
        guard source.frameCount <= maxFrameCount else {
            throw SeparationError.invalidParameter(name: "frames", value: "\(source.frameCount)", allowed: "at most \(maxFrameCount)")
        }
    }

    /// Checks the trained templates: the separation's bin count, at least one template each,
    /// storage of rows × columns values, every value finite and ≥ 0, every template with a sum
    /// in float's normal range (`NMF.fixedTemplateProblem(_:)`).
    /// - Throws: `SeparationError` naming the dictionary (from 1) and the template (from 1).
    func validateTemplates() throws {
        let stft = configuration.stft
        for (d, t) in configuration.fixedTemplates.enumerated() {
            guard t.rows == stft.binCount else {
                throw SeparationError.invalidParameter(name: "dictionary bins", value: "\(t.rows)", allowed: "\(stft.binCount) (fft size / 2 + 1)")
            }
            guard t.columns >= 1, t.storage.count == t.rows * t.columns else {
                throw SeparationError.invalidInput("dictionary \(d + 1) is \(t.rows) × \(t.columns) with \(t.storage.count) values (allowed: at least one template, rows × columns values)")
            }
            for c in 0..<t.columns {
                if let problem = NMF.fixedTemplateProblem(t.column(c)) {
                    throw SeparationError.invalidInput("dictionary \(d + 1), template \(c + 1) \(problem)")
                }
            }
        }
    }

    /// Refuses a spectrogram (bins × `frames` floats, `channels`-fold when spatial) larger than
    /// this machine's physical memory, before anything is allocated.
    /// - Throws: `SeparationError.invalidInput` with both sizes.
    func checkMemory(frames: Int, channels: Int) throws {
        try Self.checkMemory(bins: configuration.stft.binCount, frames: Double(frames), blocks: configuration.spatial ? channels : 1,
                             components: configuration.componentCount, threads: configuration.threadCount,
                             keptRuns: configuration.ensembleSize, spectrogram: "the spectrogram",
                             advice: "use a larger hop or split the input")
    }

    /// Refuses a spectrogram of `bins` × `frames` floats (× `blocks` stacked channels) beyond this
    /// machine's physical memory, then W and H of `components` (nil: not checked) beside it,
    /// before anything is allocated: for separation and training alike.
    /// - Parameters:
    ///   - spectrogram: what the spectrogram is called in the message.
    ///   - advice: what to do about a spectrogram too large.
    /// - Throws: `SeparationError.invalidInput` naming both sizes for the spectrogram,
    ///   `.invalidParameter` naming `--components` for the factors.
    static func checkMemory(bins: Int, frames: Double, blocks: Int, components: Int?, threads: Int, keptRuns: Int = 1,
                            spectrogram: String, advice: String) throws {
        let physical = ProcessInfoLite.physicalMemory, gb = ProcessInfoLite.gigabytes
        guard physical > 0 else { return }
        let bytes = Double(bins) * frames * Double(blocks) * 4, shownFrames = Int(min(frames, 9e18))
        if bytes > physical {
            throw SeparationError.invalidInput("\(spectrogram) (\(bins) bins × \(shownFrames) frames\(blocks > 1 ? " × \(blocks) channels" : "")) needs "
                + "\(gb(bytes)), more than this machine's \(gb(physical)) of memory; \(advice)")
        }
        // W and H beside it (every run's kept): many components on a long V are refused, not an abort.
        guard let components else { return }
        let factors = NMF.factorBytes(rows: bins * blocks, frames: shownFrames, components: components, threads: threads, keptRuns: keptRuns)
        if bytes + factors > physical {
            throw SeparationError.invalidParameter(name: "--components", value: "\(components)",
                                                   allowed: "fewer: W (\(bins * blocks) × K) and H (K × \(shownFrames) frames) would need about \(gb(factors)) beside the spectrogram's \(gb(bytes)), more than this machine's \(gb(physical)) of memory")
        }
    }

    /// One factorization of V (bins × frames) from `seed`, with the configuration's settings and
    /// the trained templates side by side in `fixedBasis` (bins × Σ K_d); `progress` gets the fraction done.
    /// With `channels` > 1, V stacks that many channel spectrograms and W is tied across them.
    func factorize(_ v: Matrix, seed: UInt64, fixedBasis fixed: Matrix?, channels: Int = 1,
                   progress: @escaping (Double) -> Bool) throws -> NMFResult {
        let config = configuration
        var nmfConfig = try NMFConfiguration(componentCount: config.componentCount, maxIterations: config.maxIterations,
                                             tolerance: config.tolerance, seed: seed, threadCount: config.threadCount)
        nmfConfig.sparsity = config.sparsity
        nmfConfig.divergence = config.divergence
        nmfConfig.continuity = config.continuity
        nmfConfig.componentContinuity = config.componentWeights(config.sourceContinuity)
        nmfConfig.componentSparsity = config.componentWeights(config.sourceSparsity)
        nmfConfig.stepExponent = config.stepExponent
        nmfConfig.initialization = config.initialization
        nmfConfig.channelCount = channels
        do {
            return try NMF(configuration: nmfConfig).factorize(v, fixedBasis: fixed) { progress($0.fraction) }
        } catch FactorizationError.cancelled {
            throw SeparationError.cancelled
        }
    }

    /// Dictionary sources first (their fixed components, in order), then a steady background's
    /// components as one source, then the free components grouped into the remaining sources.
    /// `channelGains` (channels × K) of a spatial factorization join the grouping features.
    static func groups(config: SeparationConfiguration, result: NMFResult, spectrogram v: Matrix?, sampleRate: Int,
                       channelGains: Matrix? = nil) throws -> [[Int]] {
        var groups: [[Int]] = []
        var next = 0
        for count in config.presetComponentCounts {
            groups.append(Array(next..<(next + count)))
            next += count
        }
        let freeSources = config.sourceCount - config.presetSourceCount
        if freeSources > 0 {
            let free = Array(next..<config.componentCount)
            let w = result.basis.columns(free)
            var h = Matrix(rows: free.count, columns: result.activations.columns)
            for (i, c) in free.enumerated() { for j in 0..<h.columns { h[i, j] = result.activations[c, j] } }
            let local = try ComponentGrouping.group(method: config.grouping, basis: w, activations: h, sources: freeSources,
                                                sampleRate: sampleRate, seed: config.seed, spectrogram: v,
                                                threads: config.threadCount, channelGains: channelGains?.columns(free))
            groups += local.map { $0.map { free[$0] } }
        }
        return groups
    }

    /// Side-by-side concatenation of matrices with equal row counts.
    static func concatenate(_ parts: [Matrix]) -> Matrix {
        Matrix(rows: parts[0].rows, columns: parts.reduce(0) { $0 + $1.columns }, columnMajor: parts.flatMap(\.storage))
    }

    /// Separates an in-memory buffer.
    /// - Parameter progress: as for ``separate(source:sinks:progress:inspect:)``: called during
    ///   each stage, return `false` to cancel (`SeparationError.cancelled`; nothing is returned).
    /// - Returns: one buffer per source (same length, channels and rate as `mixture`) and the report.
    /// - Throws: `AudioIOError.invalidParameter` for a buffer without channels, with channels of
    ///   different lengths or a sample rate outside 1 Hz to 1.536 MHz (`AudioBuffer.validate()`),
    ///   `SeparationError.invalidInput` for a NaN or infinite sample (named by channel and
    ///   frame); the errors of ``separate(source:sinks:progress:inspect:)``.
    public func separate(_ mixture: AudioBuffer, progress: ((SeparationProgress) -> Bool)? = nil) throws
        -> (sources: [AudioBuffer], report: SeparationReport) {
        try mixture.validate()
        for (c, channel) in mixture.channels.enumerated() {
            if let i = channel.firstIndex(where: { !$0.isFinite }) {
                throw SeparationError.invalidInput("the mixture's channel \(c + 1) has the sample \(channel[i]) at frame \(i) (allowed: finite samples)")
            }
        }
        let source = AudioBufferSource(mixture)
        // Before one sink per source is made: a `sourceCount` set after init (negative, or more
        // than the frames) is an error, not a trap or an allocation without end.
        try validate(source: source, sinks: configuration.sourceCount)
        let sinks = (0..<configuration.sourceCount).map { _ in AudioBufferSink(channelCount: mixture.channelCount) }
        let report = try separate(source: source, sinks: sinks, progress: progress)
        return (sinks.map { AudioBuffer(channels: $0.channels, sampleRate: mixture.sampleRate) }, report)
    }
}

