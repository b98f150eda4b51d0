/// Invalid factorization settings or input. Messages name the parameter, its value and
/// what is allowed.
public enum FactorizationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration value is out of range. `name` is the command-line option for most settings
    /// the command line has (e.g. `--iterations` for `NMFConfiguration.maxIterations`,
    /// `--tolerance`, `--step-exponent` for `stepExponent`), else a property or quantity
    /// (`threadCount`, `restarts`, `components`, `gains`, `channels`, `β`, …).
    case invalidParameter(name: String, value: String, allowed: String)
    /// A named choice (e.g. a divergence) is not one the solver knows.
    case unknownValue(name: String, value: String, allowed: String)
    /// The input matrix has a negative, NaN or infinite entry.
    case invalidInput(String)
    /// The progress callback asked to stop.
    case cancelled

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .invalidParameter(let n, let v, let a): return "\(n) \(v) is out of range (allowed: \(a))"
        case .unknownValue(let n, let v, let a): return "\(n) '\(v)' is not known (allowed: \(a))"
        case .invalidInput(let s): return "invalid NMF input: \(s)"
        case .cancelled: return "factorization cancelled"
        }
    }
}
