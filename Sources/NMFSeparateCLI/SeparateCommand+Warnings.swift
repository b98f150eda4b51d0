import Foundation
import NMFSeparation

/// The notes and warnings of one input's separation, said once its sources are in place:
/// choices the run made by itself, inputs read with a caveat, and files in the output
/// directory that this run did not write.
extension SeparateCommand {
    /// The warning that the input's length was counted by decoding it (a cut-off Ogg stream
    /// announces none): what was separated is the part that decodes; nil otherwise.
    func countedLengthWarning(input: String, reader: SoundFileReader) -> String? {
        guard reader.lengthWasCounted else { return nil }
        return "nmf-separate: warning: '\(input)' does not state its length (a stream cut off, or written through a pipe?): "
            + "its \(reader.frameCount) frames that decode were separated"
    }

    /// The warning that every source is silent (the input is, or holds nothing above float's
    /// smallest values): the files are written, but there was nothing to separate.
    /// - Parameter energies: each source's Σ x² over its channels.
    func silenceWarning(input: String, energies: [Double]) -> String? {
        guard energies.allSatisfy({ $0 == 0 }) else { return nil }
        return "nmf-separate: warning: '\(input)' is silent: its sources are silent too"
    }

    /// The warning that the input is so faint that float32 spectra lose its detail: every
    /// source peaks below 10⁻¹⁶ (about −320 dBFS; a mixture scaled to 10⁻¹⁸ of its level gave
    /// sources 0.3 % away from the unscaled ones', 10⁻²⁰ 17 %, 10⁻¹⁵ still within 10⁻⁶); nil
    /// otherwise, and for a silent input (``silenceWarning(input:energies:)``).
    /// - Parameter peaks: each source's largest |x|.
    func faintInputWarning(input: String, peaks: [Float]) -> String? {
        let top = peaks.max() ?? 0
        guard top > 0, top < 1e-16 else { return nil }
        return "nmf-separate: warning: '\(input)' is so faint (its sources peak at \(String(format: "%.1e", Double(top)))) "
            + "that float32 spectra lose its detail: the separation means little; amplify it first"
    }

    /// The warning that some sources came out next to silent while others did not: below
    /// 10⁻⁴ (−40 dB) of the sources' total energy (the least share over the 40 development,
    /// validation and background mixtures is 0.10; one click in silence with `--continuity 100`
    /// gave 3·10⁻¹⁶): the
    /// factorization found next to nothing for them; nil otherwise.
    /// - Parameter energies: each source's Σ x² over its channels.
    func faintSourceWarning(input: String, energies: [Double]) -> String? {
        let total = energies.reduce(0, +)
        guard total > 0, total.isFinite else { return nil }
        let faint = energies.indices.filter { energies[$0] < 1e-4 * total }
        guard !faint.isEmpty else { return nil }
        let named = faint.map { i in
            "\(i + 1) (" + (energies[i] > 0 ? String(format: "%.0f dB", 10 * log10(energies[i] / total)) : "silent") + ")"
        }.joined(separator: ", ")
        let one = faint.count == 1
        // Dictionary sources come first: a faint one is most likely absent from the input.
        let dictionaries = configuration.fixedTemplates.count
        let why = faint.allSatisfy { $0 < dictionaries } ? "is its dictionary's sound in the input?"
            : faint.contains { $0 < dictionaries } ? "are those sounds in the input, and as many distinct sounds as sources?"
            : "does the input hold \(energies.count - dictionaries) distinct sound\(energies.count - dictionaries == 1 ? "" : "s") "
                + (dictionaries > 0 ? "besides the dictionaries'?" : "to separate?")
        return "nmf-separate: warning: '\(input)': source\(one ? "" : "s") \(named) of the sources' energy "
            + "\(one ? "is" : "are") next to silent: the factorization found next to nothing for \(one ? "it" : "them") (\(why))"
    }

    /// The warning that `--replace-nonfinite` read samples as 0 (how many); nil when none were.
    func replacementWarning(input: String, reader: SoundFileReader) -> String? {
        let n = reader.replacedNonFiniteSamples
        guard n > 0 else { return nil }
        // (In a 64-bit float file a finite value beyond float's range counts too.)
        let what = reader.format.isDoublePrecision ? "NaN, infinite or out-of-range" : "NaN or infinite"
        return "nmf-separate: warning: '\(input)': \(n) \(what) sample\(n == 1 ? "" : "s") read as 0 (--replace-nonfinite)"
    }

