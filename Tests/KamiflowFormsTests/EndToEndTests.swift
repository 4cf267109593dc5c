import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// Clean renders of every shipped workflow through the real pipeline (Tesseract, registration, interpretation),
/// scored by the evaluator. Tesseract still misreads the odd rare kanji on clean paper, so the bar is 90% of the
/// fields per form rather than all of them; `kamiflow eval` gives the exact figures.
@Suite("Clean renders extract through the real pipeline", .serialized)
struct EndToEndTests {
    @Test("each shipped workflow's clean render extracts", arguments: ShippedWorkflows.files)
    func cleanRender(file: String) async throws {
        let workflow = try #require(
            WorkflowLoader().load(file: ShippedWorkflows.directory.appendingPathComponent(file).path).workflow)
        let layout = FormLayout(workflow: workflow)
        let configuration = SampleBatchConfiguration(count: 2, seed: 8080, profile: .clean, defectRate: 0)
        let directory = TestLayouts.scratchDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        _ = try await SampleBatch(layout: layout, configuration: configuration).write(to: directory)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(today: configuration.referenceDate))
        let evaluator = Evaluator(layout: layout) { source in
            try await extractor.extract(source, scanID: source.name).records
        }
        let result = try await evaluator.evaluate(directory: directory, workflow: workflow.id)
        await pool.shutdown()
        #expect(result.formsNotExtracted == 0, "\(file): \(result.failures)")
        #expect(result.overall.accuracy >= 0.9, "\(file): \(result.wrong.map { "\($0.path) \($0.expected)→\($0.read ?? "-")" })")
        #expect(result.marks.accuracy >= 0.9)
        #expect(result.silentErrors == 0)
    }
}
