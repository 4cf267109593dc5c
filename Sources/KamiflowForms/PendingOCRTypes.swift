// TEMPORARY: the shape of KamiflowOCR's `GrayImage` (branch `ocr`), so this module builds before that branch is
// merged. Deleted when `ocr` lands; nothing here is used across modules.
package struct GrayImage: Sendable, Hashable {
    package var width: Int
    package var height: Int
    package var resolution: Double
    package var pixels: [UInt8]
    package init(width: Int, height: Int, resolution: Double, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.resolution = resolution
        self.pixels = pixels
    }
}
