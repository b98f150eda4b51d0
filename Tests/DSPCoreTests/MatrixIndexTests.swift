import Testing
import DSPCore

/// The accessors a library caller reads W and H with check their indices in every build: an
/// index out of range stops the process (as an array's does) instead of reading another element
/// (row 2 of a 2-row matrix was element (0, 1)) or writing past the end.
@Suite struct MatrixIndexTests {
    @Test func inRangeIndicesReadAndWriteTheirElement() {
        var m = Matrix(rows: 2, columns: 3, columnMajor: [1, 2, 3, 4, 5, 6])
        #expect(m[1, 2] == 6 && m[0, 1] == 3 && Array(m.column(1)) == [3, 4])
        m[1, 0] = 9
        #expect(m.storage == [1, 9, 3, 4, 5, 6])
    }

    @Test func outOfRangeIndicesStopTheProcess() async {
        await #expect(processExitsWith: .failure) { _ = Matrix(rows: 2, columns: 2)[2, 0] }
        await #expect(processExitsWith: .failure) { _ = Matrix(rows: 2, columns: 2)[0, -1] }
        await #expect(processExitsWith: .failure) {
            var m = Matrix(rows: 2, columns: 2)
            m[0, 2] = 1
        }
        await #expect(processExitsWith: .failure) { _ = Matrix(rows: 2, columns: 2).column(2) }
    }
}
