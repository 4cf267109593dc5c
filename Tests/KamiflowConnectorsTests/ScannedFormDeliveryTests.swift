import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowServer
import KamiflowTesting
import KamiflowWorkflow
import Testing

/// A clean rendered scan of a shipped workflow's form, read by the real engine and interpreted by the workflow.
struct ScannedForm {
    var workflow: Workflow
    var record: FormRecord
    /// What was printed on the form (the renderer's ground truth), by field path.
    var printed: [String: String]

    /// Renders one filled form (the forms renderer, clean profile), reads it with Tesseract and interprets it.
    /// The record is used as extraction made it, whatever its route: these tests are about delivery.
    static func make(_ name: String, seed: UInt64) async throws -> ScannedForm {
        let workflow = try Workflow.load(
            file: PythonClient.repositoryRoot.appendingPathComponent("Workflows/\(name).yaml").path)
        let today = CivilDate(year: 2026, month: 11, day: 21)
        let folder = temporaryFolder("scanned-\(name)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let batch = SampleBatch(
            layout: FormLayout(workflow: workflow),
            configuration: SampleBatchConfiguration(count: 1, seed: seed, profile: .clean, referenceDate: today))
        let image = try #require(try await batch.write(to: folder).first)
        let truth = try GroundTruth.load(from: folder.appendingPathComponent(GroundTruth.fileName(forImage: image)))
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(preparation: Preparation(deskew: true), today: today))
        let records = try await extractor.extract(
            .file(path: folder.appendingPathComponent(image).path), scanID: "scan\(seed)"
        ).records
        await pool.shutdown()
        return ScannedForm(workflow: workflow, record: try #require(records.first), printed: truth.forms[0].values)
    }

    /// Reads a scan that was not rendered by Kamiflow (a form it did not print, with its truth file beside it) with
    /// a shipped workflow: the real engine, the workflow's own registration to its reference blank.
    static func read(_ name: String, scan: URL) async throws -> ScannedForm {
        let workflow = try Workflow.load(
            file: PythonClient.repositoryRoot.appendingPathComponent("Workflows/\(name).yaml").path)
        let truth = try GroundTruth.load(
            from: scan.deletingLastPathComponent().appendingPathComponent(
                GroundTruth.fileName(forImage: scan.lastPathComponent)))
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(
                preparation: Preparation(deskew: true), today: CivilDate(year: 2026, month: 11, day: 21)))
        let records = try await extractor.extract(.file(path: scan.path), scanID: "demo1").records
        await pool.shutdown()
        return ScannedForm(workflow: workflow, record: try #require(records.first), printed: truth.forms[0].values)
    }

    /// The requests for one connection of the workflow's `deliver:` block.
    func requests(to connection: String) throws -> [DeliveryRequest] {
        try workflow.deliveryRequests(for: record).filter { $0.connection == connection }.map(\.request)
    }

    /// Filled rows of a group, as printed.
    func printedRows(_ group: String, field: String) -> [Int] {
        (0..<10).filter { !(printed["\(group)[\($0)].\(field)"] ?? "").isEmpty }
    }
}

