import Testing
import Foundation
@testable import Factorization
@testable import DSPCore

/// Randomized truncated SVD and NNDSVDa initialisation.
@Suite struct InitializationTests {
    /// A = U·diag(s)·Vᵀ with random orthonormal U (m × r) and V (n × r).
    static func lowRank(m: Int, n: Int, singular s: [Double], seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        func orthonormal(_ rows: Int) -> [Double] {
            var x = [Double](repeating: 0, count: rows * s.count)
            for i in 0..<x.count { x[i] = Double(g.nextUnitFloat()) - 0.5 }
            return TruncatedSVD.orthonormalize(x, rows: rows, columns: s.count)
        }
        let u = orthonormal(m), v = orthonormal(n)
        var a = Matrix(rows: m, columns: n)
        for j in 0..<n { for i in 0..<m {
            var x = 0.0
            for c in 0..<s.count { x += u[c * m + i] * s[c] * v[c * n + j] }
            a[i, j] = Float(x)
        } }
        return a
    }

    @Test func recoversSingularValuesAndTheMatrix() {
        let s = [40.0, 20, 7, 3, 1]
        let a = Self.lowRank(m: 90, n: 300, singular: s, seed: 1)
        let svd = TruncatedSVD(a, rank: 5, seed: 3)
        for (x, y) in zip(svd.singularValues, s) { #expect(abs(Double(x) - y) < 1e-3 * y, "\(x) vs \(y)") }
        var worst: Float = 0
        for j in 0..<a.columns { for i in 0..<a.rows {
            var x: Float = 0
            for c in 0..<5 { x += svd.u[i, c] * svd.singularValues[c] * svd.v[j, c] }
            worst = max(worst, abs(x - a[i, j]))
        } }
        #expect(worst < 1e-3)
        for threads in [1, 3] {
            let again = TruncatedSVD(a, rank: 5, seed: 3, threads: threads)
            #expect(again.u == svd.u && again.v == svd.v && again.singularValues == svd.singularValues)
        }
    }

    /// A slowly decaying spectrum (σ_i = 30·0.8^i for 40 values): the power iterations must
    /// still find the leading values.
    @Test func findsTheLeadingValuesOfASlowlyDecayingSpectrum() {
        let s = (0..<40).map { 30 * pow(0.8, Double($0)) }
        let a = Self.lowRank(m: 120, n: 500, singular: s, seed: 4)
        let svd = TruncatedSVD(a, rank: 4, seed: 1)
        for i in 0..<4 { #expect(abs(Double(svd.singularValues[i]) - s[i]) < 0.01 * s[i], "\(svd.singularValues[i]) vs \(s[i])") }
    }

    @Test func nndsvdaOfARankOneMatrixIsExact() {
        var a = Matrix(rows: 30, columns: 80)
        for j in 0..<80 { for i in 0..<30 { a[i, j] = Float(i + 1) * (1 + Float(j % 7)) } }
        let (w, h) = NMFInitialization.nndsvda(for: a, components: 1, seed: 0)
        let p = w.multiplied(by: h)
        for i in 0..<a.storage.count { #expect(abs(p.storage[i] - a.storage[i]) < 1e-3 * a.storage[i]) }
    }

    /// Positive, finite, and a monotone factorization from it. (It no longer starts closer than
    /// the random start on this matrix: the fill, 4·√(mean/K) for a level-free start, adds
    /// 16·mean where W and H were both filled; measured on real mixtures it separates better
    /// than the smaller fills, see `NMFInitialization.nndsvda`.)
    @Test func nndsvdaIsPositiveAndDescends() throws {
        var g = SeededGenerator(seed: 8)
        var v = Self.lowRank(m: 64, n: 400, singular: [50, 30, 10], seed: 2)
        for i in 0..<v.storage.count { v.storage[i] = abs(v.storage[i]) + 0.01 * g.nextUnitFloat() }
        let (w, h) = NMFInitialization.nndsvda(for: v, components: 3, seed: 0)
        #expect(w.storage.allSatisfy { $0 > 0 && $0.isFinite } && h.storage.allSatisfy { $0 > 0 && $0.isFinite })
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 50, divergenceInterval: 1, seed: 0)
        config.initialization = .nndsvda
        let r = try NMF(configuration: config).factorize(v)
        for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) { #expect(b.value <= a.value * (1 + 1e-6)) }
        for threads in [1, 3] {
            config.threadCount = threads
            let other = try NMF(configuration: config).factorize(v)
            #expect(other.basis == r.basis && other.activations == r.activations)
        }
    }

    /// With trained templates, NNDSVDa's leading triplets go to the learned columns.
    @Test func nndsvdaWithFixedTemplatesGivesTheLearnedColumnsTheLeadingTriplets() {
        let v = Self.lowRank(m: 40, n: 200, singular: [30, 10], seed: 6)
        let positive = Matrix(rows: v.rows, columns: v.columns, columnMajor: v.storage.map { abs($0) + 0.01 })
        let (w, _) = NMFInitialization.nndsvda(for: positive, components: 3, seed: 0, leading: 1, threads: 2)
        let (plain, _) = NMFInitialization.nndsvda(for: positive, components: 2, seed: 0, threads: 2)
        // The zeros are filled with 4·√(mean/K), which differs between K = 3 and 2; the rest is equal.
        let fill3 = Float(4 * (positive.mean / 3).squareRoot()), fill2 = Float(4 * (positive.mean / 2).squareRoot())
        for i in 0..<v.rows {
            for c in 0..<2 { #expect(plain[i, c] == fill2 ? w[i, c + 1] == fill3 : w[i, c + 1] == plain[i, c]) }
        }
    }

    /// The start scales as V's level: W and H by its square root, so W·H by the level itself,
    /// and the factorization of g·V is that of V with H scaled by g (it was not with NNDSVDa,
    /// whose fill was the mean itself, nor with trained templates, whose activations started at
    /// the random scale).
    @Test func startsAndFactorizationsFollowTheLevelOfV() throws {
        let v = Self.lowRank(m: 40, n: 200, singular: [30, 10], seed: 6)
        let positive = Matrix(rows: v.rows, columns: v.columns, columnMajor: v.storage.map { abs($0) + 0.01 })
        let quiet = Matrix(rows: v.rows, columns: v.columns, columnMajor: positive.storage.map { $0 / 1024 })
        let (w, h) = NMFInitialization.nndsvda(for: positive, components: 3, seed: 0, threads: 2)
        let (wq, hq) = NMFInitialization.nndsvda(for: quiet, components: 3, seed: 0, threads: 2)
        for (a, b) in zip(w.storage, wq.storage) { #expect(abs(a / 32 - b) <= 1e-5 * a / 32) }
        for (a, b) in zip(h.storage, hq.storage) { #expect(abs(a / 32 - b) <= 1e-5 * a / 32) }
        var fixed = Matrix(rows: v.rows, columns: 1, repeating: 0)
        for i in 0..<v.rows { fixed[i, 0] = Float(1 + i % 5) }
        for initialization in [InitializationMethod.random, .nndsvda] {
            var config = try NMFConfiguration(componentCount: 3, maxIterations: 30, seed: 4)
            config.initialization = initialization
            let loud = try NMF(configuration: config).factorize(positive, fixedBasis: fixed)
            let soft = try NMF(configuration: config).factorize(quiet, fixedBasis: fixed)
            for (a, b) in zip(loud.basis.storage, soft.basis.storage) { #expect(abs(a - b) <= 1e-4 * max(a, 1e-6), "\(initialization)") }
            for (a, b) in zip(loud.activations.storage, soft.activations.storage) { #expect(abs(a / 1024 - b) <= 1e-4 * a / 1024, "\(initialization)") }
        }
    }
}
