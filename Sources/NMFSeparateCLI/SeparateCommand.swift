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
    /// Why an input's channels were modelled by their mean although neither `--spatial` nor
    /// `--no-spatial` was given: a note, shown where progress is (set per input by `fit(to:)`)...
    var spatialNote: String?
    /// ...and the reason's token for the JSON report's `settings.spatial_fallback`.
    var spatialFallback: SpatialFallback?
    /// The directory entries of every input of the batch (before `--shard`): no output may replace one.
    var batchInputs: Set<OutputPlan.DirectoryEntry> = []

    /// What became of one input: its JSON report, whether it was skipped (`--skip-existing`),
    /// notes for stderr about choices the run made by itself (shown where progress is), and
    /// warnings about the choice or the output (shown unless `--quiet`).
    struct FileResult {
        let report: JSONValue
        let skipped: Bool
        var notes: [String] = []
        var warnings: [String] = []
        /// The directory the sources were written to (nil when skipped).
        var directory: String?
    }

    /// Runs the separation of one input of the batch.
    /// - Returns: the JSON report of the run (`"status": "ok"` or `"skipped"`).
    /// - Throws: `CLIError` (runtime or usage): every error of the separation, as ``cliError(_:input:)`` words it.
    func run(input: BatchInput, progress: FileProgress) throws -> FileResult {
        var command = self
        do {
            return try command.separate(path: input.path, input: input.name, outputKey: input.outputKey, progress: progress)
        } catch {
            let e = Self.cliError(error, input: input.name)
            guard input.name != input.path else { throw e }
            // Messages from below (the reader's, the writer's) name the file by its path: say its name.
            throw CLIError(message: e.message.replacingOccurrences(of: input.path, with: input.name), exitCode: e.exitCode)
        }
    }

    /// Separates the file at `path`, named `input` in messages and the report (its path, or
    /// `-` for standard input's copy).
    private mutating func separate(path: String, input: String, outputKey: String, progress: FileProgress) throws -> FileResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let (reader, format, readSeconds) = try open(path)
        let ext = options.format == nil ? Self.outputExtension(input: input, format: format) : format.fileExtension
        let figureNames = options.plot ? FigureSet.names(sources: configuration.sourceCount) : []
        let names = (1...configuration.sourceCount).map { "source_\($0).\(ext)" } + figureNames
            + (options.saveFactors ? FactorFiles.names(runs: configuration.ensembleSize) : [])
        // Decided on the source files alone: figures asked for later do not undo a finished separation.
        let sourcePaths = OutputPlan.paths(outputRoot: options.outputDirectory, outputKey: outputKey, names: Array(names.prefix(configuration.sourceCount)))
        let existingSources = options.skipExisting ? sourcePaths.filter { FileManager.default.fileExists(atPath: $0) }.count : 0
        if options.skipExisting && existingSources == configuration.sourceCount {
            // (The outputs are named, so that a resuming script need not rebuild the paths.)
            return FileResult(report: .object([("input", .string(input)), ("status", .string("skipped")),
                                               ("reason", .string("every source file exists (--skip-existing)")),
                                               ("outputs", .array(sourcePaths.map { .string($0) }))]), skipped: true)
        }
        try fit(to: reader, input: input, format: format)
        // Some sources exist, not all: an interrupted or different earlier run.
        let plan = try OutputPlan(input: path, outputRoot: options.outputDirectory, outputKey: outputKey, names: names,
                                  force: options.force, batchInputs: batchInputs,
                                  existingAdvice: existingSources > 0
                                    ? "but not every source does, and --skip-existing skips complete sets only (use --force to separate it again)"
                                    : "(use --force to overwrite)")
        do {
            return try write(input: input, reader: reader, format: format, plan: plan, figureCount: figureNames.count, progress: progress,
                             openSeconds: readSeconds, start: start)
        } catch {
            plan.rollback()
            // A write error names the hidden temporary file; the user knows the output's name.
            var e = Self.cliError(error, input: input)
            for (temporary, final) in zip(plan.temporaryPaths, plan.finalPaths) where e.message.contains(temporary) {
                e = CLIError(message: e.message.replacingOccurrences(of: temporary, with: final), exitCode: e.exitCode)
            }
            throw e
        }
    }

    /// Separates `reader` into the plan's temporary files (sources, then `figureCount` figures,
    /// then factor files), commits them and reports; the caller rolls back on a throw.
    private func write(input: String, reader: SoundFileReader, format: AudioFormat, plan: OutputPlan, figureCount: Int,
                       progress: FileProgress, openSeconds: Double, start: UInt64) throws -> FileResult {
        let layout = reader.channelMap, tags = reader.metadata
        let writers = try SignalCleanup.shared.withLock {
            try plan.temporaryPaths.prefix(configuration.sourceCount).enumerated().map { i, path in
                try SoundFileWriter(path: path, format: format, channels: reader.channelCount, sampleRate: reader.sampleRate, channelMap: layout,
                                    metadata: Self.sourceMetadata(tags, source: i + 1))
            }
        }
        let meters = writers.map { EnergyMeter(forwardingTo: $0) }
        var plotSeconds = 0.0
        let figurePaths = Array(plan.temporaryPaths.dropFirst(configuration.sourceCount).prefix(figureCount))
        let factorPaths = Array(plan.temporaryPaths.dropFirst(configuration.sourceCount + figureCount))
        let sampleRate = reader.sampleRate, channels = reader.channelCount, length = reader.frameCount
        // Only a figure or factor file needs to see the factorization (for a spatial run,
        // `inspect` costs one more analysis pass, for the channels' mean V).
        let inspect: ((Matrix, [SeparationRun], SeparationConfiguration) throws -> Void)? =
            factorPaths.isEmpty && figurePaths.isEmpty ? nil : { v, runs, c in
            if !factorPaths.isEmpty {
                try FactorFiles.write(to: factorPaths, runs: runs, configuration: c, input: input, lengthSamples: length,
                                      sampleRate: sampleRate, channels: channels, dictionaries: dictionariesJSON)
            }
            guard !figurePaths.isEmpty else { return }
            let t0 = DispatchTime.now().uptimeNanoseconds
            try FigureSet.write(to: figurePaths, spectrogram: v, runs: runs, configuration: c, sampleRate: sampleRate)
            plotSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        }
        let report = try Separator(configuration: configuration).separate(source: reader, sinks: meters, progress: {
            progress.update($0)
            return true
        }, inspect: inspect)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for w in writers { try w.close() }
        let beyondFullScale = meters.map(\.beyondFullScale), energies = meters.map(\.energy)
        try plan.commit()
        var timings = report.timings
        timings.write += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        // What the output directory holds besides this run's outputs (listed once for both warnings),
        // and of it what an earlier run wrote (found once for the report and the warning).
        let present = (try? FileManager.default.contentsOfDirectory(atPath: plan.directory)) ?? []
        let stale = staleOutputs(plan: plan, present: present)
        let grouping = options.groupingGiven ? backgroundNote(input: input, report: report, warning: true)
            ?? unusedGroupingWarning(input: input, report: report) : nil
        return FileResult(report: json(input: input, format: format, reader: reader, configuration: report.configuration, report: report,
                                       timings: timings, openSeconds: openSeconds, plotSeconds: plotSeconds,
                                       outputs: plan.finalPaths, figureCount: figureCount, energies: energies,
                                       beyondFullScale: beyondFullScale,
                                       stale: stale.map { (plan.directory as NSString).appendingPathComponent($0) },
                                       total: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9),
                          skipped: false, notes: [options.groupingGiven ? nil : backgroundNote(input: input, report: report), spatialNote].compactMap { $0 },
                          warnings: [singleSourceWarning(input: input), grouping, backgroundOffWarning(input: input, report: report),
                                     silenceWarning(input: input, energies: energies),
                                     faintInputWarning(input: input, peaks: meters.map(\.peak)),
                                     faintSourceWarning(input: input, energies: energies),
                                     replacementWarning(input: input, reader: reader), countedLengthWarning(input: input, reader: reader),
                                     staleOutputsWarning(input: input, plan: plan, stale: stale),
                                     interruptedRunWarning(input: input, plan: plan, present: present),
                                     clippingWarning(input: input, format: format, counts: beyondFullScale)].compactMap { $0 },
                          directory: plan.directory)
    }

    /// Opens `input` and chooses the sources' format from it and the options.
    /// - Returns: the reader, the output format and the seconds the opening took.
    /// - Throws: `CLIError.runtime` for an unreadable input, `.usage` for a format it cannot take.
    private func open(_ input: String) throws -> (SoundFileReader, AudioFormat, Double) {
        let reader: SoundFileReader
        let t0 = DispatchTime.now().uptimeNanoseconds
        do {
            reader = try SoundFileReader(path: input)
            if options.replaceNonFinite { reader.nonFinitePolicy = .replaceWithZero }
        } catch let e as AudioIOError {
            var st = stat()
            if case .cannotOpen = e, stat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO || (st.st_mode & S_IFMT) == S_IFSOCK {
                // e.g. <(cmd), a named pipe: standard input is spooled to a file first (a device is refused there too).
                throw CLIError.runtime(e.description + "; give - to read a stream from standard input (cmd | nmf-separate - …)")
            }
            if case .fileNotFound = e, !input.contains("/"), !input.contains(".") {
                // A bare word that is no file: likely a command that does not exist ("separate").
                throw CLIError.runtime(e.description + " (the commands are train, eval and help; separation is `nmf-separate FILE --sources S`)")
            }
            throw CLIError.runtime(e.description)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        do {
            let format = try AudioFormat.output(for: reader.format, container: options.format, encoding: options.sampleFormat)
                .keepingLayout(reader.channelMap)
            do {
                return (reader, try format.holding(frames: reader.frameCount, channels: reader.channelCount), seconds)
            } catch let e as OutputFormatError where options.format == nil && options.sampleFormat == nil {
                throw CLIError.runtime("'\(input)': \(e.description)")   // (the input's own format: not a usage error)
            }
        } catch let e as OutputFormatError {
            throw CLIError.usage("'\(input)': \(e.description)")
        }
    }

    /// Checks the separation against the opened input before anything is written: the
    /// dictionaries' settings, the input's length in frames (the default component count is
    /// lowered for a short file), the memory the spectrogram needs, and whether `format` can
    /// hold the sources.
    /// - Throws: `CLIError` (usage for out-of-range counts, runtime otherwise).
    private mutating func fit(to reader: SoundFileReader, input: String, format: AudioFormat) throws {
        for (path, d) in zip(options.dictionaries, dictionaries) {
            do { try d.validate(path: path, sampleRate: reader.sampleRate, stft: configuration.stft,
                                    divergence: configuration.divergence) } catch let e as DictionaryError {
                throw CLIError.runtime("'\(input)': \(e.description)")   // (in a batch, which input did not fit)
            }
        }
        if reader.frameCount < configuration.stft.fftSize {
            throw CLIError.tooShort(input, frames: reader.frameCount, fftSize: configuration.stft.fftSize, trained: !dictionaries.isEmpty)
        }
        let frames = configuration.stft.frameCount(forSignalLength: reader.frameCount)
        // A steady background takes its components beside at least one per other source.
        let fewest = configuration.sourceCount + (configuration.background == .steady ? SteadyBackground.componentCount - 1 : 0)
        if configuration.background == .steady && frames < fewest {
            throw CLIError.usage("--background steady needs at least \(fewest) STFT frames for \(configuration.sourceCount) sources; '\(input)' has \(frames) (allowed: a longer file, or --background none)")
        }
        // Only learned components must fit the frames: trained templates held fixed do not count
        // (each frame's activations are solved on their own).
        let fixed = configuration.fixedTemplateCount
        let defaultCount = options.dictionaries.isEmpty ? options.components == nil : options.freeComponents == nil
        if defaultCount && configuration.componentCount - fixed > frames {
            // The default of several components per source cannot exceed the frames of a short file.
            configuration.componentCount = fixed + max(fewest - configuration.fixedTemplates.count, frames)
        }
        if configuration.componentCount - fixed > frames && configuration.sourceCount <= frames {
            if fixed > 0 {
                throw CLIError.usage("--free-components \(configuration.componentCount - fixed) is out of range for '\(input)' (allowed: at most its number of STFT frames, \(frames); the \(fixed) dictionary templates do not count)")
            }
            throw CLIError.usage("--components \(configuration.componentCount) is out of range for '\(input)' (allowed: at most its number of STFT frames, \(frames))")
        }
        if configuration.sourceCount > frames {
            throw CLIError.usage("--sources \(configuration.sourceCount) is out of range for '\(input)' (allowed: 1 to its number of STFT frames, \(frames))")
        }
        // The memory left, read once for the channel model's choice and the check.
        let room = try MemoryBudget.room()
        if options.spatial == nil { spatialNote = try chooseSpatial(reader: reader, frames: frames, input: input, availableBytes: room?.bytes) }
        try MemoryBudget.check(input: input, frames: frames, bins: configuration.stft.binCount, hop: configuration.stft.hopLength,
                               components: configuration.componentCount, chunkFrames: configuration.chunkFrames,
                               channels: reader.channelCount, sources: configuration.sourceCount, runs: configuration.ensembleSize,
                               spatial: configuration.spatial, available: room?.bytes, limit: room?.limit,
                               share: parallelFiles)
        try checkOutputFormat(format, reader: reader, input: input)
    }

    /// Checks that `format` can hold the sources of `input` (its channels and rate), before
    /// anything is separated: a format the options asked for is a usage error for this input,
    /// the input's own a runtime error.
    /// - Throws: `CLIError` naming the format, the input's channels and rate, and why.
    private func checkOutputFormat(_ format: AudioFormat, reader: SoundFileReader, input: String) throws {
        let asked = options.format != nil || options.sampleFormat != nil
        func refusal(_ why: String) -> CLIError {
            let text = "cannot write the sources of '\(input)' as \(format) with \(reader.channelCount == 1 ? "1 channel" : "\(reader.channelCount) channels") "
                + "at \(reader.sampleRate) Hz (\(why)); choose another --format, e.g. --format wav"
            return asked ? .usage(text) : .runtime(text)
        }
        // libvorbis codes 6 channels as 5.1 in Vorbis order (FL, FC, FR, RL, RR, LFE) and
        // low-passes the 6th as the LFE; libsndfile passes them in the file's order, so a
        // WAV-order 5.1 lost its back right (measured: RMS 0.0707 → 0.0009 for a 1.3 kHz tone).
        if format.isOgg && reader.channelCount == 6 {
            throw refusal("Ogg Vorbis takes the 6th of 6 channels for the LFE and low-passes it")
        }
        guard format.isWritable(channels: reader.channelCount, sampleRate: reader.sampleRate) else {
            throw refusal(format.isFLAC ? "FLAC holds 1 to 8 channels at up to 655350 Hz" : "libsndfile refuses that combination")
        }
        // Some limits only show when an encoder starts (Vorbis above 192 kHz, FLAC above 655 kHz):
        // find them now, not after the separation.
        if let reason = EncoderTrial.shared.refusal(format: format, channels: reader.channelCount, sampleRate: reader.sampleRate) {
            throw refusal("libsndfile: \(reason)")
        }
    }

    /// The one-line error of a failed separation of `input`: usage errors for parameters the
    /// input makes invalid, runtime errors for everything else.
    static func cliError(_ error: any Error, input: String) -> CLIError {
        switch error {
        case let e as CLIError: return e
        case let e as AudioIOError:
            if case .nonFiniteSample = e { return .runtime(e.description + "; --replace-nonfinite reads them as 0") }
            return .runtime(e.description)
        case let e as SeparationError:
            if case .invalidParameter = e { return .usage(e.description) }
            return .runtime("'\(input)': \(e.description)")
        case let e as FactorizationError: return .runtime("'\(input)': \(e.description)")
        default: return .runtime("'\(input)': \(error)")
        }
    }

    /// The text fields a source's file takes from its input: all of them but the software
    /// (nmf-separate made the source, not the input's encoder), the title marked with the
    /// source's number ("Song (source 2)").
    static func sourceMetadata(_ input: SoundFileMetadata, source: Int) -> SoundFileMetadata {
        var fields = input.fields
        fields[.software] = nil
        if let title = fields[.title] {
            // Cut first, so that the field's length limit keeps the source's number.
            let suffix = " (source \(source))"
            fields[.title] = SoundFileMetadata.storable(title, limit: SoundFileMetadata.maximumFieldBytes - suffix.utf8.count) + suffix
        }
        return SoundFileMetadata(fields)
    }

    /// The input's own extension when it matches its container, else the container's usual one.
    static func outputExtension(input: String, format: AudioFormat) -> String {
        let ext = (input as NSString).pathExtension.lowercased()
        let usual = format.fileExtension
        let aliases: [String: Set<String>] = ["wav": ["wav", "wave"], "aiff": ["aiff", "aif", "aifc"], "ogg": ["ogg", "oga", "opus"],
                                              "au": ["au", "snd"], "mp3": ["mp3", "mp2", "mpga"], "sph": ["sph", "nist", "wav"]]
        if ext == usual || (aliases[usual]?.contains(ext) ?? false) { return ext }
        return usual
    }
}
