import Foundation

/// `--shard i/n`: the part of a sorted input list one process of n handles.
struct Shard: Equatable {
    /// This process's index, 0 ≤ index < count (0-based, like a Kubernetes completion index).
    let index: Int
    /// The number of shards.
    let count: Int

    /// Parses `i/n`.
    /// - Throws: `CLIError.usage` naming the value and the allowed form.
    init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 1_000_000, i >= 0, i < n else {
            throw CLIError.usage("--shard '\(text)' is not a shard (allowed: i/n with 0 ≤ i < n ≤ 1000000, e.g. 0/4)")
        }
        index = i
        count = n
    }

    /// The elements of `items` (already sorted) at positions ≡ index (mod count): the shards
    /// of one list are disjoint and together hold every element exactly once.
    func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}

/// One file to separate and the subdirectory of the output root its sources go to.
struct BatchInput: Equatable {
    /// The path as given, or found under a directory argument.
    let path: String
    /// Output subdirectory relative to `--output`: the stem of a file argument, or the path
    /// below a directory argument without its extension (so `songs/live/a.wav` → `live/a`).
    var outputKey: String
    /// The canonical path (`OutputPlan.resolve`), by which `InputList.expand` keeps each file once.
    let realPath: String
    /// Set when an earlier input of the batch already writes to `outputKey`: this one fails
    /// on its own with that message instead of overwriting the other's sources.
    var conflict: String?
    /// The input's name in messages and reports: its path, or `-` for standard input's copy.
    var name: String

    init(path: String, outputKey: String, realPath: String, conflict: String? = nil, name: String? = nil) {
        self.path = path
        self.outputKey = outputKey
        self.realPath = realPath
        self.conflict = conflict
        self.name = name ?? path
    }
}

/// A path compared byte for byte. Swift's `String` equality is Unicode canonical equivalence,
/// under which `café` spelt with é and with e + U+0301 is one name; on Linux they are two files.
struct ExactPath: Hashable {
    let bytes: [UInt8]
    init(_ text: String) { bytes = Array(text.utf8) }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Expands the command's INPUT arguments into the sorted list of files to separate.
enum InputList {
    /// Extensions picked up when a directory is given (files given by name are always tried).
    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "aif", "aiff", "aifc", "au", "snd",
                                               "caf", "w64", "rf64", "mp3", "opus"]
    /// ``audioExtensions`` as messages list them: ".aif .aifc …".
    static var extensionList: String { audioExtensions.sorted().map { "." + $0 }.joined(separator: " ") }

    /// Files given by name stay as they are (a missing one fails later, on its own); directories
    /// are searched recursively for audio files (hidden entries, symbolic links to directories
    /// and the output directory itself skipped, so a re-run never separates its own outputs,
    /// nor, unless an `include` pattern names sources, the sources in directories below the
    /// arguments that hold only an earlier run's results).
    /// The result is sorted by path and holds each file once (by real path), so `--shard`
    /// splits are deterministic. Inputs whose output directory an earlier one already uses
    /// are kept with a `conflict` message.
    /// - Parameters:
    ///   - outputRoot: `--output`, excluded from directory scans.
    ///   - standardInput: the copy of standard input that stands for `-` among the arguments:
    ///     named `-`, its output key `stdin` whatever the other inputs' stems, and first in
    ///     the list (so it wins a shared output directory, and `--shard` places it as first).
    ///   - include: `--include`: shell patterns that a file found in a directory must match
    ///     (one of them, by its name); files named on their own are always taken.
    /// - Throws: `CLIError.runtime` when directories were given and nothing at all was found.
    /// - Returns: the inputs; the directories given that held no audio file (or none that
    ///   `include` takes), which the caller may warn about when other inputs remain; and the
    ///   directories found that hold only an earlier separation's results
    ///   (``holdsOnlyResults(_:)``) inside a directory argument, whose sources are left out
    ///   unless an `include` pattern names sources (contains `source`).
    static func expand(_ arguments: [String], outputRoot: String, standardInput: String? = nil,
                       include: [String] = []) throws -> (inputs: [BatchInput], emptyDirectories: [String], skippedResults: [String]) {
        var scan = InputScan(outputRoot: outputRoot, include: include)
        for argument in arguments where argument != standardInput { scan.add(argument) }
        scan.distinguishSharedNames()
        scan.dropOwnOutputs()
        let skippedResults = scan.dropEarlierResults()
        // By bytes: two names that differ only in Unicode normalisation are two files (and
        // String's order would leave their order, and so the shards, to the hash seed).
        var sorted = scan.found.values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        if let copy = standardInput {
            sorted.insert(BatchInput(path: copy, outputKey: "stdin", realPath: OutputPlan.resolve(copy), name: "-"), at: 0)
        }
        if sorted.isEmpty { throw scan.nothingFound(outputRoot: outputRoot, skippedResults: skippedResults) }
        markConflicts(&sorted, outputRoot: outputRoot)
        return (sorted, scan.emptyDirectories, skippedResults)
    }

