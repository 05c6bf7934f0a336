import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes
import Glibc

#if canImport(Glibc)
#endif

/// Compiles a recipe file into a shared library against the kernel loaded
/// in this process, caches it by the hash of its source and of the
/// kernel library, loads it and returns its `recipe`.
///
/// The user's path is passed to swiftc as given, so compiler diagnostics
/// name the recipe's own file and lines. The cache lives in
/// `$GEOKIT_CACHE/recipes` (default `~/.cache/geokit/recipes`).
public enum RecipeCompiler {
    public static func load(_ file: String) throws -> Recipe {
        guard let source = FileManager.default.contents(atPath: file) else {
            throw GeoKitError("recipe file does not exist or cannot be read", where: file, remedy: "check the path")
        }
        guard let kernel = PluginLoader.kernelDirectory() else {
            throw GeoKitError(
                "cannot find libGeoKit.so in this process",
                remedy: "run the geokit that `bash .ci/setup` builds (swift build -c release --package-path Workspace --scratch-path .build)")
        }
        let library = try compile(file: file, source: source, kernelDirectory: kernel)
        guard let handle = dlopen(library.path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw GeoKitError(
                "cannot load the compiled recipe: \(reason)", where: library.path,
                remedy: "delete the file to recompile it")
        }
        guard let symbol = dlsym(handle, RecipePrelude.entrySymbol) else {
            throw GeoKitError("the compiled recipe does not export \(RecipePrelude.entrySymbol)", where: library.path)
        }
        typealias Entry = @convention(c) () -> UnsafeMutableRawPointer
        let pointer = unsafeBitCast(symbol, to: Entry.self)()
        let recipe = Unmanaged<Recipe>.fromOpaque(pointer).takeRetainedValue()
        recipe.directory = URL(fileURLWithPath: file).standardizedFileURL.deletingLastPathComponent()
        return recipe
    }

    /// The cache directory for compiled recipes.
    public static var cacheDirectory: URL { CacheDirectory.url("recipes") }

    private static func compile(file: String, source: Data, kernelDirectory kernel: String) throws -> URL {
        let kernelFile = kernel + "/libGeoKit.so"
        let attributes = try? FileManager.default.attributesOfItem(atPath: kernelFile)
        let kernelVersion = "\(PluginABI.version)-\((attributes?[.size] as? Int) ?? 0)-\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        var hasher = ContentHash()
        hasher.add(source)
        hasher.add(Data(RecipePrelude.source.utf8))
        hasher.add(Data(kernelVersion.utf8))
        hasher.add(Data(URL(fileURLWithPath: file).standardizedFileURL.path.utf8))
        let key = hasher.hex
        let directory = cacheDirectory
        let library = directory.appendingPathComponent("recipe-\(key).so")
        if FileManager.default.fileExists(atPath: library.path) { return library }

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let prelude = directory.appendingPathComponent("prelude-\(key).swift")
        try AtomicFile.write(Data(RecipePrelude.source.utf8), to: prelude)
        let partial = directory.appendingPathComponent("recipe-\(key).so.partial-\(getpid())")
        let module = "Recipe_" + key.prefix(16)
        let arguments =
            [
                "-emit-library", "-swift-version", "5", "-Onone", "-module-name", module,
                "-I", kernel + "/Modules", "-L", kernel, "-lGeoKit", "-Xlinker", "-rpath", "-Xlinker", kernel
            ]
            + moduleMaps(kernelDirectory: kernel).flatMap { ["-Xcc", "-fmodule-map-file=" + $0] }
            + [file, prelude.path, "-o", partial.path]
        let status = try run(swiftc(), arguments)
        try? FileManager.default.removeItem(at: prelude)
        guard status == 0 else {
            try? FileManager.default.removeItem(at: partial)
            throw GeoKitError(
                "the recipe does not compile (swiftc's messages above)", where: file,
                remedy: "fix the lines swiftc names; the recipe must define `let recipe = Recipe(...) { ... }`")
        }
        // rename(2) replaces atomically: a process compiling the same recipe at the same time wins or loses harmlessly.
        guard rename(partial.path, library.path) == 0 else {
            try? FileManager.default.removeItem(at: partial)
            throw GeoKitError(
                "cannot store the compiled recipe: \(String(cString: strerror(errno)))", where: library.path,
                remedy: "check that the cache directory is writable, or set GEOKIT_CACHE")
        }
        return library
    }

    /// The C module maps the kernel was built with (its system libraries in
    /// Sources/GeoKit/System, its dependencies' shims in `.build/checkouts`):
    /// a module importing GeoKit needs them too. Found by walking up from
    /// the kernel's build directory.
    static func moduleMaps(kernelDirectory kernel: String) -> [String] {
        let fm = FileManager.default
        var maps: [String] = []
        var directory = URL(fileURLWithPath: kernel)
        for _ in 0..<4 {
            directory.deleteLastPathComponent()
            let checkouts = directory.appendingPathComponent("checkouts").path
            if fm.fileExists(atPath: checkouts), let walker = fm.enumerator(atPath: checkouts) {
                while let item = walker.nextObject() as? String {
                    if item.hasSuffix("/include/module.modulemap") && !item.contains("/Tests/") { maps.append(checkouts + "/" + item) }
                }
            }
            let system = directory.appendingPathComponent("Sources/GeoKit/System").path
            for name in (try? fm.contentsOfDirectory(atPath: system)) ?? [] where fm.fileExists(atPath: "\(system)/\(name)/module.modulemap") {
                maps.append("\(system)/\(name)/module.modulemap")
            }
        }
        return maps.sorted()
    }

    /// swiftc from $GEOKIT_SWIFTC, else the first on PATH.
    private static func swiftc() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let path = env["GEOKIT_SWIFTC"], !path.isEmpty { return path }
        for dir in (env["PATH"] ?? "").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/swiftc") {
            return "\(dir)/swiftc"
        }
        throw GeoKitError(
            "swiftc is not on PATH; recipes are compiled with it", remedy: "add the Swift toolchain's bin directory to PATH, or set GEOKIT_SWIFTC")
    }

    /// Runs a tool with this process's standard output and error.
    private static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// FNV-1a, 64-bit, twice with different offsets: a stable content key
/// (Swift's Hasher is seeded per process, so it cannot name cache files).
struct ContentHash {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x8422_2325_cbf2_9ce4

    mutating func add(_ data: Data) {
        for byte in data {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        a = (a ^ 0xff) &* 0x100_0000_01b3
    }

    var hex: String { String(format: "%016llx%016llx", a, b) }
}
