internal import CTesseract
import KamiflowCore

/// One Leptonica image, owned by exactly one thread.
///
/// Leptonica's reference counts are not atomic (DESIGN §4), so a `PixImage` is deliberately not Sendable: it is made,
/// used and freed on the engine worker that decoded the page. Every operation returns a new image; nothing here
/// mutates shared pixels.
final class PixImage {
    let pointer: PixPtr

    /// Takes ownership of `pointer`, which this object destroys.
    init(taking pointer: PixPtr) {
        Leptonica.configure()
        self.pointer = pointer
    }

    /// Takes ownership of the result of a Leptonica call, or throws `error` when the call returned NULL.
    convenience init(_ pointer: PixPtr?, orThrow error: @autoclosure () -> KamiflowError) throws {
        guard let pointer else { throw error() }
        self.init(taking: pointer)
    }

    deinit {
        var pix: PixPtr? = pointer
        pixDestroy(&pix)
    }

    var width: Int { Int(pixGetWidth(pointer)) }
    var height: Int { Int(pixGetHeight(pointer)) }
    var depth: Int { Int(pixGetDepth(pointer)) }
    var size: PixelSize { PixelSize(width: width, height: height) }
    var bounds: PixelRect { PixelRect(x: 0, y: 0, width: width, height: height) }

    /// Dots per inch recorded in the image (0 when the file did not say).
    var resolution: Int { Int(pixGetYRes(pointer)) }

    func setResolution(_ dpi: Double) {
        let value = Int32(dpi.rounded())
        pixSetResolution(pointer, value, value)
    }

    /// 8 bits a pixel without a colormap: already what `grayscale()` makes.
    var isPlainGray: Bool { depth == 8 && pixGetColormap(pointer) == nil }

    /// This image when it is already plain 8-bit gray (no copy: every operation here returns a new image), else an
    /// 8-bit grayscale copy.
    func asGrayscale() -> PixImage? {
        isPlainGray ? self : grayscale()
    }

    /// An 8-bit grayscale copy (no colormap); 1-bit images become 0/255.
    func grayscale() -> PixImage? {
        if depth == 8 && pixGetColormap(pointer) == nil {
            return pixCopy(nil, pointer).map(PixImage.init(taking:))
        }
        if depth == 32 {
            // Blend any alpha onto white first; Leptonica's RGB-to-gray ignores the alpha channel.
            guard let opaque = pixRemoveAlpha(pointer) else { return nil }
            let flattened = PixImage(taking: opaque)
            return withExtendedLifetime(flattened) { pixConvertTo8(flattened.pointer, 0).map(PixImage.init(taking:)) }
        }
        return pixConvertTo8(pointer, 0).map(PixImage.init(taking:))
    }

    /// The image turned clockwise by `quarterTurns` × 90°.
    func rotated(quarterTurns: Int) -> PixImage? {
        let turns = ((quarterTurns % 4) + 4) % 4
        if turns == 0 { return pixCopy(nil, pointer).map(PixImage.init(taking:)) }
        return pixRotateOrth(pointer, Int32(turns)).map(PixImage.init(taking:))
    }

    /// The part of the image inside `rect` (already clamped to the image).
    func clipped(to rect: PixelRect) -> PixImage? {
        guard let box = boxCreate(Int32(rect.x), Int32(rect.y), Int32(rect.width), Int32(rect.height)) else {
            return nil
        }
        var boxPointer: BoxPtr? = box
        defer { boxDestroy(&boxPointer) }
        return pixClipRectangle(pointer, box, nil).map(PixImage.init(taking:))
    }

    /// A copy with every rectangle of `rects` painted black (in any depth), for a page shown to someone who may
    /// not see what is written there (the review station's masked fields).
    func blackedOut(_ rects: [PixelRect]) -> PixImage? {
        guard let copy = pixCopy(nil, pointer).map(PixImage.init(taking:)) else { return nil }
        for rect in rects.map(clamp) where !rect.isEmpty {
            guard let box = boxCreate(Int32(rect.x), Int32(rect.y), Int32(rect.width), Int32(rect.height)) else {
                return nil
            }
            var boxPointer: BoxPtr? = box
            defer { boxDestroy(&boxPointer) }
            // In a 1-bit image 1 is ink; in grey and colour 0 is black.
            let painted = copy.depth == 1 ? pixSetInRect(copy.pointer, box) : pixClearInRect(copy.pointer, box)
            guard painted == 0 else { return nil }
        }
        return copy
    }

