import CMatio
import Foundation
import GeoKitCore

/// A MATLAB variable as GeoKit reads it from a `.mat` file (through libmatio, which reads levels 4, 5 and 7.3):
/// the element layout is MATLAB's, column-major, with `dims` as MATLAB gives them (at least two).
public indirect enum MATValue: Sendable, Equatable {
    /// Any real numeric or logical array, converted to Double.
    case numeric(dims: [Int], values: [Double])
    /// A character matrix, one string per row (trailing blanks trimmed), as scipy's `loadmat` reads `panoIds`.
    case text([String])
    /// A cell array, its elements in column-major order.
    case cell(dims: [Int], elements: [MATValue])
    /// A struct array: field name -> one value per struct element (column-major).
    case structure(dims: [Int], fields: [String: [MATValue]])

    /// The numbers of a numeric array, or nil.
    public var numbers: [Double]? {
        if case .numeric(_, let values) = self { return values }
        return nil
    }

    /// The strings of a character matrix, or of a cell array of character rows.
    public var strings: [String]? {
        switch self {
        case .text(let rows): return rows
        case .cell(_, let elements):
            var out: [String] = []
            for element in elements {
                guard case .text(let rows) = element, rows.count <= 1 else { return nil }
                out.append(rows.first ?? "")
            }
            return out
        default: return nil
        }
    }

    /// Field `name` of a 1x1 struct.
    public func field(_ name: String) -> MATValue? {
        guard case .structure(_, let fields) = self, let values = fields[name], values.count == 1 else { return nil }
        return values[0]
    }

    /// What kind of value this is, for error messages.
    public var kind: String {
        switch self {
        case .numeric(let dims, _): "a \(dims.map(String.init).joined(separator: "x")) numeric array"
        case .text(let rows): "a character matrix of \(rows.count) rows"
        case .cell(let dims, _): "a \(dims.map(String.init).joined(separator: "x")) cell array"
        case .structure(_, let fields): "a struct with fields \(fields.keys.sorted().joined(separator: ", "))"
        }
    }
}

/// Reads and writes MATLAB `.mat` files with libmatio (Debian's libmatio-dev), the format CVACT's
/// `ACT_data.mat` ships in. Reading a file that is not a MAT file, or lacks a variable, is one
/// `GeoKitError` naming the file and the variable.
public enum MATFile {
    /// The variables `names` of the file at `url`.
    public static func read(_ url: URL, variables names: [String]) throws -> [String: MATValue] {
        MATLog.install()
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw GeoKitError("cannot read the MAT file", where: url.path, remedy: "check the path and its permissions")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size > 0 else { throw GeoKitError("the MAT file is empty", where: url.path, remedy: "fetch it again") }
        guard let mat = Mat_Open(url.path, Int32(MAT_ACC_RDONLY.rawValue)) else {
            throw GeoKitError(
                "not a readable MAT file\(MATLog.lastMessage.map { " (libmatio: \($0))" } ?? "")", where: url.path,
                remedy: "the file is damaged or not a MATLAB .mat file; fetch it again")
        }
        defer { Mat_Close(mat) }
        var out: [String: MATValue] = [:]
        for name in names {
            guard let variable = Mat_VarRead(mat, name) else {
                throw GeoKitError(
                    "the MAT file has no readable variable '\(name)'", where: url.path,
                    remedy: "the file is damaged or not the expected one (it must hold \(names.joined(separator: ", ")))")
            }
            defer { Mat_VarFree(variable) }
            out[name] = try value(variable, path: "\(url.path): \(name)")
        }
        return out
    }

    /// Writes `variables` (in order) as a level-5 MAT file, atomically (a temporary file renamed over `url`).
    public static func write(_ variables: [(name: String, value: MATValue)], to url: URL) throws {
        MATLog.install()
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        // A fixed header text: libmatio's default holds the time of writing, and the same data must give the same bytes.
        guard let mat = Mat_CreateVer(temp.path, "MATLAB 5.0 MAT-file, written by GeoKit", MAT_FT_MAT5) else {
            throw GeoKitError("cannot create the MAT file", where: url.path, remedy: "check that the directory is writable")
        }
        var failure: GeoKitError?
        for (name, value) in variables where failure == nil {
            guard let variable = create(value, name: name) else {
                failure = GeoKitError("cannot encode variable '\(name)' (\(value.kind))", where: url.path, remedy: "report this as a GeoKit bug")
                break
            }
            if Mat_VarWrite(mat, variable, MAT_COMPRESSION_NONE) != 0 {
                failure = GeoKitError("cannot write variable '\(name)'", where: url.path, remedy: "check that the disk is not full")
            }
            Mat_VarFree(variable)
        }
        Mat_Close(mat)
        if let failure {
            unlink(temp.path)
            throw failure
        }
        guard rename(temp.path, url.path) == 0 else {
            unlink(temp.path)
            throw GeoKitError("cannot move the MAT file into place", where: url.path, remedy: "check that the directory is writable")
        }
    }

