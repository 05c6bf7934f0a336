import Foundation
import GeoKit

/// Checks the numeric options and paths of a command where they enter, so a
/// negative count, a zero or huge size, a missing file or a directory where
/// a file belongs ends in one message naming the option.
enum OptionCheck {
    /// Refuses `value` outside `bounds`, naming `option` of `command`.
    static func number(_ value: Double, _ option: String, _ bounds: ParameterBounds, command: String, example: String) throws {
        try bounds.check(value, option, where: "geokit \(command)", remedy: "pass e.g. \(option) \(example)")
    }

    static func number(_ value: Int, _ option: String, _ bounds: ParameterBounds, command: String, example: String) throws {
        try number(Double(value), option, bounds, command: command, example: example)
    }

    /// An existing regular file to read.
    static func inputFile(_ path: String, _ what: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw GeoKitError("\(what) does not exist", where: path, remedy: "check the path")
        }
        guard !isDirectory.boolValue else {
            throw GeoKitError("\(what) is a directory, a file is expected", where: path, remedy: "name a file")
        }
    }

    /// A file to write (its directory is created if need be): not an existing directory.
    static func outputFile(_ path: String, _ what: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw GeoKitError("\(what) is a directory, a file is expected", where: path, remedy: "name a file to write")
        }
    }
}

/// Parses "HxW" into integers in 1...8192 (`ParameterBounds.imageSide`), or throws naming the option.
func parseSize(_ text: String, option: String) throws -> (Int, Int) {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 2, let height = parts[0], let width = parts[1] else {
        throw GeoKitError("\(option) must look like HxW with integers, got '\(text)'", where: option, remedy: "write e.g. \(option) 128x512")
    }
    let limit = Int(ParameterBounds.largestImageSide)
    guard ParameterBounds.imageSide.contains(Double(height)), ParameterBounds.imageSide.contains(Double(width)) else {
        throw GeoKitError("\(option) \(text): each side must be in 1...\(limit)", where: option, remedy: "write e.g. \(option) 128x512")
    }
    return (height, width)
}