    /// The image as PNG bytes.
    func pngEncoded() -> [UInt8]? { encoded(format: Int32(IFF_PNG)) }

    /// Encodes the image in a Leptonica format (`IFF_PNG`, `IFF_TIFF_ZIP`, …).
    func encoded(format: Int32) -> [UInt8]? {
        var data: UnsafeMutablePointer<UInt8>?
        var count = 0
        guard pixWriteMem(&data, &count, pointer, format) == 0, let data else { return nil }
        defer { lept_free(data) }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// `rect` clamped to the image; empty when it lies outside.
    func clamp(_ rect: PixelRect) -> PixelRect {
        rect.intersection(bounds)
    }
}

/// Process-wide Leptonica settings, applied once before the first image is made.
enum Leptonica {
    private static let configured: Bool = {
        // Leptonica prints informational messages to stderr by default; only errors are worth a person's attention.
        _ = setMsgSeverity(Int32(L_SEVERITY_ERROR))
        return true
    }()

    static func configure() {
        _ = configured
    }
}

extension PixImage {
    /// A 1-bit image (1 = ink) of this 8-bit grayscale image.
    ///
    /// The window sizes follow Tesseract's own defaults for the same methods (a third of an inch), so a page
    /// binarised here reads like one Tesseract binarised itself.
    func binarized(_ method: Binarization, resolution: Double) -> PixImage? {
        guard depth == 8 else { return depth == 1 ? pixCopy(nil, pointer).map(PixImage.init(taking:)) : nil }
        let third = max(16, Int(resolution / 3))
        var result: PixPtr?
        switch method {
        case .otsu:
            guard pixOtsuAdaptiveThreshold(pointer, Int32(third), Int32(third), 0, 0, 0.1, nil, &result) == 0 else {
                return nil
            }
        case .sauvola:
            // Sauvola needs every tile to hold a whole window: shrink the window on small images.
            var half = third / 2
            let shortest = min(width, height)
            if 2 * half + 3 > shortest { half = (shortest - 3) / 2 }
            guard half >= 2 else {
                return pixThresholdToBinary(pointer, 128).map(PixImage.init(taking:))
            }
            let tilesAcross = max(1, min((width + 125) / 250, width / (2 * half + 3)))
            let tilesDown = max(1, min((height + 125) / 250, height / (2 * half + 3)))
            guard
                pixSauvolaBinarizeTiled(
                    pointer, Int32(half), 0.34, Int32(tilesAcross), Int32(tilesDown), nil, &result) == 0
            else { return nil }
        }
        return result.map(PixImage.init(taking:))
    }

    /// A 1-bit image (1 = ink) of this 8-bit grayscale image with one Otsu threshold for the whole page.
    ///
    /// This is what ink is counted on (checkboxes, circled options, marks, blank fields). Adaptive Otsu splits
    /// every tile in two, and a tile of plain paper has nothing to split but the scanner's noise: on office-scanner
    /// JPEGs a blank ring around an unmarked option came out 12% "ink". A scanned form is a page of dark ink on
    /// light paper, which one threshold separates well.
    func globallyBinarized() -> PixImage? {
        guard depth == 8 else { return depth == 1 ? pixCopy(nil, pointer).map(PixImage.init(taking:)) : nil }
        return globalOtsu()?.image
    }

    /// `globallyBinarized()` with the threshold it chose (pixels darker than it are ink), so that a part of the
    /// page cut later can be thresholded the same way.
    func globalOtsu() -> (image: PixImage, threshold: Int)? {
        guard depth == 8 else { return nil }
        var result: PixPtr?
        var thresholds: PixPtr?
        guard pixOtsuAdaptiveThreshold(pointer, Int32(width), Int32(height), 0, 0, 0.1, &thresholds, &result) == 0,
            let result, let thresholds
        else { return nil }
        let tiles = PixImage(taking: thresholds)
        var value: UInt32 = 0
        pixGetPixel(tiles.pointer, 0, 0, &value)
        return (PixImage(taking: result), Int(value))
    }

    /// A 1-bit image of this 8-bit one: 1 (ink) where a pixel is darker than `threshold`.
    func thresholded(below threshold: Int) -> PixImage? {
        guard depth == 8 else { return nil }
        return pixThresholdToBinary(pointer, Int32(threshold)).map(PixImage.init(taking:))
    }

