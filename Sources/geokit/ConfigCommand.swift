import ArgumentParser
import GeoKit

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print what building a C plugin needs: geokit.h's directory, compiler and linker flags.",
        discussion: "cc $(geokit config --cflags --libs) -O2 -o libmyplugin.so myplugin.c")

    @Flag(help: "The directory holding geokit.h.") var includeDir = false
    @Flag(help: "Compiler flags (-I<include dir> -fPIC).") var cflags = false
    @Flag(help: "Linker flags (-shared; a plugin links nothing from GeoKit).") var libs = false

    func run() throws {
        guard includeDir || cflags || libs else {
            throw GeoKitError("geokit config needs --include-dir, --cflags or --libs", remedy: "e.g. geokit config --cflags --libs")
        }
        if includeDir { print(try PluginSDK.includeDirectory().path) }
        var flags: [String] = []
        if cflags { flags += try PluginSDK.compilerFlags() }
        if libs { flags += PluginSDK.linkerFlags }
        if !flags.isEmpty { print(flags.joined(separator: " ")) }
    }
}
