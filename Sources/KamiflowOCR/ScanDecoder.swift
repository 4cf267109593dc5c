internal import CTesseract
import KamiflowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file formats the engine reads.
enum ScanFormat: String, Sendable {
    case png = "PNG"
    case jpeg = "JPEG"
    case tiff = "TIFF"
    case pdf = "PDF"
    /// Portable graymap: only what `pdftoppm` hands back, never accepted from a user's file.
    case pnm = "PNM"
}

/// A scan's bytes, checked against the limits from the file size and image headers, decoded one page at a time.
///
/// Every check that can be made without decoding pixels is made in `init`, for every page, so that a bad page 40
/// stops the file before page 1 is read. Not Sendable: pages are `PixImage`s, which stay on the calling thread.
final class ScanDecoder {
    let name: String
    let format: ScanFormat
    let pageCount: Int
    private let bytes: [UInt8]
    private let configuration: OCRConfiguration
    /// Every page's size and sample layout, from the headers (for PDFs, the size `pdfinfo` gives at the rasterising
    /// resolution, rasterised to grey).
    private(set) var headers: [PageHeader] = []

    init(source: ScanSource, configuration: OCRConfiguration) throws {
        Leptonica.configure()
        self.name = source.name
        self.configuration = configuration
        let limits = configuration.limits
        switch source {
        case .file(let path):
            bytes = try Self.readFile(path, limits: limits)
        case .bytes(let data, let name):
            guard !data.isEmpty else { throw KamiflowError(.emptyFile, "the scan is empty (0 bytes)", subject: name) }
            guard data.count <= limits.maxFileBytes else {
                throw Self.tooLarge(data.count, limits: limits, subject: name)
            }
            bytes = data
        }
        format = try Self.sniff(bytes, name: name)
        switch format {
        case .png, .jpeg, .pnm:
            headers = [try Self.checkHeader(bytes, format: format, limits: limits, subject: name)]
        case .tiff:
            headers = try Self.checkTIFF(bytes, limits: limits, subject: name)
        case .pdf:
            headers = try Self.inspectPDF(bytes, configuration: configuration, subject: name).map {
                PageHeader(width: $0.width, height: $0.height, bitsPerSample: 8, samples: 1, colormap: false)
            }
        }
        pageCount = headers.count
    }

    /// What the headers say of one page.
    struct PageHeader {
        var width: Int
        var height: Int
        var bitsPerSample: Int
        var samples: Int
        var colormap: Bool

        var pixels: Int { width * height }
        /// Three or four samples a pixel: Leptonica decodes it to 32 bits a pixel unless it is read straight to grey.
        var isColour: Bool { samples >= 3 }
    }

    /// How many bytes reading page `index` holds at most, estimated from its header: the decoded page, what decoding
    /// needs on the side, and the copies reading makes of it (Tesseract's own copy and its thresholded page, the
    /// ink, the straightened parts). Pages are admitted against the memory budget by this figure before a pixel is
    /// decoded. The figures per pixel were measured with peak RSS on 79-megapixel pages (docs/operations.md).
    func memoryCost(ofPage index: Int, grey: Bool) -> Int {
        let header = headers[index]
        let pixels = header.pixels
        let decoded: Int  // the page as decoded, plus what decoding holds beside it
        let page: Int  // the page as reading sees it (Tesseract copies it)
        if grey {
            switch format {
            case .png, .jpeg: decoded = pixels  // straight to grey, row by row
            case .pdf, .pnm: decoded = 2 * pixels  // pdftoppm's raster, then the page
            case .tiff: decoded = header.isColour ? 8 * pixels : 2 * pixels  // libtiff's raster, then grey
            }
            page = pixels
        } else {
            // As the file holds it: 32 bits a pixel for colour; Leptonica's PNG reader keeps libpng's rows beside
            // the page until it is built.
            page = header.isColour ? 4 * pixels : max(pixels * header.bitsPerSample * header.samples / 8, 1)
            decoded = format == .png ? 2 * page : page
        }
        return decoded + page + Self.readingBytesPerPixel * pixels
    }

    /// Reading's own working copies, per pixel of the page: Tesseract's thresholded page and grey line images, the
    /// 1-bit ink, straightened parts of a skewed page.
    static let readingBytesPerPixel = 2