    /// The warning that one source is the input itself (`--sources 1` without factors or
    /// figures, which would make it a factorization of its own): most likely a slip for 2.
    /// Nil otherwise. (Given with the file's result, so that a failure stays one line.)
    func singleSourceWarning(input: String) -> String? {
        guard configuration.sourceCount == 1, !options.saveFactors, !options.plot else { return nil }
        return "nmf-separate: warning: '\(input)': --sources 1 gives the input back as its one source (nothing is separated); use --sources 2 or more"
    }

    /// The names in the plan's directory that look like this tool's outputs but that this run
    /// did not write (nor are inputs of this call), sorted: what `staleOutputsWarning` names
    /// and the JSON report lists as `stale_outputs`.
    /// - Parameter present: the names in the plan's directory.
    func staleOutputs(plan: OutputPlan, present names: [String]) -> [String] {
        let written = Set(plan.finalPaths.map { ($0 as NSString).lastPathComponent })
        return names.filter {
            !written.contains($0) && Self.isToolOutput($0)
                && !batchInputs.contains(OutputPlan.entry(of: (plan.directory as NSString).appendingPathComponent($0)))
        }.sorted()
    }

    /// The warning about files an earlier run with other settings seems to have left in this
    /// input's output directory (a `source_3.wav` after `-s 2`, factors or figures this run did
    /// not write), which would otherwise sit unnoticed beside the new sources; nil when none.
    /// Nothing is deleted: the names could be the user's.
    /// - Parameter stale: ``staleOutputs(plan:present:)``.
    func staleOutputsWarning(input: String, plan: OutputPlan, stale: [String]) -> String? {
        guard !stale.isEmpty else { return nil }
        let shown = stale.prefix(5).joined(separator: ", ") + (stale.count > 5 ? ", …" : "")
        return "nmf-separate: warning: '\(input)': \(plan.directory) also holds \(shown), not written by this run (an earlier run's?); remove them if so"
    }

    /// The warning about hidden files that a run killed outright (SIGKILL, out of memory, power
    /// loss: no chance to clean up) left in this input's output directory: `.<output>.<pid>-<n>.tmp`,
    /// a source being written, and `.<output>.<pid>-<n>.old`, an output set aside by `--force` just
    /// before its replacement moved in, whose process is gone. Nothing is deleted or renamed: a
    /// set-aside output may be the only copy of an earlier result. Nil when there are none.
    /// - Parameter present: the names in the plan's directory.
    func interruptedRunWarning(input: String, plan: OutputPlan, present names: [String]) -> String? {
        let left = names.filter { Self.leftoverOfDeadRun($0) != nil }.sorted()
        guard !left.isEmpty else { return nil }
        let shown = left.prefix(3).joined(separator: ", ") + (left.count > 3 ? ", …" : "")
        let setAside = left.contains { $0.hasSuffix(".old") }
        return "nmf-separate: warning: '\(input)': \(plan.directory) holds hidden files of an interrupted run (\(shown)); "
            + (setAside ? "a .old file is an output that run was replacing: rename it back if you want it, and remove the rest" : "remove them")
            + " (unless another machine or container writes there: their processes are not seen from here)"
    }

    /// The output name in `name` when it is a hidden file of the separation's (`.<output>.<pid>-<n>.tmp`
    /// or `.old`, `<output>` a name ``isToolOutput(_:)`` accepts) whose process no longer exists; nil otherwise.
    static func leftoverOfDeadRun(_ name: String) -> String? {
        guard let (output, pid) = OutputPlan.parseHiddenName(name), isToolOutput(output),
              SignalCleanup.processIsGone(pid) else { return nil }
        return output
    }

    /// Whether `name` is one the separation writes: `source_N.<an audio extension>`, a figure,
    /// or a factor file.
    static func isToolOutput(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        if numbered(name, "source_") { return isSourceFile(name) }
        // The names of FigureSet and FactorFiles; the numbered ones are those of more sources or runs.
        if FigureSet.overviewNames.contains(name) || FactorFiles.names(runs: 1).contains(name) { return true }
        return (ext == "png" && numbered(name, "mask_")) || (ext == "npy" && (numbered(name, "W_") || numbered(name, "H_")))
    }

    /// Whether `name` is one the separation gives a source: `source_N.<an audio extension>`.
    static func isSourceFile(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return numbered(name, "source_") && (InputList.audioExtensions.contains(ext) || ["sph", "aifc", "mp2", "voc"].contains(ext))
    }

