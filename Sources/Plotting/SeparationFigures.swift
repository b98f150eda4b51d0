import DSPCore
import Separation
import Foundation

/// The figure builders: each turns the separation into a `HeatmapSpec` at pixel resolution.
extension SeparationPlots {
    /// Plot-area size of time × frequency figures: ≤ 1000 × 400 px, no wider than the frames
    /// or taller than the bins unless that would drop below 320 × 240 px.
    var timeFrequencySize: (width: Int, height: Int) {
        (min(1000, max(320, spectrogram.columns)), min(400, max(240, spectrogram.rows)))
    }

    /// The components in display order: source 1's, then source 2's, ...
    var componentOrder: [Int] { groups.flatMap { $0 } }

    /// The mixture spectrogram, dB re. its maximum, 80 dB shown.
    func spectrogramSpec() -> HeatmapSpec {
        let (width, height) = timeFrequencySize
        var grid = Pooling.maxPool(spectrogram, rows: .reversed(spectrogram.rows),
                                   columns: .identity(spectrogram.columns),
                                   pixelRows: height, pixelColumns: width)
        Pooling.toDecibelFractions(&grid, reference: grid.max() ?? 0, range: 80)
        let (yTicks, yLabel) = frequencyAxis(height: height)
        return HeatmapSpec(title: "Mixture spectrogram", plotWidth: width, plotHeight: height, values: grid,
                           xLabel: "time (s)", xTicks: timeTicks(width: width), yLabel: yLabel, yTicks: yTicks,
                           barLabel: "level (dB re. max)", barTicks: decibelTicks(range: 80, height: height))
    }

    /// The templates, each normalised to its own maximum, dB, 60 dB shown, grouped by source.
    func templatesSpec() -> HeatmapSpec {
        let k = basis.columns, order = componentOrder
        let width = k == 0 ? 320 : min(800, max(320, k * min(80, max(1, 640 / k))))
        let height = timeFrequencySize.height
        let scales = (0..<k).map { c -> Float in
            let peak = basis.column(c).reduce(Float(0)) { max($0, Pooling.clean($1)) }
            return peak > 0 ? 1 / peak : 0
        }
        var grid = Pooling.maxPool(basis, rows: .reversed(basis.rows), columns: .explicit(order),
                                   pixelRows: height, pixelColumns: width, columnScale: scales)
        Pooling.toDecibelFractions(&grid, reference: 1, range: 60)
        let (yTicks, yLabel) = frequencyAxis(height: height)
        var spec = HeatmapSpec(title: "NMF templates W", plotWidth: width, plotHeight: height, values: grid,
                               xLabel: "component (grouped by source)",
                               xTicks: componentTicks(order: order, pixels: width, alongX: true),
                               yLabel: yLabel, yTicks: yTicks, barLabel: "dB re. component max",
                               barTicks: decibelTicks(range: 60, height: height))
        spec.topBand = sourceBands(pixels: width, labelled: true)
        spec.xSeparators = spec.topBand.dropFirst().map(\.start)
        if spec.topBand.contains(where: { !$0.label.hasPrefix("source") }) { spec.legend = legend }
        return spec
    }

    /// The activations, dB re. their maximum, 60 dB shown, rows ordered by source.
    func activationsSpec() -> HeatmapSpec {
        let k = activations.rows, order = componentOrder
        let width = timeFrequencySize.width
        let height = k == 0 ? 160 : min(400, max(160, k * min(40, max(1, 400 / k))))
        var grid = Pooling.maxPool(activations, rows: .explicit(order), columns: .identity(activations.columns),
                                   pixelRows: height, pixelColumns: width)
        Pooling.toDecibelFractions(&grid, reference: grid.max() ?? 0, range: 60)
        var spec = HeatmapSpec(title: "NMF activations H", plotWidth: width, plotHeight: height, values: grid,
                               xLabel: "time (s)", xTicks: timeTicks(width: width), yLabel: "component",
                               yTicks: componentTicks(order: order, pixels: height, alongX: false),
                               barLabel: "dB re. max", barTicks: decibelTicks(range: 60, height: height))
        spec.leftBand = sourceBands(pixels: height, labelled: false)
        spec.ySeparators = spec.leftBand.dropFirst().map(\.start)
        spec.legend = legend
        return spec
    }

