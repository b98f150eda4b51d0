import DSPCore
import Separation

/// The soft mask of one source reduced to a pixel grid.
///
/// With the source models Λ_j = W[:, g_j]·H[g_j, :], the mask of source s is
/// `M_s = Λ_s^α / Σ_j Λ_j^α`, computed by the separation's own `SoftMask` (bins where every
/// model is 0, or not finite, get the even split 1/S). Non-finite or negative entries of W
/// and H count as 0.
enum MaskGrid {
    /// The mask of `source` on a `pixelRows × pixelColumns` grid (row-major, row 0 = top =
    /// highest frequency). Each pixel column uses the frame at the middle of its block of
    /// frames, and each pixel is the mean of the mask over its block of bins, so the masks
    /// of all sources still sum to 1 at every pixel.
    /// Time O(pixelColumns·(bins·K + pixelRows)); memory O(S·bins + F·K + pixels).
    /// - Parameters:
    ///   - basis: W, bins × K.
    ///   - activations: H, K × frames.
    ///   - groups: the components of each source (a partition of 0..<K).
    ///   - power: α > 0.
    ///   - source: s, zero-based.
    ///   - pixelRows: grid height ≥ 1.
    ///   - pixelColumns: grid width ≥ 1.
    static func compute(basis w: Matrix, activations h: Matrix, groups: [[Int]], power: Float, source: Int,
                        pixelRows: Int, pixelColumns: Int) -> [Float] {
        let sources = groups.count
        let even = Float(1) / Float(max(1, sources))
        var grid = [Float](repeating: even, count: pixelRows * pixelColumns)
        let bins = w.rows, frames = h.columns, k = h.rows
        guard bins > 0, frames > 0, sources > 0 else { return grid }
        // The separation's own masks (`SoftMask`), on W and H with non-finite or negative entries as 0.
        let basis = w.storage.map(Pooling.clean)
        var column = [Float](repeating: 0, count: k)
        let models = (0..<sources).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: bins) }
        let masks = (0..<sources).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: bins) }
        defer { (models + masks).forEach { $0.deallocate() } }
        let bottomUp = AxisOrder.reversed(bins)
        for px in 0..<pixelColumns {
            let span = Pooling.block(px, pixels: pixelColumns, count: frames)
            let frame = (span.lowerBound + span.upperBound - 1) / 2
            for c in 0..<k { column[c] = Pooling.clean(h[c, frame]) }
            basis.withUnsafeBufferPointer { wp in
                column.withUnsafeBufferPointer { hp in
                    SoftMask.models(basis: wp.baseAddress!, bins: bins, activations: hp.baseAddress!, groups: groups, into: models)
                }
            }
            SoftMask.compute(models: models.map { UnsafePointer($0) }, bins: bins, power: power, into: masks)
            let mask = masks[source]
            for py in 0..<pixelRows {
                let block = Pooling.block(py, pixels: pixelRows, count: bins)
                var sum: Float = 0
                for position in block { sum += mask[bottomUp.index(position)] }
                grid[py * pixelColumns + px] = sum / Float(block.count)
            }
        }
        return grid
    }
}
