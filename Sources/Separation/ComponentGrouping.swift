import DSPCore
#if canImport(Glibc)
import Glibc
#endif

/// How NMF components are assigned to sources when there are more components than sources.
public enum GroupingMethod: String, Sendable, CaseIterable {
    /// k-means on the MFCCs of the templates W (timbre clustering, as in nussl's NMF-MFCC;
    /// Spiertz & Gnann 2009 cluster templates by their mel-cepstra) plus each template's
    /// harmonicity (`Harmonicity`, weight `ComponentGrouping.harmonicityWeight`), which tells
    /// harmonic templates from inharmonic ones of similar envelope.
    case timbre
    /// k-means on the normalised activations H (components that sound together group together).
    case activations
    /// k-means on both feature sets, each scaled to unit norm per component.
    case combined
    /// For a drum kit against pitched instruments: k-means on the MFCCs of the templates' spectral envelopes (each template
    /// smoothed over ±300 Hz first, see `ComponentGrouping.envelopeSmoothingHz`, so that notes
    /// of one instrument at different pitches group together) plus each template's harmonicity
    /// (`Harmonicity`, from the raw template) and each component's percussiveness
    /// (median-filtering HPSS, Fitzgerald 2010; see `Percussiveness`), so that drums and
    /// sustained notes of similar timbre fall apart. Means of seeds 0–2 (QUALITY.md): 5.63
    /// against 5.67 dB for `timbre` on the development mixtures (a drum kit's parts 18.3 against
    /// 17.4, two and three speakers 0.6–0.8 dB lower), 8.20 against 8.58 on the validation
    /// mixtures and 4.85 against 5.22 on the held-out backgrounds set; hence not the default: it
    /// is for drum kits.
    case percussive
}

/// Assignment of NMF components to sources.
public enum ComponentGrouping {
    /// Smallest energy share a source may receive, as a fraction of the even share 1/S
    /// (0.4: with two sources each gets at least 20 % of Σ_k (Σ_f W_fk)(Σ_n H_kn)).
    /// Chosen by measurement (see QUALITY.md): it stops groupings such as seven components
    /// against one weak broadband one; among the groupings that meet it, the one of least
    /// k-means cost is taken (`MinimumCostPartition`).
    public static let minimumShareFraction: Float = 0.4

    /// Half-width in Hz of the moving average that smooths each template along frequency
    /// before its MFCCs are taken in `.percussive` grouping. Averaging over ±300 Hz blurs the
    /// individual harmonics of notes up to about 600 Hz, so that the cepstrum describes the
    /// spectral envelope (the instrument) more than the pitch (the note), and notes of one
    /// instrument at different pitches cluster together. Measured (QUALITY.md): it gains on
    /// every music mixture of the development set (flute / bass + piano / drums +2.4 dB) but
    /// loses 1–1.5 dB on speaker against speaker, where pitch is what tells voices apart;
    /// hence the music option only, and `.timbre` keeps the raw templates.
    public static let envelopeSmoothingHz: Double = 300

    /// Weight of the percussiveness feature next to the MFCCs in `.percussive` grouping, in units
    /// of the MFCCs' mean spread over the components. Chosen by measurement (QUALITY.md, before
    /// the harmonicity was added): 2 is the best of 0, 1, 1.5, 2, 2.5; from 3 on it overrides timbre.
    public static let percussivenessWeight: Float = 2

    /// Weight of each template's harmonicity (`Harmonicity`) next to its MFCCs in `.timbre` and
    /// `.percussive` grouping, standardised over the components, in units of the MFCCs' mean
    /// spread. Chosen by measurement with `.timbre` (QUALITY.md, "Harmonicity in the timbre grouping"): 2.5 and 3 gain
    /// about as much (+0.34 dB over 40 mixtures of three sets), 1.5 less (+0.17).
    public static let harmonicityWeight: Float = 2.5