    /// The soft mask of source `s` (zero-based), 0...1.
    /// - Throws: `PlotError.invalidParameter` when `s` is not in `0..<groups.count`.
    func maskSpec(source s: Int) throws -> HeatmapSpec {
        guard s >= 0, s < groups.count else {
            let allowed = groups.isEmpty ? "none (no groups)" : "0..<\(groups.count) (zero-based)"
            throw PlotError.invalidParameter(name: "source", value: "\(s)", allowed: allowed)
        }
        let (width, height) = timeFrequencySize
        // A spatial run masks each channel with its own models (H's rows scaled by that channel's
        // gains): one model per channel, so the grid is the mean over runs and channels.
        func perChannel(_ w: Matrix, _ h: Matrix, _ g: [[Int]], _ gains: Matrix?) -> [MaskGrid.Model] {
            guard let q = gains else { return [(w, h, g)] }
            return (0..<q.rows).map { c in
                var scaled = h
                for j in 0..<h.columns { for k in 0..<h.rows { scaled[k, j] *= q[c, k] } }
                return (w, scaled, g)
            }
        }
        let models = perChannel(basis, activations, groups, channelGains)
            + additionalRuns.flatMap { perChannel($0.factorization.basis, $0.factorization.activations, $0.groups, $0.channelGains) }
        let grid = MaskGrid.compute(models: models, power: maskPower, source: s, pixelRows: height, pixelColumns: width)
        let channelNote = channelGains.map { ", mean of \($0.rows) channels" } ?? ""
        let (yTicks, yLabel) = frequencyAxis(height: height)
        let barTicks = NiceTicks.ticks(lo: 0, hi: 1, length: height, gap: 16) { _ in self.lineHeight }
        return HeatmapSpec(title: "Soft mask of source \(s + 1) (mask power \(powerText)\(additionalRuns.isEmpty ? "" : ", mean of \(additionalRuns.count + 1) runs")\(channelNote))", plotWidth: width,
                           plotHeight: height, values: grid, xLabel: "time (s)", xTicks: timeTicks(width: width),
                           yLabel: yLabel, yTicks: yTicks, barLabel: "mask value", barTicks: barTicks)
    }

    // MARK: - Axes

    private var lineHeight: Int { BitmapFont.capHeight * HeatmapLayout.textScale }

    private func textWidth(_ s: String) -> Int { BitmapFont.width(of: s, scale: HeatmapLayout.textScale) }

    /// Seconds at frame centres: frame n is at n·hop/sampleRate and spans half a hop either side.
    private func timeTicks(width: Int) -> [Tick] {
        let frames = spectrogram.columns
        let seconds = Double(hop) / Double(sampleRate)
        let lo = frames == 0 ? 0 : -0.5 * seconds, hi = frames == 0 ? 1 : (Double(frames) - 0.5) * seconds
        return NiceTicks.ticks(lo: lo, hi: hi, length: width, gap: 24) { self.textWidth($0) }
    }

    /// Bin centres at b·sampleRate/fftSize, in kHz when the top exceeds 2 kHz.
    private func frequencyAxis(height: Int) -> ([Tick], String) {
        let bins = spectrogram.rows
        let binHz = Double(sampleRate) / Double(fftSize)
        let topHz = (Double(bins) - 0.5) * binHz
        let kilo = topHz >= 2000
        let unit = kilo ? 1000.0 : 1
        let lo = bins == 0 ? 0 : -0.5 * binHz / unit, hi = bins == 0 ? 1 : topHz / unit
        let ticks = NiceTicks.ticks(lo: lo, hi: hi, length: height, gap: 16) { _ in self.lineHeight }
        return (ticks, kilo ? "frequency (kHz)" : "frequency (Hz)")
    }

    private func decibelTicks(range: Double, height: Int) -> [Tick] {
        NiceTicks.ticks(lo: -range, hi: 0, length: height, gap: 16) { _ in self.lineHeight }
    }

    /// One tick per component at its pixel centre, labelled with its NMF index, thinned so
    /// that labels do not collide.
    private func componentTicks(order: [Int], pixels: Int, alongX: Bool) -> [Tick] {
        let k = order.count
        guard k > 0 else { return [] }
        let widest = order.map { alongX ? textWidth(String($0)) : lineHeight }.max() ?? 0
        let spacing = Double(pixels) / Double(k)
        let stride = max(1, Int((Double(widest + (alongX ? 10 : 6)) / spacing).rounded(.up)))
        return Swift.stride(from: 0, to: k, by: stride).map { p in
            let a = Pooling.pixelStart(p, pixels: pixels, count: k)
            let b = Pooling.pixelStart(p + 1, pixels: pixels, count: k)
            let centre = (Double(a) + Double(b)) / 2 / Double(pixels)
            return Tick(fraction: alongX ? centre : 1 - centre, label: String(order[p]))
        }
    }

    /// The pixel span of each source's components along an axis of `pixels`.
    private func sourceBands(pixels: Int, labelled: Bool) -> [BandSegment] {
        let k = componentOrder.count
        var offset = 0
        return groups.enumerated().map { s, group in
            let start = Pooling.pixelStart(offset, pixels: pixels, count: k)
            offset += group.count
            let end = Pooling.pixelStart(offset, pixels: pixels, count: k)
            var label = ""
            if labelled {
                let room = end - start - 6
                label = [ "source \(s + 1)", "\(s + 1)" ].first { textWidth($0) <= room } ?? ""
            }
            return BandSegment(start: start, end: end, color: SourcePalette.color(s), label: label)
        }
    }

    /// One entry per source; beyond 20 sources the rest are summarised as "+N more".
    private var legend: [(String, RGBColor)] {
        let shown = groups.count > 20 ? 19 : groups.count
        var entries = (0..<shown).map { ("source \($0 + 1)", SourcePalette.color($0)) }
        if shown < groups.count { entries.append(("+\(groups.count - shown) more", .white)) }
        return entries
    }

    /// α in at most four significant digits, e.g. "2", "1.5", "0.25", "1e+03".
    private var powerText: String { String(format: "%.4g", Double(maskPower)) }
}
