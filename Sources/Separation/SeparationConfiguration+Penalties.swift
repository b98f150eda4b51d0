import Factorization

/// Per-source penalty weights (`sourceContinuity`, `sourceSparsity`): their shape, their
/// checks and their expansion to one weight per component.
extension SeparationConfiguration {
    /// How many weights `sourceContinuity` and `sourceSparsity` take: one per source known before
    /// the factorization (``presetComponentCounts``: each trained dictionary, a steady
    /// background), plus one for the free components when there are any; 0 without such
    /// sources (the sources are only known after the factorization, so only one shared weight
    /// applies). With a `.steady` background that is two: the background's, then the others'.
    public var sourceWeightCount: Int {
        let presets = presetComponentCounts
        guard !presets.isEmpty else { return 0 }
        return presets.count + (componentCount > presets.reduce(0, +) ? 1 : 0)
    }

    /// Whether the factorization carries Virtanen's penalties: a nonzero shared or per-source
    /// weight, or a `.steady` background (whose defaults are penalties). Over-relaxed steps
    /// (`stepExponent` ≠ 1) are for the unpenalized objective only.
    public var isPenalized: Bool {
        sparsity > 0 || continuity > 0 || sourceSparsity.contains { $0 > 0 } || sourceContinuity.contains { $0 > 0 }
            || background == .steady
    }

    /// Checks both penalties: the shared weight finite and ≥ 0; the per-source list empty or
    /// `sourceWeightCount` long, every weight finite and ≥ 0; any nonzero weight with the
    /// Kullback–Leibler divergence and plain steps (`stepExponent` 1) only.
    /// - Throws: `SeparationError.invalidParameter` naming the option, the weights and what is allowed.
    public func validatePenaltyWeights() throws {
        try validatePenalty("--continuity", shared: continuity, perSource: sourceContinuity)
        try validatePenalty("--sparsity", shared: sparsity, perSource: sourceSparsity)
    }

    /// Weights as the command line takes them: "0,0.3", whole numbers without a fraction.
    public static func describe(_ weights: [Float]) -> String {
        weights.map { $0 == $0.rounded() && abs($0) < 1e9 ? String(Int($0)) : "\($0)" }.joined(separator: ",")
    }

    /// What a per-source list must hold, in words: "2: one per dictionary and one for the free components".
    var sourceWeightsWanted: String {
        let count = sourceWeightCount
        if background == .steady { return "2 weights: the background's, then the other components'" }
        return "\(count): one per dictionary" + (count > fixedTemplates.count ? " and one for the free components" : "")
    }

    private func validatePenalty(_ name: String, shared: Float, perSource: [Float]) throws {
        let weights = perSource.isEmpty ? [shared] : perSource
        let given = Self.describe(weights)
        for (i, x) in weights.enumerated() where !(x >= 0 && x.isFinite) {
            throw SeparationError.invalidParameter(name: name, value: given,
                                                   allowed: weights.count == 1 ? "0 or more" : "weights ≥ 0; weight \(i + 1) is \(x)")
        }
        if background == .steady, perSource.isEmpty ? shared != 0 : perSource.count != 2 {
            // The background's weight differs from the others' by design: one shared weight would undo it.
            throw SeparationError.invalidParameter(name: name, value: given, allowed: "with --background steady, \(sourceWeightsWanted) (e.g. --continuity 100,0 --sparsity 0,0.3)")
        }
        guard perSource.isEmpty || perSource.count == sourceWeightCount else {
            throw SeparationError.invalidParameter(
                name: name, value: given,
                allowed: sourceWeightCount == 0
                    ? "one weight; a weight per source needs dictionaries or --background steady, since otherwise the sources are only known after the factorization"
                    : "one weight, or \(sourceWeightsWanted)")
        }
        guard !weights.contains(where: { $0 > 0 }) || stepExponent == 1 else {
            throw SeparationError.invalidParameter(name: name, value: given,
                                                   allowed: "0 with --step-exponent \(stepExponent) (over-relaxed steps are for the unpenalized KL objective)")
        }
        guard !weights.contains(where: { $0 > 0 }) || divergence == .kullbackLeibler else {
            throw SeparationError.invalidParameter(name: name, value: given,
                                                   allowed: "0 with --divergence \(divergence) (the penalty is implemented for kl only)")
        }
    }

    /// One weight per component from the per-source weights `perSource` (empty when it is):
    /// each source known before the factorization (``presetComponentCounts``: a dictionary, a
    /// steady background) its weight on its components, the last weight on the free components.
    /// `perSource` must have passed ``validatePenaltyWeights()`` (`sourceWeightCount` values).
    func componentWeights(_ perSource: [Float]) -> [Float] {
        guard !perSource.isEmpty else { return [] }
        precondition(perSource.count == sourceWeightCount, "per-source weights are validated before the factorization")
        var weights: [Float] = []
        for (count, weight) in zip(presetComponentCounts, perSource) {
            weights += [Float](repeating: weight, count: count)
        }
        if componentCount > weights.count { weights += [Float](repeating: perSource[perSource.count - 1], count: componentCount - weights.count) }
        return weights
    }
}