    /// Weight of the channel gains of a spatial factorization among the grouping features:
    /// each gain q[c, k] is appended times √2 · `spatialWeight` × the MFCCs' mean spread, so
    /// that for stereo a pan difference q_L − q_R of 0.1 counts like 1.6 mean spreads. Gains
    /// are not standardised: sources sharing one place in the image (equal gains) add nothing.
    /// 12, 16, 24 and 48 gave 5.0–5.3 dB on 12 stereo mixtures against 3.7 without (QUALITY.md;
    /// chosen on those mixtures, with `.timbre`; for the other methods the spread is that of
    /// their own features).
    public static let spatialWeight: Float = 16

    /// Groups the K components of W (bins × K) and H (K × frames) into `sources` non-empty
    /// groups, ordered by the spectral centroid of each group's templates (low to high).
    ///
    /// With `.timbre`, each component's MFCCs get one more feature: its harmonicity, standardised
    /// over the components and scaled by `harmonicityWeight` times the MFCCs' mean spread.
    /// With `.percussive`, the MFCCs are those of the smoothed templates (`envelopeSmoothingHz`)
    /// and each component gets the harmonicity of its raw template and its percussiveness in V,
    /// each standardised over the components and scaled by its weight (`harmonicityWeight`,
    /// `percussivenessWeight`) times the smoothed MFCCs' mean spread (without `spectrogram`,
    /// no percussiveness).
    ///
    /// The features are clustered by k-means; if a cluster then holds less than
    /// `minimumShareFraction / sources` of the total energy, the assignment is repaired
    /// (components are moved into the poorest cluster, cheapest in k-means cost per unit of
    /// energy first) and refined by single-component moves that lower the k-means cost
    /// while every cluster keeps its minimum share. A branch-and-bound search
    /// (`MinimumCostPartition`) then looks for the partition with the smallest k-means cost among
    /// all those that give every cluster its minimum share, and takes it when it costs less:
    /// exact for `.timbre` and `.percussive` up to 5 sources at 4 components per source, the
    /// best found within its work budget beyond (and for the long features of `.activations`
    /// and `.combined`).
    ///
    /// - Parameters:
    ///   - method: the features clustered.
    ///   - basis: W, bins × K (columns summing to one).
    ///   - activations: H, K × frames.
    ///   - sources: the number of groups S, 1 ≤ S ≤ K.
    ///   - sampleRate: in Hz, for the mel scale.
    ///   - seed: seed of k-means.
    ///   - spectrogram: V (bins × frames) that W·H approximates, for `.percussive`.
    ///   - threads: threads for the percussiveness pass over V (results do not depend on it).
    ///   - channelGains: the components' channel gains of a spatial factorization (channels × K,
    ///     `SeparationRun.channelGains`), appended to the features (`spatialWeight`); `nil`: none.
    /// - Returns: for each source the sorted component indices.
    /// - Complexity: O(K·bands·bins) for the MFCCs; `.timbre` and `.percussive` add
    ///   O(K·(F + C·H)) for the harmonicity (C = 208 candidates, H ≤ 20 harmonics: about 6,500
    ///   reads per template), `.percussive` O(F·N·(L² + K)) for the percussiveness; the
    ///   partition search at most `MinimumCostPartition.workBudget` feature reads (5·10⁷, about
    ///   0.15 s; a few hundred nodes of S·d reads for 3 sources).
    /// - Throws: `SeparationError.invalidParameter` unless 1 ≤ `sources` ≤ K, `activations` has
    ///   K rows and `sampleRate` ≥ 1. Non-finite factors do not throw: every source still gets
    ///   at least one component.
    public static func group(method: GroupingMethod, basis: Matrix, activations: Matrix, sources: Int,
                             sampleRate: Int, seed: UInt64, spectrogram: Matrix? = nil, threads: Int = 1,
                             channelGains: Matrix? = nil) throws -> [[Int]] {
        let k = basis.columns
        guard sources >= 1, sources <= k else {
            throw SeparationError.invalidParameter(name: "sources", value: "\(sources)", allowed: "1 to the number of components, \(k)")
        }
        guard activations.rows == k else {
            throw SeparationError.invalidParameter(name: "activations", value: "\(activations.rows) × \(activations.columns)",
                                                   allowed: "one row per column of the basis, \(k)")
        }
        guard sampleRate >= 1 else {
            throw SeparationError.invalidParameter(name: "sampleRate", value: "\(sampleRate) Hz", allowed: "1 Hz or more")
        }
        if sources == k { return orderByCentroid((0..<k).map { [$0] }, basis: basis, activations: activations) }
        if sources == 1 { return [Array(0..<k)] }
        // Factors beyond float32 (or NaN) make features that are not finite: read as 0, so that
        // k-means still gives every component a source.
        let features = self.features(method: method, basis: basis, activations: activations, sampleRate: sampleRate,
                                     spectrogram: spectrogram, threads: threads, channelGains: channelGains)
            .map { $0.map { $0.isFinite ? $0 : 0 } }
        var labels = assign(features, energy: componentEnergies(basis: basis, activations: activations),
                            sources: sources, seed: seed)
        if labels.count != k || Set(labels).count != sources {
            labels = (0..<k).map { $0 * sources / k }   // (squared distances beyond float32: consecutive groups)
        }
        var groups = [[Int]](repeating: [], count: sources)
        for (c, l) in labels.enumerated() { groups[l].append(c) }
        return orderByCentroid(groups, basis: basis, activations: activations)
    }

