import Foundation

/// A sequential colour map: a 256-entry lookup table from values in 0...1 to colours.
///
/// The default map is computed by D. A. Green's "cubehelix" formula
/// (D. A. Green, "A colour scheme for the display of astronomical intensity images",
/// Bull. Astr. Soc. India 39, 289–295, 2011): a helix around the grey diagonal of the RGB
/// cube whose perceived intensity grows monotonically, here from dark purple through
/// magenta-red and orange to light yellow.
public struct ColorMap: Sendable, Equatable {
    /// The 256 colours, from value 0 (index 0) to value 1 (index 255).
    public let table: [RGBColor]

    /// Builds a map by Green's cubehelix formula.
    ///
    /// For a fraction λ the colour is `λ^γ + a·M·(cos φ, sin φ)` with `φ = 2π(s/3 + r·λ)`,
    /// `a = h·λ^γ(1 − λ^γ)/2` and Green's fixed 3 × 2 matrix `M`; channels are clamped to 0...1
    /// (a channel that overflows to NaN for extreme finite parameters is 0).
    /// - Parameters:
    ///   - start: the start colour direction `s` (0...3 covers all hues).
    ///   - rotations: `r`, turns of the helix from one end to the other (sign = direction).
    ///   - hue: `h`, the saturation amplitude (≥ 0).
    ///   - gamma: `γ` > 0, emphasising low (γ < 1) or high (γ > 1) values.
    ///   - lightness: the sub-range of λ used, so the ends need not be pure black and white (finite bounds).
    /// - Throws: `PlotError.invalidParameter` naming the parameter when `start`, `rotations` or
    ///   a `lightness` bound is not finite, `hue` is not a finite number ≥ 0, or `gamma` is not a
    ///   finite number > 0.
    public init(cubehelixStart start: Double, rotations: Double, hue: Double, gamma: Double,
                lightness: ClosedRange<Double> = 0...1) throws {
        for (name, value) in [("cubehelix start", start), ("cubehelix rotations", rotations)] where !value.isFinite {
            throw PlotError.invalidParameter(name: name, value: "\(value)", allowed: "a finite number")
        }
        guard hue.isFinite, hue >= 0 else {
            throw PlotError.invalidParameter(name: "cubehelix hue", value: "\(hue)", allowed: "a finite number ≥ 0")
        }
        guard gamma.isFinite, gamma > 0 else {
            throw PlotError.invalidParameter(name: "cubehelix gamma", value: "\(gamma)", allowed: "a finite number > 0")
        }
        guard lightness.lowerBound.isFinite, lightness.upperBound.isFinite else {
            throw PlotError.invalidParameter(name: "cubehelix lightness", value: "\(lightness)", allowed: "finite bounds")
        }
        table = Self.cubehelixTable(start: start, rotations: rotations, hue: hue, gamma: gamma, lightness: lightness)
    }

    /// Wraps a table of 256 colours.
    private init(table: [RGBColor]) { self.table = table }

    /// The module's default map: cubehelix with s = 3.2, r = 0.45, h = 2, γ = 1, λ ∈ 0.06...0.94
    /// (dark purple → red → orange → light yellow, no clipped channels).
    public static let standard = ColorMap(table: cubehelixTable(start: 3.2, rotations: 0.45, hue: 2.0, gamma: 1.0,
                                                                lightness: 0.06...0.94))

    /// The 256 cubehelix colours of `init(cubehelixStart:rotations:hue:gamma:lightness:)`, unchecked.
    private static func cubehelixTable(start: Double, rotations: Double, hue: Double, gamma: Double,
                                       lightness: ClosedRange<Double>) -> [RGBColor] {
        var colors: [RGBColor] = []
        colors.reserveCapacity(256)
        for i in 0..<256 {
            let t = Double(i) / 255
            let lambda = lightness.lowerBound + t * (lightness.upperBound - lightness.lowerBound)
            colors.append(cubehelix(lambda, start: start, rotations: rotations, hue: hue, gamma: gamma))
        }
        return colors
    }

    /// The colour for value 0.
    public var bottom: RGBColor { table[0] }
    /// The colour for value 1.
    public var top: RGBColor { table[255] }

    /// The table index of a value: 0...1 maps linearly to 0...255; values outside are
    /// clamped and NaN maps to 0.
    /// - Parameter value: the value to look up.
    public static func index(of value: Float) -> Int {
        guard value > 0 else { return 0 }  // also catches NaN
        guard value < 1 else { return 255 }
        return min(255, Int(value * 256))
    }

    /// The colour of a value in 0...1 (clamped; NaN gives the bottom colour).
    /// - Parameter value: the value to colour.
    public func color(_ value: Float) -> RGBColor { table[Self.index(of: value)] }

    /// One cubehelix colour (Green 2011, eq. 2) for fraction `lambda`.
    private static func cubehelix(_ lambda: Double, start: Double, rotations: Double,
                                  hue: Double, gamma: Double) -> RGBColor {
        let l = pow(min(max(lambda, 0), 1), gamma)
        let phi = 2 * Double.pi * (start / 3 + rotations * lambda)
        let a = hue * l * (1 - l) / 2
        let c = cos(phi), s = sin(phi)
        let r = l + a * (-0.14861 * c + 1.78277 * s)
        let g = l + a * (-0.29227 * c - 0.90649 * s)
        let b = l + a * (1.97294 * c)
        // NaN (finite parameters so extreme that the helix angle overflows) becomes 0, never a trap.
        func byte(_ x: Double) -> UInt8 { x.isNaN ? 0 : UInt8((min(max(x, 0), 1) * 255).rounded()) }
        return RGBColor(byte(r), byte(g), byte(b))
    }
}