    // MARK: reading

    private static func value(_ v: UnsafeMutablePointer<matvar_t>, path: String) throws -> MATValue {
        let rank = Int(v.pointee.rank)
        guard rank >= 2, rank <= 8, let dimsPointer = v.pointee.dims else {
            throw GeoKitError("variable has rank \(rank)", where: path, remedy: "the MAT file is damaged")
        }
        let dims = (0..<rank).map { Int(dimsPointer[$0]) }
        let count = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count < 1 << 31 else { throw GeoKitError("variable has \(dims) elements", where: path, remedy: "the MAT file is damaged") }
        switch v.pointee.class_type {
        case MAT_C_CHAR:
            return .text(try characterRows(v, dims: dims, count: count, path: path))
        case MAT_C_CELL:
            var elements: [MATValue] = []
            for i in 0..<count {
                guard let element = Mat_VarGetCell(v, Int32(i)) else {
                    throw GeoKitError("cell \(i) cannot be read", where: path, remedy: "the MAT file is damaged")
                }
                elements.append(try value(element, path: "\(path){\(i)}"))
            }
            return .cell(dims: dims, elements: elements)
        case MAT_C_STRUCT:
            let fieldCount = Int(Mat_VarGetNumberOfFields(v))
            var fields: [String: [MATValue]] = [:]
            if let names = Mat_VarGetStructFieldnames(v) {
                for f in 0..<fieldCount {
                    guard let cName = names[f] else { continue }
                    let name = String(cString: cName)
                    fields[name] = try (0..<count).map { i in
                        guard let field = Mat_VarGetStructFieldByName(v, cName, i) else {
                            throw GeoKitError("struct field \(name)(\(i)) cannot be read", where: path, remedy: "the MAT file is damaged")
                        }
                        return try value(field, path: "\(path).\(name)")
                    }
                }
            }
            return .structure(dims: dims, fields: fields)
        case MAT_C_DOUBLE, MAT_C_SINGLE, MAT_C_INT8, MAT_C_UINT8, MAT_C_INT16, MAT_C_UINT16, MAT_C_INT32, MAT_C_UINT32,
            MAT_C_INT64, MAT_C_UINT64:
            guard v.pointee.isComplex == 0 else { throw GeoKitError("variable is complex", where: path, remedy: "a real array is expected") }
            return .numeric(dims: dims, values: try numbers(v, count: count, path: path))
        case MAT_C_EMPTY:
            return .numeric(dims: dims, values: [])
        default:
            throw GeoKitError(
                "variable has MATLAB class \(v.pointee.class_type.rawValue), which GeoKit does not read", where: path,
                remedy: "numeric, character, cell and struct arrays are supported")
        }
    }

    private static func numbers(_ v: UnsafeMutablePointer<matvar_t>, count: Int, path: String) throws -> [Double] {
        guard count > 0 else { return [] }
        guard let data = v.pointee.data else { throw GeoKitError("variable has no data", where: path, remedy: "the MAT file is damaged") }
        func read<T>(_: T.Type, _ convert: (T) -> Double) throws -> [Double] {
            guard Int(v.pointee.nbytes) >= count * MemoryLayout<T>.size else {
                throw GeoKitError("variable holds \(v.pointee.nbytes) bytes for \(count) elements", where: path, remedy: "the MAT file is damaged")
            }
            let p = data.assumingMemoryBound(to: T.self)
            return (0..<count).map { convert(p[$0]) }
        }
        switch v.pointee.data_type {
        case MAT_T_DOUBLE: return try read(Double.self) { $0 }
        case MAT_T_SINGLE: return try read(Float.self) { Double($0) }
        case MAT_T_INT8: return try read(Int8.self) { Double($0) }
        case MAT_T_UINT8: return try read(UInt8.self) { Double($0) }
        case MAT_T_INT16: return try read(Int16.self) { Double($0) }
        case MAT_T_UINT16: return try read(UInt16.self) { Double($0) }
        case MAT_T_INT32: return try read(Int32.self) { Double($0) }
        case MAT_T_UINT32: return try read(UInt32.self) { Double($0) }
        case MAT_T_INT64: return try read(Int64.self) { Double($0) }
        case MAT_T_UINT64: return try read(UInt64.self) { Double($0) }
        default:
            throw GeoKitError("numeric variable has storage type \(v.pointee.data_type.rawValue)", where: path, remedy: "the MAT file is damaged")
        }
    }

