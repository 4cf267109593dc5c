import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowTesting
import Testing

func files(in folder: URL, ending suffix: String) throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        .filter { $0.lastPathComponent.hasSuffix(suffix) }.sorted { $0.path < $1.path }
}

func request(_ key: String, _ fields: [(String, String?)], sensitive: Set<String> = []) -> DeliveryRequest {
    DeliveryRequest(
        idempotencyKey: key, workflow: "test", resource: "test",
        payload: fields.map { PayloadField(name: $0.0, value: $0.1, sensitive: sensitive.contains($0.0)) })
}

@Suite("CP932 encoding")
struct CP932Tests {
    @Test("〜 − ‐ ー and 外字-free Japanese are written as Windows writes them; Python's cp932 reads them back")
    func roundTrip() async throws {
        let folder = temporaryFolder("cp932")
        defer { try? FileManager.default.removeItem(at: folder) }
        let connector = try ConnectorFactory.makeConnector(
            named: "csv", configuration: .csv(.init(folder: folder.path, header: false, encoding: .cp932)),
            environment: [:])
        // JIS forms (U+301C, U+2212, U+2016, U+2014) and their Windows forms, ‐ U+2010, ー, NEC ①, IBM 髙, ｶﾅ.
        let text = "9時〜17時 −5 ‐ ー ～ － ‖ — ① 髙橋 ｶﾀｶﾅ 住民票の写し"
        let outcome = await connector.deliver([request("k1", [("memo", text)])])
        try await connector.close()
        #expect(outcome.first?.isDelivered == true)
        let file = try #require(try files(in: folder, ending: ".csv").first)
        let bytes = try Data(contentsOf: file)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        #expect(hex.contains("8160"))  // 〜 and ～ are both 0x8160
        #expect(hex.contains("817c35"))  // − before 5 is 0x817C
        #expect(hex.contains("815d"))  // ‐ U+2010
        #expect(hex.contains("815b"))  // ー
        let result = try PythonClient.run(
            script:
                "import sys; sys.stdout.buffer.write(open(sys.argv[1], 'rb').read().decode('cp932').encode('utf-8'))",
            arguments: [file.path])
        #expect(result.status == 0, "\(result.errorOutput)")
        // Python's cp932 decodes to the Windows forms: 〜 → ～ (U+FF5E), − → － (U+FF0D), ‖ → ∥, — → ―.
        #expect(result.output == "9時～17時 －5 ‐ ー ～ － ∥ ― ① 髙橋 ｶﾀｶﾅ 住民票の写し\r\n")
        // And Python's encoder agrees byte for byte with ours (it lacks only — U+2014, so it gets ―, the same byte).
        let pythonBytes = try PythonClient.run(
            script: "import sys; print(sys.stdin.read().encode('cp932').hex())",
            input: Data((text.replacingOccurrences(of: "—", with: "―") + "\r\n").utf8))
        #expect(pythonBytes.status == 0, "\(pythonBytes.errorOutput)")
        #expect(pythonBytes.output.trimmingCharacters(in: .whitespacesAndNewlines) == hex)
    }

    @Test(
        "a character CP932 lacks rejects the record naming the field, not a silent ?",
        arguments: [
            ("\u{E001}", "外字"), ("¥", "U+A5"), ("🙂", "U+1F642"), ("𠮷", "U+20BB7"),
        ])
    func unmappable(character: String, expected: String) async throws {
        let folder = temporaryFolder("cp932")
        defer { try? FileManager.default.removeItem(at: folder) }
        let connector = try ConnectorFactory.makeConnector(
            named: "csv", configuration: .csv(.init(folder: folder.path, encoding: .cp932)), environment: [:])
        let outcomes = await connector.deliver([
            request("k1", [("shimei", "山田"), ("memo", "a\(character)b")]),
            request("k2", [("shimei", "鈴木"), ("memo", "ok")]),
        ])
        try await connector.close()
        let rejection = try #require(outcomes[0].rejections?.first)
        #expect(rejection.field == "memo")
        #expect(rejection.message.contains(expected))
        #expect(outcomes[1].isDelivered)
        let file = try #require(try files(in: folder, ending: ".csv").first)
        #expect(try Data(contentsOf: file) == Data("shimei,memo\r\n".utf8) + (try cp932("鈴木")) + Data(",ok\r\n".utf8))
    }

