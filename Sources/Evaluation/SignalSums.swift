/// Sums over the samples of `Float` signals, accumulated in `Double` in sample order — the inner
/// products and distances that the evaluation's energies are made of.
enum SignalSums {
    /// Σ x[t]·y[t] over `range` (all samples when nil).
    static func dot(_ x: [Float], _ y: [Float], in range: Range<Int>? = nil) -> Double {
        var s = 0.0
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            for t in range ?? 0..<xp.count { s += Double(xp[t]) * Double(yp[t]) }
        } }
        return s
    }

    /// Σ (x[t] − y[t])² over `range` (all samples when nil).
    static func distance(_ x: [Float], _ y: [Float], in range: Range<Int>? = nil) -> Double {
        var s = 0.0
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            for t in range ?? 0..<xp.count { let d = Double(xp[t]) - Double(yp[t]); s += d * d }
        } }
        return s
    }
}
