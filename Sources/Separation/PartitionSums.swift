/// Per-cluster sums of a partition of feature vectors, so that moving one point changes the
/// k-means cost by an amount computed in O(d) instead of recomputing the whole cost in O(n·d).
///
/// The cost is Σ_c (Σ_{i∈c} |x_i|² − |Σ_{i∈c} x_i|² / n_c), as `MinimumCostPartition.cost`
/// computes it. Used by `ComponentGrouping.enforceMinimumShare` for many components, where
/// the full recomputation per candidate move made the repair O(K³·d) (K = 800 took 145 s).
struct PartitionSums {
    let points: [[Double]]
    let norms: [Double]
    let weights: [Double]
    private(set) var labels: [Int]
    private(set) var sums: [[Double]]
    private(set) var squares: [Double]
    private(set) var counts: [Int]
    /// The summed weights (energy shares) of each cluster.
    private(set) var shares: [Double]

    /// - Parameters:
    ///   - points: n feature vectors of equal dimension d.
    ///   - labels: each point's cluster in 0..<`clusters`.
    ///   - weights: each point's weight (its energy share).
    init(points: [[Float]], labels: [Int], weights: [Double], clusters: Int) {
        self.points = points.map { $0.map(Double.init) }
        norms = self.points.map { $0.reduce(0) { $0 + $1 * $1 } }
        self.weights = weights
        self.labels = labels
        let d = points.first?.count ?? 0
        sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: clusters)
        squares = [Double](repeating: 0, count: clusters)
        counts = [Int](repeating: 0, count: clusters)
        shares = [Double](repeating: 0, count: clusters)
        for (i, c) in labels.enumerated() { add(i, to: c, sign: 1) }
    }

    private mutating func add(_ i: Int, to c: Int, sign: Double) {
        for j in points[i].indices { sums[c][j] += sign * points[i][j] }
        squares[c] += sign * norms[i]
        counts[c] += sign > 0 ? 1 : -1
        shares[c] += sign * weights[i]
    }

    /// Cluster c's term of the cost with its sums changed by ± point i (sign 0: unchanged).
    private func term(_ c: Int, _ i: Int, sign: Double) -> Double {
        let n = counts[c] + (sign > 0 ? 1 : sign < 0 ? -1 : 0)
        guard n > 0 else { return 0 }
        var s2 = 0.0
        for j in sums[c].indices { let v = sums[c][j] + sign * points[i][j]; s2 += v * v }
        return squares[c] + sign * norms[i] - s2 / Double(n)
    }

    /// The change of the cost when point `i` moves to cluster `b`.
    func delta(moving i: Int, to b: Int) -> Double {
        let a = labels[i]
        guard a != b else { return 0 }
        return term(a, i, sign: -1) + term(b, i, sign: 1) - term(a, i, sign: 0) - term(b, i, sign: 0)
    }

    /// Moves point `i` to cluster `b`.
    mutating func move(_ i: Int, to b: Int) {
        let a = labels[i]
        guard a != b else { return }
        add(i, to: a, sign: -1)
        add(i, to: b, sign: 1)
        labels[i] = b
    }
}
