import Foundation
import GeoKit
import XCTest

/// A run checkpoint whose file was damaged or crafted: restoring it fails with
/// one message naming the field, before anything trains.
final class CheckpointFileTests: XCTestCase {
    private let url = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-checkpoint-\(UUID().uuidString).safetensors")
    override func tearDown() { try? FileManager.default.removeItem(at: url) }

    /// Run metadata as Trainer writes it, with fields replaceable by crafted text.
    private func text(epoch: String = "2", steps: String = "10", seed: String = "3", recipe: String = #""recipe":"demo","#) -> String {
        "{\(recipe)\"components\":[\"backbone=resnet18\"],\"epoch\":\(epoch),\"optimizerSteps\":\(steps),\"seed\":\(seed),"
            + #""history":[{"epoch":0,"metrics":{"R@1":1}},{"epoch":1,"loss":0.5},{"epoch":2,"loss":0.4}]}"#
    }

    private func metadata() throws -> Checkpoint.Metadata { try Checkpoint.parseMetadata(text(), source: "test") }

    /// A BatchNorm model with Adam state after one step, so every kind of entry is present.
    private func trained() -> (Module, Optimizer) {
        GlobalRandom.seed(4)
        let model = Sequential {
            Linear(3, 4); BatchNorm(4)
        }
        let adam = Adam(parameters: model.parameters(), learningRate: 0.1)
        model(Tensor.randn([5, 3], seed: 1)).sum().backward()
        adam.step()
        return (model, adam)
    }

    func testRestoreGivesBackTheMetadata() throws {
        let (model, adam) = trained()
        try Checkpoint.write(model: model, optimizer: adam, metadata: try metadata(), to: url)
        let (fresh, freshAdam) = trained()
        let back = try Checkpoint.restore(model: fresh, optimizer: freshAdam, from: url)
        XCTAssertEqual(back.epoch, 2)
        XCTAssertEqual(back.history.map(\.epoch), [0, 1, 2])
        XCTAssertEqual(back.history[2].loss, 0.4)
        XCTAssertEqual(fresh.stateDict().first { $0.name == "1.num_batches_tracked" }?.tensor.item, 1)
    }

    func testCraftedMetadataIsRefusedNamingTheField() throws {
        let good = text()
        let cases: [(String?, String)] = [
            (nil, "the checkpoint has no GeoKit run metadata"),
            ("{", "the checkpoint's run metadata is unreadable: not valid JSON (expected a quoted key at byte 1)"),
            (text(epoch: "1.5"), "unreadable: field epoch is 1.5, not a whole number in range"),
            (text(epoch: "1e30"), "unreadable: field epoch is 1e30, not a whole number in range"),
            (text(epoch: "9223372036854775808"), "unreadable: field epoch is 9223372036854775808, not a whole number in range"),
            (text(epoch: #""x""#), #"unreadable: field epoch is "x", not a whole number in range"#),
            (text(seed: "-1"), "unreadable: field seed is -1, not a whole number in range"),
            (text(recipe: #""recipe":7,"#), "unreadable: field recipe is not a string"),
            (text(recipe: ""), "unreadable: field recipe is missing"),
            (text(epoch: "-1"), "the checkpoint's run metadata is invalid: epoch is -1"),
            (text(steps: "-5"), "invalid: optimizerSteps is -5"),
            (text(epoch: "1"), "invalid: history[2].epoch is 2, outside 0...1")
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try Checkpoint.parseMetadata(text, source: "run/last.safetensors")) { error in
                XCTAssertTrue(error is GeoKitError, "\(error)")
                XCTAssertTrue("\(error)".contains(reason) && "\(error)".contains("(run/last.safetensors)"), "'\(reason)' not in: \(error)")
            }
        }
        XCTAssertEqual(try Checkpoint.parseMetadata(good, source: "x").epoch, 2)
    }

    func testANaNCounterOrStepCountIsRefusedWhenResuming() throws {
        let (model, adam) = trained()
        let json = text()
        for (key, message) in [
            ("1.num_batches_tracked", "the state dict's integer buffer 1.num_batches_tracked holds nan, not a whole number"),
            ("optimizer.0.step", "the optimiser state does not fit: 0.step holds nan, not a step count")
        ] {
            var entries = model.stateDict().filter { $0.name != key }
            for (k, t) in adam.stateDict() where Checkpoint.optimizerPrefix + k != key { entries.append(NamedTensor(Checkpoint.optimizerPrefix + k, t)) }
            entries.append(NamedTensor(key, Tensor(scalar: .nan)))
            try SafeTensors.write(entries, metadata: [Checkpoint.metadataKey: json], to: url)
            let (fresh, freshAdam) = trained()
            XCTAssertThrowsError(try Checkpoint.restore(model: fresh, optimizer: freshAdam, from: url)) { error in
                XCTAssertTrue(error is GeoKitError, "\(error)")
                XCTAssertTrue("\(error)".contains(message), "'\(message)' not in: \(error)")
            }
        }
    }
}
