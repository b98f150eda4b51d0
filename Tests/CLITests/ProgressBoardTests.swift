import Testing
import Foundation
@testable import NMFSeparateCLI

/// The progress bar's width on a terminal.
@Suite(.serialized) struct ProgressBoardTests {
    /// Without a terminal on stderr (as under `swift test`), the width comes from `COLUMNS`,
    /// else 80; the bar is cut to it so that "erase line" can redraw it in place.
    @Test func terminalWidthFallsBackToColumnsThenEighty() {
        guard isatty(STDERR_FILENO) == 0 else { return }
        let saved = ProcessInfo.processInfo.environment["COLUMNS"]
        defer { if let saved { setenv("COLUMNS", saved, 1) } else { unsetenv("COLUMNS") } }
        setenv("COLUMNS", "57", 1)
        #expect(ProgressBoard.terminalColumns() == 57)
        setenv("COLUMNS", "wide", 1)
        #expect(ProgressBoard.terminalColumns() == 80)
        unsetenv("COLUMNS")
        #expect(ProgressBoard.terminalColumns() == 80)
    }
}
