import Foundation
import GeoKitCore

/// One batch: the aerial and ground images of `indices` (into the loader's
/// pairs) as ImageNet-normalised float32 tensors (N, 3, H, W). While a batch
/// is alive it counts against its loader's `liveBatches`.
public struct CrossViewBatch: @unchecked Sendable {
    public let indices: [Int]
    public let aerial: Tensor
    public let ground: Tensor
    /// The third view of a training batch (University-1652's street images, prepared and normalised as the
    /// ground view) when the loader's `EpochViews` has one; nil otherwise and in unaugmented streams.
    public let street: Tensor?
    let lease: BatchLease
}

/// GeoKit's one data pipeline (training, evaluation, embedding, the loader
/// benchmark): decodes, prepares (`ViewInput`), augments and batches
/// aerial/ground pairs on a background thread, ahead of the consumer, through
/// a bounded queue — so resident memory is bounded by `prefetch` batches,
/// not by the dataset. The batches are whatever the caller composed (a
/// sampler's, or the loader's seeded shuffle); each sample's augmentation
/// draws from a generator seeded by (seed, epoch, index), so a batch is the
/// same whatever the thread scheduling, and in a resumed run.
public final class CrossViewLoader: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var batchSize = 32
        /// The network's input sizes and aerial view transform.
        public var input = ViewInput(groundSize: (128, 512), aerialTileSize: 256, aerialSize: (128, 512), polar: true)
        public var augmentation = PairAugmentation.none
        /// When set, each view is augmented on its own with it (University-1652's drone, satellite and street
        /// images) and `augmentation`, whose mirror and roll assume a panorama, is not applied.
        public var viewAugmentation: DroneAugmentation?
        /// Whether `epoch(_:)` shuffles (the batches a caller composes are streamed as given).
        public var shuffle = true
        /// Drop the last incomplete batch of `epoch(_:)`.
        public var dropLast = true
        /// Batches decoded ahead of the consumer: the queue's bound.
        public var prefetch = 4
        public var limits = DecodeLimits.standard

        public init() {}
    }

    public let pairs: [CrossViewPair]
    public let configuration: Configuration
    public let seed: UInt64
    /// Per pair, the images augmented epochs draw the views from (nil: each pair's own two images).
    public let epochViews: EpochViews?
    private let live = LiveBatchCounter()

    public init(pairs: [CrossViewPair], configuration: Configuration, seed: UInt64, epochViews: EpochViews? = nil) {
        require(
            !pairs.isEmpty && configuration.batchSize > 0 && configuration.prefetch > 0,
            "GeoKit: CrossViewLoader needs pairs, a positive batch size and prefetch")
        require(epochViews.map { $0.ground.count == pairs.count } ?? true, "GeoKit: CrossViewLoader's EpochViews must list every pair")
        self.pairs = pairs
        self.configuration = configuration
        self.seed = seed
        self.epochViews = epochViews
    }

    /// The ground image pair `index` shows in `epoch`: drawn from its `epochViews` when augmenting, else its own.
    public func groundFile(_ index: Int, epoch: Int?) -> URL {
        guard let epoch, let choices = epochViews?.ground[index] else { return pairs[index].ground }
        return EpochViews.draw(choices, seed: seed, epoch: epoch, item: index, salt: 0x6D)
    }

    /// The third-view (street) image pair `index` shows in `epoch`, when the loader has one and `epoch` is given.
    public func streetFile(_ index: Int, epoch: Int?) -> URL? {
        guard let epoch, let choices = epochViews?.street?[index] else { return nil }
        return EpochViews.draw(choices, seed: seed, epoch: epoch, item: index, salt: 0x57)
    }

    /// Decoded batches alive now (queued, being made, or held by a consumer).
    public var liveBatches: Int { live.current }
    /// The most decoded batches ever alive at once: at most `prefetch + 1`
    /// (the queue and the batch being made, plus the one the consumer holds).
    public var liveBatchHighWaterMark: Int { live.highWater }

    /// The sample order of an epoch: a shuffle seeded by (seed, epoch), or in order.
    public func order(epoch: Int) -> [Int] {
        var indices = Array(pairs.indices)
        guard configuration.shuffle else { return indices }
        var g = RandomGenerator(seed: SeedMixing.hash(seed, UInt64(epoch), 0x10AD))
        for i in stride(from: indices.count - 1, to: 0, by: -1) { indices.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        return indices
    }

    /// Streams the loader's own batching of an epoch (`order`, cut into `batchSize`), augmented.
    public func epoch(_ epoch: Int) -> BatchStream<CrossViewBatch> {
        let order = self.order(epoch: epoch)
        let size = configuration.batchSize
        let count = configuration.dropLast ? order.count / size : (order.count + size - 1) / size
        return stream((0..<count).map { Array(order[($0 * size)..<min(order.count, ($0 + 1) * size)]) }, epoch: epoch)
    }

    /// Streams `batches` (index lists a sampler composed) in the given order,
    /// augmented for `epoch`, or unaugmented when `epoch` is nil (evaluation).
    public func stream(_ batches: [[Int]], epoch: Int?) -> BatchStream<CrossViewBatch> {
        BatchStream(batches: batches, prefetch: configuration.prefetch) { [self] indices in
            try self.makeBatch(indices, epoch: epoch)
        }
    }

    /// Streams every pair once, in order, unaugmented, `chunk` at a time (the last chunk may be smaller).
    public func sequential(chunk: Int) -> BatchStream<CrossViewBatch> {
        stream(stride(from: 0, to: pairs.count, by: chunk).map { Array($0..<min(pairs.count, $0 + chunk)) }, epoch: nil)
    }

    /// One sample, decoded, prepared and (with an epoch) augmented, before
    /// normalisation, with its third view when the loader draws one; errors name the file.
    public func sample(_ index: Int, epoch: Int?) throws -> (aerial: Image, ground: Image, street: Image?) {
        let pair = pairs[index]
        let c = configuration
        let decoded = try Image(contentsOf: pair.aerial, limits: c.limits)
        // The polar transform assumes the camera at the centre of a square tile; a stretched tile would be silently wrong.
        guard c.input.polar == nil || decoded.height == decoded.width else {
            throw GeoKitError(
                "aerial image is \(decoded.height)x\(decoded.width), not square", where: pair.aerial.path,
                remedy: "crop it to a square tile")
        }
        var aerial = c.input.prepareAerial(decoded)
        var ground = c.input.prepareGround(try Image(contentsOf: groundFile(index, epoch: epoch), limits: c.limits))
        var street = try streetFile(index, epoch: epoch).map { c.input.prepareGround(try Image(contentsOf: $0, limits: c.limits)) }
        if let epoch {
            var g = RandomGenerator(seed: SeedMixing.hash(seed, UInt64(epoch), UInt64(index), 0xA06))
            if let views = c.viewAugmentation {
                aerial = views.apply(aerial, view: .satellite, generator: &g)
                ground = views.apply(ground, view: .drone, generator: &g)
                if let image = street { street = views.apply(image, view: .street, generator: &g) }
            } else {
                (aerial, ground) = c.augmentation.apply(aerial: aerial, ground: ground, generator: &g)
            }
        }
        return (c.input.finishAerial(aerial), ground, street)
    }

    private func makeBatch(_ indices: [Int], epoch: Int?) throws -> CrossViewBatch {
        // Taken before decoding, so the count covers the batch being made as well as the finished ones.
        let lease = live.acquire()
        var samples = [Result<(aerial: Image, ground: Image, street: Image?), Error>?](repeating: nil, count: indices.count)
        samples.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: indices.count) { k in
                base[k] = Result { try self.sample(indices[k], epoch: epoch) }
            }
        }
        let images = try samples.map { try $0!.get() }
        let streets = images.compactMap(\.street)
        return CrossViewBatch(
            indices: indices, aerial: configuration.input.stack(images.map(\.aerial), view: .aerial),
            ground: configuration.input.stack(images.map(\.ground), view: .ground),
            street: streets.isEmpty ? nil : configuration.input.stack(streets, view: .ground),
            lease: lease)
    }
}

