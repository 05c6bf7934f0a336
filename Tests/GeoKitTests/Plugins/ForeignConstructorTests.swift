import Foundation
import GeoKit
import XCTest

/// C constructors called through libffi: every argument type reaches C
/// intact, and a wrong count or type is a GeoKitError before any call.
final class ForeignConstructorTests: XCTestCase {
    /// A C function taking one argument of every declarable type and
    /// returning them printed, so the test can see what C received.
    private static let probe: Result<UnsafeMutableRawPointer, Error> = Result(catching: {
        let directory = try PluginTestSupport.temporaryDirectory("ffi-probe")
        let library = try PluginTestSupport.compileC(
            """
            #include <geokit.h>
            #include <stdio.h>
            static char text[256];
            GEOKIT_EXPORT void *probe(int i, double d, bool b, const char *s, const int *list, int count) {
                int n = snprintf(text, sizeof text, "%d %.17g %d %s [", i, d, (int)b, s);
                for (int k = 0; k < count; k++) n += snprintf(text + n, sizeof text - (size_t)n, k ? ",%d" : "%d", list[k]);
                snprintf(text + n, sizeof text - (size_t)n, "]");
                return text;
            }
            """, named: "probe", in: directory)
        guard let handle = dlopen(library.path, RTLD_NOW | RTLD_LOCAL), let symbol = dlsym(handle, "probe") else {
            throw GeoKitError("cannot load the probe", where: library.path)
        }
        return symbol
    })

    private func probe() throws -> ForeignConstructor {
        let signature = try CSignature("int i = 1, double d = 0.5, bool b = false, string s = \"x\", int list l = [1, 2]", component: "test:probe")
        return try ForeignConstructor(symbol: "probe", address: ForeignConstructorTests.probe.get(), signature: signature, context: "test:probe")
    }

    func testEveryArgumentTypeReachesC() throws {
        let result = try probe().call([.int(-7), .double(0.125), .bool(true), .string("avg pool"), .intList([4, 2, 1])])
        XCTAssertEqual(String(cString: try XCTUnwrap(result).assumingMemoryBound(to: CChar.self)), "-7 0.125 1 avg pool [4,2,1]")
    }

    func testAnIntIsAcceptedForADoubleAndAnEmptyListIsPassed() throws {
        let result = try probe().call([.int(3), .int(2), .bool(false), .string(""), .intList([])])
        XCTAssertEqual(String(cString: try XCTUnwrap(result).assumingMemoryBound(to: CChar.self)), "3 2 0  []")
    }

    func testAWrongArgumentCountIsRefused() throws {
        XCTAssertThrowsError(try probe().call([.int(1), .double(2)])) { error in
            XCTAssertTrue(
                "\(error)".contains("probe takes 5 arguments (int i = 1, double d = 0.5, bool b = false, string s = \"x\", int list l = [1, 2]), got 2"),
                "\(error)")
            XCTAssertTrue("\(error)".contains("test:probe"), "\(error)")
        }
        XCTAssertThrowsError(try probe().call([])) { error in XCTAssertTrue("\(error)".contains("got 0"), "\(error)") }
    }

    func testAWrongArgumentTypeIsRefused() throws {
        XCTAssertThrowsError(try probe().call([.double(1.5), .double(2), .bool(true), .string("s"), .intList([])])) { error in
            XCTAssertTrue("\(error)".contains("argument 1 'i' of probe must be int, got double 1.5"), "\(error)")
        }
        XCTAssertThrowsError(try probe().call([.int(1), .double(2), .bool(true), .intList([1]), .intList([])])) { error in
            XCTAssertTrue("\(error)".contains("argument 4 's' of probe must be string, got int list 1"), "\(error)")
        }
    }

    func testAnIntThatDoesNotFitACIntIsRefused() throws {
        XCTAssertThrowsError(try probe().call([.int(1 << 40), .double(2), .bool(true), .string("s"), .intList([])])) { error in
            XCTAssertTrue("\(error)".contains("does not fit a C int"), "\(error)")
        }
    }

    func testTheRegistryRefusesWrongTypesForACComponent() throws {
        _ = try PluginTestSupport.cExamplePlugin.get()
        XCTAssertThrowsError(try Registry.shared.make(.attention, "c_se", ["reduction": .double(0.5)])) { error in
            XCTAssertTrue("\(error)".contains("parameter 'reduction' must be int, got double 0.5"), "\(error)")
        }
        XCTAssertThrowsError(try Registry.shared.make(.attention, "c_se", settings: ["channels=many"])) { error in
            XCTAssertTrue("\(error)".contains("parameter 'channels' must be int, got 'many'"), "\(error)")
        }
        XCTAssertThrowsError(try Registry.shared.make(.attention, "c_se", ["gamma": .double(1)])) { error in
            XCTAssertTrue("\(error)".contains("has no parameter 'gamma'"), "\(error)")
        }
    }

    func testSignaturesParseWithDefaultsOfEveryType() throws {
        let s = try CSignature(
            " int reduction = 16,double gamma=0.5, bool affine = true, string pool = avg, int list blocks = [1, 2, 4] ",
            component: "t:s")
        XCTAssertEqual(s.parameters.map(\.name), ["reduction", "gamma", "affine", "pool", "blocks"])
        XCTAssertEqual(s.parameters.map(\.defaultValue), [.int(16), .double(0.5), .bool(true), .string("avg"), .intList([1, 2, 4])])
        XCTAssertEqual(try CSignature(s.description, component: "t:s"), s)
        XCTAssertEqual(try CSignature("", component: "t:s").parameters, [])
        XCTAssertEqual(try CSignature("void", component: "t:s").parameters, [])
        let schema = s.schema(documentedBy: "summary\ngamma: the focusing exponent\nunknown: ignored")
        XCTAssertEqual(schema.map(\.doc), ["", "the focusing exponent", "", "", ""])
    }

    func testMalformedSignaturesAreClearErrors() {
        let cases = [
            ("int reduction", "gives 'int reduction' no default"),
            ("float gamma = 1", "has type 'float'"),
            ("int reduction = 0.5", "the default '0.5' of 'reduction' is not a valid int"),
            ("int a = 1, double a = 2", "declares 'a' twice"),
            ("int list sizes = [1, 2", "unclosed bracket"),
            ("int 2x = 1", "'2x' is not an identifier"),
            ("= 3", "is not 'TYPE NAME = DEFAULT'")
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try CSignature(text, component: "attention:bad")) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
                XCTAssertTrue("\(error)".contains("attention:bad"), "\(text): \(error)")
            }
        }
    }
}
