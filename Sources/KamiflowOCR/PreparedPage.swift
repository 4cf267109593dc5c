internal import CTesseract
import Foundation
import KamiflowCore

/// A decoded, prepared page living on the engine that made it; what `withPages` bodies receive.
///
/// A skewed page is not rotated as a whole. Its ink (the 1-bit image marks, boxes and zones are found on) is
/// turned straight by shearing, which costs little on one bit a pixel; the grey pixels are turned, area-mapped,
/// only where something is read (`writing(in:)`), a few percent of the page. Rotating the whole grey page
/// area-mapped took 9 % of the CPU of a batch; shearing it instead lost half a percent of printed-field accuracy.
/// Coordinates are those of the straightened page either way; `image` makes the whole straight page on first use
/// (whole-page reads, page images for people).
final class PreparedPage: ReadablePage {
    let index: Int
    let report: PreparationReport
    /// The scan's name, for errors.
    let subject: String
    /// Tells pages apart on the engine (object identities can be reused once a page is freed).
    let serial: Int
    /// The page before straightening: the decoded image untouched, or oriented, or the prepared binary image.
    private let source: PixImage
    /// The clockwise turn, in radians, that straightens `source`; `nil` when it needs none.
    private let straightening: Double?
    private unowned let engine: TesseractEngine
    private var binaryImage: PixImage?
    private var straightImage: PixImage?
    /// The grey level below which the engine counted a skewed page's ink (`binary`, sheared straight): zones cut
    /// from the turned grey pixels are thresholded at it.
    private let inkThreshold: Int?

    init(
        engine: TesseractEngine, subject: String, serial: Int, index: Int, image: PixImage, binary: PixImage?,
        report: PreparationReport, straightening: Double? = nil, inkThreshold: Int? = nil
    ) {
        self.engine = engine
        self.subject = subject
        self.serial = serial
        self.index = index
        self.source = image
        self.binaryImage = binary
        self.report = report
        self.straightening = straightening
        self.inkThreshold = inkThreshold
    }

    /// The pixels whole-page reads see: the straightened page, made on first use when the page is skewed.
    var image: PixImage {
        if let straightImage { return straightImage }
        guard let angle = straightening,
            let turned = pixRotate(
                source.pointer, Float(angle), Int32(L_ROTATE_AREA_MAP), Int32(L_BRING_IN_WHITE), 0, 0)
        else { return source }
        let result = PixImage(taking: turned)
        result.setResolution(Double(source.resolution))
        straightImage = result
        return result
    }

    var size: PixelSize { source.size }
    var bounds: PixelRect { source.bounds }

    /// `rect` cut to the page.
    func clamp(_ rect: PixelRect) -> PixelRect { source.clamp(rect) }

    func recognize(_ zone: PixelRect?, options: RecognitionOptions) throws -> Reading {
        try engine.recognize(self, zone: zone, options: options)
    }

    /// The binarised page ink is counted on, straight: the preparation's own, or one global Otsu threshold made on
    /// first use (sheared straight when the page is skewed).
    private var binary: PixImage? {
        if binaryImage == nil {
            // Only an unprepared page comes here (a deskewed one arrives with its ink): it is straight.
            binaryImage = source.depth == 1 ? source : source.asGrayscale()?.globallyBinarized()
        }
        return binaryImage
    }

