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
    /// `--include`: shell patterns a file found in a directory argument must match (one of).
    var include: [String] = []
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
    /// `--spatial` (true) or `--no-spatial` (false): factorize the channels jointly (one level per
    /// channel and component) or model their mean; nil (the default): chosen per input
    /// (`SeparateCommand.automaticSpatial`: joint for stereo within its limits).
    var spatial: Bool?
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
                    try Self.refuseOptionAsValue(arguments[i], of: "--\(spec.name)", placeholder: spec.value!) { OptionTable.lookup($0) != nil }
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

    /// Refuses an option's value that is itself one of the command's options (`-o --force`
    /// made a directory named `--force` and forgot the flag), a short option with a count
    /// attached (`-k8`) or anything else that begins with `--`; `--output=--force` or `./--force`
    /// still names such a file.
    /// - Parameter isOption: whether a token (its part before any `=`) is one of the command's options.
    /// - Throws: `CLIError.usage` naming both and how to give such a value.
    static func refuseOptionAsValue(_ next: String, of option: String, placeholder: String, isOption: (String) -> Bool) throws {
        let name = String(next.prefix { $0 != "=" })
        // Also a short option with its count attached (-k8) and any `--word` (a mistyped option: --forc).
        let attached = ["-s", "-k", "-j"].contains(next.prefix(2)) && next.count > 2 && next.dropFirst(2).allSatisfy(\.isNumber)
        guard next.hasPrefix("-"), next != "-", isOption(name) || attached || (next.hasPrefix("--") && next.count > 2) else { return }
        let named = ["DIR", "FILE", "NAME", "GLOB"].contains(placeholder)   // (a file may begin with '-'; a number may not)
        throw CLIError.usage("option \(option) needs a value \(placeholder), got '\(next)', which is an option or looks like one"
            + (named ? " (for a name that begins with '-', write \(option)=\(next))" : ""))
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
        case "seed": seed = try Self.seed(value ?? "")
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
        case "include": include.append(try Self.includePattern(value))
        case "format": format = try Self.choice(name, value, "an output format")
        case "sample-format": sampleFormat = try Self.choice(name, value, "a sample format")
        case "progress": progress = true
        case "plot": plot = true
        case "save-factors": saveFactors = true
        case "spatial", "no-spatial":
            let on = name == "spatial"
            if spatial == !on { throw CLIError.usage("--spatial and --no-spatial are both given (allowed: one of them)") }
            spatial = on
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
            switch decimalFloat(part) {
            case .value(let x): return x
            case .notANumber:
                throw CLIError.usage("--\(name) '\(text)': '\(part)' is not a finite number (allowed: numbers separated by commas)")
            case .outOfRange:
                throw CLIError.usage("--\(name) '\(text)': '\(part)' is out of range (it does not fit a 32-bit float; see --help for the option's range)")
            }
        }
    }

    private static func real(_ name: String, _ value: String?) throws -> Float {
        let v = value ?? ""
        switch decimalFloat(v) {
        case .value(let x): return x
        case .notANumber:
            throw CLIError.usage("--\(name) '\(v)' is not a decimal number (allowed: e.g. 1.5, 2 or 1e-3; see --help for the option's range)")
        case .outOfRange:
            let tiny = (Double(v).map { abs($0) < 1 } ?? false)   // below float32's smallest value (about 1.4e-45): it would read as 0
            throw CLIError.usage(tiny ? "--\(name) \(v) is out of range (it is too small for a 32-bit float, which reads it as 0; see --help for the option's range)"
                                      : "--\(name) \(v) is out of range (it does not fit a 32-bit float; see --help for the option's range)")
        }
    }

    /// A real option's value read as a 32-bit float.
    enum DecimalFloat: Equatable {
        case value(Float)
        /// Not a decimal number within Double's range: empty, hexadecimal (`0x10`, which
        /// `Float(_:)` reads), `inf`, `nan`, `1e400`, …
        case notANumber
        /// A decimal number beyond float's range, or too small for it (read as 0 though not zero).
        case outOfRange
    }

    /// Reads `text` as a decimal number (``isDecimal(_:)``) in float's range.
    static func decimalFloat(_ text: String) -> DecimalFloat {
        guard isDecimal(text), let d = Double(text), d.isFinite, let x = Float(text) else { return .notANumber }
        return x.isFinite && (x != 0 || !writesNonZero(text)) ? .value(x) : .outOfRange
    }

    /// Whether a decimal number's text is not zero: a digit 1–9 before its exponent (`1e-400`
    /// is not zero, though Float and Double both read it as 0).
    static func writesNonZero(_ text: String) -> Bool {
        text.prefix { $0 != "e" && $0 != "E" }.contains { "123456789".contains($0) }
    }

    /// Whether `text` is written as a decimal number (digits, a point, a sign, an exponent):
    /// Swift's `Float(_:)` also reads hexadecimal (`0x10` as 16), which no option means.
    static func isDecimal(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { "0123456789.eE+-".contains($0) }
    }

    /// Checks an `--include` pattern (separation and train): not empty, and without `/`, since it
    /// is matched against file names only.
    /// - Throws: `CLIError.usage` naming the pattern and what is allowed.
    static func includePattern(_ value: String?) throws -> String {
        guard let v = value, !v.isEmpty else { throw CLIError.usage("option --include needs a non-empty pattern, e.g. 'mix.*'") }
        guard !v.contains("/") else {
            throw CLIError.usage("--include '\(v)' holds a '/' (allowed: a pattern for file names only, e.g. 'mix.*'; give the directories as INPUT)")
        }
        return v
    }

    /// Parses `--seed`'s value (separation and train): a whole number from 0 to `UInt64.max`.
    /// - Throws: `CLIError.usage` saying whether `text` is out of range or not such a number.
    static func seed(_ text: String) throws -> UInt64 {
        if let s = UInt64(text) { return s }
        let digits = text.drop { $0 == "-" || $0 == "+" }
        let number = !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        throw CLIError.usage("--seed '\(text)' \(number ? "is out of range" : "is not a non-negative integer") (allowed: 0 to \(UInt64.max))")
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
}
