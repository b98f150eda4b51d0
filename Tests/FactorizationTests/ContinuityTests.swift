import Testing
import Foundation
@testable import Factorization
import DSPCore
import _TestSupport

/// Virtanen's temporal-continuity penalty: smoother activations, thread-independent, KL only;
/// per-component weights of it and of the sparseness penalty.
@Suite struct ContinuityTests {
    /// Noisy V whose true activations change slowly.
    static func slowlyChanging() -> Matrix {
        var g = SeededGenerator(seed: 12)
        let f = 40, n = 400, k = 3
        var w = Matrix(rows: f, columns: k), h = Matrix(rows: k, columns: n)
        for i in 0..<w.storage.count { w.storage[i] = g.nextUnitFloat() }
        for c in 0..<k { for j in 0..<n { h[c, j] = 1 + Float(sin(Double(j) * 0.02 * Double(c + 1))) } }
        var v = w.multiplied(by: h)
        for i in 0..<v.storage.count { v.storage[i] *= 0.5 + g.nextUnitFloat() }
        return v
    }

    @Test func continuitySmoothsTheActivations() throws {
        let v = Self.slowlyChanging()
        var results: [Double] = []
        for weight: Float in [0, 1, 10] {
            var config = try NMFConfiguration(componentCount: 3, maxIterations: 150, seed: 1)
            config.continuity = weight
            let r = try NMF(configuration: config).factorize(v)
            #expect(r.activations.storage.allSatisfy { $0.isFinite && $0 > 0 })
            results.append(TestSupport.roughness(r.activations))
        }
        #expect(results[1] < results[0] && results[2] < results[1], "\(results)")
    }

    @Test func threadCountDoesNotMatterWithContinuity() throws {
        let v = Self.slowlyChanging()
        var outs: [NMFResult] = []
        for threads in [1, 2, 4] {
            var config = try NMFConfiguration(componentCount: 3, maxIterations: 20, seed: 1, threadCount: threads)
            config.continuity = 0.5
            config.sparsity = 0.1
            outs.append(try NMF(configuration: config).factorize(v))
        }
        #expect(outs[0].activations == outs[1].activations && outs[0].activations == outs[2].activations)
        #expect(outs[0].basis == outs[1].basis && outs[0].basis == outs[2].basis)
    }

    /// The two activation penalties, for tests that hold for both.
    enum Penalty: CaseIterable, Sendable {
        case continuity, sparsity

        func set(_ config: inout NMFConfiguration, shared: Float, perComponent: [Float]) {
            switch self {
            case .continuity: config.continuity = shared; config.componentContinuity = perComponent
            case .sparsity: config.sparsity = shared; config.componentSparsity = perComponent
            }
        }

        func weights(_ config: NMFConfiguration) -> [Float] {
            self == .continuity ? config.continuityWeights : config.sparsityWeights
        }
    }

    @Test(arguments: Penalty.allCases)
    func aWeightPerComponentEqualToTheSharedWeightGivesTheSameBits(penalty: Penalty) throws {
        let v = Self.slowlyChanging()
        let plainConfig = try NMFConfiguration(componentCount: 3, maxIterations: 30, seed: 2)
        var shared = plainConfig, perComponent = plainConfig
        penalty.set(&shared, shared: 0.7, perComponent: [])
        penalty.set(&perComponent, shared: 0, perComponent: [0.7, 0.7, 0.7])
        let a = try NMF(configuration: shared).factorize(v), b = try NMF(configuration: perComponent).factorize(v)
        #expect(a.activations == b.activations && a.basis == b.basis)
        #expect(penalty.weights(perComponent) == [0.7, 0.7, 0.7] && penalty.weights(shared) == [0.7, 0.7, 0.7])
        // Zero weights everywhere are no penalty at all: the plain factorization's bits.
        penalty.set(&perComponent, shared: 0, perComponent: [0, 0, 0])
        #expect(penalty.weights(perComponent).isEmpty)
        let plain = try NMF(configuration: plainConfig).factorize(v), zero = try NMF(configuration: perComponent).factorize(v)
        #expect(plain.activations == zero.activations && plain.basis == zero.basis)
    }

