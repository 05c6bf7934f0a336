import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// Trains a `CrossViewModel` on `TrainingData` with an optimiser, the
/// training settings (`Train`), a sampler and the evaluation settings
/// (`Evaluate`), evaluates on the held-out split, and keeps the run
/// directory current (docs/run-directory.md: last.safetensors after every
/// epoch, best.safetensors when the chosen metric improves, metrics.csv as
/// the steps go, metrics.json, train.log, the plots and report.html: `RunReport`).
/// A recipe is a description of those parts: `init(recipe:directory:)` builds
/// them and delegates to `init(model:data:train:...)`, which research code
/// calls with its own parts.
///
/// Every random choice is drawn from (seed, epoch, step) — the batch
/// order, the augmentation, dropout — so `resume` after an interruption
/// reaches the same weights as an uninterrupted run.
///
/// Under `mpirun` every rank runs a Trainer on `communicator`: each takes
/// its share of every global batch, and rank 0 alone writes the run
/// directory (docs/scale.md; the distributed parts are in Distributed/).
public final class Trainer {
    /// The recipe the parts were built from; nil for a trainer built from values.
    public let recipe: Recipe?
    /// The run's name: the recipe's, recorded in the checkpoints and metrics.json (resuming checks it).
    public let name: String
    public let directory: URL
    public let model: CrossViewModel
    let log: TrainingLog
    let source: DataSource
    let train: Train
    let evaluation: Evaluate
    let sampler: BatchSampler
    /// The sampler's name in messages (its registry name, or its type's).
    let samplerName: String
    /// The optimiser given to the trainer; nil: one made from `train.optimizer` when the run starts.
    let givenOptimizer: Optimizer?
    /// Where errors say they happened: "recipe NAME" or "run NAME".
    let place: String
    let seed: UInt64
    /// The job's ranks (a world of one outside `mpirun`).
    public let communicator: Communicator
    /// The most decoded training batches alive at once in the last run (the pipeline's bound is `TrainingData.prefetch + 1`).
    public private(set) var loaderHighWaterMark = 0

    /// What `--resume` reads: weights, optimiser state and run metadata (`Checkpoint`), rewritten every epoch.
    public static let checkpointName = "last.safetensors"
    /// The weights of the evaluated epoch with the best `Evaluate.best` figure (`Checkpoint.writeWeights`).
    public static let bestCheckpointName = "best.safetensors"
    /// The name of `last.safetensors` in run directories written before it had that name; still read as it.
    public static let legacyCheckpointName = "checkpoint.safetensors"
    /// The recipe file and `--set` overrides this run came from, recorded in metrics.json (set by `geokit run`).
    public var recipeFile: String?
    public var overrides: [String] = []

    /// The data a trainer reads: a dataset it opens when the run starts (rank 0 first), or data already open.
    enum DataSource {
        case dataset(Dataset)
        case data(TrainingData)
    }

    /// Builds the recipe's model (weights initialised from the recipe's seed, then the
    /// backbone's pretrained weights unless `loadPretrained` is false, as when
    /// resuming: the checkpoint's trained weights replace them) and sampler, and opens the run directory.
    /// Under `mpirun`, rank 0 builds first (a recipe mistake is reported once) and its weights are broadcast.
    public convenience init(
        recipe: Recipe, directory: URL, appendLog: Bool = false, loadPretrained: Bool = true, registry: Registry = .shared,
        communicator: Communicator = .world
    ) throws {
        let dataset = try recipe.requireDataset()
        let train = try recipe.requireTrain()
        GlobalRandom.seed(UInt64(max(0, train.seed)))
        let model = try communicator.rootFirst { try CrossViewModel(recipe: recipe, registry: registry, loadPretrained: loadPretrained) }
        let samplerName = recipe.sampler?.name ?? "random"
        let sampler: BatchSampler
        do {
            sampler = try registry.make(.sampler, samplerName, recipe.componentParameters("sampler"))
        } catch let error as GeoKitError {
            throw GeoKitError(error.what, where: "recipe \(recipe.name), sampler", remedy: error.remedy)
        }
        try self.init(
            model: model, source: .dataset(dataset), train: train, sampler: sampler, samplerName: samplerName,
            evaluation: recipe.evaluation, optimizer: nil, directory: directory, name: recipe.name, recipe: recipe,
            appendLog: appendLog, communicator: communicator)
    }

