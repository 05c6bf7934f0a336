import Foundation
import GeoKitCore
import GeoKitRecipes

/// The first bytes of a shared library: its class (32 or 64 bits) and the
/// machine it was built for. dlopen reports a library for another
/// architecture as "wrong ELF class" or even "No such file or directory",
/// so the loader reads the header itself to say what is wrong.
struct ELFHeader: Equatable {
    let is64Bit: Bool
    let machine: UInt16

    /// The header of the file at `path`, or nil when it does not start with
    /// the ELF magic (or cannot be read).
    init?(contentsOf path: String) {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        let bytes = [UInt8](file.readData(ofLength: 20))
        guard bytes.count == 20, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46][...] else { return nil }
        is64Bit = bytes[4] == 2
        // e_machine at offset 18, in the byte order EI_DATA (offset 5) names: 1 little-endian, 2 big-endian.
        machine = bytes[5] == 2 ? UInt16(bytes[18]) << 8 | UInt16(bytes[19]) : UInt16(bytes[19]) << 8 | UInt16(bytes[18])
    }

    init(is64Bit: Bool, machine: UInt16) {
        (self.is64Bit, self.machine) = (is64Bit, machine)
    }

    /// The header a library loadable into this process has.
    static var host: ELFHeader {
        #if arch(x86_64)
            ELFHeader(is64Bit: true, machine: 62)
        #elseif arch(arm64)
            ELFHeader(is64Bit: true, machine: 183)
        #else
            ELFHeader(is64Bit: MemoryLayout<Int>.size == 8, machine: 0)
        #endif
    }

    /// The architecture's usual name ("x86_64", "ARM (32-bit)", ...).
    var architecture: String {
        let names: [UInt16: String] = [
            3: "x86", 8: "MIPS", 20: "PowerPC", 21: "PowerPC64", 22: "s390",
            40: "ARM", 62: "x86_64", 183: "aarch64", 243: "RISC-V", 258: "LoongArch"
        ]
        return (names[machine] ?? "ELF machine \(machine)") + (is64Bit ? "" : " (32-bit)")
    }
}