    /// Whether `folder` looks like the output directory of one earlier separation: its visible
    /// files are all names the separation writes (``SeparateCommand/isToolOutput(_:)``: sources,
    /// factors, figures), its sources are numbered 1, 2, … without a gap, and its subdirectories
    /// (the results of inputs in a folder of the same stem: `x.wav` beside `x/y.wav`) hold
    /// nothing else either (``isResultTree(_:depth:)``).
    static func holdsOnlyResults(_ folder: String) -> Bool {
        guard let (files, subdirectories) = visibleEntries(folder),
              files.allSatisfy(SeparateCommand.isToolOutput), subdirectories.allSatisfy({ isResultTree($0) }) else { return false }
        let numbers = Set(files.filter(SeparateCommand.isSourceFile).compactMap { Int(($0 as NSString).deletingPathExtension.dropFirst("source_".count)) })
        return !numbers.isEmpty && numbers == Set(1...numbers.count)
    }

    /// Whether every visible file below `directory` (up to `depth` levels) is a name the
    /// separation writes; a symbolic link to a directory, or a deeper tree, is not.
    static func isResultTree(_ directory: String, depth: Int = 16) -> Bool {
        guard depth > 0, let (files, subdirectories) = visibleEntries(directory) else { return false }
        return files.allSatisfy(SeparateCommand.isToolOutput) && subdirectories.allSatisfy { isResultTree($0, depth: depth - 1) }
    }

