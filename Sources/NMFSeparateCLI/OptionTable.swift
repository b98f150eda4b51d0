import NMFSeparation

/// One command-line option, declared as data: the usage text is generated from the table.
struct OptionSpec {
    /// Long name without dashes, e.g. `sources`.
    let name: String
    /// Optional one-letter alias, e.g. `o`.
    let short: Character?
    /// Placeholder of the value (`nil` for flags).
    let value: String?
    /// Default shown in the help, `nil` when there is none.
    let defaultText: String?
    /// One-line description.
    let help: String
}

/// The options of `nmf-separate`, in the order the help lists them.
enum OptionTable {
    static let separate: [OptionSpec] = [
        OptionSpec(name: "sources", short: "s", value: "S", defaultText: nil, help: "number of sources to separate into (≥ 1; required without --dictionary)"),
        OptionSpec(name: "components", short: "k", value: "K", defaultText: "\(SeparationConfiguration.recommendedComponentsPerSource) per source", help: "NMF components (K ≥ S), grouped into the S sources"),
        OptionSpec(name: "grouping", short: nil, value: "METHOD", defaultText: CommandLineOptions.defaultGrouping.rawValue, help: "how components are grouped when K > S: timbre (MFCCs and harmonicity of the templates), activations, combined or percussive (spectral envelopes, harmonicity and drum-likeness: for a drum kit against pitched instruments)"),
        OptionSpec(name: "background", short: nil, value: "MODE", defaultText: "auto", help: "steady: source 1 is a background present in every frame (noise, ambience, an accompaniment that never stops), modelled by \(SteadyBackground.componentCount) components with smooth activations, and the other components have sparse ones; auto: that when the mixture has such a floor (two sources, at least 3 components and 64 frames, kl, no dictionary or penalty option, even a weight of 0, and --step-exponent 1; +3.4 dB on 12 held-out speech/instrument-in-noise mixtures, QUALITY.md); none: group every component"),
        OptionSpec(name: "dictionary", short: "d", value: "FILE", defaultText: "none", help: "trained templates of one source (repeatable; from `nmf-separate train`), held fixed"),
        OptionSpec(name: "free-components", short: nil, value: "N", defaultText: "\(SeparationConfiguration.recommendedComponentsPerSource) per source without a dictionary", help: "learned components for the sources without a dictionary (0 or more; at least 1 per such source, and one dictionary alone has one: the rest of the mixture)"),
        OptionSpec(name: "output", short: "o", value: "DIR", defaultText: "separated", help: "output directory; files go to DIR/<input stem>/source_<i>.<ext>"),
        OptionSpec(name: "format", short: nil, value: "FMT", defaultText: "the input's; wav for a lossy or SD2 input", help: "output container: wav, flac, ogg or aiff"),
        OptionSpec(name: "sample-format", short: nil, value: "ENC", defaultText: "the input's", help: "output samples: pcm16, pcm24 or float (FLAC holds pcm16/pcm24 only; not for ogg)"),
        OptionSpec(name: "plot", short: nil, value: nil, defaultText: "off", help: "also write PNG figures: spectrogram, templates, activations and each source's mask"),
        OptionSpec(name: "ensemble", short: nil, value: "N", defaultText: "1", help: "average the masks of N factorizations started from seeds SEED…SEED+N−1, their sources matched to the first's: on average better separations (+0.1 to +0.5 dB at N = 3 to 5 on the dev, validation and backgrounds mixtures, QUALITY.md) for about N times the time (1 to 32)"),
        OptionSpec(name: "spatial", short: nil, value: nil, defaultText: "on for stereo kl input whose channels differ and whose spectrograms take ≤ 1 GiB (about 25 min at 44.1 kHz) and fit in memory", help: "factorize the channels jointly, each component with one level per channel, and mask each channel with its own models: sources panned apart separate far better (+4.5 dB on 12 such stereo mixtures, +0.2 on 10 whose sources share the centre, QUALITY.md) for about C times the factorization time; given, also beyond the default's limits and for more than two channels (kl only, for the whole call; mono input is separated the same either way)"),
        OptionSpec(name: "no-spatial", short: nil, value: nil, defaultText: "off", help: "model the channels' mean magnitude instead (one spectrogram whatever the channels; the masks are shared by the channels)"),
        OptionSpec(name: "save-factors", short: nil, value: nil, defaultText: "off", help: "also write the factorization: W.npy (bins × K), H.npy (K × frames), float32 (W_<r>.npy, H_<r>.npy for ensemble runs r ≥ 2), and factors.json (the input, groups, STFT settings)"),
        OptionSpec(name: "divergence", short: nil, value: "D", defaultText: "kl, or the dictionary's", help: "NMF cost: kl (Kullback–Leibler), is (Itakura–Saito), euclidean or beta=B (−2 ≤ B ≤ 4)"),
        OptionSpec(name: "init", short: nil, value: "METHOD", defaultText: "random", help: "NMF start: random (seeded, best of 4 short runs) or nndsvda (from a seeded randomized SVD)"),
        OptionSpec(name: "iterations", short: nil, value: "N", defaultText: "200", help: "maximum NMF iterations (0 to 1000000)"),
        OptionSpec(name: "step-exponent", short: nil, value: "E", defaultText: "1", help: "exponent of the multiplicative steps: 1 = Lee–Seung (monotone), above 1 over-relaxed: the same divergence in fewer iterations (0.1 to 1.9; kl only, no penalty; it turns --background auto's steady model off)"),
        OptionSpec(name: "tolerance", short: nil, value: "T", defaultText: "0", help: "stop when the relative divergence decrease over 10 iterations is below T (0 ≤ T < 1; 0 = run all)"),
        OptionSpec(name: "seed", short: nil, value: "N", defaultText: "0", help: "seed of the random initialisation (same seed, same output)"),
        OptionSpec(name: "fft-size", short: nil, value: "N", defaultText: "2048, or the dictionary's", help: "STFT frame length in samples (even, 16 to 65536)"),
        OptionSpec(name: "hop", short: nil, value: "N", defaultText: "fft-size/4, or the dictionary's", help: "STFT hop in samples (1 to 3/4 of fft-size)"),
        OptionSpec(name: "mask-power", short: nil, value: "A", defaultText: "1; 2 with --dictionary", help: "exponent of the soft masks Λ_s^A / Σ Λ_j^A (0 < A ≤ 10)"),
        OptionSpec(name: "sparsity", short: nil, value: "L[,L]", defaultText: "0; 0.3 on dictionaries of changing sources with free components; 0,0.3 with a steady background", help: "weight of Virtanen's scale-invariant sparseness penalty on the activations (0 to 100), or with --dictionary one weight per dictionary then one for the free components (if any), or with --background steady the background's then the other components'"),
        OptionSpec(name: "continuity", short: nil, value: "L[,L]", defaultText: "0; 1 on free components beside dictionaries of changing sources; 100,0 with a steady background", help: "weight of Virtanen's temporal-continuity penalty on the activations (0 to 100), or with --dictionary one weight per dictionary then one for the free components (if any): e.g. 0,0.3 smooths a steady noise dictionary only; or with --background steady the background's then the other components'"),
        OptionSpec(name: "threads", short: nil, value: "N", defaultText: "all cores", help: "worker threads, 1 to 1024 (results do not depend on it)"),
        OptionSpec(name: "jobs", short: "j", value: "N", defaultText: "1", help: "files separated in parallel, 1 to 256 (results do not depend on it)"),
        OptionSpec(name: "include", short: nil, value: "GLOB", defaultText: "every audio file", help: "in directories given as INPUT, take only the audio files whose name matches the shell pattern GLOB (*, ?, [set]; the file name only, case-sensitive, e.g. 'mix.*'; repeat for several); files named on their own are always taken"),
        OptionSpec(name: "shard", short: nil, value: "I/N", defaultText: "all files", help: "process only the sorted inputs whose index is I modulo N (0 ≤ I < N; for job arrays)"),
        OptionSpec(name: "skip-existing", short: nil, value: nil, defaultText: "off", help: "skip inputs whose source files all exist (resume an interrupted batch)"),
        OptionSpec(name: "replace-nonfinite", short: nil, value: nil, defaultText: "off", help: "read NaN or infinite samples as 0 instead of refusing the file"),
        OptionSpec(name: "force", short: "f", value: nil, defaultText: "off", help: "overwrite existing output files"),
        OptionSpec(name: "quiet", short: "q", value: nil, defaultText: "off", help: "no progress, notes or warnings on stderr (errors still)"),
        OptionSpec(name: "progress", short: nil, value: nil, defaultText: "off", help: "plain progress lines on stderr even when it is not a terminal (a bar is drawn on a terminal)"),
        OptionSpec(name: "json", short: nil, value: nil, defaultText: "off", help: "print one JSON report line per input on stdout (JSON Lines)"),
        OptionSpec(name: "help", short: "h", value: nil, defaultText: nil, help: "show this help and exit"),
        OptionSpec(name: "version", short: nil, value: nil, defaultText: nil, help: "show the version and exit"),
    ]

