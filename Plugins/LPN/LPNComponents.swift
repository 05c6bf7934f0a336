import GeoKit

/// The components of the LPN method.
public enum LPNComponents {
    public static func register(into registry: Registry) throws {
        try registry.register(
            .aggregator, "lpn",
            summary: "Local Pattern Network part pooling: square rings (drone/satellite) or columns (panoramas), L2-normalised parts",
            parameters: [
                ParameterSpec("blocks", .int(4), "number of parts (descriptor size blocks * C); a map smaller than 2 blocks is resized to hold them",
                              bounds: .between(1, Double(LPNAggregator.mostBlocks))),
                ParameterSpec("pool", .string("avg"), "pooling of each part: avg or max"),
                ParameterSpec("partition", .string("ring"), "ring (concentric squares, outermost first) or column (left to right)"),
            ]
        ) { p in
            guard let pooling = LPNAggregator.Pooling(rawValue: p.string("pool")) else {
                throw GeoKitError("aggregator:lpn pool must be avg or max, got '\(p.string("pool"))'", remedy: "pass pool=avg or pool=max")
            }
            guard let partition = LPNAggregator.Partition(rawValue: p.string("partition")) else {
                throw GeoKitError("aggregator:lpn partition must be ring or column, got '\(p.string("partition"))'",
                                  remedy: "pass partition=ring or partition=column")
            }
            return LPNAggregator(blocks: p.int("blocks"), pooling: pooling, partition: partition)
        }
    }
}