    /// The visible (not hidden) entries of `directory`: file names, and the paths of its real
    /// subdirectories (a symbolic link counts as a file, whatever it points to); nil when unreadable.
    private static func visibleEntries(_ directory: String) -> (files: [String], subdirectories: [String])? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        var files: [String] = [], subdirectories: [String] = []
        for name in names where !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            var st = stat()
            if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { subdirectories.append(path) } else { files.append(name) }
        }
        return (files, subdirectories)
    }

    /// "the sources in 'a/x', an earlier separation's results,", or "the sources in 3 directories
    /// ('a/x', 'a/y', …) that hold only an earlier separation's results", for messages.
    static func resultsPhrase(_ folders: [String]) -> String {
        let shown = folders.prefix(2).map { "'\($0)'" }.joined(separator: ", ") + (folders.count > 2 ? ", …" : "")
        return folders.count == 1 ? "the sources in \(shown), an earlier separation's results,"
            : "the sources in \(folders.count) directories (\(shown)) that hold only an earlier separation's results"
    }

    /// Files named on their own that share a stem (mix/a/mix.wav, mix/b/mix.wav) are told apart
    /// by the names of their directories as given (a/mix, b/mix) when those differ, else by their
    /// extensions when those do (sp.flac, sp.ogg → sp-flac, sp-ogg: one recording in several codecs).
    /// - Parameters:
    ///   - found: the inputs by real path; their `outputKey`s are rewritten.
    ///   - scanned: the real paths found by directory scans (they keep their relative keys).
    static func distinguishSharedStems(_ found: inout [ExactPath: BatchInput], scanned: Set<ExactPath>) {
        var sameStem: [ExactPath: [ExactPath]] = [:]
        for (real, input) in found where !scanned.contains(real) { sameStem[ExactPath(input.outputKey), default: []].append(real) }
        for (_, reals) in sameStem where reals.count > 1 {
            let parents = reals.map { real -> String in
                let given = (PathName.parent(of: found[real]!.path) as NSString).lastPathComponent
                return given == "." || given == ".." ? (PathName.parent(of: real.text) as NSString).lastPathComponent : given
            }
            let extensions = reals.map { (found[$0]!.path as NSString).pathExtension }
            func distinct(_ names: [String]) -> Bool {
                Set(names.map(ExactPath.init)).count == reals.count && !names.contains { $0.isEmpty || $0 == "/" || $0 == "." || $0 == ".." }
            }
            if distinct(parents) {
                for (real, parent) in zip(reals, parents) { found[real]!.outputKey = parent + "/" + found[real]!.outputKey }
            } else if distinct(extensions) {
                for (real, ext) in zip(reals, extensions) { found[real]!.outputKey += "-" + ext }
            }
        }
    }

    /// Files found in different directory arguments at the same relative path (`spk1/001.wav` and
    /// `spk2/001.wav` from the arguments `spk1 spk2`) are told apart by the names of those
    /// directories (`spk1/001`, `spk2/001`) when the names differ; otherwise they keep their
    /// keys and ``markConflicts(_:outputRoot:)`` fails the later one.
    /// - Parameters:
    ///   - found: the inputs by real path; their `outputKey`s are rewritten.
    ///   - roots: the directory argument each scanned input was found in (inputs named on their
    ///     own are not in it).
    static func distinguishSharedScans(_ found: inout [ExactPath: BatchInput], roots: [ExactPath: String]) {
        var sameKey: [ExactPath: [ExactPath]] = [:]
        for real in roots.keys { if let input = found[real] { sameKey[ExactPath(input.outputKey), default: []].append(real) } }
        for (_, reals) in sameKey where reals.count > 1 {
            let names = reals.map { real -> String in
                let given = (roots[real]! as NSString).lastPathComponent
                return given == "." || given == ".." || given == "/" ? (OutputPlan.resolve(roots[real]!) as NSString).lastPathComponent : given
            }
            // Two files of one directory (x.wav, x.flac) share a name: nothing tells them apart here.
            guard Set(names.map(ExactPath.init)).count == reals.count,
                  !names.contains(where: { $0.isEmpty || $0 == "/" || $0 == "." || $0 == ".." }) else { continue }
            for (real, name) in zip(reals, names) { found[real]!.outputKey = name + "/" + found[real]!.outputKey }
        }
    }

    /// Gives every input whose output directory an input sorted before it already uses a
    /// `conflict` message naming both.
    static func markConflicts(_ sorted: inout [BatchInput], outputRoot: String) {
        var owners: [ExactPath: String] = [:]
        for i in sorted.indices where sorted[i].conflict == nil {   // (one that fails anyway writes nothing)
            let key = ExactPath(sorted[i].outputKey)
            if let other = owners[key] {
                sorted[i].conflict = "'\(sorted[i].name)' would write to the same output directory '\((outputRoot as NSString).appendingPathComponent(key.text))' as '\(other)' (first in sorted order); separate it in another run with a different --output"
            } else {
                owners[key] = sorted[i].name   // (`-` for standard input, not its copy's path)
            }
        }
    }

    /// " matching --include 'a' or 'b'" for the patterns `include`, "" for none: how messages
    /// about files not found say which files were looked for.
    static func matching(_ include: [String]) -> String {
        include.isEmpty ? "" : " matching --include " + include.map { "'\($0)'" }.joined(separator: " or ")
    }

    /// What Foundation puts for each byte of a file name that is not UTF-8.
    static let undecodable: Unicode.Scalar = "\u{FFFD}"

    /// The file name without its extension (the whole name when that would be empty or dots only).
    static func stem(of path: String) -> String {
        let name = (path as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        // "..wav" and "...wav" have the stems "." and "..": as folder names they wrote the
        // sources into -o itself or beside it; the whole name is a folder name of its own.
        return stem.isEmpty || stem.allSatisfy({ $0 == "." }) ? name : stem
    }

    /// The message for a file found in a directory whose name is not UTF-8 (Foundation shows
    /// each bad byte as U+FFFD and the shown name opens nothing); nil for any other file.
    static func undecodableName(_ path: String) -> String? {
        guard path.unicodeScalars.contains(undecodable), !FileManager.default.fileExists(atPath: path) else { return nil }
        return "'\(path)': the file name is not valid UTF-8 (shown with \(undecodable)), so it cannot be opened; rename it"
    }

    /// Audio files below `directory`, as sorted relative paths, not descending into hidden
    /// directories, symbolic links to directories, or the directory whose real path is `excluded`;
    /// and the directories that could not be read (relative paths, "" for `directory` itself),
    /// with the reason. With `include` (shell patterns, `ShellPattern`), only the files whose
    /// name matches one of them.
    static func files(under directory: String, excluding excluded: String, include: [String] = []) -> (files: [String], unreadable: [(String, String)]) {
        func unreadable(_ path: String) -> String? {
            access(path, R_OK | X_OK) == 0 ? nil : String(cString: strerror(errno))
        }
        if let reason = unreadable(directory) { return ([], [("", reason)]) }
        let patterns = include.map(ShellPattern.init)
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return ([], [("", "it cannot be listed")]) }
        var out: [String] = [], refused: [(String, String)] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            let type = walker.fileAttributes?[.type] as? FileAttributeType
            let full = (directory as NSString).appendingPathComponent(relative)
            if type == .typeDirectory {
                if name.hasPrefix(".") || OutputPlan.resolve(full) == excluded {
                    walker.skipDescendants()
                } else if let reason = unreadable(full) {
                    // (A file system's lost+found is root's and never holds audio of the user's.)
                    if name != "lost+found" { refused.append((relative, reason)) }
                    walker.skipDescendants()
                }
                continue
            }
            guard !name.hasPrefix("."), audioExtensions.contains((name as NSString).pathExtension.lowercased()),
                  patterns.isEmpty || patterns.contains(where: { $0.matches(name) }) else { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append(relative)
            } else if relative.unicodeScalars.contains(undecodable) {
                out.append(relative)   // a name that is not UTF-8: kept, to fail by name (see `expand`)
            }
        }
        return (out.sorted(), refused)
    }
}
