import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowWorkflow

/// `kamiflow inspect BLANK`: the printed boxes, marks and words of a blank form with their millimetre coordinates,
/// for writing a workflow for a form the municipality already prints.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the printed boxes, cells and label words of a scanned blank form in millimetres.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, yaml
        /// The fields-only YAML of earlier versions (`register`, `fields`, `words` at the top level).
        case yamlSnippets = "yaml-snippets"
    }

    @Argument(help: "A scan of the blank form (PNG, JPEG, TIFF, PDF); every page is inspected.")
    var blank: String

    @Option(help: "The scan's resolution in dots per inch, when the file records none or records it wrongly.")
    var dpi: Double?

    @Option(
        help: """
            Output: text, json, yaml (a whole workflow for the blank: reference, identify, register, fields; it loads \
            as printed), or yaml-snippets (register, fields and words only, to paste under an existing form:).
            """)
    var format: Format = .text

    @Option(
        help: """
            The blank's path as the proposed workflow names it (form.reference, relative to the workflow file); \
            default: BLANK as given, right when the workflow is saved in the current folder.
            """)
    var reference: String?

    @Option(help: "Millimetres between a printed cell and the zone read inside it, for the YAML zones.")
    var cellMargin: Double = 1.5

    @Option(help: "Tesseract languages for the label words.")
    var languages = "jpn+eng"

    func run() async throws {
        guard FileManager.default.isReadableFile(atPath: blank) else {
            throw KamiflowError(.fileNotFound, "cannot read the file", subject: blank)
        }
        if let dpi, !(dpi >= 50 && dpi <= 1200) {
            throw ValidationError("--dpi must lie between 50 and 1200, not \(dpi)")
        }
        var source = ScanSource.file(path: blank)
        var note: String
        if let dpi {
            note = "\(Int(dpi)) dpi given with --dpi"
        } else if let recorded = try ImageCodec.recordedResolution(of: source) {
            note = "\(Int(recorded)) dpi recorded in the file"
        } else if blank.lowercased().hasSuffix(".pdf") {
            note = "PDF rasterised at 300 dpi"
        } else {
            note = "the file records no resolution: 300 dpi assumed, give --dpi if it differs"
        }
        var resolutionOverride = dpi
        // Labels of a blank scanned below 250 dpi are read enlarged to 300 dpi (FormInspector.enlarged).
        if !blank.lowercased().hasSuffix(".pdf"),
            let bytes = FileManager.default.contents(atPath: blank),
            var images = try? ImageCodec.decode([UInt8](bytes), name: blank), images.count == 1
        {
            if let dpi { images[0].resolution = dpi }
            if let enlarged = FormInspector.enlarged(images[0]) {
                source = .bytes(try ImageCodec.encode([enlarged], as: .png), name: blank)
                resolutionOverride = nil
                note += "; read enlarged to \(Int(enlarged.resolution)) dpi"
            }
        }
        let pool = try await EnginePool(
            configuration: OCRConfiguration(languages: languages, resolutionOverride: resolutionOverride), workers: 1)
        let inspector = FormInspector()
        let pages: [PageInspection]
        do {
            pages = try await pool.withPages(of: source, preparation: Preparation(deskew: true)) { page in
                inspector.inspect(page)
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        let report = InspectionReport(
            inspections: pages, source: blank, resolutionNote: note, cellMargin: cellMargin, reference: reference)
        switch format {
        case .text:
            print(report.text)
        case .yaml:
            print(report.yaml, terminator: "")
        case .yamlSnippets:
            print(report.snippets, terminator: "")
        case .json:
            struct Output: Encodable {
                var source: String
                var resolution: String
                var origin =
                    "top-left corner of the page as scanned (after deskewing); millimetres; [x, y, width, height]"
                var pages: [PageInspection]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(
                String(
                    decoding: try encoder.encode(Output(source: blank, resolution: note, pages: pages)), as: UTF8.self))
        }
    }
}
