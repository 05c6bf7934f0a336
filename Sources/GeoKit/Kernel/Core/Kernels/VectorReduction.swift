// Sums over contiguous runs with SIMD accumulators. The compiler may not
// reorder floating-point additions by itself, so a plain `total += x[i]`
// loop stays scalar; these spell out the lane-parallel order.

/// x[0] + ... + x[count - 1].
@inline(__always)
func vectorSum<T: TensorScalar>(_ x: UnsafePointer<T>, count: Int) -> T {
    let raw = UnsafeRawPointer(x), size = MemoryLayout<T>.stride
    var a = SIMD8<T>(), b = SIMD8<T>()
    var i = 0
    while i + 16 <= count {
        a += raw.loadUnaligned(fromByteOffset: i * size, as: SIMD8<T>.self)
        b += raw.loadUnaligned(fromByteOffset: (i + 8) * size, as: SIMD8<T>.self)
        i += 16
    }
    var total = (a + b).sum()
    while i < count { total += x[i]; i += 1 }
    return total
}

/// x[0] * y[0] + ... + x[count - 1] * y[count - 1].
@inline(__always)
func vectorDot<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count: Int) -> T {
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y), size = MemoryLayout<T>.stride
    var a = SIMD8<T>(), b = SIMD8<T>()
    var i = 0
    while i + 16 <= count {
        a +=
            rx.loadUnaligned(fromByteOffset: i * size, as: SIMD8<T>.self)
            * ry.loadUnaligned(fromByteOffset: i * size, as: SIMD8<T>.self)
        b +=
            rx.loadUnaligned(fromByteOffset: (i + 8) * size, as: SIMD8<T>.self)
            * ry.loadUnaligned(fromByteOffset: (i + 8) * size, as: SIMD8<T>.self)
        i += 16
    }
    var total = (a + b).sum()
    while i < count { total += x[i] * y[i]; i += 1 }
    return total
}
