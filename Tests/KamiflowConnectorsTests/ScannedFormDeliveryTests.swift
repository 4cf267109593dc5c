import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowServer
import KamiflowTesting
import KamiflowWorkflow
import Testing

/// The whole way from paper to core system: a rendered 児童手当 認定請求書 is read by the real engine, interpreted
/// by its workflow, mapped by the workflow's `deliver:` block and posted to the simulated 児童手当 system, which
/// validates it against its OpenAPI schema (check digits, code lists, dates) and stores it.
@Suite("A scanned form delivered into the simulated core system", .serialized)
struct ScannedFormDeliveryTests {
    @Test("a clean scan of a 児童手当 claim arrives in the simulator with the values printed on it")
    func jidouTeateOverHTTP() async throws {
        let file = PythonClient.repositoryRoot.appendingPathComponent("Workflows/jidou-teate-nintei.yaml").path
        let workflow = try Workflow.load(file: file)
        let layout = FormLayout(workflow: workflow)
        let today = CivilDate(year: 2026, month: 11, day: 21)
        let folder = temporaryFolder("scanned-delivery")
        defer { try? FileManager.default.removeItem(at: folder) }
        let batch = SampleBatch(
            layout: layout,
            configuration: SampleBatchConfiguration(count: 1, seed: 77, profile: .clean, referenceDate: today))
        let names = try await batch.write(to: folder)
        let name = try #require(names.first)
        let scan = folder.appendingPathComponent(name).path
        let truth = try GroundTruth.load(from: folder.appendingPathComponent(GroundTruth.fileName(forImage: name)))

        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(preparation: Preparation(deskew: true), today: today))
        let records = try await extractor.extract(.file(path: scan), scanID: "e2e-scan").records
        await pool.shutdown()
        let record = try #require(records.first)
        let deliveries = try workflow.deliveryRequests(for: record)
        #expect(deliveries.map(\.connection) == ["jidou-teate"])
        let request = try #require(deliveries.first?.request)

        try await withSimulatorAndConnector { simulator, connector in
            let outcomes = await connector.deliver([request])
            guard case .delivered = try #require(outcomes.first) else {
                Issue.record("the simulator did not take the scanned record: \(outcomes)")
                return
            }
            let stored = try simulator.records(in: "jidou-teate")
            #expect(stored.count == 1)
            let fields = try #require(stored.first?.fields)
            // What the core system holds is what was printed: the fields with check digits or code lists always
            // (a misread would have been refused with 422), and the date the claimant wrote.
            let printed = truth.forms[0].values
            #expect(fields["kojin_bango"] == printed["claimant.mynumber"])
            #expect(fields["seikyu_ymd"] == printed["submitted_on"])
            #expect(fields["seibetsu_code"] == (printed["claimant.sex"] == "男" ? "1" : "2"))
            #expect(fields["kinyu_kikan_code"] == printed["bank.code"])
        }
    }
}
