import Foundation
import GeoKit
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Seeded mutations of valid .safetensors, .npy, checkpoint and PNG/JPEG
/// files, each decoded in-process: every case returns a value within the
/// decode limits or throws a GeoKitError; none traps, hangs or allocates
/// beyond the limits.
///
/// 10,000 cases by default; `GEOKIT_FUZZ_CASES=200000` runs more,
/// `GEOKIT_FUZZ_SEED` changes the seed, and `GEOKIT_FUZZ_ONLY=png:1234`
/// replays one case. A trap prints the case (from a signal handler) before
/// the process dies, so every failure names its seed and case.
final class FileFuzzTests: XCTestCase {
    private struct Target {
        let name: String
        /// Share of the total case count.
        let weight: Int
        let framing: Mutator.Framing
        let seeds: [Data]
        /// Decodes one mutated file; throws what the decoder throws, fails the test for a value out of bounds.
        let decode: (Data, String) throws -> Void
    }

    static let limits = DecodeLimits(maxDimension: 512, maxBytes: 1 << 20)

    func testMutatedFilesDecodeOrFailWithAGeoKitError() throws {
        let environment = ProcessInfo.processInfo.environment
        let total = environment["GEOKIT_FUZZ_CASES"].flatMap(Int.init) ?? 10_000
        let seed = environment["GEOKIT_FUZZ_SEED"].flatMap(UInt64.init) ?? 1
        let only = environment["GEOKIT_FUZZ_ONLY"]?.split(separator: ":").map(String.init)
        let targets = try makeTargets()
        let weights = targets.reduce(0) { $0 + $1.weight }

        CrashReport.install()
        defer { CrashReport.uninstall() }
        let watchdog = Watchdog(limit: 30)
        defer { watchdog.stop() }
        let rssBefore = peakResidentBytes()
        let started = Date()
        var slowest = (seconds: 0.0, name: "")
        var ran = 0
        var decoded: [String: Int] = [:]
        for (t, target) in targets.enumerated() {
            let cases = only.map { $0[0] == target.name ? [Int($0[1]) ?? 0] : [] } ?? Array(0..<(total * target.weight / weights))
            for i in cases {
                let label = "\(target.name) case \(i) (GEOKIT_FUZZ_SEED=\(seed) GEOKIT_FUZZ_ONLY=\(target.name):\(i))"
                var mutator = Mutator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(t) << 40 ^ UInt64(i))
                let original = target.seeds[i % target.seeds.count]
                let data = mutator.mutate(original, framing: target.framing)
                CrashReport.set("GeoKit fuzz: \(label) trapped after: \(mutator.log.joined(separator: "; "))\n")
                watchdog.begin(label)
                let caseStart = Date()
                do {
                    try target.decode(data, "fuzz/\(target.name)/\(i)")
                    decoded[target.name, default: 0] += 1
                } catch let error as GeoKitError {
                    XCTAssertFalse(error.what.isEmpty || error.whereContext.isEmpty, "\(label): \(error) lacks what or where")
                } catch {
                    XCTFail("\(label) threw \(type(of: error)), not a GeoKitError: \(error) after \(mutator.log)")
                }
                let seconds = Date().timeIntervalSince(caseStart)
                if seconds > slowest.seconds { slowest = (seconds, label) }
                ran += 1
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        let growth = peakResidentBytes() - rssBefore
        print(
            "GeoKit fuzz: \(ran) cases in \(String(format: "%.1f", elapsed)) s; slowest \(String(format: "%.3f", slowest.seconds)) s (\(slowest.name)); peak RSS grew \(growth >> 20) MiB; "
                + "decoded without error: " + targets.map { "\($0.name) \(decoded[$0.name] ?? 0)" }.joined(separator: ", "))
        if only == nil { XCTAssertEqual(ran, targets.reduce(0) { $0 + total * $1.weight / weights }) }
        XCTAssertLessThan(slowest.seconds, 2, "no case may take long: \(slowest.name)")
        XCTAssertLessThan(growth, 256 << 20, "decoding allocated beyond the limits")
    }

    // MARK: - The valid files and how each is decoded

    private func makeTargets() throws -> [Target] {
        let safetensorsSeeds = [
            try SafeTensors.encode(
                [
                    NamedTensor("a.weight", Tensor.randn([2, 3], seed: 1)),
                    NamedTensor("b", Tensor([1.5, -2] as [Double], shape: [2])),
                    NamedTensor("c.num_batches_tracked", Tensor(scalar: 3), isInteger: true)
                ],
                metadata: ["format": "pt"]),
            try Data(contentsOf: Fixture.directory.appendingPathComponent("io.safetensors"))
        ]
        let npySeeds = [
            NPY.encode(Tensor.randn([3, 2], seed: 2)),
            NPY.encode(Tensor(scalar: 4, dtype: .float64)),
            try Data(contentsOf: Fixture.directory.appendingPathComponent("numpy_float32.npy")),
            try Data(contentsOf: Fixture.directory.appendingPathComponent("numpy_int64.npy"))
        ]
        let (model, adam) = Self.checkpointModel()
        let metadataText =
            #"{"recipe":"demo","components":["backbone=resnet18"],"epoch":2,"optimizerSteps":10,"seed":3,"#
            + #""history":[{"epoch":0,"metrics":{"R@1":1.5}},{"epoch":1,"loss":0.5,"learningRate":0.01,"seconds":2}]}"#
        var entries = model.stateDict()
        for (key, tensor) in adam.stateDict() { entries.append(NamedTensor(Checkpoint.optimizerPrefix + key, tensor)) }
        let checkpointEntries = entries
        let checkpoint = try SafeTensors.encode(entries, metadata: [Checkpoint.metadataKey: metadataText, "format": "pt"])

        var gradient = Image(height: 12, width: 10, channels: 3)
        for i in gradient.pixels.indices { gradient.pixels[i] = UInt8((i * 37) % 256) }
        let pngSeeds = [
            try PNG.encode(gradient),
            try PNG.encode(gradient.converted(toChannels: 1)),
            try PNG.encode(gradient.converted(toChannels: 4)),
            HandmadePNG.make(width: 5, height: 4, channels: 2, bitDepth: 16, interlaced: true, samples: (0..<40).map { $0 * 1601 })
        ]
        let jpegSeeds = [
            try JPEG.encode(gradient, quality: 90),
            try JPEG.encode(gradient.converted(toChannels: 1), quality: 70),
            try JPEG.encode(gradient, quality: 50, subsampleChroma: true)
        ]
        func checkImage(_ image: Image, _ source: String) {
            let l = FileFuzzTests.limits
            XCTAssertTrue(
                image.width <= l.maxDimension && image.height <= l.maxDimension
                    && image.pixels.count == image.width * image.height * image.channels && image.pixels.count <= l.maxBytes,
                "\(source) decoded to \(image.width)x\(image.height)x\(image.channels), beyond the limits")
        }
        func checkTensors(_ tensors: [Tensor], fileBytes: Int, _ source: String) {
            // The widest expansion is one byte (U8, BOOL) to a 4-byte float.
            let bytes = tensors.reduce(0) { $0 + $1.count * 4 }
            XCTAssertLessThanOrEqual(bytes, 4 * fileBytes, "\(source) decoded to more than its file holds")
        }
        return [
            Target(name: "safetensors", weight: 30, framing: .safetensors, seeds: safetensorsSeeds) { data, source in
                let contents = try SafeTensors.decode(data, source: source)
                checkTensors(Array(contents.tensors.values), fileBytes: data.count, source)
            },
            Target(name: "npy", weight: 30, framing: .npy, seeds: npySeeds) { data, source in
                checkTensors([try NPY.decode(data, source: source)], fileBytes: data.count, source)
            },
            Target(name: "checkpoint", weight: 10, framing: .safetensors, seeds: [checkpoint]) { data, source in
                let (model, adam) = Self.checkpointModel()
                _ = try Checkpoint.restore(model: model, optimizer: adam, contents: SafeTensors.decode(data, source: source), source: source)
            },
            Target(name: "metadata", weight: 5, framing: .json, seeds: [Data(metadataText.utf8)]) { data, source in
                let (model, adam) = Self.checkpointModel()
                let file = try SafeTensors.encode(checkpointEntries, metadata: [Checkpoint.metadataKey: String(decoding: data, as: UTF8.self)])
                _ = try Checkpoint.restore(model: model, optimizer: adam, contents: SafeTensors.decode(file, source: source), source: source)
            },
            Target(name: "png", weight: 13, framing: .png, seeds: pngSeeds) { data, source in
                checkImage(try Image(decoding: data, limits: FileFuzzTests.limits, source: source), source)
            },
            Target(name: "jpeg", weight: 12, framing: .jpeg, seeds: jpegSeeds) { data, source in
                checkImage(try Image(decoding: data, limits: FileFuzzTests.limits, source: source), source)
            }
        ]
    }

    /// A small model with every kind of checkpoint entry (weights, BatchNorm
    /// statistics and counter, Adam moments and step counts).
    private static func checkpointModel() -> (Module, Optimizer) {
        GlobalRandom.seed(5)
        let model = Sequential {
            Linear(3, 4); BatchNorm(4)
        }
        let adam = Adam(parameters: model.parameters(), learningRate: 0.1)
        model(Tensor.randn([5, 3], seed: 1)).sum().backward()
        adam.step()
        return (model, adam)
    }

    private func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

/// Prints the running case when the process receives a fatal signal (a
/// Swift trap is SIGILL or SIGTRAP), then dies of that signal as before.
private enum CrashReport {
    static let capacity = 4096
    nonisolated(unsafe) static let buffer: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()
    static let signals = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]
    nonisolated(unsafe) static var previous: [Int32: sigaction] = [:]

    static func set(_ text: String) {
        let bytes = Array(text.utf8.prefix(capacity - 1))
        bytes.withUnsafeBufferPointer { src in
            src.withMemoryRebound(to: CChar.self) { buffer.update(from: $0.baseAddress!, count: bytes.count) }
        }
        buffer[bytes.count] = 0
    }

    static func install() {
        _ = buffer
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                _ = write(2, CrashReport.buffer, strlen(CrashReport.buffer))
                Glibc.signal(sig, SIG_DFL)
                raise(sig)
            }
            var old = sigaction()
            sigaction(signal, &action, &old)
            previous[signal] = old
        }
    }

    static func uninstall() {
        for (signal, old) in previous {
            var action = old
            sigaction(signal, &action, nil)
        }
        previous = [:]
        set("")
    }
}

/// Fails loudly instead of hanging CI: a case running longer than `limit`
/// seconds prints its name and aborts the process.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var label = ""
    private var started = Date()
    private var running = true

    init(limit: TimeInterval) {
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                Thread.sleep(forTimeInterval: 0.5)
                let (name, since) = lock.withLock { (label, started) }
                if !name.isEmpty, Date().timeIntervalSince(since) > limit {
                    FileHandle.standardError.write(Data("GeoKit fuzz: \(name) ran over \(Int(limit)) s\n".utf8))
                    abort()
                }
            }
        }
    }

    func begin(_ name: String) { lock.withLock { (label, started) = (name, Date()) } }
    func stop() { lock.withLock { running = false } }
}
