import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowWorkflow

/// `kamiflow overlay WORKFLOW SCAN -o out.png`: runs the real extraction and draws what landed where.
struct OverlayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlay",
        abstract: "Draw every zone, box and mark of a workflow onto a scan, with what was read, coloured by status.")

    @Argument(help: "The workflow file (.yaml).")
    var workflow: String

    @Argument(help: "The scan (PNG, JPEG, TIFF, PDF).")
    var scan: String

    @Option(name: .shortAndLong, help: "The PNG to write.")
    var output: String

    @Option(help: "Which page of the scan (1-based).")
    var page: Int = 1

    @Flag(help: "Show sensitive values (マイナンバー, account numbers) instead of masking them.")
    var reveal = false

    @Flag(inversion: .prefixedNo, help: "Deskew the page before reading (on by default, as extract does).")
    var deskew = true

    @Option(
        help:
            "Tesseract models for reads that name none (identification, anchors); each field is read with its own `lang`, jpn by default."
    )
    var languages = "jpn"

    func validate() throws {
        guard page >= 1 else { throw ValidationError("--page counts from 1") }
        guard output.lowercased().hasSuffix(".png") else { throw ValidationError("the output must be a .png file") }
    }

    func run() async throws {
        let loaded: Workflow
        do {
            loaded = try Workflow.load(file: workflow)
        } catch let error as KamiflowError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        guard let data = FileManager.default.contents(atPath: scan) else {
            throw KamiflowError(.fileNotFound, "cannot read the file", subject: scan)
        }
        let source = ScanSource.file(path: scan)
        let preparation = Preparation(deskew: deskew)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: languages), workers: 1)
        let index = page - 1
        let result: ExtractionResult
        let image: [UInt8]?
        do {
            let extractor = Extractor(
                workflows: [loaded], reader: pool,
                configuration: ExtractionConfiguration(
                    preparation: preparation, today: .today, typefaces: try TypefaceGlyphs(for: [loaded]),
                    masters: try MastersCommand.open(for: [loaded])))
            result = try await extractor.extract(source, scanID: SHA256.hex(data))
            // The same preparation again gives the same pixels the zones were mapped onto.
            image = try await pool.withPages(of: source, preparation: preparation) { page in
                page.index == index ? try page.pngData(of: nil) : nil
            }.compactMap { $0 }.first
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        guard let image, let outcome = result.pages.first(where: { $0.page == index }) else {
            throw KamiflowError(
                .invalidArgument, "the scan has \(result.pages.count) page(s); there is no page \(page)", subject: scan)
        }
        guard outcome.workflow != nil, let record = result.records.first(where: { $0.pages.contains(index) }) else {
            throw KamiflowError(
                .recognitionFailed, "page \(page) was not read as \(loaded.id): \(outcome.problem ?? "unclassified")",
                subject: scan)
        }
        let plan = OverlayPlan(workflow: loaded, record: record, outcome: outcome, reveal: reveal)
        let png = try OverlayRenderer().png(plan, on: image, name: scan)
        // The page of a person's form with the values read on it: owner-only (see PrivateFiles).
        try PrivateFiles.write(Data(png), toPath: output)
        let counts = Dictionary(grouping: plan.notes, by: \.status).mapValues(\.count)
        print(
            "wrote \(output): \(plan.title); fields: \(counts[.straightThrough] ?? 0) straight through (green), "
                + "\(counts[.review] ?? 0) to review (amber), \(counts[.invalid] ?? 0) invalid (red)")
    }
}
