import GeoKitComponents
import GeoKitCore

/// Lets recipes write component parameters as plain literals:
/// `Loss("mhnw", ["alpha": 10, "symmetric": true])`.
extension ParameterValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral
{
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Int...) { self = .intList(elements) }
}
