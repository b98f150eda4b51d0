import DSPCore
#if canImport(Glibc)
import Glibc
#endif

/// How harmonic each spectral template is: how far the best fundamental frequency's
/// harmonics stand out from the spectrum halfway between them.
///
/// For a template w (bins × 1) compressed to a = (w / max w)^``compression``, and a candidate
/// fundamental f0, the salience is
///
///     s(f0) = (1/H) Σ_{h=1..H} [a(h·f0) − a((h − ½)·f0)],   H = min(20, ⌊min(5 kHz, Nyquist) / f0⌋),
///
/// a harmonic sum (Klapuri 2006, "Multiple fundamental frequency estimation by summing harmonic
/// amplitudes", ISMIR) with the points between the harmonics subtracted, so that f0/2 (whose odd
/// harmonics fall between the partials) and 2·f0 (whose in-between points are partials) score
/// below f0; a(x) is read by linear interpolation, or, for both reads of harmonic h, as the
/// largest of the three nearest bins where the partials are at least four bins apart and 1.5 % of
/// h·f0 reaches a bin (slightly inharmonic partials, as a piano's). The harmonicity is the largest
/// s(f0) over the C = 208 candidates 50 · 2^(q/48) Hz (50 Hz to about 1 kHz), in [−1, 1]: near
/// 0.3–0.5 for a sustained note, lower for a voice template (a blend of pitches) and near 0 for
/// drums and noise.
///
/// Next to the MFCCs in `.timbre` and `.percussive` grouping it tells templates apart that the
/// MFCCs alone confuse: speech from a piano, speech from a drum loop, a flute from bass and piano
/// chords, and (with `.percussive`) a cello from a tabla (QUALITY.md, "Harmonicity in the timbre
/// grouping").
/// - Complexity: O(K·(F + C·H)) for K templates, F bins, H ≤ 20 harmonics (about 3,200
///   harmonics and 6,500 reads per template at 5 kHz).
enum Harmonicity {
    /// Exponent applied to the peak-normalised template before the salience: 0.25 compresses
    /// the partials' dynamics so that weak upper harmonics count (0.25 / 0.5 / 1 measured).
    static let compression = 0.25
    /// Lowest and highest fundamental frequency tried, in Hz.
    static let lowestF0 = 50.0, highestF0 = 1000.0
    /// Candidates per octave.
    static let stepsPerOctave = 48
    /// At most this many harmonics, up to this frequency in Hz.
    static let maxHarmonics = 20, maxHarmonicHz = 5000.0

    /// The harmonicity and best fundamental (Hz) of each column of W (bins × K).
    /// - Parameters:
    ///   - w: templates, bins × K, non-negative (non-finite values read as 0).
    ///   - sampleRate: in Hz; bin f is at f · (sampleRate / 2) / (bins − 1) Hz.
    /// - Returns: K harmonicities in [−1, 1] (0 for an empty template, or when no candidate has
    ///   2·f0 ≤ min(5 kHz, Nyquist), i.e. below 200 Hz sampling) and the K fundamentals that give
    ///   them (0 then).
    static func estimate(_ w: Matrix, sampleRate: Int) -> (salience: [Float], fundamental: [Double]) {
        let bins = w.rows, nyquist = Double(sampleRate) / 2
        guard bins >= 2, nyquist > 0 else {
            return ([Float](repeating: 0, count: w.columns), [Double](repeating: 0, count: w.columns))
        }
        let binHz = nyquist / Double(bins - 1)
        let top = min(maxHarmonicHz, nyquist)
        // The candidates and their harmonic counts are the same for every template.
        let candidates = (0...Int((log2(highestF0 / lowestF0) * Double(stepsPerOctave)).rounded())).compactMap { q -> (f0: Double, count: Int)? in
            let f0 = lowestF0 * pow(2, Double(q) / Double(stepsPerOctave))
            let count = min(maxHarmonics, Int(top / f0))
            return count < 2 ? nil : (f0, count)
        }
        var salience = [Float](), fundamental = [Double]()
        var a = [Double](repeating: 0, count: bins)
        for c in 0..<w.columns {
            var peak = 0.0
            for i in 0..<bins {
                let x = Double(w[i, c])
                a[i] = x.isFinite && x > 0 ? x : 0
                peak = max(peak, a[i])
            }
            var best = 0.0, bestF0 = 0.0
            if peak > 0 {
                for i in 0..<bins { a[i] = pow(a[i] / peak, compression) }
                best = -Double.infinity
                for (f0, count) in candidates {
                    let s = score(a, f0: f0, harmonics: count, binHz: binHz)
                    if s > best { best = s; bestF0 = f0 }
                }
                if !best.isFinite { best = 0; bestF0 = 0 }
            }
            salience.append(Float(best))
            fundamental.append(bestF0)
        }
        return (salience, fundamental)
    }

    /// s(f0) of the compressed template `a` (see the type's description); 0 unless
    /// `harmonics` ≥ 1 and `binHz` > 0.
    static func score(_ a: [Double], f0: Double, harmonics: Int, binHz: Double) -> Double {
        guard harmonics >= 1, binHz > 0 else { return 0 }
        let resolved = f0 / binHz >= 4
        var on = 0.0, off = 0.0
        for h in 1...harmonics {
            let hz = Double(h) * f0
            let widen = resolved && hz * 0.015 >= binHz
            on += amplitude(a, at: hz / binHz, widen: widen)
            off += amplitude(a, at: (hz - 0.5 * f0) / binHz, widen: widen)
        }
        return (on - off) / Double(harmonics)
    }

    /// a at fractional bin `x`: linear interpolation, or with `widen` the largest of the three
    /// bins around the nearest one; 0 outside [0, n − 1] (and for a non-finite `x`).
    static func amplitude(_ a: [Double], at x: Double, widen: Bool) -> Double {
        let n = a.count
        guard x.isFinite, x >= 0, x <= Double(n - 1) else { return 0 }
        let i = Int(x.rounded())
        if widen { return max(a[max(i - 1, 0)], a[i], a[min(i + 1, n - 1)]) }
        let i0 = Int(x), i1 = min(i0 + 1, n - 1), t = x - Double(i0)
        return a[i0] * (1 - t) + a[i1] * t
    }
}
