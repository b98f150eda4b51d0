import Testing
@testable import Factorization
import DSPCore

/// Multichannel factorization with a basis tied across channels (`NMFConfiguration.channelCount`,
/// `ChannelTiedBasis`): planted truths, monotone descent, fixed templates that learn their gains.
/// (That one channel leaves outputs unchanged is checked end to end: `SpatialSeparationTests`.)
@Suite struct ChannelTiedTests {
    /// Spectra W (F × K, columns summing to one), gains Q (2 × K, columns summing to one),
    /// activations H (K × N), and V stacking the two channels' exact models.
    func planted(bins f: Int = 48, frames n: Int = 160, seed: UInt64 = 3) throws -> (w: Matrix, q: Matrix, h: Matrix, v: Matrix) {
        var rng = SeededGenerator(seed: seed)
        let k = 3
        var w = Matrix(rows: f, columns: k)
        for c in 0..<k {
            var total: Float = 0
            for i in 0..<f { w[i, c] = rng.nextUnitFloat() + (i % (c + 2) == 0 ? 2 : 0); total += w[i, c] }
            for i in 0..<f { w[i, c] /= total }
        }
        let left: [Float] = [0.9, 0.5, 0.15]
        var q = Matrix(rows: 2, columns: k)
        for c in 0..<k { q[0, c] = left[c]; q[1, c] = 1 - left[c] }
        var h = Matrix(rows: k, columns: n)
        for c in 0..<k { for j in 0..<n { h[c, j] = 100 * rng.nextUnitFloat() * rng.nextUnitFloat() } }
        let stacked = try ChannelTiedBasis.stack(spectra: w, gains: q)
        var v = Matrix(rows: 2 * f, columns: n)
        for i in 0..<(2 * f) { for j in 0..<n { v[i, j] = (0..<k).reduce(0) { $0 + stacked[i, $1] * h[$1, j] } } }
        return (w, q, h, v)
    }

    @Test func splitUndoesStackAndRefusesShapesThatDoNotFit() throws {
        let p = try planted()
        let (w, q) = try ChannelTiedBasis.split(try ChannelTiedBasis.stack(spectra: p.w, gains: p.q), channels: 2)
        #expect(zip(w.storage, p.w.storage).map { abs($0 - $1) }.max()! < 1e-6)
        #expect(zip(q.storage, p.q.storage).map { abs($0 - $1) }.max()! < 1e-6)
        #expect(throws: FactorizationError.self) { try ChannelTiedBasis.split(p.v, channels: 5) }
        #expect(throws: FactorizationError.self) { try ChannelTiedBasis.split(p.v, channels: 0) }
        #expect(throws: FactorizationError.self) { try ChannelTiedBasis.stack(spectra: p.w, gains: Matrix(rows: 2, columns: 4)) }
    }

    @Test func plantedTiedFactorizationIsFoundWithTiedBasisAndMonotoneDescent() throws {
        let p = try planted()
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 400, divergenceInterval: 1, seed: 1, threadCount: 2)
        config.channelCount = 2
        let r = try NMF(configuration: config).factorize(p.v)
        // Descent: every recorded divergence is at most the previous one (float32 noise allowed).
        let values = r.divergenceHistory.map(\.value)
        // Float32 rounding of a sum over 2·F·N terms: a rise below 10⁻⁸·ΣV is noise at convergence.
        let noise = 1e-8 * Double(p.v.storage.reduce(0, +))
        for (a, b) in zip(values, values.dropFirst()) { #expect(b <= a * (1 + 1e-5) + noise) }
        // The basis stays tied: spectrum × gains reproduces it.
        let (w, q) = try ChannelTiedBasis.split(r.basis, channels: 2)
        let restacked = try ChannelTiedBasis.stack(spectra: w, gains: q)
        #expect(zip(restacked.storage, r.basis.storage).map { abs($0 - $1) }.max()! < 1e-5)
        // The planted gains are recovered (components matched by their left gain, all distinct).
        let found = (0..<3).map { q[0, $0] }.sorted(), truth = (0..<3).map { p.q[0, $0] }.sorted()
        #expect(zip(found, truth).map { abs($0 - $1) }.max()! < 0.05)
        // And V is modelled closely.
        let total = p.v.storage.reduce(0, +)
        #expect(r.finalDivergence < 1e-3 * Double(total))
    }

