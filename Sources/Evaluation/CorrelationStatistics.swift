import DSPCore

/// The lagged inner products that BSS Eval needs, computed by blocked FFT correlation in `Double`.
///
/// With C_xy(τ) = Σₘ x[m]·y[m+τ] (signals zero outside 0..<T), and the reference delayed by k
/// samples written r_c(· − k):
/// - ⟨r_c(· − k), r_d(· − l)⟩ = C_{r_c r_d}(k − l) for lags |τ| < L — the entries of the
///   block-Toeplitz Gram matrix of all delayed references;
/// - ⟨r_c(· − k), ŝ_j⟩ = C_{r_c ŝ_j}(k) for 0 ≤ k < L — the right-hand sides of the projections.
///
/// Each signal is cut into blocks of B samples; a block of x and the matching segment of y
/// widened by L − 1 samples on each side are transformed together in one complex FFT of size
/// N ≥ B + 2(L − 1) (two real signals per transform), and the products conj(X)·Y are summed
/// over blocks in the frequency domain, so only one inverse transform per pair is needed.
/// The blocks are split into a fixed number of groups, independent of the thread count, and
/// the group sums are added in order: the result is the same for any number of threads.
///
/// - Complexity: O(J·T·log N) for the transforms plus O(J²·T) for the spectral products,
///   with J sources, T samples and N ≈ 8·(2L − 2) (8192 for L = 512); memory O(J²·N).
struct CorrelationStatistics {
    /// The number of references (and of estimates), J.
    let sourceCount: Int
    /// The distortion filter length L.
    let filterLength: Int
    /// For each pair c ≤ d (index `pairIndex(c, d)`), C_{r_c r_d}(τ) at offset τ + L − 1, τ ∈ −(L−1)...(L−1).
    private(set) var referencePairs: [[Double]]
    /// For reference c and estimate j (index c·J + j), C_{r_c ŝ_j}(k) for k in 0..<L.
    private(set) var referenceEstimate: [[Double]]

    /// The index of the unordered pair (c, d), c ≤ d, among J(J+1)/2 pairs.
    /// - Parameters:
    ///   - c: the first reference, c ≤ d.
    ///   - d: the second reference, d < J.
    func pairIndex(_ c: Int, _ d: Int) -> Int {
        c * sourceCount - c * (c - 1) / 2 + (d - c)
    }

    /// ⟨r_c(· − k), r_d(· − l)⟩ = C_{r_c r_d}(k − l), for any c, d < J and |k − l| < L.
    /// - Parameters:
    ///   - c: the first reference.
    ///   - d: the second reference.
    ///   - lag: τ = k − l, with |τ| < L.
    func referenceCorrelation(_ c: Int, _ d: Int, lag: Int) -> Double {
        let l1 = filterLength - 1
        if c <= d { return referencePairs[pairIndex(c, d)][lag + l1] }
        return referencePairs[pairIndex(d, c)][-lag + l1]
    }

    /// Computes the correlations of `references` (pairwise) and of references with `estimates`.
    /// - Parameters:
    ///   - references: J signals of T samples.
    ///   - estimates: J signals of T samples.
    ///   - referenceScales: a factor applied to each reference (for example 1/‖r_c‖).
    ///   - estimateScales: a factor applied to each estimate.
    ///   - filterLength: L ≥ 1.
    ///   - threads: worker threads; the result does not depend on it.
    init(references: [[Float]], estimates: [[Float]], referenceScales: [Double], estimateScales: [Double],
         filterLength: Int, threads: Int = Parallel.defaultThreadCount) {
        sourceCount = references.count
        self.filterLength = filterLength
        let plan = CorrelationPlan(sources: references.count, length: references.first?.count ?? 0, filterLength: filterLength)
        // Per group: accumulated spectra of every pair, split re/im, `half` bins each.
        var accRe = [Double](repeating: 0, count: plan.groups * plan.totalPairs * plan.half)
        var accIm = accRe
        accRe.withUnsafeMutableBufferPointer { arp in
            accIm.withUnsafeMutableBufferPointer { aip in
                let accReBase = arp.baseAddress!, accImBase = aip.baseAddress!
                Parallel.forEachBlock(plan.groups, threads: threads) { group in
                    let offset = group * plan.totalPairs * plan.half
                    let accumulator = BlockSpectra(plan: plan, re: accReBase + offset, im: accImBase + offset)
                    defer { accumulator.deallocate() }
                    for b in Parallel.blockRange(group, of: plan.groups, count: plan.blocks) {
                        accumulator.add(block: b, references: references, estimates: estimates,
                                        referenceScales: referenceScales, estimateScales: estimateScales)
                    }
                }
            }
        }
        (referencePairs, referenceEstimate) = plan.correlations(re: accRe, im: accIm)
    }
}

