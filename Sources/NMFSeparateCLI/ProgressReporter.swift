import Foundation
import NMFSeparation

/// Progress of a run on stderr: a redrawn bar with ETA on a terminal, plain periodic lines
/// with `--progress` when stderr is not a terminal, nothing with `--quiet`.
///
/// One board serves the whole batch; files running in parallel (`--jobs`) report through
/// their own `FileProgress`, and the board shows the most recently updated one together
/// with the batch's count and ETA. Thread-safe.
final class ProgressBoard: @unchecked Sendable {
    enum Mode { case off, terminal, lines }
    let mode: Mode
    let total: Int
    private let lock = PThreadLock()
    private let start = DispatchTime.now().uptimeNanoseconds
    private var finished = 0
    private var active: [ObjectIdentifier: Double] = [:]
    private var lastDraw: UInt64 = 0
    private var lastLine: UInt64 = 0
    private var drawn = false
    /// Seconds between plain progress lines.
    static let lineInterval: UInt64 = 2_000_000_000

    /// - Parameters:
    ///   - total: files in the batch.
    ///   - quiet: `--quiet` (wins over everything).
    ///   - plainLines: `--progress` (lines even when stderr is not a terminal).
    init(total: Int, quiet: Bool, plainLines: Bool) {
        self.total = total
        mode = Self.mode(quiet: quiet, plainLines: plainLines)
    }

    /// Whether `TERM` is `dumb` (an editor's shell buffer, a serial console), which has no
    /// "erase line": such a terminal gets plain lines instead of a bar.
    static var isDumbTerminal: Bool { ProcessInfo.processInfo.environment["TERM"] == "dumb" }

    /// Off with `--quiet`; a bar on a terminal (plain lines on a dumb one); plain lines with
    /// `--progress` otherwise; else off.
    static func mode(quiet: Bool, plainLines: Bool) -> Mode {
        quiet ? .off : isatty(STDERR_FILENO) == 1 ? (isDumbTerminal ? .lines : .terminal) : plainLines ? .lines : .off
    }

    /// Starts following one file (`index` is its 1-based position in the batch).
    func begin(label: String, index: Int) -> FileProgress { FileProgress(board: self, label: TerminalText.escaped(label), index: index) }

    /// Whether notes (choices a run made by itself) go to stderr: where progress does, on a
    /// terminal or with `--progress`, never with `--quiet`; a script reads them from `--json`.
    static func showsNotes(quiet: Bool, plainLines: Bool) -> Bool {
        mode(quiet: quiet, plainLines: plainLines) != .off
    }

    /// Prints a note (see ``showsNotes(quiet:plainLines:)``) without tearing the bar.
    func note(_ text: String) {
        if mode != .off { message(text) }
    }

    /// Prints a whole line (e.g. an error of one file) without tearing the bar.
    func message(_ text: String) {
        lock.withLock {
            clearBar()
            StandardError.write(TerminalText.escaped(text) + "\n")
        }
    }

    /// Prints a line on stdout, clearing the bar first when both go to the same terminal.
    func output(_ text: String) {
        lock.withLock {
            if isatty(STDOUT_FILENO) == 1 { clearBar() }
            StandardOutput.write(text + "\n")
        }
    }

    /// Clears the bar at the end of the run.
    func close() {
        lock.withLock { clearBar() }
    }

    /// Erases the drawn bar (call with the lock held).
    private func clearBar() {
        guard drawn else { return }
        StandardError.write(Self.eraseLine)
        drawn = false
    }

    /// Carriage return and "erase to end of line".
    static let eraseLine = "\r\u{1B}[K"

