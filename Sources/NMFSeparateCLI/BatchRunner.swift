import Foundation
import NMFSeparation

/// Separates every input of the command line: files and directories, `--shard`, `--jobs`
/// files at a time, `--skip-existing`. One failing file is reported and the others still run.
struct BatchRunner {
    let options: CommandLineOptions
    let command: SeparateCommand

    /// The outcome of the batch.
    struct Outcome {
        /// Files separated, skipped and failed.
        var succeeded = 0, skipped = 0, failed = 0
        /// The exit status: 0 when nothing failed, 64 when only usage errors did, 1 otherwise.
        var status: Int32 = 0
    }

    /// Runs the batch; with `--json` prints one JSON line per file, in the order of the sorted
    /// input list, each as soon as its file and every file before it have finished.
    /// - Throws: `CLIError` when the inputs cannot form a batch (before anything runs).
    func run() throws -> Outcome {
        // `-`: standard input, copied to a file first (a separation reads its input twice).
        var arguments = options.inputs
        var spool: StdinSpool?
        if let i = arguments.firstIndex(of: "-") {
            guard arguments.filter({ $0 == "-" }).count == 1 else { throw CLIError.usage("'-' (standard input) is given twice (allowed: once)") }
            spool = try StdinSpool()
            arguments[i] = spool!.path
        }
        defer { spool?.remove() }
        let expanded = try InputList.expand(arguments, outputRoot: options.outputDirectory, standardInput: spool?.path,
                                            include: options.include)
        var inputs = expanded.inputs
        let emptied = expanded.emptyDirectories
        var worker = command
        worker.batchInputs = Set(inputs.map { OutputPlan.entry(of: $0.realPath) })
        if let shard = options.shard { inputs = shard.select(inputs) }
        let jobs = max(1, min(options.jobs, inputs.count))
        // Files in parallel share the cores (results do not depend on the thread count).
        if jobs > 1 && options.threads == nil { worker.configuration.threadCount = max(1, Parallel.defaultThreadCount / jobs) }
        worker.parallelFiles = jobs
        let board = ProgressBoard(total: inputs.count, quiet: options.quiet, plainLines: options.progress)
        if !expanded.skippedResults.isEmpty && !options.quiet {
            // A warning, shown on a pipe too: a dataset's own source_<i> files must not drop out unsaid.
            board.message("nmf-separate: warning: \(InputList.resultsPhrase(expanded.skippedResults)) are left out "
                          + "(name them, or their directories, to separate them)")
        }
        let queue = WorkQueue(inputs: inputs, worker: worker, json: options.json, quiet: options.quiet, board: board)
        if jobs == 1 {
            queue.drain()
        } else {
            // Threads of our own: Dispatch would cap the parallel files at the core count.
            let done = DispatchSemaphore(value: 0)
            for _ in 0..<jobs {
                let thread = Thread {
                    queue.drain()
                    done.signal()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            for _ in 0..<jobs { done.wait() }
        }
        let outcome = queue.finish()
        if spool?.directory != nil && outcome.status == 0 && !options.quiet {
            let left = StdinSpool.leftovers()
            if !left.isEmpty {
                // Said after a batch that succeeded (a failure stays one line).
                let shown = left.prefix(3).joined(separator: ", ") + (left.count > 3 ? ", …" : "")
                StandardError.write("nmf-separate: warning: \(NSTemporaryDirectory()) holds copies of standard input that killed runs left (\(shown)); remove them\n")
            }
        }
        if !options.include.isEmpty && !emptied.isEmpty && outcome.status == 0 && !options.quiet {
            // Said after a batch that succeeded (a failure stays one line): a mistyped pattern
            // must not drop a directory unsaid.
            StandardError.write("nmf-separate: warning: no audio files\(InputList.matching(options.include)) in \(emptied.map { "'\($0)'" }.joined(separator: ", "))\n")
        }
        return outcome
    }
}

/// The shared state of a batch's workers: the next input, the outcome, and stdout/stderr
/// writes, all under one lock.
final class WorkQueue: @unchecked Sendable {
    private let inputs: [BatchInput]
    private let worker: SeparateCommand
    private let json: Bool
    /// `--quiet`: no warnings either.
    private let quiet: Bool
    private let board: ProgressBoard
    private let lock = PThreadLock()
    private var next = 0
    private var outcome = BatchRunner.Outcome()
    /// JSON lines of files that finished before an earlier file did, by input index.
    private var pendingLines: [Int: String] = [:]
    /// The index of the next JSON line to print.
    private var nextLine = 0

    init(inputs: [BatchInput], worker: SeparateCommand, json: Bool, quiet: Bool, board: ProgressBoard) {
        self.inputs = inputs
        self.worker = worker
        self.json = json
        self.quiet = quiet
        self.board = board
        if json { SignalCleanup.shared.addFinalizer { [weak self] in self?.flushPendingLines() } }
    }

    /// Prints the JSON lines still held back (files that finished while an earlier one was
    /// running), in input order: on a signal, so that what was separated is reported.
    private func flushPendingLines() {
        lock.withLock {
            for index in pendingLines.keys.sorted() { board.output(pendingLines[index]!) }
            pendingLines.removeAll()
        }
    }

    /// An input's name on its progress line: the file's name, or with the directories that tell
    /// it apart when its output key has them (`a/mix.wav`, `b/mix.wav` in a batch of mixtures
    /// all named mix.wav); `-` for standard input.
    private func label(of input: BatchInput) -> String {
        if input.name != input.path { return input.name }
        let ext = (input.path as NSString).pathExtension
        return input.outputKey.contains("/") ? input.outputKey + (ext.isEmpty ? "" : "." + ext) : (input.path as NSString).lastPathComponent
    }

    /// Separates inputs until none is left.
    func drain() {
        while let index = take() {
            let input = inputs[index]
            let progress = board.begin(label: label(of: input), index: index + 1)
            var line: JSONValue
            var failure: CLIError?
            var skipped = false
            var notes: [String] = [], warnings: [String] = [], directory: String?
            do {
                if let conflict = input.conflict { throw CLIError.runtime(conflict) }
                let result = try worker.run(input: input, progress: progress)
                line = result.report
                skipped = result.skipped
                notes = result.notes
                warnings = result.warnings
                directory = result.directory
            } catch {
                let e = error as? CLIError ?? .runtime("'\(input.name)': \(error)")
                failure = e
                line = .object([("input", .string(input.name)), ("status", .string("failed")), ("error", .string(e.message))])
            }
            progress.finish(failure != nil ? "failed" : skipped ? "skipped" : "done", destination: directory)
            lock.withLock {
                if let failure {
                    outcome.failed += 1
                    outcome.status = outcome.status == 1 || failure.exitCode == 1 ? 1 : failure.exitCode
                    board.message("nmf-separate: \(failure.message)")
                } else if skipped {
                    outcome.skipped += 1
                } else {
                    outcome.succeeded += 1
                    notes.forEach(board.note)
                    if !quiet { warnings.forEach(board.message) }
                }
                if json {
                    // In the input list's order, whatever the order in which --jobs finish the files.
                    pendingLines[index] = line.text
                    while let text = pendingLines.removeValue(forKey: nextLine) {
                        board.output(text)
                        nextLine += 1
                    }
                }
            }
        }
    }

    private func take() -> Int? {
        lock.withLock {
            guard next < inputs.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// Closes the progress display, reports a batch with failures in one line, and returns the outcome.
    func finish() -> BatchRunner.Outcome {
        board.close()
        let total = inputs.count
        if total > 1 && outcome.failed > 0 {
            board.message("nmf-separate: \(outcome.failed) of \(total) files failed (\(outcome.succeeded) separated, \(outcome.skipped) skipped)")
        }
        return outcome
    }
}
