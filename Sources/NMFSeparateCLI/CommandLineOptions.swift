import NMFSeparation

/// The parsed command line of `nmf-separate`.
struct CommandLineOptions {
    var inputs: [String] = []
    var sources: Int?
    var components: Int?
    var grouping = CommandLineOptions.defaultGrouping
    /// Grouping when `--grouping` is not given (chosen by measurement, see QUALITY.md).
    static let defaultGrouping = GroupingMethod.timbre
    var outputDirectory = "separated"
    var iterations = 200
    var tolerance: Float = 0
    /// `--step-exponent`: exponent ω of the multiplicative steps (`nil`: the default for the divergence).
    var stepExponent: Float?
    /// Step exponent with KL when `--step-exponent` is not given (chosen by measurement, see QUALITY.md).
    static let defaultStepExponent: Float = 1
    var seed: UInt64 = 0
    var fftSize: Int?
    var hop: Int?
    var maskPower: Float?
    /// `--sparsity`: the weight of the sparseness penalty, or one weight per source known before
    /// the factorization (each dictionary, then the free components).
    var sparsity: [Float] = [CommandLineOptions.defaultSparsity]
    /// Sparsity when `--sparsity` is not given (chosen by measurement, see QUALITY.md).
    static let defaultSparsity: Float = 0
    var threads: Int?
    /// `--divergence` as given (default: the dictionary's, else kl).
    var divergence: Divergence?
    /// `--continuity`: the weight of the temporal-continuity penalty, or one weight per source
    /// known before the factorization (each dictionary, then the free components).
    var continuity: [Float] = [CommandLineOptions.defaultContinuity]
    /// Continuity when `--continuity` is not given (chosen by measurement, see QUALITY.md).
    static let defaultContinuity: Float = 0
    /// Whether `--continuity` was given.
    var continuityGiven = false
    /// Whether `--sparsity` was given.
    var sparsityGiven = false
    /// Whether `--grouping` was given: a steady background that `--background auto` chooses
    /// then leaves that grouping unused, which the run says in a warning rather than a note.
    var groupingGiven = false
    /// Whether `--step-exponent` asks for over-relaxed steps (ω ≠ 1): like a penalty option, it
    /// turns the automatic steady background and the dictionaries' automatic penalties off.
    var overRelaxed: Bool { (stepExponent ?? 1) != 1 }
    /// Whether `--continuity` or `--sparsity` was given; if neither, dictionaries of changing
    /// sources with free components get `NMFDictionary.automaticPenalties(for:freeSources:)`,
    /// and `--background auto` may choose a steady background.
    var penaltiesGiven: Bool { continuityGiven || sparsityGiven }
    /// `--background`: the steady-background model (`nil`: `.automatic` unless dictionaries or a
    /// penalty option are given, then `.none`).
    var background: BackgroundModel?
    /// `--init`: how the NMF starts.
    var initialization = InitializationMethod.random
    var force = false
    var replaceNonFinite = false
    var dictionaries: [String] = []
    var freeComponents: Int?
    var quiet = false
    /// `--progress`: periodic plain progress lines on stderr even when it is not a terminal.
    var progress = false
    var json = false
    /// `--jobs`: files separated at the same time.
    var jobs = 1
    /// `--shard i/n`: this process handles the sorted inputs whose index ≡ i (mod n), 0 ≤ i < n.
    var shard: Shard?
    /// `--skip-existing`: inputs whose outputs all exist are skipped (resumable batch runs).
    var skipExisting = false
    /// `--format`: output container (default: the input's).
    var format: AudioContainer?
    /// `--sample-format`: output sample encoding (default: the input's).
    var sampleFormat: SampleEncoding?
    /// `--plot`: write PNG figures (spectrogram, templates, activations, masks) next to the sources.
    var plot = false
    /// `--ensemble N`: average the masks of N factorizations (seeds seed…seed+N−1).
    var ensemble = 1
    /// `--save-factors`: write W.npy, H.npy and factors.json next to the sources.
    var saveFactors = false
    /// `--spatial`: factorize the channels jointly (one level per channel and component).
    var spatial = false
    var help = false
    var version = false

