/// A shell pattern, as `--include` takes it, matched against a file name character by
/// character (grapheme clusters), whatever the locale: `*` any run of characters, `?` one
/// character, `[abc]`, `[a-z]` and `[!abc]` (or `[^abc]`) one character of (not of) a set,
/// `\` the next character literally; anything else itself, case-sensitive (POSIX `fnmatch`
/// without flags; `fnmatch` in the C locale took `é` for two characters).
struct ShellPattern {
    private enum Token {
        case literal(Character)
        case one
        case run
        case set(members: [ClosedRange<Character>], negated: Bool)
    }
    private let tokens: [Token]

    /// Parses `text`. A `[` without its closing `]` stands for itself, as in `fnmatch`.
    init(_ text: String) {
        let c = Array(text)
        var tokens: [Token] = [], i = 0
        while i < c.count {
            switch c[i] {
            case "*": tokens.append(.run); i += 1
            case "?": tokens.append(.one); i += 1
            case "\\" where i + 1 < c.count: tokens.append(.literal(c[i + 1])); i += 2
            case "[":
                var j = i + 1
                let negated = j < c.count && (c[j] == "!" || c[j] == "^")
                if negated { j += 1 }
                var members: [ClosedRange<Character>] = [], first = true
                while j < c.count && (c[j] != "]" || first) {
                    first = false
                    if j + 2 < c.count && c[j + 1] == "-" && c[j + 2] != "]" && c[j] <= c[j + 2] {
                        members.append(c[j]...c[j + 2]); j += 3
                    } else {
                        members.append(c[j]...c[j]); j += 1
                    }
                }
                if j < c.count {   // closed: a set
                    tokens.append(.set(members: members, negated: negated)); i = j + 1
                } else {
                    tokens.append(.literal("[")); i += 1
                }
            default: tokens.append(.literal(c[i])); i += 1
            }
        }
        self.tokens = tokens
    }

    /// Whether `name` matches the whole pattern.
    func matches(_ name: String) -> Bool {
        let s = Array(name)
        var t = 0, i = 0
        var star: (token: Int, position: Int)?   // the last `*` and where its run ends so far
        while i < s.count {
            if t < tokens.count, case .run = tokens[t] {
                star = (t, i); t += 1
            } else if t < tokens.count, accepts(tokens[t], s[i]) {
                t += 1; i += 1
            } else if let last = star {
                // Let the last `*` take one more character and try again from there.
                star = (last.token, last.position + 1)
                t = last.token + 1; i = last.position + 1
            } else {
                return false
            }
        }
        while t < tokens.count, case .run = tokens[t] { t += 1 }
        return t == tokens.count
    }

    private func accepts(_ token: Token, _ c: Character) -> Bool {
        switch token {
        case .literal(let l): return l == c
        case .one: return true
        case .run: return false
        case .set(let members, let negated): return members.contains { $0.contains(c) } != negated
        }
    }
}
