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
    /// For PDFs, the page sizes in pixels at the rasterising resolution, as `pdfinfo` reported them.
    private var pdfPageSizes: [PixelSize] = []

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
            try Self.checkHeader(bytes, format: format, limits: limits, subject: name)
            pageCount = 1
        case .tiff:
            pageCount = try Self.checkTIFF(bytes, limits: limits, subject: name)
        case .pdf:
            pdfPageSizes = try Self.inspectPDF(bytes, configuration: configuration, subject: name)
            pageCount = pdfPageSizes.count
        }
    }

    /// The resolution to give a page whose file recorded `recorded` dots per inch (0 when none).
    private func effectiveResolution(recorded: Int) -> Double {
        if let override = configuration.resolutionOverride { return override }
        if format == .pdf { return configuration.pdfResolution }
        return recorded > 0 ? Double(recorded) : configuration.defaultResolution
    }

    /// Decodes page `index` (0-based) with its resolution set.
    func page(at index: Int) throws -> PixImage {
        precondition(index >= 0 && index < pageCount, "page index out of range")
        let image: PixImage
        switch format {
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

    private static func tooManyPixels(_ width: Int, _ height: Int, limits: ScanLimits, subject: String)
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

    private static func checkHeader(_ bytes: [UInt8], format: ScanFormat, limits: ScanLimits, subject: String)
        throws
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
    }

    /// Counts the pages of a TIFF and checks every page's header; returns the page count.
    private static func checkTIFF(_ bytes: [UInt8], limits: ScanLimits, subject: String) throws -> Int {
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
        }
        return Int(count)
    }

    // MARK: PDF

    private func popplerTool(_ tool: String) -> String {
        configuration.popplerDirectory + "/" + tool
    }

    private var pdfDPI: Double { configuration.resolutionOverride ?? configuration.pdfResolution }

    /// Asks `pdfinfo` for the page count and sizes, refusing the file before anything is rasterised.
    private static func inspectPDF(_ bytes: [UInt8], configuration: OCRConfiguration, subject: String) throws
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
