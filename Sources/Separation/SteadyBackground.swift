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
    /// ``floor(of:)`` from which `.automatic` models a steady background. Measured at the default
    /// STFT (2048 / 512) on 72 mixtures: those with a source present in every frame (a noise, an
    /// accompaniment) 0.26–0.50, the others 0.04–0.22 (QUALITY.md). The floor depends on the
    /// STFT settings; other frame lengths and hops were not measured.
    public static let floorThreshold: Float = 0.25
    /// The quantile of each bin's magnitudes over frames taken as the bin's floor.
    public static let floorQuantile = 0.2
    /// Frames quieter than the loudest by more than this many dB are left out of ``floor(of:)``
    /// (silence before and after the sound would otherwise count as a low floor).
    public static let floorRangeDB: Float = 50
    /// At most this many frames enter ``floor(of:)``: one drawn at random (with a fixed seed)
    /// from each of this many equal stretches of the frames of a longer recording.
    public static let floorFrameLimit = 4096
    /// `.automatic` needs at least this many frames (about 2 s at 16 kHz with hop 512): over a
    /// few frames a 20 % quantile says little (three frames of white noise measure 0.55).
    public static let floorMinimumFrames = 64
    /// Bins transposed at a time by ``floor(of:)``: its working memory is this many rows of
    /// at most ``floorFrameLimit`` frames (1 MB), whatever the fft size.
    static let floorBinBlock = 64

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
    /// - Complexity: O(F · M) with M = min(frames, ``floorFrameLimit``) (a selection per bin, not
    ///   a sort), plus one pass over V: about 0.1 s for a 3-minute file at the default STFT.
    public static func floor(of v: Matrix) -> Float {
        let f = v.rows
        guard f > 0, v.columns > 0 else { return 0 }
        let frames = sampledFrames(energies: v.columnEnergies)
        guard !frames.isEmpty else { return 0 }
        let m = frames.count, rank = min(Int(floorQuantile * Double(m - 1)), m - 1)
        var floorSum = 0.0, meanSum = 0.0
        // Blocks of bins transposed (each sampled column read in runs of `floorBinBlock` values).
        var rows = [Float](repeating: 0, count: min(floorBinBlock, f) * m)
        v.storage.withUnsafeBufferPointer { p in
            rows.withUnsafeMutableBufferPointer { t in
                for first in stride(from: 0, to: f, by: floorBinBlock) {
                    let bins = min(floorBinBlock, f - first)
                    for (c, j) in frames.enumerated() {
                        for b in 0..<bins { let x = p[j * f + first + b]; t[b * m + c] = x.isNaN ? 0 : x }
                    }
                    for b in 0..<bins {
                        let row = t.baseAddress! + b * m
                        var sum = 0.0
                        for c in 0..<m { sum += Double(row[c]) }
                        meanSum += sum / Double(m)
                        floorSum += Double(select(row, count: m, rank: rank))
                    }
                }
            }
        }
        guard meanSum > 0, meanSum.isFinite, floorSum.isFinite else { return 0 }
        return Float(min(max(floorSum / meanSum, 0), 1))
    }

    /// The frames within ``floorRangeDB`` of the loudest, min(their count, ``floorFrameLimit``)
    /// of them: one drawn from each of that many equal stretches of consecutive such frames,
    /// with a fixed seed (the same frames on every run), so that no rhythm of the recording
    /// lines up with the sampling. Empty when no frame has a finite, positive energy.
    static func sampledFrames(energies: [Double]) -> [Int] {
        let kept = ActiveFrames.indices(of: energies, withinDB: Double(floorRangeDB))
        let m = min(kept.count, floorFrameLimit)
        guard m < kept.count else { return kept }
        var random = SeededGenerator(seed: 0x5EED)
        return (0..<m).map { c in
            let lo = c * kept.count / m, hi = (c + 1) * kept.count / m
            return kept[lo + Int(random.next() % UInt64(hi - lo))]
        }
    }

    /// The element of rank `rank` (0-based, ascending) of `count` values, found in place by
    /// Hoare's FIND (Hoare 1961, Algorithm 65; Wirth's formulation): O(count) on average.
    /// The values must not be NaN.
    static func select(_ a: UnsafeMutablePointer<Float>, count: Int, rank: Int) -> Float {
        var lo = 0, hi = count - 1
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while pivot < a[j] { j -= 1 }
                if i <= j {
                    (a[i], a[j]) = (a[j], a[i])
                    i += 1
                    j -= 1
                }
            }
            if j < rank { lo = i }
            if rank < i { hi = j }
        }
        return a[rank]
    }
}