    /// The rows of a character matrix: element (r, c) sits at r + c * rows (column-major).
    private static func characterRows(_ v: UnsafeMutablePointer<matvar_t>, dims: [Int], count: Int, path: String) throws -> [String] {
        let rows = dims[0], columns = count / max(dims[0], 1)
        guard count > 0 else { return Array(repeating: "", count: rows) }
        guard let data = v.pointee.data else { throw GeoKitError("character variable has no data", where: path, remedy: "the MAT file is damaged") }
        let width: Int
        switch v.pointee.data_type {
        case MAT_T_UINT8, MAT_T_INT8, MAT_T_UTF8: width = 1
        case MAT_T_UINT16, MAT_T_INT16, MAT_T_UTF16: width = 2
        case MAT_T_UINT32, MAT_T_UTF32: width = 4
        default: throw GeoKitError("character variable has storage type \(v.pointee.data_type.rawValue)", where: path, remedy: "the MAT file is damaged")
        }
        guard Int(v.pointee.nbytes) >= count * width else {
            throw GeoKitError("character variable holds \(v.pointee.nbytes) bytes for \(count) characters", where: path, remedy: "the MAT file is damaged")
        }
        func code(_ i: Int) -> UInt32 {
            switch width {
            case 1: UInt32(data.load(fromByteOffset: i, as: UInt8.self))
            case 2: UInt32(data.load(fromByteOffset: 2 * i, as: UInt16.self))
            default: data.load(fromByteOffset: 4 * i, as: UInt32.self)
            }
        }
        return (0..<rows).map { r in
            var scalars = String.UnicodeScalarView()
            for c in 0..<columns { scalars.append(Unicode.Scalar(code(r + c * rows)) ?? "?") }
            var row = String(scalars)
            while row.last == " " || row.last == "\0" { row.removeLast() }
            return row
        }
    }

    // MARK: writing

    private static func create(_ value: MATValue, name: String?) -> UnsafeMutablePointer<matvar_t>? {
        switch value {
        case .numeric(let dims, var values):
            var d = dims.map { size_t($0) }
            return values.withUnsafeMutableBytes { raw in
                Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, Int32(d.count), &d, raw.baseAddress, 0)
            }
        case .text(let rows):
            let width = rows.map { $0.utf8.count }.max() ?? 0
            var bytes = [UInt8](repeating: 32, count: rows.count * width)
            for (r, row) in rows.enumerated() {
                for (c, byte) in row.utf8.enumerated() { bytes[r + c * rows.count] = byte }
            }
            var d = [size_t(rows.count), size_t(width)]
            return bytes.withUnsafeMutableBytes { raw in
                Mat_VarCreate(name, MAT_C_CHAR, MAT_T_UINT8, 2, &d, raw.baseAddress, 0)
            }
        case .cell(let dims, let elements):
            var d = dims.map { size_t($0) }
            guard let cell = Mat_VarCreate(name, MAT_C_CELL, MAT_T_CELL, Int32(d.count), &d, nil, 0) else { return nil }
            for (i, element) in elements.enumerated() {
                guard let child = create(element, name: nil) else { Mat_VarFree(cell); return nil }
                Mat_VarSetCell(cell, Int32(i), child)
            }
            return cell
        case .structure(let dims, let fields):
            var d = dims.map { size_t($0) }
            let names = fields.keys.sorted()
            let cNames = names.map { strdup($0) }
            defer { for name in cNames { free(name) } }
            // A NULL-terminated list of field names.
            let pointers: [UnsafePointer<CChar>?] = cNames.map { UnsafePointer($0) } + [nil]
            guard let structure = Mat_VarCreateStruct2(name, Int32(d.count), &d, pointers) else { return nil }
            for fieldName in names {
                for (i, element) in fields[fieldName]!.enumerated() {
                    guard let child = create(element, name: nil) else { Mat_VarFree(structure); return nil }
                    Mat_VarSetStructFieldByName(structure, fieldName, i, child)
                }
            }
            return structure
        }
    }
}

/// libmatio prints its errors to stderr by default; GeoKit keeps the last one for its own message instead.
private enum MATLog {
    nonisolated(unsafe) static var lastMessage: String?
    private static let installed: Void = {
        _ = Mat_LogInitFunc("geokit") { _, message in
            MATLog.lastMessage = message.map { String(cString: $0) }
        }
    }()

    static func install() {
        _ = installed
        lastMessage = nil
    }
}
