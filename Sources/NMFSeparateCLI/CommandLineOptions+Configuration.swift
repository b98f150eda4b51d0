import NMFSeparation

/// From the parsed options to the library's configuration: the checks of counts, ranges and
/// dictionaries, and the choices the command line makes by itself (the automatic steady
/// background, the dictionaries' automatic penalties).
extension CommandLineOptions {
    /// Refuses `--format`/`--sample-format` pairs no input could satisfy (FLAC with floats,
    /// Ogg Vorbis with any sample format), before any file is read.
    /// - Throws: `CLIError.usage` naming the options and what is allowed.
    func validateOutputFormat() throws {
        guard let container = format, let encoding = sampleFormat else { return }
        do { _ = try AudioFormat.output(for: .wav16, container: container, encoding: encoding) } catch let e as OutputFormatError {
            throw CLIError.usage(e.description)
        }
    }

    /// Validates ranges and builds the library configuration.
    /// - Parameter dictionaries: trained templates loaded from `--dictionary` files, in order.
    /// - Throws: `CLIError.usage` naming the option, its value and the allowed range.
    func separationConfiguration(dictionaries loaded: [NMFDictionary] = []) throws -> SeparationConfiguration {
        let d = loaded.count
        let (s, free) = try sourceAndFreeComponentCounts(dictionaries: d)
        guard s >= 1 else { throw CLIError.usage("--sources \(s) is out of range (allowed: 1 or more)") }
        try validateRunOptions()
        do {
            let stft = try STFTConfiguration(fftSize: fftSize ?? loaded.first?.stft.fftSize ?? 2048,
                                             hopLength: hop ?? (fftSize == nil || fftSize == loaded.first?.stft.fftSize ? loaded.first?.stft.hopLength : nil))
            let fixed = loaded.reduce(0) { $0 + $1.components }
            let k = d > 0 ? fixed + free : components ?? s * SeparationConfiguration.recommendedComponentsPerSource
            if k < s { throw CLIError.usage("--components \(k) is out of range (allowed: at least the number of sources, \(s))") }
            var config = try SeparationConfiguration(sourceCount: s, componentCount: k, stft: stft, maxIterations: iterations,
                                                     tolerance: tolerance, seed: seed, maskPower: maskPower ?? SeparationConfiguration.recommendedMaskPower(dictionaries: d > 0),
                                                     threadCount: threads ?? Parallel.defaultThreadCount, grouping: grouping)
            config.fixedTemplates = loaded.map(\.basis)
            config.templateSampleRate = loaded.first?.sampleRate   // (each dictionary is checked against the input by name first)
            config.ensembleSize = ensemble
            config.divergence = divergence ?? loaded.first?.divergence ?? .kullbackLeibler
            // Automatic choices apply to a plain configuration only: a penalty option, a dictionary or
            // over-relaxed steps (which are for the unpenalized KL objective) turn this one off.
            let chosen = background ?? .automatic
            config.background = chosen == .automatic && (penaltiesGiven || d > 0 || overRelaxed) ? .none : chosen
            if chosen == .automatic && d == 0 && (penaltiesGiven || overRelaxed) {
                // Would the mixture have taken the model but for those options? Measured for a warning.
                var plain = config
                (plain.background, plain.sparsity, plain.continuity, plain.stepExponent) = (.automatic, 0, 0, 1)
                config.reportsBackgroundFloor = plain.admitsAutomaticBackground
            }
            try validateDictionarySettings(loaded, stft: stft, divergence: config.divergence)
            try applyDivergenceDependentOptions(to: &config)
            if !penaltiesGiven, !overRelaxed, let weights = NMFDictionary.automaticPenalties(for: loaded, freeSources: s - d) {
                // One weight per dictionary and one for the free components, all ≥ 0, with KL: valid by construction.
                (config.sourceContinuity, config.sourceSparsity) = weights
            }
            return config
        } catch let e as SpectralError {
            throw CLIError.usage(e.description)
        } catch let e as SeparationError {
            throw CLIError.usage(e.description)
        }
    }

