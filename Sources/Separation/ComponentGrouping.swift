import DSPCore
#if canImport(Glibc)
import Glibc
#endif

/// How NMF components are assigned to sources when there are more components than sources.
public enum GroupingMethod: String, Sendable, CaseIterable {
    /// k-means on the MFCCs of the templates W (timbre clustering, as in nussl's NMF-MFCC;
    /// Spiertz & Gnann 2009 cluster templates by their mel-cepstra).
    case timbre
    /// k-means on the normalised activations H (components that sound together group together).
    case activations
    /// k-means on both feature sets, each scaled to unit norm per component.
    case combined
}

/// Assignment of NMF components to sources.
public enum ComponentGrouping {
    /// K components split into S consecutive groups of nearly equal size (with K = S,
    /// component k is source k).
    public static func consecutive(sources: Int, components: Int) -> [[Int]] {
        (0..<sources).map { Array(Parallel.blockRange($0, of: sources, count: components)) }
    }

    /// Groups the K components of W (bins × K) and H (K × frames) into `sources` non-empty
    /// groups, ordered by the spectral centroid of each group's templates (low to high).
    ///
    /// - Parameters:
    ///   - method: the features clustered.
    ///   - basis: W, bins × K (columns summing to one).
    ///   - activations: H, K × frames.
    ///   - sources: the number of groups S, 1 ≤ S ≤ K.
    ///   - sampleRate: in Hz, for the mel scale.
    ///   - seed: seed of k-means.
    /// - Returns: for each source the sorted component indices.
    public static func group(method: GroupingMethod, basis: Matrix, activations: Matrix, sources: Int,
                             sampleRate: Int, seed: UInt64) -> [[Int]] {
        let k = basis.columns
        if sources == k { return orderByCentroid((0..<k).map { [$0] }, basis: basis, activations: activations) }
        if sources == 1 { return [Array(0..<k)] }
        let timbre = templateMFCC(basis, sampleRate: sampleRate)
        let activity = activationProfiles(activations)
        let features: [[Float]]
        switch method {
        case .timbre: features = timbre
        case .activations: features = activity
        case .combined: features = (0..<k).map { unitNorm(timbre[$0]) + unitNorm(activity[$0]) }
        }
        let labels = KMeans.cluster(features, k: sources, seed: seed)
        var groups = [[Int]](repeating: [], count: sources)
        for (c, l) in labels.enumerated() { groups[l].append(c) }
        return orderByCentroid(groups, basis: basis, activations: activations)
    }

    static func unitNorm(_ x: [Float]) -> [Float] {
        let n = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? x.map { $0 / n } : x
    }

    /// Mel-frequency cepstral coefficients 1...13 of each template (40 triangular mel bands,
    /// HTK mel scale, log, DCT-II): a timbre descriptor independent of the template's gain.
    static func templateMFCC(_ w: Matrix, sampleRate: Int, bands: Int = 40, coefficients: Int = 13) -> [[Float]] {
        let bins = w.rows
        let nyquist = Double(sampleRate) / 2
        func mel(_ f: Double) -> Double { 2595 * log10(1 + f / 700) }
        func hz(_ m: Double) -> Double { 700 * (pow(10, m / 2595) - 1) }
        let top = mel(nyquist)
        let edges = (0...(bands + 1)).map { hz(top * Double($0) / Double(bands + 1)) }
        let binHz = nyquist / Double(max(bins - 1, 1))
        var filters = [[Float]](repeating: [Float](repeating: 0, count: bins), count: bands)
        for b in 0..<bands {
            let lo = edges[b], mid = edges[b + 1], hi = edges[b + 2]
            for i in 0..<bins {
                let f = Double(i) * binHz
                if f > lo && f < hi {
                    filters[b][i] = Float(f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid))
                }
            }
        }
        return (0..<w.columns).map { c in
            let col = Array(w.column(c))
            let energies = filters.map { fl -> Double in
                var s: Float = 0
                for i in 0..<bins { s += fl[i] * col[i] }
                return log(Double(s) + 1e-10)
            }
            return (1...coefficients).map { q in
                var s = 0.0
                for (b, e) in energies.enumerated() { s += e * cos(Double.pi * Double(q) * (Double(b) + 0.5) / Double(bands)) }
                return Float(s)
            }
        }
    }

    /// Each component's activation over time, compressed (square root), smoothed over a few
    /// frames and scaled to unit norm, so that k-means groups components by when they sound.
    static func activationProfiles(_ h: Matrix, maxLength: Int = 4096) -> [[Float]] {
        let k = h.rows, n = h.columns
        let step = max(1, n / maxLength)
        let m = (n + step - 1) / step
        return (0..<k).map { c in
            var x = [Float](repeating: 0, count: m)
            for j in 0..<n { x[j / step] += h[c, j] }
            x = x.map { $0.squareRoot() }
            let mean = x.reduce(0, +) / Float(m)
            return unitNorm(x.map { $0 - mean })
        }
    }

    /// Orders groups by the spectral centroid (in bins) of their activation-weighted templates.
    static func orderByCentroid(_ groups: [[Int]], basis: Matrix, activations: Matrix) -> [[Int]] {
        let gains = (0..<activations.rows).map { c in (0..<activations.columns).reduce(Float(0)) { $0 + activations[c, $1] } }
        func centroid(_ g: [Int]) -> Float {
            var num: Float = 0, den: Float = 0
            for c in g {
                for i in 0..<basis.rows {
                    let x = basis[i, c] * gains[c]
                    num += Float(i) * x
                    den += x
                }
            }
            return den > 0 ? num / den : 0
        }
        let sorted = groups.map { $0.sorted() }
        return sorted.enumerated().sorted { a, b in
            let ca = centroid(a.element), cb = centroid(b.element)
            return ca != cb ? ca < cb : a.offset < b.offset
        }.map(\.element)
    }
}
