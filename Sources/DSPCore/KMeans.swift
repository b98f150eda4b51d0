/// k-means clustering (Lloyd 1982) with k-means++ seeding (Arthur & Vassilvitskii 2007),
/// deterministic for a given seed.
package enum KMeans {
    /// Clusters `points` (each a feature vector of equal length) into `k` non-empty clusters.
    ///
    /// Runs `restarts` seeded k-means++ initialisations, each refined by Lloyd iterations
    /// until the assignment no longer changes (at most 100), and keeps the one with the
    /// smallest within-cluster sum of squares.
    /// - Parameters:
    ///   - points: n vectors of the same dimension d, n ≥ k, finite coordinates.
    ///   - k: number of clusters, 1...n.
    ///   - seed: seed of the generator.
    ///   - restarts: number of initialisations (default 10).
    /// - Returns: the cluster index (0..<k) of every point; every cluster is non-empty. When no
    ///   initialisation reaches a finite within-cluster sum of squares (a NaN or infinite
    ///   coordinate, or squared distances beyond `Float.greatestFiniteMagnitude`), the result is
    ///   empty (`[]`): check for it when the points may not be finite, unless k = n.
    /// - Precondition: 1 ≤ k ≤ n and all points have the same dimension (the process stops with
    ///   a message naming the values otherwise).
    /// - Complexity: O(restarts · iterations · n · k · d).
    package static func cluster(_ points: [[Float]], k: Int, seed: UInt64, restarts: Int = 10) -> [Int] {
        let n = points.count
        require(k >= 1 && k <= n, "k-means needs 1 ≤ k ≤ number of points (k = \(k), \(n) points)")
        if let d = points.first?.count, let i = points.firstIndex(where: { $0.count != d }) {
            fatalError("k-means points must have equal dimensions (points[0] has \(d), points[\(i)] has \(points[i].count))")
        }
        if k == n { return Array(0..<n) }
        var rng = SeededGenerator(seed: seed)
        var best: [Int] = []
        var bestCost = Float.infinity
        for _ in 0..<max(1, restarts) {
            var centers = seedCenters(points, k: k, rng: &rng)
            var labels = [Int](repeating: -1, count: n)
            for _ in 0..<100 {
                var changed = false
                for i in 0..<n {
                    let l = nearest(points[i], centers).index
                    if l != labels[i] { labels[i] = l; changed = true }
                }
                fillEmptyClusters(points, &labels, k: k, centers: centers)
                centers = means(points, labels, k: k)
                if !changed { break }
            }
            var cost: Float = 0
            for i in 0..<n { cost += distance(points[i], centers[labels[i]]) }
            if cost < bestCost {
                bestCost = cost
                best = labels
            }
        }
        return best
    }

    static func distance(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for i in 0..<a.count { let d = a[i] - b[i]; s += d * d }
        return s
    }

    static func nearest(_ p: [Float], _ centers: [[Float]]) -> (index: Int, distance: Float) {
        var best = 0
        var bestD = Float.infinity
        for (c, center) in centers.enumerated() {
            let d = distance(p, center)
            if d < bestD { bestD = d; best = c }
        }
        return (best, bestD)
    }

    static func seedCenters(_ points: [[Float]], k: Int, rng: inout SeededGenerator) -> [[Float]] {
        let n = points.count
        var centers = [points[Int(rng.next() % UInt64(n))]]
        while centers.count < k {
            let d = points.map { nearest($0, centers).distance }
            let total = d.reduce(0, +)
            if !(total > 0) {
                // All remaining points coincide with a centre: take the first unused index.
                centers.append(points[centers.count])
                continue
            }
            var target = rng.nextUnitFloat() * total
            var pick = n - 1
            for i in 0..<n {
                target -= d[i]
                if target <= 0 && d[i] > 0 { pick = i; break }
            }
            centers.append(points[pick])
        }
        return centers
    }

    static func means(_ points: [[Float]], _ labels: [Int], k: Int) -> [[Float]] {
        let d = points[0].count
        var sums = [[Float]](repeating: [Float](repeating: 0, count: d), count: k)
        var counts = [Int](repeating: 0, count: k)
        for (p, l) in zip(points, labels) {
            counts[l] += 1
            for j in 0..<d { sums[l][j] += p[j] }
        }
        for c in 0..<k where counts[c] > 0 { for j in 0..<d { sums[c][j] /= Float(counts[c]) } }
        return sums
    }

    /// Moves the point farthest from its centre into each empty cluster.
    static func fillEmptyClusters(_ points: [[Float]], _ labels: inout [Int], k: Int, centers: [[Float]]) {
        for c in 0..<k where !labels.contains(c) {
            var counts = [Int](repeating: 0, count: k)
            for l in labels { counts[l] += 1 }
            var far = -1
            var farD: Float = -1
            for i in 0..<points.count where counts[labels[i]] > 1 {
                let d = distance(points[i], centers[labels[i]])
                if d > farD { farD = d; far = i }
            }
            if far >= 0 { labels[far] = c }
        }
    }
}
