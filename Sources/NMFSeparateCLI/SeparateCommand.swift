import Foundation
import NMFSeparation

/// Separates one input file into one file per source.
struct SeparateCommand {
    let options: CommandLineOptions
    var configuration: SeparationConfiguration
    /// Trained templates from `--dictionary`, in the order of `options.dictionaries`.
    var dictionaries: [NMFDictionary] = []
    /// Files separated at the same time (the batch's effective `--jobs`), sharing the memory.
    var parallelFiles = 1

    /// What became of one input: its JSON report, and whether it was skipped (`--skip-existing`).
    struct FileResult {
        let report: JSONValue
        let skipped: Bool
    }

    /// Runs the separation of one input of the batch.
    /// - Returns: the JSON report of the run (`"status": "ok"` or `"skipped"`).
    /// - Throws: `CLIError` (runtime or usage).
    func run(input: BatchInput, progress: FileProgress) throws -> FileResult {
        var command = self
        return try command.separate(input: input.path, outputKey: input.outputKey, progress: progress)
    }

    private mutating func separate(input: String, outputKey: String, progress: FileProgress) throws -> FileResult {
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
        let format: AudioFormat
        do {
            format = try AudioFormat.output(for: reader.format, container: options.format, encoding: options.sampleFormat)
        } catch let e as OutputFormatError {
            throw CLIError.usage("'\(input)': \(e.description)")
        }
        let ext = options.format == nil ? Self.outputExtension(input: input, format: format) : format.fileExtension
        let figureNames = options.plot ? FigureSet.names(sources: configuration.sourceCount) : []
        let names = (1...configuration.sourceCount).map { "source_\($0).\(ext)" } + figureNames
            + (options.saveFactors ? FactorFiles.names(runs: configuration.ensembleSize) : [])
        // Decided on the source files alone: figures asked for later do not undo a finished separation.
        if options.skipExisting,
           OutputPlan.paths(outputRoot: options.outputDirectory, outputKey: outputKey, names: Array(names.prefix(configuration.sourceCount)))
               .allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
            return FileResult(report: .object([("input", .string(input)), ("status", .string("skipped")),
                                               ("reason", .string("every source file exists (--skip-existing)"))]), skipped: true)
        }
        for (path, d) in zip(options.dictionaries, dictionaries) {
            do { try d.validate(path: path, sampleRate: reader.sampleRate, stft: configuration.stft,
                                    divergence: configuration.divergence) } catch let e as DictionaryError {
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
                               channels: reader.channelCount, sources: configuration.sourceCount, runs: configuration.ensembleSize,
                               spatial: configuration.spatial,
                               share: parallelFiles)
        guard format.isWritable(channels: reader.channelCount, sampleRate: reader.sampleRate) else {
            throw CLIError.runtime("cannot write '\(input)''s sources as \(format) with \(reader.channelCount) channels at \(reader.sampleRate) Hz; choose another --format")
        }
        let plan = try OutputPlan(input: input, outputRoot: options.outputDirectory, outputKey: outputKey, names: names,
                                  force: options.force)
        let report: SeparationReport
        do {
            let writers = try SignalCleanup.shared.withLock {
                try plan.temporaryPaths.prefix(configuration.sourceCount).map {
                    try SoundFileWriter(path: $0, format: format, channels: reader.channelCount, sampleRate: reader.sampleRate)
                }
            }
            let meters = writers.map { EnergyMeter(forwardingTo: $0) }
            var plotSeconds = 0.0
            let figureCount = figureNames.count
            let figurePaths = Array(plan.temporaryPaths.dropFirst(configuration.sourceCount).prefix(figureCount))
            let factorPaths = Array(plan.temporaryPaths.dropFirst(configuration.sourceCount + figureCount))
            let c = configuration, sampleRate = reader.sampleRate, channels = reader.channelCount
            report = try Separator(configuration: configuration).separate(source: reader, sinks: meters, progress: {
                progress.update($0)
                return true
            }, inspect: { v, runs in
                if !factorPaths.isEmpty {
                    try FactorFiles.write(to: factorPaths, runs: runs, configuration: c, sampleRate: sampleRate, channels: channels)
                }
                guard !figurePaths.isEmpty else { return }
                let t0 = DispatchTime.now().uptimeNanoseconds
                try FigureSet.write(to: figurePaths, spectrogram: v, runs: runs, configuration: c, sampleRate: sampleRate)
                plotSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            })
            let t0 = DispatchTime.now().uptimeNanoseconds
            for w in writers { try w.close() }
            try plan.commit()
            var timings = report.timings
            timings.write += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            return FileResult(report: json(input: input, format: format, reader: reader, configuration: configuration, report: report,
                                           timings: timings, openSeconds: readSeconds, plotSeconds: plotSeconds,
                                           outputs: plan.finalPaths, figureCount: figureCount, energies: meters.map(\.energy),
                                           total: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9),
                              skipped: false)
        } catch {
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
}
