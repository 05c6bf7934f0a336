import Foundation
import GeoKit
import XCTest

/// `mpirun -np 2 geokit run` on loopback against one process: the same
/// weights from the same global batches (the loss over all ranks'
/// descriptors, gradients averaged), the same held-out figures (the
/// embedding sharded over the ranks), gradient caching equal to the plain
/// batch, synchronised BatchNorm equal to one process's BatchNorm, resume
/// at any number of ranks, and a killed rank ending the job.
final class DataParallelTests: XCTestCase {
    /// Float32 weights after a few Adam steps; rounding alone stays near 1e-7.
    private let tolerance = 1e-5

    private func train(
        ranks: Int, _ file: String, out: URL, _ extra: [String] = [], file testFile: StaticString = #filePath, line: UInt = #line
    ) throws -> GeoKitProcess.Result {
        let result = try MPIJob.run(ranks: ranks, ["run", file, "--out", out.path] + extra, file: testFile, line: line)
        XCTAssertEqual(result.status, 0, result.output, file: testFile, line: line)
        return result
    }

    func testTwoRanksReachTheWeightsAndFiguresOfOneProcessWithTheWholeBatch() throws {
        let box = try RecipeSandbox()
        // 25 test pairs: shards of 12 and 13.
        let file = try box.recipe("dp", ScaleRecipes.source(name: "dp", locations: 100))
        let one = box.directory("one"), two = box.directory("two")
        _ = try train(ranks: 0, file, out: one)
        let distributed = try train(ranks: 2, file, out: two)
        XCTAssertEqual(
            distributed.output.components(separatedBy: "data parallel: 2 ranks, 4 pairs of each batch per rank; the loss sees all 8").count, 2,
            "rank 0 alone logs, once:\n\(distributed.output)")
        XCTAssertLessThanOrEqual(try ScaleRecipes.weightDifference(one, two), tolerance)
        // Sharded evaluation: the untrained and every trained epoch's figures are one process's.
        let a = try ScaleRecipes.summary(one), b = try ScaleRecipes.summary(two)
        XCTAssertEqual(a.history.map(\.metrics), b.history.map(\.metrics))
        XCTAssertEqual(a.history.map(\.epoch), [0, 1, 2])
        XCTAssertEqual(a.history.map { $0.loss.map { ($0 * 1e4).rounded() } }, b.history.map { $0.loss.map { ($0 * 1e4).rounded() } })
    }

