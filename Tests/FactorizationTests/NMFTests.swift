import Testing
@testable import Factorization
import DSPCore

@Suite struct NMFTests {
    /// A random non-negative V with structure: a planted W0·H0 plus noise.
    func plantedMatrix(bins: Int = 60, frames: Int = 300, components: Int = 4, noise: Float = 0, seed: UInt64 = 9) -> (Matrix, Matrix, Matrix) {
        var g = SeededGenerator(seed: seed)
        var w = Matrix(rows: bins, columns: components)
        var h = Matrix(rows: components, columns: frames)
        for i in 0..<w.storage.count { let u = g.nextUnitFloat(); w.storage[i] = u < 0.6 ? 0 : u }
        for i in 0..<h.storage.count { let u = g.nextUnitFloat(); h.storage[i] = u < 0.4 ? 0 : 3 * u }
        var v = w.multiplied(by: h)
        for i in 0..<v.storage.count { v.storage[i] += noise * g.nextUnitFloat() }
        return (v, w, h)
    }

    /// The KL divergence by a slow, obvious loop in Double.
    func slowKL(_ v: Matrix, _ w: Matrix, _ h: Matrix) -> Double {
        let l = w.multiplied(by: h)
        var d = 0.0
        for i in 0..<v.storage.count {
            let x = Double(v.storage[i]), y = max(Double(l.storage[i]), 1e-30)
            d += (x > 0 ? x * log(x / y) : 0) - x + y
        }
        return d
    }

