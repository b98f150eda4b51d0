/// Draws a `HeatmapSpec` into an `RGBImage`: white background, black frame, ticks and
/// text, the colour-mapped values, source bands, legend and a labelled colour bar.
struct HeatmapRenderer {
    /// The sequential map for the values and the colour bar.
    var colorMap: ColorMap = .standard

    /// Renders `spec`.
    /// - Returns: the figure and its geometry.
    /// - Throws: `PlotError.invalidParameter` if the layout exceeds the raster size limit.
    func render(_ spec: HeatmapSpec) throws -> (image: RGBImage, layout: HeatmapLayout) {
        let layout = HeatmapLayout(spec)
        var image = try RGBImage(width: layout.width, height: layout.height)
        drawCells(spec, layout, &image)
        drawFrameAndAxes(spec, layout, &image)
        drawBands(spec, layout, &image)
        drawTitleAndLegend(spec, layout, &image)
        drawColorBar(spec, layout, &image)
        return (image, layout)
    }

    private var scale: Int { HeatmapLayout.textScale }
    private var capHeight: Int { BitmapFont.capHeight * HeatmapLayout.textScale }

    private func drawCells(_ spec: HeatmapSpec, _ l: HeatmapLayout, _ image: inout RGBImage) {
        for row in 0..<spec.plotHeight {
            for col in 0..<spec.plotWidth {
                let i = row * spec.plotWidth + col
                let v: Float = i < spec.values.count ? spec.values[i] : 0
                image.setPixel(x: l.plotX + col, y: l.plotY + row, colorMap.color(v))
            }
        }
        for x in spec.xSeparators where x > 0 && x < spec.plotWidth {
            image.verticalLine(x: l.plotX + x, y0: l.plotY, y1: l.plotY + l.plotHeight - 1, .white)
        }
        for y in spec.ySeparators where y > 0 && y < spec.plotHeight {
            image.horizontalLine(x0: l.plotX, x1: l.plotX + l.plotWidth - 1, y: l.plotY + y, .white)
        }
    }

    private func drawFrameAndAxes(_ spec: HeatmapSpec, _ l: HeatmapLayout, _ image: inout RGBImage) {
        let left = l.plotX - 1, right = l.plotX + l.plotWidth, top = l.plotY - 1, bottom = l.plotY + l.plotHeight
        image.horizontalLine(x0: left, x1: right, y: top, .black)
        image.horizontalLine(x0: left, x1: right, y: bottom, .black)
        image.verticalLine(x: left, y0: top, y1: bottom, .black)
        image.verticalLine(x: right, y0: top, y1: bottom, .black)
        let tick = HeatmapLayout.tickLength
        for t in spec.xTicks {
            let x = l.x(atFraction: t.fraction)
            image.verticalLine(x: x, y0: bottom + 1, y1: bottom + tick, .black)
            let w = BitmapFont.width(of: t.label, scale: scale)
            let tx = min(max(0, x - w / 2), l.width - w)
            image.drawText(t.label, x: tx, y: bottom + tick + 4, scale: scale)
        }
        let xw = BitmapFont.width(of: spec.xLabel, scale: scale)
        let labelY = bottom + tick + 4 + BitmapFont.lineHeight(scale: scale) + 8
        image.drawText(spec.xLabel, x: l.plotX + (l.plotWidth - xw) / 2, y: labelY, scale: scale)

        let band = spec.leftBand.isEmpty ? 0 : HeatmapLayout.leftBandThickness + 4
        let tickEnd = left - 1 - band
        for t in spec.yTicks {
            let y = l.y(atFraction: t.fraction)
            image.horizontalLine(x0: tickEnd - tick + 1, x1: tickEnd, y: y, .black)
            let w = BitmapFont.width(of: t.label, scale: scale)
            let ty = min(max(l.plotY - capHeight / 2, y - capHeight / 2), l.plotY + l.plotHeight - capHeight / 2)
            image.drawText(t.label, x: tickEnd - tick - 4 - w, y: ty, scale: scale)
        }
        let yw = BitmapFont.width(of: spec.yLabel, scale: scale)
        image.drawText(spec.yLabel, x: l.yLabelX, y: l.plotY + (l.plotHeight - yw) / 2,
                       scale: scale, rotated: true)
    }

