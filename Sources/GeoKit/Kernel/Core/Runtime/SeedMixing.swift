/// Derives independent seeds from a run's seed and a few integers (epoch,
/// step, sample index, a salt naming the use), so every random stream of a
/// run — batch order, augmentation, dropout, the synthetic world — is a pure
/// function of its coordinates and can be recreated alone, on any thread.
public enum SeedMixing {
    /// A well-mixed 64-bit hash of a few integers (SplitMix64 finaliser chain).
    @inline(__always)
    public static func hash(_ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0, _ d: UInt64 = 0) -> UInt64 {
        var z = mix(a &* 0x9E37_79B9_7F4A_7C15)
        z = mix(z ^ (b &* 0xD6E8_FEB8_6659_FD93))
        z = mix(z ^ (c &* 0xA076_1D64_78BD_642F))
        return mix(z ^ (d &* 0xE703_7ED1_A0B4_28DB))
    }

    /// One SplitMix64 finalising round.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