/// Counts a loader's decoded batches alive, and the most ever alive at once.
final class LiveBatchCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var live = 0, peak = 0

    var current: Int { lock.withLock { live } }
    var highWater: Int { lock.withLock { peak } }

    func acquire() -> BatchLease {
        lock.withLock {
            live += 1
            peak = max(peak, live)
        }
        return BatchLease(self)
    }

    fileprivate func release() { lock.withLock { live -= 1 } }
}

/// A batch's place in its loader's count, given back when the batch is freed.
final class BatchLease: @unchecked Sendable {
    private let counter: LiveBatchCounter
    fileprivate init(_ counter: LiveBatchCounter) { self.counter = counter }
    deinit { counter.release() }
}

/// Batches (of pairs, or of one view's images) produced by a background
/// thread at most `prefetch` ahead of the consumer, in order. Dropping the
/// stream stops the thread.
public final class BatchStream<Batch>: @unchecked Sendable {
    private let state: StreamState<Batch>
    private var consumed = 0
    private var failed = false

    /// Starts making `batches` (index lists) with `make` on a background thread.
    public init(batches: [[Int]], prefetch: Int, make: @escaping ([Int]) throws -> Batch) {
        require(prefetch > 0, "GeoKit: BatchStream needs a positive prefetch")
        state = StreamState(batches: batches, prefetch: prefetch, make: make)
        let thread = Thread { [state] in state.produce() }
        thread.start()
    }

