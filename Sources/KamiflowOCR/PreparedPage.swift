internal import CTesseract
import KamiflowCore

/// A decoded, prepared page living on the engine that made it; what `withPages` bodies receive.
final class PreparedPage: ReadablePage {
    let index: Int
    let report: PreparationReport
    /// The scan's name, for errors.
    let subject: String
    /// Tells pages apart on the engine (object identities can be reused once a page is freed).
    let serial: Int
    /// The pixels Tesseract reads: the decoded image untouched, or the prepared (oriented, deskewed, binarised) one.
    let image: PixImage
    private unowned let engine: TesseractEngine
    private var binaryImage: PixImage?

    init(
        engine: TesseractEngine, subject: String, serial: Int, index: Int, image: PixImage, binary: PixImage?,
        report: PreparationReport
    ) {
        self.engine = engine
        self.subject = subject
        self.serial = serial
        self.index = index
        self.image = image
        self.binaryImage = binary
        self.report = report
    }

    var size: PixelSize { image.size }

    func recognize(_ zone: PixelRect?, options: RecognitionOptions) throws -> Reading {
        try engine.recognize(self, zone: zone, options: options)
    }

    /// The binarised page ink is counted on: the preparation's own, or one global Otsu threshold made on first use.
    private var binary: PixImage? {
        if binaryImage == nil {
            binaryImage =
                image.depth == 1 ? image : image.asGrayscale()?.globallyBinarized()
        }
        return binaryImage
    }

    func fillRatio(of box: PixelRect) -> Double {
        let rect = image.clamp(box)
        guard !rect.isEmpty, let binary else { return 0 }
        return Double(binary.inkCount(in: rect)) / Double(rect.area)
    }

    /// The writing inside `rect` (already clamped to the page) as an image of its own: its ink found as the ink
    /// counts find it, without ruled lines and specks (`PixImage.writingOnly`), kept in its grey levels on white
    /// paper (`PixImage.keeping`), on a white border of about 1 mm.
    /// Returns the image and the page position of its top-left pixel.
    func writing(in rect: PixelRect) -> (image: PixImage, originX: Int, originY: Int)? {
        guard let binary, let clip = binary.clipped(to: rect) else { return nil }
        let dpi = image.resolution > 0 ? Double(image.resolution) : 300
        let speck = max(1, Int((dpi / 100).rounded()))
        let margin = max(8, Int((dpi / 25.4).rounded()))
        guard let ink = clip.writingOnly(speck: speck, margin: 0) else { return nil }
        let grey = image.depth == 1 ? nil : image.clipped(to: rect)?.grayscale()
        guard let clean = grey?.keeping(ink, margin: margin) ?? ink.writingOnly(speck: 0, margin: margin) else {
            return nil
        }
        clean.setResolution(dpi)
        return (clean, rect.x - margin, rect.y - margin)
    }

    func inkComponents(in region: PixelRect?, sides: ClosedRange<Int>) -> [PixelRect] {
        let rect = region.map(image.clamp) ?? image.bounds
        guard !rect.isEmpty, let binary else { return [] }
        let boxes: [PixelRect]
        if rect == image.bounds {
            boxes = binary.componentBoxes()
        } else {
            // Components are found in the clipped area only, so a blob crossing its edge is cut there.
            boxes = (binary.clipped(to: rect)?.componentBoxes() ?? []).map {
                PixelRect(x: $0.x + rect.x, y: $0.y + rect.y, width: $0.width, height: $0.height)
            }
        }
        return boxes.filter { sides.contains($0.width) && sides.contains($0.height) }
    }

    func ruledLines(minimumLength: Int, maximumThickness: Int) -> [RuledLine] {
        guard minimumLength > 1, let binary else { return [] }
        var lines: [RuledLine] = []
        for orientation in [RuledLine.Orientation.horizontal, .vertical] {
            let horizontal = orientation == .horizontal
            let runs = binary.opened(width: horizontal ? minimumLength : 1, height: horizontal ? 1 : minimumLength)
            for box in runs?.componentBoxes() ?? [] {
                let line = RuledLine(orientation: orientation, box: box)
                if line.thickness <= maximumThickness { lines.append(line) }
            }
        }
        return lines
    }

    func pngData(of region: PixelRect?) throws -> [UInt8] {
        let source: PixImage
        if let region {
            let rect = image.clamp(region)
            guard !rect.isEmpty, let clip = image.clipped(to: rect) else {
                throw KamiflowError(
                    .invalidArgument, "region \(region) lies outside page \(index + 1) (\(size.width)×\(size.height))",
                    subject: subject)
            }
            source = clip
        } else {
            source = image
        }
        guard let data = source.encoded(format: Int32(IFF_PNG)) else {
            throw KamiflowError(.io, "page \(index + 1) could not be encoded as PNG", subject: subject)
        }
        return data
    }
}
