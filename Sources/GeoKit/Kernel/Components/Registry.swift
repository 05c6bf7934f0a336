/// Every component GeoKit can build, keyed by kind and name. The kernel
/// registers its built-ins; each plugin registers its own into this same
/// object when it is loaded (one kernel in memory), so recipes and the CLI
/// name components by string and find plugin parts exactly like built-ins.
///
/// ```swift
/// let usam = try Registry.shared.make(AttentionModule.self, .attention, "usam", ["polish": .bool(false)])
/// ```
public final class Registry: @unchecked Sendable {
    public struct Entry: Sendable {
        public let kind: ComponentKind
        public let name: String
        public let summary: String
        public let parameters: [ParameterSpec]
        /// Where the component comes from: "GeoKit" for built-ins, else the plugin file.
        public let source: String
        public let factory: @Sendable (ComponentParameters) throws -> AnyObject

        public var qualifiedName: String { "\(kind.rawValue):\(name)" }
    }

    public static let shared = Registry()

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    /// The source named for registrations while a plugin's init runs.
    public internal(set) var currentSource = "GeoKit"

    public init() {}

    /// Adds a component. A second registration of the same kind and name is
    /// refused, naming both sources.
    public func register(_ kind: ComponentKind, _ name: String, summary: String, parameters: [ParameterSpec] = [],
                         factory: @escaping @Sendable (ComponentParameters) throws -> AnyObject) throws {
        let key = "\(kind.rawValue):\(name)"
        if let existing = entries[key] {
            throw GeoKitError("component \(key) is registered twice: by \(existing.source) and by \(currentSource)",
                              remedy: "remove one of the two plugins from the plugin path, or rename the component")
        }
        entries[key] = Entry(kind: kind, name: name, summary: summary, parameters: parameters, source: currentSource, factory: factory)
        order.append(key)
    }

    /// The entry for `kind:name`; an unknown name lists the registered ones of that kind.
    public func entry(_ kind: ComponentKind, _ name: String) throws -> Entry {
        if let e = entries["\(kind.rawValue):\(name)"] { return e }
        let known = self.entries(of: kind).map(\.name)
        throw GeoKitError("unknown \(kind.rawValue) '\(name)'",
                          remedy: known.isEmpty ? "no \(kind.rawValue) is registered; is its plugin loaded? (geokit plugins)"
                              : "registered \(kind.rawValue)s: \(known.joined(separator: ", ")) (geokit plugins lists them all)")
    }

    /// All entries in registration order, optionally of one kind.
    public func entries(of kind: ComponentKind? = nil) -> [Entry] {
        order.compactMap { entries[$0] }.filter { kind == nil || $0.kind == kind }
    }

    /// Builds `kind:name` with validated parameters, as the protocol `T`.
    public func make<T>(_: T.Type, _ kind: ComponentKind, _ name: String,
                        _ parameters: [String: ParameterValue] = [:]) throws -> T {
        let e = try entry(kind, name)
        let object = try e.factory(ComponentParameters(parameters, schema: e.parameters, component: e.qualifiedName))
        guard let typed = object as? T else {
            throw GeoKitError("\(e.qualifiedName) from \(e.source) built a \(type(of: object)), not a \(T.self)",
                              remedy: "the component's factory must return the protocol of its kind")
        }
        return typed
    }

    /// Builds `kind:name` from `name=value` texts (the command line's --set).
    public func make<T>(_: T.Type, _ kind: ComponentKind, _ name: String, settings: [String]) throws -> T {
        let e = try entry(kind, name)
        let parameters = try ComponentParameters.parse(settings, schema: e.parameters, component: e.qualifiedName)
        return try make(T.self, kind, name, parameters.values)
    }

    /// Withdraws every component registered by `source` (a plugin whose
    /// init failed contributes nothing).
    func removeEntries(from source: String) {
        let withdrawn = Set(order.filter { entries[$0]?.source == source })
        for key in withdrawn { entries[key] = nil }
        order.removeAll { withdrawn.contains($0) }
    }

    /// Runs `body` with registrations attributed to `source` (a plugin file).
    public func registering<R>(from source: String, _ body: () throws -> R) rethrows -> R {
        let previous = currentSource
        currentSource = source
        defer { currentSource = previous }
        return try body()
    }
}
