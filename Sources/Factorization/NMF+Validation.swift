import DSPCore

/// The checks of ``NMF`` before any work: the configuration (its fields are public vars),
/// V and the fixed templates, and the memory the factors would take.
extension NMF {
    /// About the bytes W (rows × K) and H (K × frames) take while factorizing: a few copies of
    /// each during the updates, one W accumulator per thread, and W and H of `keptRuns` finished
    /// factorizations (an ensemble's) besides. A bound for refusing what cannot fit, not a measure.
    public static func factorBytes(rows: Int, frames: Int, components: Int, threads: Int, keptRuns: Int = 1) -> Double {
        let k = Double(components), f = Double(rows), n = Double(frames)
        return 4 * k * ((n + f) * Double(2 + keptRuns) + f * Double(threads))
    }

    /// Checks the configuration and V before any work.
    /// - Parameter fixed: how many of the components are trained templates held fixed: only the
    ///   others count against V's frames (a fixed template costs one activation per frame, and
    ///   each frame's activations are solved on their own, so any number of them fits).
    func validate(_ v: Matrix, fixedColumns fixed: Int = 0) throws {
        try validateConfiguration()
        guard v.rows >= 1, v.columns >= 1 else { throw FactorizationError.invalidInput("V is empty (\(v.rows) × \(v.columns))") }
        try Self.validateShape(v, name: "V")
        try validateAgainst(v, fixedColumns: fixed)
    }

    /// Checks the configuration alone (its fields are public vars: again what the throwing
    /// init checked, and the penalties, step exponent and divergence), for callers that do
    /// work with it before V exists.
    /// - Throws: `FactorizationError.invalidParameter` naming the field or option.
    package func validateConfiguration() throws {
        _ = try NMFConfiguration(componentCount: configuration.componentCount, maxIterations: configuration.maxIterations,
                                 tolerance: configuration.tolerance, divergenceInterval: configuration.divergenceInterval,
                                 seed: configuration.seed, threadCount: configuration.threadCount,
                                 restarts: configuration.restarts, restartIterations: configuration.restartIterations)
        guard configuration.restartFrameStride >= 1 else {
            throw FactorizationError.invalidParameter(name: "restartFrameStride", value: "\(configuration.restartFrameStride)", allowed: "1 or more")
        }
        _ = try Divergence(beta: configuration.divergence.beta)
        try validatePenalty(("--continuity", "componentContinuity"), configuration.componentContinuity, shared: configuration.continuity)
        try validatePenalty(("--sparsity", "componentSparsity"), configuration.componentSparsity, shared: configuration.sparsity)
        guard configuration.stepExponent > 0, configuration.stepExponent < 2 else {
            throw FactorizationError.invalidParameter(name: "--step-exponent", value: "\(configuration.stepExponent)", allowed: "0 < ω < 2")
        }
        guard configuration.stepExponent == 1 || configuration.divergence == .kullbackLeibler else {
            throw FactorizationError.invalidParameter(name: "--step-exponent", value: "\(configuration.stepExponent)",
                                                      allowed: "1 with --divergence \(configuration.divergence) (over-relaxed steps are implemented for kl only)")
        }
    }

    /// The checks of V against the configuration: the channel model's rows, the learned
    /// components against the frames, the factors against the memory, every entry finite ≥ 0.
    private func validateAgainst(_ v: Matrix, fixedColumns fixed: Int) throws {
        let channels = configuration.channelCount
        guard channels >= 1, v.rows % channels == 0 else {
            throw FactorizationError.invalidParameter(name: "channelCount", value: "\(channels)",
                                                      allowed: "1 or more, dividing the \(v.rows) rows of V")
        }
        guard channels == 1 || configuration.divergence == .kullbackLeibler else {
            throw FactorizationError.invalidParameter(name: "--spatial", value: "\(channels) channels",
                                                      allowed: "with --divergence kl only (divergence \(configuration.divergence))")
        }
        let learned = configuration.componentCount - min(max(fixed, 0), configuration.componentCount)
        guard learned <= v.columns else {
            if fixed > 0 {
                throw FactorizationError.invalidParameter(name: "free components", value: "\(learned)",
                                                          allowed: "at most the number of frames, \(v.columns) (the \(fixed) fixed templates do not count)")
            }
            throw FactorizationError.invalidParameter(name: "components", value: "\(configuration.componentCount)",
                                                      allowed: "1 to the number of frames, \(v.columns)")
        }
        // W and H beyond the machine's memory: refused, not an abort of the process.
        let physical = ProcessInfoLite.physicalMemory
        let bytes = Self.factorBytes(rows: v.rows, frames: v.columns, components: configuration.componentCount,
                                     threads: configuration.threadCount)
        if physical > 0, bytes > physical {
            throw FactorizationError.invalidParameter(name: "components", value: "\(configuration.componentCount)",
                                                      allowed: "fewer: W (\(v.rows) × K) and H (K × \(v.columns)) would need about \(ProcessInfoLite.gigabytes(bytes)), more than this machine's \(ProcessInfoLite.gigabytes(physical)) of memory")
        }
        for x in v.storage where !(x >= 0 && x.isFinite) {
            throw FactorizationError.invalidInput("V has an entry \(x); entries must be finite and ≥ 0")
        }
    }

