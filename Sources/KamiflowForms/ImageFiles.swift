import Foundation
import KamiflowCore
import KamiflowOCR

/// Encoding of sample pages. PNG, JPEG and TIFF go through KamiflowOCR's `ImageCodec` (one codec for the whole
/// product); PDF through Cairo, as a scanner's "scan to PDF" holds images.
enum ImageFiles {
    static func encode(
        _ pages: [GrayImage], as format: SampleFormat, profile: ScanProfile, layout: FormLayout,
        fonts: FontConfiguration
    ) throws -> [UInt8] {
        switch format {
        case .pdf:
            return try FormRenderer(fonts: fonts).pdf(
                scans: pages, pageWidth: layout.pageWidth, pageHeight: layout.pageHeight)
        case .png:
            guard pages.count == 1 else { throw KamiflowError(.invalidArgument, "a PNG holds one page") }
            return try ImageCodec.encode(pages, as: .png)
        case .jpeg:
            guard pages.count == 1 else { throw KamiflowError(.invalidArgument, "a JPEG holds one page") }
            return try ImageCodec.encode(pages, as: .jpeg(quality: profile.jpegQuality ?? 85))
        case .tiff:
            // A fax's 1-bit pages travel as CCITT G4, everything else uncompressed-lossless.
            return try ImageCodec.encode(pages, as: profile.bilevel ? .tiffG4 : .tiff)
        }
    }

    /// The page as it comes back from a scanner that compressed it with JPEG at `quality`.
    static func jpegRoundTrip(_ image: GrayImage, quality: Int) throws -> GrayImage {
        let bytes = try ImageCodec.encode([image], as: .jpeg(quality: quality))
        guard var decoded = try ImageCodec.decode(bytes, name: "scan.jpg").first else {
            throw KamiflowError(.corruptImage, "the JPEG round trip gave no page")
        }
        decoded.resolution = image.resolution
        return decoded
    }
}

extension ImageFiles {
    /// Every page of an image file as grey pages (PDFs are not decoded here: rasterising them is the reading
    /// engine's job).
    static func decodePages(of url: URL) throws -> [GrayImage] {
        guard url.pathExtension.lowercased() != "pdf" else {
            throw KamiflowError(.unsupportedFormat, "PDF pages are not cropped", subject: url.path)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw KamiflowError(.fileNotFound, "cannot read the scan", subject: url.path, cause: error)
        }
        return try ImageCodec.decode([UInt8](data), name: url.path)
    }

    /// `rect` of `image` (clipped to the page) as a base64 PNG, or `nil` when nothing of it is on the page.
    static func cropBase64PNG(_ image: GrayImage, rect: PixelRect) -> String? {
        let clipped = rect.intersection(PixelRect(x: 0, y: 0, width: image.width, height: image.height))
        guard !clipped.isEmpty else { return nil }
        var pixels = [UInt8]()
        pixels.reserveCapacity(clipped.area)
        for y in clipped.y..<clipped.maxY {
            let start = y * image.width + clipped.x
            pixels.append(contentsOf: image.pixels[start..<start + clipped.width])
        }
        let crop = GrayImage(width: clipped.width, height: clipped.height, resolution: image.resolution, pixels: pixels)
        guard let png = try? encodePNG(crop) else { return nil }
        return Data(png).base64EncodedString()
    }

    static func encodePNG(_ image: GrayImage) throws -> [UInt8] {
        try ImageCodec.encode([image], as: .png)
    }
}