    /// Checks the options that bound the work of a run: iterations, tolerance, threads, the
    /// ensemble's size and that its seeds do not wrap round.
    /// - Throws: `CLIError.usage` naming the option, its value and the allowed range.
    func validateRunOptions() throws {
        guard iterations >= 0, iterations <= NMFConfiguration.maxIterationLimit else {
            throw CLIError.usage("--iterations \(iterations) is out of range (allowed: 0 to \(NMFConfiguration.maxIterationLimit))")
        }
        guard tolerance >= 0, tolerance < 1 else { throw CLIError.usage("--tolerance \(tolerance) is out of range (allowed: 0 ≤ T < 1)") }
        if let t = threads, t < 1 || t > NMFConfiguration.maxThreadCount {
            throw CLIError.usage("--threads \(t) is out of range (allowed: 1 to \(NMFConfiguration.maxThreadCount))")
        }
        guard (1...SeparationConfiguration.maxEnsembleSize).contains(ensemble) else {
            throw CLIError.usage("--ensemble \(ensemble) is out of range (allowed: 1 to \(SeparationConfiguration.maxEnsembleSize))")
        }
        guard seed <= UInt64.max - UInt64(ensemble - 1) else {   // the runs' seeds would wrap round to 0
            throw CLIError.usage("--seed \(seed) is out of range with --ensemble \(ensemble) (allowed: 0 to \(UInt64.max - UInt64(ensemble - 1)), so that the seeds SEED…SEED+\(ensemble - 1) do not wrap round)")
        }
    }

    /// Checks the loaded dictionaries against each other and the separation: no two alike (nor
    /// one a rescaled copy of another), all trained at one sample rate, with one analysis and
    /// divergence, and those the separation's. Disagreements between dictionaries are reported
    /// first, since no option can settle them.
    /// - Parameters:
    ///   - loaded: the templates of the `--dictionary` files, in order.
    ///   - stft: the separation's analysis settings.
    ///   - divergence: the separation's divergence.
    /// - Throws: `CLIError.usage` naming the dictionary files and what is allowed.
    func validateDictionarySettings(_ loaded: [NMFDictionary], stft: STFTConfiguration, divergence chosen: Divergence) throws {
        for (j, later) in loaded.enumerated().dropFirst() {
            if let i = loaded[..<j].firstIndex(where: { $0.hasSameTemplates(as: later) }) {
                throw CLIError.usage("--dictionary '\(dictionaries[j])' holds the same templates as '\(dictionaries[i])' (allowed: one dictionary per source; two alike sources cannot be told apart)")
            }
        }
        guard let first = loaded.first else { return }
        let retrain = "retrain one of them"
        for (path, d) in zip(dictionaries, loaded).dropFirst() {
            if d.sampleRate != first.sampleRate {
                throw CLIError.usage("--dictionary '\(path)' was trained at \(d.sampleRate) Hz, but '\(dictionaries[0])' at \(first.sampleRate) Hz (allowed: dictionaries trained at one sample rate; \(retrain))")
            }
            if d.stft != first.stft {
                throw CLIError.usage("--dictionary '\(path)' was trained with --fft-size \(d.stft.fftSize) --hop \(d.stft.hopLength), but '\(dictionaries[0])' with --fft-size \(first.stft.fftSize) --hop \(first.stft.hopLength) (allowed: dictionaries trained with the same settings; \(retrain))")
            }
            if d.divergence != first.divergence {
                throw CLIError.usage("--dictionary '\(path)' was trained with --divergence \(d.divergence), but '\(dictionaries[0])' with \(first.divergence) (allowed: dictionaries trained with the same divergence; \(retrain))")
            }
        }
        // All alike from here: the separation's own options are what differ.
        if first.stft.fftSize != stft.fftSize || first.stft.hopLength != stft.hopLength {
            throw CLIError.usage("--dictionary '\(dictionaries[0])'\(loaded.count > 1 ? " and the others were" : " was") trained with --fft-size \(first.stft.fftSize) --hop \(first.stft.hopLength), the separation uses --fft-size \(stft.fftSize) --hop \(stft.hopLength) (allowed: the same; omit --fft-size and --hop to use the dictionaries')")
        }
        if first.divergence != chosen {
            throw CLIError.usage("--dictionary '\(dictionaries[0])'\(loaded.count > 1 ? " and the others were" : " was") trained with --divergence \(first.divergence), the separation uses \(chosen) (allowed: the same; omit --divergence to use the dictionaries')")
        }
    }

