import DSPCore

/// Analysis/synthesis windows.
public enum Window: Sendable, Equatable {
    /// The periodic Hann window, w[n] = sin²(π n / N): the DFT-even form whose
    /// overlap-add is constant for hops N/2, N/4, ... (Harris 1978).
    case hann

    /// The window's `size` samples.
    /// - Parameter size: the window length, ≥ 0.
    /// - Returns: `size` samples.
    /// - Precondition (checked in release builds too): `size` ≥ 0 (the process stops with a message naming it otherwise).
    public func samples(size: Int) -> [Float] {
        require(size >= 0, "window size \(size) is out of range (allowed: 0 or more)")
        switch self {
        case .hann:
            return (0..<size).map { n in
                let s = sin(Double.pi * Double(n) / Double(size))
                return Float(s * s)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
