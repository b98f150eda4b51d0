import Foundation
import NMFSeparation

/// Separates one input file into one file per source.
struct SeparateCommand {
    let options: CommandLineOptions
    var configuration: SeparationConfiguration
    /// Trained templates from `--dictionary`, in the order of `options.dictionaries`.
    var dictionaries: [NMFDictionary] = []

    /// Runs the separation of `input`.
    /// - Returns: the JSON report of the run.
    /// - Throws: `CLIError` (runtime or usage).
    func run(input: String) throws -> JSONValue {
        var command = self
        return try command.separate(input: input)
    }

    private mutating func separate(input: String) throws -> JSONValue {
        let start = DispatchTime.now().uptimeNanoseconds
        var readSeconds = 0.0
        let reader: SoundFileReader
        do {
            let t0 = DispatchTime.now().uptimeNanoseconds
            reader = try SoundFileReader(path: input)
            if options.replaceNonFinite { reader.nonFinitePolicy = .replaceWithZero }
            readSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        } catch let e as AudioIOError {
            throw CLIError.runtime(e.description)
        }
        for (path, d) in zip(options.dictionaries, dictionaries) {
            do { try d.validate(path: path, sampleRate: reader.sampleRate, stft: configuration.stft) } catch let e as DictionaryError {
                throw CLIError.runtime(e.description)
            }
        }
        if reader.frameCount < configuration.stft.fftSize {
            throw CLIError.runtime("'\(input)': " + SeparationError.tooShort(frames: reader.frameCount, fftSize: configuration.stft.fftSize).description)
        }
        let frames = configuration.stft.frameCount(forSignalLength: reader.frameCount)
        if options.components == nil && options.dictionaries.isEmpty && configuration.componentCount > frames {
            // The default of several components per source cannot exceed the frames of a short file.
            configuration.componentCount = max(configuration.sourceCount, frames)
        }
        if configuration.componentCount > frames && configuration.sourceCount <= frames {
            throw CLIError.usage("--components \(configuration.componentCount) is out of range for '\(input)' (allowed: at most its number of STFT frames, \(frames))")
        }
        if configuration.sourceCount > frames {
            throw CLIError.usage("--sources \(configuration.sourceCount) is out of range for '\(input)' (allowed: 1 to its number of STFT frames, \(frames))")
        }
        try MemoryBudget.check(input: input, frames: frames, bins: configuration.stft.binCount,
                               components: configuration.componentCount, chunkFrames: configuration.chunkFrames,
                               channels: reader.channelCount, sources: configuration.sourceCount)
        guard reader.format.isWritable(channels: reader.channelCount, sampleRate: reader.sampleRate) else {
            throw CLIError.runtime("cannot write the input's format (\(reader.format)) for '\(input)'")
        }
        let ext = Self.outputExtension(input: input, format: reader.format)
        let plan = try OutputPlan(input: input, outputRoot: options.outputDirectory, sources: configuration.sourceCount,
                                  fileExtension: ext, force: options.force)
        let progress = ProgressReporter(label: (input as NSString).lastPathComponent, quiet: options.quiet)
        let report: SeparationReport
        do {
            let writers = try SignalCleanup.shared.withLock {
                try plan.temporaryPaths.map {
                    try SoundFileWriter(path: $0, format: reader.format, channels: reader.channelCount, sampleRate: reader.sampleRate)
                }
            }
            report = try Separator(configuration: configuration).separate(source: reader, sinks: writers) {
                progress.update($0)
                return true
            }
            let t0 = DispatchTime.now().uptimeNanoseconds
            for w in writers { try w.close() }
            try plan.commit()
            var timings = report.timings
            timings.write += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            progress.finish()
            return json(input: input, reader: reader, configuration: configuration, report: report,
                             timings: timings, openSeconds: readSeconds, outputs: plan.finalPaths,
                             total: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        } catch {
            progress.finish()
            plan.rollback()
            switch error {
            case let e as CLIError: throw e
            case let e as AudioIOError: throw CLIError.runtime(e.description)
            case let e as SeparationError:
                if case .invalidParameter = e { throw CLIError.usage(e.description) }
                throw CLIError.runtime("'\(input)': \(e.description)")
            case let e as FactorizationError: throw CLIError.runtime("'\(input)': \(e.description)")
            default: throw CLIError.runtime("'\(input)': \(error)")
            }
        }
    }

    /// The input's own extension when it matches its container, else the container's usual one.
    static func outputExtension(input: String, format: AudioFormat) -> String {
        let ext = (input as NSString).pathExtension.lowercased()
        let usual = format.fileExtension
        let aliases: [String: Set<String>] = ["wav": ["wav", "wave"], "aiff": ["aiff", "aif", "aifc"], "ogg": ["ogg", "oga"]]
        if ext == usual || (aliases[usual]?.contains(ext) ?? false) { return ext }
        return usual
    }

    func json(input: String, reader: SoundFileReader, configuration c: SeparationConfiguration,
                     report: SeparationReport, timings t: StageTimings, openSeconds: Double, outputs: [String],
                     total: Double) -> JSONValue {
        let f = report.factorization
        return .object([
            ("input", .string(input)),
            ("sample_rate", .integer(reader.sampleRate)),
            ("channels", .integer(reader.channelCount)),
            ("length_samples", .integer(reader.frameCount)),
            ("duration_seconds", .number(reader.duration)),
            ("format", .string(reader.format.description)),
            ("frames", .integer(report.frames)),
            ("bins", .integer(report.bins)),
            ("sources", .integer(c.sourceCount)),
            ("components", .integer(report.components)),
            ("groups", .array(report.groups.map { .array($0.map { .integer($0) }) })),
            ("dictionaries", .array(options.dictionaries.map { .string($0) })),
            ("settings", .object([
                ("fft_size", .integer(c.stft.fftSize)), ("hop", .integer(c.stft.hopLength)),
                ("window", .string("hann (periodic)")), ("max_iterations", .integer(c.maxIterations)),
                ("tolerance", .number(Double(c.tolerance))), ("seed", .string(String(c.seed))),
                ("mask_power", .number(Double(c.maskPower))), ("grouping", .string(c.grouping.rawValue)),
                ("sparsity", .number(Double(c.sparsity))), ("divergence", .string("kullback-leibler")),
                ("threads", .integer(c.threadCount)),
            ])),
            ("iterations", .integer(f.iterations)),
            ("final_divergence", .number(f.finalDivergence)),
            ("divergence_history", .array(f.divergenceHistory.map { .array([.integer($0.iteration), .number($0.value)]) })),
            ("outputs", .array(outputs.map { .string($0) })),
            ("seconds", .object([
                ("read", .number(t.read + openSeconds)), ("stft", .number(t.stft)), ("nmf", .number(t.nmf)),
                ("masks_istft", .number(t.masksAndInverse)), ("write", .number(t.write)), ("total", .number(total)),
            ])),
        ])
    }
}
