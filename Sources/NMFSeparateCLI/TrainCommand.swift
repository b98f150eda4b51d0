import Foundation
import NMFSeparation

/// `nmf-separate train`: learns a source's templates from clean recordings and saves them
/// as a `.nmfdict` file for semi-supervised separation (`--dictionary`).
struct TrainCommand {
    /// The long options `train` takes (for the guess in an "unknown option" message).
    static let optionNames = ["--components", "--output", "--iterations", "--seed", "--fft-size", "--hop", "--label",
                              "--divergence", "--include", "--json", "--force", "--quiet", "--help"]
    /// Whether `token` is one of train's options, long or short.
    static func isOption(_ token: String) -> Bool {
        optionNames.contains(token) || ["-k", "-o", "-f", "-q", "-h"].contains(token)
    }
    var inputs: [String] = []
    var output: String?
    /// `--components`; nil for the default, ``defaultComponents`` lowered to fit short audio.
    var components: Int?
    /// The number of templates when `--components` is not given (fewer for training audio of fewer frames).
    static let defaultComponents = 32
    var iterations = 200
    var seed: UInt64 = 0
    var fftSize = 2048
    var hop: Int?
    var label = ""
    var divergence = Divergence.kullbackLeibler
    var force = false
    var quiet = false
    var json = false
    var include: [String] = []
    var help = false

    static let helpText = """
    usage: nmf-separate train CLEAN... -o SOURCE.nmfdict [--components K] [options]

    Learns K spectral templates of one source from clean recordings of it (files,
    or directories searched for audio files, each file taken once; NMF on their
    concatenated magnitude spectrograms) and saves them with the analysis settings
    (sample rate, fft size, hop, divergence) in a .nmfdict file. Separate with
    `nmf-separate MIX --dictionary SOURCE.nmfdict` (that source and the rest), or
    give one dictionary per source (`--dictionary OTHER.nmfdict ...`,
    `--free-components N`).

    options:
      -k, --components K    number of templates (default: 32, or the training
                            audio's number of STFT frames if fewer)
      -o, --output FILE     the dictionary to write (required)
      --iterations N        NMF iterations, 1 to 1000000 (default: 200)
      --seed N              seed of the initialisation (default: 0)
      --fft-size N          STFT frame length (default: 2048); separations must use
                            the same
      --hop N               STFT hop (default: fft-size/4); separations must use the
                            same
      --divergence D        kl, is, euclidean or beta=B (default: kl); separations
                            must use the same
      --label NAME          a name stored in the file (e.g. speech; at most 1024
                            bytes)
      --include GLOB        in directories given, take only the audio files whose
                            name matches GLOB (as separation's --include)
      --json                print a JSON object describing the dictionary written
                            (instead of the one-line summary)
      -f, --force           overwrite an existing dictionary
      -q, --quiet           print nothing on success (and no progress bar; --json
                            still prints its object)
      -h, --help            show this help and exit

    """

