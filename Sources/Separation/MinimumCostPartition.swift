/// The partition of n points into S non-empty clusters, each holding at least a given share of
/// the points' weights, with the smallest k-means cost (within-cluster sum of squares), found by
/// depth-first branch and bound.
///
/// Points are assigned one at a time (heaviest first) as a restricted growth string (point i
/// opens at most one new cluster, so each partition is visited once, not S! times). A branch is
/// cut when its cost so far, which only grows as points are added (adding x to a cluster of m
/// points with mean μ adds m/(m + 1)·|x − μ|²), reaches the best complete partition's, or when
/// the weight left cannot bring every cluster up to its share or the points left cannot open
/// the clusters still empty. Exact when it finishes within its node budget; otherwise the best
/// partition found, never costlier than the incumbent it was given (QUALITY.md, "Exact
/// minimum-share grouping").
/// - Complexity: O(nodes · S · d) with nodes ≤ the node budget (`workBudget` / (S·d) by
///   default, so at most about 5·10⁷ feature reads); without cuts, the number of
///   partitions is the Stirling number {n S} (1,023 for n = 11, S = 2; 86,526 for n = 12,
///   S = 3).
enum MinimumCostPartition {
    /// Work allowed to one search, in feature reads (a node costs about S·d of them: each of
    /// its ≤ S children reads the d features once), about 0.1–0.2 s. The searches of `.timbre`
    /// and `.percussive` grouping (4 components per source, 14–15 features) finish far below it
    /// up to 5 sources (measured on a trio: 300 nodes for 3 sources, 9,600 for 4, 24,000 for 5,
    /// 770,000 for 6, against about 600,000 allowed at 6; 8 sources exhaust it). The long
    /// feature vectors of `.activations` and `.combined` grouping (pooled activation profiles,
    /// up to about 8,000 values) allow proportionally fewer nodes: about 3,000 for 2 sources.
    static let workBudget = 50_000_000

    /// Most points searched: the search recurses once per point, and beyond a few dozen points
    /// it could not be exhaustive anyway. With more, `search` returns the incumbent as it is.
    static let maxPoints = 256

    /// The node budget `search` uses by default.
    /// - Parameters:
    ///   - clusters: S (values below 1 count as 1).
    ///   - dimensions: d, the length of the feature vectors (values below 1 count as 1).
    /// - Returns: `workBudget` / (S·d), at least 1 (1 when S·d overflows).
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
    ///   - points: n feature vectors of equal dimension d, finite.
    ///   - weights: n non-negative weights (component energies), normalised here to sum to one.
    ///   - clusters: S, 1 ≤ S ≤ n.
    ///   - minimumShare: the smallest fraction of the total weight every cluster must hold.
    ///   - incumbent: a partition to beat (e.g. k-means' after its repair); kept when none
    ///     costs less, so that ties keep it. Ignored when it is not feasible.
    ///   - nodeBudget: search nodes visited at most (`nil`: `defaultNodeBudget`); the best
    ///     partition found so far is returned when it runs out (`exact` false).
    /// - Returns: the cheapest feasible partition found, or `nil` when none is feasible (or none
    ///   was found within the budget and the incumbent is not feasible), or the input is
    ///   degenerate (no points, S outside 1...n, a count mismatch, vectors of unequal length,
    ///   a non-finite feature, a negative or non-finite weight, or weights summing to 0). A
    ///   budget of at most n nodes cannot reach a complete partition, and more than `maxPoints`
    ///   points are not searched: the incumbent is then returned as it is (`exact` false).
    /// - Complexity: O(nodes · S · d + n · d).
    static func search(_ points: [[Float]], weights: [Double], clusters: Int, minimumShare: Double,
                       incumbent: [Int]? = nil, nodeBudget: Int? = nil) -> Result? {
        let n = points.count
        let total = weights.reduce(0, +)
        guard n > 0, clusters >= 1, clusters <= n, weights.count == n, total > 0, total.isFinite,
              weights.allSatisfy({ $0 >= 0 }) else { return nil }
        let d = points[0].count
        guard points.allSatisfy({ $0.count == d && $0.allSatisfy(\.isFinite) }) else { return nil }
        let budget = nodeBudget ?? defaultNodeBudget(clusters: clusters, dimensions: d)
        var state = SearchState(points: points, weights: weights.map { $0 / total }, clusters: clusters,
                                minimumShare: minimumShare, nodeBudget: budget)
        if let start = incumbent, start.count == n, state.isFeasible(start) {
            state.bestLabels = start
            state.bestCost = Self.cost(points, start, clusters: clusters)
        }
        // A complete partition takes n + 1 nodes; with fewer, searching is wasted work.
        guard budget > n, n <= maxPoints else {
            return state.bestLabels.map { Result(labels: $0, cost: state.bestCost, exact: false) }
        }
        state.descend(0, cost: 0, opened: 0)
        guard let labels = state.bestLabels else { return nil }
        return Result(labels: labels, cost: Self.cost(points, labels, clusters: clusters), exact: state.nodes <= budget)
    }

