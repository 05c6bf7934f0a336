extension Tensor {
    /// Matrix product: (M,K)x(K,N) -> (M,N), or batched (B,M,K)x(B,K,N) -> (B,M,N).
    public func matmul(_ other: Tensor) -> Tensor {
        Tensor.matmul(self, other, transposeA: false, transposeB: false)
    }

    /// y = x W^T + b with W of shape (out, in) as in torch.nn.Linear; x is (..., in).
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        Profiler.measure("linear") {
            require(
                weight.rank == 2 && shape.last == weight.shape[1],
                "GeoKit: linear expects input (..., \(weight.rank == 2 ? weight.shape[1] : -1)) for weight \(weight.shape), got \(shape)")
            let flat = reshaped([-1, weight.shape[1]])
            var y = Tensor.matmul(flat, weight, transposeA: false, transposeB: true)
            if let bias { y = y + bias }
            return y.reshaped(Array(shape.dropLast()) + [weight.shape[0]])
        }
    }

    /// op(A) op(B) for 2-D or equally batched 3-D operands, through BLAS gemm.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        Profiler.measure("matmul") {
            require(a.dtype == b.dtype, "GeoKit: matmul of \(a.dtype) and \(b.dtype)")
            require(
                (a.rank == 2 && b.rank == 2) || (a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0]),
                "GeoKit: matmul takes two 2-D or two equally batched 3-D tensors, got \(a.shape) and \(b.shape)")
            let batched = a.rank == 3
            let batch = batched ? a.shape[0] : 1
            let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
            let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
            let (m, k) = transposeA ? (ac, ar) : (ar, ac)
            let (k2, n) = transposeB ? (bc, br) : (br, bc)
            require(k == k2, "GeoKit: matmul inner dimensions differ: \(a.shape)\(transposeA ? "^T" : "") x \(b.shape)\(transposeB ? "^T" : "")")
            let out = Tensor(zeros: batched ? [batch, m, n] : [m, n], dtype: a.dtype)
            func run<T: TensorScalar>(_: T.Type) {
                let pa = a.pointer(T.self), pb = b.pointer(T.self), pc = out.pointer(T.self)
                for i in 0..<batch {
                    T.gemm(
                        transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                        a: pa + i * ar * ac, lda: ac, b: pb + i * br * bc, ldb: bc,
                        beta: 0, c: pc + i * m * n, ldc: n)
                }
            }
            FlopCounter.add(2 * batch * m * n * k)
            if m * n * k > 0 {
                switch a.dtype {
                case .float32: run(Float.self);
                case .float64: run(Double.self)
                }
            }
            return out.recorded("matmul", inputs: [a, b]) { g in
                // C = op(A) op(B): dA and dB in the layout of A and B themselves.
                let ga: Tensor? =
                    !a.requiresGrad
                    ? nil
                    : transposeA
                        ? matmul(b, g, transposeA: transposeB, transposeB: true)
                        : matmul(g, b, transposeA: false, transposeB: !transposeB)
                let gb: Tensor? =
                    !b.requiresGrad
                    ? nil
                    : transposeB
                        ? matmul(g, a, transposeA: true, transposeB: transposeA)
                        : matmul(a, g, transposeA: !transposeA, transposeB: false)
                return [ga, gb]
            }
        }
    }
}
