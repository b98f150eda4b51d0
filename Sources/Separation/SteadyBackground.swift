import DSPCore
import Foundation

/// The steady-background model of ``BackgroundModel``: its constants, chosen by measurement
/// (QUALITY.md), and the statistic that detects a steady background in a mixture.
public enum SteadyBackground {
    /// Components that model the background (the first free components).
    public static let componentCount = 2
    /// Temporal-continuity weight (Virtanen 2007, scale-free) on the background's activations:
    /// strong enough that they follow the background's level, not the foreground's onsets.
    public static let continuity: Float = 100
    /// Sparseness weight (Virtanen 2007, scale-free) on the other components' activations.
    public static let foregroundSparsity: Float = 0.3
    /// ``floor(of:)`` from which `.automatic` models a steady background. On 64 measured mixtures
    /// those with a background present in every frame measured 0.26–0.50, the others 0.05–0.20.
    public static let floorThreshold: Float = 0.25
    /// The quantile of each bin's magnitudes over frames taken as the bin's floor.
    public static let floorQuantile = 0.2
    /// Frames quieter than the loudest by more than this many dB are left out of ``floor(of:)``
    /// (silence before and after the sound would otherwise count as a low floor).
    public static let floorRangeDB: Float = 50
    /// At most this many frames enter ``floor(of:)``: one drawn at random (with a fixed seed)
    /// from each stretch of frames of a longer recording.
    public static let floorFrameLimit = 4096

    /// The share of the mixture's magnitude that a sound present in every frame could explain:
    /// Σ_f q_f / Σ_f m_f, where q_f is the 20 % quantile and m_f the mean of row f of V over the
    /// frames within ``floorRangeDB`` of the loudest (a minimum-statistics noise floor, after
    /// Martin 2001, "Noise power spectral density estimation based on optimal smoothing and
    /// minimum statistics"). A background that never stops keeps q_f near its level however the
    /// foreground moves: speech or an instrument against a steady noise at 0 dB measures about
    /// 0.3–0.5; two speakers, or instruments that pause and change notes, about 0.05–0.2.
    /// - Parameter v: a magnitude spectrogram, bins × frames (or channels · bins × frames
    ///   stacked), non-negative.
    /// - Returns: a value in 0...1; 0 for a spectrogram without energy.
    /// - Complexity: O(F · M log M) with M = min(frames, ``floorFrameLimit``), plus one pass over V.
    public static func floor(of v: Matrix) -> Float {
        let f = v.rows, n = v.columns
        guard f > 0, n > 0 else { return 0 }
        var energy = [Double](repeating: 0, count: n)
        v.storage.withUnsafeBufferPointer { p in
            for j in 0..<n {
                var sum = 0.0
                for i in 0..<f { let x = Double(p[j * f + i]); sum += x * x }
                energy[j] = sum
            }
        }
        guard let loudest = energy.max(), loudest > 0 else { return 0 }
        let cutoff = loudest * pow(10, -Double(floorRangeDB) / 10)
        let kept = (0..<n).filter { energy[$0] >= cutoff }
        // One frame drawn from each block of `step` kept frames (a fixed seed: the same frames
        // for every run), so that no rhythm of the recording lines up with the sampling.
        let step = max((kept.count + floorFrameLimit - 1) / floorFrameLimit, 1)
        var random = SeededGenerator(seed: 0x5EED)
        let frames = stride(from: 0, to: kept.count, by: step).map { start in
            kept[start + (step == 1 ? 0 : Int(random.next() % UInt64(min(step, kept.count - start))))]
        }
        let rank = min(Int(floorQuantile * Double(frames.count - 1)), frames.count - 1)
        var row = [Float](repeating: 0, count: frames.count)
        var floorSum = 0.0, meanSum = 0.0
        v.storage.withUnsafeBufferPointer { p in
            for i in 0..<f {
                var sum = 0.0
                for (m, j) in frames.enumerated() { row[m] = p[j * f + i]; sum += Double(row[m]) }
                row.sort()
                floorSum += Double(row[rank])
                meanSum += sum / Double(frames.count)
            }
        }
        return meanSum > 0 ? Float(min(max(floorSum / meanSum, 0), 1)) : 0
    }
}
