#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The H half of the fused KL iteration: multiplicative activation updates from the ratios of a quad of frames.
extension KLKernels {
    /// q^ω, the over-relaxed multiplicative step (step-size exponent of Badeau, Bertin & Vincent 2010): ω = 1 is
    /// Lee–Seung's step, ω = 1.5 costs a square root instead of a `powf` call.
    @inline(__always)
    static func relaxed(_ q: Float, _ exponent: Float) -> Float {
        if exponent == 1.5 { return q * q.squareRoot() }
        return powf(q, exponent)
    }

    /// h ← max(h · (numerator + gain·h) · inverseDenominator, floor), or with temporal-continuity
    /// terms c⁻, c⁺ at `index`: h ← max(h · (numerator + gain·h + c⁻) / (1/inverseDenominator + c⁺), floor);
    /// with `exponent` ω ≠ 1 the factor after h is raised to ω.
    @inline(__always)
    static func update(_ h: Float, _ numerator: Float, _ gain: Float, _ inverseDenominator: Float, _ floor: Float,
                       _ continuity: (UnsafePointer<Float>, UnsafePointer<Float>)?, _ index: Int, _ exponent: Float) -> Float {
        guard let (minus, plus) = continuity else {
            if exponent == 1 { return max(h * (numerator + gain * h) * inverseDenominator, floor) }
            return max(h * relaxed((numerator + gain * h) * inverseDenominator, exponent), floor)
        }
        if exponent == 1 { return max(h * (numerator + gain * h + minus[index]) / (1 / inverseDenominator + plus[index]), floor) }
        return max(h * relaxed((numerator + gain * h + minus[index]) / (1 / inverseDenominator + plus[index]), exponent), floor)
    }

    /// H update of four frames from their ratios: h_j[k] ← h_j[k] · [(Σ_f W[f,k] r_j[f]) / Σ_f W[f,k]]^ω
    /// (ω = `exponent`, 1 for Lee–Seung).
    @inline(__always)
    static func updateActivations<C: ComponentCount>(w: UnsafePointer<Float>, paddedBins fp: Int, components count: C,
                                  r: UnsafePointer<Float>,
                                  h: MutableQuad,
                                  columnSumInverse: UnsafePointer<Float>, sparseGain: UnsafePointer<Float>?, floor: Float,
                                  continuity: (UnsafePointer<Float>, UnsafePointer<Float>)? = nil, offsets: (Int, Int, Int, Int) = (0, 0, 0, 0),
                                  exponent: Float = 1) {
        let components = count.value
        // h_j[k] from the four frames' sums of W[:, k] ⊙ r_j.
        @inline(__always) func finish(_ k: Int, _ a: Sums) {
            let c = columnSumInverse[k], g = sparseGain?[k] ?? 0
            h.0[k] = update(h.0[k], a.0.sum(), g, c, floor, continuity, offsets.0 + k, exponent)
            h.1[k] = update(h.1[k], a.1.sum(), g, c, floor, continuity, offsets.1 + k, exponent)
            h.2[k] = update(h.2[k], a.2.sum(), g, c, floor, continuity, offsets.2 + k, exponent)
            h.3[k] = update(h.3[k], a.3.sum(), g, c, floor, continuity, offsets.3 + k, exponent)
        }
        var k = 0
        while k + 2 < components {
            let (a, b, c) = dotProducts(w + k * fp, w + (k + 1) * fp, w + (k + 2) * fp, paddedBins: fp, r: r)
            finish(k, a); finish(k + 1, b); finish(k + 2, c)
            k += 3
        }
        if k + 1 < components {
            let (a, b) = dotProducts(w + k * fp, w + (k + 1) * fp, paddedBins: fp, r: r)
            finish(k, a); finish(k + 1, b)
        } else if k < components {
            finish(k, dotProducts(w + k * fp, paddedBins: fp, r: r))
        }
    }

    /// Lane-wise partial sums of W[:, k] ⊙ r_j for the four frames j of a quad.
    typealias Sums = (Vec, Vec, Vec, Vec)

    /// The sums of three templates in one sweep: each ratio vector loaded once serves three multiply–adds.
    @inline(__always)
    static func dotProducts(_ wa: UnsafePointer<Float>, _ wb: UnsafePointer<Float>, _ wc: UnsafePointer<Float>, paddedBins fp: Int,
                            r: UnsafePointer<Float>) -> (Sums, Sums, Sums) {
        var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
        var b0 = Vec(), b1 = Vec(), b2 = Vec(), b3 = Vec()
        var c0 = Vec(), c1 = Vec(), c2 = Vec(), c3 = Vec()
        var f = 0
        while f < fp {
            let x = load(wa + f), y = load(wb + f), z = load(wc + f)
            var q = load(r + f)
            a0 = a0.addingProduct(x, q); b0 = b0.addingProduct(y, q); c0 = c0.addingProduct(z, q)
            q = load(r + fp + f)
            a1 = a1.addingProduct(x, q); b1 = b1.addingProduct(y, q); c1 = c1.addingProduct(z, q)
            q = load(r + 2 * fp + f)
            a2 = a2.addingProduct(x, q); b2 = b2.addingProduct(y, q); c2 = c2.addingProduct(z, q)
            q = load(r + 3 * fp + f)
            a3 = a3.addingProduct(x, q); b3 = b3.addingProduct(y, q); c3 = c3.addingProduct(z, q)
            f += 8
        }
        return ((a0, a1, a2, a3), (b0, b1, b2, b3), (c0, c1, c2, c3))
    }

    /// The sums of two templates in one sweep.
    @inline(__always)
    static func dotProducts(_ wa: UnsafePointer<Float>, _ wb: UnsafePointer<Float>, paddedBins fp: Int,
                            r: UnsafePointer<Float>) -> (Sums, Sums) {
        var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
        var b0 = Vec(), b1 = Vec(), b2 = Vec(), b3 = Vec()
        var f = 0
        while f < fp {
            let x = load(wa + f), y = load(wb + f)
            let r0 = load(r + f), r1 = load(r + fp + f), r2 = load(r + 2 * fp + f), r3 = load(r + 3 * fp + f)
            a0 = a0.addingProduct(x, r0); a1 = a1.addingProduct(x, r1); a2 = a2.addingProduct(x, r2); a3 = a3.addingProduct(x, r3)
            b0 = b0.addingProduct(y, r0); b1 = b1.addingProduct(y, r1); b2 = b2.addingProduct(y, r2); b3 = b3.addingProduct(y, r3)
            f += 8
        }
        return ((a0, a1, a2, a3), (b0, b1, b2, b3))
    }

    /// The sums of one template.
    @inline(__always)
    static func dotProducts(_ wa: UnsafePointer<Float>, paddedBins fp: Int, r: UnsafePointer<Float>) -> Sums {
        var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
        var f = 0
        while f < fp {
            let x = load(wa + f)
            a0 = a0.addingProduct(x, load(r + f)); a1 = a1.addingProduct(x, load(r + fp + f))
            a2 = a2.addingProduct(x, load(r + 2 * fp + f)); a3 = a3.addingProduct(x, load(r + 3 * fp + f))
            f += 8
        }
        return (a0, a1, a2, a3)
    }
}
