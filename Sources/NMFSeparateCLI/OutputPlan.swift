import Foundation
import NMFSeparation

/// Where the sources of one input go, and the temporary files they are written to first.
///
/// Sources are written under hidden temporary names in the destination directory and
/// renamed into place only when every one of them is complete, so a failure or an
/// interruption never leaves a partial output behind.
final class OutputPlan {
    let directory: String
    let finalPaths: [String]
    let temporaryPaths: [String]
    private var committed = false
    private let force: Bool
    /// What makes this plan's hidden names unique: the process id and a random number.
    private let tag: String
    /// Directories this plan created (deepest last), removed again on rollback when empty.
    private var createdDirectories: [String] = []

    /// Plans the outputs `outputRoot/<outputKey>/<name>` of `input`.
    /// - Parameters:
    ///   - names: the output file names, e.g. `source_1.wav`, `spectrogram.png`.
    ///   - batchInputs: the directory entries (`entry(of:)`) of every input of the batch, none
    ///     of which an output may replace (an earlier run's source given as another input).
    ///   - existingAdvice: what the refusal of an existing output (without `force`) tells the user.
    /// - Throws: `CLIError.runtime` when outputs exist (without `force`), an output would
    ///   overwrite the input or another input of the batch, an output is a directory, or the
    ///   directory cannot be created.
    init(input: String, outputRoot: String, outputKey: String, names: [String], force: Bool,
         batchInputs: Set<DirectoryEntry> = [], existingAdvice: String = "(use --force to overwrite)") throws {
        let dir = (outputRoot as NSString).appendingPathComponent(outputKey)
        directory = dir
        self.force = force
        finalPaths = names.map { (dir as NSString).appendingPathComponent($0) }
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        self.tag = tag
        temporaryPaths = names.map { (dir as NSString).appendingPathComponent(Self.hiddenName(of: $0, tag: tag, suffix: "tmp")) }
        let fm = FileManager.default
        let inputEntry = Self.entry(of: input)
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir), !isDir.boolValue {
            throw CLIError.runtime("output directory '\(directory)' exists and is not a directory")
        }
        createdDirectories = try Self.makeDirectories(dir)
        SignalCleanup.shared.registerDirectories(createdDirectories)
        if access(directory, W_OK) != 0 {
            throw CLIError.runtime("output directory '\(directory)' is not writable")
        }
        for path in finalPaths {
            let entry = Self.entry(of: path)
            if entry == inputEntry {
                throw CLIError.runtime("output '\(path)' would overwrite the input '\(input)'; choose another --output")
            }
            if batchInputs.contains(entry) {
                throw CLIError.runtime("output '\(path)' would overwrite another input of this run; choose another --output")
            }
            switch Self.occupant(of: path) {
            case .directory: throw CLIError.runtime("output '\(path)' exists and is a directory")
            case .special: throw CLIError.runtime("output '\(path)' \(Self.specialFileRefusal)")
            case .file: if !force { throw CLIError.runtime("output '\(path)' already exists \(existingAdvice)") }
            case nil: break
            }
        }
        SignalCleanup.shared.register(temporaryPaths)
    }

    /// Refuses an `--output` that cannot be the directory the sources go under: an existing file,
    /// or a name that does not exist yet and ends in an audio extension (`-o result.wav`
    /// created a directory called result.wav), before any file is read.
    /// - Throws: `CLIError.usage` naming the value and what `--output` is.
    static func checkRoot(_ outputDirectory: String) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: outputDirectory, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue {
            throw CLIError.usage("--output '\(outputDirectory)' is a file (allowed: a directory, created if missing; the sources go to DIR/<input stem>/source_<i>.<ext>)")
        }
        let ext = (outputDirectory as NSString).pathExtension.lowercased()
        if !exists, InputList.audioExtensions.contains(ext) {
            throw CLIError.usage("--output '\(outputDirectory)' looks like an audio file name (allowed: a directory, created if missing; the sources go to DIR/<input stem>/source_<i>.<ext>; create it first to use that name)")
        }
    }

    /// The hidden name beside output `name` of a file being written (`suffix` "tmp") or of an
    /// output set aside while `--force` replaces it ("old"): `.<name>.<pid>-<n>.<suffix>`, the
    /// process id and a random number of the run making up `tag`.
    static func hiddenName(of name: String, tag: String, suffix: String) -> String { ".\(name).\(tag).\(suffix)" }

    /// The output and the process id in a name ``hiddenName(of:tag:suffix:)`` made (suffix
    /// "tmp" or "old"); nil for any other name.
    static func parseHiddenName(_ name: String) -> (output: String, pid: pid_t)? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") || name.hasSuffix(".old") else { return nil }
        let parts = name.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, let tag = parts.last else { return nil }
        let fields = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0, UInt32(fields[1]) != nil else { return nil }
        return (parts.dropLast().joined(separator: "."), pid)
    }

    /// The final paths of `names` under `outputRoot/<outputKey>`, as `init` would plan them.
    static func paths(outputRoot: String, outputKey: String, names: [String]) -> [String] {
        let dir = (outputRoot as NSString).appendingPathComponent(outputKey)
        return names.map { (dir as NSString).appendingPathComponent($0) }
    }

    /// Moves every temporary file to its final name, under the signal lock so that an
    /// interruption sees either the temporary files or the finished outputs.
    ///
    /// Without `force` each move is a `link` + `unlink` (`Placement.moveWithoutReplacing`), which
    /// fails instead of replacing a file that appeared since the plan was made (another run); with `force` an existing output is
    /// first renamed to a hidden backup, then the new one renamed into place. If a move fails,
    /// the outputs already moved are removed and the backups renamed back, so the directory
    /// holds what it held before; after the last move the backups are removed.
    func commit() throws {
        // Another process committing into the same directory waits on this lock, so every
        // run's set of sources lands together (flock on the directory itself: no lock file).
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { flock(fd, LOCK_EX) }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        let failure = SignalCleanup.shared.withLock { moveIntoPlace() }
        if let failure {
            rollback()   // outside the signal lock: rollback takes it too
            throw CLIError.runtime(failure)
        }
        committed = true
        SignalCleanup.shared.unregister(temporaryPaths)
        SignalCleanup.shared.unregisterDirectories(createdDirectories)
    }

    /// The moves of `commit` (call with the signal lock held): each temporary file to its final
    /// name, an existing output set aside first with `force`. On a failure the moves so far are
    /// undone and what was set aside is put back.
    /// - Returns: the failure's message, or nil when every output is in place.
    private func moveIntoPlace() -> String? {
        var moved: [(path: String, backup: String?)] = []
        var failure: String?
        for (tmp, dst) in zip(temporaryPaths, finalPaths) {
            let aside = force ? setAside(dst) : (backup: nil, failure: nil)
            if let f = aside.failure { failure = f; break }
            let error = force ? (rename(tmp, dst) == 0 ? nil : errno) : Placement.moveWithoutReplacing(tmp, to: dst)
            if let error {
                let reason = error == EEXIST ? "it already exists (use --force to overwrite)" : String(cString: strerror(error))
                if let b = aside.backup { rename(b, dst) }
                failure = "cannot write '\(dst)': \(reason)"
                break
            }
            moved.append((dst, aside.backup))
        }
        for m in moved.reversed() {
            if failure != nil {
                unlink(m.path)
                if let b = m.backup { rename(b, m.path) }
            } else if let b = m.backup {
                unlink(b)
            }
        }
        return failure
    }

    /// Renames an existing output `dst` to a hidden backup beside it, so that a failed commit can
    /// put it back: nothing to do when it does not exist, a failure when it is a directory (one
    /// that appeared since the plan was made is not ours to move away) or cannot be renamed.
    private func setAside(_ dst: String) -> (backup: String?, failure: String?) {
        var info = stat()
        guard lstat(dst, &info) == 0 else { return (nil, nil) }
        if info.st_mode & S_IFMT == S_IFDIR { return (nil, "cannot write '\(dst)': it is a directory") }
        let backup = (directory as NSString).appendingPathComponent(Self.hiddenName(of: (dst as NSString).lastPathComponent, tag: tag, suffix: "old"))
        guard rename(dst, backup) == 0 else { return (nil, "cannot replace '\(dst)': \(String(cString: strerror(errno)))") }
        return (backup, nil)
    }

    /// Removes the temporary files (after a failure).
    func rollback() {
        for tmp in temporaryPaths { unlink(tmp) }
        for dir in createdDirectories.reversed() { rmdir(dir) }
        SignalCleanup.shared.unregisterDirectories(createdDirectories)
        createdDirectories = []
        SignalCleanup.shared.unregister(temporaryPaths)
    }

    deinit { if !committed { rollback() } }

    /// Why an output name held by a FIFO, device or socket is refused (after "output 'X' ").
    static let specialFileRefusal = "is a FIFO, device or socket (allowed: a regular file or a new name; it is never replaced, even with --force)"

    /// What already occupies an output path.
    enum Occupant {
        /// A file, or any other entry that is not a directory (a dangling symbolic link too: a
        /// link onto it fails and a rename replaces it).
        case file
        /// A directory, or a symbolic link to one.
        case directory
        /// A FIFO, a device or a socket (not a link to one: a rename replaces the link only):
        /// never replaced, since a rename would put a regular file in its place (as root, over
        /// /dev/null).
        case special
    }

    /// What occupies `path`, nil when nothing does.
    static func occupant(of path: String) -> Occupant? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let type = info.st_mode & S_IFMT
        if type == S_IFIFO || type == S_IFCHR || type == S_IFBLK || type == S_IFSOCK { return .special }
        var target = stat()
        return stat(path, &target) == 0 && target.st_mode & S_IFMT == S_IFDIR ? .directory : .file
    }

    /// A directory entry: the device and inode of the directory holding it (after `resolve`)
    /// and its name, byte for byte. Two paths with the same entry are one file's name, also
    /// when they reach it through a bind mount or differ in Unicode normalisation, which
    /// comparing resolved paths as strings misses (with `--force` an input seen through a bind
    /// mount was replaced by its own source); a hard link elsewhere is another entry, which a
    /// rename replaces without touching the file.
    struct DirectoryEntry: Hashable {
        let device: UInt64
        let inode: UInt64
        let name: ExactPath
    }

    /// The directory entry `path` names once symbolic links are resolved (when its directory
    /// cannot be examined, the resolved path stands in for it).
    static func entry(of path: String) -> DirectoryEntry {
        let real = resolve(path)
        var info = stat()
        let name = ExactPath((real as NSString).lastPathComponent)
        guard stat(PathName.directory(of: real), &info) == 0 else { return DirectoryEntry(device: 0, inode: 0, name: ExactPath(real)) }
        return DirectoryEntry(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), name: name)
    }

    /// The canonical absolute path of `path`, resolving symlinks and `..` in the part that exists.
    ///
    /// The part that does not exist is appended as given; when not even the working directory
    /// resolves (it was removed), the path comes back relative to `.`.
    static func resolve(_ path: String) -> String {
        if let r = realpath(path, nil) {
            defer { free(r) }
            return String(cString: r)
        }
        let next = PathName.directory(of: path)
        guard next != path else { return path }
        return (resolve(next) as NSString).appendingPathComponent((path as NSString).lastPathComponent)
    }

    /// `mkdir -p`: creates `path` and missing parents; returns the directories it created.
    /// A failure throws "cannot create `what` '…': reason".
    ///
    /// A parent that vanishes in between (another job of the batch rolling back the
    /// directories it created) is made again: the walk restarts a few times on `ENOENT`.
    static func makeDirectories(_ path: String, naming what: String = "output directory") throws -> [String] {
        var created: [String] = []
        for attempt in 0..<8 {
            var missing: [String] = []
            var p = path
            while !p.isEmpty, p != "/", access(p, F_OK) != 0 {
                missing.append(p)
                p = PathName.parent(of: p)
            }
            var vanished = false
            for dir in missing.reversed() {
                if mkdir(dir, 0o777) == 0 {
                    created.append(dir)
                } else if errno == ENOENT && attempt < 7 {
                    vanished = true
                    break
                } else if errno != EEXIST {
                    let reason = String(cString: strerror(errno))
                    for d in created.reversed() { rmdir(d) }
                    throw CLIError.runtime("cannot create \(what) '\(dir)': \(reason)")
                }
            }
            if !vanished { break }
        }
        return created
    }
}