    @Test func identicalChannelsGetEqualGainsAndTheSingleChannelFit() throws {
        // A centred source: both channels carry the same V. The tied factorization must give
        // every component equal gains and model V as well as the single-channel factorization.
        let p = try planted()
        let f = p.w.rows
        var mono = Matrix(rows: f, columns: p.v.columns)
        for i in 0..<f { for j in 0..<p.v.columns { mono[i, j] = p.v[i, j] } }
        var twin = Matrix(rows: 2 * f, columns: p.v.columns)
        for c in 0..<2 { for i in 0..<f { for j in 0..<p.v.columns { twin[c * f + i, j] = mono[i, j] } } }
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 300, seed: 5, threadCount: 2)
        let single = try NMF(configuration: config).factorize(mono)
        config.channelCount = 2
        let tied = try NMF(configuration: config).factorize(twin)
        let (_, q) = try ChannelTiedBasis.split(tied.basis, channels: 2)
        for k in 0..<3 { #expect(abs(q[0, k] - 0.5) < 0.01, "gains \(q[0, k]) / \(q[1, k])") }
        // Both fit the exact planted V closely (the stacked divergence counts V twice).
        let total = Double(mono.storage.reduce(0, +))
        #expect(single.finalDivergence < 1e-3 * total && tied.finalDivergence / 2 < 1e-3 * total,
                "single \(single.finalDivergence), tied \(tied.finalDivergence / 2), ΣV \(total)")
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let p = try planted(frames: 400)
        var c1 = try NMFConfiguration(componentCount: 3, maxIterations: 40, seed: 2, threadCount: 1)
        c1.channelCount = 2
        var c2 = c1
        c2.threadCount = 2
        let a = try NMF(configuration: c1).factorize(p.v), b = try NMF(configuration: c2).factorize(p.v)
        #expect(a.basis.storage == b.basis.storage && a.activations.storage == b.activations.storage)
    }

    @Test func badChannelCountsAndDivergencesAreRefused() throws {
        let p = try planted()
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 5)
        config.channelCount = 5   // 96 rows are not 5 blocks
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(p.v) }
        config.channelCount = 0
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(p.v) }
        config.channelCount = 2
        config.divergence = .itakuraSaito
        #expect(throws: FactorizationError.self) { try NMF(configuration: config).factorize(p.v) }
    }

    @Test(arguments: [3, 2])
    func fixedTemplatesKeepTheirSpectraAndLearnTheirGains(fixedCount: Int) throws {
        // The planted spectra given as templates, centred (gains ½); the planted gains are
        // 0.9 / 0.5 / 0.15 left. With every template fixed (3) or with one free component (2 of 3).
        let p = try planted()
        let fixedSpectra = Matrix(rows: p.w.rows, columns: fixedCount, columnMajor: Array(p.w.storage.prefix(p.w.rows * fixedCount)))
        let fixed = try ChannelTiedBasis.stack(spectra: fixedSpectra, gains: Matrix(rows: 2, columns: fixedCount, repeating: 0.5))
        var config = try NMFConfiguration(componentCount: 3, maxIterations: 300, divergenceInterval: 1, seed: 3, threadCount: 2)
        config.channelCount = 2
        let r = try NMF(configuration: config).factorize(p.v, fixedBasis: fixed)
        let values = r.divergenceHistory.map(\.value)
        // Float32 rounding of a sum over 2·F·N terms: a rise below 10⁻⁸·ΣV is noise at convergence.
        let noise = 1e-8 * Double(p.v.storage.reduce(0, +))
        for (a, b) in zip(values, values.dropFirst()) { #expect(b <= a * (1 + 1e-5) + noise) }
        let (w, q) = try ChannelTiedBasis.split(r.basis, channels: 2)
        for c in 0..<fixedCount {
            #expect(zip(w.column(c), p.w.column(c)).map { abs($0 - $1) }.max()! < 1e-6, "template \(c) changed")
            #expect(abs(q[0, c] - p.q[0, c]) < 0.02, "template \(c): left gain \(q[0, c]), planted \(p.q[0, c])")
        }
        #expect(r.finalDivergence < 1e-3 * Double(p.v.storage.reduce(0, +)))
    }
}
