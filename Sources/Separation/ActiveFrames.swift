import Foundation

/// The frames that carry a recording's sound: those whose energy is within a range of the
/// loudest frame's, so that silence before, between and after the sound does not count. Used by
/// the level spread of training audio (`NMFDictionary.levelSpread(of:)`) and by the background
/// floor of a mixture (`SteadyBackground.floor(of:)`).
enum ActiveFrames {
    /// The frames whose energy is finite and at least the loudest finite energy × 10^(−rangeDB/10).
    /// - Parameters:
    ///   - energies: one energy (Σ_f V[f, n]², e.g. `Matrix.columnEnergies`) per frame.
    ///   - rangeDB: how far below the loudest frame a frame may be, in dB.
    /// - Returns: their indices, ascending; empty when no frame has a finite, positive energy.
    static func indices(of energies: [Double], withinDB rangeDB: Double) -> [Int] {
        let loudest = energies.reduce(0) { $1.isFinite ? max($0, $1) : $0 }
        guard loudest > 0 else { return [] }
        let cutoff = loudest * pow(10, -rangeDB / 10)
        return energies.indices.filter { energies[$0] >= cutoff && energies[$0].isFinite }
    }
}