    /// A trainer of `model` on `data` (already open; its `input` is what the model sees) with `train`'s settings,
    /// `sampler` composing the batches (`useNeighbours` is given the data's GPS table, if any) and `evaluation`'s
    /// metrics; `optimizer` (nil: `train.optimizer`, with the backbone's parameters as a group scaled by
    /// `train.backboneLRScale`) over `model`'s parameters. `name` is recorded in the checkpoints (resuming checks
    /// it). The model's parts are checked against the data's image sizes first (`CrossViewModel.checkShapes`).
    /// Seed `GlobalRandom` before building the model for reproducible initial weights.
    public convenience init(
        model: CrossViewModel, data: TrainingData, train: Train, sampler: BatchSampler = RandomSampler(),
        evaluation: Evaluate = Evaluate(), optimizer: Optimizer? = nil, directory: URL, name: String, appendLog: Bool = false,
        communicator: Communicator = .world
    ) throws {
        try Trainer.check(train, name: name)
        try model.checkShapes(groundSize: data.input.groundSize, aerialSize: data.input.aerialSize, batch: train.batchSize)
        try self.init(
            model: model, source: .data(data), train: train, sampler: sampler, samplerName: "\(type(of: sampler))",
            evaluation: evaluation, optimizer: optimizer, directory: directory, name: name, recipe: nil, appendLog: appendLog,
            communicator: communicator)
    }

    /// As `init(model:data:...)`, the data opened from `dataset` when the run starts (a synthetic world is
    /// generated into the cache first), at its sizes with the model's backbones' normalisation (`viewInput`).
    public convenience init(
        model: CrossViewModel, dataset: Dataset, train: Train, sampler: BatchSampler = RandomSampler(),
        evaluation: Evaluate = Evaluate(), optimizer: Optimizer? = nil, directory: URL, name: String, appendLog: Bool = false,
        communicator: Communicator = .world
    ) throws {
        try Trainer.check(train, name: name)
        try model.checkShapes(
            groundSize: (dataset.groundHeight, dataset.groundWidth), aerialSize: (dataset.aerialHeight, dataset.aerialWidth),
            batch: train.batchSize)
        try self.init(
            model: model, source: .dataset(dataset), train: train, sampler: sampler, samplerName: "\(type(of: sampler))",
            evaluation: evaluation, optimizer: optimizer, directory: directory, name: name, recipe: nil, appendLog: appendLog,
            communicator: communicator)
    }

    /// A recipe's settings are validated with it (Recipe.validate); values given directly are checked here.
    private static func check(_ train: Train, name: String) throws {
        for (setting, value, least) in [("epochs", train.epochs, 1), ("batchSize", train.batchSize, 2), ("accumulate", train.accumulate, 1)]
        where value < least {
            throw GeoKitError("train.\(setting) is \(value), below \(least)", where: "run \(name)", remedy: "give Train(\(setting):) at least \(least)")
        }
    }

    private init(
        model: CrossViewModel, source: DataSource, train: Train, sampler: BatchSampler, samplerName: String, evaluation: Evaluate,
        optimizer: Optimizer?, directory: URL, name: String, recipe: Recipe?, appendLog: Bool, communicator: Communicator
    ) throws {
        (self.model, self.source, self.train, self.sampler, self.samplerName) = (model, source, train, sampler, samplerName)
        (self.evaluation, givenOptimizer, self.directory, self.name, self.recipe) = (evaluation, optimizer, directory, name, recipe)
        self.communicator = communicator
        place = recipe == nil ? "run \(name)" : "recipe \(name)"
        seed = UInt64(max(0, train.seed))
        let logURL = directory.appendingPathComponent("train.log")
        if communicator.isRoot {
            try Trainer.prepareRunDirectory(directory)
            log = appendLog ? TrainingLog(appendingTo: logURL) : TrainingLog(file: logURL)
        } else {
            log = .silent()
        }
        broadcastInitialState()
    }

    /// Throws a plugin's recorded failure (`ComponentFailure`) with the step it happened at, before its NaN is used.
    private func checkPlugins(epoch: Int, step: Int, of steps: Int) throws {
        do { try ComponentFailure.check() } catch let error as GeoKitError {
            throw GeoKitError(
                "\(error.what), at epoch \(epoch + 1), step \(step + 1) of \(steps)", where: error.whereContext,
                remedy: "fix the plugin or its inputs; the last complete checkpoint (if any) is kept")
        }
    }

