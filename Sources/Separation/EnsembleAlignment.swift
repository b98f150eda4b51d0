import DSPCore
import Factorization

/// Matches the sources of the runs of an ensemble (`SeparationConfiguration.ensembleSize`),
/// whose order is arbitrary from one factorization to the next, to the sources of the first run.
///
/// Two sources are compared by the cosine similarity of their models Λ = W_g·H_g over every
/// bin and frame. The inner product of two such models needs no bins × frames matrix:
/// ⟨W_a H_a, W_b H_b⟩ = Σ_ij (W_aᵀ W_b)_ij · (H_a H_bᵀ)_ij (the trace identity of
/// tr(H_aᵀ W_aᵀ W_b H_b)), so a comparison costs O(K_a·K_b·(F + N)). Runs of a spatial
/// separation compare their channels' models, Σ_c ⟨q_a,c W_a H_a, q_b,c W_b H_b⟩: each entry of
/// the component Gram matrix is weighted by Σ_c q_a[c, i]·q_b[c, j], so that two sources with
/// one timbre in different places of the image are told apart.
enum EnsembleAlignment {
    /// For every source s of `reference`, the source π[s] of `run` that models the same sound:
    /// the permutation maximising Σ_s cos(Λ_ref,s, Λ_run,π[s]), searched exhaustively up to
    /// seven sources and greedily (the most similar remaining pair first) beyond.
    /// - Parameter fixedSources: the first sources are those of trained dictionaries (and a steady background), whose
    ///   order means something: they stay in place (π[s] = s) and only the others are matched.
    static func permutation(reference: SeparationRun, run: SeparationRun, fixedSources: Int = 0) -> [Int] {
        let s = reference.groups.count
        precondition(run.groups.count == s, "runs of one ensemble have the same number of sources")
        let fixed = min(max(fixedSources, 0), s)
        guard s - fixed > 1 else { return Array(0..<s) }
        let free = Array(fixed..<s)
        let all = similarities(reference, run)
        let similarity = free.map { a in free.map { b in all[a][b] } }
        let local = free.count <= 7 ? bestPermutation(similarity) : greedyPermutation(similarity)
        return Array(0..<fixed) + local.map { free[$0] }
    }

    /// `run` with its groups reordered to match `reference`'s sources (the first
    /// `fixedSources`, from dictionaries or a steady background, stay in place).
    static func aligned(_ run: SeparationRun, to reference: SeparationRun, fixedSources: Int = 0) -> SeparationRun {
        var out = run
        out.groups = permutation(reference: reference, run: run, fixedSources: fixedSources).map { run.groups[$0] }
        return out
    }

    /// The S × S cosine similarities of the source models, `[a][b]` for source a of `x`, b of `y`.
    static func similarities(_ x: SeparationRun, _ y: SeparationRun) -> [[Double]] {
        let cross = weighted(gram(x.factorization, y.factorization), x.channelGains, y.channelGains)
        let selfX = weighted(gram(x.factorization, x.factorization), x.channelGains, x.channelGains)
        let selfY = weighted(gram(y.factorization, y.factorization), y.channelGains, y.channelGains)
        func inner(_ g: [[Double]], _ a: [Int], _ b: [Int]) -> Double {
            var sum = 0.0
            for i in a { for j in b { sum += g[i][j] } }
            return sum
        }
        let normX = x.groups.map { inner(selfX, $0, $0) }, normY = y.groups.map { inner(selfY, $0, $0) }
        return x.groups.indices.map { a in
            y.groups.indices.map { b in
                let d = (normX[a] * normY[b]).squareRoot()
                return d > 0 && d.isFinite ? inner(cross, x.groups[a], y.groups[b]) / d : 0
            }
        }
    }

    /// `g` with entry (i, j) times Σ_c q_x[c, i]·q_y[c, j] when both runs have channel gains
    /// (channels × K) for the same channels; otherwise `g` unchanged.
    static func weighted(_ g: [[Double]], _ qx: Matrix?, _ qy: Matrix?) -> [[Double]] {
        guard let qx, let qy, qx.rows == qy.rows, qx.columns == g.count, qy.columns == g.first?.count ?? 0 else { return g }
        return g.indices.map { i in
            g[i].indices.map { j in g[i][j] * (0..<qx.rows).reduce(0.0) { $0 + Double(qx[$1, i]) * Double(qy[$1, j]) } }
        }
    }

    /// (W_xᵀ W_y) ⊙ (H_x H_yᵀ), K_x × K_y, in double precision: entry (i, j) is the inner
    /// product of component i's model W_x[:, i]·H_x[i, :] with component j's of y.
    static func gram(_ x: NMFResult, _ y: NMFResult) -> [[Double]] {
        let wx = x.basis, wy = y.basis, hx = x.activations, hy = y.activations
        let kx = wx.columns, ky = wy.columns, bins = wx.rows, frames = hx.columns
        var w = [[Double]](repeating: [Double](repeating: 0, count: ky), count: kx)
        var h = w
        wx.storage.withUnsafeBufferPointer { a in
            wy.storage.withUnsafeBufferPointer { b in
                for i in 0..<kx {
                    for j in 0..<ky {
                        var sum = 0.0
                        for f in 0..<bins { sum += Double(a[i * bins + f]) * Double(b[j * bins + f]) }
                        w[i][j] = sum
                    }
                }
            }
        }
        hx.storage.withUnsafeBufferPointer { a in
            hy.storage.withUnsafeBufferPointer { b in
                // H is stored frame by frame (K values per frame).
                for n in 0..<frames {
                    let ax = a.baseAddress! + n * kx, by = b.baseAddress! + n * ky
                    for i in 0..<kx {
                        let v = Double(ax[i])
                        for j in 0..<ky { h[i][j] += v * Double(by[j]) }
                    }
                }
            }
        }
        return (0..<kx).map { i in (0..<ky).map { j in w[i][j] * h[i][j] } }
    }

    /// The permutation maximising Σ_s similarity[s][π[s]] (the first found among equals), by
    /// enumerating all S! of them.
    static func bestPermutation(_ similarity: [[Double]]) -> [Int] {
        let s = similarity.count
        var best = Array(0..<s), bestScore = -Double.infinity
        var current = [Int](), used = [Bool](repeating: false, count: s)
        func extend(_ score: Double) {
            if current.count == s {
                if score > bestScore { bestScore = score; best = current }
                return
            }
            let row = current.count
            for c in 0..<s where !used[c] {
                used[c] = true; current.append(c)
                extend(score + similarity[row][c])
                current.removeLast(); used[c] = false
            }
        }
        extend(0)
        return best
    }

    /// Pairs the most similar remaining (reference source, run source) first.
    static func greedyPermutation(_ similarity: [[Double]]) -> [Int] {
        let s = similarity.count
        var pi = [Int](repeating: -1, count: s), taken = [Bool](repeating: false, count: s)
        for _ in 0..<s {
            var best = (row: -1, column: -1, value: -Double.infinity)
            for r in 0..<s where pi[r] < 0 {
                for c in 0..<s where !taken[c] && (best.row < 0 || similarity[r][c] > best.value) {
                    best = (r, c, similarity[r][c])
                }
            }
            pi[best.row] = best.column
            taken[best.column] = true
        }
        return pi
    }
}