    /// The grey pixels of `rect` (straight-page coordinates, inside the page) as an image of their own.
    ///
    /// On a skewed page the rectangle's preimage is cut from the scan with a pixel to spare, turned about its own
    /// centre and the rectangle cut from the middle: turning about another centre moves the result by a constant,
    /// which is worked out here.
    func greyPixels(of rect: PixelRect) -> PixImage? {
        guard let angle = straightening, straightImage == nil else { return image.clipped(to: rect)?.grayscale() }
        let (sine, cosine) = (sin(angle), cos(angle))
        let centre = (x: Double(source.width) / 2, y: Double(source.height) / 2)
        // Straight-page point p comes from scan point R(-angle)(p - centre) + centre (clockwise positive, y down).
        func scanPoint(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
            let dx = x - centre.x, dy = y - centre.y
            return (cosine * dx + sine * dy + centre.x, -sine * dx + cosine * dy + centre.y)
        }
        let corners = [
            scanPoint(Double(rect.x), Double(rect.y)), scanPoint(Double(rect.maxX), Double(rect.y)),
            scanPoint(Double(rect.x), Double(rect.maxY)), scanPoint(Double(rect.maxX), Double(rect.maxY)),
        ]
        let minX = Int(corners.map(\.x).min()!.rounded(.down)) - 2, maxX = Int(corners.map(\.x).max()!.rounded(.up)) + 2
        let minY = Int(corners.map(\.y).min()!.rounded(.down)) - 2, maxY = Int(corners.map(\.y).max()!.rounded(.up)) + 2
        // Cut without clamping to the scan: what lies outside is brought in white, as the whole-page turn would.
        guard let grey = source.asGrayscale(),
            let cut = pixCreate(Int32(maxX - minX), Int32(maxY - minY), 8)
        else { return nil }
        let piece = PixImage(taking: cut)
        pixSetAllArbitrary(piece.pointer, 255)
        pixRasterop(
            piece.pointer, 0, 0, Int32(piece.width), Int32(piece.height), PIX_SRC, grey.pointer, Int32(minX),
            Int32(minY))
        guard
            let turnedPointer = pixRotate(
                piece.pointer, Float(angle), Int32(L_ROTATE_AREA_MAP), Int32(L_BRING_IN_WHITE), 0, 0)
        else { return nil }
        let turned = PixImage(taking: turnedPointer)
        // Where the rectangle's top-left corner lands in the turned piece: q = (p - c) + R(c - o - k) + k, with c the
        // scan's centre, o the piece's origin and k the piece's centre.
        let k = (x: Double(piece.width) / 2, y: Double(piece.height) / 2)
        let vx = centre.x - Double(minX) - k.x, vy = centre.y - Double(minY) - k.y
        let qx = Double(rect.x) - centre.x + cosine * vx - sine * vy + k.x
        let qy = Double(rect.y) - centre.y + sine * vx + cosine * vy + k.y
        return turned.clipped(
            to: PixelRect(x: Int(qx.rounded()), y: Int(qy.rounded()), width: rect.width, height: rect.height))
    }

    func fillRatio(of box: PixelRect) -> Double {
        let rect = source.clamp(box)
        guard !rect.isEmpty, let binary else { return 0 }
        return Double(binary.inkCount(in: rect)) / Double(rect.area)
    }

    func inkPatch(of rect: PixelRect) -> InkPatch? {
        let rect = source.clamp(rect)
        guard !rect.isEmpty, let binary, let cut = binary.clipped(to: rect),
            let bytes = pixConvert1To8(nil, cut.pointer, 0, 1).map(PixImage.init(taking:))
        else { return nil }
        return InkPatch(rect: rect, ink: ImageCodec.grayImage(from: bytes).pixels)
    }

    /// The writing inside `rect` (already clamped to the page) as an image of its own: its ink found as the ink
    /// counts find it, without ruled lines and specks (`PixImage.writingOnly`), kept in its grey levels on white
    /// paper (`PixImage.keeping`), on a white border of about 1 mm.
    /// Returns the image, the page position of its top-left pixel and the size of its ink in pixels.
    func writing(
        in rect: PixelRect, keepingFaintStrokes: Bool = true, keepingSpecksBesideWriting: Bool = false
    ) -> (image: PixImage, originX: Int, originY: Int, ink: PixelSize)? {
        guard let binary else { return nil }
        let grey = source.depth == 1 ? nil : greyPixels(of: rect)
        // On a skewed page the ink is the turned grey pixels thresholded as the page was, so that it lies exactly
        // on them (the sheared page ink is up to a pixel off, and cost 0.2 % of printed-field accuracy).
        let straightInk = straightening == nil ? nil : inkThreshold.flatMap { grey?.thresholded(below: $0) }
        guard let clip = straightInk ?? binary.clipped(to: rect) else { return nil }
        let dpi = source.resolution > 0 ? Double(source.resolution) : 300
        let speck = max(1, Int((dpi / 100).rounded()))
        let margin = max(8, Int((dpi / 25.4).rounded()))
        guard
            let ink = clip.writingOnly(speck: speck, margin: 0, keepingSpecksBesideWriting: keepingSpecksBesideWriting)
        else { return nil }
        // The faint hairlines connected to the writing, kept (a Mincho face at 150 dpi loses them at the threshold).
        var strokes = keepingFaintStrokes ? grey.flatMap { ink.grownIntoFaintStrokes(of: $0, all: clip) } ?? ink : ink
        // Where specks beside writing are kept, so is a speck that is the dark end of a faint stroke: a Mincho 一 at
        // 150 dpi is a hairline lighter than the threshold with a serif of 3×2 pixels, cleared as a speck (高橋 健一
        // read as 高橋健 by jpn and the second model alike). Every blob but the rules is grown into the faint strokes
        // touching it, and what has grown into a stroke (over three specks long) joins the writing.
        if keepingFaintStrokes, keepingSpecksBesideWriting, let grey,
            let seeds = clip.writingOnly(speck: 0, margin: 0),
            let grown = seeds.grownIntoFaintStrokes(of: grey, all: clip),
            let lines = grown.writingOnly(speck: 3 * speck, margin: 0),
            let both = pixOr(nil, strokes.pointer, lines.pointer)
        {
            strokes = PixImage(taking: both)
        }
        guard let clean = grey?.keeping(strokes, margin: margin) ?? ink.writingOnly(speck: 0, margin: margin) else {
            return nil
        }
        clean.setResolution(dpi)
        let bounds = ink.inkBounds()
        return (
            clean, rect.x - margin, rect.y - margin, PixelSize(width: bounds?.width ?? 0, height: bounds?.height ?? 0)
        )
    }

