/// The partition of n points into S non-empty clusters, each holding at least a given share of
/// the points' weights, with the smallest k-means cost (within-cluster sum of squares), found by
/// depth-first branch and bound.
///
/// Points are assigned one at a time (heaviest first) as a restricted growth string (point i
/// opens at most one new cluster, so each partition is visited once, not S! times). A branch is
/// cut when its cost so far, which only grows as points are added (adding x to a cluster of m
/// points with mean μ adds m/(m + 1)·|x − μ|²), reaches the best complete partition's, or when
/// the weight left cannot bring every cluster up to its share or the points left cannot open
/// the clusters still empty. Exact when it finishes within its node budget; the grouping falls
/// back to k-means and its repair otherwise (QUALITY.md, "Exact minimum-share grouping").
/// - Complexity: O(nodes · S · d) with nodes ≤ the node budget (`workBudget` / (S·d) by
///   default, so at most about 5·10⁷ feature reads); without cuts, the number of
///   partitions is the Stirling number {n S} (1,023 for n = 11, S = 2; 86,526 for n = 12,
///   S = 3).
enum MinimumCostPartition {
    /// Work allowed to one search, in feature reads (a node costs about S·d of them: each of
    /// its ≤ S children reads the d features once), about 0.1–0.2 s. The grouping's searches
    /// (4 components per source, 14 features) finish far below it up to 5 sources (measured on a
    /// trio: 300 nodes for 3 sources, 9,600 for 4, 24,000 for 5, 770,000 for 6, against about
    /// 570,000 allowed at 6; 8 sources exhaust it). Long feature vectors (activation profiles of
    /// `.activations` grouping, one value per frame) allow proportionally fewer nodes.
    static let workBudget = 50_000_000

    /// The node budget `search` uses by default: `workBudget` / (S·d) (at least 1).
    static func defaultNodeBudget(clusters: Int, dimensions: Int) -> Int {
        let (work, overflow) = max(1, clusters).multipliedReportingOverflow(by: max(1, dimensions))
        return overflow ? 1 : max(1, workBudget / work)
    }

    /// The result of `search`.
    struct Result: Equatable {
        /// The cluster (0..<S) of every point.
        var labels: [Int]
        /// Its within-cluster sum of squares.
        var cost: Double
        /// Whether the search finished, so that no feasible partition costs less.
        var exact: Bool
    }

    /// Searches the partitions of `points` into `clusters` clusters.
    /// - Parameters:
    ///   - points: n feature vectors of equal dimension d (finite).
    ///   - weights: n non-negative weights (component energies), normalised here to sum to one.
    ///   - clusters: S, 1 ≤ S ≤ n.
    ///   - minimumShare: the smallest fraction of the total weight every cluster must hold.
    ///   - incumbent: a partition to beat (e.g. k-means' after its repair); kept when none
    ///     costs less, so that ties keep it. Ignored when it is not feasible.
    ///   - nodeBudget: search nodes visited at most (`nil`: `defaultNodeBudget`); the best
    ///     partition found so far is returned when it runs out (`exact` false).
    /// - Returns: the cheapest feasible partition found, or `nil` when none is feasible (or none
    ///   was found within the budget and the incumbent is not feasible), or the input is
    ///   degenerate (no points, S outside 1...n, a count mismatch, a total weight that is not
    ///   positive and finite).
    static func search(_ points: [[Float]], weights: [Double], clusters: Int, minimumShare: Double,
                       incumbent: [Int]? = nil, nodeBudget: Int? = nil) -> Result? {
        let n = points.count
        let total = weights.reduce(0, +)
        guard n > 0, clusters >= 1, clusters <= n, weights.count == n, total > 0, total.isFinite else { return nil }
        let budget = nodeBudget ?? defaultNodeBudget(clusters: clusters, dimensions: points[0].count)
        var state = SearchState(points: points, weights: weights.map { max($0, 0) / total }, clusters: clusters,
                                minimumShare: minimumShare, nodeBudget: budget)
        if let start = incumbent, start.count == n, state.isFeasible(start) {
            state.bestLabels = start
            state.bestCost = Self.cost(points, start, clusters: clusters)
        }
        state.descend(0, cost: 0, opened: 0)
        guard let labels = state.bestLabels else { return nil }
        return Result(labels: labels, cost: Self.cost(points, labels, clusters: clusters), exact: state.nodes <= budget)
    }

