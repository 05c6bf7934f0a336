import Foundation

/// A dense, contiguous, row-major (NCHW for images) array of `Float` or
/// `Double` that records the operations applied to it when gradients are on.
///
/// ```swift
/// let w = Tensor.randn([3, 4], seed: 1).requiringGrad()
/// let loss = (x.matmul(w)).relu().sum()
/// loss.backward()
/// print(w.grad!.shape) // [3, 4]
/// ```
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    /// Fixed for an op's output; only `Module.convert(to:)` changes it, in place, for parameters and buffers.
    public internal(set) var dtype: DType
    var storage: Storage

    /// Whether gradients flow to this tensor. Leaves set it with
    /// `requiringGrad()`; op outputs inherit it from their inputs.
    public internal(set) var requiresGrad: Bool = false
    /// The accumulated gradient of a leaf after `backward()`.
    public var grad: Tensor?
    /// How this tensor was computed, while a backward pass can still use it.
    var gradNode: GradNode?

    public var count: Int { Shape.count(shape) }
    public var rank: Int { shape.count }

    init(shape: [Int], dtype: DType, storage: Storage) {
        require(shape.allSatisfy { $0 >= 0 }, "GeoKit: negative dimension in shape \(shape)")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
    }

    /// A zero-filled tensor.
    public convenience init(zeros shape: [Int], dtype: DType = .float32) {
        self.init(shape: shape, dtype: dtype, storage: Storage(byteCount: Shape.count(shape) * dtype.byteSize))
    }

    /// A tensor holding `values` (row-major) with the given shape.
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int]) {
        require(
            values.count == Shape.count(shape),
            "GeoKit: \(values.count) values cannot fill shape \(shape)")
        self.init(zeros: shape, dtype: T.dtype)
        values.withUnsafeBufferPointer { src in
            pointer(T.self).update(from: src.baseAddress!, count: values.count)
        }
    }

    /// A 1-element tensor of shape [] (a scalar).
    public convenience init(scalar: Double, dtype: DType = .float32) {
        self.init(zeros: [], dtype: dtype)
        switch dtype {
        case .float32: pointer(Float.self)[0] = Float(scalar)
        case .float64: pointer(Double.self)[0] = scalar
        }
    }

    /// Typed access to the elements. The caller must ask for the tensor's own dtype.
    public func pointer<T: TensorScalar>(_: T.Type) -> UnsafeMutablePointer<T> {
        require(T.dtype == dtype, "GeoKit: a \(dtype) tensor was read as \(T.dtype)")
        return storage.pointer.assumingMemoryBound(to: T.self)
    }

    /// Typed access for reading only: unlike `pointer`, it keeps a channels-last copy
    /// of the values current (Storage), so that the next oneDNN op needs no reorder.
    func readPointer<T: TensorScalar>(_: T.Type) -> UnsafeMutablePointer<T> {
        require(T.dtype == dtype, "GeoKit: a \(dtype) tensor was read as \(T.dtype)")
        return UnsafeMutableRawPointer(mutating: storage.readOnlyPointer).assumingMemoryBound(to: T.self)
    }

    /// The elements as an array of `T` (converting from the stored dtype).
    public func scalars<T: TensorScalar>(as _: T.Type = Float.self) -> [T] {
        switch dtype {
        case .float32: let p = readPointer(Float.self); return (0..<count).map { T(p[$0]) }
        case .float64: let p = readPointer(Double.self); return (0..<count).map { T(p[$0]) }
        }
    }

    /// The single element of a one-element tensor, as a Double.
    public var item: Double {
        require(count == 1, "GeoKit: item needs a one-element tensor, this one has shape \(shape)")
        return scalars(as: Double.self)[0]
    }

    /// The same values, a new storage, no history.
    public func copy() -> Tensor {
        let out = Tensor(zeros: shape, dtype: dtype)
        out.storage.pointer.copyMemory(from: storage.readOnlyPointer, byteCount: count * dtype.byteSize)
        return out
    }

    /// The same storage, cut off from the graph (like torch's `detach`).
    public func detached() -> Tensor {
        Tensor(shape: shape, dtype: dtype, storage: storage)
    }

    /// A leaf that gradients flow to. Returns self, for chaining.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        require(gradNode == nil || !flag, "GeoKit: requiringGrad() is for leaves; this tensor is an op's output")
        requiresGrad = flag
        return self
    }

    /// Copies `other`'s values into this tensor in place (no history); shapes must match in count.
    public func assign(_ other: Tensor) {
        require(other.count == count, "GeoKit: cannot assign \(other.shape) to \(shape)")
        let src = other.dtype == dtype ? other : other.to(dtype)
        storage.pointer.copyMemory(from: src.storage.readOnlyPointer, byteCount: count * dtype.byteSize)
    }

    /// The tensor converted to another dtype (differentiable).
    public func to(_ target: DType) -> Tensor {
        if target == dtype { return self }
        let out = Tensor(zeros: shape, dtype: target)
        let n = count
        switch (dtype, target) {
        case (.float32, .float64):
            let s = pointer(Float.self), d = out.pointer(Double.self)
            for i in 0..<n { d[i] = Double(s[i]) }
        case (.float64, .float32):
            let s = pointer(Double.self), d = out.pointer(Float.self)
            for i in 0..<n { d[i] = Float(s[i]) }
        default: break
        }
        let source = dtype
        return out.recorded("to", inputs: [self]) { g in [g.to(source)] }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars(as: Double.self)
        let shown = values.prefix(8).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape), \(dtype)) [\(shown)\(values.count > 8 ? ", ..." : "")]"
    }
}
