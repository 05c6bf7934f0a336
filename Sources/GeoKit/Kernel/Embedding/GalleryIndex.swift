import Foundation
import GeoKitCore
import GeoKitData

/// A gallery embedded once: descriptors with their ids and, where known,
/// GPS positions, searchable exactly (blocked GEMM with a partial top-k,
/// `ExactSearch`) or through FAISS (`flat`: IndexFlatIP, `ivfpq`: IndexIVFPQ,
/// `hnsw`: IndexHNSWFlat) for galleries beyond RAM or beyond exact speed.
///
/// The file (`save`, `load`), little-endian:
///
///     0   8 bytes   magic "GKINDEX\0"
///     8   u32       format version (1)
///     12  u64       header length H
///     20  H bytes   header, JSON: dimension, count, kind, options, view, model, ids, gps, payload_bytes
///     20+H          payload: exact, count x dimension float32; FAISS kinds, FAISS's serialised index
///
/// Written atomically; on load every field is checked against the others and
/// the file's size before anything is allocated from it, so a corrupt or
/// crafted file is one GeoKitError.
public final class GalleryIndex {
    public enum Kind: String, CaseIterable, Sendable { case exact, flat, ivfpq, hnsw }

    /// The kind and its parameters: IVF-PQ's `nlist` (coarse cells), `m` (sub-quantizers
    /// of 8 bits; must divide the dimension) and `nprobe` (cells visited per query); HNSW's
    /// `hnsw_m` (neighbours per node) and `ef_search` (candidate list per query).
    public struct Options: Sendable, Equatable {
        public var kind: Kind
        public var nlist = 1024
        public var m = 64
        public var nprobe = 16
        public var hnswM = 32
        public var efSearch = 64

        public init(kind: Kind = .exact) { self.kind = kind }

        static let names = ["nlist", "m", "nprobe", "hnsw_m", "ef_search"]

        /// `kind` with `key=value` parameters, comma-separated ("nlist=256,nprobe=8").
        public init(kind: Kind, parameters text: String) throws {
            self.init(kind: kind)
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, let value = Int(pair[1]), Options.names.contains(pair[0]) else {
                    throw GeoKitError(
                        "index parameter '\(item)' is not NAME=INTEGER with NAME one of \(Options.names.joined(separator: ", "))",
                        where: "gallery index", remedy: "e.g. nlist=1024,m=64,nprobe=16 (ivfpq) or hnsw_m=32,ef_search=64 (hnsw)")
                }
                try set(pair[0], value)
            }
        }

        mutating func set(_ name: String, _ value: Int) throws {
            let range = name == "nlist" ? 1...1 << 20 : name == "m" ? 1...4096 : 1...1 << 16
            guard range.contains(value) else {
                throw GeoKitError(
                    "index parameter \(name)=\(value) is outside \(range.lowerBound)...\(range.upperBound)", where: "gallery index",
                    remedy: "pick a value in range")
            }
            switch name {
            case "nlist": nlist = value
            case "m": m = value
            case "nprobe": nprobe = value
            case "hnsw_m": hnswM = value
            default: efSearch = value
            }
        }

        var values: [String: Int] { ["nlist": nlist, "m": m, "nprobe": nprobe, "hnsw_m": hnswM, "ef_search": efSearch] }