    /// The width of the terminal on stderr (`TIOCGWINSZ`, read at every draw so that a resize
    /// counts), else `COLUMNS`, else 80.
    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        return 80
    }

    fileprivate func update(_ file: FileProgress, fraction: Double, stage: String) {
        guard mode != .off else { return }
        lock.withLock {
            active[ObjectIdentifier(file)] = fraction
            let now = DispatchTime.now().uptimeNanoseconds
            switch mode {
            case .terminal:
                guard now - lastDraw >= 100_000_000 else { return }
                lastDraw = now
                // Wider than the terminal, the line would wrap and "erase line" would leave its first rows behind.
                let columns = max(Self.terminalColumns() - 1, 1)
                let line = barLine(file, fraction: fraction, stage: stage, now: now, columns: columns)
                StandardError.write(Self.eraseLine + TerminalText.prefix(line, columns: columns))
                drawn = true
            case .lines:
                guard now - lastLine >= Self.lineInterval else { return }
                lastLine = now
                StandardError.write("nmf-separate: " + plainLine(file, fraction: fraction, stage: stage, now: now) + "\n")
            case .off: return
            }
        }
    }

    fileprivate func end(_ file: FileProgress, status: String, destination: String?) {
        guard mode != .off else { return }
        lock.withLock {
            active[ObjectIdentifier(file)] = nil
            finished += 1
            // On a terminal the bar vanishes at the end: a separated file leaves a line saying where
            // its sources went (a failure has its own line; eval's table follows on stdout).
            guard mode == .lines || destination != nil else { return }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - file.start) * 1e-9
            let place = destination.map { " → " + TerminalText.escaped($0) + "/" } ?? ""
            clearBar()
            StandardError.write("nmf-separate: [\(file.index)/\(total)] \(file.label): \(status) after \(Self.duration(seconds))\(place)\n")
        }
    }

    /// The batch's remaining time, from the files done so far as if every file took as long, but
    /// never less than `file`, the remaining time of a file still running (a long file among
    /// short ones would otherwise show the batch ending before it).
    private func batchETA(now: UInt64, atLeast file: Double?) -> Double? {
        let done = Double(finished) + active.values.reduce(0, +)
        guard total > 1, done > 0.02 else { return nil }
        let elapsed = Double(now - start) * 1e-9
        return max(elapsed * (Double(total) - done) / done, file ?? 0)
    }

    /// The bar of `file`; the batch's part only when it fits in `columns` (the caller cuts the rest).
    private func barLine(_ file: FileProgress, fraction: Double, stage: String, now: UInt64, columns: Int) -> String {
        let fileETA = file.eta(fraction: fraction, now: now)
        let count = total > 1 ? "[\(file.index)/\(total)] " : ""
        let tail = " \(Int(fraction * 100))%" + (fileETA.map { " ETA \(Self.duration($0))" } ?? "")
        // On a narrow terminal the label, then the bar, give way, so that the percentage and ETA show.
        let width = max(4, min(24, (columns - count.count - stage.count - tail.count - 8) / 2))
        let filled = min(width, Int(fraction * Double(width)))
        let bar = " \(stage) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        let room = columns - count.count - bar.count - tail.count
        let label = TerminalText.fitted(file.label, columns: max(4, min(32, room)))
        var line = count + label + bar + tail
        if let eta = batchETA(now: now, atLeast: fileETA) {
            let batch = " | batch \(finished)/\(total) done, ETA \(Self.duration(eta))"
            if TerminalText.width(line) + batch.count <= columns { line += batch }
        }
        return line
    }

    private func plainLine(_ file: FileProgress, fraction: Double, stage: String, now: UInt64) -> String {
        var line = "[\(file.index)/\(total)] \(file.label): \(stage) \(Int(fraction * 100))%"
        let fileETA = file.eta(fraction: fraction, now: now)
        if let eta = fileETA { line += ", ETA \(Self.duration(eta))" }
        if let eta = batchETA(now: now, atLeast: fileETA) { line += "; batch ETA \(Self.duration(eta))" }
        return line
    }

    /// `1:05`, `12:03:09` or `4.2 s`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Progress of one file: stage fractions weighted into one fraction of the whole file.
final class FileProgress: @unchecked Sendable {
    let label: String
    let index: Int
    let start = DispatchTime.now().uptimeNanoseconds
    private unowned let board: ProgressBoard

    fileprivate init(board: ProgressBoard, label: String, index: Int) {
        self.board = board
        self.label = label
        self.index = index
    }

    /// Share of a file's time each stage takes (measured on typical runs: the NMF dominates).
    static let weights: [SeparationProgress.Stage: (start: Double, span: Double)] = [
        .analysis: (0, 0.05), .factorization: (0.05, 0.85), .synthesis: (0.9, 0.1),
    ]

    /// Short stage names of the progress line.
    static let stageNames: [SeparationProgress.Stage: String] = [.analysis: "stft", .factorization: "nmf", .synthesis: "masks"]

    /// Reports a stage's progress.
    func update(_ p: SeparationProgress) {
        let w = Self.weights[p.stage] ?? (0, 1)
        board.update(self, fraction: min(1, w.start + w.span * max(0, min(1, p.fraction))),
                     stage: Self.stageNames[p.stage] ?? p.stage.rawValue)
    }

    /// Reports a fraction of the whole job under a stage name of the caller's (e.g. `eval`'s windows).
    func update(fraction: Double, stage: String) {
        board.update(self, fraction: max(0, min(1, fraction)), stage: stage)
    }

    /// The file is done (`status`: "done", "failed", "skipped").
    /// - Parameter destination: the directory its sources went to, when they were written:
    ///   said in the file's last line, on a terminal too.
    func finish(_ status: String, destination: String? = nil) { board.end(self, status: status, destination: destination) }

    fileprivate func eta(fraction: Double, now: UInt64) -> Double? {
        guard fraction > 0.02 else { return nil }
        let elapsed = Double(now - start) * 1e-9
        return elapsed * (1 - fraction) / fraction
    }
}