    /// Whether `labels` puts every point in a cluster of 0..<`clusters`, leaves none empty and
    /// gives each at least `minimumShare` of `weights` (less a 1e-12 rounding tolerance).
    /// - Parameters:
    ///   - labels: the cluster of each point.
    ///   - weights: the points' weights, normalised to sum to one.
    ///   - clusters: S.
    ///   - minimumShare: the smallest share of the weights a cluster must hold.
    /// - Complexity: O(n + S).
    static func meetsShares(_ labels: [Int], weights: [Double], clusters: Int, minimumShare: Double) -> Bool {
        var counts = [Int](repeating: 0, count: clusters), shares = [Double](repeating: 0, count: clusters)
        for (i, label) in labels.enumerated() {
            guard label >= 0, label < clusters else { return false }
            counts[label] += 1
            shares[label] += weights[i]
        }
        return counts.allSatisfy { $0 > 0 } && shares.allSatisfy { $0 >= minimumShare - 1e-12 }
    }

    /// Within-cluster sum of squares of a partition: Σ_c Σ_{i ∈ c} |x_i − μ_c|², computed as
    /// Σ_c (Σ|x_i|² − |Σ x_i|² / n_c) in double precision.
    /// - Parameters:
    ///   - points: n feature vectors of equal dimension.
    ///   - labels: the cluster of each point, each in 0..<`clusters`.
    ///   - clusters: S.
    /// - Complexity: O(n·d + S·d).
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
    /// The points in double precision.
    let points: [[Double]]
    /// Their weights, summing to one.
    let weights: [Double]
    /// The order in which points are assigned: heaviest first.
    let order: [Int]
    /// remainingWeight[i]: the weight of the points at positions i, i + 1, … of `order`.
    let remainingWeight: [Double]
    /// S.
    let clusters: Int
    /// The minimum share, and the same less a rounding tolerance.
    let minimumShare: Double, need: Double
    /// Nodes visited at most.
    let nodeBudget: Int
    /// Per cluster: the sum of its points, its point count and its weight.
    var sums: [[Double]]
    var counts: [Int]
    var shares: [Double]
    var labels: [Int]
    var bestLabels: [Int]?
    var bestCost = Double.infinity
    var nodes = 0

    /// The state before the first point is assigned (no partition to beat yet).
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
        self.minimumShare = minimumShare
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

    /// Whether `l` labels every point with a cluster in 0..<S, leaves none empty and gives
    /// each its share.
    func isFeasible(_ l: [Int]) -> Bool {
        MinimumCostPartition.meetsShares(l, weights: weights, clusters: clusters, minimumShare: minimumShare)
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
            counts[c] -= 1
            if counts[c] == 0 {
                // Exactly empty again (subtracting would leave a few ulps behind).
                for j in 0..<x.count { sums[c][j] = 0 }
                shares[c] = 0
            } else {
                for j in 0..<x.count { sums[c][j] -= x[j] }
                shares[c] -= w
            }
            if nodes > nodeBudget { return }
        }
    }
}
