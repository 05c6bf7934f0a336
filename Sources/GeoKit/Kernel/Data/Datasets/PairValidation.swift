import Foundation
import GeoKitCore

/// A check of a dataset's images before training: every aerial and ground
/// image is decoded once (in parallel), so a missing or corrupt file is found
/// up front, named with its path, instead of ending an epoch half-way.
public enum PairValidation {
    public struct Report: Sendable {
        /// The pairs whose two images decode, in their original order.
        public let valid: [CrossViewPair]
        /// One message (with the file's path) per dropped pair.
        public let problems: [String]
    }

    /// Decodes every image. With `skipInvalid` false the first bad file (in
    /// pair order) is thrown; with true, bad pairs are dropped and listed.
    public static func check(_ pairs: [CrossViewPair], skipInvalid: Bool, limits: DecodeLimits = .standard) throws -> Report {
        var problems = [String?](repeating: nil, count: pairs.count)
        problems.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: pairs.count) { k in
                do {
                    _ = try Image(contentsOf: pairs[k].aerial, limits: limits)
                    _ = try Image(contentsOf: pairs[k].ground, limits: limits)
                } catch {
                    base[k] = "\(error)"
                }
            }
        }
        if !skipInvalid, let first = problems.firstIndex(where: { $0 != nil }) {
            throw GeoKitError(
                "dataset pair \(pairs[first].id) is unusable: \(problems[first]!)",
                remedy: "replace the file, or skip invalid pairs")
        }
        return Report(valid: zip(pairs, problems).filter { $0.1 == nil }.map(\.0), problems: problems.compactMap { $0 })
    }
}