    /// The full `--help` text.
    static var helpText: String {
        var lines = [
            "usage: nmf-separate INPUT... --sources S [options]",
            "       nmf-separate INPUT... --dictionary A.nmfdict [--dictionary B.nmfdict ...]",
            "                    [--free-components N] [options]",
            "       nmf-separate train CLEAN... -o SOURCE.nmfdict [--components K] [options]",
            "                    (see train --help)",
            "       nmf-separate eval --reference REF... --estimate EST... [--mixture MIX]",
            "                    [--json]   (see eval --help)",
            "",
            "Separates the sources of an audio recording by non-negative matrix",
            "factorization (KL divergence) and writes one file per source, in the input's",
            "format (float WAV for a lossy input: Ogg Vorbis/Opus, MP3, ADPCM, GSM). INPUT",
            "may be several files and directories (searched recursively for audio files),",
            "and - for standard input (its sources go to DIR/stdin/); each input's sources",
            "go to DIR/<stem>/ and a failing file does not stop the others. Which file is",
            "which source: with --dictionary, source_i is dictionary i's and the free",
            "sources follow; with a steady background (--background), source_1 is the",
            "background; the other sources are ordered by the spectral centroid of their",
            "templates, low to high.",
            "",
            "options:",
        ]
        for spec in separate {
            var left = "  "
            left += spec.short.map { "-\($0), " } ?? "    "
            left += "--\(spec.name)"
            if let v = spec.value { left += " \(v)" }
            var text = spec.help
            if let d = spec.defaultText { text += " (default: \(d))" }
            let indent = String(repeating: " ", count: 26)   // the descriptions' column
            let first = left.count < indent.count ? left + indent.dropFirst(left.count) : left + "\n" + indent
            lines.append(first + wrap(text, width: helpWidth - indent.count).joined(separator: "\n" + indent))
        }
        lines += [
            "",
            "exit status: 0 every input succeeded (or was skipped), 64 usage error, 1 runtime",
            "failure of any input (or of standard output), 130/143/129 interrupted (SIGINT/",
            "SIGTERM/SIGHUP)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Columns of the help texts (a terminal's default width).
    static let helpWidth = 80

    /// `text` broken into lines of at most `width` characters at spaces (a longer word stays whole).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        return line.isEmpty ? lines : lines + [line]
    }

    /// Finds the spec of `--name` or `-c`.
    static func lookup(_ token: String) -> OptionSpec? {
        if token.hasPrefix("--") {
            let name = String(token.dropFirst(2))
            return separate.first { $0.name == name }
        }
        if token.count == 2, token.hasPrefix("-") {
            let c = token.last!
            return separate.first { $0.short == c }
        }
        return nil
    }
}
