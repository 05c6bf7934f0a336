import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes
import Glibc

#if canImport(Glibc)
#endif

/// Finds and loads plugin libraries into the one kernel in this process.
/// Search order: the directory holding libGeoKit.so (the build directory,
/// where the in-tree plugins `lib*Plugin.so` are), then each directory of
/// `GEOKIT_PLUGIN_PATH` (colon-separated), then `~/.geokit/plugins` (every
/// `.so` file in those two). A file is loaded once per process.
public enum PluginLoader {
    nonisolated(unsafe) private static var loaded: Set<String> = []
    nonisolated(unsafe) private static var initError: String?
    private static let kernelLibraryName = "libGeoKit.so"

    /// Called by a plugin's init (through `SwiftPlugin` or the C host table)
    /// to say why it failed; the load fails even if init then returns 0.
    public static func reportInitError(_ message: String) { initError = message }

    /// Loads every plugin found; returns one error per file that failed
    /// (the others stay loaded).
    @discardableResult
    public static func loadAll(into registry: Registry = .shared) -> [GeoKitError] {
        var errors: [GeoKitError] = []
        for file in discover() {
            do { try load(file, into: registry) } catch let e as GeoKitError { errors.append(e) } catch {
                errors.append(GeoKitError("\(error)", where: file))
            }
        }
        return errors
    }

    /// What was wrong with GEOKIT_PLUGIN_PATH at the last `discover()`: an
    /// entry that does not exist or is not a directory (nothing loads from
    /// it, which would otherwise go unsaid). The CLI prints them as warnings.
    nonisolated(unsafe) public private(set) static var pathWarnings: [GeoKitError] = []

    /// The plugin files of every search directory, in search order.
    public static func discover() -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        if let build = kernelDirectory() {
            let names = (try? fm.contentsOfDirectory(atPath: build)) ?? []
            files += names.filter { $0.hasPrefix("lib") && $0.hasSuffix("Plugin.so") }.sorted().map { build + "/" + $0 }
        }
        var dirs: [String] = []
        pathWarnings = []
        if let path = ProcessInfo.processInfo.environment["GEOKIT_PLUGIN_PATH"] {
            for dir in path.split(separator: ":").map(String.init) where !dir.isEmpty {
                var isDirectory: ObjCBool = false
                if !fm.fileExists(atPath: dir, isDirectory: &isDirectory) {
                    pathWarnings.append(
                        GeoKitError(
                            "GEOKIT_PLUGIN_PATH names a directory that does not exist; no plugin loads from it",
                            where: dir, remedy: "fix or remove the entry"))
                } else if !isDirectory.boolValue {
                    pathWarnings.append(
                        GeoKitError(
                            "GEOKIT_PLUGIN_PATH names a file, not a directory; no plugin loads from it", where: dir,
                            remedy: "GEOKIT_PLUGIN_PATH lists directories: name the directory holding the plugin"))
                } else {
                    dirs.append(dir)
                }
            }
        }
        dirs.append(fm.homeDirectoryForCurrentUser.appendingPathComponent(".geokit/plugins").path)
        for dir in dirs {
            let names = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            // A SwiftPM build directory of an out-of-tree plugin also holds its copy of the kernel: not a plugin.
            files += names.filter { $0.hasSuffix(".so") && $0 != kernelLibraryName }.sorted().map { dir + "/" + $0 }
        }
        return files
    }

    /// Loads one plugin library. Each failure is a GeoKitError naming the
    /// file, and the process goes on: not a loadable shared object, an
    /// entry symbol missing, an ABI version mismatch, an init that fails or
    /// reports an error (including a component registered twice, which
    /// names both files). A plugin that fails contributes no components.
    public static func load(_ path: String, into registry: Registry = .shared) throws {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if loaded.contains(real) { return }
        guard FileManager.default.fileExists(atPath: real) else {
            throw GeoKitError("plugin file does not exist", where: path, remedy: "check GEOKIT_PLUGIN_PATH")
        }
        guard let header = ELFHeader(contentsOf: real) else {
            throw GeoKitError(
                "not a shared library (no ELF header)", where: path,
                remedy: "a plugin must be a shared library (.so) built against this GeoKit; remove the file from the plugin path")
        }
        guard header == ELFHeader.host else {
            throw GeoKitError(
                "the plugin is built for \(header.architecture), this machine is \(ELFHeader.host.architecture)", where: path,
                remedy: "rebuild the plugin on (or for) this machine, or remove it from the plugin path")
        }
        guard let handle = dlopen(real, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw GeoKitError(
                "cannot load plugin: \(reason)", where: path,
                remedy: "a plugin must be a shared library (.so) built against this GeoKit; rebuild it or remove it from the plugin path")
        }
        let versionSymbol = dlsym(handle, PluginABI.versionSymbol), initSymbol = dlsym(handle, PluginABI.initSymbol)
        guard let versionSymbol, let initSymbol else {
            dlclose(handle)
            let missing = [(PluginABI.versionSymbol, versionSymbol), (PluginABI.initSymbol, initSymbol)].filter { $0.1 == nil }.map(\.0)
            throw GeoKitError(
                "not a GeoKit plugin: it does not export \(missing.joined(separator: " and "))", where: path,
                remedy: "export geokit_plugin_abi_version and geokit_plugin_init (see docs/plugins.md), or remove the file from the plugin path")
        }
        typealias VersionFunction = @convention(c) () -> Int32
        typealias InitFunction = @convention(c) (UnsafeRawPointer?) -> Int32
        let version = unsafeBitCast(versionSymbol, to: VersionFunction.self)()
        guard version == PluginABI.version else {
            dlclose(handle)
            // Refused, not adapted: an older plugin's vtables have other signatures (PluginABI's policy).
            let changed = (1..<PluginABI.version).contains(version) ? ((version + 1)...PluginABI.version).compactMap { PluginABI.changes[$0] } : []
            let why = changed.isEmpty ? "" : " (since then: " + changed.joined(separator: "; ") + ")"
            throw GeoKitError(
                "plugin ABI version \(version) does not match this GeoKit's \(PluginABI.version)\(why)", where: path,
                remedy: "rebuild the plugin against this GeoKit (geokit config --cflags)")
        }
        initError = nil
        CPluginHost.loading = CPluginHost.Loading(handle: handle, file: real, registry: registry)
        let status = registry.registering(from: real) {
            unsafeBitCast(initSymbol, to: InitFunction.self)(UnsafeRawPointer(CPluginHost.table))
        }
        CPluginHost.loading = nil
        // The library stays mapped even when init failed: code it ran may have left references into it.
        loaded.insert(real)
        guard status == 0, initError == nil else {
            registry.removeEntries(from: real)
            throw GeoKitError(
                "plugin initialisation failed: \(initError ?? "geokit_plugin_init returned \(status)")", where: path,
                remedy: "fix the plugin, or remove it from the plugin path")
        }
    }

    /// The directory of libGeoKit.so in this process (read from the
    /// process's memory map, which names every mapped library).
    static func kernelDirectory() -> String? {
        for line in mappedFiles() {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = String(line[slash...])
            if path.hasSuffix("/" + kernelLibraryName) { return URL(fileURLWithPath: path).deletingLastPathComponent().path }
        }
        return nil
    }

    /// The lines of /proc/self/maps. Read to the end explicitly: the file
    /// reports size 0, and `String(contentsOfFile:)` then stops after the
    /// first 4 KB, missing libraries mapped later.
    private static func mappedFiles() -> [Substring] {
        guard let file = FileHandle(forReadingAtPath: "/proc/self/maps") else { return [] }
        defer { try? file.close() }
        return String(decoding: file.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
    }
}
