// The umbrella module: `import GeoKit` sees every layer of the kernel
// (docs/architecture.md), one library, one API.
@_exported import GeoKitComponents
@_exported import GeoKitCore
@_exported import GeoKitData
@_exported import GeoKitEmbedding
@_exported import GeoKitPlugins
@_exported import GeoKitRecipes
@_exported import GeoKitSynth
@_exported import GeoKitTraining