    /// Parses the arguments (without the program name).
    /// - Throws: `CLIError.usage` for unknown options, missing or malformed values.
    static func parse(_ arguments: [String]) throws -> CommandLineOptions {
        var o = CommandLineOptions()
        var i = 0
        var onlyPositional = false
        while i < arguments.count {
            var token = arguments[i]
            i += 1
            if onlyPositional || token == "-" || !token.hasPrefix("-") {
                o.inputs.append(token)
                continue
            }
            if token == "--" { onlyPositional = true; continue }
            var inlineValue: String?
            if token.hasPrefix("--"), let eq = token.firstIndex(of: "=") {
                inlineValue = String(token[token.index(after: eq)...])
                token = String(token[..<eq])
            } else if ["-s", "-k", "-j"].contains(token.prefix(2)), token.count > 2, token.dropFirst(2).allSatisfy(\.isNumber) {
                // A count attached to its short option, as getopt takes it: -s2, -k8, -j4. (Only
                // numbers: "-dash.wav" would otherwise be read as "-d ash.wav".)
                inlineValue = String(token.dropFirst(2))
                token = String(token.prefix(2))
            }
            guard let spec = OptionTable.lookup(token) else {
                throw CLIError.usage(OptionSuggestion.message("option", token, among: OptionTable.separate.map { "--" + $0.name }, help: "--help"))
            }
            var value: String?
            if spec.value != nil {
                if let v = inlineValue {
                    value = v
                } else {
                    guard i < arguments.count else { throw CLIError.usage("option --\(spec.name) needs a value \(spec.value!)") }
                    value = arguments[i]
                    i += 1
                }
            } else if inlineValue != nil {
                throw CLIError.usage("option --\(spec.name) takes no value")
            }
            try o.apply(spec.name, value)
        }
        return o
    }

    private mutating func apply(_ name: String, _ value: String?) throws {
        switch name {
        case "sources": sources = try Self.integer(name, value)
        case "components": components = try Self.integer(name, value)
        case "grouping": grouping = try Self.choice(name, value, "a grouping method"); groupingGiven = true
        case "output":
            guard let v = value, !v.isEmpty else { throw CLIError.usage("option --output needs a non-empty directory") }
            outputDirectory = v
        case "iterations": iterations = try Self.integer(name, value)
        case "tolerance": tolerance = try Self.real(name, value)
        case "step-exponent": stepExponent = try Self.real(name, value)
        case "seed":
            guard let v = value, let s = UInt64(v) else {
                throw CLIError.usage("--seed '\(value ?? "")' is not a non-negative integer (allowed: 0 to \(UInt64.max))")
            }
            seed = s
        case "fft-size": fftSize = try Self.integer(name, value)
        case "hop": hop = try Self.integer(name, value)
        case "mask-power": maskPower = try Self.real(name, value)
        case "sparsity": sparsity = try Self.reals(name, value); sparsityGiven = true
        case "threads": threads = try Self.integer(name, value)
        case "continuity": continuity = try Self.reals(name, value); continuityGiven = true
        case "init": initialization = try Self.choice(name, value, "an initialisation")
        case "background": background = try Self.choice(name, value, "a background model")
        case "divergence":
            do { divergence = try Divergence(parsing: value ?? "") } catch let e as FactorizationError { throw CLIError.usage(e.description) }
        case "dictionary":
            guard let v = value, !v.isEmpty else { throw CLIError.usage("option --dictionary needs a FILE") }
            dictionaries.append(v)
        case "free-components": freeComponents = try Self.integer(name, value)
        case "jobs":
            jobs = try Self.integer(name, value)
            guard (1...256).contains(jobs) else { throw CLIError.usage("--jobs \(jobs) is out of range (allowed: 1 to 256)") }
        case "shard": shard = try Shard(parsing: value ?? "")
        case "skip-existing": skipExisting = true
        case "format": format = try Self.choice(name, value, "an output format")
        case "sample-format": sampleFormat = try Self.choice(name, value, "a sample format")
        case "progress": progress = true
        case "plot": plot = true
        case "save-factors": saveFactors = true
        case "spatial": spatial = true
        case "ensemble": ensemble = try Self.integer(name, value)
        case "force": force = true
        case "replace-nonfinite": replaceNonFinite = true
        case "quiet": quiet = true
        case "json": json = true
        case "help": help = true
        case "version": version = true
        default: throw CLIError.usage("unknown option '--\(name)'")
        }
    }

