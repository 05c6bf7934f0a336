import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

extension CrossViewModel {
    /// One view's descriptors of a batch of prepared images (N, 3, H, W), before normalisation. With `flipTTA`
    /// (flip test-time augmentation, `Evaluate.flipTTA`) the mean of the batch's and of its horizontal mirror's
    /// (width reversed): normalised afterwards, the descriptor University-1652's and LPN's evaluation compute.
    public func descriptors(_ images: Tensor, view: CrossView, flipTTA: Bool = false) -> Tensor {
        let branch = view == .ground ? ground : aerial
        guard flipTTA else { return branch(images) }
        return (branch(images) + branch(images.flipped(axes: [3]))) / 2
    }

    /// L2-normalised descriptors (ground, aerial) of a split of `data`,
    /// unaugmented, in eval mode (the previous mode is restored), streamed
    /// through the data pipeline, reporting pairs done to `progress`; `flipTTA` as `descriptors` says. A plugin's
    /// failure in a forward (`ComponentFailure`) is thrown.
    ///
    /// With a `communicator` of more than one rank (the trainer passes `world` under `mpirun`) each rank embeds
    /// a contiguous shard of the split and the shards are gathered in order,
    /// so every rank returns the descriptors of the whole split, as one process would.
    public func embed(
        _ data: TrainingData, split: TrainingData.Split, chunk: Int = 64, progress: ProgressBar? = nil, flipTTA: Bool = false,
        communicator: Communicator = .process
    ) throws -> (ground: Tensor, aerial: Tensor) {
        var grounds: [Tensor] = [], aerials: [Tensor] = []
        let stream: BatchStream<CrossViewBatch>
        var total = split == .test ? data.test.count : data.train.count
        if communicator.size > 1 {
            let count = total, size = communicator.size, rank = communicator.rank
            guard count >= size else {
                throw GeoKitError(
                    "the \(split) split has \(count) pairs, fewer than the \(size) ranks that share its embedding", where: data.root.path,
                    remedy: "launch fewer ranks (mpirun -np) or use a larger split")
            }
            let shard = (count * rank / size)..<(count * (rank + 1) / size)
            let batches = stride(from: shard.lowerBound, to: shard.upperBound, by: chunk).map { Array($0..<Swift.min(shard.upperBound, $0 + chunk)) }
            stream = (split == .test ? data.testLoader : data.trainLoader).stream(batches, epoch: nil)
            total = shard.count
        } else {
            stream = data.evaluationStream(split, chunk: chunk)
        }
        var done = 0
        try withEvaluationMode {
            while let batch = try stream.next() {
                grounds.append(descriptors(batch.ground, view: .ground, flipTTA: flipTTA).detached())
                aerials.append(descriptors(batch.aerial, view: .aerial, flipTTA: flipTTA).detached())
                try ComponentFailure.check()
                done += batch.indices.count
                progress?.update(done, total)
            }
        }
        progress?.finish()
        let groundDescriptors = communicator.allGather(Tensor.concat(grounds, axis: 0))
        let aerialDescriptors = communicator.allGather(Tensor.concat(aerials, axis: 0))
        try Self.requireFinite(groundDescriptors, "the \(split) split's ground views")
        try Self.requireFinite(aerialDescriptors, "the \(split) split's aerial views")
        return (groundDescriptors.l2Normalized(), aerialDescriptors.l2Normalized())
    }

    /// L2-normalised descriptors of image files of one view, decoded and
    /// prepared in the background `chunk` at a time, ahead of the forward; images done go to `progress`; `flipTTA` as
    /// `descriptors` says.
    /// With a `communicator` of more than one rank each embeds a contiguous shard of the files and the shards are gathered in order,
    /// so every rank returns the descriptors of all of them, as one process would.
    public func embed(
        files: [URL], view: CrossView, input: ViewInput, chunk: Int = 32, progress: ProgressBar? = nil, flipTTA: Bool = false,
        communicator: Communicator = .process
    ) throws -> Tensor {
        let (size, rank) = (communicator.size, communicator.rank)
        guard files.count >= size else {
            throw GeoKitError(
                "\(files.count) \(view) images are fewer than the \(size) ranks that share their embedding", where: "embedding",
                remedy: "launch fewer ranks (mpirun -np) or use a larger split")
        }
        let mine = Array(files[(files.count * rank / size)..<(files.count * (rank + 1) / size)])
        let batches = stride(from: 0, to: mine.count, by: chunk).map { Array($0..<Swift.min(mine.count, $0 + chunk)) }
        let stream = BatchStream(batches: batches, prefetch: TrainingData.prefetch) { indices in
            let images = try indices.map { try Image(contentsOf: mine[$0]) }
            return input.stack(view == .ground ? images.map(input.prepareGround) : images.map { input.finishAerial(input.prepareAerial($0)) }, view: view)
        }
        var parts: [Tensor] = []
        try withEvaluationMode {
            while let batch = try stream.next() {
                parts.append(self.descriptors(batch, view: view, flipTTA: flipTTA).detached())
                try ComponentFailure.check()
                progress?.update(Swift.min(mine.count, parts.count * chunk), mine.count)
            }
        }
        progress?.finish()
        let descriptors = communicator.allGather(Tensor.concat(parts, axis: 0))
        try Self.requireFinite(descriptors, "\(files.count) \(view) images")
        return descriptors.l2Normalized()
    }

    /// L2-normalised descriptors of decoded images of one view (N, D); a
    /// plugin's failure in a forward is thrown.
    public func embed(_ images: [Image], view: CrossView, input: ViewInput, chunk: Int = 32) throws -> Tensor {
        var parts: [Tensor] = []
        try withEvaluationMode {
            for start in stride(from: 0, to: images.count, by: chunk) {
                let slice = images[start..<Swift.min(images.count, start + chunk)]
                let ready = view == .ground ? slice.map(input.prepareGround) : slice.map { input.finishAerial(input.prepareAerial($0)) }
                parts.append((view == .ground ? ground : aerial)(input.stack(ready, view: view)).detached())
                try ComponentFailure.check()
            }
        }
        let descriptors = Tensor.concat(parts, axis: 0)
        try Self.requireFinite(descriptors, "\(images.count) \(view) images")
        return descriptors.l2Normalized()
    }

    /// NaN descriptors would rank as nothing else does and yield figures
    /// that mean nothing, so a model that produces them is stopped here.
    static func requireFinite(_ descriptors: Tensor, _ what: String) throws {
        let bad = descriptors.scalars(as: Double.self).filter { !$0.isFinite }.count
        guard bad == 0 else {
            throw GeoKitError(
                "the model's descriptors of \(what) hold \(bad) NaN or infinite values of \(descriptors.count)",
                where: "embedding",
                remedy: "the weights are broken: check the checkpoint (e.g. a negative BatchNorm running_var) or train with a lower train.lr")
        }
    }

    private func withEvaluationMode(_ body: () throws -> Void) throws {
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        try noGrad(body)
    }
}
