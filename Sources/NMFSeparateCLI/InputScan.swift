import Foundation

/// What ``InputList/expand(_:outputRoot:standardInput:include:)`` gathers from the INPUT
/// arguments before it filters and sorts them: each file once by real path, which of them
/// directory scans found and under which argument, and the directories given.
struct InputScan {
    /// The inputs by real path.
    var found: [ExactPath: BatchInput] = [:]
    /// The real paths found by directory scans (not named by the user).
    var scanned = Set<ExactPath>()
    /// The directory argument each scanned path was found in.
    var roots: [ExactPath: String] = [:]
    /// Every directory argument, for the message when nothing is found.
    private(set) var directories: [String] = []
    /// The directory arguments that held no audio file (none that `include` takes) and no
    /// unreadable directory.
    private(set) var emptyDirectories: [String] = []
    /// The real path of `--output`, which no scan descends into.
    let excluded: String
    /// `--include`: shell patterns a file found in a directory must match.
    let include: [String]

    /// An empty scan that skips the real path of `outputRoot` and keeps only the files of
    /// directories that match one of `include` (every audio file when it is empty).
    init(outputRoot: String, include: [String]) {
        excluded = OutputPlan.resolve(outputRoot)
        self.include = include
    }

    /// Adds one INPUT argument: a directory's audio files (``InputList/files(under:excluding:include:)``)
    /// or a file named on its own (which wins over the same file found by a scan).
    mutating func add(_ argument: String) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
            addDirectory(argument)
        } else {
            let real = ExactPath(OutputPlan.resolve(argument))
            if found[real] == nil || scanned.contains(real) {
                found[real] = BatchInput(path: argument, outputKey: InputList.stem(of: argument), realPath: real.text)
                scanned.remove(real)
            }
        }
    }

    /// Adds the audio files found under the directory `argument`, and an entry that fails by
    /// name for each directory in it that cannot be read. A file named on its own keeps its
    /// entry; one found by two nested directory arguments takes the inner one's key. Notes the
    /// directory, and whether it held nothing.
    private mutating func addDirectory(_ argument: String) {
        directories.append(argument)
        let (inside, unreadable) = InputList.files(under: argument, excluding: excluded, include: include)
        if inside.isEmpty && unreadable.isEmpty { emptyDirectories.append(argument) }
        for (relative, reason) in unreadable {
            // What it holds is unknown: it fails by name, instead of its files being left out unsaid.
            let path = relative.isEmpty ? argument : (argument as NSString).appendingPathComponent(relative)
            let real = ExactPath(OutputPlan.resolve(path))
            found[real] = BatchInput(path: path, outputKey: relative, realPath: real.text,
                                     conflict: "cannot read the directory '\(path)': \(reason), so its audio files cannot be found")
            scanned.insert(real)
            roots[real] = argument
        }
        for relative in inside {
            let path = (argument as NSString).appendingPathComponent(relative)
            let real = ExactPath(OutputPlan.resolve(path))
            let key = (relative as NSString).deletingPathExtension
            if let prior = found[real] {
                if !scanned.contains(real) { continue }   // named explicitly: that wins
                // Found by two directory arguments, one inside the other: the inner one's
                // (shorter) key, whatever the order of the arguments.
                if prior.outputKey.utf8.count < key.utf8.count
                    || (prior.outputKey.utf8.count == key.utf8.count && prior.path.utf8.lexicographicallyPrecedes(path.utf8)) { continue }
            }
            found[real] = BatchInput(path: path, outputKey: key, realPath: real.text)
            if let problem = InputList.undecodableName(path) { found[real]?.conflict = problem }
            scanned.insert(real)
            roots[real] = argument
        }
    }

    /// Gives inputs that would share an output directory distinct keys
    /// (``InputList/distinguishSharedStems(_:scanned:)``, ``InputList/distinguishSharedScans(_:roots:)``).
    /// Runs before the filters below, which must know the keys.
    mutating func distinguishSharedNames() {
        InputList.distinguishSharedStems(&found, scanned: scanned)
        InputList.distinguishSharedScans(&found, roots: roots.filter { scanned.contains($0.key) })
    }

    /// Leaves out the scanned files that are this run's own earlier outputs: with `-o` equal to
    /// a scanned directory, they sit in `<output>/<key>/` of another input. Only files named as
    /// the tool names its sources (source_<i>.<ext>) are: other audio there (x.wav beside a
    /// folder x/ of takes) is an input like any other.
    mutating func dropOwnOutputs() {
        let keys = Set(found.values.map { ExactPath($0.outputKey) })
        let under = Array((excluded + "/").utf8)
        let scanned = scanned
        found = found.filter { real, _ in
            guard scanned.contains(real), real.bytes.starts(with: under) else { return true }
            let inside = String(decoding: real.bytes.dropFirst(under.count), as: UTF8.self)
            return !(keys.contains(ExactPath(PathName.parent(of: inside)))
                     && SeparateCommand.isSourceFile((inside as NSString).lastPathComponent))
        }
    }

    /// Leaves out an earlier run's results elsewhere in a scanned directory (`-o data/k8`, then
    /// `data -o data/k12`), unless the directory itself is an argument or an `--include` pattern
    /// asks for sources by their name (`source_*`, `*source*`; `*.wav` does not).
    /// - Returns: the folders left out (``InputList/holdsOnlyResults(_:)``), sorted by bytes.
    mutating func dropEarlierResults() -> [String] {
        guard !include.contains(where: { $0.contains("source") }) else { return [] }
        var skipped: [String] = []
        let given = Set(directories.map { ExactPath(OutputPlan.resolve($0)) })
        var verdicts: [String: Bool] = [:]
        let scanned = scanned
        found = found.filter { real, input in
            guard scanned.contains(real), SeparateCommand.isSourceFile((input.path as NSString).lastPathComponent) else { return true }
            let folder = PathName.directory(of: input.path)
            if verdicts[folder] == nil {
                verdicts[folder] = !given.contains(ExactPath(OutputPlan.resolve(folder))) && InputList.holdsOnlyResults(folder)
                if verdicts[folder]! { skipped.append(folder) }
            }
            return !verdicts[folder]!
        }
        return skipped.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The error when the arguments yield no input at all: which directories were searched for
    /// what, and why some of what they hold was not taken.
    func nothingFound(outputRoot: String, skippedResults: [String]) -> CLIError {
        let names = directories.map { "'\($0)'" }.joined(separator: ", ")
        // The output directory is never searched: say so when it lies in one of them.
        let skipped = directories.contains { excluded.utf8.starts(with: (OutputPlan.resolve($0) + "/").utf8) }
            ? "; the output directory '\(outputRoot)' inside it is not searched" : ""
        let results = skippedResults.isEmpty ? ""
            : "; \(InputList.resultsPhrase(skippedResults)) were left out: name them, or their directories, to separate them"
        return CLIError.runtime("no audio files\(InputList.matching(include)) in the directory \(names) (looked for \(InputList.extensionList)\(skipped)\(results))")
    }
}
