import Testing
import Foundation
@testable import Factorization
import DSPCore

/// β-divergence NMF (Févotte & Idier 2011): monotone for every β, exact on planted data,
/// the reported divergence equal to a slow double-precision sum, thread-count independent.
@Suite struct BetaDivergenceTests {
    static func planted(bins: Int = 50, frames: Int = 240, components: Int = 4, noise: Float = 0.2, seed: UInt64 = 5) -> Matrix {
        var g = SeededGenerator(seed: seed)
        var w = Matrix(rows: bins, columns: components)
        var h = Matrix(rows: components, columns: frames)
        for i in 0..<w.storage.count { let u = g.nextUnitFloat(); w.storage[i] = u < 0.5 ? 0.01 * u : u }
        for i in 0..<h.storage.count { let u = g.nextUnitFloat(); h.storage[i] = u < 0.3 ? 0.01 * u : 3 * u }
        var v = w.multiplied(by: h)
        for i in 0..<v.storage.count { v.storage[i] += noise * g.nextUnitFloat() }
        return v
    }

    static let betas: [Float] = [-0.5, 0, 0.5, 1.5, 2, 3]

    @Test(arguments: betas)
    func divergenceNeverIncreases(beta: Float) throws {
        let v = Self.planted()
        var config = try NMFConfiguration(componentCount: 5, maxIterations: 80, divergenceInterval: 1, seed: 3, restarts: 1)
        config.divergence = try Divergence(beta: beta)
        let r = try NMF(configuration: config).factorize(v)
        #expect(r.divergenceHistory.count == 81)
        for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) {
            #expect(b.value <= a.value * (1 + 1e-5) + 1e-9, "β = \(beta), iteration \(b.iteration): \(b.value) > \(a.value)")
        }
        #expect(r.finalDivergence < 0.5 * r.divergenceHistory[0].value)
        #expect(r.basis.storage.allSatisfy { $0.isFinite && $0 > 0 } && r.activations.storage.allSatisfy { $0.isFinite && $0 > 0 })
    }

    @Test(arguments: [Float(0), 2])
    func fitsAPlantedFactorization(beta: Float) throws {
        let v = Self.planted(noise: 0)
        var config = try NMFConfiguration(componentCount: 4, maxIterations: 400, seed: 1, restarts: 3)
        config.divergence = try Divergence(beta: beta)
        let r = try NMF(configuration: config).factorize(v)
        #expect(r.finalDivergence < 0.02 * r.divergenceHistory[0].value, "β = \(beta): \(r.finalDivergence) vs \(r.divergenceHistory[0].value)")
    }

    @Test(arguments: betas)
    func reportedDivergenceMatchesASlowSum(beta: Float) throws {
        let v = Self.planted()
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 5, seed: 2, restarts: 1)
        let divergence = try Divergence(beta: beta)
        config.divergence = divergence
        let r = try NMF(configuration: config).factorize(v)
        let lambda = r.basis.multiplied(by: r.activations)
        let eps = Double(KLState.epsilon(for: v)) * (beta < 0 ? 1000 : 1)   // the β path's floor: 10⁻⁹ (10⁻⁶ for β < 0) of mean(V)
        var slow = 0.0
        for i in 0..<v.storage.count {
            let x = Double(v.storage[i]), y = max(Double(lambda.storage[i]), eps)
            let b = Double(beta)
            let xx = b <= 0 ? max(x, eps) : x
            slow += b == 0 ? xx / y - log(xx / y) - 1
                : b == 2 ? 0.5 * (x - y) * (x - y)
                : pow(xx, b) / (b * (b - 1)) + pow(y, b) / b - xx * pow(y, b - 1) / (b - 1)
        }
        #expect(abs(r.finalDivergence - slow) <= 1e-4 * slow, "β = \(beta): \(r.finalDivergence) vs \(slow)")
        #expect(abs(NMF.divergence(v, basis: r.basis, activations: r.activations, divergence: divergence) - slow) <= 1e-4 * slow)
    }

    /// Where the terms of d_β nearly cancel at huge magnitudes (β < 0, x and y near the floor),
    /// rounding must not make the divergence negative: a silent input with β = −2 reported −4.
    @Test func divergenceIsNeverNegative() throws {
        for beta: Float in [-2, -1, -0.5, 0.5, 1.5, 3] {
            let d = try Divergence(beta: beta)
            for (x, y) in [(0.0, 1e-18), (1e-18, 1.000001e-18), (3e-9, 2.9e-9), (1e-12, 1e-12)] {
                #expect(d.value(x, y, floor: 1e-18) >= 0, "β = \(beta), x = \(x), y = \(y)")
            }
        }
        #expect(try Divergence(beta: -2).value(.nan, 1, floor: 1e-18).isNaN, "the clamp keeps NaN")
        var config = try NMFConfiguration(componentCount: 2, maxIterations: 20, divergenceInterval: 1, seed: 1, restarts: 1)
        config.divergence = try Divergence(beta: -2)
        let r = try NMF(configuration: config).factorize(Matrix(rows: 65, columns: 40))
        #expect(r.finalDivergence >= 0 && r.divergenceHistory.allSatisfy { $0.value >= 0 }, "\(r.divergenceHistory)")
    }

    /// Values that do not come from the same formula: d(x‖x) = 0, the limits β → 1 (KL) and
    /// β → 0 (IS), and hand-computed points.
    @Test func divergenceValuesAgreeWithIndependentFacts() throws {
        for beta: Float in [-1, 0, 0.5, 1, 1.5, 2, 3] {
            let d = try Divergence(beta: beta)
            for x in [0.1, 1, 7.5] { #expect(abs(d.value(x, x, floor: 1e-12)) < 1e-12) }
        }
        let kl = Divergence.kullbackLeibler, isd = Divergence.itakuraSaito
        for (x, y) in [(0.3, 1.1), (2.0, 0.5), (5.0, 5.5)] {
            #expect(abs(try Divergence(beta: 1.0001).value(x, y, floor: 0) - kl.value(x, y, floor: 0)) < 1e-3)
            #expect(abs(try Divergence(beta: 0.0001).value(x, y, floor: 0) - isd.value(x, y, floor: 0)) < 1e-3)
        }
        #expect(abs(kl.value(2, 1, floor: 0) - (2 * log(2) - 1)) < 1e-12)            // 2·ln 2 − 2 + 1
        #expect(abs(isd.value(2, 1, floor: 0) - (2 - log(2) - 1)) < 1e-12)
        #expect(abs(Divergence.euclidean.value(3, 1, floor: 0) - 2) < 1e-12)           // ½·(3 − 1)²
        #expect(abs(try Divergence(beta: 3).value(2, 1, floor: 0) - (8.0 / 6 + 1.0 / 3 - 2.0 / 2)) < 1e-12)
        #expect(kl.value(0, 0.7, floor: 0) == 0.7)
    }

    /// Silent frames and bins (exact zeros in V) leave everything finite for every β.
    @Test(arguments: betas)
    func zerosInVStayFinite(beta: Float) throws {
        var v = Self.planted()
        for j in 0..<v.columns where j % 7 == 0 { for i in 0..<v.rows { v[i, j] = 0 } }
        for i in 0..<v.rows where i % 5 == 0 { for j in 0..<v.columns { v[i, j] = 0 } }
        var config = try NMFConfiguration(componentCount: 4, maxIterations: 40, divergenceInterval: 1, seed: 2, restarts: 1)
        config.divergence = try Divergence(beta: beta)
        let r = try NMF(configuration: config).factorize(v)
        #expect(r.divergenceHistory.allSatisfy { $0.value.isFinite })
        #expect(r.basis.storage.allSatisfy(\.isFinite) && r.activations.storage.allSatisfy(\.isFinite))
        for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) { #expect(b.value <= a.value * (1 + 1e-5) + 1e-9) }
    }

    /// A quiet recording (V of order 10⁻¹²) and a loud one (10⁶) give the same factorization
    /// up to the scale: the β path works on V / mean(V).
    @Test func levelOfVDoesNotMatter() throws {
        let v = Self.planted()
        var results: [NMFResult] = []
        for level: Float in [1, 1e-12, 1e6] {
            let scaled = Matrix(rows: v.rows, columns: v.columns, columnMajor: v.storage.map { $0 * level })
            var config = try NMFConfiguration(componentCount: 3, maxIterations: 30, seed: 1, restarts: 1)
            config.divergence = try Divergence(beta: -1)
            let r = try NMF(configuration: config).factorize(scaled)
            #expect(r.activations.storage.allSatisfy { $0.isFinite } && r.finalDivergence.isFinite)
            results.append(r)
        }
        for r in results.dropFirst() {
            for (a, b) in zip(r.basis.storage, results[0].basis.storage) { #expect(abs(a - b) <= 1e-3 * max(b, 1e-6)) }
        }
    }

    @Test func threadCountDoesNotChangeABit() throws {
        let v = Self.planted(frames: 1500)
        var results: [NMFResult] = []
        for threads in [1, 2, 3] {
            var config = try NMFConfiguration(componentCount: 4, maxIterations: 20, seed: 4, threadCount: threads)
            config.divergence = .itakuraSaito
            results.append(try NMF(configuration: config).factorize(v))
        }
        #expect(results[0].basis == results[1].basis && results[0].basis == results[2].basis)
        #expect(results[0].activations == results[1].activations && results[0].activations == results[2].activations)
    }

    @Test func vectorExponentialIsAccurate() {
        var worst: Float = 0
        var x: Float = -80
        while x < 80 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.013 })
            let e = BetaKernels.exp(lanes)
            for i in 0..<8 {
                let exact = Foundation.exp(Double(lanes[i]))
                worst = max(worst, Float(abs(Double(e[i]) - exact) / exact))
            }
            x += 0.37
        }
        #expect(worst < 1e-6, "\(worst)")
        let logs = KLKernels.log(SIMD8<Float>(1e-30, 1e-10, 0.5, 0.7071, 1, 1.5, 1e10, 3e38))
        for (i, y) in [1e-30, 1e-10, 0.5, 0.7071, 1, 1.5, 1e10, 3e38].enumerated() {
            #expect(abs(Double(logs[i]) - Foundation.log(y)) <= 1e-6 * max(1, abs(Foundation.log(y))))
        }
    }

    @Test func namesAndRangesAreChecked() throws {
        #expect(try Divergence(parsing: "kl") == .kullbackLeibler)
        #expect(try Divergence(parsing: "IS") == .itakuraSaito)
        #expect(try Divergence(parsing: "euclidean") == .euclidean)
        #expect(try Divergence(parsing: "beta=0.5").beta == 0.5)
        for bad in ["beta=9", "beta=nan", "beta=", "frobenius", ""] {
            #expect(throws: FactorizationError.self) { try Divergence(parsing: bad) }
        }
        #expect(Divergence.itakuraSaito.updateExponent == 0.5 && Divergence.euclidean.updateExponent == 1)
        #expect(try Divergence(beta: 3).updateExponent == 0.5)
        var config = try NMFConfiguration(componentCount: 2)
        config.divergence = .itakuraSaito
        config.sparsity = 1
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.planted()) }
    }
}