    @Test("a sensitive field's error does not show the character")
    func sensitiveMessage() async throws {
        let folder = temporaryFolder("cp932")
        defer { try? FileManager.default.removeItem(at: folder) }
        let connector = try ConnectorFactory.makeConnector(
            named: "csv", configuration: .csv(.init(folder: folder.path, encoding: .cp932)), environment: [:])
        let outcomes = await connector.deliver([request("k1", [("shimei", "𠮷田")], sensitive: ["shimei"])])
        try await connector.close()
        let message = try #require(outcomes[0].rejections?.first?.message)
        #expect(!message.contains("20BB7"))
        #expect(!message.contains("𠮷"))
    }
}

func cp932(_ text: String) throws -> Data {
    let result = try PythonClient.run(
        script: "import sys; print(sys.stdin.read().encode('cp932').hex())", input: Data(text.utf8))
    let hex = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    var data = Data()
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        data.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return data
}

@Suite("csv connector")
struct CSVConnectorTests {
    @Test(
        "one file per batch, RFC 4180 quoting and the formula guard, read back by Python's csv module",
        arguments: [TextEncoding.utf8, .cp932])
    func pythonReadsBack(encoding: TextEncoding) async throws {
        let folder = temporaryFolder("csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = CSVConnectionConfiguration(
            folder: folder.path, filePrefix: "jidou", columns: ["shimei", "memo", "amount"], keyColumn: "kamiflow_key",
            encoding: encoding)
        let connector = try ConnectorFactory.makeConnector(
            named: "csv", configuration: .csv(configuration), environment: [:])
        let outcomes = await connector.deliver([
            request("k1", [("shimei", "山田 太郎"), ("memo", "say \"hi\", then\nleave"), ("amount", "-5")]),
            request("k2", [("memo", "=HYPERLINK(\"http://x\")"), ("shimei", "＠鈴木"), ("amount", nil)]),
            request("k3", [("shimei", "@SUM(A1)"), ("memo", " padded "), ("amount", "+1")]),
        ])
        #expect(outcomes.allSatisfy { $0.isDelivered })
        _ = await connector.deliver([request("k4", [("shimei", "次のバッチ"), ("memo", "x"), ("amount", "1")])])
        try await connector.close()
        let written = try files(in: folder, ending: ".csv")
        #expect(written.count == 2)
        #expect(written.allSatisfy { $0.lastPathComponent.hasPrefix("jidou-") })
        let codec = encoding == .utf8 ? "utf-8" : "cp932"
        let script = """
            import csv, json, sys
            with open(sys.argv[1], encoding=sys.argv[2], newline='') as f:
                print(json.dumps(list(csv.reader(f)), ensure_ascii=False))
            """
        let first = try #require(written.first { try! Data(contentsOf: $0).count > 60 })
        let result = try PythonClient.run(script: script, arguments: [first.path, codec])
        #expect(result.status == 0, "\(result.errorOutput)")
        let rows = try JSONDecoder().decode([[String]].self, from: Data(result.output.utf8))
        #expect(
            rows == [
                ["kamiflow_key", "shimei", "memo", "amount"],
                ["k1", "山田 太郎", "say \"hi\", then\nleave", "'-5"],
                ["k2", "＠鈴木", "'=HYPERLINK(\"http://x\")", ""],
                ["k3", "'@SUM(A1)", " padded ", "'+1"],
            ])
        #expect(try Data(contentsOf: first).suffix(2) == Data([0x0D, 0x0A]))
    }

    @Test("a field that is not a configured column rejects the record")
    func strayField() async throws {
        let folder = temporaryFolder("csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        let connector = try ConnectorFactory.makeConnector(
            named: "csv", configuration: .csv(.init(folder: folder.path, columns: ["a"])), environment: [:])
        let outcomes = await connector.deliver([request("k1", [("a", "1"), ("b", "2")])])
        try await connector.close()
        #expect(outcomes.first?.rejections?.first?.field == "b")
        #expect(try files(in: folder, ending: ".csv").isEmpty)
    }
}

