import Foundation
import GeoKit
import XCTest

/// A case of the "methods" fixture (Tests/reference/fixtures_methods.py):
/// a component written in PyTorch from docs/methods.md, with its parameters, its
/// weights, inputs, outputs and gradients.
struct MethodCase {
    let fixture: Fixture
    let name: String

    init(_ name: String) throws {
        fixture = try Fixture("methods")
        self.name = name
    }

    /// The component parameters the reference was built with, as `name=value` settings.
    var settings: [String] {
        get throws {
            let json = try XCTUnwrap(fixture.metadata("\(name)/params"), "\(name) has no params")
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String])
        }
    }

    /// The reference state dict, under its keys (without the case prefix).
    var state: [String: Tensor] {
        let prefix = "\(name)/state/"
        var state: [String: Tensor] = [:]
        for (key, value) in fixture.contents.tensors where key.hasPrefix(prefix) { state[String(key.dropFirst(prefix.count))] = value }
        return state
    }

    /// The reference state dict's keys, in torch's order (empty for a module without state).
    var keys: [String] {
        get throws {
            guard let json = fixture.metadata("\(name)/keys") else { return [] }
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String])
        }
    }

    func tensor(_ role: String) throws -> Tensor { try fixture.tensor("\(name)/\(role)") }

    /// Builds the component from the registry with the case's parameters.
    func make<T>(_ key: ComponentKey<T>, _ component: String) throws -> T {
        try Registry.shared.make(key, component, settings: settings)
    }

    /// A feature-map module (attention or aggregator) against the reference:
    /// keys and shapes, output, input gradient, parameter gradients and the
    /// buffers after the pass, in the case's training mode.
    func assertModuleMatches(_ module: Module, tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        let entries = module.stateDict()
        XCTAssertEqual(entries.map(\.name), try keys, "\(name) keys", file: file, line: line)
        try module.loadStateDict(state)
        module.train(fixture.metadata("\(name)/train") != "false")
        let x = try tensor("x").requiringGrad()
        let y = module(x)
        assertClose(y, try tensor("y"), tolerance: tolerance, "\(name) output", file: file, line: line)
        y.backward(try tensor("gy"))
        assertClose(x.grad!, try tensor("gx"), tolerance: tolerance, "\(name) input gradient", file: file, line: line)
        for (key, parameter) in module.namedParameters() {
            assertClose(parameter.grad!, try tensor("grad/\(key)"), tolerance: tolerance, "\(name) \(key) gradient", file: file, line: line)
        }
        for (key, buffer, _) in module.namedBuffers() {
            if let after = fixture.contents["\(name)/after/\(key)"] {
                assertClose(buffer, after, tolerance: tolerance, "\(name) \(key) after the pass", file: file, line: line)
            }
        }
    }

    /// A loss against the reference: value and the gradients of both inputs
    /// (and of its parameters, when it has some).
    func assertLossMatches(_ loss: LossFunction, tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(loss.stateDict().map(\.name), try keys, "\(name) keys", file: file, line: line)
        if !state.isEmpty { try loss.loadStateDict(state) }
        let query = try tensor("x0").requiringGrad(), reference = try tensor("x1").requiringGrad()
        let value = loss.loss(query: query, reference: reference)
        assertClose(value, try tensor("y"), tolerance: tolerance, "\(name) loss", file: file, line: line)
        value.backward()
        assertClose(query.grad!, try tensor("gx0"), tolerance: tolerance, "\(name) query gradient", file: file, line: line)
        assertClose(reference.grad!, try tensor("gx1"), tolerance: tolerance, "\(name) reference gradient", file: file, line: line)
        for (key, parameter) in loss.namedParameters() {
            assertClose(parameter.grad!, try tensor("grad/\(key)"), tolerance: tolerance, "\(name) \(key) gradient", file: file, line: line)
        }
    }
}