    /// The source (0..<S) of each component: k-means on `features`, repaired so that every
    /// source holds `minimumShareFraction / sources` of `energy`, then replaced by the cheapest
    /// partition that holds the shares when `MinimumCostPartition` finds one that costs less
    /// (the repair is greedy and sometimes stops short of it).
    /// - Parameters:
    ///   - features: one feature vector per component (K of them, equal lengths).
    ///   - energy: the K components' energies (`componentEnergies`).
    ///   - sources: S, 2 ≤ S < K.
    ///   - seed: seed of k-means.
    /// - Returns: K labels in 0..<S, every source non-empty.
    /// - Complexity: k-means' O(restarts · iterations · K · S · d), the repair's O(K²·S·K·d) at
    ///   worst, and the search's budget.
    static func assign(_ features: [[Float]], energy: [Double], sources: Int, seed: UInt64) -> [Int] {
        let share = Double(minimumShareFraction) / Double(sources)
        let labels = enforceMinimumShare(KMeans.cluster(features, k: sources, seed: seed), features: features,
                                         energy: energy, clusters: sources, minimumShare: share)
        return MinimumCostPartition.search(features, weights: energy, clusters: sources, minimumShare: share,
                                           incumbent: labels)?.labels ?? labels
    }

    /// The features `group` clusters, one row per component (see `group` for each method).
    /// - Parameters: as for `group`.
    /// - Returns: K feature vectors of equal length.
    static func features(method: GroupingMethod, basis: Matrix, activations: Matrix, sampleRate: Int,
                         spectrogram: Matrix?, threads: Int, channelGains: Matrix?) -> [[Float]] {
        let k = basis.columns
        let timbre = templateMFCC(basis, sampleRate: sampleRate, smoothingHz: method == .percussive ? envelopeSmoothingHz : 0)
        var features: [[Float]]
        switch method {
        case .timbre, .percussive:
            var extra = [(Harmonicity.estimate(basis, sampleRate: sampleRate).salience, harmonicityWeight)]
            if method == .percussive, let v = spectrogram {
                extra.append((Percussiveness.scores(v: v, basis: basis, activations: activations, threads: threads),
                              percussivenessWeight))
            }
            features = appendStandardised(extra, to: timbre)
        case .activations: features = activationProfiles(activations)
        case .combined:
            let activity = activationProfiles(activations)
            features = (0..<k).map { unitNorm(timbre[$0]) + unitNorm(activity[$0]) }
        }
        if let q = channelGains, q.rows > 1, q.columns == k {
            features = appendScaled((0..<k).map { c in (0..<q.rows).map { q[$0, c] } }, to: features,
                                    weight: spatialWeight * Float(2).squareRoot())
        }
        return features
    }