    func writingImage(in zone: PixelRect, keepingSpecksBesideWriting: Bool) -> GrayImage? {
        let rect = source.clamp(zone)
        guard !rect.isEmpty, let writing = writing(in: rect, keepingSpecksBesideWriting: keepingSpecksBesideWriting),
            writing.ink.width > 0,
            let grey = writing.image.isPlainGray ? writing.image : writing.image.grayscale()
        else { return nil }
        return ImageCodec.grayImage(from: grey)
    }

    func greyImage(of rect: PixelRect) -> GrayImage? {
        let rect = source.clamp(rect)
        guard !rect.isEmpty, let grey = greyPixels(of: rect), grey.depth == 8 else { return nil }
        return ImageCodec.grayImage(from: grey)
    }

    func inkComponents(in region: PixelRect?, sides: ClosedRange<Int>) -> [PixelRect] {
        let rect = region.map(source.clamp) ?? source.bounds
        guard !rect.isEmpty, let binary else { return [] }
        let boxes: [PixelRect]
        if rect == source.bounds {
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
            // A thin rule on a page sheared straight (or scanned a little askew) is a staircase of runs one pixel
            // thick, each shorter than a rule at 150 dpi (1.9° steps every 31 pixels; 6 mm is 35): grown by a pixel
            // across its length, its steps overlap and it is one run again. The box is shrunk back afterwards.
            let grown = binary.dilated(width: horizontal ? 1 : 3, height: horizontal ? 3 : 1)
            let runs = grown?.opened(width: horizontal ? minimumLength : 1, height: horizontal ? 1 : minimumLength)
            for box in runs?.componentBoxes() ?? [] {
                let line = RuledLine(
                    orientation: orientation,
                    box: horizontal
                        ? PixelRect(x: box.x, y: box.y + 1, width: box.width, height: max(1, box.height - 2))
                        : PixelRect(x: box.x + 1, y: box.y, width: max(1, box.width - 2), height: box.height))
                if line.thickness <= maximumThickness { lines.append(line) }
            }
        }
        return lines
    }

    func pngData(of region: PixelRect?) throws -> [UInt8] {
        try pngData(of: region, blackingOut: [])
    }

    func pngData(of region: PixelRect?, blackingOut hidden: [PixelRect]) throws -> [UInt8] {
        var picture: PixImage
        if let region {
            let rect = source.clamp(region)
            // A part of a skewed page is turned on its own (the whole page is turned only when asked for).
            let part = straightening != nil && straightImage == nil ? greyPixels(of: rect) : image.clipped(to: rect)
            guard !rect.isEmpty, let clip = part else {
                throw KamiflowError(
                    .invalidArgument, "region \(region) lies outside page \(index + 1) (\(size.width)×\(size.height))",
                    subject: subject)
            }
            picture = clip
        } else {
            picture = image
        }
        if !hidden.isEmpty {
            // Rectangles are page coordinates; a part starts at its own origin.
            let origin = region.map { source.clamp($0) } ?? PixelRect(x: 0, y: 0, width: 0, height: 0)
            let moved = hidden.map {
                PixelRect(x: $0.x - origin.x, y: $0.y - origin.y, width: $0.width, height: $0.height)
            }
            guard let covered = picture.blackedOut(moved) else {
                throw KamiflowError(.io, "page \(index + 1) could not be masked", subject: subject)
            }
            picture = covered
        }
        guard let data = picture.pngEncoded() else {
            throw KamiflowError(.io, "page \(index + 1) could not be encoded as PNG", subject: subject)
        }
        return data
    }
}
