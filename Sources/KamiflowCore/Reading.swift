/// Tesseract's page segmentation modes, by the numbers its CLI and API use.
public enum PageSegmentation: Int, Sendable, Codable, CaseIterable {
    case osdOnly = 0
    case autoWithOSD = 1
    case autoOnly = 2
    case auto = 3
    case singleColumn = 4
    case singleBlockVertical = 5
    case singleBlock = 6
    case singleLine = 7
    case singleWord = 8
    case circleWord = 9
    case singleCharacter = 10
    case sparseText = 11
    case sparseTextWithOSD = 12
    case rawLine = 13
}

/// How to recognise one zone (or a whole page).
public struct RecognitionOptions: Hashable, Sendable, Codable {
    public var segmentation: PageSegmentation
    /// Only these characters may be produced; `nil` for no restriction. DESIGN §4: with a whitelist the LSTM's own
    /// confidence can drop to 0, so engines take the confidence from a pass without it.
    public var whitelist: String?
    /// These characters may never be produced; `nil` for none. A Japanese field blacklists Latin letters, which
    /// `jpn+eng` otherwise offers for kanji it is unsure of ("長男" read as "RA"). Confidence is handled as for a
    /// whitelist.
    public var blacklist: String?
    /// The language model(s) to read with, joined by `+` (`jpn`, `eng`, `jpn+eng`); `nil` for the engine's
    /// configured default. One model is faster than two and does not mix scripts: `jpn+eng` runs a word through both
    /// models and may take the wrong one's answer, where digits read by `eng` and names by `jpn` do not.
    public var language: String?
    /// When a whitelist or blacklist has zeroed the LSTM's confidences, take them from one more pass without the
    /// lists (the default). `false` saves that pass where the caller judges the text by other evidence (two decodes
    /// that agree) and leaves the confidence as the listed pass gave it, possibly 0.
    public var measuresConfidence: Bool
    /// For one-line modes: scale the line's writing, before it is read, until its ink is this many pixels high
    /// (shrinking tall writing, enlarging small writing, leaving writing near that height alone); `nil` reads it at
    /// its scanned size. What the model reads depends on the size a line
    /// arrives at, although it rescales every line to its own input height.
    public var lineHeight: Double?
    /// Shrink a lone character (ink less than twice as wide as high) to `lineHeight` too. Off by default: read as
    /// scanned, such a character is read right more often; a second opinion asks for the other size.
    public var shrinksLoneCharacter: Bool
    /// Read a zone's writing isolated on white (the default: no ruled lines, no specks), or, when `false`, the
    /// zone as it is on the page. Printed labels read better as they are: isolating drops the thin, detached
    /// strokes of a serif face at 150–300 dpi (支 read as 文, 預 as 項).
    public var isolatesWriting = true
    /// When isolating writing, keep the faint strokes connected to it (a Mincho face's hairlines at 150 dpi, lighter
    /// than the page's ink threshold). Off by default: it is for the values a person or a printer wrote on a form
    /// (extraction asks for it), and it changes what other reads see — the words `inspect` finds in a blank's cells,
    /// the anchor words registration looks for — which were tuned without it.
    public var keepsFaintStrokes = false
    /// When isolating writing, keep the specks that lie beside a glyph (a ゛ or a ゜ the threshold broke into dots of a
    /// pixel or two: cleared away, it left ハ for パ to every reader). Off by default, as `keepsFaintStrokes`; and
    /// extraction asks for it only on forms whose values come in no known typeface: on Kamiflow's own forms, printed
    /// in theirs, the marks stay whole and a speck beside a glyph is noise (長 read as 喪, 一 as 亠).
    public var keepsSpecksBesideWriting = false
    /// Also give each character's box (`Reading.characters`): for checking part of a line again, such as the digits
    /// of an address, with another model.
    public var reportsCharacters = false

    public init(
        segmentation: PageSegmentation = .singleBlock, whitelist: String? = nil, blacklist: String? = nil,
        language: String? = nil, measuresConfidence: Bool = true, lineHeight: Double? = nil,
        shrinksLoneCharacter: Bool = false
    ) {
        self.segmentation = segmentation
        self.whitelist = whitelist
        self.blacklist = blacklist
        self.language = language
        self.measuresConfidence = measuresConfidence
        self.lineHeight = lineHeight
        self.shrinksLoneCharacter = shrinksLoneCharacter
    }
}