    @Test func divergenceNeverIncreases() throws {
        let (v, _, _) = plantedMatrix(noise: 0.3)
        let config = try NMFConfiguration(componentCount: 6, maxIterations: 150, divergenceInterval: 1, seed: 1, restarts: 1)
        let r = try NMF(configuration: config).factorize(v)
        #expect(r.divergenceHistory.count == 151)
        for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) {
            #expect(b.value <= a.value * (1 + 1e-6), "iteration \(b.iteration): \(b.value) > \(a.value)")
        }
    }

    @Test func fitsPlantedFactorization() throws {
        let (v, _, _) = plantedMatrix()
        let config = try NMFConfiguration(componentCount: 4, maxIterations: 2000, seed: 0)
        let r = try NMF(configuration: config).factorize(v)
        let total = v.storage.reduce(0) { $0 + Double($1) }
        #expect(r.finalDivergence < 1e-3 * total)
        #expect(r.basis.storage.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(r.activations.storage.allSatisfy { $0 >= 0 && $0.isFinite })
    }

    @Test func reportedDivergenceMatchesSlowReference() throws {
        let (v, _, _) = plantedMatrix(noise: 0.5)
        let r = try NMF(configuration: NMFConfiguration(componentCount: 3, maxIterations: 20)).factorize(v)
        let ref = slowKL(v, r.basis, r.activations)
        #expect(abs(r.finalDivergence - ref) < 1e-3 * ref)
    }

    @Test func basisColumnsSumToOne() throws {
        let (v, _, _) = plantedMatrix(noise: 0.1)
        let r = try NMF(configuration: NMFConfiguration(componentCount: 5, maxIterations: 30)).factorize(v)
        for k in 0..<5 { #expect(abs(r.basis.column(k).reduce(0, +) - 1) < 1e-4) }
    }

    @Test func leavesTheInputUntouched() throws {
        let (v, _, _) = plantedMatrix(noise: 0.2)
        let copy = v
        _ = try NMF(configuration: NMFConfiguration(componentCount: 3, maxIterations: 10)).factorize(v)
        #expect(v == copy)
    }

    @Test func sameSeedSameResultAndThreadCountDoesNotMatter() throws {
        let (v, _, _) = plantedMatrix(bins: 129, frames: 2000, noise: 0.2)
        let one = try NMF(configuration: NMFConfiguration(componentCount: 5, maxIterations: 25, seed: 4, threadCount: 1)).factorize(v)
        let two = try NMF(configuration: NMFConfiguration(componentCount: 5, maxIterations: 25, seed: 4, threadCount: 2)).factorize(v)
        let three = try NMF(configuration: NMFConfiguration(componentCount: 5, maxIterations: 25, seed: 4, threadCount: 3)).factorize(v)
        #expect(one.basis == two.basis && one.activations == two.activations)
        #expect(one.basis == three.basis && one.activations == three.activations)
        let other = try NMF(configuration: NMFConfiguration(componentCount: 5, maxIterations: 25, seed: 5)).factorize(v)
        #expect(other.basis != one.basis)
    }

    /// A configuration whose trial starts run on all frames (`restartFrameStride` 1).
    func allFrames(_ c: NMFConfiguration) -> NMFConfiguration {
        var c = c
        c.restartFrameStride = 1
        return c
    }

    @Test func multiStartKeepsTheBestTrialAndStaysMonotone() throws {
        let (v, _, _) = plantedMatrix(noise: 0.3)
        let multi = try NMF(configuration: allFrames(NMFConfiguration(componentCount: 4, maxIterations: 60, divergenceInterval: 1, seed: 2, restarts: 5))).factorize(v)
        #expect(multi.iterations == 60)
        #expect(multi.divergenceHistory.first?.iteration == 0 && multi.divergenceHistory[1].iteration == 10)
        for (a, b) in zip(multi.divergenceHistory, multi.divergenceHistory.dropFirst()) { #expect(b.value <= a.value * (1 + 1e-6)) }
        // The kept start is at least as good after its trial as the plain start after the same number of iterations.
        let single = try NMF(configuration: NMFConfiguration(componentCount: 4, maxIterations: 10, seed: 2, restarts: 1)).factorize(v)
        #expect(multi.divergenceHistory[1].value <= single.finalDivergence)
        let again = try NMF(configuration: allFrames(NMFConfiguration(componentCount: 4, maxIterations: 60, divergenceInterval: 1, seed: 2, restarts: 5))).factorize(v)
        #expect(again.basis == multi.basis)
    }

    /// Five iterations of a state reading every 4th frame in place and of one on a copy of
    /// those frames give the same divergences, factors and final divergence, to the bit.
    func expectStridedMatchesCopy<S: NMFState>(_ make: (Matrix, Matrix, Matrix, Int) throws -> S) throws {
        let (v, _, _) = plantedMatrix(bins: 67, frames: 1001, noise: 0.3)
        let (w, h) = NMFInitialization.random(for: v.columnsStrided(by: 4), components: 5, seed: 1)
        var inPlace = try make(v, w, h, 4)
        var copied = try make(v.columnsStrided(by: 4), w, h, 1)
        inPlace.normalizeBasis(); copied.normalizeBasis()
        for _ in 0..<5 { #expect(inPlace.iterate(measureDivergence: true) == copied.iterate(measureDivergence: true)) }
        #expect(inPlace.w == copied.w && inPlace.h == copied.h)
        #expect(inPlace.divergence() == copied.divergence())
    }

    /// The iteration runs the kernels specialised for K = 2, 3, 4 (constant counts, unrolled);
    /// with the specialisation off they take K as a run-time count. Both give the same W, H and
    /// divergences to the bit: plain, with a fixed template (the W pass from column 1), with both
    /// penalties, and with over-relaxed steps.
    @Test(arguments: [2, 3, 4])
    func specialisedComponentCountsGiveTheRuntimeCountsBits(components: Int) {
        let (v, _, _) = plantedMatrix(bins: 67, frames: 301, components: components, noise: 0.3)
        let (w, h) = NMFInitialization.random(for: v, components: components, seed: 5)
        for variant in 0..<4 {
            func make(_ specialised: Bool) -> KLState {
                var s = KLState(v: v, w: w, h: h, threads: 2, fixedColumns: variant == 1 ? 1 : 0)
                s.specialisesSmallCounts = specialised
                if variant == 2 {
                    s.sparsity = [Float](repeating: 0.2, count: components)
                    s.continuity = (0..<components).map { $0 == 0 ? 0 : 0.5 }
                }
                if variant == 3 { s.stepExponent = 1.5 }
                s.normalizeBasis()
                return s
            }
            var fast = make(true), plain = make(false)
            for i in 0..<6 {
                #expect(fast.iterate(measureDivergence: i % 2 == 0) == plain.iterate(measureDivergence: i % 2 == 0),
                        "K \(components), variant \(variant), iteration \(i)")
            }
            #expect(fast.w == plain.w && fast.h == plain.h, "K \(components), variant \(variant)")
            #expect(fast.h != h, "the activations were updated")
        }
    }

    @Test func stridedStateReadsTheSameFramesAsACopy() throws {
        try expectStridedMatchesCopy { v, w, h, stride in KLState(v: v, w: w, h: h, threads: 2, frameStride: stride) }
    }

    @Test func stridedBetaStateReadsTheSameFramesAsACopy() throws {
        let beta = try Divergence(beta: 0.5)
        try expectStridedMatchesCopy { v, w, h, stride in BetaState(v: v, w: w, h: h, threads: 2, divergence: beta, frameStride: stride) }
    }

    @Test func trialStartsOnSampledFramesHoldTheirActivationsInBetween() throws {
        let (v, _, _) = plantedMatrix(bins: 65, frames: 1030, noise: 0.3)
        // maxIterations = restartIterations: the result is the winning trial, spread over all frames.
        var c = try NMFConfiguration(componentCount: 4, maxIterations: 10, seed: 3, restarts: 3)
        c.restartFrameStride = 4
        let trial = try NMF(configuration: c).factorize(v)
        #expect(trial.activations.rows == 4 && trial.activations.columns == 1030)
        for j in 0..<1030 {
            for k in 0..<4 { #expect(trial.activations[k, j] == trial.activations[k, j - j % 4]) }
        }
        // Going on from there, the divergence decreases monotonically, and the history starts
        // with the first start's divergence on all of V (not on the sampled frames).
        c.maxIterations = 80
        c.divergenceInterval = 1
        let full = try NMF(configuration: c).factorize(v)
        let first = try NMF(configuration: allFrames(NMFConfiguration(componentCount: 4, maxIterations: 1, divergenceInterval: 1,
                                                                          seed: 3, restarts: 3))).factorize(v)
        #expect(abs(full.divergenceHistory[0].value - first.divergenceHistory[0].value) <= 1e-9 * first.divergenceHistory[0].value)
        for (a, b) in zip(full.divergenceHistory.dropFirst(), full.divergenceHistory.dropFirst(2)) { #expect(b.value <= a.value * (1 + 1e-6)) }
        // Too few frames to sample (fewer than 64 or 4·K after striding): the trials use all frames.
        var small = c
        small.maxIterations = 10
        let few = plantedMatrix(bins: 65, frames: 200, noise: 0.3).0
        #expect(try NMF(configuration: small).factorize(few).activations == NMF(configuration: allFrames(small)).factorize(few).activations)
    }

    @Test func toleranceStopsEarly() throws {
        let (v, _, _) = plantedMatrix(noise: 0.2)
        let r = try NMF(configuration: NMFConfiguration(componentCount: 4, maxIterations: 5000, tolerance: 1e-4)).factorize(v)
        #expect(r.iterations < 5000)
        #expect(r.iterations % 10 == 1)
    }

    @Test func zeroMatrixStaysFinite() throws {
        let v = Matrix(rows: 33, columns: 50)
        let r = try NMF(configuration: NMFConfiguration(componentCount: 2, maxIterations: 20)).factorize(v)
        #expect(r.basis.storage.allSatisfy(\.isFinite) && r.activations.storage.allSatisfy(\.isFinite))
        #expect(r.finalDivergence.isFinite)
    }

    @Test func invalidSettingsAndInputsAreRefused() throws {
        #expect(throws: FactorizationError.self) { try NMFConfiguration(componentCount: 0) }
        #expect(throws: FactorizationError.self) { try NMFConfiguration(componentCount: 2, maxIterations: -1) }
        #expect(throws: FactorizationError.self) { try NMFConfiguration(componentCount: 2, tolerance: .nan) }
        var v = Matrix(rows: 4, columns: 4, repeating: 1)
        #expect(throws: FactorizationError.self) { try NMF(configuration: NMFConfiguration(componentCount: 5)).factorize(v) }
        v[1, 1] = -1
        #expect(throws: FactorizationError.self) { try NMF(configuration: NMFConfiguration(componentCount: 2)).factorize(v) }
    }

    @Test func progressCanCancel() throws {
        let (v, _, _) = plantedMatrix()
        #expect(throws: FactorizationError.cancelled) {
            try NMF(configuration: NMFConfiguration(componentCount: 2, maxIterations: 100)).factorize(v) { $0.iteration < 3 }
        }
    }
}

import Foundation

@Suite struct FixedBasisTests {
    @Test func fixedColumnsStayAsGiven() throws {
        var g = SeededGenerator(seed: 4)
        var w0 = Matrix(rows: 40, columns: 5), h0 = Matrix(rows: 5, columns: 200)
        for i in 0..<w0.storage.count { w0.storage[i] = g.nextUnitFloat() }
        for i in 0..<h0.storage.count { h0.storage[i] = g.nextUnitFloat() }
        let v = w0.multiplied(by: h0)
        var fixed = Matrix(rows: 40, columns: 3)
        for c in 0..<3 {
            let s = w0.column(c).reduce(0, +)
            for i in 0..<40 { fixed[i, c] = w0[i, c] / s }
        }
        let r = try NMF(configuration: NMFConfiguration(componentCount: 5, maxIterations: 300, divergenceInterval: 1, restarts: 3))
            .factorize(v, fixedBasis: fixed)
        // Held fixed: identical to the given templates up to their one-time renormalisation to sum one.
        for c in 0..<3 { #expect(zip(r.basis.column(c), fixed.column(c)).allSatisfy { abs($0 - $1) <= 1e-6 * $1 }) }
        for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) { #expect(b.value <= a.value * (1 + 1e-6)) }
        #expect(r.finalDivergence < 0.01 * r.divergenceHistory[0].value)
    }

    @Test func everyColumnFixedLearnsOnlyTheActivations() throws {
        // With the whole of W trained (dictionaries only, no free components) the W pass is skipped.
        var g = SeededGenerator(seed: 6)
        var w0 = Matrix(rows: 40, columns: 4), h0 = Matrix(rows: 4, columns: 300)
        for i in 0..<w0.storage.count { w0.storage[i] = g.nextUnitFloat() + 0.05 }
        for i in 0..<h0.storage.count { h0.storage[i] = g.nextUnitFloat() }
        for c in 0..<4 {
            let s = w0.column(c).reduce(0, +)
            for i in 0..<40 { w0[i, c] /= s }
        }
        let v = w0.multiplied(by: h0)
        for (divergence, threads) in [(Divergence.kullbackLeibler, 1), (.kullbackLeibler, 2), (try Divergence(beta: 0), 2)] {
            var config = try NMFConfiguration(componentCount: 4, maxIterations: 400, divergenceInterval: 1, threadCount: threads)
            config.divergence = divergence
            let r = try NMF(configuration: config).factorize(v, fixedBasis: w0)
            #expect(zip(r.basis.storage, w0.storage).allSatisfy { abs($0 - $1) <= 1e-6 * $1 })
            for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) { #expect(b.value <= a.value * (1 + 1e-5)) }
            #expect(r.finalDivergence < 1e-3 * r.divergenceHistory[0].value, "\(divergence)")
        }
    }

    @Test func moreFixedTemplatesThanFramesFit() throws {
        // Each frame's activations are solved on their own: fixed templates may outnumber the
        // frames; only the learned components must not.
        var g = SeededGenerator(seed: 8)
        var w0 = Matrix(rows: 40, columns: 12), h0 = Matrix(rows: 12, columns: 5)
        for i in 0..<w0.storage.count { w0.storage[i] = g.nextUnitFloat() + 0.05 }
        for i in 0..<h0.storage.count { h0.storage[i] = g.nextUnitFloat() }
        let v = w0.multiplied(by: h0)
        var config = try NMFConfiguration(componentCount: 15, maxIterations: 50, divergenceInterval: 1, restarts: 2)
        let r = try NMF(configuration: config).factorize(v, fixedBasis: w0)
        #expect(r.basis.columns == 15 && r.activations.rows == 15 && r.activations.columns == 5)
        for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) { #expect(b.value <= a.value * (1 + 1e-6)) }
        config.componentCount = 18   // 6 learned components for 5 frames
        #expect(throws: FactorizationError.invalidParameter(name: "free components", value: "6",
                                                            allowed: "at most the number of frames, 5 (the 12 fixed templates do not count)")) {
            _ = try NMF(configuration: config).factorize(v, fixedBasis: w0)
        }
        #expect(throws: FactorizationError.self) { _ = try NMF(configuration: config).factorize(v) }
    }
}

/// Factors and weights a library caller may hand the solver: refused with a typed error, or
/// (for the largest allowed weight) a finite result, never NaN factors.
@Suite struct NMFHostileInputTests {
    func planted() -> Matrix {
        var g = SeededGenerator(seed: 3)
        var v = Matrix(rows: 40, columns: 80)
        for i in 0..<v.storage.count { v.storage[i] = g.nextUnitFloat() + 0.01 }
        return v
    }

    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func factorsMustBeShapedFiniteAndNonNegative() throws {
        let v = planted()
        let nmf = NMF(configuration: try NMFConfiguration(componentCount: 3, maxIterations: 5))
        var w = Matrix(rows: 40, columns: 3, repeating: 0.1), h = Matrix(rows: 3, columns: 80, repeating: 1)
        _ = try nmf.factorize(v, initialBasis: w, initialActivations: h)
        w[5, 2] = .nan
        #expect(message { _ = try nmf.factorize(v, initialBasis: w, initialActivations: h) }?.contains("initial W has an entry nan at row 5, column 2") == true)
        w[5, 2] = 0.1
        h[1, 7] = -2
        #expect(message { _ = try nmf.factorize(v, initialBasis: w, initialActivations: h) }?.contains("initial H has an entry -2.0 at row 1, column 7") == true)
        var fixed = Matrix(rows: 40, columns: 1, repeating: 0)
        #expect(message { _ = try nmf.factorize(v, fixedBasis: fixed) }?.contains("fixed template 1 is all zero") == true)
        fixed[3, 0] = -1
        #expect(message { _ = try nmf.factorize(v, fixedBasis: fixed) }?.contains("has an entry -1.0") == true)
        var short = v
        short.storage = [1, 2, 3]
        #expect(message { _ = try nmf.factorize(short) }?.contains("V is 40 × 80 but holds 3 values") == true)
    }

    /// W and H beyond any machine's memory (10⁶ components on 10⁶ frames: about 12 TB) are
    /// refused before anything is allocated (the process aborted in the allocator).
    @Test func factorsBeyondTheMachinesMemoryAreRefused() throws {
        let v = Matrix(rows: 1, columns: 1_000_000, repeating: 1)
        let nmf = NMF(configuration: try NMFConfiguration(componentCount: 1_000_000, maxIterations: 1))
        #expect(message { _ = try nmf.factorize(v) }?.contains("components 1000000 is out of range (allowed: fewer: W (1 × K) and H (K × 1000000) would need about") == true)
    }

    @Test func penaltyWeightsAreBoundedAndTheLargestStaysFinite() throws {
        let v = planted()
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 20, restarts: 1)
        config.continuity = .greatestFiniteMagnitude
        #expect(message { _ = try NMF(configuration: config).factorize(v) }?.contains("0 to 10000") == true)
        config.continuity = NMFConfiguration.maxPenaltyWeight
        config.sparsity = NMFConfiguration.maxPenaltyWeight
        let r = try NMF(configuration: config).factorize(v)
        #expect(r.finalDivergence.isFinite && r.basis.storage.allSatisfy(\.isFinite) && r.activations.storage.allSatisfy(\.isFinite))
        config.componentSparsity = [0, 1e9, 0]
        #expect(throws: FactorizationError.self) { _ = try NMF(configuration: config).factorize(v) }
    }
}