@Suite("zengin connector")
struct ZenginConnectorTests {
    static func configuration(_ folder: URL) -> ZenginConnectionConfiguration {
        ZenginConnectionConfiguration(
            folder: folder.path, requesterCode: "1234567890", requesterName: "ミナトク ケンコウフクシブ",
            transferDate: "0410", bankCode: "0001", bankName: "ミズホ", branchCode: "001", branchName: "ホンテン",
            accountType: "1", accountNumber: "1234567")
    }

    static func records() -> [DeliveryRequest] {
        [
            request(
                "kyufu-1",
                [
                    ("bank_code", "0005"), ("bank_name", "ミツビシユーエフジェイ"), ("branch_code", "123"),
                    ("branch_name", "シンジュク"), ("account_type", "1"), ("account_number", "76543"),
                    ("holder", "やまだ たろう"), ("amount", "100000"), ("customer_code1", "1"),
                ],
                sensitive: ["account_number"]),
            request(
                "kyufu-2",
                [
                    ("bank_code", "9900"), ("bank_name", "ユウチョ"), ("branch_code", "408"), ("branch_name", "ヨンゼロハチ"),
                    ("account_type", "1"), ("account_number", "1234567"), ("holder", "キュウヨ ジロー"), ("amount", "50000"),
                    ("customer_code1", "2"),
                ],
                sensitive: ["account_number"]),
        ]
    }

    @Test("writes the 全銀 総合振込 file worked out by hand, byte for byte")
    func byteForByte() async throws {
        let folder = temporaryFolder("zengin")
        defer { try? FileManager.default.removeItem(at: folder) }
        let connector = try ConnectorFactory.makeConnector(
            named: "bank", configuration: .zengin(Self.configuration(folder)), environment: [:])
        let outcomes = await connector.deliver(Self.records())
        try await connector.close()
        #expect(outcomes.allSatisfy { $0.isDelivered })
        let file = try #require(try files(in: folder, ending: ".txt").first)
        let expected = try Data(
            contentsOf: PythonClient.repositoryRoot.appendingPathComponent("Fixtures/zengin/sogo-furikomi-0410.txt"))
        let written = try Data(contentsOf: file)
        #expect(written == expected)
        if written != expected {
            for (i, (a, b)) in zip(written, expected).enumerated() where a != b {
                Issue.record("first difference at byte \(i) (record \(i / 122 + 1), column \(i % 122 + 1))")
                break
            }
        }
    }

    @Test("a holder with a character banks refuse is rejected naming the field; a bad amount too")
    func rejections() async throws {
        let folder = temporaryFolder("zengin")
        defer { try? FileManager.default.removeItem(at: folder) }
        let connector = try ConnectorFactory.makeConnector(
            named: "bank", configuration: .zengin(Self.configuration(folder)), environment: [:])
        var badHolder = Self.records()[0]
        badHolder.idempotencyKey = "bad-holder"
        badHolder.payload[6].value = "山田"
        var badAmount = Self.records()[1]
        badAmount.idempotencyKey = "bad-amount"
        badAmount.payload[7].value = "1,000"
        let outcomes = await connector.deliver([badHolder, badAmount, Self.records()[0]])
        try await connector.close()
        #expect(outcomes[0].rejections?.first?.field == "holder")
        #expect(outcomes[1].rejections?.first?.field == "amount")
        #expect(outcomes[2].isDelivered)
    }

    @Test("an incomplete bank configuration is a deployment error naming the connection")
    func badConfiguration() {
        var configuration = Self.configuration(temporaryFolder("zengin"))
        configuration.transferDate = "1332"
        #expect {
            _ = try ConnectorFactory.makeConnector(
                named: "bank", configuration: .zengin(configuration), environment: [:])
        } throws: { error in
            (error as? KamiflowError)?.subject == "bank"
                && (error as? KamiflowError)?.message.contains("transfer_date") == true
        }
    }
}