    static func parse(_ arguments: [String]) throws -> TrainCommand {
        var c = TrainCommand()
        var i = 0
        var inline: String?   // the value of `--name=value`
        func value(_ name: String, _ placeholder: String) throws -> String {
            if let v = inline { inline = nil; return v }
            guard i < arguments.count else { throw CLIError.usage("option \(name) needs a value \(placeholder)") }
            try CommandLineOptions.refuseOptionAsValue(arguments[i], of: name, placeholder: placeholder) { Self.isOption($0) }
            i += 1
            return arguments[i - 1]
        }
        func integer(_ name: String) throws -> Int {
            let v = try value(name, "N")
            guard let n = Int(v) else { throw CommandLineOptions.notAnInteger(name, v) }
            return n
        }
        var onlyFiles = false   // after `--`: every argument is a recording, even one named like an option
        while i < arguments.count {
            var a = arguments[i]
            i += 1
            inline = nil
            if onlyFiles { c.inputs.append(a); continue }
            if a == "--" { onlyFiles = true; continue }
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                inline = String(a[a.index(after: eq)...])
                a = String(a[..<eq])
            } else if a.count > 2, a.hasPrefix("-k"), a.dropFirst(2).allSatisfy(\.isNumber) {   // -k16, as getopt takes it
                inline = String(a.dropFirst(2))
                a = String(a.prefix(2))
            }
            switch a {
            case "-k", "--components": c.components = try integer("--components")
            case "-o", "--output":
                let v = try value("--output", "FILE")
                guard !v.isEmpty else { throw CLIError.usage("option --output needs a non-empty file name") }
                c.output = v
            case "--iterations": c.iterations = try integer("--iterations")
            case "--seed": c.seed = try CommandLineOptions.seed(value("--seed", "N"))
            case "--fft-size": c.fftSize = try integer("--fft-size")
            case "--hop": c.hop = try integer("--hop")
            case "--label":
                c.label = try value("--label", "NAME")
                guard c.label.utf8.count <= NMFDictionary.maximumLabelBytes else {
                    throw CLIError.usage("--label is \(c.label.utf8.count) bytes long (allowed: at most \(NMFDictionary.maximumLabelBytes) bytes)")
                }
            case "--include": c.include.append(try CommandLineOptions.includePattern(value("--include", "GLOB")))
            case "--divergence":
                let text = try value("--divergence", "D")
                do { c.divergence = try Divergence(parsing: text) } catch let e as FactorizationError { throw CLIError.usage(e.description) }
            case "-f", "--force", "-q", "--quiet", "-h", "--help", "--json":
                if inline != nil { throw CLIError.usage("option \(a) takes no value") }
                c.setFlag(a)
            default: try c.addOperand(a)
            }
        }
        return c
    }

    /// Sets the flag `name` (`-f`, `--force`, `-q`, `--quiet`, `--json`; anything else is help).
    private mutating func setFlag(_ name: String) {
        switch name {
        case "-f", "--force": force = true
        case "-q", "--quiet": quiet = true
        case "--json": json = true
        default: help = true
        }
    }

    /// Takes an argument that is no known option: a clean recording, or an unknown option
    /// refused with the nearest names (and, for `--sources`, how training goes instead).
    /// - Throws: `CLIError.usage` for an unknown option.
    private mutating func addOperand(_ argument: String) throws {
        if argument == "-s" || argument == "--sources" {
            throw CLIError.usage("unknown train option '\(argument)': train learns the templates of one source from its clean recordings "
                + "(train each source on its own, then separate with one --dictionary per source)")
        }
        if argument.hasPrefix("-") && argument.count > 1 {
            throw CLIError.usage(OptionSuggestion.message("train option", argument, among: Self.optionNames, help: "train --help"))
        }
        inputs.append(argument)
    }

    func run() throws -> String {
        guard !inputs.isEmpty else { throw CLIError.usage("train needs at least one clean recording (see train --help)") }
        guard let output else { throw CLIError.usage("train needs -o FILE.nmfdict (see train --help)") }
        if inputs.contains("-") {
            throw CLIError.usage("train reads files, not standard input ('-'): give the clean recordings as files")
        }
        if InputList.audioExtensions.contains((output as NSString).pathExtension.lowercased()) {
            // (Separation refuses such a name for --output too: a dictionary is not audio.)
            throw CLIError.usage("-o '\(output)' looks like an audio file name (allowed: a dictionary file name, e.g. speech.nmfdict)")
        }
        if let components, components < 1 { throw CLIError.usage("--components \(components) is out of range (allowed: 1 or more)") }
        guard iterations >= 1, iterations <= NMFConfiguration.maxIterationLimit else {
            throw CLIError.usage("--iterations \(iterations) is out of range (allowed: 1 to \(NMFConfiguration.maxIterationLimit))")
        }
        let stft: STFTConfiguration
        let nmf: NMFConfiguration
        do {
            stft = try STFTConfiguration(fftSize: fftSize, hopLength: hop)
            var config = try NMFConfiguration(componentCount: components ?? Self.defaultComponents, maxIterations: iterations, seed: seed)
            config.divergence = divergence
            nmf = config
        } catch let e as SpectralError { throw CLIError.usage(e.description) }
        let inputs = try Self.recordings(in: self.inputs, include: include)
        try checkOutput(output, inputs: inputs)
        // Made (or found unusable) now, not after minutes of training; removed again on failure.
        let createdDirectories = try Self.prepareDirectory(of: output)
        defer { SignalCleanup.shared.unregisterDirectories(createdDirectories) }
        do {
            return try train(inputs: inputs, output: output, stft: stft, nmf: nmf)
        } catch {
            for d in createdDirectories.reversed() { rmdir(d) }
            throw error
        }
    }

    /// Trains on `inputs` (checked, deduplicated) and writes the dictionary to `output`; returns
    /// what `run` prints.
    private func train(inputs: [String], output: String, stft: STFTConfiguration, nmf: NMFConfiguration) throws -> String {
        var nmf = nmf
        // (Each is opened while it is read only: there may be more files than may be open at once.)
        var readers: [TrainingRecording] = []
        for path in inputs {
            do { readers.append(try TrainingRecording(path: path)) } catch let e as AudioIOError { throw CLIError.runtime(e.description) }
        }
        for (path, r) in zip(inputs, readers) where r.frameCount < stft.fftSize {
            throw CLIError.tooShort(path, frames: r.frameCount, fftSize: stft.fftSize)
        }
        let totalFrames = readers.reduce(0) { $0 + stft.frameCount(forSignalLength: $1.frameCount) }
        if components == nil { nmf.componentCount = min(nmf.componentCount, totalFrames) }   // (as separation lowers its default)
        guard nmf.componentCount <= totalFrames else {
            // As in separation: the count is the option's, the limit the audio's.
            throw CLIError.usage("--components \(nmf.componentCount) is out of range for the training audio (allowed: at most its number of STFT frames, \(totalFrames))")
        }
        let room = try MemoryBudget.room()
        try MemoryBudget.check(input: inputs.joined(separator: ", "), frames: totalFrames, bins: stft.binCount, hop: stft.hopLength,
                               components: nmf.componentCount, chunkFrames: SeparationConfiguration.defaultChunkFrames(hop: stft.hopLength), channels: readers.map(\.channelCount).max() ?? 1, sources: 1,
                               available: room?.bytes, limit: room?.limit, training: true)
        let dictionary: NMFDictionary
        // A bar on a terminal, as for separation (training minutes of audio takes a while).
        let board = ProgressBoard(total: 1, quiet: quiet, plainLines: false)
        let progress = board.begin(label: (output as NSString).lastPathComponent, index: 1)
        defer { board.close() }
        do {
            dictionary = try DictionaryTrainer(stft: stft, nmf: nmf).train(readers, label: label,
                                                                           names: inputs,
                                                                           progress: { progress.update(fraction: $0.fraction, stage: "train"); return true }).0
        } catch let e as SeparationError {
            throw CLIError.runtime(e.description)
        } catch let e as AudioIOError {
            throw CLIError.runtime(e.description)
        }
        try write(dictionary, to: output)
        if json { return report(dictionary, output: output, inputs: inputs).text + "\n" }
        if quiet { return "" }
        let spread = dictionary.levelSpread.map {
            ", level spread \(String(format: "%.2f", $0)) dB (" + (dictionary.isOfChangingSource ? "a changing source)" : "a steady background)")
        } ?? ""
        // How much it learned from: a directory given may hold more files than meant (a mixture beside the clean takes).
        let seconds = Double(readers.reduce(0) { $0 + $1.frameCount }) / Double(dictionary.sampleRate)
        let from = ", from \(inputs.count == 1 ? "1 file" : "\(inputs.count) files") (\(String(format: "%.1f", seconds)) s)"
        return "wrote \(TerminalText.escaped(output)): \(dictionary.components) templates × \(dictionary.basis.rows) bins, \(dictionary.sampleRate) Hz, fft \(stft.fftSize), hop \(stft.hopLength)\(from)\(spread)\n"
    }

    /// The `--json` report of a dictionary written to `output` from `inputs`: what its header
    /// holds, with numbers as numbers (the header stores the informative values as text).
    func report(_ d: NMFDictionary, output: String, inputs: [String]) -> JSONValue {
        .object([
            ("output", .string(output)), ("status", .string("ok")), ("version", .string(CLI.version)), ("label", .string(d.label)),
            ("templates", .integer(d.components)), ("bins", .integer(d.basis.rows)), ("sample_rate", .integer(d.sampleRate)),
            ("fft_size", .integer(d.stft.fftSize)), ("hop", .integer(d.stft.hopLength)), ("divergence", .string(d.divergence.description)),
            ("iterations", .integer(d.notes["iterations"].flatMap { Int($0) })),
            ("final_divergence", d.notes["final_divergence"].flatMap { Double($0) }.map { .number($0) } ?? .null),
            ("level_spread_db", d.levelSpread.map { .number($0) } ?? .null),
            ("changing_source", d.levelSpread == nil ? .null : .bool(d.isOfChangingSource)),
            ("trained_on", .array(inputs.map { .string($0) })),
        ])
    }

    /// The training recordings: the files given, and the audio files below each directory given
    /// (recursively, sorted, hidden entries skipped, only those `include`'s patterns take when
    /// there are any), as separation takes directories; a file named or found more than once
    /// (by its real path) is taken once, where it first comes, so that it does not count double.
    /// - Throws: `CLIError.runtime` for a directory without such files or one that cannot be
    ///   read, or a file whose name is not UTF-8.
    static func recordings(in arguments: [String], include: [String] = []) throws -> [String] {
        var out: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue else {
                out.append(argument)   // (a missing file fails by name when it is opened)
                continue
            }
            let (files, unreadable) = InputList.files(under: argument, excluding: "", include: include)
            if let (relative, reason) = unreadable.first {
                throw CLIError.runtime("cannot read directory '\((argument as NSString).appendingPathComponent(relative))': \(reason)")
            }
            guard !files.isEmpty else {
                throw CLIError.runtime("directory '\(argument)' holds no audio files\(InputList.matching(include)) to train on")
            }
            let paths = files.map { (argument as NSString).appendingPathComponent($0) }
            if let problem = paths.lazy.compactMap(InputList.undecodableName).first { throw CLIError.runtime(problem) }
            out += paths
        }
        var seen = Set<String>()
        return out.filter { seen.insert(OutputPlan.resolve($0)).inserted }
    }

    /// Creates the directory `output` goes in (and its missing parents) and checks that it is a
    /// directory this process may write in: a wrong `-o` fails before the training, not after.
    /// Directories created are registered for removal on a signal.
    /// - Returns: the directories created, outermost first.
    /// - Throws: `CLIError.runtime` naming the output and the reason.
    static func prepareDirectory(of output: String) throws -> [String] {
        let parent = PathName.directory(of: output)
        let created: [String]
        do { created = try OutputPlan.makeDirectories(parent, naming: "directory") } catch let e as CLIError {
            throw CLIError.runtime("cannot write dictionary '\(output)': \(e.message)")
        }
        SignalCleanup.shared.registerDirectories(created)
        var isDirectory: ObjCBool = false
        let problem: String? = !FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) || !isDirectory.boolValue
            ? "'\(parent)' is not a directory"
            : access(parent, W_OK | X_OK) != 0 ? "directory '\(parent)': \(String(cString: strerror(errno)))" : nil
        if let problem {
            for d in created.reversed() { rmdir(d) }
            throw CLIError.runtime("cannot write dictionary '\(output)': \(problem)")
        }
        return created
    }

    /// Refuses an output that is a directory, exists (without `--force`; a dangling symbolic
    /// link counts) or is one of the inputs.
    private func checkOutput(_ output: String, inputs: [String]) throws {
        switch OutputPlan.occupant(of: output) {
        case .directory: throw CLIError.runtime("output '\(output)' is a directory (allowed: a file name, e.g. speech.nmfdict)")
        case .special: throw CLIError.runtime("output '\(output)' \(OutputPlan.specialFileRefusal)")
        case .file: if !force { throw CLIError.runtime("output '\(output)' already exists (use --force to overwrite)") }
        case nil: break
        }
        let entry = OutputPlan.entry(of: output)
        if inputs.contains(where: { OutputPlan.entry(of: $0) == entry }) {
            throw CLIError.runtime("output '\(output)' would overwrite an input")
        }
    }

    /// Writes the dictionary under a short hidden temporary name beside `output` (removed on a
    /// signal or failure) and moves it into place, so a reader never sees half a file: with
    /// `force` by rename, without by link, which fails instead of replacing a file that
    /// appeared during the training (another run).
    func write(_ dictionary: NMFDictionary, to output: String) throws {
        // What a reader would refuse (a header line too long for it) is refused before any file exists.
        let data: Data
        do { data = try dictionary.checkedEncoding(path: output) } catch let e as DictionaryError { throw CLIError.runtime(e.description) }
        let tmpPath = (PathName.directory(of: output) as NSString)
            .appendingPathComponent(".nmfdict.\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
        SignalCleanup.shared.register([tmpPath])
        defer { SignalCleanup.shared.unregister([tmpPath]) }
        func failure(_ reason: String) -> CLIError {
            unlink(tmpPath)
            return CLIError.runtime("cannot write dictionary '\(output)': \(reason)")
        }
        let fd = SignalCleanup.shared.withLock { open(tmpPath, O_WRONLY | O_CREAT | O_EXCL, 0o666) }
        guard fd >= 0 else { throw CLIError.runtime("cannot write dictionary '\(output)': \(String(cString: strerror(errno)))") }
        if let error = data.withUnsafeBytes({ writeAll(fd, $0) }) {
            close(fd)
            throw failure(String(cString: strerror(error)))
        }
        if close(fd) != 0 { throw failure(String(cString: strerror(errno))) }
        let error = SignalCleanup.shared.withLock {
            force ? (rename(tmpPath, output) == 0 ? nil : errno) : Placement.moveWithoutReplacing(tmpPath, to: output)
        }
        if let error {
            throw failure(error == EEXIST ? "it appeared during the training (use --force to overwrite)" : String(cString: strerror(error)))
        }
    }
}
