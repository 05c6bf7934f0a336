import Foundation

/// Scratch memory for kernels that need a large temporary on every call
/// (convolution's lowered input, GEMM staging). Released blocks are kept and
/// handed out again, so a training loop that repeats the same shapes reuses
/// mapped pages instead of faulting fresh ones in on every call.
enum Workspace {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var idle: [(pointer: UnsafeMutableRawPointer, byteCount: Int)] = []
    /// Idle blocks kept at most; the smallest are freed beyond it.
    private static let maxIdleBlocks = 4

    /// Runs `body` with an uninitialised buffer of `count` elements, returned to the pool afterwards.
    static func withBuffer<T, R>(_: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        let block = acquire(max(count, 1) * MemoryLayout<T>.stride)
        defer { release(block) }
        return try body(block.pointer.bindMemory(to: T.self, capacity: max(count, 1)))
    }

    /// Like `withBuffer`, but with no buffer at all (nil) when `needed` is false.
    static func withOptionalBuffer<T, R>(
        _: T.Type, count: Int, if needed: Bool,
        _ body: (UnsafeMutablePointer<T>?) throws -> R
    ) rethrows -> R {
        guard needed else { return try body(nil) }
        return try withBuffer(T.self, count: count) { try body($0) }
    }

    /// The smallest idle block that fits, or a new one.
    private static func acquire(_ byteCount: Int) -> (pointer: UnsafeMutableRawPointer, byteCount: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let best = idle.indices.filter({ idle[$0].byteCount >= byteCount }).min(by: { idle[$0].byteCount < idle[$1].byteCount }) {
            return idle.remove(at: best)
        }
        return (UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64), byteCount)
    }

    private static func release(_ block: (pointer: UnsafeMutableRawPointer, byteCount: Int)) {
        lock.lock()
        defer { lock.unlock() }
        idle.append(block)
        idle.sort { $0.byteCount > $1.byteCount }
        while idle.count > maxIdleBlocks { idle.removeLast().pointer.deallocate() }
    }
}
