import Foundation
import GeoKitCore
import GeoKitRecipes

/// What building a plugin against this GeoKit needs: the directory of
/// `geokit.h`, the compiler and linker flags of a C plugin, and the kernel
/// package an out-of-tree Swift plugin depends on. GeoKit runs from the
/// source tree it was built from, so these are found next to this file's
/// compiled-in path.
public enum PluginSDK {
    /// The kernel package: the repository root, whose Package.swift builds
    /// libGeoKit.so (the kernel's sources are in Sources/GeoKit).
    public static var kernelPackageDirectory: URL {
        kernelSourceDirectory.deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The package's identity as SwiftPM names it: the lowercased name of its directory.
    public static var kernelPackageIdentity: String { kernelPackageDirectory.lastPathComponent.lowercased() }

    /// Sources/GeoKit, holding Kernel/, System/ and include/.
    private static var kernelSourceDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Plugins
            .deletingLastPathComponent()  // Kernel
            .deletingLastPathComponent()  // Sources/GeoKit
    }

    /// The directory holding geokit.h, checked to exist.
    public static func includeDirectory() throws -> URL {
        let directory = kernelSourceDirectory.appendingPathComponent("include")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("geokit.h").path) else {
            throw GeoKitError(
                "geokit.h is not where this GeoKit was built (\(directory.path))",
                remedy: "run the geokit built from an intact GeoKit source tree")
        }
        return directory
    }

    /// The C entry points every Swift plugin compiles (Plugins/PluginEntry.swift
    /// of this source tree), for `geokit plugin new --lang swift` to write
    /// the very text the in-tree plugins build.
    public static func swiftEntryPoints() throws -> String {
        let file = kernelPackageDirectory.appendingPathComponent("Plugins/PluginEntry.swift")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw GeoKitError(
                "the Swift plugin entry points are not where this GeoKit was built (\(file.path))",
                remedy: "run the geokit built from an intact GeoKit source tree")
        }
        return text
    }

    /// Compiler flags of a C plugin: the header's directory and position-independent code.
    public static func compilerFlags() throws -> [String] { try ["-I" + includeDirectory().path, "-fPIC"] }

    /// Linker flags of a C plugin: a shared library, and nothing to link,
    /// since the kernel reaches the plugin only through the host table.
    public static let linkerFlags = ["-shared"]
}
