import Factorization

/// The steady-background model (`background`): its checks, its decision for one mixture and
/// the sources it fixes before the factorization.
extension SeparationConfiguration {
    /// Sources whose components are known before the factorization: one per trained dictionary,
    /// then the steady background when `background` is `.steady`. They come first, in that
    /// order; the free components after them are grouped into the remaining sources.
    public var presetSourceCount: Int { presetComponentCounts.count }

    /// The trained templates held fixed: the columns of every `fixedTemplates` matrix.
    public var fixedTemplateCount: Int { fixedTemplates.reduce(0) { $0 + $1.columns } }

    /// How many components each of those sources has, in order: each dictionary's templates,
    /// then ``SteadyBackground/componentCount`` for a steady background. The components come in
    /// that order too, the free ones after them.
    public var presetComponentCounts: [Int] {
        fixedTemplates.map(\.columns) + (background == .steady ? [SteadyBackground.componentCount] : [])
    }

    /// Whether the free components are grouped: only when they make two or more sources. With
    /// the dictionaries' and the steady background's sources fixed, at most one free source
    /// takes every free component, and `grouping` is not used.
    public var groupsFreeComponents: Bool { sourceCount > presetSourceCount + 1 }

    /// The components of the steady background (empty unless `background` is `.steady`): the
    /// first ``SteadyBackground/componentCount`` after the dictionaries' templates.
    public var backgroundComponents: Range<Int> {
        guard background == .steady else { return 0..<0 }
        let first = fixedTemplateCount
        return first..<(first + SteadyBackground.componentCount)
    }

    /// Whether `.automatic` may choose a steady background under these settings: the case it
    /// was measured for — two sources, no dictionaries, Kullback–Leibler, no penalty weight set,
    /// plain multiplicative steps (`stepExponent` 1) and room for the background's components
    /// plus at least one more. (The mixture must also
    /// have ``SteadyBackground/floorMinimumFrames`` frames; see ``resolvingBackground(floor:frames:)``.)
    public var admitsAutomaticBackground: Bool {
        sourceCount == 2 && fixedTemplates.isEmpty && divergence == .kullbackLeibler
            && componentCount > SteadyBackground.componentCount
            && sparsity == 0 && continuity == 0 && sourceSparsity.isEmpty && sourceContinuity.isEmpty
            && stepExponent == 1
    }

    /// Checks a `.steady` background against the other settings: at least two sources, no
    /// dictionaries, Kullback–Leibler with plain steps (`stepExponent` 1: over-relaxed steps
    /// watch the divergence alone, and with the background's penalties they lost 5–10 dB), and
    /// ``SteadyBackground/componentCount`` components plus
    /// one per other source (the penalty weights, per source if any, are checked by
    /// ``validatePenaltyWeights()``). `.automatic` and `.none` always pass.
    /// - Throws: `SeparationError.invalidParameter` naming the option, its value and what is allowed.
    public func validateBackground() throws {
        guard background == .steady else { return }
        let b = SteadyBackground.componentCount
        guard sourceCount >= 2 else {
            throw SeparationError.invalidParameter(name: "--background", value: "steady",
                                                   allowed: "with 2 or more sources (got --sources \(sourceCount))")
        }
        guard fixedTemplates.isEmpty else {
            throw SeparationError.invalidParameter(name: "--background", value: "steady",
                                                   allowed: "without --dictionary (with dictionaries, give the free components --continuity)")
        }
        guard divergence == .kullbackLeibler else {
            throw SeparationError.invalidParameter(name: "--background", value: "steady",
                                                   allowed: "with --divergence kl (its continuity penalty is implemented for kl only; got \(divergence))")
        }
        guard stepExponent == 1 else {
            throw SeparationError.invalidParameter(name: "--step-exponent", value: "\(stepExponent)",
                                                   allowed: "1 with --background steady (over-relaxed steps are for the unpenalized KL objective)")
        }
        guard componentCount >= b + sourceCount - 1 else {
            throw SeparationError.invalidParameter(name: "--components", value: "\(componentCount)",
                                                   allowed: "at least \(b + sourceCount - 1) with --background steady (\(b) for the background, one per other source)")
        }
    }

    /// Whether a separation of a mixture of `frames` STFT frames measures its floor: always for
    /// `.steady` (for the report), for `.automatic` only when it could choose the model, for
    /// `.none` only with ``reportsBackgroundFloor`` and as many frames as `.automatic` needs.
    public func measuresBackgroundFloor(frames: Int) -> Bool {
        background == .steady
            || (background == .automatic && admitsAutomaticBackground && frames >= SteadyBackground.floorMinimumFrames)
            || (background == .none && reportsBackgroundFloor && frames >= SteadyBackground.floorMinimumFrames)
    }

    /// This configuration with `background` decided for a mixture.
    /// - Parameters:
    ///   - floor: the mixture's ``SteadyBackground/floor(of:)`` (nil: not measured).
    ///   - frames: the mixture's STFT frames.
    /// - Returns: `.automatic` made `.steady` when ``admitsAutomaticBackground``, `frames` ≥
    ///   ``SteadyBackground/floorMinimumFrames`` and `floor` ≥ ``SteadyBackground/floorThreshold``,
    ///   else `.none`; a steady background's empty per-source lists filled with the measured
    ///   weights: continuity ``SteadyBackground/continuity`` on the background, sparsity
    ///   ``SteadyBackground/foregroundSparsity`` on the other components.
    public func resolvingBackground(floor: Float?, frames: Int) -> SeparationConfiguration {
        var c = self
        if c.background == .automatic {
            let steady = measuresBackgroundFloor(frames: frames) && (floor ?? 0) >= SteadyBackground.floorThreshold
            c.background = steady ? .steady : .none
        }
        if c.background == .steady {
            if c.sourceContinuity.isEmpty { c.sourceContinuity = [SteadyBackground.continuity, 0] }
            if c.sourceSparsity.isEmpty { c.sourceSparsity = [0, SteadyBackground.foregroundSparsity] }
        }
        return c
    }
}
