/// The element type of a tensor. Models compute in `float32`; `float64`
/// exists so that finite-difference gradient checks are meaningful.
public enum DType: String, Sendable, CustomStringConvertible {
    case float32
    case float64

    public var byteSize: Int { self == .float32 ? 4 : 8 }
    public var description: String { rawValue }
}
