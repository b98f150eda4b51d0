import DSPCore
import Foundation

/// The soft mask of one source reduced to a pixel grid.
///
/// With the source models Λ_j = W[:, g_j]·H[g_j, :], the mask of source s is
/// `M_s = Λ_s^α / Σ_j Λ_j^α`. Each Λ_j is divided by the bin's largest Λ before the power,
/// so nothing overflows and the sum is ≥ 1; bins where every model is 0 get the even
/// split 1/S. Non-finite or negative entries of W and H count as 0.
enum MaskGrid {
    /// The mask of `source` on a `pixelRows × pixelColumns` grid (row-major, row 0 = top =
    /// highest frequency). Each pixel column uses the frame at the middle of its block of
    /// frames, and each pixel is the mean of the mask over its block of bins, so the masks
    /// of all sources still sum to 1 at every pixel.
    /// Time O(pixelColumns·(bins·K + pixelRows)); memory O(S·bins + pixels).
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
        let bins = w.rows, frames = h.columns
        guard bins > 0, frames > 0, sources > 0 else { return grid }
        var models = [[Double]](repeating: [Double](repeating: 0, count: bins), count: sources)
        var mask = [Float](repeating: 0, count: bins)
        let bottomUp = AxisOrder.reversed(bins)
        for px in 0..<pixelColumns {
            let span = Pooling.block(px, pixels: pixelColumns, count: frames)
            let frame = (span.lowerBound + span.upperBound - 1) / 2
            fillModels(&models, basis: w, activations: h, groups: groups, frame: frame)
            sourceMask(models, power: Double(power), source: source, into: &mask)
            for py in 0..<pixelRows {
                let block = Pooling.block(py, pixels: pixelRows, count: bins)
                var sum: Float = 0
                for position in block { sum += mask[bottomUp.index(position)] }
                grid[py * pixelColumns + px] = sum / Float(block.count)
            }
        }
        return grid
    }

    /// Λ_j[f] = Σ_{k ∈ g_j} W[f, k]·H[k, frame], in Double (no overflow for Float inputs).
    private static func fillModels(_ models: inout [[Double]], basis w: Matrix, activations h: Matrix,
                                   groups: [[Int]], frame: Int) {
        for j in groups.indices {
            models[j].withUnsafeMutableBufferPointer { model in
                for f in 0..<model.count { model[f] = 0 }
                for k in groups[j] {
                    let a = Double(Pooling.clean(h[k, frame]))
                    if a == 0 { continue }
                    let base = k * w.rows
                    for f in 0..<model.count { model[f] += Double(Pooling.clean(w.storage[base + f])) * a }
                }
            }
        }
    }

    /// M_s[f] = (Λ_s/peak)^α / Σ_j (Λ_j/peak)^α, or 1/S where the peak is 0.
    private static func sourceMask(_ models: [[Double]], power: Double, source: Int, into mask: inout [Float]) {
        let even = 1 / Double(models.count)
        for f in mask.indices {
            var peak = 0.0
            for model in models { peak = max(peak, model[f]) }
            guard peak > 0, peak.isFinite else {
                mask[f] = Float(even)
                continue
            }
            var total = 0.0
            for model in models { total += pow(model[f] / peak, power) }
            mask[f] = Float(pow(models[source][f] / peak, power) / total)
        }
    }
}
