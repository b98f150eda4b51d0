/// An 8-bit sRGB colour.
public struct RGBColor: Sendable, Hashable, CustomStringConvertible {
    /// Red, 0...255.
    public var r: UInt8
    /// Green, 0...255.
    public var g: UInt8
    /// Blue, 0...255.
    public var b: UInt8

    /// Creates a colour from its three channels.
    /// - Parameters:
    ///   - r: red, 0...255.
    ///   - g: green, 0...255.
    ///   - b: blue, 0...255.
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Pure white, the figure background.
    public static let white = RGBColor(255, 255, 255)
    /// Pure black, for axes and text.
    public static let black = RGBColor(0, 0, 0)

    /// Rec. 601 luma of the gamma-coded channels, 0...255 (a proxy for perceived lightness).
    public var luma: Double { 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b) }

    /// `#rrggbb`.
    public var description: String {
        let hex = [r, g, b].map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
        return "#" + hex.joined()
    }
}
