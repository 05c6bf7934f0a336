import GeoKitCore
import GeoKitData

/// Every component GeoKit can build, keyed by kind and name. The kernel's
/// built-ins are in `Registry.shared` from its first use; each plugin
/// registers its own into this same object when it is loaded (one kernel in
/// memory), so recipes and the CLI name components by string and find plugin
/// parts exactly like built-ins.
///
/// ```swift
/// let usam = try Registry.shared.make(.attention, "usam", ["polish": .bool(false)])   // any AttentionModule
/// ```
public final class Registry: @unchecked Sendable {
    public struct Entry: Sendable {
        public let kind: ComponentKind
        public let name: String
        public let summary: String
        public let parameters: [ParameterSpec]
        /// Where the component comes from: "GeoKit" for built-ins, else the plugin file.
        public let source: String
        /// Builds the component as the protocol of its kind (`register` takes only such factories).
        public let factory: @Sendable (ComponentParameters) throws -> AnyObject

        public var qualifiedName: String { "\(kind.rawValue):\(name)" }
    }

    /// The process's registry, holding the built-ins before anything else
    /// can see it: a static let is initialised once, thread-safely, on first use.
    public static let shared: Registry = {
        let registry = Registry()
        BuiltinComponents.register(into: registry)
        return registry
    }()

    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    /// The source named for registrations while a plugin's init runs.
    public internal(set) var currentSource = "GeoKit"

    /// An empty registry (`Registry.shared` is the one with the built-ins).
    public init() {}

    /// Adds a component. A second registration of the same kind and name is
    /// refused, naming both sources, and so is a schema whose default is not
    /// one of its own accepted values.
    public func register<Component>(
        _ key: ComponentKey<Component>, _ name: String, summary: String,
        parameters: [ParameterSpec] = [],
        factory: @escaping @Sendable (ComponentParameters) throws -> Component
    ) throws {
        let qualifiedName = "\(key.kind.rawValue):\(name)"
        if let existing = entries[qualifiedName] {
            throw GeoKitError(
                "component \(qualifiedName) is registered twice: by \(existing.source) and by \(currentSource)",
                remedy: "remove one of the two plugins from the plugin path, or rename the component")
        }
        for spec in parameters { try spec.checkDeclaration(component: qualifiedName) }
        entries[qualifiedName] = Entry(
            kind: key.kind, name: name, summary: summary, parameters: parameters, source: currentSource,
            factory: { try factory($0) as AnyObject })
        order.append(qualifiedName)
    }

    /// The entry for `kind:name`; an unknown name lists the registered ones of that kind.
    public func entry(_ kind: ComponentKind, _ name: String) throws -> Entry {
        if let e = entries["\(kind.rawValue):\(name)"] { return e }
        let known = self.entries(of: kind).map(\.name)
        throw GeoKitError(
            "unknown \(kind.rawValue) '\(name)'",
            remedy: known.isEmpty
                ? "no \(kind.rawValue) is registered; is its plugin loaded? (geokit plugins)"
                : "registered \(kind.rawValue)s: \(known.joined(separator: ", ")) (geokit plugins lists them all)")
    }

    /// All entries in registration order, optionally of one kind.
    public func entries(of kind: ComponentKind? = nil) -> [Entry] {
        order.compactMap { entries[$0] }.filter { kind == nil || $0.kind == kind }
    }

    /// Builds `kind:name` with validated parameters, as the protocol of its kind.
    public func make<Component>(
        _ key: ComponentKey<Component>, _ name: String,
        _ parameters: [String: ParameterValue] = [:]
    ) throws -> Component {
        let e = try entry(key.kind, name)
        return typed(try e.factory(ComponentParameters(parameters, schema: e.parameters, component: e.qualifiedName)), key, e)
    }

    /// Builds `kind:name` from `name=value` texts (the command line's --set).
    public func make<Component>(_ key: ComponentKey<Component>, _ name: String, settings: [String]) throws -> Component {
        let e = try entry(key.kind, name)
        return typed(try e.factory(ComponentParameters.parse(settings, schema: e.parameters, component: e.qualifiedName)), key, e)
    }

    /// Builds a component named on the command line as `KIND:NAME`, whose
    /// kind is known only at run time (testing for its protocol is the caller's).
    public func make(named qualifiedName: String, _ parameters: [String: ParameterValue] = [:]) throws -> AnyObject {
        let e = try entry(named: qualifiedName)
        return try e.factory(ComponentParameters(parameters, schema: e.parameters, component: e.qualifiedName))
    }

    /// `make(named:)` from `name=value` texts.
    public func make(named qualifiedName: String, settings: [String]) throws -> AnyObject {
        let e = try entry(named: qualifiedName)
        return try e.factory(ComponentParameters.parse(settings, schema: e.parameters, component: e.qualifiedName))
    }

    /// The entry for a `KIND:NAME` text; a malformed text or an unknown kind lists the kinds.
    public func entry(named qualifiedName: String) throws -> Entry {
        let parts = qualifiedName.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = ComponentKind(rawValue: parts[0]) else {
            throw GeoKitError(
                "'\(qualifiedName)' is not KIND:NAME with KIND one of \(ComponentKind.allCases.map(\.rawValue).joined(separator: ", "))",
                remedy: "e.g. attention:usam (geokit plugins lists the names)")
        }
        return try entry(kind, parts[1])
    }

    /// `register` took only factories returning the key's protocol, so another type here is a kernel bug.
    private func typed<Component>(_ object: AnyObject, _ key: ComponentKey<Component>, _ e: Entry) -> Component {
        let component = object as? Component
        require(component != nil, "GeoKit: \(e.qualifiedName) built a \(type(of: object)), not a \(Component.self)")
        return component!
    }

    /// Withdraws every component registered by `source` (a plugin whose
    /// init failed contributes nothing).
    package func removeEntries(from source: String) {
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
