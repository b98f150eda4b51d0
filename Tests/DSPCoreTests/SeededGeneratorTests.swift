import Testing
@testable import DSPCore

@Suite struct SeededGeneratorTests {
    @Test func sameSeedGivesSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        for _ in 0..<1000 { #expect(a.next() == b.next()) }
    }

    @Test func matchesSplitMix64ReferenceValues() {
        // SplitMix64 with state 0: the first outputs published with the algorithm.
        var g = SeededGenerator(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func unitFloatsLieInHalfOpenUnitInterval() {
        var g = SeededGenerator(seed: 7)
        var sum = 0.0
        for _ in 0..<10_000 {
            let x = g.nextUnitFloat()
            #expect(x >= 0 && x < 1)
            sum += Double(x)
        }
        #expect(abs(sum / 10_000 - 0.5) < 0.02)
    }
}

@Suite struct MatrixTests {
    @Test func multipliesColumnMajorMatrices() {
        let a = Matrix(rows: 2, columns: 3, columnMajor: [1, 4, 2, 5, 3, 6])   // [[1,2,3],[4,5,6]]
        let b = Matrix(rows: 3, columns: 1, columnMajor: [1, 1, 1])
        let c = a.multiplied(by: b)
        #expect(c.storage == [6, 15])
        #expect(a[1, 2] == 6)
    }

    @Test func stridedColumnsAndTheirRepetition() {
        let a = Matrix(rows: 2, columns: 5, columnMajor: (0..<10).map(Float.init))
        let s = a.columnsStrided(by: 2)
        #expect(s.rows == 2 && s.columns == 3 && s.storage == [0, 1, 4, 5, 8, 9])
        let r = s.columnsRepeated(by: 2, count: 5)
        #expect(r.storage == [0, 1, 0, 1, 4, 5, 4, 5, 8, 9])
        #expect(a.columnsStrided(by: 1) == a && a.columnsStrided(by: 0) == a)
        #expect(s.columnsRepeated(by: 2, count: 7).storage.suffix(2) == [8, 9])   // past the end: the last column
        #expect(Matrix(rows: 2, columns: 0).columnsRepeated(by: 2, count: 3).storage == [0, 0, 0, 0, 0, 0])
    }

    @Test func stridedMeanEqualsTheMeanOfTheCopyToTheBit() {
        var g = SeededGenerator(seed: 8)
        for (rows, columns) in [(13, 50), (8, 9), (1025, 31), (3, 1)] {
            var m = Matrix(rows: rows, columns: columns)
            for i in 0..<m.storage.count { m.storage[i] = g.nextUnitFloat() * 1000 }
            for stride in [1, 2, 3, 4, 7] { #expect(m.meanOfColumns(strided: stride) == m.columnsStrided(by: stride).mean) }
        }
    }

    @Test func meanIsExactOnSmallIntegersAndCoversTheTail() {
        for count in [0, 1, 7, 8, 9, 23] {
            let m = Matrix(rows: 1, columns: count, columnMajor: (0..<count).map(Float.init))
            #expect(m.mean == (count == 0 ? 0 : Double(count - 1) / 2))
        }
    }
}

@Suite struct ParallelTests {
    @Test func blocksCoverTheRangeExactlyOnce() {
        for count in [0, 1, 7, 100, 1025] {
            for blocks in [1, 2, 3, 16] {
                var covered = [Int](repeating: 0, count: count)
                for b in 0..<blocks { for i in Parallel.blockRange(b, of: blocks, count: count) { covered[i] += 1 } }
                #expect(covered.allSatisfy { $0 == 1 })
            }
        }
    }

    @Test func forEachBlockRunsEveryBlock() {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        counts.initialize(repeating: 0, count: 64)
        defer { counts.deallocate() }
        Parallel.forEachBlock(64, threads: 4) { counts[$0] += 1 }
        #expect((0..<64).allSatisfy { counts[$0] == 1 })
    }
}