/// One recognised word with its box on the page and Tesseract's confidence (0–100).
public struct RecognizedWord: Hashable, Sendable, Codable {
    public var text: String
    public var box: PixelRect
    public var confidence: Double

    public init(text: String, box: PixelRect, confidence: Double) {
        self.text = text
        self.box = box
        self.confidence = confidence
    }
}

/// What the engine read in one zone or page.
public struct Reading: Hashable, Sendable, Codable {
    /// The text as the engine produced it (UTF-8, lines separated by `\n`).
    public var text: String
    /// Mean confidence 0–100; meaningful even when a whitelist was used.
    public var confidence: Double
    public var words: [RecognizedWord]
    /// Each character with its box, in reading order, when `RecognitionOptions.reportsCharacters` asked for them.
    public var characters: [RecognizedWord] = []
    /// The pixel rectangle that was read; `nil` for the whole page.
    public var zone: PixelRect?

    public init(text: String, confidence: Double, words: [RecognizedWord], zone: PixelRect? = nil) {
        self.text = text
        self.confidence = confidence
        self.words = words
        self.zone = zone
    }
}

/// The binarisation a page gets before ink is counted and text is read.
public enum Binarization: String, Sendable, Codable, CaseIterable {
    /// Otsu's threshold computed per tile (adaptive), good for evenly lit scans.
    case otsu
    /// Sauvola's local threshold, better for uneven backgrounds, stains and faxes.
    case sauvola
}

/// How a page is prepared before anything reads it.
public struct Preparation: Hashable, Sendable, Codable {
    /// Measure the skew and rotate it away.
    public var deskew: Bool
    public var binarization: Binarization?
    /// Remove isolated specks (fax and scanner noise) after binarisation.
    public var despeckle: Bool
    /// Detect a page turned by 90/180/270° with Tesseract OSD and turn it upright (≈ 0.3 s a page: only when asked).
    public var orient: Bool

    public init(deskew: Bool = false, binarization: Binarization? = nil, despeckle: Bool = false, orient: Bool = false)
    {
        self.deskew = deskew
        self.binarization = binarization
        self.despeckle = despeckle
        self.orient = orient
    }
}

/// What preparation found and did to a page.
public struct PreparationReport: Hashable, Sendable, Codable {
    /// The skew measured, in degrees (positive = the content was rotated clockwise); `nil` if not measured.
    public var skewAngle: Double?
    /// How far the page was turned to make it upright: 0, 90, 180 or 270 degrees clockwise.
    public var rotation: Int
    /// The resolution in dots per inch the page is taken to have (from the file, or the override).
    public var resolution: Double

    public init(skewAngle: Double? = nil, rotation: Int = 0, resolution: Double) {
        self.skewAngle = skewAngle
        self.rotation = rotation
        self.resolution = resolution
    }
}

/// Where a scan's bytes come from.
public enum ScanSource: Sendable, Hashable {
    case file(path: String)
    /// Bytes in memory, with a name to use in messages (and to guess the format when the bytes do not say).
    case bytes([UInt8], name: String)

    /// The name to put in messages.
    public var name: String {
        switch self {
        case .file(let path): path
        case .bytes(_, let name): name
        }
    }
}

/// One prepared page, ready to be read, living on the engine worker that decoded it.
///
/// Not Sendable on purpose: the pixels behind it never cross threads (Leptonica's refcounts are not atomic). Code
/// that needs a page runs inside `TextReader.withPages`, on that worker, and returns Sendable values.
public protocol ReadablePage: AnyObject {
    /// 0-based index of the page in its file.
    var index: Int { get }
    var size: PixelSize { get }
    var report: PreparationReport { get }

    /// Reads `zone` (or the whole page when `nil`).
    func recognize(_ zone: PixelRect?, options: RecognitionOptions) throws -> Reading

    /// The share (0…1) of dark pixels in `box` after binarisation; checkboxes are read this way, never by OCR.
    func fillRatio(of box: PixelRect) -> Double

    /// The binarised ink of `rect` (cut to the page) pixel by pixel, as ``fillRatio(of:)`` counts it: for a judge
    /// that looks at thousands of small boxes of one area (a circled option's surroundings). `nil` when no part of
    /// `rect` lies on the page.
    func inkPatch(of rect: PixelRect) -> InkPatch?