    /// Whether `name`'s stem is `prefix` and a number from 1 without leading zeros.
    private static func numbered(_ name: String, _ prefix: String) -> Bool {
        let stem = (name as NSString).deletingPathExtension
        guard stem.hasPrefix(prefix) else { return false }
        let digits = stem.dropFirst(prefix.count)
        return !digits.isEmpty && digits.first != "0" && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The warning for sources that went beyond full scale in an encoding that cannot hold them
    /// (integers, µ-law, A-law, …: `AudioFormat.clipsAtFullScale`), which clips them (so they no
    /// longer add back to the mixture); nil when none did or the encoding is float, Vorbis or Opus.
    /// - Parameter counts: per source, the samples with |x| > 1 (`EnergyMeter.beyondFullScale`).
    func clippingWarning(input: String, format: AudioFormat, counts: [Int]) -> String? {
        let clipped = counts.enumerated().filter { $0.element > 0 }
        guard format.clipsAtFullScale, !clipped.isEmpty else { return nil }
        let which = clipped.map { "source_\($0.offset + 1): \($0.element)" }.joined(separator: ", ")
        // FLAC (or XI, VOC, …) holds no floats: a float output needs another container.
        let keep = format.containerHoldsFloats ? "--sample-format float" : "--format wav --sample-format float"
        return "nmf-separate: warning: '\(input)': samples beyond full scale clipped by the output encoding (\(which)); "
            + "\(keep) keeps them, and the sources then add back to the mixture"
    }

    /// The note for a steady background that `.automatic` chose (nil otherwise): which source
    /// it is, why, and how to turn it off.
    /// - Parameter warning: phrase it as the warning that the `--grouping` given is not used
    ///   (the background and one other source need no grouping).
    func backgroundNote(input: String, report: SeparationReport, warning: Bool = false) -> String? {
        guard configuration.background == .automatic, report.configuration.background == .steady, let floor = report.backgroundFloor else {
            return nil
        }
        let floorText = "floor \(String(format: "%.2f", floor)) ≥ \(SteadyBackground.floorThreshold)"
        if warning {
            return "nmf-separate: warning: '\(input)' has a steady background (\(floorText)), so source_1 is that background, "
                + "source_2 the rest, and --grouping \(options.grouping.rawValue) is not used (--background none groups every component)"
        }
        return "nmf-separate: note: '\(input)' has a steady background (\(floorText)), "
            + "so source_1 is that background and source_2 the rest (--background none turns this off)"
    }

    /// The warning that the options given turned the automatic steady background off for a
    /// mixture that would have taken it (nil otherwise): a penalty option (even a weight of 0)
    /// or over-relaxed steps change the model, the order of the sources and the quality, which
    /// a sweep of those options would otherwise see without a word.
    func backgroundOffWarning(input: String, report: SeparationReport) -> String? {
        guard configuration.reportsBackgroundFloor, report.configuration.background == .none, let floor = report.backgroundFloor,
              floor >= SteadyBackground.floorThreshold else { return nil }
        let given = [options.continuityGiven ? "--continuity" : nil, options.sparsityGiven ? "--sparsity" : nil,
                     options.overRelaxed ? "--step-exponent" : nil].compactMap { $0 }
        // What keeps the model: plain steps, and for penalties the steady model's per-source weights.
        let steady = "--background steady with per-source weights, background first (by default --continuity 100,0 --sparsity 0,0.3)"
        let keep = options.penaltiesGiven && options.overRelaxed ? "--step-exponent 1 and \(steady) keep it"
            : options.overRelaxed ? "--step-exponent 1 keeps it" : "\(steady) keeps it"
        return "nmf-separate: warning: '\(input)' has a steady background (floor \(String(format: "%.2f", floor)) ≥ \(SteadyBackground.floorThreshold)), "
            + "but \(given.joined(separator: " and ")) \(given.count == 1 ? "turns" : "turn") the automatic background model off and every component is grouped "
            + "(\(keep); --background none silences this)"
    }

    /// The warning that a `--grouping` given is not used because the dictionaries leave at most
    /// one free source (nil otherwise; the steady background's case is ``backgroundNote(input:report:warning:)``).
    func unusedGroupingWarning(input: String, report: SeparationReport) -> String? {
        let c = report.configuration
        guard !c.fixedTemplates.isEmpty, c.background != .steady, !c.groupsFreeComponents else { return nil }
        return "nmf-separate: warning: '\(input)': --grouping \(options.grouping.rawValue) is not used (the dictionaries' sources and at most one free source need no grouping)"
    }
}
