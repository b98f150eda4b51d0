/// A plotting failure: invalid input or a PNG file that could not be written or read.
///
/// Every message names the parameter or file, the offending value and what is allowed.
public enum PlotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter is out of range or inconsistent with another one.
    /// - Parameters:
    ///   - name: the parameter, e.g. `"sampleRate"` or `"basis.rows"`.
    ///   - value: the offending value as text.
    ///   - allowed: what would have been accepted.
    case invalidParameter(name: String, value: String, allowed: String)
    /// libpng could not write the file at `path`; `message` is libpng's own text.
    case writeFailed(path: String, message: String)
    /// libpng could not read the file at `path`; `message` is libpng's own text.
    case readFailed(path: String, message: String)

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let allowed):
            return "\(name) \(value) is invalid (allowed: \(allowed))"
        case .writeFailed(let path, let message):
            return "cannot write PNG '\(path)': \(message)"
        case .readFailed(let path, let message):
            return "cannot read PNG '\(path)': \(message)"
        }
    }
}