        var factoryDescription: String {
            switch kind {
            case .exact, .flat: "Flat"
            // "np": no polysemous training, FAISS's factory default for PQ, which anneals each code book
            // for Hamming-distance filtering that a GeoKit search never uses (it was most of a 100k build).
            case .ivfpq: "IVF\(nlist),PQ\(m)np"
            case .hnsw: "HNSW\(hnswM),Flat"
            }
        }
    }

    public let dimension: Int
    public let options: Options
    /// The view the gallery's images were embedded as; queries are of the other view.
    public let view: CrossView
    /// Which model made the descriptors (`ExportConfig.identity`); searching with another is refused.
    public let model: String
    public private(set) var ids: [String] = []
    public private(set) var positions: [GeoPosition?] = []
    /// The descriptors, row-major (exact kind only; FAISS holds its own).
    private var descriptors: [Float] = []
    private let faiss: FaissIndex?

    public var count: Int { ids.count }

    /// An empty index of `dimension`-d L2-normalised descriptors.
    public init(dimension: Int, options: Options, view: CrossView, model: String) throws {
        guard (1...65_536).contains(dimension) else {
            throw GeoKitError("an index of \(dimension)-d descriptors", where: "gallery index", remedy: "the dimension is 1...65536")
        }
        if options.kind == .ivfpq && dimension % options.m != 0 {
            throw GeoKitError(
                "ivfpq's m=\(options.m) does not divide the descriptor size \(dimension)", where: "gallery index",
                remedy: "pick m among the divisors of \(dimension), e.g. m=\(dimension % 64 == 0 ? dimension / 8 : 1)")
        }
        self.dimension = dimension
        self.options = options
        self.view = view
        self.model = model
        faiss = options.kind == .exact ? nil : try FaissIndex(dimension: dimension, description: options.factoryDescription)
        try applySearchParameters()
    }

    private init(dimension: Int, options: Options, view: CrossView, model: String, faiss: FaissIndex?) throws {
        (self.dimension, self.options, self.view, self.model, self.faiss) = (dimension, options, view, model, faiss)
        try applySearchParameters()
    }

    private func applySearchParameters() throws {
        switch options.kind {
        case .ivfpq: try faiss?.set("nprobe", options.nprobe)
        case .hnsw: try faiss?.set("efSearch", options.efSearch)
        case .exact, .flat: break
        }
    }

    /// Appends descriptors (count x dimension, row-major, finite) with their ids and
    /// positions (empty: none known). IVF-PQ trains on the first descriptors it is given.
    public func add(_ rows: [Float], ids newIDs: [String], positions newPositions: [GeoPosition?] = []) throws {
        let n = newIDs.count
        guard rows.count == n * dimension else {
            throw GeoKitError(
                "\(rows.count) values are not \(n) descriptors of \(dimension) (one id per descriptor)", where: "gallery index",
                remedy: "pass count x \(dimension) values and count ids")
        }
        guard newPositions.isEmpty || newPositions.count == n else {
            throw GeoKitError("\(newPositions.count) positions for \(n) descriptors", where: "gallery index", remedy: "one position (or none) per descriptor")
        }
        if let bad = newPositions.firstIndex(where: { $0.map { !$0.isValid } ?? false }) {
            throw GeoKitError(
                "position \(bad) is not a latitude in -90...90 and longitude in -180...180", where: "gallery index",
                remedy: "give positions in degrees, or none")
        }
        if let bad = rows.firstIndex(where: { !$0.isFinite }) {
            throw GeoKitError("descriptor \(bad / dimension) holds a NaN or infinite value", where: "gallery index", remedy: "embed finite descriptors")
        }
        if let faiss {
            try rows.withUnsafeBufferPointer { buffer in
                if !faiss.isTrained {
                    let needed = max(options.nlist, 256)
                    guard n >= needed else {
                        throw GeoKitError(
                            "ivfpq trains on the first descriptors added: \(n) given, at least \(needed) needed (max of nlist and 256)",
                            where: "gallery index", remedy: "add the whole gallery at once, lower nlist, or use --kind exact or hnsw")
                    }
                    try faiss.train(buffer.baseAddress!, count: n)
                }
                try faiss.add(buffer.baseAddress!, count: n)
            }
        } else {
            descriptors += rows
        }
        ids += newIDs
        positions += newPositions.isEmpty ? Array(repeating: nil, count: n) : newPositions
    }

    /// The k best entries for each query (queryCount x dimension, row-major), best first.
    public func search(_ queries: [Float], k: Int) throws -> [[SearchHit]] {
        guard queries.count % dimension == 0, !queries.isEmpty else {
            throw GeoKitError(
                "\(queries.count) query values are not rows of \(dimension)", where: "gallery index", remedy: "pass queries of the index's dimension")
        }
        guard k >= 1 else { throw GeoKitError("k is \(k)", where: "gallery index", remedy: "ask for at least 1") }
        guard queries.allSatisfy(\.isFinite) else {
            throw GeoKitError("a query holds a NaN or infinite value", where: "gallery index", remedy: "embed finite descriptors")
        }
        let queryCount = queries.count / dimension
        guard count > 0 else { return Array(repeating: [], count: queryCount) }
        return try queries.withUnsafeBufferPointer { q in
            if let faiss { return try faiss.search(q.baseAddress!, count: queryCount, k: min(k, count)) }
            return descriptors.withUnsafeBufferPointer { g in
                ExactSearch.search(gallery: g.baseAddress!, count: count, queries: q.baseAddress!, queryCount: queryCount, dimension: dimension, k: k)
            }
        }
    }

    static let magic = Array("GKINDEX\0".utf8)
    public static let formatVersion: UInt32 = 1

    /// Writes the index to `url` atomically.
    public func save(to url: URL) throws {
        let payload: Data = try faiss?.serialized() ?? descriptors.withUnsafeBytes { Data($0) }
        let header: [String: Any] = [
            "dimension": dimension, "count": count, "kind": options.kind.rawValue, "options": options.values, "view": view.rawValue,
            "model": model, "ids": ids, "payload_bytes": payload.count,
            "gps": positions.map { $0.map { [$0.latitude, $0.longitude] as Any } ?? NSNull() }
        ]
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var data = Data(GalleryIndex.magic)
        withUnsafeBytes(of: GalleryIndex.formatVersion.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(payload)
        try AtomicFile.write(data, to: url)
    }

    /// Reads and checks an index file.
    public static func load(from url: URL) throws -> GalleryIndex {
        let source = url.path
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw GeoKitError("cannot read the gallery index", where: source, remedy: "check the path (geokit index build --out writes one)")
        }
        return try decode(data, source: source)
    }

    /// Decodes an index file's bytes; `source` names it in messages.
    public static func decode(_ data: Data, source: String) throws -> GalleryIndex {
        func bad(_ why: String) -> GeoKitError {
            GeoKitError("not a valid gallery index: \(why)", where: source, remedy: "build it again with geokit index build")
        }
        let bytes = [UInt8](data.prefix(20))
        guard bytes.count == 20 else { throw bad("shorter than its 20-byte start (magic, version, header length)") }
        guard Array(bytes[0..<8]) == magic else { throw bad("it does not start with GKINDEX") }
        let version = bytes[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        guard version == formatVersion else {
            throw GeoKitError(
                "the gallery index has format version \(version); this GeoKit reads \(formatVersion)", where: source,
                remedy: "build it again with this GeoKit's geokit index build")
        }
        let headerLength = bytes[12..<20].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 20) else { throw bad("header length \(headerLength) exceeds the file size") }
        let headerEnd = data.startIndex + 20 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data[(data.startIndex + 20)..<headerEnd]) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        func int(_ key: String) throws -> Int {
            guard let number = header[key] as? NSNumber, let value = Int(exactly: number.doubleValue), value >= 0 else {
                throw bad("header field \(key) is missing or not a non-negative whole number")
            }
            return value
        }
        func string(_ key: String) throws -> String {
            guard let value = header[key] as? String else { throw bad("header field \(key) is missing or not a string") }
            return value
        }
        let dimension = try int("dimension"), count = try int("count"), payloadBytes = try int("payload_bytes")
        guard (1...65_536).contains(dimension) else { throw bad("dimension \(dimension) is outside 1...65536") }
        guard let kind = Kind(rawValue: try string("kind")) else { throw bad("kind is not one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard let view = CrossView(rawValue: try string("view")) else { throw bad("view is not ground or aerial") }
        let model = try string("model")
        var options = Options(kind: kind)
        guard let values = header["options"] as? [String: Any] else { throw bad("header field options is missing") }
        for (name, value) in values {
            guard Options.names.contains(name), let number = value as? NSNumber, let v = Int(exactly: number.doubleValue) else {
                throw bad("option \(name) is unknown or not a whole number")
            }
            do { try options.set(name, v) } catch let error as GeoKitError { throw bad(error.what) }
        }
        guard let ids = header["ids"] as? [String], ids.count == count else { throw bad("ids is not a list of \(count) strings") }
        guard let gps = header["gps"] as? [Any], gps.count == count else { throw bad("gps is not a list of \(count) entries") }
        var positions: [GeoPosition?] = []
        positions.reserveCapacity(count)
        for (i, entry) in gps.enumerated() {
            if entry is NSNull { positions.append(nil); continue }
            guard let pair = entry as? [NSNumber], pair.count == 2 else { throw bad("gps[\(i)] is neither null nor [latitude, longitude]") }
            let position = GeoPosition(latitude: pair[0].doubleValue, longitude: pair[1].doubleValue)
            guard position.isValid else { throw bad("gps[\(i)] is not a valid position") }
            positions.append(position)
        }
        let payload = data[headerEnd...]
        guard payload.count == payloadBytes else { throw bad("the payload holds \(payload.count) bytes, the header says \(payloadBytes)") }
        let index: GalleryIndex
        if kind == .exact {
            let (expected, overflow) = count.multipliedReportingOverflow(by: dimension * 4)
            guard !overflow, payloadBytes == expected else { throw bad("\(payloadBytes) payload bytes are not \(count) x \(dimension) float32 descriptors") }
            index = try GalleryIndex(dimension: dimension, options: options, view: view, model: model, faiss: nil)
            // The payload starts after a header of any length, so it is copied, not bound, as floats.
            index.descriptors = [Float](repeating: 0, count: count * dimension)
            index.descriptors.withUnsafeMutableBytes { target in payload.withUnsafeBytes { target.copyMemory(from: $0) } }
            guard index.descriptors.allSatisfy(\.isFinite) else { throw bad("a descriptor holds a NaN or infinite value") }
        } else {
            let faiss: FaissIndex
            do { faiss = try FaissIndex(serialized: Data(payload)) } catch let error as GeoKitError { throw bad(error.what) }
            guard faiss.dimension == dimension, faiss.count == count else {
                throw bad("the FAISS index holds \(faiss.count) x \(faiss.dimension), the header says \(count) x \(dimension)")
            }
            index = try GalleryIndex(dimension: dimension, options: options, view: view, model: model, faiss: faiss)
        }
        index.ids = ids
        index.positions = positions
        return index
    }
}