    public var count: Int { state.batches.count }

    /// Pairs the producer has decoded and augmented so far, and the seconds it spent doing so
    /// (its throughput, images/s, is 2 * pairs / seconds).
    public var produced: (pairs: Int, seconds: Double) { state.produced }
    /// Seconds the consumer spent in `next()` waiting for a batch (0 when the pipeline keeps ahead).
    public private(set) var waitSeconds = 0.0

    /// The next batch in order, nil after the last; rethrows a decoding
    /// error (with the file's path), after which the stream ends.
    public func next() throws -> Batch? {
        guard consumed < state.batches.count, !failed else { return nil }
        let asked = Date()
        let result = state.take()
        waitSeconds += Date().timeIntervalSince(asked)
        consumed += 1
        if case .failure = result { failed = true }
        return try result.get()
    }

    deinit { state.cancel() }
}

/// The producer side of a `BatchStream`, shared with its thread.
private final class StreamState<Batch>: @unchecked Sendable {
    let batches: [[Int]]
    private let make: ([Int]) throws -> Batch
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var queue: [Result<Batch, Error>] = []
    private var cancelled = false
    private var producedPairs = 0, producingSeconds = 0.0

    var produced: (pairs: Int, seconds: Double) { lock.withLock { (producedPairs, producingSeconds) } }

    init(batches: [[Int]], prefetch: Int, make: @escaping ([Int]) throws -> Batch) {
        self.batches = batches
        self.make = make
        // Created at 0 and raised, since libdispatch traps when a semaphore
        // is destroyed below its initial value.
        free = DispatchSemaphore(value: 0)
        for _ in 0..<prefetch { free.signal() }
    }

    func produce() {
        for indices in batches {
            free.wait()
            if lock.withLock({ cancelled }) { return }
            let started = Date()
            let result = Result { try make(indices) }
            let seconds = Date().timeIntervalSince(started)
            lock.withLock {
                queue.append(result)
                producedPairs += indices.count
                producingSeconds += seconds
            }
            ready.signal()
            if case .failure = result { return }
        }
    }

    func take() -> Result<Batch, Error> {
        ready.wait()
        let result = lock.withLock { queue.removeFirst() }
        free.signal()
        return result
    }

    func cancel() {
        lock.withLock { cancelled = true }
        free.signal()
    }
}