    @Test func aWeightOnOneComponentSmoothsThatComponent() throws {
        let v = Self.slowlyChanging()
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 150, seed: 1)
        let plain = try NMF(configuration: config).factorize(v)
        config.componentContinuity = [0, 0, 10]
        let smoothed = try NMF(configuration: config).factorize(v)
        #expect(TestSupport.roughness(smoothed.activations, rows: 2..<3) < 0.5 * TestSupport.roughness(plain.activations, rows: 2..<3))
        #expect(smoothed.activations.storage.allSatisfy { $0.isFinite && $0 > 0 })
    }

    @Test func termsOfUnweightedComponentsAreZeroAndTheOthersUnchanged() {
        var g = SeededGenerator(seed: 8)
        var h = Matrix(rows: 3, columns: 11)
        for i in 0..<h.storage.count { h.storage[i] = 0.2 + g.nextUnitFloat() }
        let some = ActivationPenalties(h: h, columnSums: [1, 2, 3], sparsity: [], continuity: [0, 0.4, 0])
        let all = ActivationPenalties(h: h, columnSums: [1, 2, 3], sparsity: [], continuity: [0.4, 0.4, 0.4])
        for j in 0..<h.columns {
            for c in 0..<3 {
                let i = j * 3 + c
                if c == 1 {
                    #expect(some.continuityNumerator[i] == all.continuityNumerator[i] && some.continuityDenominator[i] == all.continuityDenominator[i])
                    #expect(some.continuityDenominator[i] > 0)
                } else {
                    #expect(some.continuityNumerator[i] == 0 && some.continuityDenominator[i] == 0)
                }
            }
        }
        let none = ActivationPenalties(h: h, columnSums: [1, 2, 3], sparsity: [], continuity: [0, 0, 0])
        #expect(none.continuityNumerator.isEmpty)
    }

    @Test func sparsityTermsOfUnweightedComponentsAreZero() {
        var g = SeededGenerator(seed: 9)
        var h = Matrix(rows: 3, columns: 11)
        for i in 0..<h.storage.count { h.storage[i] = 0.2 + g.nextUnitFloat() }
        let some = ActivationPenalties(h: h, columnSums: [1, 2, 3], sparsity: [0.5, 0, 0], continuity: [])
        let all = ActivationPenalties(h: h, columnSums: [1, 2, 3], sparsity: [0.5, 0.5, 0.5], continuity: [])
        #expect(some.sparseGain[0] == all.sparseGain[0] && some.sparseGain[0] > 0 && some.sparseGain[1] == 0 && some.sparseGain[2] == 0)
        #expect(some.inverseDenominator[0] == all.inverseDenominator[0])
        #expect(some.inverseDenominator[1] == 1 / 2 && some.inverseDenominator[2] == 1 / 3)
    }

    @Test func componentWeightsAreChecked() throws {
        var config = try NMFConfiguration(componentCount: 3)
        config.componentContinuity = [1, 1]
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.slowlyChanging()) }
        config.componentContinuity = [0, -1, 0]
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.slowlyChanging()) }
        config.componentContinuity = [0, .nan, 0]
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.slowlyChanging()) }
        config.componentContinuity = [0, 1, 0]
        config.divergence = .itakuraSaito
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.slowlyChanging()) }
        config.componentContinuity = [0, 0, 0]
        _ = try NMF(configuration: config).factorize(Self.slowlyChanging())
        config.divergence = .kullbackLeibler
        let bad: [([Float], String)] = [([1], "componentSparsity 1 weights"), ([0, -1, 0], "componentSparsity[1] -1.0"),
                                        ([0, .infinity, 0], "componentSparsity[1] inf")]
        for (weights, message) in bad {
            config.componentSparsity = weights
            #expect { try NMF(configuration: config).factorize(Self.slowlyChanging()) } throws: { error in
                (error as? FactorizationError)?.description.contains(message) == true
            }
        }
        config.componentSparsity = [0.1, 0, 0]
        config.divergence = .euclidean
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.slowlyChanging()) }
    }

    @Test func continuityIsRefusedOutsideKL() throws {
        var config = try NMFConfiguration(componentCount: 2)
        config.continuity = 1
        config.divergence = .euclidean
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.slowlyChanging()) }
        config.divergence = .kullbackLeibler
        config.continuity = -1
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(Self.slowlyChanging()) }
    }
}

/// The continuity terms are the positive and negative parts of the cost's gradient:
/// den − num must equal μ_k·λ·∂c/∂h by finite differences.
@Suite struct ContinuityGradientTests {
    static func cost(_ h: Matrix, row c: Int) -> Double {
        var squares = 0.0, jumps = 0.0
        for j in 0..<h.columns {
            squares += Double(h[c, j]) * Double(h[c, j])
            if j > 0 { let d = Double(h[c, j]) - Double(h[c, j - 1]); jumps += d * d }
        }
        return Double(h.columns) / squares * jumps
    }

    @Test func termsMatchTheFiniteDifferenceGradient() {
        var g = SeededGenerator(seed: 5)
        var h = Matrix(rows: 2, columns: 9)
        for i in 0..<h.storage.count { h.storage[i] = 0.5 + g.nextUnitFloat() }
        let weight: Float = 0.7
        let p = ActivationPenalties(h: h, columnSums: [1, 1], sparsity: [], continuity: [weight, weight])
        for c in 0..<2 {
            let mu = (0..<h.columns).reduce(0.0) { $0 + Double(h[c, $1]) } / Double(h.columns)
            for j in 0..<h.columns {
                var up = h, down = h
                let step: Float = 1e-3
                up[c, j] += step
                down[c, j] -= step
                let numeric = (Self.cost(up, row: c) - Self.cost(down, row: c)) / Double(2 * step)
                let analytic = Double(p.continuityDenominator[j * 2 + c] - p.continuityNumerator[j * 2 + c]) / (Double(weight) * mu)
                #expect(abs(numeric - analytic) <= 2e-3 * max(1, abs(numeric)), "row \(c) frame \(j): \(numeric) vs \(analytic)")
            }
        }
    }
}
