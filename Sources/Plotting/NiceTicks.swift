import Foundation

/// A labelled tick mark: where it sits along the axis and its text.
struct Tick: Equatable {
    /// Position along the axis, 0 at the left (x) or bottom (y) edge, 1 at the other end.
    var fraction: Double
    /// The label drawn next to the tick.
    var label: String
}

/// Round-number tick placement in steps of 1, 2 or 5 × 10ⁿ, after P. S. Heckbert,
/// "Nice numbers for graph labels", Graphics Gems (1990), 61–63.
enum NiceTicks {
    /// The ticks of the axis `lo...hi` spread over `length` pixels, as many as fit.
    /// - Parameters:
    ///   - lo: the data value at the start edge.
    ///   - hi: the data value at the end edge (a degenerate range is widened to `lo...lo+1`).
    ///   - length: the axis length in pixels.
    ///   - extent: the room a label needs along the axis, in pixels.
    ///   - gap: the minimum free space between neighbouring labels, in pixels.
    static func ticks(lo: Double, hi: Double, length: Int, gap: Int,
                      extent: (String) -> Int) -> [Tick] {
        let lo = lo.isFinite ? lo : 0
        let hi = (hi.isFinite && hi > lo) ? hi : lo + 1
        guard (hi - lo).isFinite, hi > lo else { return [] }
        var count = max(2, length / 40)
        while true {
            let step = niceStep(span: hi - lo, maxCount: count)
            let values = tickValues(lo: lo, hi: hi, step: step)
            let ticks = values.map { Tick(fraction: ($0 - lo) / (hi - lo), label: label($0, step: step)) }
            let spacing = Double(length) * step / (hi - lo)
            let widest = ticks.map { extent($0.label) }.max() ?? 0
            if count <= 2 || spacing >= Double(widest + gap) { return ticks }
            count -= 1
        }
    }

    /// The smallest 1-2-5 step giving at most `maxCount` ticks over `span`.
    static func niceStep(span: Double, maxCount: Int) -> Double {
        let rough = span / Double(max(1, maxCount - 1))
        var exponent = floor(log10(rough))
        while true {
            let decade = pow(10, exponent)
            for m in [1.0, 2.0, 5.0] where m * decade >= rough * (1 - 1e-9) { return m * decade }
            exponent += 1
        }
    }

    /// The multiples of `step` within `lo...hi` (with a little slack for rounding).
    static func tickValues(lo: Double, hi: Double, step: Double) -> [Double] {
        let first = Int((lo / step - 1e-9).rounded(.up))
        let last = Int((hi / step + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        return (first...last).map { Double($0) * step }
    }

    /// `value` with as many decimals as `step` needs, never "-0".
    static func label(_ value: Double, step: Double) -> String {
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let text = String(format: "%.\(decimals)f", value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
            return String(text.dropFirst())
        }
        return text
    }
}
