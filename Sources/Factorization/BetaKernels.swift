#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-frame kernels of the β-divergence multiplicative updates (Févotte & Idier 2011):
/// for a frame v with model λ = W·h they form A = v ⊙ λ^(β−2) and B = λ^(β−1), from which
/// the H update takes Wᵀ·A and Wᵀ·B and the W update accumulates A·hᵀ and B·hᵀ.
/// Eight bins at a time over W padded to a multiple of 8 rows (as in `KLKernels`).
enum BetaKernels {
    typealias Vec = SIMD8<Float>

    /// e^x lane-wise for x in about [−87, 88] (inputs beyond are clamped, so results saturate
    /// at about 1.2·10⁻³⁸ and 3.3·10³⁸ instead of reaching 0 or +∞):
    /// x = n·ln 2 + r, |r| ≤ ln 2 / 2, e^r by its Taylor polynomial to r⁷ (relative error < 2·10⁻⁷).
    @inline(__always)
    static func exp(_ x: Vec) -> Vec {
        let clamped = x.clamped(lowerBound: Vec(repeating: -87.3), upperBound: Vec(repeating: 88.7))
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        let r = clamped - n * 0.693_145_75 - n * 1.428_606_8e-6
        var p = Vec(repeating: 1.0 / 5040)
        p = Vec(repeating: 1.0 / 720).addingProduct(p, r)
        p = Vec(repeating: 1.0 / 120).addingProduct(p, r)
        p = Vec(repeating: 1.0 / 24).addingProduct(p, r)
        p = Vec(repeating: 1.0 / 6).addingProduct(p, r)
        p = Vec(repeating: 0.5).addingProduct(p, r)
        p = Vec(repeating: 1).addingProduct(p, r)
        p = Vec(repeating: 1).addingProduct(p, r)
        let e = KLKernels.integer(n)
        // 2^n in two halves so that n = −126…128 stays representable.
        let half = e &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: Vec.self)
        let s2 = unsafeBitCast((e &- half &+ 127) &<< 23, to: Vec.self)
        return p * s1 * s2
    }

    /// λ^p lane-wise for λ ≥ the smallest normal float.
    @inline(__always)
    static func power(_ lambda: Vec, _ p: Float) -> Vec { exp(KLKernels.log(lambda) * p) }

    /// A = x ⊙ λ^(β−2) into `a` and B = λ^(β−1) into `b`, x = `scale`·v, from λ (in `a` on entry, floored
    /// at ε), over the padded bins (zero in the padding rows). For β ≤ 0, where d_β(0‖y) is
    /// infinite, v is floored at ε too, as in the divergence that is reported.
    static func terms(v: UnsafePointer<Float>, scale: Float, bins: Int, paddedBins: Int, a: UnsafeMutablePointer<Float>,
                      b: UnsafeMutablePointer<Float>, epsilon: Float, beta: Float) {
        let eps = Vec(repeating: epsilon), s = Vec(repeating: scale)
        let full = bins & ~7
        var f = 0
        while f < full {
            let raw = KLKernels.load(a + f), x = KLKernels.load(v + f) * s
            let (av, bv) = pair(beta <= 0 ? x.replacing(with: eps, where: x .< eps) : x, raw.replacing(with: eps, where: raw .< eps), beta)
            KLKernels.store(av, a + f)
            KLKernels.store(bv, b + f)
            f += 8
        }
        // The last partial vector: the same `pair` on the real bins, zeros in the padding.
        guard full < paddedBins else { return }
        var x = Vec(), lam = Vec(repeating: 1)
        for i in full..<bins {
            x[i - full] = v[i] * scale
            lam[i - full] = max(a[i], epsilon)
        }
        if beta <= 0 { x = x.replacing(with: eps, where: x .< eps) }
        let (av, bv) = pair(x, lam, beta)
        for i in full..<paddedBins {
            a[i] = i < bins ? av[i - full] : 0
            b[i] = i < bins ? bv[i - full] : 0
        }
    }

    /// (v·λ^(β−2), λ^(β−1)) with cheap special cases for β = 0, 0.5, 1.5, 2.
    @inline(__always)
    static func pair(_ x: Vec, _ lam: Vec, _ beta: Float) -> (Vec, Vec) {
        switch beta {
        case 0:
            let inv = 1 / lam
            return (x * inv * inv, inv)
        case 2:
            return (x, lam)
        case 0.5:
            let root = lam.squareRoot()
            let invRoot = 1 / root
            return (x * invRoot / lam, invRoot)
        case 1.5:
            let root = lam.squareRoot()
            return (x / root, root)
        default:
            let b = power(lam, beta - 1)
            return (x * b / lam, b)
        }
    }

    /// Σ_f d_β(scale·v_f‖max(λ_f, ε)) over `bins`, in double precision.
    static func divergence(v: UnsafePointer<Float>, scale: Float, lambda: UnsafePointer<Float>, bins: Int, epsilon: Float,
                           divergence: Divergence) -> Double {
        var d = 0.0
        let floor = Double(epsilon)
        for i in 0..<bins { d += divergence.value(Double(v[i] * scale), Double(max(lambda[i], epsilon)), floor: floor) }
        return d
    }
}
