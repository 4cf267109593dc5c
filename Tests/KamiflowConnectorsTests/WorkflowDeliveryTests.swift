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
            FieldResult(
                path: "notified_on", type: "wareki-date", value: .date(CivilDate(year: 2025, month: 4, day: 10))),
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
            FieldResult(
                path: "acquired_on", type: "wareki-date", value: .date(CivilDate(year: 2025, month: 4, day: 1))),
        ],
        route: .straightThrough)
}

@Suite("Shipped workflows through the connectors")
struct WorkflowDeliveryTests {
    @Test(
        "a 国保 record mapped by Workflows/kokuho-shutoku.yaml: one payload per member, into SQLite, CSV (CP932) and JSON Lines"
    )
    func kokuhoThroughFileAndDatabaseConnectors() async throws {
        let workflow = try Workflow.load(
            file: PythonClient.repositoryRoot.appendingPathComponent("Workflows/kokuho-shutoku.yaml").path)
        let deliveries = try workflow.deliveryRequests(for: kokuhoRecord())
        // for_each: members — the two filled rows, each with its own key; the empty rows give nothing.
        #expect(deliveries.map(\.connection) == ["kokuho", "kokuho"])
        let requests = deliveries.map(\.request)
        #expect(
            requests.map(\.idempotencyKey) == [
                "0123abcd-kokuho-shutoku-0-members1", "0123abcd-kokuho-shutoku-0-members2",
            ])
        #expect(requests[0].payload.first { $0.name == "kojin_bango" }?.sensitive == true)
        let folder = temporaryFolder("workflow")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configurations: [ConnectionConfiguration] = [
            .sqlite(.init(path: folder.appendingPathComponent("core.sqlite").path)),
            .csv(.init(folder: folder.appendingPathComponent("csv").path, keyColumn: "key", encoding: .cp932)),
            .jsonLines(.init(folder: folder.appendingPathComponent("jsonl").path)),
        ]
        for configuration in configurations {
            let connector = try ConnectorFactory.makeConnector(
                named: "kokuho", configuration: configuration, environment: [:])
            let outcomes = await connector.deliver(requests)
            let again = await connector.deliver(requests)
            try await connector.close()
            #expect(outcomes.allSatisfy { $0.isDelivered }, "\(configuration.typeName): \(outcomes)")
            #expect(again.allSatisfy { $0.isDelivered }, "\(configuration.typeName) redelivery: \(again)")
        }
        // The table is named by the mapping's resource; dates ISO; codes mapped; one row per member.
        let rows = try sqliteRows(
            folder.appendingPathComponent("core.sqlite").path,
            "SELECT idempotency_key, hihokensha_shimei, seinengappi, seibetsu_code, shutoku_jiyu_code, "
                + "shikaku_shutoku_ymd, setainushi_shimei FROM \"kokuho-shutoku\" ORDER BY idempotency_key")
        #expect(
            rows == [
                "0123abcd-kokuho-shutoku-0-members1|山田 花子|1990-04-01|2|03|2025-04-01|山田 太郎",
                "0123abcd-kokuho-shutoku-0-members2|山田 一郎〜|2019-05-01|1|03|2025-04-01|山田 太郎",
            ])
        // The CSV, read by Python's csv module as cp932, holds the same records (〜 as Windows writes it).
        let csvFile = try #require(try files(in: folder.appendingPathComponent("csv"), ending: ".csv").first)
        let script = """
            import csv, json, sys
            with open(sys.argv[1], encoding='cp932', newline='') as f:
                rows = list(csv.DictReader(f))
            print(json.dumps([rows[1]['key'], rows[1]['hihokensha_shimei'], rows[0]['kojin_bango'], len(rows)], ensure_ascii=False))
            """
        let result = try PythonClient.run(script: script, arguments: [csvFile.path])
        #expect(
            result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == #"["0123abcd-kokuho-shutoku-0-members2", "山田 一郎～", "621498320257", 2]"#)
        let jsonl = try String(
            contentsOf: folder.appendingPathComponent("jsonl/records.jsonl"), encoding: .utf8)
        #expect(jsonl.split(separator: "\n").count == 2)
        #expect(jsonl.contains(#""resource":"kokuho-shutoku""#))
    }

    @Test(
        "count, unless and times compute the 給付金 persons and amount; or: takes the ゆうちょ account when no bank is written"
    )
    func kyufukinComputedAndFallbackFields() throws {
        let workflow = try Workflow.load(
            file: PythonClient.repositoryRoot.appendingPathComponent("Workflows/kyufukin-shinsei.yaml").path)
        let record = FormRecord(
            workflow: "kyufukin-shinsei", scanID: "feed", index: 0, pages: [0],
            fields: [
                FieldResult(
                    path: "applied_on", type: "wareki-date", value: .date(CivilDate(year: 2026, month: 11, day: 2))),
                FieldResult(path: "household_id", type: "digits", value: .text("0012345678")),
                FieldResult(path: "members[0].name", type: "text", value: .text("山田 太郎")),
                FieldResult(path: "members[0].decline", type: "checkbox", value: .flag(false)),
                FieldResult(path: "members[1].name", type: "text", value: .text("山田 花子")),
                FieldResult(path: "members[1].decline", type: "checkbox", value: .flag(true)),
                FieldResult(path: "members[2].name", type: "text", value: .text("山田 一郎")),
                FieldResult(path: "members[3].decline", type: "checkbox", value: .flag(false)),
                FieldResult(path: "account.holder", type: "account-kana", value: .text("ﾔﾏﾀﾞ ﾀﾛｳ")),
                FieldResult(
                    path: "yucho", type: "yucho",
                    value: .parts([
                        "kigou": "14030", "bangou": "12345671", "branch": "408", "account": "1234567",
                        "kind": "普通", "kind_code": "1", "bank": "9900",
                    ]), sensitive: true),
            ],
            route: .straightThrough)
        let requests = try workflow.deliveryRequests(for: record)
        #expect(requests.map(\.connection) == ["kyufukin", "furikomi"])
        func value(_ name: String, _ index: Int) -> String? {
            requests[index].request.payload.first { $0.name == name }?.value ?? nil
        }
        #expect(value("taisho_ninzu", 0) == "2")
        #expect(value("shikyu_gaku", 0) == "200000")
        #expect(value("amount", 1) == "200000")
        #expect(
            [value("kinyu_kikan_code", 0), value("shiten_code", 0), value("yokin_shumoku", 0), value("koza_bango", 0)]
                == ["9900", "408", "1", "1234567"])
        // A value taken from a sensitive alternative is sensitive.
        #expect(requests[1].request.payload.first { $0.name == "account_number" }?.sensitive == true)
        #expect(requests.map(\.request.idempotencyKey) == ["feed-kyufukin-shinsei-0", "feed-kyufukin-shinsei-0"])
    }
}
