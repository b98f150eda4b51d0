import DSPCore
import Foundation
@testable import Plotting

/// Spectrogram and separation builders for the figure tests.
extension Fixtures {
    static let sampleRate = 16_000
    static let fftSize = 512
    static let hop = 128
    /// The bin of a 1 kHz tone: 1000 / (16000 / 512) = 32.
    static let toneBin = 32

    /// V with one strong bin (a 1 kHz tone): V[toneBin, :] = 1, everything else 1e-6.
    static func toneSpectrogram(frames: Int = 200) -> Matrix {
        var v = Matrix(rows: fftSize / 2 + 1, columns: frames, repeating: 1e-6)
        for n in 0..<frames { v[toneBin, n] = 1 }
        return v
    }

    /// Two sources with one template each: source 0 = the tone bin, active in the first half;
    /// source 1 = flat noise, active throughout. V = W·H.
    static func twoSourcePlots(frames: Int = 200, power: Float = 2) throws -> SeparationPlots {
        let bins = fftSize / 2 + 1
        var w = Matrix(rows: bins, columns: 2, repeating: 0)
        for f in 0..<bins { w[f, 1] = 0.01 + 0.005 * Float(f % 7) }
        w[toneBin, 0] = 1
        var h = Matrix(rows: 2, columns: frames, repeating: 0)
        for n in 0..<frames {
            h[0, n] = n < frames / 2 ? 1 : 0.001
            h[1, n] = 0.5 + 0.4 * Float(sin(Double(n) / 9))
        }
        return try SeparationPlots(spectrogram: w.multiplied(by: h), basis: w, activations: h, groups: [[0], [1]],
                                   maskPower: power, sampleRate: sampleRate, hop: hop, fftSize: fftSize)
    }

    /// Plots with the tone spectrogram and a trivial one-component factorization.
    static func tonePlots(frames: Int = 200) throws -> SeparationPlots {
        let v = toneSpectrogram(frames: frames)
        var w = Matrix(rows: v.rows, columns: 1, repeating: 1e-6)
        w[toneBin, 0] = 1
        let h = Matrix(rows: 1, columns: frames, repeating: 1)
        return try SeparationPlots(spectrogram: v, basis: w, activations: h, groups: [[0]], maskPower: 1,
                                   sampleRate: sampleRate, hop: hop, fftSize: fftSize)
    }

    /// The image row (plot area) showing bin `bin` of `bins` on a plot `layout.plotHeight` tall.
    static func imageRow(forBin bin: Int, bins: Int, layout: HeatmapLayout) -> Int {
        let fromBottom = Int((Double(bin) + 0.5) / Double(bins) * Double(layout.plotHeight))
        return layout.plotY + layout.plotHeight - 1 - fromBottom
    }
}
