/// Stops the process with `message` unless `condition` holds: a `precondition` that release
/// builds keep. They compile with `-Ounchecked`, which removes `precondition` and array bounds
/// checks, so the checks that stand between a wrong argument and an out-of-bounds access use
/// this instead.
/// - Parameters:
///   - condition: what must hold.
///   - message: the message naming the values (built only when the condition fails).
@inlinable @inline(__always)
package func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError(message(), file: file, line: line) }
}
