import Testing
@testable import DSPCore

/// `.npy` encoding and decoding of float32 matrices (`Matrix.npyEncoded()`, `Matrix(npy:)`).
@Suite struct NPYCodingTests {
    /// A header followed by little-endian float32 values, as numpy writes them.
    func file(header: String, values: [Float], version: UInt8 = 1) -> [UInt8] {
        var h = header
        let prefix = version == 1 ? 10 : 12
        while (prefix + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        let n = h.utf8.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        bytes += version == 1 ? [UInt8(n & 0xff), UInt8(n >> 8)] : [UInt8(n & 0xff), UInt8(n >> 8), 0, 0]
        bytes += Array(h.utf8)
        for v in values {
            let b = v.bitPattern
            bytes += [UInt8(b & 0xff), UInt8(b >> 8 & 0xff), UInt8(b >> 16 & 0xff), UInt8(b >> 24)]
        }
        return bytes
    }

    @Test func headerFollowsTheVersionOneLayout() {
        let m = Matrix(rows: 2, columns: 3, columnMajor: [1, 2, 3, 4, 5, 6])
        let bytes = m.npyEncoded()
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + length) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"))
        #expect(header.hasSuffix(" \n"))
        #expect(bytes.count == 10 + length + 4 * 6)
        // Fortran order: the storage as it is, column after column; 1.0f = 0x3f800000.
        #expect(Array(bytes[(10 + length)..<(14 + length)]) == [0, 0, 0x80, 0x3f])
    }

    @Test(arguments: [(1, 1), (3, 5), (1025, 7), (0, 4), (4, 0)])
    func roundTripIsExact(_ shape: (Int, Int)) throws {
        var rng = SeededGenerator(seed: 9)
        let m = Matrix(rows: shape.0, columns: shape.1,
                       columnMajor: (0..<(shape.0 * shape.1)).map { _ in rng.nextUnitFloat() * 1e3 - 500 })
        let back = try Matrix(npy: m.npyEncoded())
        #expect(back == m)
    }

    @Test func specialValuesSurvive() throws {
        let m = Matrix(rows: 1, columns: 5, columnMajor: [.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1])
        let back = try Matrix(npy: m.npyEncoded())
        #expect(back.storage.map(\.bitPattern) == m.storage.map(\.bitPattern))
    }

    @Test func cOrderIsTransposedIntoColumnMajor() throws {
        // numpy.array([[1, 2, 3], [4, 5, 6]], dtype='<f4'), C order: rows one after the other.
        let bytes = file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", values: [1, 2, 3, 4, 5, 6])
        let m = try Matrix(npy: bytes)
        #expect(m.rows == 2 && m.columns == 3)
        #expect(m[0, 0] == 1 && m[0, 2] == 3 && m[1, 0] == 4 && m[1, 2] == 6)
    }

    @Test(arguments: [UInt8(2), 3]) func versionTwoAndThreeHeadersAreRead(_ version: UInt8) throws {
        let bytes = file(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", values: [1, 2, 3, 4], version: version)
        #expect(try Matrix(npy: bytes) == Matrix(rows: 2, columns: 2, columnMajor: [1, 2, 3, 4]))
    }

    @Test(arguments: [
        ("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", "'<f8'"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", "2-D"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2, 2), }", "2-D"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 3), }", "needs 3·3"),
        ("{'descr': '<f4', 'shape': (2, 2), }", "fortran_order"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (4611686018427387904, 4), }", "outside"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (0, 9223372036854775807), }", "outside"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (-2, 2), }", "outside"),
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (2, x), }", "2-D"),
        ("{'descr': '<f4', 'fortran_order': True, 'note': (2, 2), }", "shape"),
        ("{'fortran_order': True, 'shape': (2, 2), }", "descr"),
    ])
    func malformedFilesAreRefusedWithTheReason(_ header: String, _ expected: String) {
        let bytes = file(header: header, values: [1, 2, 3, 4])
        #expect {
            _ = try Matrix(npy: bytes)
        } throws: { error in
            (error as? NPYFormatError)?.description.contains(expected) == true
        }
    }

    @Test func truncatedOrForeignBytesAreRefused() {
        let good = Matrix(rows: 2, columns: 2, columnMajor: [1, 2, 3, 4]).npyEncoded()
        for bytes in [[], Array(good.prefix(9)), Array(good.prefix(40)), [UInt8](repeating: 0x41, count: 200),
                      Array(good.prefix(good.count - 1))] {
            #expect(throws: NPYFormatError.self) { _ = try Matrix(npy: bytes) }
        }
    }
}