    /// Bounding boxes of the connected blobs of ink inside `region` (whole page when `nil`) whose width and height
    /// both lie within `sides`. Registration marks, printed boxes and rules are found this way.
    func inkComponents(in region: PixelRect?, sides: ClosedRange<Int>) -> [PixelRect]

    /// The straight horizontal and vertical rules of the page at least `minimumLength` pixels long and at most
    /// `maximumThickness` pixels thick (a form's table lines, box sides; not solid marks, not most letters).
    func ruledLines(minimumLength: Int, maximumThickness: Int) -> [RuledLine]

    /// The page (or a part of it) as PNG bytes, for overlays, reports and the review station.
    func pngData(of region: PixelRect?) throws -> [UInt8]

    /// The same with every rectangle of `hidden` (page coordinates) painted black: the page as shown to someone
    /// who may not see the sensitive fields written on it.
    func pngData(of region: PixelRect?, blackingOut hidden: [PixelRect]) throws -> [UInt8]

    /// The writing inside `zone` as Tesseract is given it: in its grey levels on white paper, without ruled lines
    /// and specks (but those beside a glyph when `keepingSpecksBesideWriting`, as
    /// `RecognitionOptions.keepsSpecksBesideWriting`), on a white border. `nil` when the zone holds no ink or lies
    /// outside the page.
    func writingImage(in zone: PixelRect, keepingSpecksBesideWriting: Bool) -> GrayImage?

    /// The page's grey pixels in `rect` as they are, straightened as the writing is: for a witness that looks at ink
    /// fainter than the page's threshold (the ゜ of a kana at 150 dpi). `nil` when the page has no grey levels to give.
    func greyImage(of rect: PixelRect) -> GrayImage?
}

extension ReadablePage {
    /// A page that keeps no grey levels gives none.
    public func greyImage(of rect: PixelRect) -> GrayImage? { nil }

    /// The writing inside `zone` as Tesseract is given it by default, without any speck.
    public func writingImage(in zone: PixelRect) -> GrayImage? {
        writingImage(in: zone, keepingSpecksBesideWriting: false)
    }
}

/// A page's binarised ink in one rectangle, in plain Swift memory (``ReadablePage/inkPatch(of:)``).
public struct InkPatch: Sendable, Hashable {
    /// Where the patch lies on the page (pixels).
    public var rect: PixelRect
    /// `rect.width × rect.height` bytes, row after row: 1 for ink.
    public var ink: [UInt8]

    public init(rect: PixelRect, ink: [UInt8]) {
        self.rect = rect
        self.ink = ink
    }

    /// Whether any pixel of `box` (page pixels) holds ink; what lies outside the patch holds none.
    public func hasInk(in box: PixelRect) -> Bool {
        let inside = box.intersection(rect)
        guard !inside.isEmpty else { return false }
        for y in inside.y..<inside.maxY {
            let row = (y - rect.y) * rect.width - rect.x
            for x in inside.x..<inside.maxX where ink[row + x] != 0 { return true }
        }
        return false
    }
}

/// An 8-bit grayscale image in plain Swift memory: row-major, 0 = black, 255 = white.
///
/// The form renderer draws pages and the tests build scans with it without touching Leptonica; KamiflowOCR's
/// `ImageCodec` turns it into the file formats scanners produce; a page gives a zone's writing as one
/// (`ReadablePage.writingImage`).
public struct GrayImage: Sendable, Hashable {
    public var width: Int
    public var height: Int
    /// Dots per inch, written into the file's header.
    public var resolution: Double
    /// `width × height` bytes, row after row.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, resolution: Double, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.resolution = resolution
        self.pixels = pixels
    }
}

/// Reads scans. The runtime and the workflow engine receive `any TextReader`; the composition root picks the
/// concrete engine (Tesseract's pool in KamiflowOCR).
public protocol TextReader: Sendable {
    /// Decodes `source`, prepares each page as `preparation` says and runs `body` on every page in order, on one
    /// engine worker, returning what `body` returned for each page. Decoding errors are thrown as `KamiflowError`
    /// naming the source.
    func withPages<T: Sendable>(
        of source: ScanSource,
        preparation: Preparation,
        _ body: @escaping @Sendable (any ReadablePage) throws -> T
    ) async throws -> [T]
}
