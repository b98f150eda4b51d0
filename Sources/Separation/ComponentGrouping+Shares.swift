import DSPCore

/// The minimum energy share of the grouping: every source holds at least a share of the
/// components' energy (see `ComponentGrouping.minimumShareFraction`).
extension ComponentGrouping {
    /// Repairs a clustering so that every cluster is non-empty and holds at least
    /// `minimumShare` of the (normalised) energy, then lowers its k-means cost by
    /// single-component moves that keep that property. Returns `labels` unchanged when they
    /// already satisfy it and no move is needed, or when it cannot be satisfied.
    static func enforceMinimumShare(_ labels: [Int], features: [[Float]], energy: [Double], clusters: Int,
                                    minimumShare: Double) -> [Int] {
        let n = labels.count
        guard clusters > 1, n > clusters, minimumShare > 0, energy.reduce(0, +) > 0 else { return labels }
        func shares(_ l: [Int]) -> [Double] {
            var s = [Double](repeating: 0, count: clusters)
            for (i, c) in l.enumerated() { s[c] += energy[i] }
            return s
        }
        func counts(_ l: [Int]) -> [Int] {
            var s = [Int](repeating: 0, count: clusters)
            for c in l { s[c] += 1 }
            return s
        }
        func feasible(_ l: [Int]) -> Bool {
            MinimumCostPartition.meetsShares(l, weights: energy, clusters: clusters, minimumShare: minimumShare)
        }
        if feasible(labels) { return labels }
        if n > exactRepairLimit {
            return repairWithSums(labels, features: features, energy: energy, clusters: clusters, minimumShare: minimumShare)
        }
        var l = labels
        var repairs = 0
        while !feasible(l) && repairs < 4 * n {
            repairs += 1
            let sh = shares(l), cn = counts(l)
            let poor = sh.indices.min { sh[$0] < sh[$1] }!
            let base = MinimumCostPartition.cost(features, l, clusters: clusters)
            var pick = -1
            var pickScore = Double.infinity
            for i in 0..<n where l[i] != poor && cn[l[i]] > 1 {
                var t = l
                t[i] = poor
                let score = (MinimumCostPartition.cost(features, t, clusters: clusters) - base) / max(energy[i], 1e-9)
                if score < pickScore { pickScore = score; pick = i }
            }
            if pick < 0 { break }
            l[pick] = poor
        }
        guard feasible(l) else { return labels }
        var cost = MinimumCostPartition.cost(features, l, clusters: clusters)
        var improved = true
        while improved {
            improved = false
            for i in 0..<n {
                for c in 0..<clusters where c != l[i] {
                    var t = l
                    t[i] = c
                    guard feasible(t) else { continue }
                    let tc = MinimumCostPartition.cost(features, t, clusters: clusters)
                    if tc < cost - 1e-9 { l = t; cost = tc; improved = true }
                }
            }
        }
        return l
    }

    /// Up to this many components the share repair recomputes the whole cost for every move
    /// considered (as it always did, so the usual separations keep their bits); beyond it,
    /// `repairWithSums` does the same moves' arithmetic in O(d) each.
    static let exactRepairLimit = 64

    /// `enforceMinimumShare` for many components: the same greedy repair (at most 4·K moves
    /// into the poorest cluster, each the cheapest per unit of energy) and single-component
    /// improving moves that keep the shares, at most 50 passes, with costs changed through
    /// `PartitionSums`. O(K·(S + K)·d) per pass instead of O(K²·S·K·d).
    static func repairWithSums(_ labels: [Int], features: [[Float]], energy: [Double], clusters: Int,
                               minimumShare: Double) -> [Int] {
        let n = labels.count
        var p = PartitionSums(points: features, labels: labels, weights: energy, clusters: clusters)
        func feasible() -> Bool { p.counts.allSatisfy { $0 > 0 } && p.shares.allSatisfy { $0 >= minimumShare - 1e-12 } }
        var repairs = 0
        while !feasible() && repairs < 4 * n {
            repairs += 1
            let poor = p.shares.indices.min { p.shares[$0] < p.shares[$1] }!
            var pick = -1, pickScore = Double.infinity
            for i in 0..<n where p.labels[i] != poor && p.counts[p.labels[i]] > 1 {
                let score = p.delta(moving: i, to: poor) / max(energy[i], 1e-9)
                if score < pickScore { pickScore = score; pick = i }
            }
            if pick < 0 { break }
            p.move(pick, to: poor)
        }
        guard feasible() else { return labels }
        for _ in 0..<50 {
            var improved = false
            for i in 0..<n {
                let a = p.labels[i]
                // Leaving a must keep it non-empty and above the share; the others only gain.
                guard p.counts[a] > 1, p.shares[a] - energy[i] >= minimumShare - 1e-12 else { continue }
                var best = a, bestDelta = -1e-9
                for c in 0..<clusters where c != a {
                    let d = p.delta(moving: i, to: c)
                    if d < bestDelta { bestDelta = d; best = c }
                }
                if best != a { p.move(i, to: best); improved = true }
            }
            if !improved { break }
        }
        return p.labels
    }
}
