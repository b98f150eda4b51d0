/// A coloured segment of a source band: pixels `start..<end` along the band's axis.
struct BandSegment: Equatable {
    /// First pixel (relative to the plot area's edge).
    var start: Int
    /// One past the last pixel.
    var end: Int
    /// The segment colour.
    var color: RGBColor
    /// Text drawn inside the segment when it fits (may be empty).
    var label: String
}

/// Everything a heatmap figure shows, already reduced to pixel resolution.
///
/// The renderer only lays out and draws; the figure builders in `SeparationPlots` decide
/// the values, ticks and bands.
struct HeatmapSpec {
    /// The figure title, drawn above the plot.
    var title: String
    /// Plot-area width in pixels (≥ 1).
    var plotWidth: Int
    /// Plot-area height in pixels (≥ 1).
    var plotHeight: Int
    /// `plotHeight × plotWidth` colour fractions in 0...1, row-major, row 0 at the top.
    var values: [Float]
    /// The x-axis caption.
    var xLabel: String
    /// The x-axis ticks.
    var xTicks: [Tick]
    /// The y-axis caption.
    var yLabel: String
    /// The y-axis ticks (fraction 0 = bottom).
    var yTicks: [Tick]
    /// The colour-bar caption.
    var barLabel: String
    /// The colour-bar ticks (fraction 0 = bottom colour).
    var barTicks: [Tick]
    /// Source segments along the top edge of the plot (x pixels), if any.
    var topBand: [BandSegment] = []
    /// Source segments along the left edge of the plot (y pixels from the top), if any.
    var leftBand: [BandSegment] = []
    /// Legend entries shown under the title (text and swatch colour).
    var legend: [(String, RGBColor)] = []
    /// x pixels (relative to the plot) before which a thin white separator is drawn.
    var xSeparators: [Int] = []
    /// y pixels (relative to the plot) before which a thin white separator is drawn.
    var ySeparators: [Int] = []

    /// Every string the figure draws (for font-coverage checks).
    var allText: [String] {
        [title, xLabel, yLabel, barLabel] + xTicks.map(\.label) + yTicks.map(\.label)
            + barTicks.map(\.label) + topBand.map(\.label) + leftBand.map(\.label) + legend.map(\.0)
    }
}