    /// Energy of each component, (Σ_f W_fk)(Σ_n H_kn), as a fraction of the total.
    static func componentEnergies(basis: Matrix, activations: Matrix) -> [Double] {
        let e = (0..<basis.columns).map { c -> Double in
            var w = 0.0, h = 0.0
            for i in 0..<basis.rows { w += Double(basis[i, c]) }
            for j in 0..<activations.columns { h += Double(activations[c, j]) }
            return w * h
        }
        let total = e.reduce(0, +)
        return total > 0 && total.isFinite ? e.map { $0 / total } : e.map { _ in 0 }
    }

    /// Appends one column per (values, weight) pair (one value per component): the values
    /// standardised over the components (population standard deviation) and scaled by `weight` ×
    /// the mean spread of `features` (the columns given, not the ones appended). Constant
    /// values add a zero column; a pair whose count is not the component count adds nothing.
    static func appendStandardised(_ columns: [(values: [Float], weight: Float)], to features: [[Float]]) -> [[Float]] {
        let k = features.count
        guard k > 0 else { return features }
        let dims = features[0].count
        let scale = dims == 0 ? 1 : meanSpread(features)
        var out = features
        for (values, weight) in columns where values.count == k {
            let (mean, std) = spread(values.map(Double.init))
            for c in 0..<k { out[c].append(Float(Double(weight) * scale * (Double(values[c]) - mean) / (std + 1e-9))) }
        }
        return out
    }

    /// Appends each component's `values` unchanged but for one common factor, `weight` × the
    /// mean spread (population standard deviation) of the existing features.
    static func appendScaled(_ values: [[Float]], to features: [[Float]], weight: Float) -> [[Float]] {
        guard !features.isEmpty, values.count == features.count, features[0].count > 0 else { return features }
        let scale = Float(meanSpread(features)) * weight
        return features.indices.map { c in features[c] + values[c].map { $0 * scale } }
    }

    /// Mean and population standard deviation of `x`.
    static func spread(_ x: [Double]) -> (mean: Double, std: Double) {
        let m = x.reduce(0, +) / Double(x.count)
        return (m, (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot())
    }

    /// The mean over the feature dimensions of each dimension's population standard deviation
    /// across the components (features non-empty, of equal length ≥ 1).
    static func meanSpread(_ features: [[Float]]) -> Double {
        let dims = features[0].count
        return (0..<dims).map { d in spread(features.map { Double($0[d]) }).std }.reduce(0, +) / Double(dims)
    }

    static func unitNorm(_ x: [Float]) -> [Float] {
        let n = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? x.map { $0 / n } : x
    }

    /// Mel-frequency cepstral coefficients 1...13 of each template (40 triangular mel bands,
    /// HTK mel scale, log, DCT-II): a timbre descriptor independent of the template's gain.
    /// With `smoothingHz` > 0 each template is first averaged along frequency over
    /// ±`smoothingHz` (its spectral envelope; see `envelopeSmoothingHz`).
    static func templateMFCC(_ w: Matrix, sampleRate: Int, bands: Int = 40, coefficients: Int = 13,
                             smoothingHz: Double = 0) -> [[Float]] {
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
        let halfWidth = Int((smoothingHz / binHz).rounded())
        return (0..<w.columns).map { c in
            let col = smoothedAlongFrequency(Array(w.column(c)), halfWidth: halfWidth)
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

    /// The moving average of `x` over 2·`halfWidth` + 1 bins, the ends extended with the
    /// edge values (as scipy's `uniform_filter1d(mode="nearest")`); O(bins) by prefix sums.
    static func smoothedAlongFrequency(_ x: [Float], halfWidth: Int) -> [Float] {
        guard halfWidth > 0, !x.isEmpty else { return x }
        let n = x.count
        var prefix = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + Double(x[i]) }
        let first = Double(x[0]), last = Double(x[n - 1]), width = Double(2 * halfWidth + 1)
        return (0..<n).map { i in
            let lo = i - halfWidth, hi = i + halfWidth
            let inside = prefix[min(hi, n - 1) + 1] - prefix[max(lo, 0)]
            let below = Double(max(0, -lo)) * first, above = Double(max(0, hi - (n - 1))) * last
            return Float((inside + below + above) / width)
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
