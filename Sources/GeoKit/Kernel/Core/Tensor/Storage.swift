internal import CDNNLBridge

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The memory behind one or more tensors (a reshape shares its input's
/// storage). Its values live in the plain row-major layout that `Tensor`
/// describes (NCHW for images), in a channels-last (NHWC) copy that oneDNN's
/// primitives read and write (Kernels/OneDNN), or in both. Each layout is
/// made from the other on first demand, so activations flow from one oneDNN
/// op to the next without a reorder and any other op still sees NCHW.
final class Storage: @unchecked Sendable {
    static let alignment = 64
    let byteCount: Int
    /// The plain layout's memory, allocated on first demand.
    private var plain: UnsafeMutableRawPointer?
    private var plainIsCurrent: Bool
    /// The channels-last copy of a float32 (N, C, H, W) tensor and its NCHW sizes, when current.
    private var channelsLast: (pointer: UnsafeMutableRawPointer, sizes: [Int])?
    /// Counts the hand-outs of writable plain memory: caches derived from these
    /// values (oneDNN's weight layouts, folded batch norms) are valid for one version.
    private(set) var version = 0
    /// Data derived from these values by a compute path, kept with them (see `version`).
    var derived: AnyObject?

    /// Zero-filled plain memory.
    init(byteCount: Int) {
        self.byteCount = byteCount
        plain = TensorMemory.allocate(byteCount)
        memset(plain!, 0, byteCount)
        plainIsCurrent = true
    }

    /// Channels-last memory for an (N, C, H, W) float32 tensor that the caller fills in full.
    init(channelsLast sizes: [Int]) {
        byteCount = sizes.reduce(1, *) * MemoryLayout<Float>.stride
        plainIsCurrent = false
        channelsLast = (TensorMemory.allocate(byteCount), sizes)
    }

    deinit {
        if let plain { TensorMemory.release(plain, byteCount) }
        if let channelsLast { TensorMemory.release(channelsLast.pointer, byteCount) }
    }

    /// Plain memory the caller may write: the channels-last copy stops being current.
    var pointer: UnsafeMutableRawPointer {
        makePlainCurrent()
        if let channelsLast {
            TensorMemory.release(channelsLast.pointer, byteCount)
            self.channelsLast = nil
        }
        version &+= 1
        return plain!
    }

    /// Plain memory for reading; both layouts stay current.
    var readOnlyPointer: UnsafeRawPointer {
        makePlainCurrent()
        return UnsafeRawPointer(plain!)
    }

    /// Whether the values are current in channels-last layout for these NCHW sizes (and so need no reorder).
    func isChannelsLast(_ sizes: [Int]) -> Bool { channelsLast?.sizes == sizes }

    /// The channels-last copy for reading, made from the plain values if it is not current.
    func channelsLastPointer(_ sizes: [Int]) -> UnsafePointer<Float> {
        if let channelsLast, channelsLast.sizes == sizes { return UnsafePointer(channelsLast.pointer.assumingMemoryBound(to: Float.self)) }
        makePlainCurrent()
        if let channelsLast { TensorMemory.release(channelsLast.pointer, byteCount) }
        let copy = TensorMemory.allocate(byteCount)
        let (n, c, h, w) = (Int64(sizes[0]), Int64(sizes[1]), Int64(sizes[2]), Int64(sizes[3]))
        let source = plain!.assumingMemoryBound(to: Float.self), target = copy.assumingMemoryBound(to: Float.self)
        if gk_dnnl_to_channels_last(source, target, n, c, h, w) != 0 {
            transpose(source, rows: sizes[1], columns: sizes[2] * sizes[3], images: sizes[0], into: target)
        }
        channelsLast = (copy, sizes)
        return UnsafePointer(target)
    }

    /// Writable channels-last memory of a storage made by `init(channelsLast:)`, before anything reads it.
    var channelsLastOutput: UnsafeMutablePointer<Float> {
        precondition(!plainIsCurrent && channelsLast != nil, "GeoKit: a channels-last output was written after it was read")
        return channelsLast!.pointer.assumingMemoryBound(to: Float.self)
    }

    private func makePlainCurrent() {
        if plainIsCurrent { return }
        if plain == nil { plain = TensorMemory.allocate(byteCount) }
        let (copy, sizes) = channelsLast!
        let (n, c, h, w) = (Int64(sizes[0]), Int64(sizes[1]), Int64(sizes[2]), Int64(sizes[3]))
        let source = copy.assumingMemoryBound(to: Float.self), target = plain!.assumingMemoryBound(to: Float.self)
        if gk_dnnl_to_channels_first(source, target, n, c, h, w) != 0 {
            transpose(source, rows: sizes[2] * sizes[3], columns: sizes[1], images: sizes[0], into: target)
        }
        plainIsCurrent = true
    }
}

/// Per image, a (rows x columns) matrix into its (columns x rows) transpose: the
/// portable reorder between NCHW and NHWC, where oneDNN's is not available.
private func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, images: Int, into target: UnsafeMutablePointer<Float>) {
    let plane = rows * columns
    for image in 0..<images {
        let s = source + image * plane, t = target + image * plane
        for r in 0..<rows {
            for c in 0..<columns { t[c * rows + r] = s[r * columns + c] }
        }
    }
}