    /// Whether `config` (built by ``separationConfiguration(dictionaries:)``, or as a report's
    /// configuration with its background decided) carries automatic penalties: per-source
    /// weights that no penalty option gave (the dictionaries' rule, or a steady background's
    /// measured weights for the lists not given).
    func usesAutomaticPenalties(_ config: SeparationConfiguration) -> Bool {
        (!continuityGiven && !config.sourceContinuity.isEmpty) || (!sparsityGiven && !config.sourceSparsity.isEmpty)
    }

    /// The number of sources and of free (learned) components: `--sources` alone, or with
    /// `d` dictionaries one source per dictionary plus the sources of `--free-components`.
    /// - Throws: `CLIError.usage` naming the option out of range.
    func sourceAndFreeComponentCounts(dictionaries d: Int) throws -> (sources: Int, free: Int) {
        if let f = freeComponents, f < 0 { throw CLIError.usage("--free-components \(f) is out of range (allowed: 0 or more)") }
        if freeComponents != nil && d == 0 { throw CLIError.usage("--free-components needs at least one --dictionary") }
        if d > 0 && components != nil { throw CLIError.usage("--components does not apply with --dictionary; use --free-components") }
        if d > 0 {
            // One dictionary alone means "this source and the rest": a single source would be the mixture itself.
            let extra = sources.map { $0 - d } ?? ((freeComponents ?? 0) > 0 || d == 1 ? 1 : 0)
            if extra < 0 { throw CLIError.usage("--sources \(sources!) is out of range with \(d) dictionaries (allowed: at least \(d))") }
            let free = freeComponents ?? extra * SeparationConfiguration.recommendedComponentsPerSource
            if extra > 0 && free < extra {
                // One dictionary alone is "this source and the rest": the rest is a free source.
                let why = sources == nil && d == 1 ? ", since one --dictionary alone separates its source from the rest, which the free components model" : ""
                throw CLIError.usage("--free-components \(free) is out of range (allowed: at least one per source without a dictionary, \(extra)\(why))")
            }
            if extra == 0 && free > 0 {
                throw CLIError.usage("--free-components \(free) needs a source to go to: give --sources \(d + 1)")
            }
            return (d + extra, free)
        }
        guard let given = sources else { throw CLIError.usage("missing --sources S (the number of sources, ≥ 1)") }
        return (given, 0)
    }

    /// A penalty option's weights (`--continuity`, `--sparsity`): one shared weight, or one per
    /// source known before the factorization (each dictionary, then the free components; or a
    /// steady background, then the rest). With `perSource`, one weight becomes that per-source
    /// pair (a steady background's two lists), so that a given weight is never replaced.
    static func penaltyWeights(_ weights: [Float], perSource: Bool = false) -> (shared: Float, perSource: [Float]) {
        weights.count > 1 ? (0, weights) : perSource ? (0, [weights[0], weights[0]]) : (weights[0], [])
    }

