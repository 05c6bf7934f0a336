/// Checks an op's preconditions and stops with `message` when one fails.
/// Unlike `precondition`, the message survives optimised builds, so a wrong
/// shape in release names itself instead of ending in a bare trap.
@inline(__always)
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