@Suite("fixed-width and jsonl connectors")
struct FixedWidthAndJSONLinesTests {
    @Test("fixed-width: N right-justified zero-filled, C left-justified space-filled, byte lengths in CP932")
    func fixedWidth() async throws {
        let folder = temporaryFolder("fixed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let layout: [FixedWidthConnectionConfiguration.Column] = [
            .init(field: nil, bytes: 2, kind: .character, value: "A1"),
            .init(field: "code", bytes: 6, kind: .numeric),
            .init(field: "name", bytes: 10, kind: .character),
            .init(field: "kana", bytes: 8, kind: .character),
        ]
        let configuration = FixedWidthConnectionConfiguration(folder: folder.path, layout: layout)
        #expect(configuration.recordLength == 26)
        let connector = try ConnectorFactory.makeConnector(
            named: "fixed", configuration: .fixedWidth(configuration), environment: [:])
        let outcomes = await connector.deliver([
            request("k1", [("code", "42"), ("name", "山田太郎"), ("kana", "ﾔﾏﾀﾞ")]),
            request("k2", [("code", "4a"), ("name", "x"), ("kana", "x")]),
            request("k3", [("code", "1"), ("name", "山田太郎一郎"), ("kana", "x")]),
        ])
        try await connector.close()
        #expect(outcomes[0].isDelivered)
        #expect(outcomes[1].rejections?.first?.field == "code")
        #expect(outcomes[2].rejections?.first?.message.contains("12 bytes") == true)
        let file = try #require(try files(in: folder, ending: ".dat").first)
        let expected =
            Data("A1000042".utf8) + (try cp932("山田太郎")) + Data("  ".utf8) + (try cp932("ﾔﾏﾀﾞ"))
            + Data("    \r\n".utf8)
        #expect(try Data(contentsOf: file) == expected)
    }

    @Test("jsonl: batches appended to one file, one object per line, keys in mapping order")
    func jsonLines() async throws {
        let folder = temporaryFolder("jsonl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let connector = try ConnectorFactory.makeConnector(
            named: "log", configuration: .jsonLines(.init(folder: folder.path)), environment: [:])
        _ = await connector.deliver([request("k1", [("b", "2"), ("a", "\"1\"\n")])])
        _ = await connector.deliver([request("k2", [("z", nil)]), request("k1", [("b", "2"), ("a", "\"1\"\n")])])
        try await connector.close()
        let text = try String(contentsOf: folder.appendingPathComponent("records.jsonl"), encoding: .utf8)
        #expect(
            text == """
                {"idempotency_key":"k1","workflow":"test","resource":"test","record":{"b":"2","a":"\\"1\\"\\n"}}
                {"idempotency_key":"k2","workflow":"test","resource":"test","record":{"z":null}}

                """)
    }
}

@Suite("batch files survive a crash")
struct BatchFileRecoveryTests {
    @Test("a pending batch without a ledger line is dropped; one with a ledger line is put in place")
    func rollBackAndForward() async throws {
        let folder = temporaryFolder("recovery")
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledgerFolder = folder.appendingPathComponent(".kamiflow-ledger")
        try FileManager.default.createDirectory(at: ledgerFolder, withIntermediateDirectories: true)
        // A crash after step 1 (pending written, not committed) and one after step 2 (committed, not renamed).
        try Data("orphan\r\n".utf8).write(to: ledgerFolder.appendingPathComponent("orphan.csv.pending"))
        try Data("a\r\n1\r\n".utf8).write(to: ledgerFolder.appendingPathComponent("done.csv.pending"))
        let line = #"{"batch":"done.csv","target":"done.csv","append":false,"offset":0,"keys":{"k1":"d1"}}"#
        // The ledger's last line was torn by the crash.
        try Data((line + "\n{\"batch\":\"tor").utf8).write(to: ledgerFolder.appendingPathComponent("ledger.jsonl"))
        let connector = try ConnectorFactory.makeConnector(
            named: "csv", configuration: .csv(.init(folder: folder.path)), environment: [:])
        try await connector.close()
        #expect(try files(in: folder, ending: ".csv").map(\.lastPathComponent) == ["done.csv"])
        #expect(try files(in: ledgerFolder, ending: ".pending").isEmpty)
        let ledger = try String(contentsOf: ledgerFolder.appendingPathComponent("ledger.jsonl"), encoding: .utf8)
        #expect(ledger == line + "\n")
    }
}
