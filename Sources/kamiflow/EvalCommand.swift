import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowWorkflow

/// `kamiflow eval`: extracts every sample of a folder with the real pipeline and scores it against the ground truth.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a workflow's field accuracy on sample scans made by `kamiflow samples`.",
        discussion: "Prints accuracy per field, per type and overall, planted defects caught and missed, the "
            + "straight-through rate, the fields without an issue, and the silent errors (wrong with no issue on the "
            + "field, whatever the form; and those in straight-through forms). See docs/samples-and-eval.md.")

    @Argument(help: "The workflow file.")
    var workflow: String

    @Argument(help: "The folder of samples (images with their .truth.json).")
    var directory: String

    @Option(help: "Write every number, every wrong field and every right field with an issue as JSON here.")
    var json: String?

    @Option(help: "Write an HTML report here: the curve of errors against confidence, and a crop of every wrong field.")
    var html: String?

    @Option(
        help:
            "Tesseract models for reads that name none (identification, anchors); each field is read with its own `lang`, jpn by default."
    )
    var languages = "jpn"

    @Option(help: "Engines to run in parallel (default: one per core).")
    var workers: Int?

    @Flag(inversion: .prefixedNo, help: "Deskew pages before reading (on by default, as `kamiflow extract` does).")
    var deskew = true

    @Flag(help: "Binarise and remove scanner specks before reading (office scanners, faxes).")
    var despeckle = false

    @Option(help: "The day date rules call today (YYYY-MM-DD); default: the samples' own.")
    var today: String?

    func run() async throws {
        let loaded = try FormsWorkflowFile.load(workflow)
        let result = try await EvaluationRun(
            workflow: loaded, directory: directory, languages: languages, workers: workers, deskew: deskew,
            despeckle: despeckle, today: today
        ).evaluate()
        print(EvaluationReport.table(result))
        if let json {
            try write(EvaluationReport.json(result), to: json)
        }
        if let html {
            // The curve of each type at the floors the workflow has now, against its silent-error target.
            let review = loaded.review
            let calibration = Calibration.at(
                floors: { review.floors[$0] ?? review.confidenceFloor }, from: result,
                target: review.silentErrorTarget ?? 0.0005)
            try write(Data(EvaluationReport.html(result, calibration: calibration).utf8), to: html)
        }
    }

    /// Reports hold the values read and expected, which may be a real person's: owner-only (see PrivateFiles).
    func write(_ data: Data, to path: String) throws {
        try PrivateFiles.write(data, toPath: path)
    }
}

/// One pass of the real pipeline over a folder of labelled scans, as `eval` and `calibrate` make it.
struct EvaluationRun {
    var workflow: Workflow
    var directory: String
    var languages: String
    var workers: Int?
    var deskew: Bool
    var despeckle: Bool
    var today: String?

    func evaluate() async throws -> EvaluationResult {
        let loaded = workflow
        let folder = URL(fileURLWithPath: directory)
        // The samples were filled in on their own "today"; rules such as `submitted_on <= today` must use it.
        var day = CivilDate(year: 2026, month: 10, day: 1)
        if let first = try Evaluator.truthFiles(in: folder).first, let own = try GroundTruth.load(from: first).today {
            day = own
        }
        if let today {
            let parts = today.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, let date = CivilDate(validYear: parts[0], month: parts[1], day: parts[2]) else {
                throw ValidationError("--today must be a date as YYYY-MM-DD")
            }
            day = date
        }
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: languages), workers: workers)
        let extractor = Extractor(
            workflows: [loaded], reader: pool,
            configuration: ExtractionConfiguration(
                preparation: Preparation(deskew: deskew, despeckle: despeckle), today: day,
                typefaces: try TypefaceGlyphs(for: [loaded]), masters: try MastersCommand.open(for: [loaded])))
        let evaluator = Evaluator(layout: FormLayout(workflow: loaded)) { source in
            guard let data = FileManager.default.contents(atPath: source.name) else {
                throw KamiflowError(.fileNotFound, "cannot read the scan", subject: source.name)
            }
            return try await extractor.extract(source, scanID: SHA256.hex(data)).records
        }
        let result: EvaluationResult
        do {
            result = try await evaluator.evaluate(directory: folder, workflow: loaded.id, parallelism: pool.workerCount)
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        return result
    }
}
