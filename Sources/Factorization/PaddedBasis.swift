import DSPCore

/// W (bins × K) stored column by column with each column padded to a multiple of 8 rows
/// (zeros), so that the SIMD kernels need no tail loops.
struct PaddedBasis {
    /// Real rows (frequency bins).
    let bins: Int
    /// Rows per stored column, `bins` rounded up to a multiple of 8.
    let paddedBins: Int
    /// Columns K.
    let columns: Int
    /// `paddedBins × columns` values, column-major; rows `bins..<paddedBins` are zero.
    var storage: [Float]

    /// Pads `w`.
    init(_ w: Matrix) {
        bins = w.rows
        paddedBins = (w.rows + 7) & ~7
        columns = w.columns
        storage = [Float](repeating: 0, count: paddedBins * w.columns)
        for c in 0..<w.columns { for i in 0..<bins { storage[c * paddedBins + i] = w.storage[c * bins + i] } }
    }

    /// W without the padding, bins × K.
    var matrix: Matrix {
        var out = Matrix(rows: bins, columns: columns)
        for c in 0..<columns { for i in 0..<bins { out.storage[c * bins + i] = storage[c * paddedBins + i] } }
        return out
    }

    /// Scales columns `first...` to sum to one and the matching rows of H (K × frames) by the
    /// same factors, so that W·H is unchanged; values are floored at `NMF.valueFloor`.
    mutating func normalize(activations h: inout Matrix, from first: Int) {
        let f = bins, fp = paddedBins, k = columns, n = h.columns
        var scales = [Float](repeating: 1, count: k)
        storage.withUnsafeMutableBufferPointer { wp in
            for c in first..<k {
                var s: Float = 0
                for i in 0..<f { s += wp[c * fp + i] }
                if s > 0 && s.isFinite {
                    scales[c] = s
                    let inv = 1 / s
                    for i in 0..<f { wp[c * fp + i] = max(wp[c * fp + i] * inv, NMF.valueFloor) }
                }
            }
        }
        h.storage.withUnsafeMutableBufferPointer { hp in
            for j in 0..<n {
                for c in 0..<k { hp[j * k + c] = max(hp[j * k + c] * scales[c], NMF.valueFloor) }
            }
        }
    }
}
