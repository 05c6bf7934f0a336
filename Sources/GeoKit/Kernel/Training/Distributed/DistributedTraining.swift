import Foundation
import GeoKitCore

/// The trainer's data-parallel parts: every rank draws the same global
/// batches from the seed and trains on its contiguous share of each, so
/// the gathered descriptors are in the global batch's order; the initial
/// weights and a resumed checkpoint are rank 0's on every rank.
extension Trainer {
    /// Rank 0's parameters and buffers on every rank: the same start even
    /// if a rank's pretrained file or initialisation differed.
    func broadcastInitialState() {
        guard communicator.size > 1 else { return }
        for (_, tensor) in model.namedParameters() { communicator.broadcast(tensor) }
        for (_, tensor, _) in model.namedBuffers() { communicator.broadcast(tensor) }
    }

    /// The global batch must split into equal shares: the gathered batch is then the one-process batch, row for row.
    func checkDistributedBatch(_ batchSize: Int) throws {
        let size = communicator.size
        guard batchSize % size == 0 else {
            throw GeoKitError(
                "train.batchSize is \(batchSize), which does not split evenly over \(size) ranks", where: place,
                remedy: "use a multiple of \(size) (e.g. --set train.batchSize=\(max(size, batchSize / size * size))) or launch another -np")
        }
    }

    /// A sampler's batch (a plugin's may be shorter than train.batchSize) must split evenly too.
    func checkDistributedBatches(_ batches: ArraySlice<[Int]>, epoch: Int) throws {
        let size = communicator.size
        guard size > 1, let odd = batches.first(where: { $0.count % size != 0 }) else { return }
        throw GeoKitError(
            "sampler \(samplerName) made a batch of \(odd.count) pairs at epoch \(epoch + 1), "
                + "which does not split evenly over \(size) ranks", where: "\(place), sampler",
            remedy: "under mpirun a sampler's batches must be multiples of the number of ranks")
    }

    /// This rank's contiguous share of a global batch.
    func shareOfBatch(_ batch: [Int]) -> [Int] {
        let share = batch.count / communicator.size
        return Array(batch[(communicator.rank * share)..<((communicator.rank + 1) * share)])
    }

    /// The rows of the global batch the loss sees: every rank's share, in rank order (the gather's order).
    func globalRows(_ batch: [Int]) -> [Int] {
        Array(batch.prefix(batch.count / communicator.size * communicator.size))
    }

    /// The step's seed for this rank: rank 0 keeps the one-process seed, the
    /// others mix in their rank, so that dropout masks differ between shares.
    func rankSeed(_ seed: UInt64) -> UInt64 {
        communicator.rank == 0 ? seed : SeedMixing.hash(seed, UInt64(communicator.rank), 0x5EED)
    }

    /// Restores rank 0's checkpoint on every rank: rank 0 reads the file and
    /// broadcasts its bytes, so the other ranks need no access to the run
    /// directory (another host's disk, say).
    func restoreCheckpoint(_ url: URL, optimizer: Optimizer) throws -> Checkpoint.Metadata {
        var bytes = Data()
        if communicator.isRoot {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw GeoKitError(
                    "there is no checkpoint to resume from", where: url.path, remedy: "run without --resume, or pass the --out of the earlier run")
            }
            do { bytes = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
                throw GeoKitError("cannot read the checkpoint", where: url.path, remedy: "check that the file is readable")
            }
        }
        bytes = communicator.broadcast(bytes: bytes)
        return try Checkpoint.restore(model: model, optimizer: optimizer, contents: SafeTensors.decode(bytes, source: url.path), source: url.path)
    }

    /// How the job splits each batch, once per session.
    func logDistribution(batchSize: Int) {
        guard communicator.size > 1 else { return }
        let micro = train.microBatch > 0 ? ", embedded \(train.microBatch) at a time (gradient caching)" : ""
        log.line(
            "data parallel: \(communicator.size) ranks, \(batchSize / communicator.size) pairs of each batch per rank\(micro); "
                + "the loss sees all \(batchSize)" + (train.syncBatchNorm ? "; BatchNorm statistics synchronised" : ""))
    }

    /// The job's training rate this epoch (the pipeline's line counts rank 0's share only), and rank 0's time
    /// in collectives (including waiting for slower ranks) of the epoch's training time.
    func logCommunication(seconds: Double, globalImages: Int) {
        guard communicator.size > 1 else { return }
        let spent = communicator.communicationSeconds
        log.line(
            String(
                format: "data parallel: %.1f images/s over %d ranks; rank 0 spent %.2f s of %.2f s training (%.1f%%) in collectives",
                Double(globalImages) / max(seconds, 1e-9), communicator.size, spent, seconds, 100 * spent / max(seconds, 1e-9)))
    }
}
