/// An RGB raster with 8 bits per channel, rows top to bottom, pixels left to right.
///
/// Drawing outside the raster is clipped silently, so layout code never traps on an
/// off-by-one; reading outside returns `nil`.
public struct RGBImage: Sendable, Equatable {
    /// The largest accepted width or height in pixels.
    public static let maximumDimension = 16_384

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// The samples: `3 · width · height` bytes, pixel (x, y) at `3 · (y · width + x)` as R, G, B.
    public private(set) var pixels: [UInt8]

    /// Creates a raster filled with one colour.
    /// - Parameters:
    ///   - width: pixels, `1...maximumDimension`.
    ///   - height: pixels, `1...maximumDimension`.
    ///   - background: the initial colour of every pixel (default white).
    /// - Throws: `PlotError.invalidParameter` naming the dimension when it is out of range.
    public init(width: Int, height: Int, background: RGBColor = .white) throws {
        let range = 1...Self.maximumDimension
        guard range.contains(width) else {
            throw PlotError.invalidParameter(name: "image width", value: "\(width)", allowed: "\(range)")
        }
        guard range.contains(height) else {
            throw PlotError.invalidParameter(name: "image height", value: "\(height)", allowed: "\(range)")
        }
        self.width = width
        self.height = height
        var px = [UInt8](repeating: 0, count: 3 * width * height)
        for i in stride(from: 0, to: px.count, by: 3) {
            px[i] = background.r
            px[i + 1] = background.g
            px[i + 2] = background.b
        }
        self.pixels = px
    }

    /// Wraps existing samples (used by the PNG reader).
    /// - Parameters:
    ///   - width: pixels ≥ 1.
    ///   - height: pixels ≥ 1.
    ///   - pixels: exactly `3 · width · height` bytes, rows top to bottom.
    internal init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The colour at (x, y), or `nil` outside the raster.
    /// - Parameters:
    ///   - x: column, 0 at the left.
    ///   - y: row, 0 at the top.
    public func pixel(x: Int, y: Int) -> RGBColor? {
        guard x >= 0, x < width, y >= 0, y < height else { return nil }
        let i = 3 * (y * width + x)
        return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Sets the colour at (x, y); ignored outside the raster.
    /// - Parameters:
    ///   - x: column, 0 at the left.
    ///   - y: row, 0 at the top.
    ///   - color: the new colour.
    public mutating func setPixel(x: Int, y: Int, _ color: RGBColor) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = color.r
        pixels[i + 1] = color.g
        pixels[i + 2] = color.b
    }

    /// Fills a rectangle, clipped to the raster; empty or negative sizes draw nothing.
    /// - Parameters:
    ///   - x: left column.
    ///   - y: top row.
    ///   - width: columns to fill.
    ///   - height: rows to fill.
    ///   - color: the fill colour.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBColor) {
        guard let xs = Self.clip(x, w, width), let ys = Self.clip(y, h, height) else { return }
        for row in ys {
            var i = 3 * (row * width + xs.lowerBound)
            for _ in xs {
                pixels[i] = color.r
                pixels[i + 1] = color.g
                pixels[i + 2] = color.b
                i += 3
            }
        }
    }

    /// The part of `start ..< start + length` inside `0 ..< limit`, overflow-safe.
    private static func clip(_ start: Int, _ length: Int, _ limit: Int) -> Range<Int>? {
        guard length > 0 else { return nil }
        let (end, overflow) = start.addingReportingOverflow(length)
        let lo = max(0, start), hi = overflow ? limit : min(limit, end)
        return lo < hi ? lo..<hi : nil
    }

    /// `origin + delta`, or `nil` when the sum overflows `Int`.
    private static func offset(_ origin: Int, _ delta: Int) -> Int? {
        let (sum, overflow) = origin.addingReportingOverflow(delta)
        return overflow ? nil : sum
    }

    /// Draws a one-pixel horizontal line from `x0` to `x1` inclusive at row `y`.
    /// - Parameters:
    ///   - x0: first column.
    ///   - x1: last column (may be smaller than `x0`).
    ///   - y: the row.
    ///   - color: the line colour.
    public mutating func horizontalLine(x0: Int, x1: Int, y: Int, _ color: RGBColor) {
        // Clipped before the length is formed, so that no column pair overflows.
        let lo = max(min(x0, x1), 0), hi = min(max(x0, x1), width - 1)
        if lo <= hi { fillRect(x: lo, y: y, width: hi - lo + 1, height: 1, color) }
    }

    /// Draws a one-pixel vertical line from `y0` to `y1` inclusive at column `x`.
    /// - Parameters:
    ///   - x: the column.
    ///   - y0: first row.
    ///   - y1: last row (may be smaller than `y0`).
    ///   - color: the line colour.
    public mutating func verticalLine(x: Int, y0: Int, y1: Int, _ color: RGBColor) {
        // Clipped before the length is formed, so that no row pair overflows.
        let lo = max(min(y0, y1), 0), hi = min(max(y0, y1), height - 1)
        if lo <= hi { fillRect(x: x, y: lo, width: 1, height: hi - lo + 1, color) }
    }

    /// Draws text in the built-in bitmap font; characters without a glyph show as a box.
    /// - Parameters:
    ///   - text: the string.
    ///   - x: left edge of the text box (for rotated text: left edge of the rotated box).
    ///   - y: top edge of the text box (for rotated text: top edge, where the text ends).
    ///   - scale: pixel size of one font dot, 1...8.
    ///   - color: the ink colour.
    ///   - rotated: `true` draws the text reading upwards (rotated 90° anticlockwise).
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 2,
                                  color: RGBColor = .black, rotated: Bool = false) {
        let s = min(max(scale, 1), 8)
        let length = BitmapFont.advance * text.count - 1
        var pen = 0
        for ch in text {
            let rows = BitmapFont.glyph(ch)
            for (v, bits) in rows.enumerated() where bits != 0 {
                for u in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - u)) != 0 {
                    let along = pen + u
                    // A dot whose position overflows `Int` lies far outside the raster: skipped.
                    let dot = rotated ? (Self.offset(x, v * s), Self.offset(y, (length - 1 - along) * s))
                                      : (Self.offset(x, along * s), Self.offset(y, v * s))
                    if let px = dot.0, let py = dot.1 { fillRect(x: px, y: py, width: s, height: s, color) }
                }
            }
            pen += BitmapFont.advance
        }
    }
}