    /// One of an enumeration's raw values, in any case.
    /// - Throws: `CLIError.usage`: "--NAME 'VALUE' is not WHAT (allowed: …)".
    private static func choice<T: CaseIterable & RawRepresentable>(_ name: String, _ value: String?, _ what: String) throws -> T
        where T.RawValue == String {
        guard let v = value, let choice = T(rawValue: v.lowercased()) else {
            throw CLIError.usage("--\(name) '\(value ?? "")' is not \(what) (allowed: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return choice
    }

    /// Upper bound of counts (`--sources`, `--components`, `--free-components`): far above any
    /// useful value, low enough that products of counts cannot overflow.
    static let maximumCount = 1 << 20

    private static func integer(_ name: String, _ value: String?) throws -> Int {
        guard let v = value, let n = Int(v) else { throw notAnInteger("--\(name)", value ?? "") }
        if ["sources", "components", "free-components"].contains(name), n > maximumCount {
            throw CLIError.usage("--\(name) \(n) is out of range (allowed: at most \(maximumCount))")
        }
        return n
    }

    /// A comma-separated list of finite numbers (`--continuity 0,0.3`; spaces around them allowed).
    private static func reals(_ name: String, _ value: String?) throws -> [Float] {
        let text = value ?? ""
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return [try real(name, text)] }
        return try parts.map { piece in
            let part = piece.trimmingCharacters(in: .whitespaces)
            guard let x = Float(part), x.isFinite else {
                throw CLIError.usage("--\(name) '\(text)': '\(part)' is not a finite number (allowed: numbers separated by commas)")
            }
            return x
        }
    }

    private static func real(_ name: String, _ value: String?) throws -> Float {
        guard let v = value, let x = Float(v), x.isFinite else { throw notANumber("--\(name)", value ?? "") }
        return x
    }

    /// The usage error for an integer option's value `text`: out of range when it is a whole
    /// number too large for the machine, malformed otherwise (see `--help` for each option's range).
    static func notAnInteger(_ option: String, _ text: String) -> CLIError {
        let digits = text.drop { $0 == "+" || $0 == "-" }
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), text.filter({ $0 == "+" || $0 == "-" }).count <= 1 {
            return CLIError.usage("\(option) \(text) is out of range (it does not fit a 64-bit integer; see --help for the option's range)")
        }
        return CLIError.usage("\(option) '\(text)' is not an integer (allowed: a whole number written with the digits 0-9; see --help for the option's range)")
    }

