/// Input checks shared by the evaluation entry points; each failure is an `EvaluationError`
/// naming the signal by its array subscript.
enum SignalValidation {
    /// Checks counts, lengths, finiteness and that no reference is silent.
    /// - Parameters:
    ///   - references: J ≥ 1 signals of T ≥ 1 samples.
    ///   - estimates: J signals of T samples.
    ///   - referenceName: how to name reference `i` in messages.
    ///   - estimateName: how to name estimate `i` in messages.
    /// - Complexity: O(J·T).
    static func check(references: [[Float]], estimates: [[Float]],
                      referenceName: (Int) -> String = { "references[\($0)]" },
                      estimateName: (Int) -> String = { "estimates[\($0)]" }) throws(EvaluationError) {
        if references.isEmpty { throw .noSources }
        if references.count != estimates.count {
            throw .sourceCountMismatch(references: references.count, estimates: estimates.count)
        }
        let length = references[0].count
        let first = referenceName(0)
        for (i, r) in references.enumerated() {
            try checkSignal(r, name: referenceName(i), length: length, lengthSetBy: first)
        }
        for (i, e) in estimates.enumerated() {
            try checkSignal(e, name: estimateName(i), length: length, lengthSetBy: first)
        }
        for (i, r) in references.enumerated() where !r.contains(where: { $0 != 0 }) {
            throw .silentReference(signal: referenceName(i))
        }
    }

    /// Checks one signal's length (non-empty, equal to `length`, the length of signal `lengthSetBy`) and finiteness.
    static func checkSignal(_ x: [Float], name: String, length: Int, lengthSetBy: String) throws(EvaluationError) {
        if x.isEmpty { throw .emptySignal(signal: name) }
        if x.count != length {
            throw .lengthMismatch(signal: name, samples: x.count, reference: lengthSetBy, expected: length)
        }
        if let bad = x.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteSample(signal: name, index: bad) }
    }

    /// The mean of a multichannel signal's channels (the channels must be non-empty and of one length).
    /// - Parameters:
    ///   - channels: C ≥ 1 channels of T samples.
    ///   - name: the signal's name for messages, e.g. `references[1]`.
    static func downmix(_ channels: [[Float]], name: String) throws(EvaluationError) -> [Float] {
        guard let first = channels.first else { throw .emptySignal(signal: name) }
        if channels.count == 1 { return first }
        let length = first.count
        if length == 0 { throw .emptySignal(signal: "\(name)[0]") }
        for (c, x) in channels.enumerated() where x.count != length {
            if x.isEmpty { throw .emptySignal(signal: "\(name)[\(c)]") }
            throw .lengthMismatch(signal: "\(name)[\(c)]", samples: x.count, reference: "\(name)[0]", expected: length)
        }
        var sum = [Double](repeating: 0, count: length)
        for x in channels { for i in 0..<length { sum[i] += Double(x[i]) } }
        let inv = 1 / Double(channels.count)
        return sum.map { Float($0 * inv) }
    }
}