    /// This 1-bit image without specks: connected components no larger than about 1/150 inch either way.
    func despeckled(resolution: Double) -> PixImage? {
        let side = max(1, Int((resolution / 150).rounded()))
        return pixSelectBySize(
            pointer, Int32(side), Int32(side), 8, Int32(L_SELECT_IF_EITHER), Int32(L_SELECT_IF_GT), nil
        ).map(PixImage.init(taking:))
    }

    /// The number of ink (1) pixels of this 1-bit image inside `rect`.
    func inkCount(in rect: PixelRect) -> Int {
        guard let box = boxCreate(Int32(rect.x), Int32(rect.y), Int32(rect.width), Int32(rect.height)) else {
            return 0
        }
        var boxPointer: BoxPtr? = box
        defer { boxDestroy(&boxPointer) }
        var count: Int32 = 0
        guard pixCountPixelsInRect(pointer, box, &count, nil) == 0 else { return 0 }
        return Int(count)
    }

    /// Whether this 1-bit image has no ink (1) pixel at all.
    var isBlank: Bool {
        var empty: Int32 = 1
        return pixZero(pointer, &empty) != 0 || empty != 0
    }

    /// Morphological opening with a `width`×`height` brick: of a 1-bit image, only the ink that a brick of that size
    /// fits into survives (a 60×1 brick keeps horizontal runs at least 60 pixels long).
    func opened(width: Int, height: Int) -> PixImage? {
        guard depth == 1 else { return nil }
        return pixOpenBrick(nil, pointer, Int32(max(1, width)), Int32(max(1, height))).map(PixImage.init(taking:))
    }

    /// Morphological dilation with a `width`×`height` brick centred on each ink pixel of a 1-bit image.
    func dilated(width: Int, height: Int) -> PixImage? {
        guard depth == 1 else { return nil }
        return pixDilateBrick(nil, pointer, Int32(max(1, width)), Int32(max(1, height))).map(PixImage.init(taking:))
    }

    /// The smallest rectangle holding every ink pixel of this 1-bit image; `nil` when it holds none.
    func inkBounds() -> PixelRect? {
        guard depth == 1 else { return nil }
        var box: BoxPtr?
        guard pixClipBoxToForeground(pointer, nil, nil, &box) == 0, let box else { return nil }
        defer {
            var owned: BoxPtr? = box
            boxDestroy(&owned)
        }
        var x: Int32 = 0, y: Int32 = 0, w: Int32 = 0, h: Int32 = 0
        guard boxGetGeometry(box, &x, &y, &w, &h) == 0, w > 0, h > 0 else { return nil }
        return PixelRect(x: Int(x), y: Int(y), width: Int(w), height: Int(h))
    }

    /// A copy scaled by `factor` in both directions (area-mapped when shrinking, so thin strokes keep their grey
    /// weight instead of breaking up), its resolution scaled with it.
    func scaled(by factor: Double) -> PixImage? {
        guard let result = pixScale(pointer, Float(factor), Float(factor)) else { return nil }
        let image = PixImage(taking: result)
        if resolution > 0 { image.setResolution(Double(resolution) * factor) }
        return image
    }

