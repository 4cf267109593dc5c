import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowOCR

/// `kamiflow ocr`: the reading engine on its own, like the `tesseract` command line but with zones, every page of
/// every file, and JSON carrying confidences and word boxes.
struct OCRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocr",
        abstract: "Read scans (PNG, JPEG, TIFF, PDF) with Tesseract and print the text.",
        discussion: """
            Whole pages by default; with --zone, only those rectangles (pixels: x,y,width,height) of every page. \
            A whole page printed as text is byte for byte what `tesseract FILE - -l LANG --psm N` prints. \
            A file that cannot be read is reported on standard error and the others are still read; the exit \
            status is then 1.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, tsv, json
    }

    @Argument(help: "The scans to read.")
    var files: [String]

    @Option(help: "Tesseract languages joined by '+'.")
    var lang = "jpn+eng"

    @Option(help: "Page segmentation mode 0–13 (default: 3 for whole pages, 6 for zones).")
    var psm: Int?

    @Option(name: .customLong("zone"), help: "A rectangle to read, in pixels: x,y,width,height. Repeatable.")
    var zones: [String] = []

    @Option(help: "Only these characters may be read.")
    var whitelist: String?

    @Flag(help: "Measure the skew of each page and rotate it away.")
    var deskew = false

    @Option(help: "Binarise each page first: otsu or sauvola.")
    var binarize: String?

    @Flag(help: "Remove specks after binarising (implies --binarize otsu when none is given).")
    var despeckle = false

    @Flag(help: "Detect pages turned by 90/180/270° (Tesseract OSD) and turn them upright.")
    var orient = false

    @Option(
        help: """
            Resolution to assume for images (overriding the file's) and to rasterise PDFs at (default: the file's; \
            for an image that records none, Tesseract estimates it as its command line does; PDFs at 300).
            """)
    var dpi: Double?

    @Option(help: "Output: text, tsv or json.")
    var format: OutputFormat = .text

    @Option(help: "Engines to run in parallel (default: the number of cores, at most one per file).")
    var workers: Int?

    @Option(help: "The tessdata folder (default: $TESSDATA_PREFIX, else found automatically).")
    var tessdata: String?

    @Option(help: "Mebibytes that the pages being read may hold at once, across all engines (default 320).")
    var memoryBudget: Int = OCRConfiguration.defaultPageMemoryBudget >> 20

    func validate() throws {
        if let psm, PageSegmentation(rawValue: psm) == nil {
            throw ValidationError("--psm must be 0…13, not \(psm)")
        }
        if let binarize, Binarization(rawValue: binarize) == nil {
            throw ValidationError("--binarize must be otsu or sauvola, not '\(binarize)'")
        }
        for zone in zones where Self.parseZone(zone) == nil {
            throw ValidationError("--zone '\(zone)' is not x,y,width,height in pixels with a positive width and height")
        }
        if let dpi, !(dpi >= 10 && dpi <= 2400) {
            throw ValidationError("--dpi must be between 10 and 2400")
        }
        if let workers, workers < 1 {
            throw ValidationError("--workers must be at least 1")
        }
        guard memoryBudget >= 16 else {
            throw ValidationError("--memory-budget is in MiB and must be at least 16, not \(memoryBudget)")
        }
    }

    static func parseZone(_ text: String) -> PixelRect? {
        let numbers = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 4, let x = numbers[0], let y = numbers[1], let w = numbers[2], let h = numbers[3],
            x >= 0, y >= 0, w > 0, h > 0
        else { return nil }
        return PixelRect(x: x, y: y, width: w, height: h)
    }

    mutating func run() async throws {
        var configuration = OCRConfiguration(languages: lang)
        configuration.tessdataDirectory = tessdata ?? ProcessInfo.processInfo.environment["TESSDATA_PREFIX"]
        configuration.pageMemoryBudget = memoryBudget << 20
        configuration.resolutionOverride = dpi
        configuration.pdfResolution = dpi ?? 300
        // An image that records no resolution goes to Tesseract without one, as its command line passes it: Tesseract
        // then estimates the resolution from the text size, and the text agrees byte for byte. (Workflows assume
        // their form's dpi instead; `--dpi` sets one here.)
        if dpi == nil { configuration.defaultResolution = 0 }
        let preparation = Preparation(
            deskew: deskew, binarization: binarize.flatMap(Binarization.init(rawValue:)), despeckle: despeckle,
            orient: orient)
        let zoneRects = zones.compactMap(Self.parseZone)
        let options = RecognitionOptions(
            segmentation: PageSegmentation(rawValue: psm ?? (zoneRects.isEmpty ? 3 : 6))!, whitelist: whitelist)

        let pool: EnginePool
        do {
            let count = workers ?? min(ProcessInfo.processInfo.activeProcessorCount, max(1, files.count))
            pool = try await EnginePool(configuration: configuration, workers: count)
        } catch {
            FileHandle.standardError.write(Data("kamiflow: \(error)\n".utf8))
            throw ExitCode(2)
        }

        let output = OCROutput(format: format, fileCount: files.count)
        output.begin()
        let files = self.files
        let failures = await withTaskGroup(of: (Int, Result<[PageResult], any Error>).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask {
                    let result = await Result {
                        try await pool.withPages(of: .file(path: file), preparation: preparation) { page in
                            let readings =
                                zoneRects.isEmpty
                                ? [try page.recognize(nil, options: options)]
                                : try zoneRects.map { try page.recognize($0, options: options) }
                            return PageResult(
                                page: page.index + 1, width: page.size.width, height: page.size.height,
                                resolution: page.report.resolution, skewAngle: page.report.skewAngle,
                                rotation: page.report.rotation, readings: readings)
                        }
                    }
                    return (index, result)
                }
            }
            // Print in the order the files were given, each as soon as those before it are done.
            var pending: [Int: Result<[PageResult], any Error>] = [:]
            var next = 0
            var failures = 0
            for await (index, result) in group {
                pending[index] = result
                while let ready = pending.removeValue(forKey: next) {
                    if case .failure = ready { failures += 1 }
                    output.emit(file: files[next], result: ready, wholePage: zoneRects.isEmpty)
                    next += 1
                }
            }
            return failures
        }
        output.end()
        await pool.shutdown()
        if failures > 0 { throw ExitCode(1) }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// What one page gave, in the shape the JSON output has.
struct PageResult: Sendable, Encodable {
    var page: Int
    var width: Int
    var height: Int
    var resolution: Double
    var skewAngle: Double?
    var rotation: Int
    var readings: [Reading]
}

/// Writes results to standard output and errors to standard error, in the chosen format.
final class OCROutput {
    let format: OCRCommand.OutputFormat
    let fileCount: Int
    private var firstJSON = true
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(format: OCRCommand.OutputFormat, fileCount: Int) {
        self.format = format
        self.fileCount = fileCount
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    func begin() {
        switch format {
        case .json: write("{\"files\":[\n")
        case .tsv: write("file\tpage\tzone\tword\tleft\ttop\twidth\theight\tconfidence\ttext\n")
        case .text: break
        }
    }

    func end() {
        if format == .json { write("\n]}\n") }
    }

    func emit(file: String, result: Result<[PageResult], any Error>, wholePage: Bool) {
        let pages: [PageResult]
        switch result {
        case .success(let value):
            pages = value
        case .failure(let error):
            FileHandle.standardError.write(Data("kamiflow: \(error)\n".utf8))
            if format == .json {
                let code = (error as? KamiflowError)?.code.rawValue ?? "error"
                let message = (error as? KamiflowError)?.message ?? "\(error)"
                emitJSON(FileFailure(file: file, error: .init(code: code, message: message)))
            }
            return
        }
        switch format {
        case .text:
            if fileCount > 1 { write("==> \(file) <==\n") }
            if wholePage {
                // Exactly the tesseract command line's output: pages separated by a form feed.
                write(pages.map { $0.readings[0].text }.joined(separator: "\u{0C}"))
            } else {
                for page in pages {
                    for reading in page.readings { write(reading.text + "\n") }
                }
            }
        case .tsv:
            for page in pages {
                for reading in page.readings {
                    let zone = reading.zone?.description ?? ""
                    for (number, word) in reading.words.enumerated() {
                        let fields: [String] = [
                            file, String(page.page), zone, String(number + 1), String(word.box.x), String(word.box.y),
                            String(word.box.width), String(word.box.height), String(format: "%.2f", word.confidence),
                            word.text,
                        ]
                        write(fields.map(Self.tsvField).joined(separator: "\t") + "\n")
                    }
                }
            }
        case .json:
            emitJSON(FileReading(file: file, pages: pages))
        }
    }

    private static func tsvField(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    private func emitJSON(_ value: some Encodable) {
        guard let data = try? encoder.encode(value) else { return }
        if !firstJSON { write(",\n") }
        firstJSON = false
        FileHandle.standardOutput.write(data)
    }

    struct FileReading: Encodable {
        var file: String
        var pages: [PageResult]
    }

    struct FileFailure: Encodable {
        struct Failure: Encodable {
            var code: String
            var message: String
        }
        var file: String
        var error: Failure
    }
}
