/// Exhaustive search of the assignment of estimates to references with the largest total score.
enum PermutationSearch {
    /// The permutation p maximising Σᵢ score[i][p[i]], visiting permutations in lexicographic
    /// order and keeping the first best one (so ties resolve towards the identity).
    ///
    /// Scores should be finite; callers clamp infinities first so that sums stay ordered.
    /// - Parameter score: J × J, `score[i][j]` for reference i and estimate j.
    /// - Returns: for each reference i, the estimate index p[i].
    /// - Complexity: O(J!·J) (40 320·8 steps for J = 8).
    static func best(_ score: [[Double]]) -> [Int] {
        let n = score.count
        var p = Array(0..<n)
        var best = p
        var bestTotal = -Double.infinity
        while true {
            var total = 0.0
            for i in 0..<n { total += score[i][p[i]] }
            if total > bestTotal {
                bestTotal = total
                best = p
            }
            // Next permutation in lexicographic order.
            var i = n - 2
            while i >= 0 && p[i] >= p[i + 1] { i -= 1 }
            if i < 0 { break }
            var j = n - 1
            while p[j] <= p[i] { j -= 1 }
            p.swapAt(i, j)
            p[(i + 1)...].reverse()
        }
        return best
    }
}
