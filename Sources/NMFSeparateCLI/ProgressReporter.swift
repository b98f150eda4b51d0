import Foundation
import NMFSeparation

/// Draws a one-line progress indicator on stderr when it is a terminal (and not `--quiet`).
final class ProgressReporter {
    let enabled: Bool
    let label: String
    private var lastDraw: UInt64 = 0
    private var lastText = ""

    init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Updates the line; redraws at most ten times a second.
    func update(_ p: SeparationProgress) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let text = "\(label): \(p.stage.rawValue) \(Int(p.fraction * 100))%"
        if text == lastText || (now - lastDraw < 100_000_000 && p.fraction < 1) { return }
        lastDraw = now
        lastText = text
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
