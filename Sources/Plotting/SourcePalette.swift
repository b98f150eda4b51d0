/// Qualitative colours that tell sources apart in the figures.
///
/// The first eight are the colour-blind-safe palette of M. Okabe and K. Ito ("Color
/// Universal Design", 2008), reordered so that neighbours differ strongly and without its
/// black (used for axes); two darker tones follow. Beyond ten sources the colours repeat.
public enum SourcePalette {
    /// The ten palette colours in the order they are assigned.
    public static let colors: [RGBColor] = [
        RGBColor(0, 114, 178),    // blue
        RGBColor(230, 159, 0),    // orange
        RGBColor(0, 158, 115),    // bluish green
        RGBColor(204, 121, 167),  // reddish purple
        RGBColor(86, 180, 233),   // sky blue
        RGBColor(213, 94, 0),     // vermillion
        RGBColor(240, 228, 66),   // yellow
        RGBColor(110, 110, 110),  // grey
        RGBColor(120, 60, 20),    // brown
        RGBColor(60, 40, 130),    // indigo
    ]

    /// The colour of source `index` (zero-based); negative indices wrap too.
    /// - Parameter index: the source number, zero-based.
    public static func color(_ index: Int) -> RGBColor {
        let n = colors.count
        return colors[((index % n) + n) % n]
    }
}
