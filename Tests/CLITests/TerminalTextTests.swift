import Testing
import Foundation
@testable import NMFSeparateCLI

/// File names reach the terminal in messages, the progress bar and eval's table: control
/// characters are shown as escapes, and widths are counted in terminal columns.
@Suite struct TerminalTextTests {
    @Test func controlCharactersAreShownAsEscapes() {
        #expect(TerminalText.escaped("plain name.wav") == "plain name.wav")
        #expect(TerminalText.escaped("no\nsuch.wav") == "no\\nsuch.wav")
        #expect(TerminalText.escaped("esc\u{1B}[31mred\t\r\u{07}\u{7F}\u{85}.wav") == "esc\\e[31mred\\t\\r\\x07\\x7F\\u{85}.wav")
        #expect(TerminalText.escaped("日本語 é") == "日本語 é")
        #expect(TerminalText.escaped("abc\u{202E}vaw.exe\u{2028}") == "abc\\u{202E}vaw.exe\\u{2028}")
    }

    @Test func widthsCountTerminalColumns() {
        #expect(TerminalText.width("abc") == 3)
        #expect(TerminalText.width("日本語") == 6)
        #expect(TerminalText.width("e\u{301}") == 1)   // e + combining acute: one character, one column
        #expect(TerminalText.width("🎵") == 2)
        #expect(TerminalText.prefix("日本語abc", columns: 5) == "日本")
        #expect(TerminalText.prefix("abc", columns: 10) == "abc")
    }

    @Test func longNamesKeepTheirStartAndEnd() {
        let a = TerminalText.fitted("speaker_recording_session_A.wav", columns: 20)
        let b = TerminalText.fitted("speaker_recording_session_B.wav", columns: 20)
        #expect(a != b && a.hasSuffix("_A.wav") && a.contains("…") && TerminalText.width(a) <= 20)
        #expect(TerminalText.fitted("short.wav", columns: 20) == "short.wav")
        let cjk = TerminalText.padded("日本語の推定音源ファイル.wav", columns: 20)
        #expect(TerminalText.width(cjk) == 20 && cjk.trimmingCharacters(in: .whitespaces).hasSuffix(".wav"))
        #expect(TerminalText.width(TerminalText.padded("a", columns: 20)) == 20)
    }

    /// A name with a newline broke the one-line error over two lines.
    @Test func errorsNamingOddFilesStayOneLine() throws {
        let r = try CLIRunner.run(["no\nsuch\u{1B}[31m.wav", "-s", "2"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("'no\\nsuch\\e[31m.wav' does not exist"), "\(r.stderr)")
    }
}
