internal import CGeoKitABI
import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes
import Glibc

#if canImport(Glibc)
#endif

/// The host table (`geokit_host`) every plugin's `geokit_plugin_init`
/// receives: the kernel's services for C plugins (memory, logging, error
/// reporting, component registration). One table for the process; its
/// functions are plain C functions that find the plugin being loaded in
/// `loading`, which the loader sets around each init.
enum CPluginHost {
    /// The plugin whose init is running: its dlopen handle (to find
    /// constructors), file, and the registry it registers into.
    struct Loading {
        let handle: UnsafeMutableRawPointer
        let file: String
        let registry: Registry
    }

    nonisolated(unsafe) static var loading: Loading?

    /// The table passed to geokit_plugin_init, alive for the whole process.
    nonisolated(unsafe) static let table: UnsafePointer<geokit_host> = {
        let table = UnsafeMutablePointer<geokit_host>.allocate(capacity: 1)
        table.initialize(
            to: geokit_host(
                abi_version: PluginABI.version,
                alloc: { bytes in
                    var memory: UnsafeMutableRawPointer?
                    guard posix_memalign(&memory, 64, Swift.max(bytes, 1)) == 0, let memory else { return nil }
                    memset(memory, 0, Swift.max(bytes, 1))
                    return memory
                },
                free: { pointer in Glibc.free(pointer) },
                log: { level, message in
                    let levels = ["info", "warning", "error"]
                    let name = (0..<levels.count).contains(Int(level)) ? levels[Int(level)] : "info"
                    let text = message.map { String(cString: $0) } ?? ""
                    let origin = CPluginHost.loading.map { URL(fileURLWithPath: $0.file).lastPathComponent } ?? "plugin"
                    FileHandle.standardError.write(Data("geokit: \(origin): \(name): \(text)\n".utf8))
                },
                report_error: { message in
                    let text = message.map { String(cString: $0) } ?? "(no message)"
                    if CPluginHost.loading != nil { PluginLoader.reportInitError(text) } else { CCallError.set(text) }
                },
                register_component: { kind, name, constructor, signature, doc in
                    do {
                        try CPluginHost.register(kind: kind, name: name, constructor: constructor, signature: signature, doc: doc)
                        return 0
                    } catch {
                        PluginLoader.reportInitError("\(error)")
                        return 1
                    }
                }))
        return UnsafePointer(table)
    }()

    /// `register_component`: checks the registration completely (kind,
    /// exported constructor, signature) so that a mistake is reported while
    /// loading, not when a recipe first builds the component.
    private static func register(
        kind: UnsafePointer<CChar>?, name: UnsafePointer<CChar>?, constructor: UnsafePointer<CChar>?,
        signature: UnsafePointer<CChar>?, doc: UnsafePointer<CChar>?
    ) throws {
        guard let loading else {
            throw GeoKitError(
                "register_component was called outside geokit_plugin_init",
                remedy: "register every component from geokit_plugin_init")
        }
        guard let kind, let name, let constructor else {
            throw GeoKitError("register_component needs a kind, a name and a constructor, got NULL", where: loading.file)
        }
        let kindText = String(cString: kind), nameText = String(cString: name), symbol = String(cString: constructor)
        let qualifiedName = "\(kindText):\(nameText)"
        guard let componentKind = ComponentKind(rawValue: kindText), CComponent.cKind(of: componentKind) > 0 else {
            throw GeoKitError("cannot register \(qualifiedName): a C component's kind is attention, aggregator or loss", where: loading.file)
        }
        guard !nameText.isEmpty, !nameText.contains(":"), !nameText.contains(where: \.isWhitespace) else {
            throw GeoKitError("cannot register \(kindText) '\(nameText)': a name is non-empty, without spaces or ':'", where: loading.file)
        }
        guard let address = dlsym(loading.handle, symbol) else {
            throw GeoKitError(
                "\(qualifiedName) names the constructor \(symbol), which the plugin does not export", where: loading.file,
                remedy: "define \(symbol) as a non-static function (with GEOKIT_EXPORT)")
        }
        let docText = doc.map { String(cString: $0) } ?? ""
        let parsed = try CSignature(signature.map { String(cString: $0) } ?? "", component: qualifiedName)
        let file = loading.file
        let foreign = try ForeignConstructor(symbol: symbol, address: address, signature: parsed, context: "\(qualifiedName) from \(file)")
        let summary = docText.split(separator: "\n").first.map(String.init) ?? ""
        let schema = parsed.schema(documentedBy: docText)
        @Sendable func build(_ values: ComponentParameters) throws -> CComponent {
            let arguments = parsed.parameters.map { values.values[$0.name]! }
            CCallError.clear()
            return try CComponent(
                foreign.call(arguments), kind: componentKind, qualifiedName: qualifiedName,
                source: file, constructor: symbol)
        }
        let registry = loading.registry
        switch componentKind {  // one of the three C kinds (checked above)
        case .attention: try registry.register(.attention, nameText, summary: summary, parameters: schema) { CAttention(try build($0)) }
        case .aggregator: try registry.register(.aggregator, nameText, summary: summary, parameters: schema) { CAggregator(try build($0)) }
        default: try registry.register(.loss, nameText, summary: summary, parameters: schema) { CLoss(try build($0)) }
        }
    }
}
