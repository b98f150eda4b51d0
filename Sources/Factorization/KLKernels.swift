#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fused kernels of KL multiplicative updates (Lee & Seung 2001), four frames at a time.
///
/// For a quad of frames they compute λ = W·h on the fly, eight bins at a time, divide v by
/// it into a small scratch R (4 × F′, in L1 cache), then either form Wᵀr (H update) or
/// accumulate r·hᵀ (W update). Neither Λ = W·H nor V ⊘ Λ is ever stored: each pass reads
/// V once, and every load of W serves four frames.
///
/// Layout: W is F′ × K column-major with F′ = F rounded up to a multiple of 8 and zero
/// padding rows, so the inner loops have no tails; R has the same padding (zeros).
enum KLKernels {
    typealias Vec = SIMD8<Float>
    /// Frames processed together.
    static let quad = 4

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
    /// Lane-wise maximum; `pointwiseMax` is not inlined by the compiler and costs a call per vector.
    @inline(__always) static func maximum(_ a: Vec, _ b: Vec) -> Vec { a.replacing(with: b, where: a .< b) }
    @inline(__always) static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    }

    /// λ_j = W·h_j for bins f…f+7 of four frames.
    @inline(__always)
    static func lambdas(w: UnsafePointer<Float>, paddedBins fp: Int, components: Int, at f: Int,
                        h: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)) -> (Vec, Vec, Vec, Vec) {
        var l0 = Vec(), l1 = Vec(), l2 = Vec(), l3 = Vec()
        var k = 0
        while k < components {
            let wv = load(w + k * fp + f)
            l0 = l0.addingProduct(wv, h.0[k])
            l1 = l1.addingProduct(wv, h.1[k])
            l2 = l2.addingProduct(wv, h.2[k])
            l3 = l3.addingProduct(wv, h.3[k])
            k += 1
        }
        return (l0, l1, l2, l3)
    }

    /// λ_j = W·h_j for bins f…f+15 of four frames: eight independent multiply–add chains, enough
    /// to keep both FMA units busy (four chains leave half of them idle at large K). Each lane
    /// sums over k in the same order as ``lambdas(w:paddedBins:components:at:h:)``: same bits.
    @inline(__always)
    static func lambdas16(w: UnsafePointer<Float>, paddedBins fp: Int, components: Int, at f: Int,
                          h: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>))
        -> ((Vec, Vec, Vec, Vec), (Vec, Vec, Vec, Vec)) {
        var l0 = Vec(), l1 = Vec(), l2 = Vec(), l3 = Vec()
        var m0 = Vec(), m1 = Vec(), m2 = Vec(), m3 = Vec()
        var k = 0
        while k < components {
            let wv = load(w + k * fp + f), wu = load(w + k * fp + f + 8)
            let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
            l0 = l0.addingProduct(wv, h0); m0 = m0.addingProduct(wu, h0)
            l1 = l1.addingProduct(wv, h1); m1 = m1.addingProduct(wu, h1)
            l2 = l2.addingProduct(wv, h2); m2 = m2.addingProduct(wu, h2)
            l3 = l3.addingProduct(wv, h3); m3 = m3.addingProduct(wu, h3)
            k += 1
        }
        return ((l0, l1, l2, l3), (m0, m1, m2, m3))
    }

    /// Ratios r_j = v_j ⊘ max(W·h_j, ε) of four frames into `r` (4 × padded bins).
    ///
    /// The pass of every iteration; ``ratiosAndDivergence(v:w:bins:paddedBins:components:h:r:epsilon:valid:)``
    /// is the same pass that also adds up D(v‖λ). They are separate functions because a
    /// run-time flag made the compiler split this loop into half-width vectors with spills.
    /// - Parameters:
    ///   - v: four frame pointers, F values each (unpadded; a zero frame may stand in for a missing one).
    ///   - w: W, padded bins × K, column-major.
    ///   - h: four pointers to K activations.
    ///   - r: scratch, 4 × padded bins; rows are padded with zeros.
    @inline(__always)
    static func ratios(v: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                       w: UnsafePointer<Float>, bins: Int, paddedBins: Int, components: Int,
                       h: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                       r: UnsafeMutablePointer<Float>, epsilon: Float) {
        let eps = Vec(repeating: epsilon)
        let fp = paddedBins
        let full = bins & ~7
        var f = 0
        while f + 16 <= full {
            let ((l0, l1, l2, l3), (m0, m1, m2, m3)) = lambdas16(w: w, paddedBins: fp, components: components, at: f, h: h)
            store(load(v.0 + f) / maximum(l0, eps), r + f)
            store(load(v.1 + f) / maximum(l1, eps), r + fp + f)
            store(load(v.2 + f) / maximum(l2, eps), r + 2 * fp + f)
            store(load(v.3 + f) / maximum(l3, eps), r + 3 * fp + f)
            store(load(v.0 + f + 8) / maximum(m0, eps), r + f + 8)
            store(load(v.1 + f + 8) / maximum(m1, eps), r + fp + f + 8)
            store(load(v.2 + f + 8) / maximum(m2, eps), r + 2 * fp + f + 8)
            store(load(v.3 + f + 8) / maximum(m3, eps), r + 3 * fp + f + 8)
            f += 16
        }
        while f < full {
            let (l0, l1, l2, l3) = lambdas(w: w, paddedBins: fp, components: components, at: f, h: h)
            store(load(v.0 + f) / maximum(l0, eps), r + f)
            store(load(v.1 + f) / maximum(l1, eps), r + fp + f)
            store(load(v.2 + f) / maximum(l2, eps), r + 2 * fp + f)
            store(load(v.3 + f) / maximum(l3, eps), r + 3 * fp + f)
            f += 8
        }
        if full < fp { _ = tail(v: v, w: w, bins: bins, paddedBins: fp, components: components, h: h, r: r, epsilon: epsilon, divergence: false, valid: 4) }
    }

    /// The ratios of ``ratios(v:w:bins:paddedBins:components:h:r:epsilon:)`` plus Σ_j D(v_j‖λ_j)
    /// over the first `valid` frames (the others are padding of an incomplete quad).
    static func ratiosAndDivergence(v: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                                    w: UnsafePointer<Float>, bins: Int, paddedBins: Int, components: Int,
                                    h: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                                    r: UnsafeMutablePointer<Float>, epsilon: Float, valid: Int) -> Double {
        let eps = Vec(repeating: epsilon)
        let fp = paddedBins
        // Terms are non-negative, so per-lane float sums over one frame (F/8 terms each) lose
        // about 1e-6 relatively; frames are then added in double precision.
        var d0 = Vec(), d1 = Vec(), d2 = Vec(), d3 = Vec()
        let full = bins & ~7
        var f = 0
        while f < full {
            let (l0, l1, l2, l3) = lambdas(w: w, paddedBins: fp, components: components, at: f, h: h)
            let v0 = load(v.0 + f), v1 = load(v.1 + f), v2 = load(v.2 + f), v3 = load(v.3 + f)
            let m0 = maximum(l0, eps), m1 = maximum(l1, eps), m2 = maximum(l2, eps), m3 = maximum(l3, eps)
            let r0 = v0 / m0, r1 = v1 / m1, r2 = v2 / m2, r3 = v3 / m3
            store(r0, r + f); store(r1, r + fp + f); store(r2, r + 2 * fp + f); store(r3, r + 3 * fp + f)
            d0 += divergenceTerms(v0, m0, r0)
            d1 += divergenceTerms(v1, m1, r1)
            d2 += divergenceTerms(v2, m2, r2)
            d3 += divergenceTerms(v3, m3, r3)
            f += 8
        }
        var d = Double(d0.sum())
        if valid > 1 { d += Double(d1.sum()) }
        if valid > 2 { d += Double(d2.sum()) }
        if valid > 3 { d += Double(d3.sum()) }
        if full < fp { d += tail(v: v, w: w, bins: bins, paddedBins: fp, components: components, h: h, r: r, epsilon: epsilon, divergence: true, valid: valid) }
        return d
    }

    /// The last, partial vector of bins (from `bins & ~7`): λ stored, then finished element by element.
    static func tail(v: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                     w: UnsafePointer<Float>, bins: Int, paddedBins fp: Int, components: Int,
                     h: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                     r: UnsafeMutablePointer<Float>, epsilon: Float, divergence: Bool, valid: Int) -> Double {
        let full = bins & ~7
        let (l0, l1, l2, l3) = lambdas(w: w, paddedBins: fp, components: components, at: full, h: h)
        store(l0, r + full); store(l1, r + fp + full); store(l2, r + 2 * fp + full); store(l3, r + 3 * fp + full)
        var d = finish(v.0, r, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence)
        d += finish(v.1, r + fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 1)
        d += finish(v.2, r + 2 * fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 2)
        d += finish(v.3, r + 3 * fp, bins: bins, paddedBins: fp, from: full, epsilon: epsilon, divergence: divergence && valid > 3)
        return d
    }

    /// Lane-wise KL terms v·log(v/λ) − v + λ (λ where v = 0), given the ratio r = v/λ.
    @inline(__always)
    static func divergenceTerms(_ v: Vec, _ lambda: Vec, _ ratio: Vec) -> Vec {
        let positive = v .> Vec(repeating: 0)
        let logRatio = log(maximum(ratio, Vec(repeating: 1e-30)))
        return Vec(repeating: 0).replacing(with: v * logRatio - v, where: positive) + lambda
    }

    /// Int32 lanes with |x| < 2²² to Float, exactly, without the library call the generic
    /// conversion compiles to: the bits of 1.5·2²³ plus x are the float 1.5·2²³ + x.
    @inline(__always)
    static func float(_ x: SIMD8<Int32>) -> Vec { unsafeBitCast(x &+ 0x4B40_0000, to: Vec.self) - 12_582_912 }

    /// Integral float lanes with |x| < 2²² to Int32, exactly (the inverse of ``float(_:)``).
    @inline(__always)
    static func integer(_ x: Vec) -> SIMD8<Int32> { unsafeBitCast(x + 12_582_912, to: SIMD8<Int32>.self) &- 0x4B40_0000 }

    /// Natural logarithm of eight normal positive floats, to about 2 ulp: x = m·2^e with
    /// m in [√½, √2), log x = e·ln 2 + 2·atanh((m − 1)/(m + 1)), the series to t⁹ (|t| ≤ 0.172).
    @inline(__always)
    static func log(_ x: Vec) -> Vec {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        // Exponent relative to √½: shift the mantissa range to [√½, √2).
        let adjusted = bits &- 0x3F35_04F3
        let e = adjusted &>> 23
        let mBits = (adjusted & 0x007F_FFFF) &+ 0x3F35_04F3
        let m = unsafeBitCast(mBits, to: Vec.self)
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        var p = Vec(repeating: 2.0 / 9.0)
        p = Vec(repeating: 2.0 / 7.0).addingProduct(p, t2)
        p = Vec(repeating: 2.0 / 5.0).addingProduct(p, t2)
        p = Vec(repeating: 2.0 / 3.0).addingProduct(p, t2)
        p = Vec(repeating: 2.0).addingProduct(p, t2)
        return (p * t).addingProduct(float(e), 0.693_147_18)
    }

    /// Turns stored λ into ratios v/λ from bin `start` on (zero in the padding), adding up
    /// D(v‖λ) = Σ v·log(v/λ) − v + λ when asked (entries with v = 0 contribute λ).
    @inline(__always)
    static func finish(_ v: UnsafePointer<Float>, _ r: UnsafeMutablePointer<Float>, bins: Int, paddedBins: Int,
                       from start: Int, epsilon: Float, divergence: Bool) -> Double {
        var d = 0.0
        for i in start..<paddedBins {
            if i >= bins { r[i] = 0; continue }
            let lam = max(r[i], epsilon), x = v[i]
            if divergence { d += x > 0 ? Double(x * logf(x / lam) - x + lam) : Double(lam) }
            r[i] = x / lam
        }
        return d
    }

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
    static func updateActivations(w: UnsafePointer<Float>, paddedBins fp: Int, components: Int,
                                  r: UnsafePointer<Float>,
                                  h: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>),
                                  columnSumInverse: UnsafePointer<Float>, sparseGain: UnsafePointer<Float>?, floor: Float,
                                  continuity: (UnsafePointer<Float>, UnsafePointer<Float>)? = nil, offsets: (Int, Int, Int, Int) = (0, 0, 0, 0),
                                  exponent: Float = 1) {
        // h_j[k] from the four frames' sums of W[:, k] ⊙ r_j.
        @inline(__always) func finish(_ k: Int, _ a0: Vec, _ a1: Vec, _ a2: Vec, _ a3: Vec) {
            let c = columnSumInverse[k], g = sparseGain?[k] ?? 0
            h.0[k] = update(h.0[k], a0.sum(), g, c, floor, continuity, offsets.0 + k, exponent)
            h.1[k] = update(h.1[k], a1.sum(), g, c, floor, continuity, offsets.1 + k, exponent)
            h.2[k] = update(h.2[k], a2.sum(), g, c, floor, continuity, offsets.2 + k, exponent)
            h.3[k] = update(h.3[k], a3.sum(), g, c, floor, continuity, offsets.3 + k, exponent)
        }
        var k = 0
        // Three components per sweep: each ratio vector loaded once serves three multiply–adds.
        while k + 2 < components {
            var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
            var b0 = Vec(), b1 = Vec(), b2 = Vec(), b3 = Vec()
            var c0 = Vec(), c1 = Vec(), c2 = Vec(), c3 = Vec()
            let wa = w + k * fp, wb = w + (k + 1) * fp, wc = w + (k + 2) * fp
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
            finish(k, a0, a1, a2, a3); finish(k + 1, b0, b1, b2, b3); finish(k + 2, c0, c1, c2, c3)
            k += 3
        }
        if k + 1 < components {
            var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
            var b0 = Vec(), b1 = Vec(), b2 = Vec(), b3 = Vec()
            let wa = w + k * fp, wb = w + (k + 1) * fp
            var f = 0
            while f < fp {
                let x = load(wa + f), y = load(wb + f)
                let r0 = load(r + f), r1 = load(r + fp + f), r2 = load(r + 2 * fp + f), r3 = load(r + 3 * fp + f)
                a0 = a0.addingProduct(x, r0); a1 = a1.addingProduct(x, r1); a2 = a2.addingProduct(x, r2); a3 = a3.addingProduct(x, r3)
                b0 = b0.addingProduct(y, r0); b1 = b1.addingProduct(y, r1); b2 = b2.addingProduct(y, r2); b3 = b3.addingProduct(y, r3)
                f += 8
            }
            finish(k, a0, a1, a2, a3); finish(k + 1, b0, b1, b2, b3)
        } else if k < components {
            var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
            let wa = w + k * fp
            var f = 0
            while f < fp {
                let x = load(wa + f)
                a0 = a0.addingProduct(x, load(r + f)); a1 = a1.addingProduct(x, load(r + fp + f))
                a2 = a2.addingProduct(x, load(r + 2 * fp + f)); a3 = a3.addingProduct(x, load(r + 3 * fp + f))
                f += 8
            }
            finish(k, a0, a1, a2, a3)
        }
    }

    /// r₀h₀ + r₁h₁ + r₂h₂ + r₃h₃ as two independent fused pairs (a shorter dependency chain
    /// than four chained multiply–adds); both accumulation paths use it, so they agree bit for bit.
    @inline(__always)
    static func quadProduct(_ r0: Vec, _ r1: Vec, _ r2: Vec, _ r3: Vec, _ h0: Float, _ h1: Float, _ h2: Float, _ h3: Float) -> Vec {
        (r0 * h0).addingProduct(r1, h1) + (r2 * h2).addingProduct(r3, h3)
    }

    /// The second pass of a quad for few learned components (K − `first` ≤ 4): the ratios of
    /// ``ratios(v:w:bins:paddedBins:components:h:r:epsilon:)`` go straight into the W
    /// accumulators of ``accumulateBasis(paddedBins:components:from:r:h:accumulator:)``, 16 bins
    /// at a time, without the round trip through `r` (which then holds only the last partial
    /// vector). Same operations in the same order per element: same bits.
    @inline(__always)
    static func ratiosIntoBasis(v: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                                w: UnsafePointer<Float>, bins: Int, paddedBins fp: Int, components: Int, from first: Int,
                                h: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                                r: UnsafeMutablePointer<Float>, epsilon: Float, accumulator: UnsafeMutablePointer<Float>) {
        let eps = Vec(repeating: epsilon)
        let full = bins & ~7
        var f = 0
        while f + 16 <= full {
            let ((l0, l1, l2, l3), (m0, m1, m2, m3)) = lambdas16(w: w, paddedBins: fp, components: components, at: f, h: h)
            let r0 = load(v.0 + f) / maximum(l0, eps), r1 = load(v.1 + f) / maximum(l1, eps)
            let r2 = load(v.2 + f) / maximum(l2, eps), r3 = load(v.3 + f) / maximum(l3, eps)
            let s0 = load(v.0 + f + 8) / maximum(m0, eps), s1 = load(v.1 + f + 8) / maximum(m1, eps)
            let s2 = load(v.2 + f + 8) / maximum(m2, eps), s3 = load(v.3 + f + 8) / maximum(m3, eps)
            for k in first..<components {
                let acc = accumulator + k * fp + f
                let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
                store(load(acc) + quadProduct(r0, r1, r2, r3, h0, h1, h2, h3), acc)
                store(load(acc + 8) + quadProduct(s0, s1, s2, s3, h0, h1, h2, h3), acc + 8)
            }
            f += 16
        }
        guard f < fp else { return }
        // The rest (fewer than 16 bins, the padding included) by the two-step path.
        while f < full {
            let (l0, l1, l2, l3) = lambdas(w: w, paddedBins: fp, components: components, at: f, h: h)
            store(load(v.0 + f) / maximum(l0, eps), r + f)
            store(load(v.1 + f) / maximum(l1, eps), r + fp + f)
            store(load(v.2 + f) / maximum(l2, eps), r + 2 * fp + f)
            store(load(v.3 + f) / maximum(l3, eps), r + 3 * fp + f)
            f += 8
        }
        if full < fp { _ = tail(v: v, w: w, bins: bins, paddedBins: fp, components: components, h: h, r: r, epsilon: epsilon, divergence: false, valid: 4) }
        var g = full & ~15
        while g < fp {
            let r0 = load(r + g), r1 = load(r + fp + g), r2 = load(r + 2 * fp + g), r3 = load(r + 3 * fp + g)
            for k in first..<components {
                let acc = accumulator + k * fp + g
                store(load(acc) + quadProduct(r0, r1, r2, r3, h.0[k], h.1[k], h.2[k], h.3[k]), acc)
            }
            g += 8
        }
    }

    /// W-update accumulation of four frames: acc[:, k] += Σ_j r_j · h_j[k] for k ≥ `first`
    /// (columns before it are held fixed and need no accumulation).
    @inline(__always)
    static func accumulateBasis(paddedBins fp: Int, components: Int, from first: Int = 0, r: UnsafePointer<Float>,
                                h: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
                                accumulator: UnsafeMutablePointer<Float>) {
        if components - first <= 4 {
            // Few components: one sweep over the bins, each vector of the four ratios loaded once.
            var f = 0
            while f < fp {
                let r0 = load(r + f), r1 = load(r + fp + f), r2 = load(r + 2 * fp + f), r3 = load(r + 3 * fp + f)
                for k in first..<components {
                    let acc = accumulator + k * fp + f
                    store(load(acc) + quadProduct(r0, r1, r2, r3, h.0[k], h.1[k], h.2[k], h.3[k]), acc)
                }
                f += 8
            }
            return
        }
        // Two components per sweep: each vector of the four ratios serves both.
        var k = first
        while k + 1 < components {
            let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
            let g0 = h.0[k + 1], g1 = h.1[k + 1], g2 = h.2[k + 1], g3 = h.3[k + 1]
            let acc = accumulator + k * fp, bcc = accumulator + (k + 1) * fp
            var f = 0
            while f < fp {
                let r0 = load(r + f), r1 = load(r + fp + f), r2 = load(r + 2 * fp + f), r3 = load(r + 3 * fp + f)
                store(load(acc + f) + quadProduct(r0, r1, r2, r3, h0, h1, h2, h3), acc + f)
                store(load(bcc + f) + quadProduct(r0, r1, r2, r3, g0, g1, g2, g3), bcc + f)
                f += 8
            }
            k += 2
        }
        if k < components {
            let h0 = h.0[k], h1 = h.1[k], h2 = h.2[k], h3 = h.3[k]
            let acc = accumulator + k * fp
            var f = 0
            while f < fp {
                store(load(acc + f) + quadProduct(load(r + f), load(r + fp + f), load(r + 2 * fp + f), load(r + 3 * fp + f),
                                                  h0, h1, h2, h3), acc + f)
                f += 8
            }
        }
    }
}
