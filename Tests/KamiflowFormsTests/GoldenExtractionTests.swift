import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// Golden and alignment tests: Kamiflow's own renders of every shipped form, scanned the way real scanners scan,
/// read back by the real engine through the real extraction pipeline and compared with the ground truth.
///
/// Tesseract does not read every rare kanji of a name (葵, 颯): those fields must come back *flagged* (low
/// confidence, a failed check), never silently wrong. So each test asserts that marks read exactly, that every
/// wrong field was flagged, and that OCR accuracy stays above a floor that a misregistered page (zones off their
/// ink) falls far below; the measured accuracies come from `kamiflow eval` on larger batches (see
/// docs/samples-and-eval.md).
@Suite("Golden extraction of rendered scans", .serialized)
struct GoldenExtractionTests {
    static let today = CivilDate(year: 2026, month: 11, day: 21)

    /// Renders `count` samples of `file` with `profile`, extracts them with the real engine and scores them.
    static func evaluate(
        _ file: String, profile: ScanProfile, count: Int, seed: UInt64, deskew: Bool = true
    ) async throws -> EvaluationResult {
        let workflow = try #require(
            WorkflowLoader().load(file: ShippedWorkflows.directory.appendingPathComponent(file).path).workflow)
        let layout = FormLayout(workflow: workflow)
        let directory = TestLayouts.scratchDirectory.appendingPathComponent("golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = SampleBatchConfiguration(
            count: count, seed: seed, profile: profile, format: .png, defectRate: 0, referenceDate: today)
        _ = try await SampleBatch(layout: layout, configuration: configuration).write(to: directory)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 2)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(
                preparation: Preparation(deskew: deskew), today: today, typefaces: try TypefaceGlyphs(for: [workflow])))
        let evaluator = Evaluator(layout: layout, includeCrops: false) { source in
            try await extractor.extract(source, scanID: source.name).records
        }
        let result = try await evaluator.evaluate(directory: directory, workflow: workflow.id)
        await pool.shutdown()
        return result
    }

    static func expectSound(_ result: EvaluationResult, printedFloor: Double, _ context: String) {
        #expect(result.formsNotExtracted == 0, "\(context): \(result.formsNotExtracted) form(s) not extracted")
        #expect(result.marks.accuracy == 1, "\(context): marks \(result.marks.correct)/\(result.marks.total)")
        #expect(
            result.printed.accuracy >= printedFloor,
            "\(context): printed \(result.printed.correct)/\(result.printed.total)")
        for wrong in result.wrong where !wrong.flagged {
            Issue.record("\(context): \(wrong.path) silently read '\(wrong.read ?? "")' for '\(wrong.expected)'")
        }
    }

    @Test("a clean render of every shipped workflow extracts to its ground truth", arguments: ShippedWorkflows.files)
    func clean(file: String) async throws {
        let result = try await Self.evaluate(file, profile: .clean, count: 1, seed: 4711)
        Self.expectSound(result, printedFloor: 1.0, "\(file) clean")
        // The issue's requirement: a clean render reads back exactly, every field (the 藤井 household of seed 4711
        // included: ふじい and 智子, misread by jpn at 28 pixels, are settled by the second opinion).
        let misread = result.wrong.map { "\($0.path) '\($0.read ?? "")' for '\($0.expected)'" }
        #expect(result.overall.accuracy == 1, "\(file) clean: \(misread)")
    }

    @Test(
        "an office-scanner scan of every shipped workflow: marks exact, every misread flagged",
        arguments: ShippedWorkflows.files)
    func officeScanner(file: String) async throws {
        let result = try await Self.evaluate(file, profile: .officeScanner, count: 1, seed: 4712)
        // Measured (docs/samples-and-eval.md): about 98% of printed fields on office-scanner batches; on this one
        // form of 5–28 printed fields that is 0–2 misreads (rare name kanji, flagged): at most two, and 80% on the
        // survey's five printed fields.
        let total = Double(result.printed.total)
        Self.expectSound(result, printedFloor: max(0.8, (total - 2) / total), "\(file) office-scanner")
    }

    /// The same kind of filled form scanned at 200, 300 and 400 dpi with up to ±4° skew, ±8 mm shift and ±5% scale:
    /// registration must put every zone on its ink, so marks read exactly and nothing is silently wrong.
    @Test("zones land right under skew, shift, scale and 200–400 dpi", arguments: [200.0, 300.0, 400.0])
    func alignment(dpi: Double) async throws {
        let profile = ScanProfile(
            name: "alignment-\(Int(dpi))", dpi: dpi, maxSkewDegrees: 4, maxShiftMM: 8, maxScaleError: 0.05,
            paperLevel: 245, inkLevel: 20, noise: 3)
        let result = try await Self.evaluate("jidou-teate-nintei.yaml", profile: profile, count: 1, seed: 5150)
        Self.expectSound(result, printedFloor: 0.75, "jidou-teate-nintei at \(Int(dpi)) dpi")
    }
}
