import DSPCore
import AudioIO
import Spectral
import Factorization
import Dispatch

/// The whole separation pipeline, from samples to separated samples (no file handling):
/// STFT → magnitude spectrogram V → KL-NMF V ≈ W·H → components grouped into sources →
/// generalised Wiener masks → masked complex STFT of every channel → inverse STFT.
///
/// The source is read twice (analysis, then masking and resynthesis) in chunks of
/// `chunkFrames` frames, so besides V (bins × frames floats) memory stays proportional to
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
    ///   - progress: called during each stage; return `false` to cancel (throws `.cancelled`).
    /// - Returns: the report (shapes, W, H, divergence history, timings).
    /// - Throws: `SeparationError`, `FactorizationError`, or the source's and sinks' errors.
    public func separate(source: SampleSource, sinks: [SampleSink],
                         progress: ((SeparationProgress) -> Bool)? = nil) throws -> SeparationReport {
        let config = configuration
        let stft = config.stft
        precondition(sinks.count == config.sourceCount, "one sink per source")
        guard source.frameCount >= stft.fftSize else {
            throw SeparationError.tooShort(frames: source.frameCount, fftSize: stft.fftSize)
        }
        let frames = stft.frameCount(forSignalLength: source.frameCount)
        guard config.sourceCount <= frames else {
            throw SeparationError.invalidParameter(name: "--sources", value: "\(config.sourceCount)",
                                                   allowed: "1 to the number of STFT frames, \(frames)")
        }
        guard config.componentCount <= frames else {
            throw SeparationError.invalidParameter(name: "--components", value: "\(config.componentCount)",
                                                   allowed: "at most the number of STFT frames, \(frames)")
        }
        var timings = StageTimings()
        let report = { (stage: SeparationProgress.Stage, fraction: Double) -> Bool in
            progress?(SeparationProgress(stage: stage, fraction: fraction)) ?? true
        }
        let analyzer = SpectrogramAnalyzer(configuration: stft, chunkFrames: config.chunkFrames, threads: config.threadCount)
        let v = try analyzer.magnitude(of: source, timings: &timings) { report(.analysis, $0) }

        let t0 = DispatchTime.now().uptimeNanoseconds
        let nmfConfig = try NMFConfiguration(componentCount: config.componentCount, maxIterations: config.maxIterations,
                                             tolerance: config.tolerance, seed: config.seed, threadCount: config.threadCount)
        let result: NMFResult
        do {
            result = try NMF(configuration: nmfConfig).factorize(v) {
                report(.factorization, Double($0.iteration) / Double(max($0.maxIterations, 1)))
            }
        } catch FactorizationError.cancelled {
            throw SeparationError.cancelled
        }
        timings.nmf = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        let groups = ComponentGrouping.group(method: config.grouping, basis: result.basis, activations: result.activations,
                                             sources: config.sourceCount, sampleRate: source.sampleRate, seed: config.seed)

        let synthesizer = MaskedSynthesizer(configuration: config, basis: result.basis, activations: result.activations,
                                            groups: groups)
        try synthesizer.run(source: source, sinks: sinks, timings: &timings) { report(.synthesis, $0) }
        return SeparationReport(bins: v.rows, frames: v.columns, components: config.componentCount, groups: groups,
                                factorization: result, timings: timings)
    }

    /// Separates an in-memory buffer.
    /// - Returns: one buffer per source (same length, channels and rate as `mixture`) and the report.
    public func separate(_ mixture: AudioBuffer) throws -> (sources: [AudioBuffer], report: SeparationReport) {
        let sinks = (0..<configuration.sourceCount).map { _ in AudioBufferSink(channelCount: mixture.channelCount) }
        let report = try separate(source: AudioBufferSource(mixture), sinks: sinks)
        return (sinks.map { AudioBuffer(channels: $0.channels, sampleRate: mixture.sampleRate) }, report)
    }
}

