import Foundation
import NMFSeparation

/// The `nmf-separate` command: parse → validate → run, with exit statuses
/// 0 (success), 64 (usage error) and 1 (runtime failure).
public enum CLI {
    /// The tool's version.
    public static let version = "0.1.0"

    /// The message for the first command-line argument that is not valid UTF-8 (Swift reads it
    /// with each bad byte replaced, so a file name would silently name another file), or nil.
    /// - Parameters:
    ///   - argv: the process's `argv` (`CommandLine.unsafeArgv`).
    ///   - count: `argc`.
    public static func undecodableArgument(_ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, count: Int) -> String? {
        for i in 1..<max(count, 1) {
            guard let p = argv[i], String(validatingCString: p) == nil else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p))
            let shown = bytes.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
            // A label is text, not a file name: no file to rename.
            let afterLabel = i > 1 && argv[i - 1].flatMap { String(validatingCString: $0) } == "--label"
            if afterLabel || bytes.starts(with: Array("--label=".utf8)) {
                return "nmf-separate: argument \(i) ('\(shown)'), the --label value, is not valid UTF-8 (allowed: UTF-8 text)"
            }
            return "nmf-separate: argument \(i) ('\(shown)') is not valid UTF-8; nmf-separate takes UTF-8 file names (rename the file)"
        }
        return nil
    }

    /// Points closed standard descriptors at /dev/null, so that no file opened later takes
    /// their numbers (and a closed stdout is reported when there is output for it). Call first.
    public static func reserveStandardDescriptors() {
        StandardOutput.reserveStandardDescriptors()
    }

    /// Writes one line to stderr (nothing, without stopping, when stderr is closed).
    /// - Parameter message: the line, without its newline.
    public static func writeError(_ message: String) {
        StandardError.write(message + "\n")
    }

    /// Writes a command's whole output to stdout and returns its exit status: 0, or 1 when
    /// stdout failed.
    private static func printed(_ text: String) -> Int32 {
        StandardOutput.write(text)
        return StandardOutput.failed ? 1 : 0
    }

    /// Reads the `--dictionary` files in order, each within what memory is left: 1 GiB at most,
    /// and no more than the memory budget (`MemoryBudget.availableBytes()`) less the templates
    /// already read, so that a huge or lying file is refused before it is allocated.
    /// - Throws: `CLIError.runtime` with the dictionary's error.
    static func loadDictionaries(_ paths: [String]) throws -> [NMFDictionary] {
        var room = try MemoryBudget.availableBytes()
        return try paths.map { path in
            let limit = min(NMFDictionary.defaultMaximumFileBytes, max(room ?? .max, 0))
            do {
                let d = try NMFDictionary.read(path: path, maximumBytes: limit)
                room = room.map { $0 - 4 * d.basis.storage.count }
                return d
            } catch DictionaryError.tooLarge(_, let bytes, let limit) where limit < NMFDictionary.defaultMaximumFileBytes {
                throw CLIError.runtime("cannot read dictionary '\(path)': it holds \(MemoryBudget.size(Double(bytes))), more than the "
                    + "\(MemoryBudget.size(Double(limit))) of memory left (the least of MemAvailable, the cgroup limit, ulimit -v and NMF_SEPARATE_MAX_MEMORY, less the dictionaries read before it)")
            } catch let e as DictionaryError {
                throw CLIError.runtime(e.description)
            }
        }
    }

    /// Runs the command with `arguments` (without the program name) and returns the exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        SignalCleanup.shared.install()
        // No arguments at all: the synopsis, as a first try at the command expects (not an error line).
        if arguments.isEmpty {
            let synopsis = OptionTable.helpText.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
            StandardError.write(synopsis.joined(separator: "\n") + "\n(nmf-separate --help lists the options)\n")
            return CLIError.usage("").exitCode
        }
        do {
            // `nmf-separate help [train|eval]`, as git and friends take it (unless a file of that name is meant).
            if arguments.first == "help", arguments.count <= 2, !FileManager.default.fileExists(atPath: "help") {
                return try help(topic: arguments.dropFirst().first)
            }
            switch arguments.first {
            case "train": return try train(Array(arguments.dropFirst()))
            case "eval": return try eval(Array(arguments.dropFirst()))
            default: return try separate(arguments)
            }
        } catch let e as CLIError {
            StandardError.write("nmf-separate: \(TerminalText.escaped(e.message))\n")
            return e.exitCode
        } catch {
            StandardError.write("nmf-separate: \(TerminalText.escaped("\(error)"))\n")
            return 1
        }
    }

    /// `nmf-separate help [TOPIC]`: the help text of the command, or of `train` or `eval`.
    /// - Throws: `CLIError.usage` for another topic.
    private static func help(topic: String?) throws -> Int32 {
        switch topic {
        case nil: return printed(OptionTable.helpText)
        case "train": return printed(TrainCommand.helpText)
        case "eval": return printed(EvalCommand.helpText)
        case let other?: throw CLIError.usage("help has no topic '\(other)' (allowed: train, eval, or none)")
        }
    }

    /// `nmf-separate train …` (arguments after `train`): prints the dictionary's report.
    private static func train(_ arguments: [String]) throws -> Int32 {
        let command = try TrainCommand.parse(arguments)
        if command.help { return printed(TrainCommand.helpText) }
        _ = try MemoryBudget.configuredCap()
        return printed(try command.run())
    }

    /// `nmf-separate eval …` (arguments after `eval`): one evaluation, or a whole dataset's,
    /// whose unscorable mixtures make the status 1 after the others are printed.
    private static func eval(_ arguments: [String]) throws -> Int32 {
        let command = try EvalCommand.parse(arguments)
        if command.help { return printed(EvalCommand.helpText) }
        _ = try MemoryBudget.configuredCap()
        guard let items = try command.dataset() else { return printed(try command.run()) }
        let (text, failed) = command.runDataset(items)
        let status = printed(text)
        guard failed == 0 else {
            StandardError.write("nmf-separate: eval: \(failed) of \(items.count) \(items.count == 1 ? "mixture" : "mixtures") could not be scored (named above)\n")
            return 1
        }
        return status
    }

    /// `nmf-separate INPUT…`: separates every input (``BatchRunner``) and returns the batch's status.
    private static func separate(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineOptions.parse(arguments)
        if options.help { return printed(OptionTable.helpText) }
        if options.version { return printed("nmf-separate \(version)\n") }
        guard !options.inputs.isEmpty else { throw CLIError.usage("missing INPUT audio file (see --help)") }
        // A malformed memory cap is one usage error before any work, not one per file.
        _ = try MemoryBudget.configuredCap()
        try options.validateOutputFormat()
        try OutputPlan.checkRoot(options.outputDirectory)
        let dictionaries = try Self.loadDictionaries(options.dictionaries)
        let configuration = try options.separationConfiguration(dictionaries: dictionaries)
        let command = SeparateCommand(options: options, configuration: configuration, dictionaries: dictionaries)
        let status = try BatchRunner(options: options, command: command).run().status
        // Said after the work (a failure stays one line), so that the changed default is not silent.
        if status == 0 && ProgressBoard.showsNotes(quiet: options.quiet, plainLines: options.progress)
            && options.usesAutomaticPenalties(configuration) {
            let weights = "--continuity \(SeparationConfiguration.describe(configuration.sourceContinuity)) --sparsity \(SeparationConfiguration.describe(configuration.sourceSparsity))"
            StandardError.write("nmf-separate: note: the dictionaries are of changing sources and free components modelled the rest, "
                                + "so these had the automatic penalties \(weights) (--sparsity 0 turns them off)\n")
        }
        return status == 0 && StandardOutput.failed ? 1 : status
    }
}
