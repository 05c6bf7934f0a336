import GeoKit

/// The components of the LPN method (the type Plugins/PluginEntry.swift registers).
enum Plugin: GeoKitPlugin {
    static func register(into registry: Registry) throws {
        try registry.register(
            .aggregator, "lpn",
            summary: "Local Pattern Network part pooling: square rings (drone/satellite), rows (ground panoramas) or columns, L2-normalised parts",
            parameters: [
                ParameterSpec(
                    "blocks", .int(4), "number of parts (descriptor size blocks * C); a map smaller than 2 blocks is resized to hold them",
                    bounds: .between(1, Double(LPNAggregator.mostBlocks))),
                ParameterSpec("pool", .string("avg"), "pooling of each part", choices: LPNAggregator.Pooling.allCases.map(\.rawValue)),
                ParameterSpec(
                    "partition", .string("ring"),
                    "ring (concentric squares, outermost first), row (horizontal bands, top to bottom: LPN's CVUSA/CVACT ground view) or column (left to right)",
                    choices: LPNAggregator.Partition.allCases.map(\.rawValue))
            ]
        ) { p in
            LPNAggregator(blocks: p.int("blocks"), pooling: p.choice("pool"), partition: p.choice("partition"))
        }
    }
}