/// The block geometry of ``CorrelationStatistics``: transform size N, block length B = N − 2(L − 1),
/// the number of blocks and of block groups (fixed, independent of the thread count).
private struct CorrelationPlan {
    let sources: Int, length: Int, filterLength: Int
    /// L − 1 and 2(L − 1).
    let l1: Int, span: Int
    /// Transform size N, block length B, number of blocks, bins 0...N/2.
    let n: Int, blockLength: Int, blocks: Int, half: Int
    /// J(J + 1)/2 reference pairs, then J² reference–estimate pairs.
    let pairCount: Int, totalPairs: Int
    let groups: Int
    let fft: RadixTwoFFT

    init(sources j: Int, length: Int, filterLength: Int) {
        sources = j
        self.length = length
        self.filterLength = filterLength
        l1 = filterLength - 1
        span = 2 * l1
        var n = 2
        while n < max(8 * span, 256) { n <<= 1 }
        var fit = 2
        while fit < length + span { fit <<= 1 }
        self.n = min(n, fit)
        blockLength = self.n - span
        blocks = (length + blockLength - 1) / blockLength
        half = self.n / 2 + 1
        pairCount = j * (j + 1) / 2
        totalPairs = pairCount + j * j
        groups = max(1, min(blocks, 8))
        fft = RadixTwoFFT(size: self.n)
    }

    /// Sums the groups' spectra in group order, then one inverse transform per pair:
    /// c[s] = Re FFT(conj S)[s] / N, lags −(L−1)...(L−1) for reference pairs, 0..<L for the others.
    func correlations(re accRe: [Double], im accIm: [Double]) -> (pairs: [[Double]], crosses: [[Double]]) {
        var pairs = [[Double]](), crosses = [[Double]]()
        var re = [Double](repeating: 0, count: n), im = [Double](repeating: 0, count: n)
        for pair in 0..<totalPairs {
            var sRe = [Double](repeating: 0, count: half), sIm = [Double](repeating: 0, count: half)
            for g in 0..<groups {
                let base = (g * totalPairs + pair) * half
                for k in 0..<half { sRe[k] += accRe[base + k]; sIm[k] += accIm[base + k] }
            }
            for k in 0..<n {
                if k < half { re[k] = sRe[k]; im[k] = -sIm[k] } else { re[k] = sRe[n - k]; im[k] = sIm[n - k] }
            }
            re.withUnsafeMutableBufferPointer { rp in
                im.withUnsafeMutableBufferPointer { ip in fft.forward(rp.baseAddress!, ip.baseAddress!) }
            }
            let inv = 1 / Double(n)
            if pair < pairCount {
                pairs.append((0...span).map { re[$0] * inv })
            } else {
                crosses.append((0..<filterLength).map { re[$0 + l1] * inv })
            }
        }
        return (pairs, crosses)
    }
}

/// One group's worker of ``CorrelationStatistics``: scratch for the transforms and the group's
/// accumulators of conj(X)·Y per pair (`plan.totalPairs` × `plan.half` bins, re and im).
private struct BlockSpectra {
    let plan: CorrelationPlan
    let accRe: UnsafeMutablePointer<Double>, accIm: UnsafeMutablePointer<Double>
    let re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>
    /// Block spectra U_c (references), segment spectra V_c (references) and V_j (estimates);
    /// one spare V slot: with odd J the last estimate's transform also fills a partner slot.
    let uRe: UnsafeMutablePointer<Double>, uIm: UnsafeMutablePointer<Double>
    let vRe: UnsafeMutablePointer<Double>, vIm: UnsafeMutablePointer<Double>

    init(plan: CorrelationPlan, re accRe: UnsafeMutablePointer<Double>, im accIm: UnsafeMutablePointer<Double>) {
        self.plan = plan
        self.accRe = accRe
        self.accIm = accIm
        re = .allocate(capacity: plan.n)
        im = .allocate(capacity: plan.n)
        uRe = .allocate(capacity: plan.sources * plan.half)
        uIm = .allocate(capacity: plan.sources * plan.half)
        vRe = .allocate(capacity: (2 * plan.sources + 1) * plan.half)
        vIm = .allocate(capacity: (2 * plan.sources + 1) * plan.half)
    }

