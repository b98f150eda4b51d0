/// The option a mistyped one most likely meant, for "unknown option" messages: `--source` →
/// `--sources`, `--fft` → `--fft-size`, `--iteration` → `--iterations`.
enum OptionSuggestion {
    /// The one option of `options` (spelled with their dashes, e.g. `--sources`) that `token`
    /// most likely means: the only one that `token` begins (3 or more letters after the
    /// dashes), else the only one within an edit distance of 2 (1 for names of up to 4
    /// letters); nil when there is none or more than one.
    static func closest(to token: String, among options: [String]) -> String? {
        let word = token.drop { $0 == "-" }
        guard token.hasPrefix("--"), word.count >= 3 else { return nil }
        let longs = options.filter { $0.hasPrefix("--") }
        let prefixed = longs.filter { $0.dropFirst(2).hasPrefix(word) }
        if prefixed.count == 1 { return prefixed[0] }
        let scored = longs.map { ($0, distance(Array(word), Array($0.dropFirst(2)))) }
        let limit = word.count <= 4 ? 1 : 2
        guard let best = scored.map(\.1).min(), best <= limit else { return nil }
        let ties = scored.filter { $0.1 == best }
        return ties.count == 1 ? ties[0].0 : nil
    }

    /// The restricted Damerau–Levenshtein distance of `a` and `b` (insertions, deletions,
    /// substitutions and transpositions of neighbours each count 1). O(|a|·|b|).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    /// "unknown option 'X' (did you mean Y? see HELP)", or without the guess when there is none.
    static func message(_ what: String, _ token: String, among options: [String], help: String) -> String {
        let guess = closest(to: token, among: options).map { "did you mean \($0)? " } ?? ""
        return "unknown \(what) '\(token)' (\(guess)see \(help))"
    }
}