extension DeliveryRequest {
    /// The non-empty payload values by field name: what a core system stores.
    var values: [String: String] {
        Dictionary(
            payload.compactMap { field in field.value.map { (field.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }
}

/// Delivers `requests` to a real simulator over HTTP twice and returns what its store holds for `resource`
/// afterwards (the second delivery must add nothing).
func deliverTwiceToSimulator(_ requests: [DeliveryRequest], resource: String) async throws -> [StoredRecord] {
    try await withSimulatorAndConnector { simulator, connector in
        let outcomes = await connector.deliver(requests)
        #expect(outcomes.allSatisfy { $0.isDelivered }, "the simulator did not take the scanned record: \(outcomes)")
        let first = try simulator.records(in: resource)
        let again = await connector.deliver(requests)
        #expect(again.allSatisfy { $0.isDelivered }, "redelivery: \(again)")
        let second = try simulator.records(in: resource)
        #expect(second.map(\.id) == first.map(\.id), "a second delivery of the same record stored a second row")
        return second
    }
}

/// Runs a Python script (the independent client) and parses what it prints as JSON.
func pythonJSON(_ script: String, _ file: URL) throws -> Any {
    let result = try PythonClient.run(script: script, arguments: [file.path])
    #expect(result.status == 0, "\(result.errorOutput)")
    return try JSONSerialization.jsonObject(with: Data(result.output.utf8))
}

/// Delivers through a file or database connection, twice (the second must be recognised), and closes it.
func deliverTwice(_ requests: [DeliveryRequest], through configuration: ConnectionConfiguration) async throws {
    let connector = try ConnectorFactory.makeConnector(named: "target", configuration: configuration, environment: [:])
    let outcomes = await connector.deliver(requests)
    let again = await connector.deliver(requests)
    try await connector.close()
    #expect(outcomes.allSatisfy { $0.isDelivered }, "\(configuration.typeName): \(outcomes)")
    #expect(again.allSatisfy { $0.isDelivered }, "\(configuration.typeName) redelivery: \(again)")
}

/// The whole way from paper to core system, for every shipped workflow: a rendered form is read by the real
/// engine, interpreted by its workflow, mapped by the workflow's `deliver:` block and delivered — over HTTP to the
/// simulated core system (which validates it against its OpenAPI schema: check digits, code lists, dates, 和暦
/// ranges) and through one file or database connector each, read back by an independent client. One scan per
/// workflow, reused for both.
@Suite("Scanned forms delivered into the core systems", .serialized)
struct ScannedFormDeliveryTests {
    @Test("児童手当: one row in the simulator with the printed values; the same record in SQLite")
    func jidouTeate() async throws {
        let scan = try await ScannedForm.make("jidou-teate-nintei", seed: 77)
        let requests = try scan.requests(to: "jidou-teate")
        #expect(requests.count == 1)
        let stored = try await deliverTwiceToSimulator(requests, resource: "jidou-teate")
        #expect(stored.count == 1)
        let fields = try #require(stored.first?.fields)
        #expect(fields == requests[0].values)
        // What the core system holds is what was printed: the fields with check digits or code lists always (a
        // misread would have been refused with 422), and the dates.
        let printed = scan.printed
        #expect(fields["kojin_bango"] == printed["claimant.mynumber"])
        #expect(fields["seikyu_ymd"] == printed["submitted_on"])
        #expect(fields["seikyusha_seinengappi"] == printed["claimant.birth"])
        #expect(fields["seibetsu_code"] == (printed["claimant.sex"] == "男" ? "1" : "2"))
        #expect(fields["kinyu_kikan_code"] == (printed["bank.code"].flatMap { $0.isEmpty ? nil : $0 } ?? "9900"))

        let folder = temporaryFolder("scanned-sqlite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("core.sqlite").path
        try await deliverTwice(requests, through: .sqlite(.init(path: database)))
        let rows = try sqliteRows(database, "SELECT idempotency_key, kojin_bango, seikyu_ymd FROM \"jidou-teate\"")
        #expect(rows == ["scan77-jidou-teate-nintei-0|\(printed["claimant.mynumber"]!)|\(printed["submitted_on"]!)"])
    }

    @Test("住民異動届: one row per person moving in, ISO and 和暦 birth dates, 続柄 coded; the same in JSON Lines")
    func idouTennyu() async throws {
        let scan = try await ScannedForm.make("idou-tennyu", seed: 77)
        let rows = scan.printedRows("persons", field: "name")
        #expect(!rows.isEmpty)
        let requests = try scan.requests(to: "juuki")
        #expect(requests.count == rows.count)
        let stored = try await deliverTwiceToSimulator(requests, resource: "jumin-idou")
        #expect(stored.count == rows.count)
        for (row, record) in zip(rows, stored.sorted { $0.idempotencyKey < $1.idempotencyKey }) {
            #expect(record.idempotencyKey == "scan77-idou-tennyu-0-persons\(row + 1)")
            #expect(record.fields["idou_jiyu_code"] == "01")
            #expect(record.fields["seinengappi"] == scan.printed["persons[\(row)].birth"])
            #expect(record.fields["seinengappi_wareki"]?.count == 7)
            #expect(record.fields["seibetsu_code"] == (scan.printed["persons[\(row)].sex"] == "男" ? "1" : "2"))
            #expect(record.fields["idou_ymd"] == scan.printed["moved_on"])
            #expect(record.fields["yubin_bango"] == scan.printed["new.postal"])
        }
        let head = try #require(stored.first { $0.fields["zokugara_code"] == "01" }, "no 世帯主 among \(stored)")
        #expect(
            head.fields["shimei_kana"]?.allSatisfy { $0 == "　" || $0 == " " || ("ァ"..."ヴ").contains($0) || $0 == "ー" }
                == true)

        let folder = temporaryFolder("scanned-jsonl")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await deliverTwice(requests, through: .jsonLines(.init(folder: folder.path)))
        let lines = try String(contentsOf: folder.appendingPathComponent("records.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == rows.count)
        let first = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["resource"] as? String == "jumin-idou")
        #expect(
            (first["record"] as? [String: Any])?["seinengappi"] as? String == scan.printed["persons[\(rows[0])].birth"])
    }

    @Test("住民票の写し等交付請求: one row with the codes of the ticked options; the same in a CP932 CSV read by Python")
    func juminhyoKoufu() async throws {
        let scan = try await ScannedForm.make("juminhyo-koufu", seed: 77)
        let requests = try scan.requests(to: "juuki")
        let stored = try await deliverTwiceToSimulator(requests, resource: "shomeisho")
        #expect(stored.count == 1)
        let fields = try #require(stored.first?.fields)
        #expect(fields == requests[0].values)
        let kinds = ["住民票": "1", "除票": "2", "記載事項証明書": "3"]
        #expect(fields["shurui_code"] == scan.printed["kind"].flatMap { kinds[$0] })
        #expect(fields["seikyu_ymd"] == scan.printed["requested_on"])
        #expect(fields["kisai_kojin_bango"] == (scan.printed["show.mynumber"] == "true" ? "1" : "0"))

        let folder = temporaryFolder("scanned-csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await deliverTwice(requests, through: .csv(.init(folder: folder.path, keyColumn: "key", encoding: .cp932)))
        let file = try #require(try files(in: folder, ending: ".csv").first)
        let script = """
            import csv, json, sys
            with open(sys.argv[1], encoding='cp932', newline='') as f:
                rows = list(csv.DictReader(f))
            print(json.dumps([len(rows), rows[0]['key'], rows[0]['seikyusha_shimei'], rows[0]['shurui_code']], ensure_ascii=False))
            """
        let expected: [String] = [
            "1", "scan77-juminhyo-koufu-0", fields["seikyusha_shimei"] ?? "", fields["shurui_code"] ?? "",
        ]
        let read = try #require(try pythonJSON(script, file) as? [Any])
        #expect(read.map { "\($0)" } == expected)
    }

    @Test("国保 資格取得届: one row per member with a checked マイナンバー; the same in a fixed-width CP932 file")
    func kokuhoShutoku() async throws {
        let scan = try await ScannedForm.make("kokuho-shutoku", seed: 77)
        let rows = scan.printedRows("members", field: "name")
        let requests = try scan.requests(to: "kokuho")
        #expect(requests.count == rows.count)
        let stored = try await deliverTwiceToSimulator(requests, resource: "kokuho-shutoku")
        #expect(stored.count == rows.count)
        for (row, record) in zip(rows, stored.sorted { $0.idempotencyKey < $1.idempotencyKey }) {
            #expect(record.fields["kojin_bango"] == scan.printed["members[\(row)].mynumber"])
            #expect(record.fields["seinengappi"] == scan.printed["members[\(row)].birth"])
            #expect(record.fields["shikaku_shutoku_ymd"] == scan.printed["acquired_on"])
            #expect(record.fields["setainushi_kojin_bango"] == scan.printed["head.mynumber"])
        }

        let folder = temporaryFolder("scanned-fixed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let layout: [FixedWidthConnectionConfiguration.Column] = [
            .init(field: nil, bytes: 2, kind: .character, value: "KH"),
            .init(field: "todokede_ymd", bytes: 10, kind: .character),
            .init(field: "hihokensha_shimei", bytes: 40, kind: .character),
            .init(field: "shutoku_jiyu_code", bytes: 2, kind: .numeric),
            .init(field: "shikaku_shutoku_ymd", bytes: 10, kind: .character),
        ]
        // A 国保 system that takes a fixed-width file instead gets the mapping cut to its layout's fields; the
        // contract check agrees that the cut mapping fits the layout.
        let fixed = ConnectionConfiguration.fixedWidth(.init(folder: folder.path, layout: layout))
        var mapping = try #require(scan.workflow.deliveries.first)
        mapping.fields = mapping.fields.filter { field in layout.contains { $0.field == field.name } }
        let problems = mapping.diagnostics(against: try fixed.contract(for: nil), in: scan.workflow)
        #expect(problems.isEmpty, "\(problems)")
        let fileRequests = try mapping.requests(for: scan.record, in: scan.workflow)
        try await deliverTwice(fileRequests, through: fixed)
        let file = try #require(try files(in: folder, ending: ".dat").first)
        let script = """
            import json, sys
            data = open(sys.argv[1], 'rb').read()
            records = [r for r in data.split(b'\\r\\n') if r]
            print(json.dumps([[len(r), r[:2].decode('cp932'), r[2:12].decode('cp932'), r[12:52].decode('cp932').rstrip(' '),
                               r[54:64].decode('cp932')] for r in records], ensure_ascii=False))
            """
        let read = try #require(try pythonJSON(script, file) as? [[Any]])
        #expect(read.count == rows.count)
        let sent = fileRequests.map(\.values)
        for (line, values) in zip(read, sent) {
            let expected: [String] = [
                "64", "KH", values["todokede_ymd"] ?? "", values["hihokensha_shimei"] ?? "",
                values["shikaku_shutoku_ymd"] ?? "",
            ]
            let got: [String] = line.map { "\($0)" }
            #expect(got == expected)
        }
    }

    @Test("給付金: the application with persons and amount counted; the payment as a 全銀 総合振込 data record")
    func kyufukin() async throws {
        let scan = try await ScannedForm.make("kyufukin-shinsei", seed: 78)
        let paid = scan.printedRows("members", field: "name").filter {
            scan.printed["members[\($0)].decline"] != "true"
        }
        #expect(!paid.isEmpty, "pick a seed where someone is paid")
        let requests = try scan.requests(to: "kyufukin")
        let stored = try await deliverTwiceToSimulator(requests, resource: "kyufukin")
        #expect(stored.count == 1)
        let fields = try #require(stored.first?.fields)
        #expect(fields == requests[0].values)
        #expect(fields["taisho_ninzu"] == String(paid.count))
        #expect(fields["shikyu_gaku"] == String(paid.count * 100_000))
        #expect(fields["setai_bango"] == scan.printed["household_id"])

        let payment = try scan.requests(to: "furikomi")
        let folder = temporaryFolder("scanned-zengin")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await deliverTwice(payment, through: .zengin(ZenginConnectorTests.configuration(folder)))
        let file = try #require(try files(in: folder, ending: ".txt").first)
        let script = """
            import json, sys
            data = open(sys.argv[1], 'rb').read()
            records = [r for r in data.split(b'\\r\\n') if r]
            d = records[1]
            print(json.dumps([[len(r) for r in records], [r[:1].decode() for r in records], d[1:5].decode(),
                              d[20:23].decode(), d[42:43].decode(), d[43:50].decode(), d[50:80].decode('cp932').rstrip(' '),
                              int(d[80:90]), d[91:101].decode()], ensure_ascii=False))
            """
        let read = try #require(try pythonJSON(script, file) as? [Any])
        let sent = payment[0].values
        #expect(read.count == 9)
        #expect(read[0] as? [Int] == [120, 120, 120, 120])
        #expect(read[1] as? [String] == ["1", "2", "8", "9"])
        #expect(read[2] as? String == sent["bank_code"])
        #expect(read[3] as? String == sent["branch_code"])
        #expect(read[4] as? String == sent["account_type"])
        #expect(read[5] as? String == sent["account_number"])
        #expect(read[6] as? String == sent["holder"])
        #expect(read[7] as? Int == paid.count * 100_000)
        #expect(read[8] as? String == scan.printed["household_id"])
    }

    @Test("アンケート: one CSV row per sheet for the spreadsheet (UTF-8 with BOM), ratings 4…1, read by Python")
    func anketo() async throws {
        let scan = try await ScannedForm.make("anketo", seed: 77)
        let requests = try scan.requests(to: "survey")
        #expect(requests.count == 1)
        let columns = [
            "kaito_bi", "hyoka_1", "hyoka_2", "hyoka_3", "hyoka_4", "hyoka_5", "kanshin", "raichou", "nendai",
            "seibetsu", "hatsu_raichou", "mokuteki", "iken", "chiku", "setai_ninzu",
        ]
        let folder = temporaryFolder("scanned-survey")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await deliverTwice(
            requests, through: .csv(.init(folder: folder.path, columns: columns, byteOrderMark: true)))
        let file = try #require(try files(in: folder, ending: ".csv").first)
        let script = """
            import csv, json, sys
            with open(sys.argv[1], encoding='utf-8-sig', newline='') as f:
                rows = list(csv.DictReader(f))
            print(json.dumps([len(rows), list(rows[0].keys())] + [rows[0]['hyoka_%d' % i] for i in range(1, 6)]
                             + [rows[0]['kaito_bi']], ensure_ascii=False))
            """
        let read = try #require(try pythonJSON(script, file) as? [Any])
        let scores = ["満足": "4", "やや満足": "3", "やや不満": "2", "不満": "1"]
        let printedScores = (0..<5).map { scores[scan.printed["questions[\($0)].rating"] ?? ""] ?? "" }
        #expect(read.first as? Int == 1)
        #expect(read.dropFirst().first as? [String] == columns)
        #expect(read.dropFirst(2).compactMap { $0 as? String } == printedScores + [scan.printed["answered_on"] ?? ""])
    }

    @Test("市税口座振替依頼書, a form Kamiflow did not print: the demo's scan, taxes and account kind coded")
    func kouzaFurikae() async throws {
        let scan = try await ScannedForm.read(
            "kouza-furikae",
            scan: PythonClient.repositoryRoot.appendingPathComponent("Samples/forms/kouza-furikae-0002.jpg"))
        let requests = try scan.requests(to: "zeimu")
        #expect(requests.count == 1)
        let stored = try await deliverTwiceToSimulator(requests, resource: "koza-furikae")
        #expect(stored.count == 1)
        let fields = try #require(stored.first?.fields)
        #expect(fields == requests[0].values)
        let printed = scan.printed
        let taxes = [
            "市県民税": "shikenminzei", "固定資産税": "kotei_shisanzei", "軽自動車税": "kei_jidoshazei",
            "国民健康保険税": "kokuho_zei",
        ]
        let printedTaxes = (printed["taxes"] ?? "").split(separator: ",").compactMap { taxes[String($0)] }
        #expect(!printedTaxes.isEmpty)
        #expect(fields["zeimoku"] == printedTaxes.joined(separator: ","))
        #expect(fields["yokin_shumoku"] == (printed["account_kind"] == "普通" ? "1" : "2"))
        #expect(fields["todokede_ymd"] == printed["applied_on"])
        #expect(fields["kinyu_kikan_code"] == printed["bank_code"])
        #expect(fields["shiten_code"] == printed["branch_code"])
        #expect(fields["koza_bango"] == printed["account_number"])
    }
}
