internal import CFaissBridge
import Foundation
import GeoKitCore

/// A FAISS inner-product index (through the C++ bridge over Debian's
/// static libfaiss): exact `IndexFlatIP`, `IndexIVFPQ` or `IndexHNSWFlat`,
/// made from FAISS's factory descriptions. FAISS's failures (its C++
/// exceptions) arrive as GeoKitErrors.
final class FaissIndex {
    private let handle: OpaquePointer

    private init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { gk_faiss_free(handle) }

    /// Calls a bridge function that reports failure as -1 and a message.
    private static func check(_ what: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: 1024)
        let status = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard status == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw GeoKitError("FAISS could not \(what): \(text)", where: "gallery index", remedy: "check the index kind's parameters")
        }
    }

    /// A new index from a factory description ("Flat", "IVF1024,PQ64", "HNSW32,Flat").
    convenience init(dimension: Int, description: String) throws {
        var made: OpaquePointer?
        try FaissIndex.check("create a '\(description)' index over \(dimension)-d vectors") { error, size in
            made = gk_faiss_create(Int32(dimension), description, error, size)
            return made == nil ? -1 : 0
        }
        self.init(made!)
    }

    /// FAISS's own serialisation of `bytes`; FAISS checks them and refuses what it cannot read.
    convenience init(serialized bytes: Data) throws {
        var made: OpaquePointer?
        try FaissIndex.check("read the stored index") { error, size in
            made = bytes.withUnsafeBytes { gk_faiss_deserialize($0.bindMemory(to: UInt8.self).baseAddress, $0.count, error, size) }
            return made == nil ? -1 : 0
        }
        self.init(made!)
    }

    var count: Int { Int(gk_faiss_count(handle)) }
    var dimension: Int { Int(gk_faiss_dimension(handle)) }
    var isTrained: Bool { gk_faiss_is_trained(handle) != 0 }

    func train(_ vectors: UnsafePointer<Float>, count: Int) throws {
        try FaissIndex.check("train on \(count) vectors") { gk_faiss_train(handle, Int64(count), vectors, $0, $1) }
    }

    func add(_ vectors: UnsafePointer<Float>, count: Int) throws {
        try FaissIndex.check("add \(count) vectors") { gk_faiss_add(handle, Int64(count), vectors, $0, $1) }
    }

    /// "nprobe" (IVF) or "efSearch" (HNSW).
    func set(_ parameter: String, _ value: Int) throws {
        try FaissIndex.check("set \(parameter) to \(value)") { gk_faiss_set_parameter(handle, parameter, Double(value), $0, $1) }
    }

    /// The k best of each query, best first (FAISS's labels past the gallery's end, -1, are dropped).
    func search(_ queries: UnsafePointer<Float>, count: Int, k: Int) throws -> [[SearchHit]] {
        var scores = [Float](repeating: 0, count: count * k)
        var labels = [Int64](repeating: -1, count: count * k)
        try FaissIndex.check("search \(count) queries") { error, size in
            scores.withUnsafeMutableBufferPointer { s in
                labels.withUnsafeMutableBufferPointer { l in
                    gk_faiss_search(handle, Int64(count), queries, Int64(k), s.baseAddress, l.baseAddress, error, size)
                }
            }
        }
        return (0..<count).map { q in
            (0..<k).compactMap { j in labels[q * k + j] >= 0 ? SearchHit(index: Int(labels[q * k + j]), score: scores[q * k + j]) : nil }
        }
    }

    func serialized() throws -> Data {
        var bytes: UnsafeMutablePointer<UInt8>?
        var count = 0
        try FaissIndex.check("serialise the index") { gk_faiss_serialize(handle, &bytes, &count, $0, $1) }
        defer { free(bytes) }
        return Data(bytes: bytes!, count: count)
    }
}