    /// The command line's range of penalty weights, 0 to 100 (the library takes any weight ≥ 0),
    /// checked before the library's checks so that every message gives the same range.
    /// - Throws: `CLIError.usage` naming the option, its weights and the one out of range.
    static func checkPenaltyBound(_ name: String, _ weights: [Float]) throws {
        for (i, x) in weights.enumerated() where !(0...100).contains(x) {
            let given = SeparationConfiguration.describe(weights)
            throw CLIError.usage("--\(name) \(given) is out of range (allowed: 0 to 100\(weights.count > 1 ? "; weight \(i + 1) is \(SeparationConfiguration.describe([x]))" : ""))")
        }
    }

    /// The divergence in effect and, when the user did not give `--divergence`, where it came
    /// from: the dictionaries' (they set it), e.g. "itakura-saito, the divergence --dictionary
    /// 'd.nmfdict' was trained with; use a dictionary trained with --divergence kl".
    func divergenceSource(_ chosen: Divergence) -> String {
        guard divergence == nil, let first = dictionaries.first else { return "\(chosen)" }
        return "\(chosen), the divergence --dictionary '\(first)' was trained with; use a dictionary trained with --divergence kl"
    }

    /// The options whose meaning depends on the divergence (start, `--spatial`, penalties, step
    /// exponent), checked against `config.divergence` and set on `config`; per-source penalty
    /// weights are checked against the dictionaries (`SeparationConfiguration.validatePenaltyWeights()`).
    /// - Throws: `CLIError.usage` for an option out of range or one that needs `--divergence kl`,
    ///   `SeparationError` for per-source weights that do not fit the dictionaries.
    func applyDivergenceDependentOptions(to config: inout SeparationConfiguration) throws {
        config.initialization = initialization
        if spatial == true && config.divergence != .kullbackLeibler {
            throw CLIError.usage("--spatial needs --divergence kl (the tied multichannel updates are implemented for KL only; got \(divergenceSource(config.divergence)))")
        }
        // Without --spatial or --no-spatial, SeparateCommand chooses per input.
        config.spatial = spatial ?? false
        // With a steady background, one given weight is every component's, the background's too.
        let steady = config.background == .steady
        (config.continuity, config.sourceContinuity) = Self.penaltyWeights(continuity, perSource: steady && continuityGiven && continuity[0] >= 0)
        (config.sparsity, config.sourceSparsity) = Self.penaltyWeights(sparsity, perSource: steady && sparsityGiven && sparsity[0] >= 0)
        // A steady background's sources and components, then the weights' shape (one weight, or
        // one per dictionary and free components, or background and the rest), signs and divergence.
        try Self.checkPenaltyBound("continuity", continuity)
        try Self.checkPenaltyBound("sparsity", sparsity)
        try config.validateBackground()
        for (name, weights) in [("continuity", continuity), ("sparsity", sparsity)]
        where config.divergence != .kullbackLeibler && weights.contains(where: { $0 > 0 }) {
            // (As the library says, but naming the dictionary that set the divergence.)
            throw CLIError.usage("--\(name) \(SeparationConfiguration.describe(weights)) needs --divergence kl (the penalty is implemented for KL only; got \(divergenceSource(config.divergence)))")
        }
        try config.validatePenaltyWeights()
        if let e = stepExponent {
            guard e >= 0.1, e <= 1.9 else { throw CLIError.usage("--step-exponent \(e) is out of range (allowed: 0.1 to 1.9)") }
            if e != 1 && config.divergence != .kullbackLeibler {
                throw CLIError.usage("--step-exponent \(e) needs --divergence kl (over-relaxed steps are implemented for KL only; got \(divergenceSource(config.divergence)))")
            }
            if e != 1 && config.isPenalized {
                // The over-relaxed steps and their fallback watch the KL divergence alone: with a
                // penalty they wreck the balance (the steady background lost 5–10 dB).
                throw CLIError.usage("--step-exponent \(e) applies to the unpenalized KL objective only (allowed: 1 with --continuity, --sparsity or --background steady)")
            }
        }
        config.stepExponent = stepExponent ?? (config.divergence == .kullbackLeibler ? Self.defaultStepExponent : 1)
    }
}
