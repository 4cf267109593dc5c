import KamiflowCore
import Testing

@testable import KamiflowOCR

@Suite("GrayImage and ImageCodec")
struct ImageCodecTests {
    /// A page with a gradient, a black bar and noise: enough structure to catch any byte-order or stride mistake.
    static func page(width: Int = 301, height: Int = 157, resolution: Double = 300, seed: UInt8 = 0) -> GrayImage {
        var pixels = [UInt8](repeating: 255, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                pixels[y * width + x] = UInt8((x * 7 + y * 3 + Int(seed) * 11) % 256)
            }
        }
        for x in 20..<120 { pixels[40 * width + x] = 0 }
        return GrayImage(width: width, height: height, resolution: resolution, pixels: pixels)
    }

    @Test("PNG and TIFF round-trip exactly, resolution kept", arguments: [ImageFormat.png, .tiff])
    func losslessRoundTrip(format: ImageFormat) throws {
        let original = Self.page(resolution: 200)
        let bytes = try ImageCodec.encode([original], as: format)
        #expect(try ImageCodec.decode(bytes, name: "page") == [original])
        #expect(try ImageCodec.encode([original], as: format) == bytes, "encoding is deterministic")
    }

    @Test("a multi-page TIFF keeps every page, in order")
    func multipage() throws {
        let pages = (0..<3).map { Self.page(width: 100 + $0, height: 80, resolution: 300, seed: UInt8($0)) }
        let bytes = try ImageCodec.encode(pages, as: .tiff)
        #expect(try ImageCodec.decode(bytes, name: "pages.tif") == pages)
    }

    @Test("JPEG is close, G4 is black and white at 128")
    func lossy() throws {
        let original = Self.page()
        let jpeg = try ImageCodec.decode(try ImageCodec.encode([original], as: .jpeg(quality: 95)), name: "p.jpg")[0]
        #expect(jpeg.width == original.width && jpeg.height == original.height && jpeg.resolution == 300)
        let error = zip(jpeg.pixels, original.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
        #expect(Double(error) / Double(original.pixels.count) < 6)

        let g4Bytes = try ImageCodec.encode([original, original], as: .tiffG4)
        let g4 = try ImageCodec.decode(g4Bytes, name: "fax.tif")
        #expect(g4.count == 2)
        #expect(g4[0].resolution == 300)
        #expect(g4[0].pixels == original.pixels.map { $0 < 128 ? 0 : 255 })
        #expect(try ImageCodec.encode([original, original], as: .tiffG4) == g4Bytes)
    }

    @Test("bad arguments are refused")
    func badArguments() {
        expectKamiflowError(.invalidArgument) { try ImageCodec.encode([], as: .png) }
        expectKamiflowError(.invalidArgument) {
            try ImageCodec.encode([GrayImage(width: 10, height: 10, resolution: 300, pixels: [0])], as: .png)
        }
        expectKamiflowError(.invalidArgument) { try ImageCodec.encode([Self.page(), Self.page()], as: .png) }
        expectKamiflowError(.unsupportedFormat) { try ImageCodec.decode(Array("hello".utf8), name: "x.png") }
    }
}
