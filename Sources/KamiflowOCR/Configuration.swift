import KamiflowCore

/// Bounds on what one scan may cost, checked before any pixel is decoded.
///
/// Scans arrive from outside (a drop folder, an upload): a 74-byte PNG can declare 60000×60000 pixels and ask for
/// 3.6 GB once decoded. Every limit is checked from the file's size and headers first, so such a file is refused
/// without being decoded. The defaults admit an A3 page at 600 dpi and a few hundred pages.
public struct ScanLimits: Hashable, Sendable, Codable {
    /// The largest page accepted, in pixels (width × height). Default 80 million: A3 at 600 dpi is 70 million.
    public var maxPixelsPerPage: Int
    /// The most pages one file may hold (multi-page TIFF, PDF). Default 500.
    public var maxPagesPerFile: Int
    /// The largest file accepted, in bytes. Default 256 MiB.
    public var maxFileBytes: Int

    public init(maxPixelsPerPage: Int = 80_000_000, maxPagesPerFile: Int = 500, maxFileBytes: Int = 256 << 20) {
        self.maxPixelsPerPage = maxPixelsPerPage
        self.maxPagesPerFile = maxPagesPerFile
        self.maxFileBytes = maxFileBytes
    }
}

/// Everything the reading engine needs to know, passed in by the caller (the library reads no environment).
public struct OCRConfiguration: Hashable, Sendable {
    /// Tesseract languages joined by `+`, e.g. `jpn+eng`.
    public var languages: String
    /// The folder holding `<lang>.traineddata`; `nil` finds it in the usual places (Debian's
    /// `/usr/share/tesseract-ocr/5/tessdata` first). The executable maps `TESSDATA_PREFIX` and `--tessdata` here.
    public var tessdataDirectory: String?
    public var limits: ScanLimits
    /// Dots per inch to assume whatever the file says (a scanner that writes a wrong value); `nil` to trust the file.
    public var resolutionOverride: Double?
    /// Dots per inch to assume when the file records none.
    public var defaultResolution: Double
    /// Dots per inch at which PDF pages are rasterised.
    public var pdfResolution: Double
    /// The folder holding poppler's `pdftoppm` and `pdfinfo`, which rasterise PDFs in a separate process so that a
    /// hostile PDF cannot corrupt this one.
    public var popplerDirectory: String
    /// How long one PDF page may take to rasterise before the helper process is killed, in seconds.
    public var pdfTimeout: Double
    /// Bytes that the pages being read may hold at once, across every engine of the process (decoded pixels and the
    /// copies reading makes). A page waits until the pages before it leave room, and a page that cannot fit even
    /// alone is refused. The default admits the largest page `ScanLimits` allows, in grey, with room for an
    /// ordinary page beside it.
    public var pageMemoryBudget: Int

    /// The default `pageMemoryBudget`: 320 MiB.
    public static let defaultPageMemoryBudget = 320 << 20

    public init(
        languages: String = "jpn+eng",
        tessdataDirectory: String? = nil,
        limits: ScanLimits = ScanLimits(),
        resolutionOverride: Double? = nil,
        defaultResolution: Double = 300,
        pdfResolution: Double = 300,
        popplerDirectory: String = "/usr/bin",
        pdfTimeout: Double = 120,
        pageMemoryBudget: Int = OCRConfiguration.defaultPageMemoryBudget
    ) {
        self.languages = languages
        self.tessdataDirectory = tessdataDirectory
        self.limits = limits
        self.resolutionOverride = resolutionOverride
        self.defaultResolution = defaultResolution
        self.pdfResolution = pdfResolution
        self.popplerDirectory = popplerDirectory
        self.pdfTimeout = pdfTimeout
        self.pageMemoryBudget = pageMemoryBudget
    }

    /// Where tessdata is looked for when `tessdataDirectory` is `nil`, in order.
    public static let tessdataSearchPath = [
        "/usr/share/tesseract-ocr/5/tessdata",
        "/usr/share/tesseract-ocr/4.00/tessdata",
        "/usr/share/tessdata",
        "/usr/local/share/tessdata",
        "/opt/homebrew/share/tessdata",
    ]
}
