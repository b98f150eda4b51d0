import DSPCore
import Foundation

/// An ordering of a matrix dimension for display: identity, reversed, or an explicit list
/// of indices (for components grouped by source). Identity and reversed use no storage,
/// so reducing a long spectrogram needs memory proportional to the image only.
struct AxisOrder {
    /// Number of display positions.
    let count: Int
    private let explicit: [Int]?
    private let reversed: Bool

    /// Positions `0..<count` in index order.
    static func identity(_ count: Int) -> AxisOrder { AxisOrder(count: count, explicit: nil, reversed: false) }
    /// Positions `0..<count` showing index `count − 1 − position` (high frequencies on top).
    static func reversed(_ count: Int) -> AxisOrder { AxisOrder(count: count, explicit: nil, reversed: true) }
    /// Positions showing the listed indices in turn.
    static func explicit(_ indices: [Int]) -> AxisOrder {
        AxisOrder(count: indices.count, explicit: indices, reversed: false)
    }

    /// The matrix index shown at display position `p` (`0 <= p < count`).
    @inline(__always) func index(_ p: Int) -> Int {
        if let e = explicit { return e[p] }
        return reversed ? count - 1 - p : p
    }
}

/// Reduction of matrices to pixel grids and the pixel ↔ data-index mapping.
enum Pooling {
    /// The display positions covered by pixel `pixel` of `pixels` over `count` positions:
    /// `⌊pixel·count/pixels⌋ ..< max(lo + 1, ⌊(pixel+1)·count/pixels⌋)`. Consecutive pixels
    /// tile all positions when pooling, and repeat positions when magnifying.
    @inline(__always) static func block(_ pixel: Int, pixels: Int, count: Int) -> Range<Int> {
        guard count > 0, pixels > 0 else { return 0..<0 }
        let lo = min(count - 1, pixel * count / pixels)
        let hi = min(count, max(lo + 1, (pixel + 1) * count / pixels))
        return lo..<hi
    }

    /// The first pixel whose block starts at or after display position `position`:
    /// `⌈position·pixels/count⌉` (so `pixelStart(count) == pixels`).
    static func pixelStart(_ position: Int, pixels: Int, count: Int) -> Int {
        guard count > 0 else { return 0 }
        return (position * pixels + count - 1) / count
    }

    /// A magnitude made safe for display: NaN, infinities and negatives count as 0.
    @inline(__always) static func clean(_ x: Float) -> Float { (x.isFinite && x > 0) ? x : 0 }

    /// Max-pools `m` into a `pixelRows × pixelColumns` grid (row-major, row 0 at the top).
    ///
    /// Each pixel holds the largest cleaned value (times its column's scale) over its block
    /// of displayed rows and columns. Time O(rows·columns + pixels·rows); extra memory
    /// O(rows + pixels).
    /// - Parameters:
    ///   - m: the matrix.
    ///   - rows: display order of `m`'s rows (top to bottom); `rows.count == m.rows`.
    ///   - columns: display order of `m`'s columns (left to right); `columns.count == m.columns`.
    ///   - pixelRows: grid height ≥ 1.
    ///   - pixelColumns: grid width ≥ 1.
    ///   - columnScale: optional factor per matrix column (e.g. 1/max for normalisation).
    static func maxPool(_ m: Matrix, rows: AxisOrder, columns: AxisOrder, pixelRows: Int, pixelColumns: Int,
                        columnScale: [Float]? = nil) -> [Float] {
        var grid = [Float](repeating: 0, count: pixelRows * pixelColumns)
        guard m.rows > 0, m.columns > 0 else { return grid }
        var columnMax = [Float](repeating: 0, count: m.rows)
        m.storage.withUnsafeBufferPointer { data in
            for px in 0..<pixelColumns {
                for r in 0..<m.rows { columnMax[r] = 0 }
                for position in block(px, pixels: pixelColumns, count: columns.count) {
                    let c = columns.index(position)
                    let scale = clean(columnScale?[c] ?? 1)
                    let base = c * m.rows
                    for r in 0..<m.rows { columnMax[r] = max(columnMax[r], clean(data[base + r]) * scale) }
                }
                for py in 0..<pixelRows {
                    var v: Float = 0
                    for position in block(py, pixels: pixelRows, count: rows.count) {
                        v = max(v, columnMax[rows.index(position)])
                    }
                    grid[py * pixelColumns + px] = v
                }
            }
        }
        return grid
    }

    /// Maps non-negative magnitudes to colour fractions on a decibel scale:
    /// `(20·log10(v/ref) + range) / range`, clamped to 0...1; zero, or `ref` ≤ 0, gives 0.
    /// - Parameters:
    ///   - grid: the pooled magnitudes, replaced in place.
    ///   - reference: the 0 dB level (e.g. the maximum).
    ///   - range: the dB span shown (e.g. 80).
    static func toDecibelFractions(_ grid: inout [Float], reference: Float, range: Float) {
        guard reference > 0, reference.isFinite else {
            for i in grid.indices { grid[i] = 0 }
            return
        }
        let inv = 1 / reference
        for i in grid.indices {
            let v = grid[i] * inv
            let db = v > 0 ? 20 * log10(v) : -Float.infinity
            grid[i] = db.isFinite ? min(1, max(0, (db + range) / range)) : 0
        }
    }
}
