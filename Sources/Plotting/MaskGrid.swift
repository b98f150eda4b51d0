import DSPCore
import Separation

/// The soft mask of one source reduced to a pixel grid.
///
/// With the source models Λ_j = W[:, g_j]·H[g_j, :], the mask of source s is
/// `M_s = Λ_s^α / Σ_j Λ_j^α`, computed by the separation's own `SoftMask` (bins where every
/// model is 0, or not finite, get the even split 1/S). Non-finite or negative entries of W
/// and H count as 0. With several factorizations (an ensemble, the groups of each in the same
/// source order) the mask is the mean of their masks, as in the separation.
enum MaskGrid {
    /// One factorization: W (bins × K), H (K × frames) and the components of each source.
    typealias Model = (basis: Matrix, activations: Matrix, groups: [[Int]])

    /// The mask of `source` on a `pixelRows × pixelColumns` grid (row-major, row 0 = top =
    /// highest frequency). Each pixel column uses the frame at the middle of its block of
    /// frames, and each pixel is the mean of the mask over its block of bins, so the masks
    /// of all sources still sum to 1 at every pixel.
    /// Time O(pixelColumns·(R·bins·K + pixelRows)) for R models; memory O(S·bins + R·F·K + pixels).
    /// - Parameters:
    ///   - models: one or more factorizations of the same bins × frames (W, H, groups, each
    ///     group list a partition of 0..<K with the same number of sources).
    ///   - power: α > 0.
    ///   - source: s, zero-based.
    ///   - pixelRows: grid height ≥ 1.
    ///   - pixelColumns: grid width ≥ 1.
    static func compute(models runs: [Model], power: Float, source: Int, pixelRows: Int, pixelColumns: Int) -> [Float] {
        let sources = runs.first?.groups.count ?? 0
        let even = Float(1) / Float(max(1, sources))
        var grid = [Float](repeating: even, count: pixelRows * pixelColumns)
        let bins = runs.first?.basis.rows ?? 0, frames = runs.first?.activations.columns ?? 0
        guard bins > 0, frames > 0, sources > 0 else { return grid }
        // The separation's own masks (`SoftMask`), on W and H with non-finite or negative entries as 0.
        let bases = runs.map { $0.basis.storage.map(Pooling.clean) }
        let models = (0..<sources).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: bins) }
        let masks = (0..<sources).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: bins) }
        defer { (models + masks).forEach { $0.deallocate() } }
        var mask = [Float](repeating: 0, count: bins)
        let bottomUp = AxisOrder.reversed(bins)
        for px in 0..<pixelColumns {
            let span = Pooling.block(px, pixels: pixelColumns, count: frames)
            let frame = (span.lowerBound + span.upperBound - 1) / 2
            for f in 0..<bins { mask[f] = 0 }
            for (run, basis) in zip(runs, bases) {
                let column = (0..<run.activations.rows).map { Pooling.clean(run.activations[$0, frame]) }
                basis.withUnsafeBufferPointer { wp in
                    column.withUnsafeBufferPointer { hp in
                        SoftMask.models(basis: wp.baseAddress!, bins: bins, activations: hp.baseAddress!, groups: run.groups, into: models)
                    }
                }
                SoftMask.compute(models: models.map { UnsafePointer($0) }, bins: bins, power: power, into: masks)
                for f in 0..<bins { mask[f] += masks[source][f] }
            }
            if runs.count > 1 { for f in 0..<bins { mask[f] /= Float(runs.count) } }
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