    /// PNG pages, and colour JPEG pages, are decoded to grey row by row; a grey JPEG is decoded to grey anyway.
    private func decodesStraightToGrey(_ header: PageHeader) -> Bool {
        format == .png || (format == .jpeg && header.isColour)
    }

    /// The resolution to give a page whose file recorded `recorded` dots per inch (0 when none).
    private func effectiveResolution(recorded: Int) -> Double {
        if let override = configuration.resolutionOverride { return override }
        if format == .pdf { return configuration.pdfResolution }
        return recorded > 0 ? Double(recorded) : configuration.defaultResolution
    }

    /// Decodes page `index` (0-based) with its resolution set. With `grey`, a PNG or a colour JPEG is decoded
    /// straight to 8-bit grey (a colour page in a quarter of the memory, and no full-colour page on the way); other
    /// pages are decoded as they are and the caller converts them.
    func page(at index: Int, grey: Bool = false) throws -> PixImage {
        precondition(index >= 0 && index < pageCount, "page index out of range")
        let image: PixImage
        switch format {
        case .png where grey && decodesStraightToGrey(headers[index]):
            image = try decodePNGToGrey()
        case .jpeg where grey && decodesStraightToGrey(headers[index]):
            image = try bytes.withUnsafeBufferPointer { buffer in
                var warnings: Int32 = 0
                // Luminance only: libjpeg skips the colour conversion. Damaged data fails as `pixReadMem` does.
                return try PixImage(
                    pixReadMemJpeg(buffer.baseAddress, buffer.count, 0, 1, &warnings, Int32(L_JPEG_READ_LUMINANCE)),
                    orThrow: damaged())
            }
        case .png, .jpeg, .pnm:
            image = try bytes.withUnsafeBufferPointer { buffer in
                try PixImage(pixReadMem(buffer.baseAddress, buffer.count), orThrow: damaged())
            }
        case .tiff:
            image = try bytes.withUnsafeBufferPointer { buffer in
                try PixImage(pixReadMemTiff(buffer.baseAddress, buffer.count, Int32(index)), orThrow: damaged(index))
            }
        case .pdf:
            image = try rasterizePDFPage(index)
        }
        let pixels = image.width * image.height
        guard pixels <= configuration.limits.maxPixelsPerPage else {
            // The header check makes this unreachable for honest files; a file whose data disagrees with its header
            // is refused all the same.
            throw Self.tooManyPixels(image.width, image.height, limits: configuration.limits, subject: name)
        }
        image.setResolution(effectiveResolution(recorded: image.resolution))
        return image
    }

    private func damaged(_ page: Int? = nil) -> KamiflowError {
        let which = page.map { "page \($0 + 1) of the \(format.rawValue) file" } ?? "the \(format.rawValue) image"
        return KamiflowError(
            .corruptImage, "\(which) cannot be decoded: the data is truncated or damaged",
            subject: name)
    }

    /// A PNG read by libpng's simplified reader straight into an 8-bit Leptonica page, row by row (Leptonica's own
    /// reader holds libpng's copy of the whole image beside the page), alpha blended onto white as
    /// `PixImage.grayscale()` does; the resolution from the `pHYs` chunk, as Leptonica reads it.
    private func decodePNGToGrey() throws -> PixImage {
        // libpng keeps the pointer to the bytes between the two calls: both run inside one access to them.
        let image: PixImage = try bytes.withUnsafeBufferPointer { buffer in
            var png = png_image()
            png.version = png_uint_32(PNG_IMAGE_VERSION)
            defer { png_image_free(&png) }
            guard png_image_begin_read_from_memory(&png, buffer.baseAddress, buffer.count) != 0 else {
                throw damaged()
            }
            png.format = png_uint_32(PNG_FORMAT_GRAY)
            let image = try PixImage(
                pixCreate(Int32(png.width), Int32(png.height), 8),
                orThrow: KamiflowError(.io, "no memory for a \(png.width)×\(png.height) page", subject: name))
            let stride = Int(pixGetWpl(image.pointer)) * 4
            var white = png_color(red: 255, green: 255, blue: 255)
            guard png_image_finish_read(&png, &white, pixGetData(image.pointer), png_int_32(stride), nil) != 0 else {
                throw damaged()
            }
            return image
        }
        // Leptonica keeps 8-bit pixels in big-endian order inside 32-bit words; libpng wrote them in memory order.
        pixEndianByteSwap(image.pointer)
        if let dpi = Self.pngResolution(bytes) { pixSetResolution(image.pointer, dpi, dpi) }
        return image
    }

