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
    let outputKey: String
}

/// Expands the command's INPUT arguments into the sorted list of files to separate.
enum InputList {
    /// Extensions picked up when a directory is given (files given by name are always tried).
    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "aif", "aiff", "aifc", "au", "snd",
                                               "caf", "w64", "rf64", "mp3", "opus"]

    /// Files given by name stay as they are (a missing one fails later, on its own); directories
    /// are searched recursively for audio files (hidden files and directories skipped). The
    /// result is sorted by path and has no duplicates, so `--shard` splits are deterministic.
    /// - Throws: `CLIError.usage` when two inputs would write to the same output directory.
    static func expand(_ arguments: [String]) throws -> [BatchInput] {
        var found: [String: BatchInput] = [:]
        var emptyDirectories: [String] = []
        let fm = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
                let inside = files(under: argument)
                if inside.isEmpty { emptyDirectories.append(argument) }
                for relative in inside {
                    let path = (argument as NSString).appendingPathComponent(relative)
                    found[path] = BatchInput(path: path, outputKey: (relative as NSString).deletingPathExtension)
                }
            } else {
                found[argument] = BatchInput(path: argument, outputKey: stem(of: argument))
            }
        }
        let sorted = found.values.sorted { $0.path < $1.path }
        if sorted.isEmpty {
            let names = emptyDirectories.map { "'\($0)'" }.joined(separator: ", ")
            throw CLIError.runtime("no audio files in the directory \(names) (looked for \(audioExtensions.sorted().map { "." + $0 }.joined(separator: " ")))")
        }
        var owners: [String: String] = [:]
        for input in sorted {
            if let other = owners[input.outputKey] {
                throw CLIError.usage("inputs '\(other)' and '\(input.path)' would both write to '<output>/\(input.outputKey)'; separate them in two runs with different --output")
            }
            owners[input.outputKey] = input.path
        }
        return sorted
    }

    /// The file name without its extension (the whole name when that would be empty).
    static func stem(of path: String) -> String {
        let name = (path as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        return stem.isEmpty ? name : stem
    }

    /// Audio files below `directory`, as sorted relative paths.
    static func files(under directory: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                continue
            }
            guard audioExtensions.contains((name as NSString).pathExtension.lowercased()) else { continue }
            let full = (directory as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append(relative)
            }
        }
        return out.sorted()
    }
}
