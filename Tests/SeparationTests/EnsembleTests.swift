import Testing
@testable import Separation
@testable import Factorization
import DSPCore
import Spectral
import AudioIO
import _TestSupport

/// Ensembles (`SeparationConfiguration.ensembleSize`): source alignment across runs and the
/// averaged masks.
@Suite struct EnsembleTests {
    /// A run with K = 4 components in two groups, from seeded random W, H.
    func run(seed: UInt64, groups: [[Int]] = [[0, 2], [1, 3]], bins: Int = 40, frames: Int = 90) -> SeparationRun {
        var rng = SeededGenerator(seed: seed)
        let w = Matrix(rows: bins, columns: 4, columnMajor: (0..<(bins * 4)).map { _ in rng.nextUnitFloat() })
        let h = Matrix(rows: 4, columns: frames, columnMajor: (0..<(4 * frames)).map { _ in rng.nextUnitFloat() })
        return SeparationRun(factorization: NMFResult(basis: w, activations: h, iterations: 0, divergenceHistory: []),
                             groups: groups, seed: seed)
    }

    @Test func gramIsTheInnerProductOfTheComponentModels() {
        let a = run(seed: 1), b = run(seed: 2)
        let g = EnsembleAlignment.gram(a.factorization, b.factorization)
        let (wa, ha, wb, hb) = (a.factorization.basis, a.factorization.activations, b.factorization.basis, b.factorization.activations)
        for (i, j) in [(0, 0), (1, 3), (3, 2)] {
            var direct = 0.0
            for f in 0..<wa.rows { for n in 0..<ha.columns { direct += Double(wa[f, i]) * Double(ha[i, n]) * Double(wb[f, j]) * Double(hb[j, n]) } }
            #expect(abs(g[i][j] - direct) < 1e-12 * direct)
        }
    }

    @Test func aRunMatchesItselfWithCosineOne() {
        let a = run(seed: 3)
        let s = EnsembleAlignment.similarities(a, a)
        #expect(abs(s[0][0] - 1) < 1e-12 && abs(s[1][1] - 1) < 1e-12 && s[0][1] < 1)
    }

    @Test(arguments: [[[1, 3], [0, 2]], [[0, 2], [1, 3]]])
    func shuffledSourcesAreMatchedBack(_ shuffled: [[Int]]) {
        let reference = run(seed: 5)
        var other = reference
        other.groups = shuffled
        let aligned = EnsembleAlignment.aligned(other, to: reference)
        #expect(aligned.groups == reference.groups)
    }

    @Test func aThreeSourceCycleIsUndoneNotRepeated() {
        // A cycle is not its own inverse: applying π the wrong way round would give another order.
        let reference = run(seed: 7, groups: [[0], [1], [2, 3]])
        var other = reference
        other.groups = [[2, 3], [0], [1]]
        #expect(EnsembleAlignment.permutation(reference: reference, run: other) == [1, 2, 0])
        #expect(EnsembleAlignment.aligned(other, to: reference).groups == reference.groups)
        // With a dictionary source first, the three free ones after it are matched the same way.
        let four = SeparationRun(factorization: reference.factorization, groups: [[0], [1], [2], [3]], seed: 7)
        var shuffled = four
        shuffled.groups = [[0], [3], [1], [2]]
        #expect(EnsembleAlignment.aligned(shuffled, to: four, fixedSources: 1).groups == four.groups)
    }

    @Test func dictionarySourcesStayInPlace() {
        // Three sources: the first from a dictionary. Even if the similarities favoured a swap
        // of source 0, it stays; the free sources 1 and 2 are matched among themselves.
        let reference = run(seed: 6, groups: [[0], [1, 2], [3]])
        var other = reference
        other.groups = [[0], [3], [1, 2]]
        #expect(EnsembleAlignment.permutation(reference: reference, run: other, fixedSources: 1) == [0, 2, 1])
        other.groups = [[3], [1, 2], [0]]
        #expect(EnsembleAlignment.permutation(reference: reference, run: other, fixedSources: 1)[0] == 0)
        #expect(EnsembleAlignment.permutation(reference: reference, run: other, fixedSources: 3) == [0, 1, 2])
    }

    @Test func greedyAndExhaustiveAgreeOnAClearMatch() {
        // 8 sources (the greedy path beyond 7): a shuffled identity with noise.
        let pi = [3, 0, 7, 5, 1, 6, 2, 4]
        var rng = SeededGenerator(seed: 8)
        let similarity = (0..<8).map { r in (0..<8).map { c in (c == pi[r] ? 1 : 0) + 0.3 * Double(rng.nextUnitFloat()) } }
        #expect(EnsembleAlignment.greedyPermutation(similarity) == pi)
        #expect(EnsembleAlignment.bestPermutation(similarity) == pi)
    }

    func configuration(ensemble: Int, seed: UInt64 = 4, threads: Int = 2) throws -> SeparationConfiguration {
        var c = try SeparationConfiguration(sourceCount: 2, componentCount: 6, stft: STFTConfiguration(fftSize: 1024),
                                            maxIterations: 30, seed: seed, threadCount: threads, chunkFrames: 41)
        c.ensembleSize = ensemble
        return c
    }

    @Test func runsAreTheSingleSeparationsOfConsecutiveSeedsAndTheSourcesSumBack() throws {
        let a = try TestSupport.excerpt("speech_sms_male.wav", frames: 60_000)
        let b = try TestSupport.excerpt("piano_sms.wav", frames: 60_000)
        let m = AudioBuffer(channels: [zip(a.channels[0], b.channels[0]).map(+)], sampleRate: a.sampleRate)
        let (sources, report) = try Separator(configuration: configuration(ensemble: 3)).separate(m)
        #expect(report.runs.count == 3 && report.runs.map(\.seed) == [4, 5, 6])
        #expect(report.groups == report.runs[0].groups && report.factorization.basis == report.runs[0].factorization.basis)
        for r in 0..<3 {
            let single = try Separator(configuration: configuration(ensemble: 1, seed: 4 + UInt64(r))).separate(m).report
            #expect(single.factorization.basis == report.runs[r].factorization.basis)
            #expect(single.factorization.activations == report.runs[r].factorization.activations)
            #expect(Set(single.groups) == Set(report.runs[r].groups), "the same groups, possibly reordered")
        }
        let err = (0..<m.frameCount).map { t in abs(sources[0].channels[0][t] + sources[1].channels[0][t] - m.channels[0][t]) }.max()!
        #expect(err < 1e-4 * TestSupport.peak(m.channels[0]))
        // The averaged masks differ from the first run's alone.
        let first = try Separator(configuration: configuration(ensemble: 1)).separate(m).sources
        #expect(first != sources)
    }

    @Test func ensemblesDoNotDependOnTheThreadCount() throws {
        let m = try TestSupport.excerpt("sax_sms_phrase.wav", frames: 50_000)
        let one = try Separator(configuration: configuration(ensemble: 2, threads: 1)).separate(m).sources
        let two = try Separator(configuration: configuration(ensemble: 2, threads: 2)).separate(m).sources
        #expect(one == two)
    }

    @Test(arguments: [0, -1, SeparationConfiguration.maxEnsembleSize + 1])
    func outOfRangeEnsemblesAreRefused(_ n: Int) throws {
        let m = try TestSupport.excerpt("sax_sms_phrase.wav", frames: 20_000)
        #expect {
            _ = try Separator(configuration: configuration(ensemble: n)).separate(m)
        } throws: { error in
            (error as? SeparationError)?.description.contains("--ensemble") == true
        }
    }
}