    /// The dots per inch a PNG's `pHYs` chunk records in pixels per metre, rounded as Leptonica rounds it.
    static func pngResolution(_ bytes: [UInt8]) -> Int32? {
        func uint32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[at + $1]) } }
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = uint32(offset)
            let type = bytes[offset + 4..<offset + 8]
            if type.elementsEqual("IDAT".utf8) { return nil }
            if type.elementsEqual("pHYs".utf8), length == 9, offset + 17 <= bytes.count {
                guard bytes[offset + 16] == 1 else { return nil }  // unit: metre
                return Int32((Float(uint32(offset + 12)) / 39.37 + 0.5).rounded(.down))
            }
            offset += 12 + length
        }
        return nil
    }

    // MARK: Reading the file

    static func readFile(_ path: String, limits: ScanLimits) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not hang waiting for a writer; it is refused below as not a regular file.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw openError(errno, path: path) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw KamiflowError(.io, "cannot read the file's status: \(describe(errno))", subject: path)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw KamiflowError(.io, "is a directory, not a scan file", subject: path)
        default: throw KamiflowError(.io, "is not a regular file (a FIFO, socket or device)", subject: path)
        }
        let size = Int(status.st_size)
        guard size > 0 else { throw KamiflowError(.emptyFile, "the file is empty (0 bytes)", subject: path) }
        guard size <= limits.maxFileBytes else { throw tooLarge(size, limits: limits, subject: path) }
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = bytes.withUnsafeMutableBufferPointer { buffer in
                read(descriptor, buffer.baseAddress! + offset, size - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw KamiflowError(.io, "cannot read the file: \(describe(errno))", subject: path)
            }
            if count == 0 { break }
            offset += count
        }
        // The file shrank while we read it: take what is there; the format checks decide if it is usable.
        if offset < size { bytes.removeLast(size - offset) }
        return bytes
    }

    private static func openError(_ code: Int32, path: String) -> KamiflowError {
        switch code {
        case ENOENT, ENOTDIR:
            return KamiflowError(.fileNotFound, "no such file", subject: path)
        case EACCES, EPERM:
            return KamiflowError(.permissionDenied, "permission denied: the file cannot be read", subject: path)
        default:
            return KamiflowError(.io, "cannot open the file: \(describe(code))", subject: path)
        }
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    private static func tooLarge(_ size: Int, limits: ScanLimits, subject: String) -> KamiflowError {
        KamiflowError(
            .fileTooLarge, "the file has \(size) bytes, more than the limit of \(limits.maxFileBytes) bytes",
            subject: subject)
    }

    private static func tooManyPixels(
        _ width: Int, _ height: Int, limits: ScanLimits, subject: String
    )
        -> KamiflowError
    {
        KamiflowError(
            .imageTooLarge,
            "a page declares \(width)×\(height) pixels, more than the limit of \(limits.maxPixelsPerPage) pixels "
                + "per page; refused before decoding",
            subject: subject)
    }

    // MARK: Formats

    /// Tells the format from the first bytes, never from the name (the name only improves the message).
    static func sniff(_ bytes: [UInt8], name: String) throws -> ScanFormat {
        func starts(with prefix: [UInt8]) -> Bool {
            bytes.count >= prefix.count && bytes[0..<prefix.count].elementsEqual(prefix)
        }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        // The PDF header may follow some junk, within the first kilobyte (ISO 32000-1, 7.5.2 notes).
        let head = bytes.prefix(1024)
        let marker = Array("%PDF-".utf8)
        if head.count >= marker.count {
            for start in head.startIndex...(head.endIndex - marker.count)
            where head[start..<start + marker.count].elementsEqual(marker) {
                return .pdf
            }
        }
        if name == pdftoppmOutputName, starts(with: [0x50, 0x35]) { return .pnm }

        let known: [([UInt8], String)] = [
            (Array("GIF8".utf8), "GIF"), (Array("BM".utf8), "BMP"), (Array("RIFF".utf8), "RIFF/WebP"),
            ([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50], "JPEG 2000"), (Array("PK".utf8), "ZIP"),
        ]
        if let (_, kind) = known.first(where: { starts(with: $0.0) }) {
            throw KamiflowError(
                .unsupportedFormat, "is a \(kind) file; Kamiflow reads PNG, JPEG, TIFF and PDF scans", subject: name)
        }
        if looksLikeText(bytes.prefix(4096)) {
            throw KamiflowError(
                .unsupportedFormat, "is a text file, not a scan; Kamiflow reads PNG, JPEG, TIFF and PDF", subject: name)
        }
        let claimed = name.split(separator: ".").last.map { " although its name ends in .\($0)" } ?? ""
        throw KamiflowError(
            .unsupportedFormat,
            "is not a PNG, JPEG, TIFF or PDF file: its first bytes match none of them\(claimed)", subject: name)
    }

    static let pdftoppmOutputName = "<pdftoppm output>"

    private static func looksLikeText(_ bytes: ArraySlice<UInt8>) -> Bool {
        // Valid UTF-8 without control characters other than tab, newline, carriage return and form feed.
        guard String(validating: bytes, as: UTF8.self) != nil else { return false }
        return bytes.allSatisfy { $0 >= 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0C }
    }

    private static func checkHeader(
        _ bytes: [UInt8], format: ScanFormat, limits: ScanLimits, subject: String
    )
        throws -> PageHeader
    {
        var kind: Int32 = 0
        var width: Int32 = 0
        var height: Int32 = 0
        var bits: Int32 = 0
        var samples: Int32 = 0
        var colormap: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { buffer in
            pixReadHeaderMem(buffer.baseAddress, buffer.count, &kind, &width, &height, &bits, &samples, &colormap)
        }
        guard status == 0, width > 0, height > 0 else {
            throw KamiflowError(
                .corruptImage, "the \(format.rawValue) header cannot be read: the file is truncated or damaged",
                subject: subject)
        }
        guard Int(width) * Int(height) <= limits.maxPixelsPerPage else {
            throw tooManyPixels(Int(width), Int(height), limits: limits, subject: subject)
        }
        return PageHeader(
            width: Int(width), height: Int(height), bitsPerSample: Int(bits), samples: Int(samples),
            colormap: colormap != 0)
    }

    /// Counts the pages of a TIFF and checks every page's header; returns the headers.
    private static func checkTIFF(_ bytes: [UInt8], limits: ScanLimits, subject: String) throws -> [PageHeader] {
        var count: Int32 = 0
        let counted = bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard let stream = fopenReadFromMemory(buffer.baseAddress, buffer.count) else { return false }
            defer { fclose(stream) }
            return tiffGetCount(stream, &count) == 0
        }
        guard counted, count > 0 else {
            throw KamiflowError(
                .corruptImage, "the TIFF directory cannot be read: the file is truncated or damaged", subject: subject)
        }
        guard Int(count) <= limits.maxPagesPerFile else {
            throw KamiflowError(
                .tooManyPages, "the TIFF has \(count) pages, more than the limit of \(limits.maxPagesPerFile)",
                subject: subject)
        }
        // libtiff counts the pages it can reach; the file's own chain says how many it declares (a cut file loses
        // its last pages silently otherwise).
        if let structure = try TIFFStructure(bytes, limit: limits.maxPagesPerFile, subject: subject),
            structure.declaredPages != Int(count)
        {
            throw KamiflowError(
                .corruptImage,
                "the TIFF declares \(structure.declaredPages) pages but only \(count) can be read: the file is truncated "
                    + "or damaged", subject: subject)
        }
        var headers: [PageHeader] = []
        for page in 0..<count {
            var width: Int32 = 0
            var height: Int32 = 0
            var bits: Int32 = 0
            var samples: Int32 = 0
            var resolution: Int32 = 0
            var colormap: Int32 = 0
            var compression: Int32 = 0
            let status = bytes.withUnsafeBufferPointer { buffer in
                readHeaderMemTiff(
                    buffer.baseAddress, buffer.count, page, &width, &height, &bits, &samples, &resolution, &colormap,
                    &compression)
            }
            guard status == 0, width > 0, height > 0 else {
                throw KamiflowError(
                    .corruptImage, "the header of TIFF page \(page + 1) cannot be read", subject: subject)
            }
            guard Int(width) * Int(height) <= limits.maxPixelsPerPage else {
                throw tooManyPixels(Int(width), Int(height), limits: limits, subject: subject)
            }
            headers.append(
                PageHeader(
                    width: Int(width), height: Int(height), bitsPerSample: Int(bits), samples: Int(samples),
                    colormap: colormap != 0))
        }
        return headers
    }

    // MARK: PDF

    private func popplerTool(_ tool: String) -> String {
        configuration.popplerDirectory + "/" + tool
    }

    private var pdfDPI: Double { configuration.resolutionOverride ?? configuration.pdfResolution }

    /// Asks `pdfinfo` for the page count and sizes, refusing the file before anything is rasterised.
    private static func inspectPDF(
        _ bytes: [UInt8], configuration: OCRConfiguration, subject: String
    ) throws
        -> [PixelSize]
    {
        let limits = configuration.limits
        let output = try HelperProcess.run(
            executable: configuration.popplerDirectory + "/pdfinfo",
            arguments: ["-f", "1", "-l", String(limits.maxPagesPerFile + 1), "-"], input: bytes,
            timeout: configuration.pdfTimeout, subject: subject)
        if output.timedOut {
            throw KamiflowError(
                .corruptPDF, "pdfinfo took longer than \(Int(configuration.pdfTimeout)) s on this PDF and was stopped",
                subject: subject)
        }
        guard output.status == 0 else {
            throw KamiflowError(
                .corruptPDF, "the PDF cannot be read: \(firstLine(of: output.standardError))",
                subject: subject)
        }
        let text = String(decoding: output.standardOutput, as: UTF8.self)
        var pages: Int?
        var sizes: [Int: (Double, Double)] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if words.count == 2, words[0] == "Pages:" { pages = Int(words[1]) }
            // "Page    1 size:  419.52 x 595.2 pts (A4)"
            if words.count >= 6, words[0] == "Page", words[2] == "size:", let index = Int(words[1]),
                let width = Double(words[3]), words[4] == "x", let height = Double(words[5])
            {
                sizes[index] = (width, height)
            }
        }
        guard let pages, pages > 0 else {
            throw KamiflowError(.corruptPDF, "the PDF has no pages", subject: subject)
        }
        guard pages <= limits.maxPagesPerFile else {
            throw KamiflowError(
                .tooManyPages, "the PDF has \(pages) pages, more than the limit of \(limits.maxPagesPerFile)",
                subject: subject)
        }
        let dpi = configuration.resolutionOverride ?? configuration.pdfResolution
        return try (1...pages).map { index in
            guard let (width, height) = sizes[index] else {
                throw KamiflowError(.corruptPDF, "pdfinfo gave no size for page \(index)", subject: subject)
            }
            let size = PixelSize(
                width: Int((width / 72 * dpi).rounded(.up)), height: Int((height / 72 * dpi).rounded(.up)))
            guard size.width.multipliedReportingOverflow(by: size.height).partialValue <= limits.maxPixelsPerPage,
                size.width < 1 << 20, size.height < 1 << 20
            else {
                throw tooManyPixels(size.width, size.height, limits: limits, subject: subject)
            }
            return size
        }
    }

    private func rasterizePDFPage(_ index: Int) throws -> PixImage {
        let page = String(index + 1)
        let output = try HelperProcess.run(
            executable: popplerTool("pdftoppm"),
            arguments: ["-f", page, "-l", page, "-r", String(pdfDPI), "-gray", "-"], input: bytes,
            timeout: configuration.pdfTimeout, subject: name)
        if output.timedOut {
            throw KamiflowError(
                .corruptPDF,
                "pdftoppm took longer than \(Int(configuration.pdfTimeout)) s on page \(page) and was stopped",
                subject: name)
        }
        guard output.status == 0, !output.standardOutput.isEmpty else {
            throw KamiflowError(
                .corruptPDF, "page \(page) cannot be rasterised: \(Self.firstLine(of: output.standardError))",
                subject: name)
        }
        let raster = output.standardOutput
        guard (try? Self.sniff(raster, name: Self.pdftoppmOutputName)) == .pnm else {
            throw KamiflowError(.corruptPDF, "pdftoppm returned no image for page \(page)", subject: name)
        }
        return try raster.withUnsafeBufferPointer { buffer in
            try PixImage(
                pixReadMem(buffer.baseAddress, buffer.count),
                orThrow: KamiflowError(.corruptPDF, "pdftoppm's image of page \(page) cannot be read", subject: name))
        }
    }

    private static func firstLine(of text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "the PDF is damaged" : line
    }
}
