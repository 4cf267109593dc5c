import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowTesting
import KamiflowWorkflow
import Testing

/// A record as extraction would produce it for the shipped 国保 資格取得届 workflow (two members).
func kokuhoRecord() -> FormRecord {
    FormRecord(
        workflow: "kokuho-shutoku", scanID: "0123abcd", index: 0, pages: [0],
        fields: [
            FieldResult(path: "notified_on", type: "wareki-date", value: .date(CivilDate(year: 2025, month: 4, day: 10))),
            FieldResult(path: "head.name", type: "text", value: .text("山田 太郎")),
            FieldResult(path: "head.mynumber", type: "mynumber", value: .text("123456789018"), sensitive: true),
            FieldResult(path: "members[0].name", type: "text", value: .text("山田 花子")),
            FieldResult(
                path: "members[0].birth", type: "wareki-date", value: .date(CivilDate(year: 1990, month: 4, day: 1))),
            FieldResult(path: "members[0].sex", type: "choice", value: .choices(["女"])),
            FieldResult(path: "members[0].mynumber", type: "mynumber", value: .text("621498320257"), sensitive: true),
            FieldResult(path: "members[1].name", type: "text", value: .text("山田 一郎〜")),
            FieldResult(
                path: "members[1].birth", type: "wareki-date", value: .date(CivilDate(year: 2019, month: 5, day: 1))),
            FieldResult(path: "members[1].sex", type: "choice", value: .choices(["男"])),
            FieldResult(path: "reason", type: "choice", value: .choices(["転入"])),
            FieldResult(path: "acquired_on", type: "wareki-date", value: .date(CivilDate(year: 2025, month: 4, day: 1))),
        ],
        route: .straightThrough)
}

@Suite("Shipped workflows through the connectors")
struct WorkflowDeliveryTests {
    @Test("a 国保 record mapped by Workflows/kokuho-shutoku.yaml lands in SQLite, CSV (CP932) and JSON Lines")
    func kokuhoThroughFileAndDatabaseConnectors() async throws {
        let workflow = try Workflow.load(
            file: PythonClient.repositoryRoot.appendingPathComponent("Workflows/kokuho-shutoku.yaml").path)
        let deliveries = try workflow.deliveryRequests(for: kokuhoRecord())
        let (connection, request) = try #require(deliveries.first.map { ($0.connection, $0.request) })
        #expect(connection == "kokuho")
        #expect(request.idempotencyKey == "0123abcd-kokuho-shutoku-0")
        let folder = temporaryFolder("workflow")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configurations: [ConnectionConfiguration] = [
            .sqlite(.init(path: folder.appendingPathComponent("core.sqlite").path)),
            .csv(.init(folder: folder.appendingPathComponent("csv").path, keyColumn: "key", encoding: .cp932)),
            .jsonLines(.init(folder: folder.appendingPathComponent("jsonl").path)),
        ]
        for configuration in configurations {
            let connector = try ConnectorFactory.makeConnector(
                named: connection, configuration: configuration, environment: [:])
            let outcomes = await connector.deliver([request])
            let again = await connector.deliver([request])
            try await connector.close()
            #expect(outcomes.first?.isDelivered == true, "\(configuration.typeName): \(outcomes)")
            #expect(again.first?.isDelivered == true, "\(configuration.typeName) redelivery: \(again)")
        }
        // The table is named by the mapping's resource; group fields are flattened; dates in 和暦 code; codes mapped.
        let rows = try sqliteRows(
            folder.appendingPathComponent("core.sqlite").path,
            "SELECT idempotency_key, shimei_1, seinengappi_1, seinengappi_2, seibetsu_1, seibetsu_2, jiyu, shutoku_bi "
                + "FROM \"shikaku-shutoku\"")
        #expect(rows == ["0123abcd-kokuho-shutoku-0|山田 花子|4020401|5010501|2|1|03|2025-04-01"])
        // The CSV, read by Python's csv module as cp932, holds the same record (〜 as Windows writes it).
        let csvFile = try #require(try files(in: folder.appendingPathComponent("csv"), ending: ".csv").first)
        let script = """
            import csv, json, sys
            with open(sys.argv[1], encoding='cp932', newline='') as f:
                rows = list(csv.DictReader(f))
            print(json.dumps([rows[0]['key'], rows[0]['shimei_2'], rows[0]['kojin_bango_1'], len(rows)], ensure_ascii=False))
            """
        let result = try PythonClient.run(script: script, arguments: [csvFile.path])
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            == #"["0123abcd-kokuho-shutoku-0", "山田 一郎～", "621498320257", 1]"#)
        let jsonl = try String(
            contentsOf: folder.appendingPathComponent("jsonl/records.jsonl"), encoding: .utf8)
        #expect(jsonl.split(separator: "\n").count == 1)
        #expect(jsonl.contains(#""resource":"shikaku-shutoku""#))
    }
}