    /// The usage error for a real option's value `text`: out of range when it is a number
    /// beyond float32's range, malformed otherwise.
    static func notANumber(_ option: String, _ text: String) -> CLIError {
        if let x = Double(text), x.isFinite {
            return CLIError.usage("\(option) \(text) is out of range (it does not fit a 32-bit float; see --help for the option's range)")
        }
        return CLIError.usage("\(option) '\(text)' is not a finite number (allowed: a decimal number with a point, such as 1.5; see --help for the option's range)")
    }

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
        do {
            let stft = try STFTConfiguration(fftSize: fftSize ?? loaded.first?.stft.fftSize ?? 2048,
                                             hopLength: hop ?? (fftSize == nil || fftSize == loaded.first?.stft.fftSize ? loaded.first?.stft.hopLength : nil))
            let fixed = loaded.reduce(0) { $0 + $1.components }
            let k = d > 0 ? fixed + free : components ?? s * SeparationConfiguration.recommendedComponentsPerSource
            if k < s { throw CLIError.usage("--components \(k) is out of range (allowed: at least the number of sources, \(s))") }
            var config = try SeparationConfiguration(sourceCount: s, componentCount: k, stft: stft, maxIterations: iterations,
                                                     tolerance: tolerance, seed: seed, maskPower: maskPower ?? SeparationConfiguration.recommendedMaskPower(dictionaries: d > 0),
                                                     threadCount: threads ?? Parallel.defaultThreadCount, grouping: grouping)
            for (j, later) in loaded.enumerated().dropFirst() {
                if let i = loaded[..<j].firstIndex(where: { $0.basis == later.basis }) {
                    throw CLIError.usage("--dictionary '\(dictionaries[j])' holds the same templates as '\(dictionaries[i])' (allowed: one dictionary per source; two alike sources cannot be told apart)")
                }
            }
            config.fixedTemplates = loaded.map(\.basis)
            config.templateSampleRate = loaded.first?.sampleRate   // (each dictionary is checked against the input by name first)
            config.ensembleSize = ensemble
            config.divergence = divergence ?? loaded.first?.divergence ?? .kullbackLeibler
            // Automatic choices apply to a plain configuration only: a penalty option, a dictionary or
            // over-relaxed steps (which are for the unpenalized KL objective) turn this one off.
            let chosen = background ?? .automatic
            config.background = chosen == .automatic && (penaltiesGiven || d > 0 || overRelaxed) ? .none : chosen
            for (path, d) in zip(dictionaries, loaded) where d.stft.fftSize != stft.fftSize || d.stft.hopLength != stft.hopLength {
                let trained = "--dictionary '\(path)' was trained with --fft-size \(d.stft.fftSize) --hop \(d.stft.hopLength)"
                if fftSize == nil && hop == nil {
                    // The separation took the first dictionary's settings: name it, not the user.
                    throw CLIError.usage("\(trained), but '\(dictionaries[0])' with --fft-size \(stft.fftSize) --hop \(stft.hopLength) (allowed: dictionaries trained with the same settings; retrain one of them)")
                }
                throw CLIError.usage("\(trained), the separation uses --fft-size \(stft.fftSize) --hop \(stft.hopLength) (allowed: the same for all; omit --fft-size and --hop to use the dictionaries')")
            }
            for (path, d) in zip(dictionaries, loaded) where d.divergence != config.divergence {
                if divergence == nil {
                    throw CLIError.usage("--dictionary '\(path)' was trained with --divergence \(d.divergence), but '\(dictionaries[0])' with \(config.divergence) (allowed: dictionaries trained with the same divergence; retrain one of them)")
                }
                throw CLIError.usage("--dictionary '\(path)' was trained with --divergence \(d.divergence), the separation uses \(config.divergence) (allowed: the same for all)")
            }
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
                throw CLIError.usage("--free-components \(free) is out of range (allowed: at least one per source without a dictionary, \(extra))")
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

    /// The options whose meaning depends on the divergence (start, `--spatial`, penalties, step
    /// exponent), checked against `config.divergence` and set on `config`; per-source penalty
    /// weights are checked against the dictionaries (`SeparationConfiguration.validatePenaltyWeights()`).
    /// - Throws: `CLIError.usage` for an option out of range or one that needs `--divergence kl`,
    ///   `SeparationError` for per-source weights that do not fit the dictionaries.
    func applyDivergenceDependentOptions(to config: inout SeparationConfiguration) throws {
        config.initialization = initialization
        if spatial && config.divergence != .kullbackLeibler {
            throw CLIError.usage("--spatial needs --divergence kl (the tied multichannel updates are implemented for KL only; got \(config.divergence))")
        }
        config.spatial = spatial
        // With a steady background, one given weight is every component's, the background's too.
        let steady = config.background == .steady
        (config.continuity, config.sourceContinuity) = Self.penaltyWeights(continuity, perSource: steady && continuityGiven && continuity[0] >= 0)
        (config.sparsity, config.sourceSparsity) = Self.penaltyWeights(sparsity, perSource: steady && sparsityGiven && sparsity[0] >= 0)
        // A steady background's sources and components, then the weights' shape (one weight, or
        // one per dictionary and free components, or background and the rest), signs and divergence.
        try Self.checkPenaltyBound("continuity", continuity)
        try Self.checkPenaltyBound("sparsity", sparsity)
        try config.validateBackground()
        try config.validatePenaltyWeights()
        if let e = stepExponent {
            guard e >= 0.1, e <= 1.9 else { throw CLIError.usage("--step-exponent \(e) is out of range (allowed: 0.1 to 1.9)") }
            if e != 1 && config.divergence != .kullbackLeibler {
                throw CLIError.usage("--step-exponent \(e) needs --divergence kl (over-relaxed steps are implemented for KL only; got \(config.divergence))")
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
