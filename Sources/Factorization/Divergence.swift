#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The β-divergence the factorization minimises (Févotte & Idier 2011, "Algorithms for
/// nonnegative matrix factorization with the β-divergence", Neural Computation 23(9)).
///
/// d_β(x‖y) = x^β/(β(β−1)) + y^β/β − x·y^(β−1)/(β−1) for β ∉ {0, 1}; β = 1 is the
/// (generalised) Kullback–Leibler divergence x·log(x/y) − x + y, β = 0 the Itakura–Saito
/// divergence x/y − log(x/y) − 1, β = 2 half the squared Euclidean distance.
public struct Divergence: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// β, from −2 to 4.
    public let beta: Float

    /// Kullback–Leibler (β = 1), the default: the fused fast path.
    public static let kullbackLeibler = Divergence(uncheckedBeta: 1)
    /// Itakura–Saito (β = 0): scale-invariant (nmf-separate applies it, like every
    /// divergence, to the magnitude spectrogram).
    public static let itakuraSaito = Divergence(uncheckedBeta: 0)
    /// Half the squared Euclidean distance (β = 2).
    public static let euclidean = Divergence(uncheckedBeta: 2)

    private init(uncheckedBeta beta: Float) { self.beta = beta }

    /// A β-divergence.
    /// - Throws: `FactorizationError.invalidParameter` when β is not finite or outside −2…4.
    public init(beta: Float) throws {
        guard beta.isFinite, beta >= -2, beta <= 4 else {
            throw FactorizationError.invalidParameter(name: "β", value: "\(beta)", allowed: "−2 ≤ β ≤ 4")
        }
        self.beta = beta
    }

    /// Parses `kl`, `is`, `euclidean` or `beta=B`.
    /// - Throws: `FactorizationError.invalidParameter` naming the text and the allowed forms.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "kl", "kullback-leibler": self = .kullbackLeibler
        case "is", "itakura-saito": self = .itakuraSaito
        case "euclidean", "eu": self = .euclidean
        default:
            guard text.lowercased().hasPrefix("beta="), let b = Float(text.dropFirst(5)) else {
                throw FactorizationError.unknownValue(name: "--divergence", value: text,
                                                      allowed: "kl, is, euclidean or beta=B with −2 ≤ B ≤ 4")
            }
            do { try self.init(beta: b) } catch {
                throw FactorizationError.invalidParameter(name: "--divergence", value: text,
                                                          allowed: "beta=B with −2 ≤ B ≤ 4, or kl, is, euclidean")
            }
        }
    }

    /// `kullback-leibler`, `itakura-saito`, `euclidean` or `beta=B`.
    public var description: String {
        switch beta {
        case 1: return "kullback-leibler"
        case 0: return "itakura-saito"
        case 2: return "euclidean"
        default: return "beta=\(beta.formattedValue)"
        }
    }

    /// The exponent γ(β) of the majorisation–minimisation updates, which makes them
    /// decrease the divergence monotonically for every β (Févotte & Idier 2011, Table 2):
    /// 1/(2 − β) for β < 1, 1 for 1 ≤ β ≤ 2, 1/(β − 1) for β > 2.
    public var updateExponent: Float {
        if beta < 1 { return 1 / (2 - beta) }
        if beta > 2 { return 1 / (beta - 1) }
        return 1
    }

    /// d_β(x‖y) for one pair, in double precision (x ≥ 0, y > 0; x is floored at `floor` when β ≤ 0).
    ///
    /// For β other than 0, 1, 2 the three terms cancel where x ≈ y, and for β < 0 at a tiny x
    /// they are huge (x^β), so their rounded sum can fall below zero; it is clamped at 0, the
    /// divergence's minimum (a silent input with β = −2 reported −4).
    @inline(__always)
    public func value(_ x: Double, _ y: Double, floor: Double) -> Double {
        let b = Double(beta)
        switch beta {
        case 1: return x > 0 ? x * log(x / y) - x + y : y
        case 0:
            let r = max(x, floor) / y
            return r - log(r) - 1
        case 2: return 0.5 * (x - y) * (x - y)
        default:
            let xx = b <= 0 ? max(x, floor) : x
            let d = pow(xx, b) / (b * (b - 1)) + pow(y, b) / b - xx * pow(y, b - 1) / (b - 1)
            return d < 0 ? 0 : d   // not max(0, d): a NaN must stay NaN (a diverged run is refused on it)
        }
    }
}

extension Float {
    /// `0.5`, `3` (no trailing `.0`), for messages and file headers.
    var formattedValue: String { self == rounded() && abs(self) < 1e6 ? String(Int(self)) : "\(self)" }
}
