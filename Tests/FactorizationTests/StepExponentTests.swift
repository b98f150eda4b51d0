import Testing
@testable import Factorization
import DSPCore

/// Over-relaxed multiplicative steps (`NMFConfiguration.stepExponent`, Badeau, Bertin & Vincent 2010).
@Suite struct StepExponentTests {
    func config(_ exponent: Float, iterations: Int = 60, threads: Int = 2) throws -> NMFConfiguration {
        var c = try NMFConfiguration(componentCount: 6, maxIterations: iterations, divergenceInterval: 1, seed: 3,
                                     threadCount: threads, restarts: 1)
        c.stepExponent = exponent
        return c
    }

    @Test func overRelaxedStepsReachALowerDivergenceInTheSameIterations() throws {
        let (v, _, _) = NMFTests().plantedMatrix(noise: 0.3)
        let plain = try NMF(configuration: config(1)).factorize(v)
        let relaxed = try NMF(configuration: config(1.5)).factorize(v)
        #expect(relaxed.finalDivergence < plain.finalDivergence, "ω = 1.5: \(relaxed.finalDivergence), ω = 1: \(plain.finalDivergence)")
        // And ω = 1.5 reaches plain MU's 60-iteration value well before 60 iterations.
        let hit = relaxed.divergenceHistory.first { $0.value <= plain.finalDivergence }
        #expect((hit?.iteration ?? .max) < 50)
    }

    @Test func exponentOneIsLeeSeungBitForBit() throws {
        let (v, _, _) = NMFTests().plantedMatrix(noise: 0.3)
        var defaults = try NMFConfiguration(componentCount: 6, maxIterations: 30, seed: 3, restarts: 1)
        let a = try NMF(configuration: defaults).factorize(v)
        defaults.stepExponent = 1
        let b = try NMF(configuration: defaults).factorize(v)
        #expect(a.basis.storage == b.basis.storage && a.activations.storage == b.activations.storage)
        #expect(a.stepExponentFallbackIteration == nil && b.stepExponentFallbackIteration == nil)
    }

    @Test func afterTheFirstRiseTheStepsAreMonotone() throws {
        // ω = 1.9 overshoots on this V (exactly once); after that rise the run goes on with ω = 1.
        let (v, _, _) = NMFTests().plantedMatrix(noise: 0.3)
        let r = try NMF(configuration: config(1.9, iterations: 120)).factorize(v)
        let d = r.divergenceHistory.map(\.value)
        #expect(d.allSatisfy { $0.isFinite })
        let rises = zip(d, d.dropFirst()).enumerated().filter { $0.element.1 > $0.element.0 * (1 + 1e-6) }.map(\.offset)
        #expect(rises.count == 1, "rises at \(rises)")
        #expect(d.last! < d.first!)
        // d[o + 1] > d[o] is measured in iteration o + 2, the last one run over-relaxed.
        #expect(r.stepExponentFallbackIteration == rises.first.map { $0 + 2 })
    }

    /// The rise that ends the over-relaxed steps is not a decrease below the tolerance: the run
    /// goes on at ω = 1 (it used to stop right there, at a higher divergence than plain MU's).
    @Test func theFallbackDoesNotStopARunWithATolerance() throws {
        let (v, _, _) = NMFTests().plantedMatrix(noise: 0.3)
        var c = try config(1.9, iterations: 120)
        c.tolerance = 1e-4
        let r = try NMF(configuration: c).factorize(v)
        let fallback = try #require(r.stepExponentFallbackIteration)
        #expect(r.iterations > fallback + 1, "stopped at \(r.iterations), fallback at \(fallback)")
        let d = r.divergenceHistory.map(\.value)
        #expect(d.last! < d.first!)
    }

    @Test(arguments: [Float(1.5), 1.7]) func threadCountDoesNotChangeABit(_ exponent: Float) throws {
        let (v, _, _) = NMFTests().plantedMatrix(frames: 700, noise: 0.3)
        let one = try NMF(configuration: config(exponent, iterations: 25, threads: 1)).factorize(v)
        let two = try NMF(configuration: config(exponent, iterations: 25, threads: 2)).factorize(v)
        #expect(one.basis.storage == two.basis.storage && one.activations.storage == two.activations.storage)
    }

    @Test(arguments: [Float(0), -1, 2, 3, .nan, .infinity]) func outOfRangeExponentsAreRefused(_ exponent: Float) throws {
        let (v, _, _) = NMFTests().plantedMatrix()
        let c = try config(exponent)
        #expect(throws: FactorizationError.self) { try NMF(configuration: c).factorize(v) }
    }

    @Test func overRelaxationIsRefusedOutsideKL() throws {
        let (v, _, _) = NMFTests().plantedMatrix()
        var c = try config(1.5)
        c.divergence = try Divergence(beta: 0)
        #expect(throws: FactorizationError.self) { try NMF(configuration: c).factorize(v) }
        c.stepExponent = 1
        _ = try NMF(configuration: c).factorize(v)
    }
}