    /// Bounding boxes of the 8-connected components of this 1-bit image.
    func componentBoxes() -> [PixelRect] {
        guard let boxes = pixConnCompBB(pointer, 8) else { return [] }
        defer {
            var owned: BoxaPtr? = boxes
            boxaDestroy(&owned)
        }
        let count = boxaGetCount(boxes)
        var result: [PixelRect] = []
        result.reserveCapacity(Int(count))
        for index in 0..<count {
            var x: Int32 = 0
            var y: Int32 = 0
            var w: Int32 = 0
            var h: Int32 = 0
            if boxaGetBoxGeometry(boxes, index, &x, &y, &w, &h) == 0 {
                result.append(PixelRect(x: Int(x), y: Int(y), width: Int(w), height: Int(h)))
            }
        }
        return result
    }
}

extension PixImage {
    /// What of this 1-bit zone is writing: its ink without ruled lines and specks, on a white border of `margin`
    /// pixels.
    ///
    /// Tesseract reads a zone far better as an image of its own on clean white paper than as a rectangle of the
    /// scanned page: on office-scanner scans a katakana name read as `イムタダビロト` from the grey, noisy page
    /// and as `イケダ ヒロト` from the same pixels thresholded, cleared of the cell border a shifted scan had put
    /// inside the zone and padded with white. A component is dropped as a ruled line when it is thin and runs
    /// most of the zone's width (or height), and as a speck when it fits in `speck`×`speck` pixels (and, when
    /// `keepingSpecksBesideWriting`, no writing lies within `speck` pixels of it). Returns `nil` when Leptonica
    /// fails.
    func writingOnly(speck: Int, margin: Int, keepingSpecksBesideWriting: Bool = false) -> PixImage? {
        guard depth == 1 else { return nil }
        var components: PixaPtr?
        guard let boxes = pixConnComp(pointer, &components, 8) else { return nil }
        var ownedBoxes: BoxaPtr? = boxes
        defer {
            boxaDestroy(&ownedBoxes)
            pixaDestroy(&components)
        }
        guard let components, let clean = pixCreate(Int32(width), Int32(height), 1) else { return nil }
        let result = PixImage(taking: clean)
        let zoneWidth = width, zoneHeight = height
        let found = (0..<boxaGetCount(boxes)).map { index -> PixelRect? in
            var x: Int32 = 0, y: Int32 = 0, w: Int32 = 0, h: Int32 = 0
            guard boxaGetBoxGeometry(boxes, index, &x, &y, &w, &h) == 0 else { return nil }
            return PixelRect(x: Int(x), y: Int(y), width: Int(w), height: Int(h))
        }
        // The blobs by the 16-pixel squares they cover, so that a noisy zone's thousands of specks are not each
        // compared with every other.
        let square = 16
        var near: [Int: [PixelRect]] = [:]
        func squares(_ box: PixelRect, widenedBy reach: Int) -> [Int] {
            let xs = max(0, box.x - reach) / square...max(0, box.maxX - 1 + reach) / square
            let ys = max(0, box.y - reach) / square...max(0, box.maxY - 1 + reach) / square
            return ys.flatMap { y in xs.map { y * 65_536 + $0 } }
        }
        func isRule(_ box: PixelRect) -> Bool {
            let across = box.width, down = box.height
            return (across * 10 >= zoneWidth * 6 && down * 6 <= across && down * 10 < zoneHeight * 9)
                || (down * 10 >= zoneHeight * 9 && across * 6 <= down)
        }
        // Only writing keeps a speck beside it: not another speck (the dots of a dotted rule), not a ruled line.
        let writing = found.compactMap { $0 }.filter { ($0.width > speck || $0.height > speck) && !isRule($0) }
        for box in writing {
            for key in squares(box, widenedBy: 0) { near[key, default: []].append(box) }
        }
        // A speck is a blob that small; when `keepingSpecksBesideWriting`, one with no writing beside it: a ゜ or a
        // ゛ the threshold broke into dots of a pixel or two stays (at 200 dpi the ゜ of パ in Noto Serif CJK was
        // cleared away, and jpn, its second decode and the second model all read ハ).
        func isSpeck(_ box: PixelRect) -> Bool {
            guard box.width <= speck && box.height <= speck else { return false }
            guard keepingSpecksBesideWriting else { return true }
            return !squares(box, widenedBy: speck).contains { key in
                near[key, default: []].contains { other in
                    let apartX = max(other.x - box.maxX, box.x - other.maxX)
                    let apartY = max(other.y - box.maxY, box.y - other.maxY)
                    return max(apartX, apartY) <= speck
                }
            }
        }
        for (index, box) in zip(Int32(0)..., found) {
            guard let box else { continue }
            let x = Int32(box.x), y = Int32(box.y), w = Int32(box.width), h = Int32(box.height)
            if isSpeck(box) || isRule(box) { continue }
            guard let piece = pixaGetPix(components, index, Int32(L_CLONE)) else { continue }
            var owned: PixPtr? = piece
            pixRasterop(result.pointer, x, y, w, h, Self.paint, piece, 0, 0)
            pixDestroy(&owned)
        }
        guard margin > 0 else { return result }
        return pixAddBorder(result.pointer, Int32(margin), 0).map(PixImage.init(taking:))
    }

