import Testing
import DSPCore

@Suite struct MatrixColumnsTests {
    @Test func selectedColumnsKeepTheirOrderAndValues() {
        let m = Matrix(rows: 2, columns: 3, columnMajor: [1, 2, 3, 4, 5, 6])
        let picked = m.columns([2, 0])
        #expect(picked.rows == 2 && picked.columns == 2)
        #expect(picked.storage == [5, 6, 1, 2])
        #expect(m.columns([]).columns == 0)
    }

    /// A stride near `Int.max` keeps column 0 only (⌈columns / stride⌉ overflowed before).
    @Test func hugeStridesKeepTheFirstColumn() {
        let m = Matrix(rows: 2, columns: 3, columnMajor: [1, 2, 3, 4, 5, 6])
        for stride in [Int.max, Int.max - 1, 3] {
            #expect(m.columnsStrided(by: stride).storage == [1, 2])
            #expect(m.meanOfColumns(strided: stride) == 1.5)
        }
        #expect(m.columnsStrided(by: 2).storage == [1, 2, 5, 6])
        #expect(Matrix(rows: 2, columns: 0).columnsStrided(by: Int.max).columns == 0)
        #expect(Matrix(rows: 2, columns: 0).meanOfColumns(strided: Int.max) == 0)
    }
}
