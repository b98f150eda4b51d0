import Foundation

/// Text meant for a terminal: file names and messages with their control characters made
/// visible, and widths measured in terminal columns (a CJK character or an emoji takes two,
/// a combining mark none; after Unicode's East Asian Width, UAX #11, approximated by ranges).
enum TerminalText {
    /// `text` with every control character (`isControl`) shown as an escape
    /// (`\n`, `\t`, `\r`, `\e`, `\x07`, `\u{85}`), so that a file name cannot break a message over
    /// lines, move the cursor or colour the terminal.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            guard isControl(u) else { out.unicodeScalars.append(u); continue }
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{1B}": out += "\\e"
            default: out += u.value < 0x80 ? String(format: "\\x%02X", u.value) : "\\u{\(String(u.value, radix: 16, uppercase: true))}"
            }
        }
        return out
    }

    /// C0 and C1 controls, line and paragraph separators, and the bidirectional embeddings,
    /// overrides and isolates, which could break a line or reorder a message on screen.
    static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value) || (0x2028...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value)
    }

    /// Columns `character` takes on a terminal: 0, 1 or 2.
    static func width(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let v = first.value
        if first.properties.generalCategory == .nonspacingMark || first.properties.generalCategory == .enclosingMark
            || (0x200B...0x200F).contains(v) { return 0 }
        if first.properties.isEmojiPresentation || character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        let wide: [ClosedRange<UInt32>] = [0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                                           0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                                           0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }

    /// Columns `text` takes on a terminal.
    static func width(_ text: String) -> Int { text.reduce(0) { $0 + width(of: $1) } }

    /// The longest start of `text` that fits in `columns`.
    static func prefix(_ text: String, columns: Int) -> String {
        var used = 0, end = text.startIndex
        for i in text.indices {
            let w = width(of: text[i])
            if used + w > columns { break }
            used += w
            end = text.index(after: i)
        }
        return String(text[..<end])
    }

    /// `text` itself when it fits in `columns`, else its start and end around "…" (the end
    /// tells files of one recording apart: `speaker_rec…session_A.wav`).
    static func fitted(_ text: String, columns: Int) -> String {
        guard width(text) > columns else { return text }
        guard columns > 1 else { return prefix(text, columns: columns) }
        let head = prefix(text, columns: (columns - 1) / 2)
        var tail = ""
        var used = 0
        for c in text.reversed() {
            let w = width(of: c)
            if used + w > columns - 1 - width(head) { break }
            used += w
            tail.insert(c, at: tail.startIndex)
        }
        return head + "…" + tail
    }

    /// `text` fitted into `columns` and padded with spaces to exactly that width.
    static func padded(_ text: String, columns: Int) -> String {
        let t = fitted(text, columns: columns)
        return t + String(repeating: " ", count: max(0, columns - width(t)))
    }
}