    /// This 1-bit writing grown into the faint ink of `grey` (the 8-bit pixels it was cut from) that is connected to
    /// it: the hairlines of a Mincho face at 150 dpi are lighter than the page's ink threshold, and a writing mask
    /// made at that threshold erased them (吉田 came back as 古田 and 口, 吉 as 占). `all` is the zone's ink before the
    /// ruled lines and specks were dropped from it; what was dropped, and a pixel around it, stays out of the
    /// growth, so a rule the writing touches does not come back through its faint edge.
    ///
    /// Faint is darker than the zone's paper by a quarter of the way to its ink (paper 240 and ink 80: under 200):
    /// four to five times the noise of an office scanner (σ 2–12 grey levels) above it, so paper noise touching a
    /// stroke is rarely taken in. Returns `nil` when Leptonica fails, and the writing unchanged where paper and ink
    /// are too close to tell a faint stroke from the paper.
    func grownIntoFaintStrokes(of grey: PixImage, all: PixImage) -> PixImage? {
        guard depth == 1, grey.depth == 8, all.depth == 1, grey.width == width, grey.height == height,
            all.width == width, all.height == height
        else { return nil }
        var inkLevel: Float = 0
        var paperLevel: Float = 0
        guard let inverted = pixInvert(nil, all.pointer) else { return nil }
        let paper = PixImage(taking: inverted)
        // Leptonica reports an empty mask as an error on stderr: a zone with no writing, or no paper, has nothing
        // to grow and is not asked.
        guard !isBlank, !paper.isBlank else { return self }
        guard pixGetAverageMasked(grey.pointer, pointer, 0, 0, 1, Int32(L_MEAN_ABSVAL), &inkLevel) == 0,
            pixGetRankValueMasked(grey.pointer, paper.pointer, 0, 0, 1, 0.5, &paperLevel, nil) == 0
        else { return self }
        guard paperLevel - inkLevel > Self.leastContrast else { return self }
        let threshold = Int32((paperLevel - Self.faintShare * (paperLevel - inkLevel)).rounded())
        guard let faintPointer = pixThresholdToBinary(grey.pointer, threshold),
            let droppedPointer = pixSubtract(nil, all.pointer, pointer)
        else { return nil }
        let faint = PixImage(taking: faintPointer)
        let dropped = PixImage(taking: droppedPointer)
        guard let aroundPointer = pixDilateBrick(nil, dropped.pointer, 3, 3) else { return nil }
        let around = PixImage(taking: aroundPointer)
        guard pixSubtract(faint.pointer, faint.pointer, around.pointer) != nil,
            pixOr(faint.pointer, faint.pointer, pointer) != nil,
            let grown = pixSeedfillBinary(nil, pointer, faint.pointer, 8)
        else { return nil }
        return PixImage(taking: grown)
    }

    /// How far from the paper towards the ink a pixel must be to count as a faint stroke (`grownIntoFaintStrokes`).
    static let faintShare: Float = 0.25
    /// Below this difference between paper and ink (grey levels) no faint stroke is looked for.
    static let leastContrast: Float = 60

    /// The grey pixels of this 8-bit image where `writing` (a 1-bit image of the same size) has ink or touches it,
    /// white everywhere else, on a white border of `margin` pixels.
    ///
    /// Tesseract reads the anti-aliased edges of thin strokes better than their thresholded outline (a fixture's
    /// 郎 came back as 朗 from the 1-bit writing and right from these pixels), while the noise and the ruled lines
    /// of the paper around the writing are gone all the same.
    func keeping(_ writing: PixImage, margin: Int) -> PixImage? {
        guard depth == 8, writing.depth == 1, writing.width == width, writing.height == height,
            let copy = pixCopy(nil, pointer), let grown = pixDilateBrick(nil, writing.pointer, 3, 3)
        else { return nil }
        let result = PixImage(taking: copy)
        let halo = PixImage(taking: grown)
        guard let outside = pixInvert(nil, halo.pointer) else { return nil }
        let paper = PixImage(taking: outside)
        guard pixSetMasked(result.pointer, paper.pointer, 255) == 0 else { return nil }
        guard margin > 0 else { return result }
        return pixAddBorder(result.pointer, Int32(margin), 255).map(PixImage.init(taking:))
    }

    /// Leptonica's `PIX_PAINT` (source OR destination), a macro Swift does not import.
    private static let paint: Int32 = 0xC | 0xA
}
