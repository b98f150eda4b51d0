/// Pixel geometry of a rendered heatmap figure; all coordinates are image pixels.
struct HeatmapLayout: Equatable {
    /// Font scale of ticks and captions (one font dot = `textScale` pixels).
    static let textScale = 2
    /// The least room on each side of the title.
    static let titlePadding = margin + 12
    /// Font scale of the title.
    static let titleScale = 3
    /// Outer white margin.
    static let margin = 14
    /// Length of tick marks.
    static let tickLength = 6
    /// Thickness of the top source band (room for a label inside).
    static let topBandThickness = 18
    /// Thickness of the left source band.
    static let leftBandThickness = 12
    /// Width of the colour bar.
    static let barWidth = 22

    /// Left edge of the plot area.
    var plotX: Int
    /// Top edge of the plot area.
    var plotY: Int
    /// Plot-area width.
    var plotWidth: Int
    /// Plot-area height.
    var plotHeight: Int
    /// Left edge of the rotated y-axis caption.
    var yLabelX: Int
    /// Left edge of the colour bar (its top and height equal the plot's).
    var barX: Int
    /// Top of the first legend row, when there is a legend.
    var legendY: Int
    /// The legend entries (indices into `spec.legend`) on each legend row.
    var legendRows: [[Int]]
    /// Total image width.
    var width: Int
    /// Total image height.
    var height: Int

    /// Horizontal space taken by legend entry `text`: swatch, gap, text.
    static func legendEntryWidth(_ text: String) -> Int {
        BitmapFont.capHeight * textScale + 8 + BitmapFont.width(of: text, scale: textScale)
    }

    /// Gap between legend entries on a row.
    static let legendGap = 24

    /// Lays out `spec`: title and legend on top, y ticks and caption left, x ticks and
    /// caption below, colour bar with ticks and caption right. The image widens (keeping
    /// the plot centred) when the title would not fit; the legend wraps onto more rows.
    init(_ spec: HeatmapSpec) {
        let s = Self.textScale
        let line = BitmapFont.lineHeight(scale: s)
        let yTickWidth = spec.yTicks.map { BitmapFont.width(of: $0.label, scale: s) }.max() ?? 0
        let barTickWidth = spec.barTicks.map { BitmapFont.width(of: $0.label, scale: s) }.max() ?? 0
        let band = spec.leftBand.isEmpty ? 0 : Self.leftBandThickness + 4
        plotWidth = spec.plotWidth
        plotHeight = spec.plotHeight
        yLabelX = Self.margin
        plotX = Self.margin + line + 10 + yTickWidth + 4 + Self.tickLength + band
        barX = plotX + plotWidth + 28
        width = barX + Self.barWidth + Self.tickLength + 4 + barTickWidth + 12 + line + Self.margin
        // (A title wider than the figure gets a wider image, with room on both sides: at the bare
        // margin a long mask title looked cut off at the left edge.)
        let titleWidth = BitmapFont.width(of: spec.title, scale: Self.titleScale) + 2 * Self.titlePadding
        if titleWidth > width {
            let shift = (titleWidth - width) / 2
            plotX += shift
            barX += shift
            yLabelX += shift
            width = titleWidth
        }
        legendRows = Self.wrap(spec.legend.map { Self.legendEntryWidth($0.0) }, into: width - 2 * Self.margin)
        legendY = Self.margin + BitmapFont.lineHeight(scale: Self.titleScale) + 6
        var top = legendY + legendRows.count * (line + 6)
        if !legendRows.isEmpty { top += 4 }
        if !spec.topBand.isEmpty { top += Self.topBandThickness + 4 }
        plotY = top + 4
        height = plotY + plotHeight + Self.tickLength + 4 + line + 10 + line + Self.margin
    }

    /// Greedy line breaking: consecutive items per row, each row at most `limit` wide.
    private static func wrap(_ widths: [Int], into limit: Int) -> [[Int]] {
        var rows: [[Int]] = [], current: [Int] = [], used = 0
        for (i, w) in widths.enumerated() {
            let needed = current.isEmpty ? w : used + legendGap + w
            if !current.isEmpty, needed > limit {
                rows.append(current)
                current = [i]
                used = w
            } else {
                current.append(i)
                used = needed
            }
        }
        if !current.isEmpty { rows.append(current) }
        return rows
    }

    /// The image x of a fraction along the plot's width (0 = left edge; clamped to the plot).
    func x(atFraction f: Double) -> Int { plotX + Self.pixel(f, of: plotWidth) }

    /// The image y of a fraction along the plot's height (0 = bottom edge; clamped to the plot).
    func y(atFraction f: Double) -> Int { plotY + plotHeight - 1 - Self.pixel(f, of: plotHeight) }

    /// `⌊f·length⌋` clamped to `0..<length`; NaN counts as 0.
    private static func pixel(_ f: Double, of length: Int) -> Int {
        let f = f.isFinite ? min(max(f, 0), 1) : 0
        return min(length - 1, max(0, Int((f * Double(length)).rounded(.down))))
    }
}
