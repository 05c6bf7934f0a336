import Foundation

/// Tensor memory with a cache of released blocks: a training step frees and
/// allocates the same sizes every iteration, and handing a released block out
/// again saves the page faults and zeroing of fresh memory (a ResNet-50 step
/// at batch 8 x 128 x 512 moves a few GB through the allocator). Blocks are
/// kept by exact size, up to `idleLimit` bytes in all; beyond it the least
/// recently released go back to the system.
enum TensorMemory {
    /// Bytes of released blocks kept for reuse at most.
    static let idleLimit = 256 << 20
    private static let lock = NSLock()
    nonisolated(unsafe) private static var idle: [Int: [UnsafeMutableRawPointer]] = [:]
    /// Released blocks, oldest first, for eviction.
    nonisolated(unsafe) private static var releaseOrder: [(pointer: UnsafeMutableRawPointer, byteCount: Int)] = []
    nonisolated(unsafe) private static var idleBytes = 0

    /// 64-byte-aligned, uninitialised memory of at least `byteCount` bytes (never of zero size).
    static func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        let size = blockSize(byteCount)
        lock.lock()
        if var blocks = idle[size], let block = blocks.popLast() {
            idle[size] = blocks.isEmpty ? nil : blocks
            idleBytes -= size
            if let i = releaseOrder.lastIndex(where: { $0.pointer == block }) { releaseOrder.remove(at: i) }
            lock.unlock()
            return block
        }
        lock.unlock()
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, Storage.alignment, size)
        guard status == 0, let raw else {
            fatalError("GeoKit: cannot allocate \(byteCount) bytes of tensor memory (posix_memalign returned \(status))")
        }
        return raw
    }

    /// Gives back a block from `allocate(byteCount)`.
    static func release(_ block: UnsafeMutableRawPointer, _ byteCount: Int) {
        let size = blockSize(byteCount)
        lock.lock()
        defer { lock.unlock() }
        guard size <= idleLimit else { return free(block) }
        idle[size, default: []].append(block)
        releaseOrder.append((block, size))
        idleBytes += size
        while idleBytes > idleLimit, !releaseOrder.isEmpty {
            let (oldest, oldestSize) = releaseOrder.removeFirst()
            if var blocks = idle[oldestSize], let i = blocks.firstIndex(of: oldest) {
                blocks.remove(at: i)
                idle[oldestSize] = blocks.isEmpty ? nil : blocks
            }
            idleBytes -= oldestSize
            free(oldest)
        }
    }

    /// Bytes held for reuse now.
    static var idleByteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return idleBytes
    }

    /// Sizes round up to whole cache lines, so that near-equal requests share blocks.
    private static func blockSize(_ byteCount: Int) -> Int { max(64, (byteCount + 63) & ~63) }
}