    /// University-1652's two directions and VIGOR's panoramas against its tiles are embedded in shards too
    /// (uneven ones included), with one process's figures.
    func testShardedUniversity1652AndVIGOREvaluationsGiveOneProcesssFigures() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("dp", ScaleRecipes.source(name: "dp", epochs: 1, locations: 40))
        for (layout, extra) in [("university", ["--set", "dataset.droneViews=3", "--set", "dataset.testFraction=0.5"]), ("vigor", [])] {
            let settings = ["--set", "dataset.layout=\(layout)"] + extra
            let one = box.directory("\(layout)-one"), two = box.directory("\(layout)-two")
            _ = try train(ranks: 0, file, out: one, settings)
            _ = try train(ranks: 2, file, out: two, settings)
            let a = try ScaleRecipes.summary(one), b = try ScaleRecipes.summary(two)
            XCTAssertEqual(a.history.map(\.metrics), b.history.map(\.metrics), layout)
            XCTAssertNotNil(a.history.last?.metrics?[layout == "vigor" ? "hit rate" : "S->D AP"], "\(layout): \(a.history)")
        }
    }

    /// The rank-local loss (each rank's own 4 pairs as negatives, no gather) is not the same training: the
    /// equivalence above depends on the gathered loss, not on the weights barely moving.
    func testTwoRanksDifferFromOneProcessWithHalfTheBatch() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("dp", ScaleRecipes.source(name: "dp"))
        let whole = box.directory("whole"), half = box.directory("half")
        _ = try train(ranks: 0, file, out: whole)
        _ = try train(ranks: 0, file, out: half, ["--set", "train.batchSize=4"])
        XCTAssertGreaterThan(try ScaleRecipes.weightDifference(whole, half), 100 * tolerance)
    }

    func testGradientCachingReachesTheWeightsOfThePlainBatchInOneProcessAndOverTwoRanks() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("dp", ScaleRecipes.source(name: "dp"))
        let plain = box.directory("plain"), cached = box.directory("cached"), cachedTwo = box.directory("cached-two")
        _ = try train(ranks: 0, file, out: plain)
        // 8 pairs as micro-batches of 3, 3 and 2; over two ranks 4 pairs each as 3 and 1.
        _ = try train(ranks: 0, file, out: cached, ["--set", "train.microBatch=3"])
        let two = try train(ranks: 2, file, out: cachedTwo, ["--set", "train.microBatch=3"])
        XCTAssertTrue(two.output.contains("embedded 3 at a time (gradient caching)"), two.output)
        XCTAssertLessThanOrEqual(try ScaleRecipes.weightDifference(plain, cached), tolerance)
        XCTAssertLessThanOrEqual(try ScaleRecipes.weightDifference(plain, cachedTwo), tolerance)
    }

    func testSynchronisedBatchNormMatchesOneProcessAndPerRankStatisticsDoNot() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("bn", ScaleRecipes.source(name: "dpbn", batchNorm: true))
        let one = box.directory("one"), synchronised = box.directory("sync"), perRank = box.directory("per-rank")
        _ = try train(ranks: 0, file, out: one)
        _ = try train(ranks: 2, file, out: synchronised, ["--set", "train.syncBatchNorm=true"])
        _ = try train(ranks: 2, file, out: perRank)
        XCTAssertLessThanOrEqual(try ScaleRecipes.weightDifference(one, synchronised), tolerance)
        XCTAssertGreaterThan(try ScaleRecipes.weightDifference(one, perRank), 100 * tolerance)
    }

    func testAResumedTwoRankRunEqualsAnUninterruptedOneAtTwoRanksAndAtOne() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("dp3", ScaleRecipes.source(name: "dp", epochs: 3))
        let whole = box.directory("whole"), resumedTwo = box.directory("resumed-two"), resumedOne = box.directory("resumed-one")
        _ = try train(ranks: 2, file, out: whole)
        for directory in [resumedTwo, resumedOne] { _ = try train(ranks: 2, file, out: directory, ["--stop-after", "1"]) }
        let again = try train(ranks: 2, file, out: resumedTwo, ["--resume"])
        XCTAssertEqual(again.output.components(separatedBy: "resuming dp after epoch 1").count, 2, again.output)
        _ = try train(ranks: 0, file, out: resumedOne, ["--resume"])
        XCTAssertLessThanOrEqual(try ScaleRecipes.weightDifference(whole, resumedTwo), 1e-6)
        XCTAssertLessThanOrEqual(try ScaleRecipes.weightDifference(whole, resumedOne), tolerance)
        XCTAssertEqual(try ScaleRecipes.summary(resumedTwo).history.map(\.epoch), [0, 1, 2, 3])
    }

    func testARankKilledMidEpochEndsTheJobWithOneMessageAndKeepsTheLastCheckpoint() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("long", ScaleRecipes.source(name: "dp", epochs: 500))
        let out = box.directory("killed")
        let job = try MPIJob(ranks: 2, ["run", file, "--out", out.path])
        let checkpoint = out.appendingPathComponent(Trainer.checkpointName)
        let deadline = Date().addingTimeInterval(90)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && job.process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path), "no checkpoint was written")
        // Into the next epoch's steps (an epoch takes about a second here).
        Thread.sleep(forTimeInterval: 0.3)
        let victim = try XCTUnwrap(job.pid(ofRank: 1), "rank 1 not found among mpirun's children")
        XCTAssertEqual(kill(victim, SIGKILL), 0)
        let killedAt = Date()
        let result = job.wait(timeout: 30)
        XCTAssertLessThan(Date().timeIntervalSince(killedAt), 20, "the surviving rank was not ended promptly")
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output.components(separatedBy: "process rank 1 with PID").count, 2, result.output)
        XCTAssertTrue(result.output.contains("exited on signal 9 (Killed)"), result.output)
        // The checkpoint is whole: it decodes and its metadata names a finished epoch.
        let contents = try SafeTensors.read(checkpoint)
        let meta = try Checkpoint.parseMetadata(contents.metadata[Checkpoint.metadataKey], source: checkpoint.path)
        XCTAssertGreaterThanOrEqual(meta.epoch, 1)
        XCTAssertNotNil(contents.tensors["backbone.conv1.weight"])
    }

    func testABatchThatDoesNotSplitOverTheRanksIsRefusedOnce() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe("odd", ScaleRecipes.source(name: "dp", batchSize: 9))
        let out = box.directory("odd")
        let result = try MPIJob.run(ranks: 2, ["run", file, "--out", out.path])
        XCTAssertNotEqual(result.status, 0, result.output)
        let message = "train.batchSize is 9, which does not split evenly over 2 ranks"
        XCTAssertEqual(result.output.components(separatedBy: message).count, 2, result.output)
        XCTAssertTrue(result.output.contains("use a multiple of 2 (e.g. --set train.batchSize=8)"), result.output)
        XCTAssertFalse(result.output.contains("Fatal error"), result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(Trainer.checkpointName).path))
    }

    /// A process not started by mpirun is a world of one and never initialises MPI.
    func testAPlainProcessIsAWorldOfOne() {
        XCTAssertFalse(Communicator.launchedByMPI(["PATH": "/usr/bin"]))
        XCTAssertTrue(Communicator.launchedByMPI(["OMPI_COMM_WORLD_SIZE": "2"]))
        XCTAssertTrue(Communicator.launchedByMPI(["PMIX_RANK": "0"]))
        let world = Communicator.world
        XCTAssertEqual([world.rank, world.size], [0, 1])
        XCTAssertFalse(world.usesMPI)
        let t = Tensor([1, 2, 3] as [Float], shape: [3, 1])
        XCTAssertTrue(world.allGather(t) === t)
    }
}
