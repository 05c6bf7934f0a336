import GeoKitCore
import GeoKitData

/// The University-1652 baseline's classifier block (also RK-Net's and
/// LPN's): Linear(in -> bottleneck) -> BatchNorm1d -> Dropout, the
/// bottleneck feature, then Linear(bottleneck -> locations). Keys as the
/// reference code names them: `add_block.0.*` (Linear), `add_block.1.*`
/// (BatchNorm1d), `classifier.0.*`. Initialisation as the reference's
/// `weights_init_kaiming` / `weights_init_classifier`: the bottleneck Linear
/// Kaiming-normal (fan out, gain sqrt 2), bias 0; BatchNorm weight N(1, 0.02),
/// bias 0; the classifier N(0, 0.001), bias 0.
public final class ClassBlock: Module {
    public let addBlock: Sequential
    public private(set) var classifier: Sequential?
    public let bottleneck: Int

    public init(inputSize: Int, bottleneck: Int = 512, dropout: Double = 0.5) {
        self.bottleneck = bottleneck
        let linear = Linear(inputSize, bottleneck)
        Init.kaimingNormal(linear.weight, mode: .fanOut, nonlinearity: .relu)
        linear.bias?.fill(0)
        let norm = BatchNorm1d(bottleneck)
        Init.normal(norm.weight, mean: 1, std: 0.02)
        norm.bias.fill(0)
        // No Dropout layer at p = 0, as the reference builds it (the keys stay add_block.0/1 either way).
        addBlock = Sequential([linear, norm] + (dropout > 0 ? [Dropout(dropout)] : []))
        super.init()
        register("add_block", addBlock)
    }

    /// The number of locations the classifier predicts, once made.
    public var classes: Int? { (classifier?[0] as? Linear)?.outFeatures }

    /// Creates the classifier Linear(bottleneck -> count).
    public func makeClassifier(classes count: Int) {
        let linear = Linear(bottleneck, count)
        Init.normal(linear.weight, mean: 0, std: 0.001)
        linear.bias?.fill(0)
        classifier = register("classifier", Sequential([linear]))
    }

    /// (N, in) -> the bottleneck feature (N, bottleneck) and, once the classifier exists, the logits.
    public func classify(_ x: Tensor) -> (feature: Tensor, logits: Tensor?) {
        let feature = addBlock(x)
        return (feature, classifier.map { $0(feature) })
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor { classify(x).feature }
}

/// `head:classblock`: one `ClassBlock` for the descriptor (keys `add_block.*`,
/// `classifier.0.*`), or one per part when the aggregator yields parts
/// (keys `classifier<i>.add_block.*`, `classifier<i>.classifier.0.*`, as
/// LPN's code names them). The retrieval descriptor is the bottleneck output
/// (what the reference code's test scripts extract, its classifier removed).
public final class ClassBlockHead: Module, HeadModule, InputShapeChecking {
    public let bottleneck: Int
    public let dropout: Double
    public private(set) var blocks: [ClassBlock] = []

    public init(bottleneck: Int = 512, dropout: Double = 0.5) {
        self.bottleneck = bottleneck
        self.dropout = dropout
        super.init()
    }

    public func build(inputSizes: [Int]) {
        require(blocks.isEmpty, "GeoKit: head:classblock built twice")
        blocks = inputSizes.map { ClassBlock(inputSize: $0, bottleneck: bottleneck, dropout: dropout) }
        if blocks.count == 1 {
            register("add_block", blocks[0].addBlock)
        } else {
            for (i, block) in blocks.enumerated() { register("classifier\(i)", block) }
        }
    }

    public var classes: Int? { blocks.first?.classes }

    public func setClasses(_ count: Int) throws {
        guard count >= 2 else {
            throw GeoKitError(
                "head:classblock needs at least 2 training locations to classify, got \(count)", where: "head:classblock",
                remedy: "train on a split with more locations")
        }
        if let classes {
            guard classes == count else {
                throw GeoKitError(
                    "head:classblock classifies \(classes) locations, but the training split has \(count)", where: "head:classblock",
                    remedy: "train (or resume) on the split the head was made for, or start a new run (another --out)")
            }
            return
        }
        for block in blocks { block.makeClassifier(classes: count) }
        if blocks.count == 1, let classifier = blocks[0].classifier { register("classifier", classifier) }
    }

    public func featureSize(inputSize: Int) -> Int { bottleneck }

    public func classify(_ inputs: [Tensor]) -> [(feature: Tensor, logits: Tensor?)] {
        require(inputs.count == blocks.count, "GeoKit: head:classblock was built for \(blocks.count) inputs, given \(inputs.count)")
        return zip(blocks, inputs).map { $0.classify($1) }
    }

    /// BatchNorm1d needs two rows to normalise a batch in training.
    public func checkInput(shape: [Int]) throws {
        guard shape.count == 2, shape[0] >= 2 else {
            throw GeoKitError(
                "head:classblock takes batches of at least 2 descriptors (its BatchNorm1d), got shape \(shape)", where: "head:classblock",
                remedy: "use train.batchSize >= 2")
        }
    }
}
