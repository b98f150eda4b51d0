/// What is wrong with bytes that were to be a .npy matrix.
public struct NPYFormatError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, e.g. "need float32 ('<f4') data, found '<f8'".
    public let reason: String
    /// One line naming the problem.
    public var description: String { "not a float32 .npy matrix: \(reason)" }
}

/// NumPy's `.npy` format for float32 matrices, as its specification (numpy.lib.format,
/// "NPY format, version 1.0") describes it: the magic string `\x93NUMPY`, the version bytes,
/// the header length (2 bytes little-endian in version 1, 4 bytes from version 2), an ASCII
/// Python dict literal with `descr`, `fortran_order` and `shape`, padded with spaces and a
/// final newline so that the data starts at a multiple of 64 bytes, then the raw elements.
extension Matrix {
    /// The matrix as the bytes of a version-1.0 `.npy` file: little-endian float32, shape
    /// (rows, columns), Fortran (column-major) order, i.e. `storage` as it is.
    /// `numpy.load` returns a rows × columns array (W: bins × K, H: K × frames).
    /// - Complexity: O(rows · columns).
    public func npyEncoded() -> [UInt8] {
        var header = "{'descr': '<f4', 'fortran_order': True, 'shape': (\(rows), \(columns)), }"
        let prefix = 10   // magic (6) + version (2) + header length (2)
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)]
        bytes.reserveCapacity(prefix + length + 4 * storage.count)
        bytes += Array(header.utf8)
        #if _endian(little)
        storage.withUnsafeBytes { bytes += $0 }
        #else
        for x in storage {
            let bits = x.bitPattern.littleEndian
            bytes += [UInt8(bits & 0xff), UInt8(bits >> 8 & 0xff), UInt8(bits >> 16 & 0xff), UInt8(bits >> 24)]
        }
        #endif
        return bytes
    }

    /// Decodes the bytes of a `.npy` file holding a 2-D little-endian float32 array, in C or
    /// Fortran order, as a rows × columns matrix (`numpy.save(path, a.astype('<f4'))` writes one).
    /// - Parameter bytes: the whole file.
    /// - Throws: `NPYFormatError` naming what is missing or unsupported (magic, version,
    ///   header, dtype, dimensions, data length).
    /// - Complexity: O(rows · columns).
    public init(npy bytes: [UInt8]) throws {
        func fail(_ reason: String) -> NPYFormatError { NPYFormatError(reason: reason) }
        guard bytes.count >= 10, bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else { throw fail("no \\x93NUMPY magic") }
        guard (1...3).contains(bytes[6]) else { throw fail("unknown format version \(bytes[6]).\(bytes[7])") }
        let wide = bytes[6] >= 2
        let start = wide ? 12 : 10
        guard bytes.count >= start else { throw fail("truncated header") }
        let length = wide ? Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
                          : Int(bytes[8]) | Int(bytes[9]) << 8
        guard length <= bytes.count - start else { throw fail("truncated header") }
        let header = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
        guard let descr = Self.value(of: "descr", in: header) else { throw fail("no 'descr' in the header") }
        guard descr == "'<f4'" else { throw fail("need float32 ('<f4') data, found \(descr)") }
        guard let order = Self.value(of: "fortran_order", in: header), order == "True" || order == "False" else {
            throw fail("no 'fortran_order' in the header")
        }
        guard let shape = Self.value(of: "shape", in: header), shape.first == "(", shape.last == ")" else {
            throw fail("no 'shape' in the header")
        }
        let parts = shape.dropFirst().dropLast().split(separator: ",").map(String.init)
        let dims = parts.compactMap { Int($0) }
        guard dims.count == 2, parts.count == 2 else { throw fail("need a 2-D array, found shape \(shape)") }
        guard dims.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
            throw fail("shape \(shape) has a dimension outside 0…\(Int32.max)")
        }
        let (rows, columns) = (dims[0], dims[1])
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        let data = start + length
        guard !overflow, count <= (bytes.count - data) / 4 else {
            throw fail("shape (\(rows), \(columns)) needs \(rows)·\(columns) float32 values, the file holds \((bytes.count - data) / 4)")
        }
        var storage = [Float](repeating: 0, count: count)
        let fortran = order == "True"
        for index in 0..<count {
            let p = data + 4 * index
            let bits = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
            // C order: element (r, c) is the index-th value with index = r·columns + c.
            let target = fortran ? index : (index % columns) * rows + index / columns
            storage[target] = Float(bitPattern: bits)
        }
        self.init(rows: rows, columns: columns, columnMajor: storage)
    }

    /// The text after `'key':` in a header dict, up to the next comma outside parentheses.
    private static func value(of key: String, in header: String) -> String? {
        guard let range = header.firstRange(of: "'\(key)':") else { return nil }
        var depth = 0
        var out = ""
        for ch in header[range.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if (ch == "," && depth == 0) || ch == "}" { break }
            out.append(ch)
        }
        let trimmed = out.filter { $0 != " " }
        return trimmed.isEmpty ? nil : trimmed
    }
}
