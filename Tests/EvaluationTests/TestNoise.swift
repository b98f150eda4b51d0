import Foundation
import Testing

/// Deterministic test signals (SplitMix64 + Box–Muller), independent of other modules.
struct TestNoise {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    mutating func uniform() -> Double { (Double(nextUInt64() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// Standard normal.
    mutating func gaussian() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }

    /// `count` samples of white Gaussian noise.
    mutating func white(_ count: Int) -> [Float] { (0..<count).map { _ in Float(gaussian()) } }

    /// `count` samples of noise coloured by a one-pole low-pass (speech-like spectral tilt).
    mutating func coloured(_ count: Int, pole: Double = 0.9) -> [Float] {
        var y = 0.0
        return (0..<count).map { _ in
            y = pole * y + gaussian()
            return Float(y)
        }
    }
}

/// Σ x² in Double.
func energy(_ x: [Float]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } }

/// Asserts |a − b| ≤ tolerance, naming the quantity.
func expectClose(_ a: Double, _ b: Double, tolerance: Double, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance, "\(what): \(a) vs \(b) (|Δ| = \(abs(a - b)), tolerance \(tolerance))",
            sourceLocation: sourceLocation)
}
