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
        let again = TruncatedSVD(a, rank: 5, seed: 3, threads: 1)
        #expect(again.u == svd.u && again.v == svd.v && again.singularValues == svd.singularValues)
    }

    @Test func nndsvdaOfARankOneMatrixIsExact() {
        var a = Matrix(rows: 30, columns: 80)
        for j in 0..<80 { for i in 0..<30 { a[i, j] = Float(i + 1) * (1 + Float(j % 7)) } }
        let (w, h) = NMFInitialization.nndsvda(for: a, components: 1, seed: 0)
        let p = w.multiplied(by: h)
        for i in 0..<a.storage.count { #expect(abs(p.storage[i] - a.storage[i]) < 1e-3 * a.storage[i]) }
    }

    @Test func nndsvdaIsPositiveAndStartsCloserThanRandom() throws {
        var g = SeededGenerator(seed: 8)
        var v = Self.lowRank(m: 64, n: 400, singular: [50, 30, 10], seed: 2)
        for i in 0..<v.storage.count { v.storage[i] = abs(v.storage[i]) + 0.01 * g.nextUnitFloat() }
        let (w, h) = NMFInitialization.nndsvda(for: v, components: 3, seed: 0)
        #expect(w.storage.allSatisfy { $0 > 0 && $0.isFinite } && h.storage.allSatisfy { $0 > 0 && $0.isFinite })
        let (rw, rh) = NMFInitialization.random(for: v, components: 3, seed: 0)
        #expect(NMF.divergence(v, basis: w, activations: h) < NMF.divergence(v, basis: rw, activations: rh))
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 50, divergenceInterval: 1, seed: 0)
        config.initialization = .nndsvda
        let r = try NMF(configuration: config).factorize(v)
        for (a, b) in zip(r.divergenceHistory, r.divergenceHistory.dropFirst()) { #expect(b.value <= a.value * (1 + 1e-6)) }
        config.threadCount = 1
        let single = try NMF(configuration: config).factorize(v)
        #expect(single.basis == r.basis && single.activations == r.activations)
    }
}
