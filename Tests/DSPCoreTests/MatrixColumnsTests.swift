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
}
