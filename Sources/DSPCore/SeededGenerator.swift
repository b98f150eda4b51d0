/// A small, fast pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014) that
/// produces the same sequence for the same seed on every platform and every run.
///
/// The system generator is deliberately not used: results of `nmf-separate --seed N`
/// must be reproducible bit for bit across machines.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed; every seed, including 0, is valid.
    public init(seed: UInt64) {
        state = seed
    }

    /// Returns the next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Float` in [0, 1) built from the top 24 bits (exact, platform-independent).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }
}