    private func drawBands(_ spec: HeatmapSpec, _ l: HeatmapLayout, _ image: inout RGBImage) {
        let thick = HeatmapLayout.topBandThickness
        for seg in spec.topBand where seg.end > seg.start {
            let y = l.plotY - 3 - thick
            image.fillRect(x: l.plotX + seg.start, y: y, width: seg.end - seg.start, height: thick, seg.color)
            let w = BitmapFont.width(of: seg.label, scale: scale)
            if !seg.label.isEmpty, w + 6 <= seg.end - seg.start {
                let ink: RGBColor = seg.color.luma > 140 ? .black : .white
                image.drawText(seg.label, x: l.plotX + seg.start + (seg.end - seg.start - w) / 2,
                               y: y + (thick - capHeight) / 2, scale: scale, color: ink)
            }
        }
        let leftThick = HeatmapLayout.leftBandThickness
        for seg in spec.leftBand where seg.end > seg.start {
            image.fillRect(x: l.plotX - 3 - leftThick, y: l.plotY + seg.start, width: leftThick,
                           height: seg.end - seg.start, seg.color)
        }
    }

    private func drawTitleAndLegend(_ spec: HeatmapSpec, _ l: HeatmapLayout, _ image: inout RGBImage) {
        let ts = HeatmapLayout.titleScale
        let tw = BitmapFont.width(of: spec.title, scale: ts)
        let centre = l.plotX + l.plotWidth / 2
        let m = HeatmapLayout.titlePadding
        image.drawText(spec.title, x: max(0, min(max(m, centre - tw / 2), l.width - m - tw)),
                       y: HeatmapLayout.margin, scale: ts)
        let swatch = capHeight
        for (r, row) in l.legendRows.enumerated() {
            let widths = row.map { HeatmapLayout.legendEntryWidth(spec.legend[$0].0) }
            let total = widths.reduce(0, +) + HeatmapLayout.legendGap * (widths.count - 1)
            var x = min(max(HeatmapLayout.margin, centre - total / 2), max(0, l.width - HeatmapLayout.margin - total))
            let y = l.legendY + r * (BitmapFont.lineHeight(scale: scale) + 6)
            for (i, w) in zip(row, widths) {
                image.fillRect(x: x, y: y, width: swatch, height: swatch, spec.legend[i].1)
                image.drawText(spec.legend[i].0, x: x + swatch + 8, y: y, scale: scale)
                x += w + HeatmapLayout.legendGap
            }
        }
    }

    private func drawColorBar(_ spec: HeatmapSpec, _ l: HeatmapLayout, _ image: inout RGBImage) {
        let w = HeatmapLayout.barWidth, h = l.plotHeight
        for row in 0..<h {
            let f = h > 1 ? Float(h - 1 - row) / Float(h - 1) : 1
            image.fillRect(x: l.barX, y: l.plotY + row, width: w, height: 1, colorMap.color(f))
        }
        let left = l.barX - 1, right = l.barX + w, top = l.plotY - 1, bottom = l.plotY + h
        image.horizontalLine(x0: left, x1: right, y: top, .black)
        image.horizontalLine(x0: left, x1: right, y: bottom, .black)
        image.verticalLine(x: left, y0: top, y1: bottom, .black)
        image.verticalLine(x: right, y0: top, y1: bottom, .black)
        var widest = 0
        for t in spec.barTicks {
            let y = l.y(atFraction: t.fraction)
            image.horizontalLine(x0: right + 1, x1: right + HeatmapLayout.tickLength, y: y, .black)
            let ty = min(max(l.plotY - capHeight / 2, y - capHeight / 2), l.plotY + h - capHeight / 2)
            image.drawText(t.label, x: right + HeatmapLayout.tickLength + 4, y: ty, scale: scale)
            widest = max(widest, BitmapFont.width(of: t.label, scale: scale))
        }
        let lw = BitmapFont.width(of: spec.barLabel, scale: scale)
        image.drawText(spec.barLabel, x: right + HeatmapLayout.tickLength + 4 + widest + 12,
                       y: l.plotY + (h - lw) / 2, scale: scale, rotated: true)
    }
}