    func deallocate() {
        re.deallocate(); im.deallocate()
        uRe.deallocate(); uIm.deallocate(); vRe.deallocate(); vIm.deallocate()
    }

    /// Adds block `b`'s products conj(U_c)·V_d (reference pairs c ≤ d) and conj(U_c)·V_j
    /// (reference c, estimate j) to the accumulators.
    func add(block b: Int, references: [[Float]], estimates: [[Float]], referenceScales: [Double], estimateScales: [Double]) {
        let j = plan.sources, half = plan.half, l1 = plan.l1, n = plan.n
        let start = b * plan.blockLength
        for c in 0..<j {
            load(references[c], scale: referenceScales[c], start: start, count: plan.blockLength, into: re)
            load(references[c], scale: referenceScales[c], start: start - l1, count: n, into: im)
            plan.fft.forward(re, im)
            split(aRe: uRe + c * half, aIm: uIm + c * half, bRe: vRe + c * half, bIm: vIm + c * half)
        }
        var e = 0
        while e < j {
            load(estimates[e], scale: estimateScales[e], start: start - l1, count: n, into: re)
            if e + 1 < j {
                load(estimates[e + 1], scale: estimateScales[e + 1], start: start - l1, count: n, into: im)
            } else {
                im.update(repeating: 0, count: n)
            }
            plan.fft.forward(re, im)
            let slot = j + e
            split(aRe: vRe + slot * half, aIm: vIm + slot * half, bRe: vRe + (slot + 1) * half, bIm: vIm + (slot + 1) * half)
            e += 2
        }
        var pair = 0
        for c in 0..<j {
            for d in c..<j {
                accumulate(pair: pair, xRe: uRe + c * half, xIm: uIm + c * half, yRe: vRe + d * half, yIm: vIm + d * half)
                pair += 1
            }
        }
        for c in 0..<j {
            for e in 0..<j {
                accumulate(pair: plan.pairCount + c * j + e, xRe: uRe + c * half, xIm: uIm + c * half,
                           yRe: vRe + (j + e) * half, yIm: vIm + (j + e) * half)
            }
        }
    }

    /// Loads x[start + i]·scale for i in 0..<count into `dst[0..<N]`, zeros elsewhere.
    private func load(_ signal: [Float], scale: Double, start: Int, count: Int, into dst: UnsafeMutablePointer<Double>) {
        dst.update(repeating: 0, count: plan.n)
        let lo = max(start, 0), hi = min(start + count, plan.length)
        if lo >= hi { return }
        signal.withUnsafeBufferPointer { sp in
            let s = sp.baseAddress!
            for m in lo..<hi { dst[m - start] = Double(s[m]) * scale }
        }
    }

    /// Splits the spectrum of a + i·b (in `re`, `im`) into A → (aRe, aIm) and B → (bRe, bIm), bins 0...N/2.
    private func split(aRe: UnsafeMutablePointer<Double>, aIm: UnsafeMutablePointer<Double>,
                       bRe: UnsafeMutablePointer<Double>, bIm: UnsafeMutablePointer<Double>) {
        let n = plan.n
        for k in 0..<plan.half {
            let m = (n - k) & (n - 1)
            let ar = re[k], ai = im[k], br = re[m], bi = im[m]
            aRe[k] = 0.5 * (ar + br); aIm[k] = 0.5 * (ai - bi)
            bRe[k] = 0.5 * (ai + bi); bIm[k] = 0.5 * (br - ar)
        }
    }

    /// Adds conj(X)·Y to accumulator `pair`.
    private func accumulate(pair: Int, xRe: UnsafePointer<Double>, xIm: UnsafePointer<Double>,
                            yRe: UnsafePointer<Double>, yIm: UnsafePointer<Double>) {
        let pr = accRe + pair * plan.half, pi = accIm + pair * plan.half
        for k in 0..<plan.half {
            let xr = xRe[k], xi = xIm[k], yr = yRe[k], yi = yIm[k]
            pr[k] += xr * yr + xi * yi
            pi[k] += xr * yi - xi * yr
        }
    }
}
