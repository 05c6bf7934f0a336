import GeoKitCore

/// The contract between the kernel and a plugin library. Every plugin, Swift
/// or C, exports two C symbols:
///
///     int32_t geokit_plugin_abi_version(void);     // the ABI it was built for
///     int32_t geokit_plugin_init(const void *host); // 0 on success
///
/// The kernel refuses a plugin whose version differs from its own before
/// calling its init.
///
/// Versioning policy: the version is one integer, equal to
/// `GEOKIT_ABI_VERSION` in geokit.h. It is bumped (and every plugin
/// rebuilt) when an entry point's signature, a struct's layout, a constant's
/// meaning, the host table or the calling conventions of the vtables change,
/// and when a change to the kernel's public Swift API breaks Swift plugins
/// compiled against the old one. Adding a component kind's vtable or a
/// function to the end of the host table also bumps it: there is no partial
/// compatibility, so a mismatch is always refused rather than half-working.
public enum PluginABI {
    /// Inlined into the plugin when it is compiled, so a Swift plugin reports
    /// the version it was built against, not the loading kernel's.
    @inlinable public static var version: Int32 { 2 }
    /// What each version changed, for the message that refuses a plugin built for an older one.
    public static let changes: [Int32: String] = [
        2: "a C loss's forward and backward take the batch's location ids (const int64_t *location_ids, after reference); "
            + "Swift losses see a LossBatch"
    ]
    public static let versionSymbol = "geokit_plugin_abi_version"
    public static let initSymbol = "geokit_plugin_init"
}
