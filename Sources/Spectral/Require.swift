/// Stops the process with `message` unless `condition` holds: a `precondition` that release
/// builds keep (they compile with `-Ounchecked`, which removes preconditions and bounds
/// checks), for the checks that stand between a wrong argument and an out-of-bounds write.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError(message(), file: file, line: line) }
}
