import Foundation

/// A file of named weights in any format GeoKit reads, told apart by its
/// first bytes rather than its name: safetensors, or a PyTorch checkpoint
/// (`TorchCheckpoint`, zip or legacy format).
///
/// ```swift
/// let tensors = try WeightsFile.read(URL(fileURLWithPath: "convnext_base.pth"))
/// ```
public enum WeightsFile {
    public static func read(_ url: URL) throws -> [String: Tensor] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw GeoKitError("cannot read the weights file", where: url.path, remedy: "check that the file exists and is readable")
        }
        let head = (try? handle.read(upToCount: 9)) ?? Data()
        try? handle.close()
        // safetensors: an 8-byte little-endian header length, then the JSON header.
        if head.count == 9, head.last == UInt8(ascii: "{") { return try SafeTensors.read(url).tensors }
        return try TorchCheckpoint.read(url)
    }
}
