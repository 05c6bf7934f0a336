import Foundation

/// One training batch: the aerial and ground images of `indices` (into the
/// loader's pairs) as normalised float32 tensors (N, 3, H, W).
public struct CrossViewBatch: @unchecked Sendable {
    public let indices: [Int]
    public let aerial: Tensor
    public let ground: Tensor
}

/// Decodes, augments and batches aerial/ground pairs on background threads,
/// ahead of training, through a bounded queue. The order of an epoch is a
/// seeded shuffle and each sample's augmentation draws from a generator
/// seeded by (seed, epoch, index), so the batches are the same whatever the
/// thread scheduling.
public final class CrossViewLoader: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var batchSize = 32
        /// Aerial tiles are resized to this square size before augmentation.
        public var aerialSize = 256
        /// When set, the augmented aerial tile is polar-transformed to (H, W).
        public var polar: (height: Int, width: Int)? = (128, 512)
        /// Ground images are resized to (H, W) before augmentation.
        public var groundSize: (height: Int, width: Int) = (128, 512)
        public var augmentation = PairAugmentation.none
        public var shuffle = true
        /// Drop the last incomplete batch.
        public var dropLast = true
        /// Batches decoded ahead of the consumer.
        public var prefetch = 4
        /// ImageNet mean/std normalisation (else values in [0, 1]).
        public var normalise = true
        public var limits = DecodeLimits.standard

        public init() {}
    }

    public let pairs: [CrossViewPair]
    public let configuration: Configuration
    public let seed: UInt64
    private let polar: PolarTransform?

    public init(pairs: [CrossViewPair], configuration: Configuration, seed: UInt64) {
        require(!pairs.isEmpty && configuration.batchSize > 0 && configuration.prefetch > 0,
                "GeoKit: CrossViewLoader needs pairs, a positive batch size and prefetch")
        self.pairs = pairs
        self.configuration = configuration
        self.seed = seed
        polar = configuration.polar.map { PolarTransform(aerialSize: configuration.aerialSize, height: $0.height, width: $0.width) }
    }

    /// The sample order of an epoch.
    public func order(epoch: Int) -> [Int] {
        var indices = Array(pairs.indices)
        guard configuration.shuffle else { return indices }
        var g = RandomGenerator(seed: SynthNoise.hash(seed, UInt64(epoch), 0x10AD))
        for i in stride(from: indices.count - 1, to: 0, by: -1) { indices.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        return indices
    }

    /// Starts decoding an epoch in the background; read it with `next()`.
    public func epoch(_ epoch: Int) -> BatchStream {
        let order = self.order(epoch: epoch)
        let size = configuration.batchSize
        let count = configuration.dropLast ? order.count / size : (order.count + size - 1) / size
        let batches = (0..<count).map { Array(order[($0 * size)..<min(order.count, ($0 + 1) * size)]) }
        return BatchStream(batches: batches, prefetch: configuration.prefetch) { [self] indices in
            try self.makeBatch(indices, epoch: epoch)
        }
    }

    /// One sample, decoded and augmented; errors name the file.
    public func sample(_ index: Int, epoch: Int) throws -> (aerial: Image, ground: Image) {
        let pair = pairs[index]
        let c = configuration
        var aerial = try Image(contentsOf: pair.aerial, limits: c.limits).converted(toChannels: 3)
        guard aerial.height == aerial.width else {
            throw GeoKitError("aerial image is \(aerial.height)x\(aerial.width), not square", where: pair.aerial.path,
                              remedy: "crop it to a square tile")
        }
        aerial = aerial.resized(height: c.aerialSize, width: c.aerialSize)
        let ground = try Image(contentsOf: pair.ground, limits: c.limits).converted(toChannels: 3)
            .resized(height: c.groundSize.height, width: c.groundSize.width)
        var g = RandomGenerator(seed: SynthNoise.hash(seed, UInt64(epoch), UInt64(index), 0x5A3))
        var (a, p) = c.augmentation.apply(aerial: aerial, ground: ground, generator: &g)
        if let polar { a = polar.apply(a) }
        return (a, p)
    }

    private func makeBatch(_ indices: [Int], epoch: Int) throws -> CrossViewBatch {
        var samples = [Result<(aerial: Image, ground: Image), Error>?](repeating: nil, count: indices.count)
        samples.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: indices.count) { k in
                base[k] = Result { try self.sample(indices[k], epoch: epoch) }
            }
        }
        let images = try samples.map { try $0!.get() }
        return CrossViewBatch(indices: indices, aerial: stack(images.map(\.aerial)), ground: stack(images.map(\.ground)))
    }

    private func stack(_ images: [Image]) -> Tensor {
        let first = images[0]
        let plane = first.channels * first.height * first.width
        let out = Tensor(zeros: [images.count, first.channels, first.height, first.width])
        let dst = out.pointer(Float.self)
        for (k, image) in images.enumerated() {
            require(image.height == first.height && image.width == first.width,
                    "GeoKit: a batch mixes \(first.height)x\(first.width) and \(image.height)x\(image.width) images; set a fixed size")
            let t = image.tensor(batched: false)
            (dst + k * plane).update(from: t.pointer(Float.self), count: plane)
        }
        return configuration.normalise ? out.normalized(mean: ImageNetStatistics.mean, std: ImageNetStatistics.std) : out
    }
}

/// The batches of one epoch, produced by a background thread at most
/// `prefetch` ahead of the consumer. Dropping the stream stops the thread.
public final class BatchStream: @unchecked Sendable {
    private let state: StreamState
    private var consumed = 0
    private var failed = false

    init(batches: [[Int]], prefetch: Int, make: @escaping ([Int]) throws -> CrossViewBatch) {
        state = StreamState(batches: batches, prefetch: prefetch, make: make)
        let thread = Thread { [state] in state.produce() }
        thread.start()
    }

    public var count: Int { state.batches.count }

    /// The next batch in order, nil after the last; rethrows a decoding
    /// error (with the file's path), after which the stream ends.
    public func next() throws -> CrossViewBatch? {
        guard consumed < state.batches.count, !failed else { return nil }
        let result = state.take()
        consumed += 1
        if case .failure = result { failed = true }
        return try result.get()
    }

    deinit { state.cancel() }
}

/// The producer side of a `BatchStream`, shared with its thread.
private final class StreamState: @unchecked Sendable {
    let batches: [[Int]]
    private let make: ([Int]) throws -> CrossViewBatch
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var queue: [Result<CrossViewBatch, Error>] = []
    private var cancelled = false

    init(batches: [[Int]], prefetch: Int, make: @escaping ([Int]) throws -> CrossViewBatch) {
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
            let result = Result { try make(indices) }
            lock.withLock { queue.append(result) }
            ready.signal()
            if case .failure = result { return }
        }
    }

    func take() -> Result<CrossViewBatch, Error> {
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
