/// The checks a file's declared tensor shape passes before anything is
/// allocated for it: no negative dimension, and a product (zero dimensions
/// counted as one, so `[2^40, 2^40, 0]` is refused too) that neither
/// overflows nor exceeds `maxElements`. A shape that passes can be handed
/// to `Tensor` and to every later `shape.reduce(1, *)` without a trap.
enum DeclaredShape {
    /// 2^40 elements: far above any real tensor, far below Int overflow for any element width.
    static let maxElements = 1 << 40

    /// The element count of `shape`, or why the shape is refused.
    static func elementCount(_ shape: [Int]) -> Result<Int, Refusal> {
        var bound = 1, count = 1
        for d in shape {
            guard d >= 0 else { return .failure(Refusal(reason: "dimension \(d) is negative")) }
            let (b, overflow) = bound.multipliedReportingOverflow(by: max(d, 1))
            guard !overflow, b <= maxElements else {
                return .failure(Refusal(reason: "more than \(maxElements) elements"))
            }
            bound = b
            count *= d
        }
        return .success(count)
    }

    struct Refusal: Error { let reason: String }
}