    /// Within-cluster sum of squares of `labels` (each in 0..<clusters).
    static func cost(_ points: [[Float]], _ labels: [Int], clusters: Int) -> Double {
        let d = points.first?.count ?? 0
        var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: clusters)
        var squares = [Double](repeating: 0, count: clusters)
        var counts = [Int](repeating: 0, count: clusters)
        for (x, l) in zip(points, labels) {
            counts[l] += 1
            for j in 0..<d { let v = Double(x[j]); sums[l][j] += v; squares[l] += v * v }
        }
        var total = 0.0
        for c in 0..<clusters where counts[c] > 0 {
            total += squares[c] - sums[c].reduce(0) { $0 + $1 * $1 } / Double(counts[c])
        }
        return total
    }
}

/// The mutable state of one `MinimumCostPartition.search`.
private struct SearchState {
    let points: [[Double]]
    let weights: [Double]
    let order: [Int]
    /// Weight of the points not yet assigned, after position i of `order`.
    let remainingWeight: [Double]
    let clusters: Int
    let need: Double
    let nodeBudget: Int
    var sums: [[Double]]
    var counts: [Int]
    var shares: [Double]
    var labels: [Int]
    var bestLabels: [Int]?
    var bestCost = Double.infinity
    var nodes = 0

    init(points: [[Float]], weights: [Double], clusters: Int, minimumShare: Double, nodeBudget: Int) {
        self.points = points.map { $0.map(Double.init) }
        self.weights = weights
        // Heaviest first: the share bound cuts early. Ties in index order, for determinism.
        order = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        var rest = [Double](repeating: 0, count: order.count + 1)
        for i in stride(from: order.count - 1, through: 0, by: -1) { rest[i] = rest[i + 1] + weights[order[i]] }
        remainingWeight = rest
        self.clusters = clusters
        // A small tolerance so that a share equal to the minimum up to rounding counts as met.
        need = minimumShare - 1e-12
        self.nodeBudget = nodeBudget
        let d = points.first?.count ?? 0
        sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: clusters)
        counts = [Int](repeating: 0, count: clusters)
        shares = [Double](repeating: 0, count: clusters)
        labels = [Int](repeating: 0, count: points.count)
    }

    /// What a partition must cost to replace the best one: a relative 1e-9 less, so that ties
    /// (up to rounding) keep the incumbent.
    var bound: Double { bestCost.isFinite ? bestCost - 1e-9 * max(1, abs(bestCost)) : .infinity }

    func isFeasible(_ l: [Int]) -> Bool {
        var c = [Int](repeating: 0, count: clusters), s = [Double](repeating: 0, count: clusters)
        for (i, label) in l.enumerated() {
            guard label >= 0, label < clusters else { return false }
            c[label] += 1
            s[label] += weights[i]
        }
        return c.allSatisfy { $0 > 0 } && s.allSatisfy { $0 >= need }
    }

    /// Assigns the point at position `depth` of `order` to every admissible cluster in turn.
    mutating func descend(_ depth: Int, cost: Double, opened: Int) {
        nodes += 1
        if nodes > nodeBudget { return }
        let n = order.count
        if depth == n {
            if opened == clusters && cost < bound && shares.allSatisfy({ $0 >= need }) {
                bestCost = cost
                bestLabels = labels
            }
            return
        }
        // Cuts: the clusters still empty need a point each, and every cluster its share.
        if clusters - opened > n - depth { return }
        var deficit = 0.0
        for c in 0..<clusters { deficit += max(0, need - shares[c]) }
        if deficit > remainingWeight[depth] + 1e-12 { return }
        let p = order[depth], x = points[p], w = weights[p]
        for c in 0..<min(opened + 1, clusters) {
            let m = Double(counts[c])
            var added = 0.0
            if m > 0 {
                for j in 0..<x.count { let t = x[j] - sums[c][j] / m; added += t * t }
                added *= m / (m + 1)
            }
            guard cost + added < bound else { continue }
            for j in 0..<x.count { sums[c][j] += x[j] }
            counts[c] += 1
            shares[c] += w
            labels[p] = c
            descend(depth + 1, cost: cost + added, opened: max(opened, c + 1))
            for j in 0..<x.count { sums[c][j] -= x[j] }
            counts[c] -= 1
            shares[c] -= w
            if nodes > nodeBudget { return }
        }
    }
}
