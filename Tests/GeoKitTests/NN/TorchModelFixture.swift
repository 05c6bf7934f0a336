import Foundation
import GeoKit
import XCTest

/// A torch model stored by Tests/reference/fixtures_nn.py: its state dict
/// (with the key order in metadata), an input, the output and gradients.
struct TorchModelFixture {
    let fixture: Fixture
    let name: String
    /// The state dict under torch's keys (without the case prefix).
    let state: [String: Tensor]
    /// The keys in torch's state_dict order.
    let keys: [String]

    init(_ name: String) throws {
        fixture = try Fixture("nn")
        self.name = name
        let prefix = "\(name)/state/"
        var state: [String: Tensor] = [:]
        for (key, value) in fixture.contents.tensors where key.hasPrefix(prefix) { state[String(key.dropFirst(prefix.count))] = value }
        self.state = state
        let json = try XCTUnwrap(fixture.metadata("\(name)/keys"))
        keys = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String])
    }

    /// The model's state-dict keys, order and shapes are torch's; with
    /// torch's weights loaded it gives torch's output, input gradient and
    /// parameter gradients (and, in training, running statistics).
    func assertMatches(_ model: Module, tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        let entries = model.stateDict()
        XCTAssertEqual(entries.map(\.name), keys, "\(name) keys", file: file, line: line)
        for entry in entries {
            XCTAssertEqual(entry.tensor.shape, state[entry.name]?.shape, "\(name) \(entry.name)", file: file, line: line)
        }
        try model.loadStateDict(state)
        let x = try fixture.tensor("\(name)/x").requiringGrad()
        let y = model(x)
        assertClose(y, try fixture.tensor("\(name)/y"), tolerance: tolerance, "\(name) output", file: file, line: line)
        y.backward(try fixture.tensor("\(name)/gy"))
        assertClose(x.grad!, try fixture.tensor("\(name)/gx"), tolerance: tolerance, "\(name) input gradient", file: file, line: line)
        for (key, parameter) in model.namedParameters() {
            let expected = try fixture.tensor("\(name)/grad/\(key)")
            if largestMagnitude(expected) < 1e-4 {
                // Zero up to rounding (a bias that a training BatchNorm cancels): a relative error means nothing.
                XCTAssertLessThan(largestMagnitude(parameter.grad!), 1e-4, "\(name) \(key) gradient should vanish", file: file, line: line)
            } else {
                assertClose(parameter.grad!, expected, tolerance: tolerance, "\(name) \(key)", file: file, line: line)
            }
        }
        for (key, buffer, _) in model.namedBuffers() {
            if let after = fixture.contents["\(name)/after/\(key)"] {
                assertClose(buffer, after, tolerance: tolerance, "\(name) \(key) after the forward pass", file: file, line: line)
            }
        }
    }
}

private func largestMagnitude(_ t: Tensor) -> Double { t.scalars(as: Double.self).map(abs).max() ?? 0 }
