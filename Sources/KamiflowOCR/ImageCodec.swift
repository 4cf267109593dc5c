internal import CTesseract
package import KamiflowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File formats `ImageCodec` writes.
package enum ImageFormat: Sendable, Hashable {
    case png
    case jpeg(quality: Int)
    case tiff
    /// 1-bit CCITT Group 4, as fax machines and many office scanners produce; pixels are binarised at 128.
    case tiffG4
}

/// Encodes and decodes `GrayImage`s through Leptonica, the same code that reads scans.
package enum ImageCodec {
    /// One image, or several pages when the format is TIFF (multi-page). Deterministic bytes for the same input.
    package static func encode(_ pages: [GrayImage], as format: ImageFormat) throws -> [UInt8] {
        guard !pages.isEmpty else { throw KamiflowError(.invalidArgument, "there is no page to encode") }
        let images = try pages.map(pixImage(from:))
        switch format {
        case .png, .jpeg:
            guard images.count == 1 else {
                throw KamiflowError(.invalidArgument, "PNG and JPEG hold one page; \(images.count) were given")
            }
            if case .jpeg(let quality) = format {
                guard (1...100).contains(quality) else {
                    throw KamiflowError(.invalidArgument, "JPEG quality must be 1…100, not \(quality)")
                }
                var data: UnsafeMutablePointer<UInt8>?
                var count = 0
                // The page must outlive the call: an optimised build may release `images` right after its last
                // use, which is reading `.pointer`, and Leptonica would then encode freed memory.
                let written = withExtendedLifetime(images) {
                    pixWriteMemJpeg(&data, &count, images[0].pointer, Int32(quality), 0)
                }
                guard written == 0, let data else {
                    throw KamiflowError(.io, "the page could not be encoded as JPEG")
                }
                defer { lept_free(data) }
                return Array(UnsafeBufferPointer(start: data, count: count))
            }
            guard let data = images[0].encoded(format: Int32(IFF_PNG)) else {
                throw KamiflowError(.io, "the page could not be encoded as PNG")
            }
            return data
        case .tiff, .tiffG4:
            let converted: [PixImage]
            if format == .tiffG4 {
                converted = try images.map { image in
                    let binary = try PixImage(
                        pixThresholdToBinary(image.pointer, 128),
                        orThrow: KamiflowError(.io, "a page could not be binarised"))
                    binary.setResolution(Double(image.resolution))
                    return binary
                }
            } else {
                converted = images
            }
            // Leptonica writes 8-bit pages with ZIP (deflate) compression and 1-bit pages with G4.
            guard let pixa = pixaCreate(Int32(converted.count)) else {
                throw KamiflowError(.io, "the pages could not be collected")
            }
            defer {
                var owned: PixaPtr? = pixa
                pixaDestroy(&owned)
            }
            for image in converted {
                pixaAddPix(pixa, image.pointer, Int32(L_COPY))
            }
            var data: UnsafeMutablePointer<UInt8>?
            var count = 0
            guard pixaWriteMemMultipageTiff(&data, &count, pixa) == 0, let data else {
                throw KamiflowError(.io, "the pages could not be encoded as TIFF")
            }
            defer { lept_free(data) }
            return Array(UnsafeBufferPointer(start: data, count: count))
        }
    }

    /// The resolution the file records for its first page, in dots per inch; `nil` when it records none (or for a
    /// PDF, whose pages are rasterised at a chosen resolution).
    package static func recordedResolution(of source: ScanSource) throws -> Double? {
        let decoder = try ScanDecoder(source: source, configuration: OCRConfiguration(defaultResolution: 0))
        guard decoder.format != .pdf, decoder.pageCount > 0 else { return nil }
        let dpi = try decoder.page(at: 0).resolution
        return dpi > 0 ? Double(dpi) : nil
    }

    /// Every page of a PNG, JPEG, TIFF or PDF, as grayscale; the same checks and limits as scans get.
    package static func decode(_ bytes: [UInt8], name: String) throws -> [GrayImage] {
        let decoder = try ScanDecoder(source: .bytes(bytes, name: name), configuration: OCRConfiguration())
        return try (0..<decoder.pageCount).map { index in
            let page = try decoder.page(at: index)
            guard let gray = page.grayscale() else {
                throw KamiflowError(
                    .corruptImage, "page \(index + 1) could not be converted to grayscale", subject: name)
            }
            return grayImage(from: gray)
        }
    }

    static func pixImage(from image: GrayImage) throws -> PixImage {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height else {
            throw KamiflowError(
                .invalidArgument,
                "a \(image.width)×\(image.height) image needs \(max(0, image.width * image.height)) pixels, "
                    + "not \(image.pixels.count)")
        }
        let pix = try PixImage(
            pixCreate(Int32(image.width), Int32(image.height), 8),
            orThrow: KamiflowError(.io, "no memory for a \(image.width)×\(image.height) image"))
        let words = Int(pixGetWpl(pix.pointer))
        let base = UnsafeMutableRawPointer(pixGetData(pix.pointer)!)
        image.pixels.withUnsafeBytes { source in
            for row in 0..<image.height {
                memcpy(base + row * words * 4, source.baseAddress! + row * image.width, image.width)
            }
        }
        // Leptonica keeps 8-bit pixels in big-endian order inside 32-bit words; rows were copied in memory order.
        pixEndianByteSwap(pix.pointer)
        pix.setResolution(image.resolution)
        return pix
    }

    static func grayImage(from pix: PixImage) -> GrayImage {
        precondition(pix.depth == 8, "grayImage(from:) needs an 8-bit image")
        let (width, height) = (pix.width, pix.height)
        let words = Int(pixGetWpl(pix.pointer))
        pixEndianByteSwap(pix.pointer)
        defer { pixEndianByteSwap(pix.pointer) }
        let base = UnsafeRawPointer(pixGetData(pix.pointer)!)
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height) { buffer, count in
            for row in 0..<height {
                memcpy(buffer.baseAddress! + row * width, base + row * words * 4, width)
            }
            count = width * height
        }
        return GrayImage(width: width, height: height, resolution: Double(pix.resolution), pixels: pixels)
    }
}
