import Foundation
import GeoKitCore

@_implementationOnly import CMPI

/// The processes of one data-parallel job and the collectives between
/// them, over Open MPI. A process started by `mpirun` (which exports
/// `OMPI_COMM_WORLD_SIZE`, or `PMIX_RANK` under a PMIx launcher) joins
/// MPI_COMM_WORLD; any other process is a world of one, and MPI is never
/// initialised in it, so a plain `geokit run` behaves as it always did.
///
/// Every collective must be called by every rank in the same order (MPI's
/// rule). A failing call ends the whole job with MPI's message (the world
/// keeps MPI's default "errors are fatal" handler), and a rank that dies
/// makes `mpirun` end the others: no rank waits forever for a dead peer.
///
/// ```swift
/// let world = Communicator.world
/// world.allReduceSum(gradient)           // in place, every rank gets the sum
/// let all = world.allGather(descriptors) // rows of rank 0, then rank 1, ...
/// ```
public final class Communicator: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// True when this process joined an MPI job (even one of size 1).
    public let usesMPI: Bool
    /// Wall-clock seconds spent inside collectives since the last `resetCommunicationTime()`.
    public private(set) var communicationSeconds = 0.0

    /// The job this process belongs to, decided once from the environment.
    public static let world = Communicator(environment: ProcessInfo.processInfo.environment)

    /// This process alone, whatever launched it: the default of every function with a `communicator:`, so that a
    /// collective happens only where a caller that all ranks run (the trainer) asks for `world`; work one rank does
    /// alone (rank 0's pictures, say) cannot wait for the others.
    public static let process = Communicator(environment: [:])

    /// Whether `environment` says the process was started by an MPI launcher.
    public static func launchedByMPI(_ environment: [String: String]) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    private init(environment: [String: String]) {
        guard Communicator.launchedByMPI(environment) else {
            (rank, size, usesMPI) = (0, 1, false)
            return
        }
        // The loader's threads never call MPI; the main thread makes every call.
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(geokit_mpi_comm_world(), &r)
        MPI_Comm_size(geokit_mpi_comm_world(), &s)
        (rank, size, usesMPI) = (Int(r), Int(s), true)
    }

    public var isRoot: Bool { rank == 0 }

    public func resetCommunicationTime() { communicationSeconds = 0 }

    private func timed(_ body: () -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    private static func datatype(_ dtype: DType) -> MPI_Datatype {
        dtype == .float32 ? geokit_mpi_float() : geokit_mpi_double()
    }

    /// Sums `tensor` over the ranks, in place (Float32 or Float64).
    public func allReduceSum(_ tensor: Tensor) {
        allReduceSum(rawPointer(tensor), count: tensor.count, dtype: tensor.dtype)
    }

    /// Sums `count` elements at `buffer` over the ranks, in place.
    public func allReduceSum(_ buffer: UnsafeMutableRawPointer, count: Int, dtype: DType) {
        guard usesMPI, size > 1, count > 0 else { return }
        timed { MPI_Allreduce(geokit_mpi_in_place(), buffer, Int32(count), Communicator.datatype(dtype), geokit_mpi_sum(), geokit_mpi_comm_world()) }
    }

    /// Every rank's `tensor` stacked along axis 0 in rank order; the shapes
    /// may differ in their first dimension only (an uneven shard). A world
    /// of one returns `tensor` itself.
    public func allGather(_ tensor: Tensor) -> Tensor { allGatherCountingRows(tensor).gathered }

    /// `allGather`, with the first row of each rank's part in the result.
    func allGatherCountingRows(_ tensor: Tensor) -> (gathered: Tensor, firstRows: [Int]) {
        guard usesMPI, size > 1 else { return (tensor, [0]) }
        let rowSize = tensor.shape.dropFirst().reduce(1, *)
        var rows = [Int64](repeating: 0, count: size)
        rows[rank] = Int64(tensor.shape.first ?? 1)
        timed { MPI_Allreduce(geokit_mpi_in_place(), &rows, Int32(size), geokit_mpi_int64(), geokit_mpi_sum(), geokit_mpi_comm_world()) }
        var firstRows = [Int](repeating: 0, count: size)
        for r in 1..<size { firstRows[r] = firstRows[r - 1] + Int(rows[r - 1]) }
        let counts = rows.map { Int32(Int($0) * rowSize) }, offsets = firstRows.map { Int32($0 * rowSize) }
        let out = Tensor(zeros: [Int(rows.reduce(0, +))] + tensor.shape.dropFirst(), dtype: tensor.dtype)
        let type = Communicator.datatype(tensor.dtype)
        timed {
            MPI_Allgatherv(rawPointer(tensor), counts[rank], type, rawPointer(out), counts, offsets, type, geokit_mpi_comm_world())
        }
        return (out, firstRows)
    }

    /// Overwrites `tensor` on every rank with rank `root`'s values.
    public func broadcast(_ tensor: Tensor, root: Int = 0) {
        guard usesMPI, size > 1, tensor.count > 0 else { return }
        timed { MPI_Bcast(rawPointer(tensor), Int32(tensor.count), Communicator.datatype(tensor.dtype), Int32(root), geokit_mpi_comm_world()) }
    }

    /// Rank `root`'s bytes on every rank (`bytes` is read on the root only).
    public func broadcast(bytes: Data, root: Int = 0) -> Data {
        guard usesMPI, size > 1 else { return bytes }
        var length = Int64(rank == root ? bytes.count : 0)
        timed { MPI_Bcast(&length, 1, geokit_mpi_int64(), Int32(root), geokit_mpi_comm_world()) }
        var buffer = rank == root ? [UInt8](bytes) : [UInt8](repeating: 0, count: Int(length))
        // MPI counts are 32-bit: a large checkpoint goes in pieces.
        let piece = 1 << 30
        for start in stride(from: 0, to: buffer.count, by: piece) {
            let n = min(piece, buffer.count - start)
            buffer.withUnsafeMutableBytes { raw in
                timed { MPI_Bcast(raw.baseAddress! + start, Int32(n), geokit_mpi_byte(), Int32(root), geokit_mpi_comm_world()) }
            }
        }
        return Data(buffer)
    }

    /// Returns when every rank has called it.
    public func barrier() {
        guard usesMPI, size > 1 else { return }
        timed { MPI_Barrier(geokit_mpi_comm_world()) }
    }

    /// Runs `body` on rank 0, then on the others once rank 0 is done: for
    /// work that fills a shared cache (a compiled recipe, a synthetic world),
    /// so the ranks do not race on it, and so that a mistake in it is
    /// reported once, by rank 0 (whose exit makes `mpirun` end the job).
    public func rootFirst<R>(_ body: () throws -> R) rethrows -> R {
        guard usesMPI, size > 1 else { return try body() }
        if isRoot {
            let result = try body()
            barrier()
            return result
        }
        barrier()
        return try body()
    }

    /// Leaves the job cleanly (after a successful run; a failing rank exits
    /// without it so that `mpirun` ends the others).
    public func finalize() {
        guard usesMPI else { return }
        MPI_Finalize()
    }

    private func rawPointer(_ tensor: Tensor) -> UnsafeMutableRawPointer {
        tensor.dtype == .float32 ? UnsafeMutableRawPointer(tensor.pointer(Float.self)) : UnsafeMutableRawPointer(tensor.pointer(Double.self))
    }
}
