/// A dense matrix of `Float` stored column by column (column-major).
///
/// The audio convention V ≈ W·H maps onto this layout so that the hot loops read
/// contiguous memory: a spectrogram V (bins × frames) keeps each frame's bins together,
/// templates W (bins × K) keep each template together, and activations H (K × frames)
/// keep each frame's K activations together.
public struct Matrix: Sendable, Equatable {
    /// Number of rows (for V and W: frequency bins; for H: components).
    public let rows: Int
    /// Number of columns (for V and H: frames; for W: components).
    public let columns: Int
    /// The elements, column by column: element (r, c) is at `c * rows + r`. Always exactly
    /// `rows × columns` of them, which every function taking a `Matrix` relies on (release builds
    /// do not check array bounds): outside this package it can be read but not assigned; change
    /// elements with the subscript `matrix[r, c]`, or build a new matrix with
    /// `init(rows:columns:columnMajor:)`, which checks the length.
    public package(set) var storage: [Float]

    /// Creates a matrix filled with one value.
    /// - Parameters:
    ///   - rows: number of rows, ≥ 0.
    ///   - columns: number of columns, ≥ 0.
    ///   - value: the initial value of every element.
    /// - Precondition: both dimensions are ≥ 0 and their product's bytes do not overflow `Int`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        Self.checkShape(rows: rows, columns: columns)
        self.rows = rows
        self.columns = columns
        self.storage = [Float](repeating: value, count: rows * columns)
    }

    /// Creates a matrix from column-major storage.
    /// - Parameters:
    ///   - rows: number of rows.
    ///   - columns: number of columns.
    ///   - storage: `rows * columns` elements, column by column.
    /// - Precondition: both dimensions are ≥ 0 and `storage` holds exactly `rows * columns` elements.
    public init(rows: Int, columns: Int, columnMajor storage: [Float]) {
        Self.checkShape(rows: rows, columns: columns)
        require(storage.count == rows * columns,
                "matrix storage holds \(storage.count) elements (allowed: rows × columns, \(rows) × \(columns))")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Stops with a message naming the values unless `rows` and `columns` are ≥ 0 and their
    /// product does not overflow `Int`.
    private static func checkShape(rows: Int, columns: Int) {
        require(rows >= 0 && columns >= 0,
                "matrix dimensions \(rows) × \(columns) are out of range (allowed: 0 or more each)")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        require(!overflow && count <= Int.max / MemoryLayout<Float>.stride,
                "matrix dimensions \(rows) × \(columns) are too large (allowed: a product up to \(Int.max / MemoryLayout<Float>.stride))")
    }

    /// The element at row `r`, column `c`.
    /// - Precondition: 0 ≤ r < rows and 0 ≤ c < columns, checked in every build (with `require`,
    ///   which `-Ounchecked` keeps): an index out of range stops the process, as an array's does,
    ///   instead of reading or writing another element or memory past the end. The factorization's
    ///   kernels work on the storage directly; the subscript serves loops over K × frames at most.
    public subscript(r: Int, c: Int) -> Float {
        get { checkIndex(r, c); return storage[c &* rows &+ r] }
        set { checkIndex(r, c); storage[c &* rows &+ r] = newValue }
    }

    @inline(__always)
    private func checkIndex(_ r: Int, _ c: Int) {
        require(r >= 0 && r < rows && c >= 0 && c < columns,
                "matrix index (\(r), \(c)) is out of range (allowed: rows 0 to \(rows - 1), columns 0 to \(columns - 1))")
    }

    /// The mean of all elements, summed in double precision (0 for an empty matrix).
    ///
    /// Eight interleaved double-precision partial sums (element i goes to lane i mod 8), added
    /// in a fixed order: a vectorised, deterministic sum instead of one dependent chain.
    /// - Complexity: O(rows × columns).
    public var mean: Double {
        var lanes = SIMD8<Double>()
        var tail = 0.0
        storage.withUnsafeBufferPointer { p in
            let full = p.count & ~7
            var i = 0
            while i < full {
                lanes += SIMD8<Double>(UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self))
                i += 8
            }
            for j in full..<p.count { tail += Double(p[j]) }
        }
        return (lanes.sum() + tail) / Double(max(storage.count, 1))
    }

    /// Σ_r x² of every column, in double precision, NaN elements counted as 0: for a
    /// spectrogram (bins × frames), the energy of each frame.
    /// - Complexity: O(rows × columns).
    public var columnEnergies: [Double] {
        storage.withUnsafeBufferPointer { p in
            (0..<columns).map { j in
                var sum = 0.0
                for i in 0..<rows { let x = Double(p[j * rows + i]); if !x.isNaN { sum += x * x } }
                return sum
            }
        }
    }

    /// The mean of every `stride`-th column (0, stride, 2·stride, …), without copying them:
    /// the same value, to the bit, as `columnsStrided(by: stride).mean` (the same eight
    /// interleaved partial sums over the sampled elements in order).
    /// - Complexity: O(rows × columns / stride).
    public func meanOfColumns(strided stride: Int) -> Double {
        let stride = max(1, stride)
        if stride == 1 { return mean }
        let kept = columns == 0 ? 0 : (columns - 1) / stride + 1, count = kept * rows, full = count & ~7
        var lanes = SIMD8<Double>()
        var tail = 0.0
        storage.withUnsafeBufferPointer { p in
            var t = 0
            for j in 0..<kept {
                let column = p.baseAddress! + j * stride * rows
                for i in 0..<rows {
                    if t < full { lanes[t & 7] += Double(column[i]) } else { tail += Double(column[i]) }
                    t += 1
                }
            }
        }
        return (lanes.sum() + tail) / Double(max(count, 1))
    }

    /// Every `stride`-th column (0, stride, 2·stride, …): rows × ⌈columns / stride⌉
    /// (a stride below 1 counts as 1).
    public func columnsStrided(by stride: Int) -> Matrix {
        let stride = max(1, stride)
        let kept = columns == 0 ? 0 : (columns - 1) / stride + 1   // ⌈columns / stride⌉ without overflow
        var out = Matrix(rows: rows, columns: kept)
        for j in 0..<kept { out.storage.replaceSubrange((j * rows)..<((j + 1) * rows), with: storage[(j * stride * rows)..<((j * stride + 1) * rows)]) }
        return out
    }

    /// The inverse of ``columnsStrided(by:)`` up to repetition: column j of the result is
    /// column j / stride of `self`; rows × `count` (the last column repeats past the end;
    /// a stride below 1 counts as 1, a negative count as 0).
    public func columnsRepeated(by stride: Int, count: Int) -> Matrix {
        let stride = max(1, stride), count = max(0, count)
        var out = Matrix(rows: rows, columns: count)
        guard columns > 0 else { return out }
        for j in 0..<count {
            let source = min(j / stride, columns - 1)
            out.storage.replaceSubrange((j * rows)..<((j + 1) * rows), with: storage[(source * rows)..<((source + 1) * rows)])
        }
        return out
    }

    /// The matrix of the given columns, in the given order: rows × indices.count.
    /// - Parameter indices: column indices, each in 0..<columns.
    public func columns(_ indices: [Int]) -> Matrix {
        Matrix(rows: rows, columns: indices.count, columnMajor: indices.flatMap { Array(column($0)) })
    }

    /// The elements of column `c` (contiguous, `rows` of them).
    /// - Precondition: 0 ≤ c < columns, checked in every build: out of range stops the process.
    public func column(_ c: Int) -> ArraySlice<Float> {
        require(c >= 0 && c < columns, "matrix column \(c) is out of range (allowed: 0 to \(columns - 1))")
        return storage[(c * rows)..<((c + 1) * rows)]
    }

    /// The product `self · other` computed naively; meant for tests and small sizes.
    /// - Complexity: O(rows × other.columns × columns).
    public func multiplied(by other: Matrix) -> Matrix {
        require(columns == other.rows, "inner dimensions must agree")
        var out = Matrix(rows: rows, columns: other.columns)
        for j in 0..<other.columns {
            for k in 0..<columns {
                let b = other[k, j]
                if b == 0 { continue }
                for i in 0..<rows { out.storage[j * rows + i] += storage[k * rows + i] * b }
            }
        }
        return out
    }
}