    /// Checks that a matrix's storage holds rows × columns values (`storage` is settable inside the package).
    /// - Throws: `FactorizationError.invalidInput` naming the matrix.
    static func validateShape(_ m: Matrix, name: String) throws {
        let (count, overflow) = m.rows.multipliedReportingOverflow(by: m.columns)
        guard m.rows >= 0, m.columns >= 0, !overflow, m.storage.count == count else {
            throw FactorizationError.invalidInput("\(name) is \(m.rows) × \(m.columns) but holds \(m.storage.count) values")
        }
    }

    /// Checks a starting or fixed factor: its shape, and every entry finite and ≥ 0.
    /// - Throws: `FactorizationError.invalidInput` naming the matrix and the entry.
    static func validateFactor(_ m: Matrix, name: String) throws {
        try validateShape(m, name: name)
        if let i = m.storage.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw FactorizationError.invalidInput("\(name) has an entry \(m.storage[i]) at row \(i % max(m.rows, 1)), column \(i / max(m.rows, 1)); entries must be finite and ≥ 0")
        }
    }

    /// Why `column` cannot be a fixed template, nil when it can: an entry that is negative, NaN
    /// or infinite; no energy at all; or a sum outside float's normal range, since fixed
    /// templates are scaled (in float) to sum to one, and such a sum would scale the template
    /// to zeros (a source that stays silent) or overflow.
    /// - Parameter column: one template, bins values.
    /// - Returns: the problem, worded to follow "template N", with what is allowed.
    public static func fixedTemplateProblem<C: Collection<Float>>(_ column: C) -> String? {
        if let x = column.first(where: { !($0 >= 0 && $0.isFinite) }) { return "has an entry \(x) (allowed: finite and ≥ 0)" }
        if column.allSatisfy({ $0 == 0 }) { return "is all zero (allowed: a template with some energy)" }
        let sum = column.reduce(0.0) { $0 + Double($1) }
        guard sum >= Double(Float.leastNormalMagnitude), sum <= Double(Float.greatestFiniteMagnitude) else {
            return "sums to \(Float(sum)) in float (allowed: \(Float.leastNormalMagnitude) to \(Float.greatestFiniteMagnitude); templates are scaled to sum to 1)"
        }
        return nil
    }

    /// Checks a penalty: the shared weight finite and ≥ 0; the per-component weights none or one
    /// per component, each finite and ≥ 0; any nonzero weight with the Kullback–Leibler divergence.
    /// - Parameter names: the option of the shared weight and the property of the per-component ones.
    private func validatePenalty(_ names: (option: String, property: String), _ perComponent: [Float], shared: Float) throws {
        let most = NMFConfiguration.maxPenaltyWeight
        guard shared >= 0, shared <= most else {
            throw FactorizationError.invalidParameter(name: names.option, value: "\(shared)", allowed: "0 to \(Int(most))")
        }
        guard perComponent.isEmpty || perComponent.count == configuration.componentCount else {
            throw FactorizationError.invalidParameter(name: names.property, value: "\(perComponent.count) weights",
                                                      allowed: "none or one per component, \(configuration.componentCount)")
        }
        for (k, x) in perComponent.enumerated() where !(x >= 0 && x <= most) {
            throw FactorizationError.invalidParameter(name: "\(names.property)[\(k)]", value: "\(x)", allowed: "0 to \(Int(most))")
        }
        let effective = NMFConfiguration.weights(perComponent, else: shared, count: configuration.componentCount)
        guard effective.isEmpty || configuration.divergence == .kullbackLeibler else {
            let value = perComponent.isEmpty ? "\(shared)" : "weights up to \(perComponent.max() ?? 0)"
            throw FactorizationError.invalidParameter(name: perComponent.isEmpty ? names.option : names.property, value: value,
                                                      allowed: "0 with --divergence \(configuration.divergence) (the penalty is implemented for kl only)")
        }
    }
}