    /// Creates the run directory, refusing a path that is a file (or under one) with a message, not Foundation's.
    private static func prepareRunDirectory(_ directory: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw GeoKitError(
                "the run directory is an existing file", where: directory.path,
                remedy: "pass --out a directory (new or earlier run's), not a file")
        }
        var ancestor = directory.deletingLastPathComponent()
        while ancestor.path != "/" && !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            ancestor.deleteLastPathComponent()
        }
        guard isDirectory.boolValue || ancestor.path == "/" else {
            throw GeoKitError(
                "the run directory cannot be created: \(ancestor.path) is a file", where: directory.path,
                remedy: "pass --out a path under a directory")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw GeoKitError(
                "the run directory cannot be created (\(error.localizedDescription))", where: directory.path,
                remedy: "pass --out a directory you can write")
        }
    }

    /// Trains; with `resume`, continues from the run directory's last.safetensors (or an older run's checkpoint.safetensors).
    /// `stopAfter` ends the session after that epoch (its checkpoint
    /// written), to be continued later with `resume`.
    @discardableResult
    public func run(resume: Bool = false, stopAfter: Int? = nil) throws -> RunSummary {
        // Validated with the recipe (Recipe.validate) or by the init: epochs >= 1, batch size >= 2, accumulate >= 1.
        let epochs = train.epochs, batchSize = train.batchSize, accumulate = train.accumulate
        let data: TrainingData
        switch source {
        case .data(let given): data = given
        case .dataset(let dataset):
            data = try communicator.rootFirst { try TrainingData(dataset: dataset, seed: train.seed, input: model.viewInput(dataset), log: log.line) }
        }
        guard data.train.count >= batchSize else {
            throw GeoKitError(
                "the training split has \(data.train.count) pairs, fewer than one batch of \(batchSize)", where: data.root.path,
                remedy: "lower train.batchSize or use more locations")
        }
        guard data.train.count / batchSize >= accumulate else {
            // Otherwise no optimiser step would ever run and training would silently change nothing.
            throw GeoKitError(
                "train.accumulate is \(accumulate), but an epoch has only \(data.train.count / batchSize) batches of \(batchSize)",
                where: place, remedy: "lower train.accumulate or train.batchSize")
        }
        try checkDistributedBatch(batchSize)
        // A head classifies the training locations: sized now that the split is known, before the optimiser sees it.
        try model.prepareHead(locations: data.locationCount, seed: seed)
        let step = TrainingStep(model: model, communicator: communicator, microBatch: train.microBatch)
        let averager = GradientAverager(communicator: communicator, parameters: model.parameters())
        let synchronisedNorms = train.syncBatchNorm ? SynchronisedBatchNorm(communicator: communicator) : nil
        defer { synchronisedNorms?.stop() }
        try giveNeighbours(data: data)
        let optimizer = givenOptimizer ?? makeOptimizer()
        let stepsPerEpoch = max(1, data.train.count / batchSize / accumulate)
        let scheduler = LearningRateScheduler(optimizer, schedule: makeSchedule(stepsPerEpoch: stepsPerEpoch, epochs: epochs))
        let components = model.components.map { "\($0.section)=\($0.component)" }
        let checkpointURL = directory.appendingPathComponent(Trainer.checkpointName)
        let bestURL = directory.appendingPathComponent(Trainer.bestCheckpointName)
        let every = evaluation.every
        let metrics = evaluation.metrics(for: data)
        let order = Evaluate.names(metrics, directions: data.university?.directions.map(\.name) ?? [""])
        let bestMetric = try evaluation.bestFigure(among: order, place: place)
        let clipNorm = train.clipNorm
        let report = try RunReport(epochs: epochs, settings: settingsListing(), directory: directory, model: model, data: data, order: order)

        var history: [EpochRecord] = []
        var startEpoch = 0, optimizerSteps = 0
        var best: (epoch: Int, value: Double)?
        // Rank 0 writes the per-step and per-evaluation rows as the run goes; a resumed run drops the rows after its checkpoint.
        let csv = communicator.isRoot ? try MetricsCSV(directory: directory, figures: order) : nil
        if resume {
            let resumed = Trainer.resumable(in: directory)
            let meta = try restoreCheckpoint(resumed, optimizer: optimizer)
            guard meta.recipe == name, meta.components == components else {
                throw GeoKitError(
                    "the checkpoint is from recipe \(meta.recipe) (\(meta.components.joined(separator: ", "))), not this one",
                    where: resumed.path, remedy: "resume with the same recipe, or use another --out")
            }
            guard meta.epoch <= epochs else {
                throw GeoKitError(
                    "the checkpoint finished epoch \(meta.epoch), beyond this recipe's \(epochs) epochs", where: resumed.path,
                    remedy: "raise train.epochs to resume it, or use another --out")
            }
            (startEpoch, optimizerSteps, history) = (meta.epoch, meta.optimizerSteps, meta.history)
            try csv?.resume(after: startEpoch)
            report.reloadPictures()
            best = Trainer.best(of: history, figure: bestMetric)
            log.line("resuming \(name) after epoch \(startEpoch) (\(optimizerSteps) optimiser steps)")
            // The table a re-mining sampler held is rebuilt from the resumed weights (the one it had when the
            // resumed epoch is a mining epoch, as Sample4Geo's evaluate-and-save epochs are).
            if let mining = sampler.needs.similarityMining, startEpoch >= mining.every { try mineNeighbours(for: sampler, mining, data: data) }
        } else {
            log.line("\(place): " + components.joined(separator: ", ") + ", \(model.parameterCount) parameters")
            for report in model.pretrained { log.line(report.description) }
            let untrained = try model.heldOutFigures(
                data, metrics: metrics, flipTTA: evaluation.flipTTA, gallery: evaluation.gallery, communicator: communicator)
            history.append(EpochRecord(epoch: 0, metrics: untrained))
            try csv?.start()
            try csv?.evaluation(epoch: 0, untrained)
            log.line("untrained: " + Trainer.format(untrained, order: order))
        }
        for epoch in startEpoch..<epochs {
            let epochStart = Date()
            var generator = RandomGenerator(seed: SeedMixing.hash(seed, UInt64(epoch), 0x5A1))
            let batches = sampler.batches(locationCount: data.train.count, batchSize: batchSize, generator: &generator)
            // A loss takes its negatives from the batch: a sampler (a plugin's, say) handing out a batch of one is refused.
            if let short = batches.first(where: { $0.count < 2 }) {
                throw GeoKitError(
                    "sampler \(samplerName) made a batch of \(short.count) pairs at epoch \(epoch + 1)",
                    where: "\(place), sampler", remedy: "a sampler must return batches of at least 2 locations")
            }
            if epoch == startEpoch {
                log.line("epoch \(epoch + 1): \(batches.count) batches of \(batchSize) pairs from \(data.train.count) locations")
                logDistribution(batchSize: batchSize)
            }
            model.train()
            var lossSum = 0.0, lossCount = 0
            var stepLosses: [Double] = []
            var stepStart = Date(), stepLoss = 0.0
            let usable = batches.count / accumulate * accumulate
            try checkDistributedBatches(batches.prefix(usable), epoch: epoch)
            let stream = data.trainingStream(batches.prefix(usable).map(shareOfBatch), epoch: epoch)
            communicator.resetCommunicationTime()
            for b in 0..<usable {
                let stepSeed = rankSeed(SeedMixing.hash(seed, UInt64(epoch), UInt64(b), 0xD0))
                guard let batch = try stream.next() else { break }
                let rows = globalRows(batches[b])
                let forward = step.forward(
                    ground: batch.ground, aerial: batch.aerial, street: batch.street, locationIDs: rows.map { data.locationOfPair[$0] },
                    gps: data.positions.map { p in rows.map { p[$0] } },
                    seed: stepSeed)
                let loss = forward.loss
                try checkPlugins(epoch: epoch, step: b, of: usable)
                let value = loss.item
                guard value.isFinite else {
                    throw GeoKitError(
                        "the loss became \(value) at epoch \(epoch + 1), step \(b + 1) of \(usable)", where: place,
                        remedy: "lower train.lr, add warm-up or train.clipNorm; the last complete checkpoint (if any) is kept")
                }
                step.backward(forward, dividedBy: accumulate, ground: batch.ground, aerial: batch.aerial, street: batch.street, seed: stepSeed)
                try checkPlugins(epoch: epoch, step: b, of: usable)
                lossSum += value
                stepLoss += value
                stepLosses.append(value)
                lossCount += 1
                if (b + 1) % accumulate == 0 {
                    averager.average()
                    scheduler.apply(step: optimizerSteps)
                    if clipNorm > 0 { clipGradNorm(model.parameters(), maxNorm: clipNorm) }
                    optimizer.step()
                    optimizer.zeroGrad()
                    optimizerSteps += 1
                    try csv?.step(
                        epoch: epoch + 1, step: optimizerSteps, loss: stepLoss / Double(accumulate),
                        learningRate: optimizer.groups.last?.learningRate ?? 0,
                        imagesPerSecond: Double(data.views * batchSize * accumulate) / max(Date().timeIntervalSince(stepStart), 1e-9))
                    (stepStart, stepLoss) = (Date(), 0)
                }
                let elapsed = Date().timeIntervalSince(epochStart)
                let rate = Double(data.views * batchSize * (b + 1)) / max(elapsed, 1e-3)
                let remaining = elapsed / Double(b + 1) * Double(usable * (epochs - epoch) - b - 1)
                log.progress(
                    epoch: epoch + 1, epochs: epochs, step: b + 1, steps: usable, loss: lossSum / Double(lossCount),
                    imagesPerSecond: rate, eta: remaining)
            }
            let (pairs, producing) = stream.produced
            let consumed = Date().timeIntervalSince(epochStart)
            logCommunication(seconds: consumed, globalImages: data.views * batchSize * lossCount)
            log.line(
                String(
                    format: "data pipeline: decoded+augmented %.1f images/s, trainer consumed %.1f images/s, waited %.1f s for data, "
                        + "at most %d of %d batches held", Double(data.views * pairs) / max(producing, 1e-9), Double(data.views * pairs) / max(consumed, 1e-9),
                    stream.waitSeconds, data.trainLoader.liveBatchHighWaterMark, TrainingData.prefetch + 1))
            loaderHighWaterMark = data.trainLoader.liveBatchHighWaterMark
            var record = EpochRecord(
                epoch: epoch + 1, loss: lossCount > 0 ? lossSum / Double(lossCount) : nil,
                learningRate: optimizer.groups.last?.learningRate, seconds: nil)
            record.stepLosses = stepLosses
            var improved = false
            if (epoch + 1) % every == 0 || epoch + 1 == epochs {
                let figures = try model.heldOutFigures(
                    data, metrics: metrics, flipTTA: evaluation.flipTTA, gallery: evaluation.gallery, communicator: communicator)
                record.metrics = figures
                try csv?.evaluation(epoch: epoch + 1, figures)
                // Strictly better only: a tie keeps the earlier epoch's weights.
                if let value = figures[bestMetric], best.map({ value > $0.value }) ?? true {
                    (best, improved) = ((epoch + 1, value), true)
                }
            }
            if let mining = sampler.needs.similarityMining, (epoch + 1) % mining.every == 0, epoch + 1 < epochs {
                try mineNeighbours(for: sampler, mining, data: data)
            }
            record.seconds = Date().timeIntervalSince(epochStart)
            history.append(record)
            log.line(
                String(format: "epoch %d/%d  loss %.4f  %.1f s", epoch + 1, epochs, record.loss ?? .nan, record.seconds!)
                    + (record.metrics.map { "  " + Trainer.format($0, order: order) } ?? ""))
            let meta = Checkpoint.Metadata(
                recipe: name, components: components, epoch: epoch + 1,
                optimizerSteps: optimizerSteps, seed: seed, history: history)
            if communicator.isRoot {
                // best before last: a crash between the two resumes from the previous last and rewrites this best.
                if improved, let best {
                    let chosen = Checkpoint.BestMetadata(recipe: name, components: components, epoch: best.epoch, figure: bestMetric, value: best.value)
                    try Checkpoint.writeWeights(model: model, metadata: chosen, to: bestURL)
                    log.line(String(format: "best %@ %.2f at epoch %d: wrote %@", bestMetric, best.value, best.epoch, Trainer.bestCheckpointName))
                }
                try Checkpoint.write(model: model, optimizer: optimizer, metadata: meta, to: checkpointURL)
                // After the checkpoint: a picture that cannot be drawn never costs the epoch.
                let sessionEnds = epoch + 1 == epochs || stopAfter.map { epoch + 1 >= $0 } == true
                if sessionEnds && record.metrics != nil { try report.drawPictures(model: model, data: data, seed: seed) }
            }
            try writeSummary(history: history, components: components, report: report)
            if let stopAfter, epoch + 1 >= stopAfter, epoch + 1 < epochs {
                log.line("stopping after epoch \(epoch + 1) as asked; continue with --resume")
                break
            }
        }
        let summary = try writeSummary(history: history, components: components, report: report)
        log.line("final: " + Trainer.format(summary.final, order: order) + "  (run directory \(directory.path))")
        return summary
    }

    @discardableResult
    private func writeSummary(history: [EpochRecord], components: [String], report: RunReport) throws -> RunSummary {
        let evaluated = history.filter { $0.metrics != nil }
        var summary = RunSummary(
            recipe: name, components: components, final: evaluated.last?.metrics ?? [:],
            untrained: history.first { $0.epoch == 0 }?.metrics, history: history,
            trainingSeconds: history.compactMap(\.seconds).reduce(0, +))
        (summary.recipeFile, summary.overrides) = (recipeFile, overrides)
        guard communicator.isRoot else { return summary }
        try summary.write(to: directory.appendingPathComponent("metrics.json"))
        try report.write(summary)
        return summary
    }

    /// Hands the sampler the dataset's GPS neighbour table, or refuses a sampler that needs one the dataset lacks.
    private func giveNeighbours(data: TrainingData) throws {
        if let neighbours = data.neighbours {
            sampler.useNeighbours(try NeighbourTable(neighbours))
        } else if sampler.needs.gpsTable {
            throw GeoKitError(
                "sampler:\(samplerName) needs GPS coordinates, and the dataset has no location data matching its training split",
                where: data.root.path,
                remedy: "add the dataset's location data (docs/data.md: CVUSA's split_locations/all.csv, or a gps.csv) or use Sampler(\"random\")")
        }
    }

    /// The settings the report lists: the recipe's, or for a trainer of values those of its `Train` and `Evaluate`.
    private func settingsListing() -> [String] {
        // A trainer of values is described by a recipe of its settings alone.
        let description =
            recipe
            ?? Recipe(name) {
                train
                evaluation
            }
        return (try? description.settingsListing()) ?? []
    }

    /// Hands `sampler` the table it re-mines: the training split embedded with the evaluation transforms, each
    /// location's most similar references other than its own (`NeighbourTable.similarity`).
    private func mineNeighbours(for sampler: BatchSampler, _ mining: SamplerNeeds.SimilarityMining, data: TrainingData) throws {
        let started = Date()
        let (queries, references) = try model.embed(data, split: .train, communicator: communicator)
        sampler.useNeighbours(try NeighbourTable.similarity(queries: queries, references: references, range: mining.range))
        log.line(
            String(
                format: "re-mined the sampler's neighbour table from descriptor similarity (%d locations, %d each) in %.1f s",
                data.train.count, mining.range, Date().timeIntervalSince(started)))
    }

    private func makeOptimizer() -> Optimizer {
        let lr = train.optimizer.lr, wd = train.optimizer.weightDecay
        let (backbone, rest) = model.parameterGroups
        let groups = [
            ParameterGroup(parameters: backbone, learningRate: lr * train.backboneLRScale, weightDecay: wd),
            ParameterGroup(parameters: rest, learningRate: lr, weightDecay: wd)
        ]
        switch train.optimizer {
        case .sgd(_, let momentum, let nesterov, _): return SGD(groups, momentum: momentum, nesterov: nesterov)
        case .adam: return Adam(groups)
        case .adamW: return AdamW(groups)
        }
    }

    private func makeSchedule(stepsPerEpoch: Int, epochs: Int) -> LearningRateSchedule {
        let total = stepsPerEpoch * epochs
        let warmup = min(total - 1, Int(((train.schedule.warmupEpochs ?? 0) * Double(stepsPerEpoch)).rounded()))
        switch train.schedule {
        case .constant: return WarmupSchedule(warmupSteps: warmup) { _ in 1 }
        case .cosine: return CosineWithWarmup(warmupSteps: max(0, warmup), totalSteps: max(1, total))
        case .step(let stepEpochs, let gamma, _):
            let every = max(1, stepEpochs * stepsPerEpoch)
            return WarmupSchedule(warmupSteps: warmup) { step in pow(gamma, Double(step / every)) }
        }
    }

    /// The figures in `order` (the recipe's metrics, `Evaluate.names`), any others after them sorted, for the log and `geokit eval`.
    public static func format(_ metrics: [String: Double], order: [String]) -> String {
        let names = order.filter { metrics[$0] != nil } + metrics.keys.filter { !order.contains($0) }.sorted()
        return names.map { String(format: "%@ %.2f", $0, metrics[$0]!) }.joined(separator: "  ")
    }
}

/// Linear warm-up over `warmupSteps`, then `after(step - warmupSteps)`.
struct WarmupSchedule: LearningRateSchedule {
    let warmupSteps: Int
    let after: (Int) -> Double
    func multiplier(step: Int) -> Double {
        step < warmupSteps ? Double(step + 1) / Double(warmupSteps + 1) : after(step - warmupSteps)
    }
}
