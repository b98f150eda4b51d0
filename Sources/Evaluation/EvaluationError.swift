/// Invalid input to an evaluation; every message names the signal(s) and the offending values.
///
/// Signals are named the way they are passed, as array subscripts starting at 0:
/// `references[1]`, `estimates[0]`, `mixture`, and `references[1][0]` for channel 0 of a
/// multichannel reference.
public enum EvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No reference signals were given.
    case noSources
    /// The number of estimates differs from the number of references.
    case sourceCountMismatch(references: Int, estimates: Int)
    /// More sources than the exhaustive permutation search handles.
    case tooManySources(count: Int, maximum: Int)
    /// A signal has no samples (or a multichannel signal has no channels).
    case emptySignal(signal: String)
    /// A signal's length differs from that of the signal that sets the length (`references[0]`,
    /// or channel 0 of the same multichannel signal), named by `reference`.
    case lengthMismatch(signal: String, samples: Int, reference: String, expected: Int)
    /// A reference is all zeros, so no projection onto it exists.
    case silentReference(signal: String)
    /// A sample is NaN or infinite.
    case nonFiniteSample(signal: String, index: Int)
    /// The distortion filter length is below 1.
    case invalidFilterLength(Int)
    /// The clamp of the scores is not a positive number of decibels.
    case invalidClamp(Double)
    /// A given permutation is not a permutation of 0..<count.
    case invalidPermutation([Int], count: Int)
    /// A multichannel signal has another channel count than the one that sets it (`references[0]`).
    case channelCountMismatch(signal: String, channels: Int, reference: String, expected: Int)
    /// Too many sources × channels for the image metrics (their Gram matrix has order J·C·L).
    case tooManyImageSignals(sources: Int, channels: Int, maximum: Int)
    /// The filter length times the number of reference signals exceeds `BSSEval.maximumGramOrder`.
    case filterTooLong(Int, signals: Int, maximumOrder: Int)
    /// The window or hop of a framewise evaluation is below one sample.
    case invalidWindow(window: Int, hop: Int)
    /// A framewise evaluation would score more than `BSSEval.maximumWindowCount` windows.
    case tooManyWindows(count: Int, maximum: Int)
    /// Scores and the baseline they are compared with (`improvement(over:)`) score different
    /// numbers of references.
    case baselineCountMismatch(scores: Int, baseline: Int)

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .noSources:
            return "no reference signals: at least one reference and one estimate are needed"
        case .sourceCountMismatch(let r, let e):
            return "\(r) reference signal\(r == 1 ? "" : "s") but \(e) estimate\(e == 1 ? "" : "s"): the counts must be equal"
        case .tooManySources(let count, let maximum):
            return "\(count) sources: at most \(maximum) are supported (the best permutation is searched exhaustively)"
        case .emptySignal(let signal):
            return "\(signal) is empty (0 samples)"
        case .lengthMismatch(let signal, let samples, let reference, let expected):
            return "\(signal) has \(samples) samples but \(reference) has \(expected): all signals must have the same length"
        case .silentReference(let signal):
            return "\(signal) is silent (all samples are zero): BSS Eval needs a non-zero reference"
        case .nonFiniteSample(let signal, let index):
            return "\(signal) has a non-finite sample (NaN or infinity) at index \(index)"
        case .invalidFilterLength(let length):
            return "filter length \(length) is out of range (allowed: 1 or more)"
        case .invalidClamp(let value):
            return "clamp \(value) dB is out of range (allowed: greater than 0)"
        case .invalidPermutation(let permutation, let count):
            return "\(permutation) is not a permutation of 0..<\(count)"
        case .channelCountMismatch(let signal, let channels, let reference, let expected):
            return "\(signal) has \(channels) channel\(channels == 1 ? "" : "s") but \(reference) has \(expected): image metrics need the same channel count everywhere"
        case .tooManyImageSignals(let sources, let channels, let maximum):
            return "\(sources) sources × \(channels) channels = \(sources * channels) signals: the image metrics support at most \(maximum) (their Gram matrix grows as the square)"
        case .tooManyWindows(let count, let maximum):
            return "\(count) windows: at most \(maximum) are scored (use a longer hop)"
        case .invalidWindow(let window, let hop):
            return "window \(window) and hop \(hop) samples are out of range (allowed: 1 or more each)"
        case .baselineCountMismatch(let scores, let baseline):
            return "baseline of \(baseline) reference\(baseline == 1 ? "" : "s") for scores of \(scores): an improvement compares the same references (allowed: a baseline of \(scores))"
        case .filterTooLong(let length, let signals, let maximumOrder):
            return "filter length \(length) is out of range for \(signals) reference signal\(signals == 1 ? "" : "s") (allowed: 1 to \(maximumOrder / max(signals, 1)), so that the Gram matrix of order signals × length stays within \(maximumOrder))"
        }
    }
}
