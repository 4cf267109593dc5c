import AsyncHTTPClient
import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowServer
import KamiflowTesting
import NIOCore
import NIOHTTP1
import Testing

/// One HTTP exchange with the simulator, kept so that its body can be checked against the OpenAPI document.
struct Exchange {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: JSONValue? { JSONValue.parse(body) }
}

/// A plain HTTP client, not the connector: the simulator is tested as any client sees it.
struct RawClient {
    let port: Int
    let client: HTTPClient

    func send(
        _ method: NIOHTTP1.HTTPMethod, _ path: String, body: String? = nil, headers: [String: String] = [:]
    ) async throws -> Exchange {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 1 << 22)
        var collected: [String: String] = [:]
        for header in response.headers { collected[header.name.lowercased()] = header.value }
        return Exchange(status: Int(response.status.code), headers: collected, body: Data(buffer.readableBytesView))
    }
}

func withSimulator<T: Sendable>(
    token: String? = "test-token", _ body: (CoreSimulator, RawClient) async throws -> T
) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-sim-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let configuration = CoreSimulator.Configuration(
        databasePath: folder.appendingPathComponent("sim.sqlite").path, token: token)
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    do {
        let result = try await CoreSimulator.withRunning(configuration) { simulator, port in
            try await body(simulator, RawClient(port: port, client: client))
        }
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

func body(of request: DeliveryRequest) -> String { DeliveryRequestBody.json(for: request.payload) }

func auth(_ key: String?, token: String = "test-token") -> [String: String] {
    var headers = ["Authorization": "Bearer \(token)"]
    if let key { headers["Idempotency-Key"] = key }
    return headers
}

/// Checks bodies against schemas of the committed document with Python's jsonschema (and the document itself with
/// openapi-spec-validator).
func expectMatchesDocument(_ cases: [(pointer: String, body: Data)]) throws {
    let document = PythonClient.repositoryRoot.appendingPathComponent("Sources/KamiflowServer/Resources/openapi.json")
    var input = "{\"document\":"
    JSONValue.appendQuoted(document.path, to: &input)
    input += ",\"cases\":["
    input += cases.map { "{\"pointer\":\"\($0.pointer)\",\"body\":\(String(decoding: $0.body, as: UTF8.self))}" }
        .joined(separator: ",")
    input += "]}"
    let script = PythonClient.repositoryRoot.appendingPathComponent("Scripts/check-responses.py").path
    let result = try PythonClient.run([script], input: Data(input.utf8))
    #expect(result.status == 0, "\(result.output)\(result.errorOutput)")
    #expect(result.output.split(separator: "\n").count == cases.count)
}

@Suite("Core-system simulator")
struct CoreSimulatorTests {
    @Test("serves the committed OpenAPI document, which openapi-spec-validator accepts")
    func servesDocument() async throws {
        try await withSimulator { _, http in
            let answer = try await http.send(.GET, "/openapi.json")
            #expect(answer.status == 200)
            let committed = try Data(
                contentsOf: PythonClient.repositoryRoot.appendingPathComponent(
                    "Sources/KamiflowServer/Resources/openapi.json"))
            #expect(answer.body == committed)
        }
        let result = try PythonClient.run(
            [
                "-m", "openapi_spec_validator",
                PythonClient.repositoryRoot.appendingPathComponent("Sources/KamiflowServer/Resources/openapi.json")
                    .path,
            ])
        #expect(result.status == 0, "\(result.output)\(result.errorOutput)")
        #expect(
            CoreSimulator.resourceNames == [
                "jidou-teate", "jumin-idou", "kokuho-shutoku", "koza-furikae", "kyufukin", "shomeisho",
            ])
    }

    @Test("answers 401 without the bearer token or with a wrong one")
    func requiresToken() async throws {
        try await withSimulator { simulator, http in
            let record = body(of: SampleRecords.jidouTeate(1))
            let none = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: ["Idempotency-Key": "k1"])
            let wrong = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: auth("k1", token: "nope"))
            let list = try await http.send(.GET, "/v1/jidou-teate")
            #expect(none.status == 401)
            #expect(wrong.status == 401)
            #expect(list.status == 401)
            #expect(none.headers["www-authenticate"] == "Bearer")
            #expect(try simulator.records(in: "jidou-teate").isEmpty)
            try expectMatchesDocument([
                ("/components/schemas/Problem", none.body), ("/components/schemas/Problem", wrong.body),
            ])
        }
    }

    @Test("needs an Idempotency-Key on POST")
    func requiresKey() async throws {
        try await withSimulator { _, http in
            let answer = try await http.send(
                .POST, "/v1/jidou-teate", body: body(of: SampleRecords.jidouTeate(1)), headers: auth(nil))
            #expect(answer.status == 400)
            #expect(answer.json?["error"]?.stringValue == "bad_request")
        }
    }

    @Test("same key and body: the same answer again and one record; another body: 409")
    func idempotency() async throws {
        try await withSimulator { simulator, http in
            let record = body(of: SampleRecords.jidouTeate(1))
            let first = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: auth("key-1"))
            let second = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: auth("key-1"))
            #expect(first.status == 201)
            #expect(second.status == 201)
            #expect(first.body == second.body)
            #expect(first.headers["idempotent-replayed"] == nil)
            #expect(second.headers["idempotent-replayed"] == "true")
            let other = body(of: SampleRecords.jidouTeate(2))
            let conflict = try await http.send(.POST, "/v1/jidou-teate", body: other, headers: auth("key-1"))
            #expect(conflict.status == 409)
            #expect(conflict.json?["error"]?.stringValue == "idempotency_conflict")
            let stored = try simulator.records(in: "jidou-teate")
            #expect(stored.count == 1)
            #expect(stored.first?.fields["seikyusha_shimei"] == "山田 花子1")
            #expect(first.json?["id"]?.stringValue == stored.first?.id)
            let list = try await http.send(.GET, "/v1/jidou-teate", headers: auth(nil))
            #expect(list.status == 200)
            try expectMatchesDocument([
                ("/components/schemas/Receipt", first.body), ("/components/schemas/Receipt", second.body),
                ("/components/schemas/Problem", conflict.body),
                ("/paths/~1v1~1jidou-teate/get/responses/200/content/application~1json/schema", list.body),
            ])
        }
    }

    @Test("rejects an invalid record with 422 listing every field error, without the values")
    func validation() async throws {
        try await withSimulator { simulator, http in
            var request = SampleRecords.invalidJidouTeate(1)
            request.payload.removeAll { $0.name == "jusho" }
            request.payload.append(PayloadField(name: "seikyusha_seinengappi", value: "2025-02-30"))
            request.payload.removeAll { $0.name == "seikyusha_seinengappi" && $0.value == "1990-04-01" }
            request.payload.append(PayloadField(name: "hobby", value: "x"))
            let answer = try await http.send(.POST, "/v1/jidou-teate", body: body(of: request), headers: auth("bad-1"))
            #expect(answer.status == 422)
            let errors = answer.json?["errors"]?.arrayValue ?? []
            let pairs = Set(
                errors.compactMap { error -> String? in
                    guard let field = error["field"]?.stringValue, let code = error["code"]?.stringValue else {
                        return nil
                    }
                    return "\(field):\(code)"
                })
            #expect(
                pairs == [
                    "jusho:required", "kojin_bango:check_digit", "seibetsu_code:enum", "seikyusha_seinengappi:format",
                    "hobby:unknown_field",
                ])
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("123456789012"))
            #expect(try simulator.records(in: "jidou-teate").isEmpty)
            try expectMatchesDocument([("/components/schemas/ValidationFailure", answer.body)])
        }
    }

    @Test("市税 口座振替: takes a request with its taxes coded, refuses an unknown tax and 預金種目 4 (貯蓄)")
    func kozaFurikae() async throws {
        try await withSimulator { simulator, http in
            func record(zeimoku: String, shumoku: String) -> String {
                """
                {"todokede_ymd": "2026-06-05", "nozeigimusha_shimei": "山本 陽子", "jusho": "青葉市若葉台4丁目29番3号",
                 "denwa_bango": "0352999106", "zeimoku": "\(zeimoku)", "kinyu_kikan_code": "0517",
                 "shiten_code": "813", "yokin_shumoku": "\(shumoku)", "koza_bango": "9937995",
                 "koza_meigi_kana": "ﾔﾏﾓﾄ ﾖｳｺ"}
                """
            }
            let good = try await http.send(
                .POST, "/v1/koza-furikae", body: record(zeimoku: "kotei_shisanzei,kokuho_zei", shumoku: "1"),
                headers: auth("kz-1"))
            #expect(good.status == 201, "\(String(decoding: good.body, as: UTF8.self))")
            let stored = try simulator.records(in: "koza-furikae")
            #expect(stored.count == 1)
            #expect(stored.first?.fields["zeimoku"] == "kotei_shisanzei,kokuho_zei")
            let bad = try await http.send(
                .POST, "/v1/koza-furikae", body: record(zeimoku: "kotei_shisanzei,jidoshazei", shumoku: "4"),
                headers: auth("kz-2"))
            #expect(bad.status == 422)
            let pairs = Set(
                (bad.json?["errors"]?.arrayValue ?? []).compactMap { error -> String? in
                    guard let field = error["field"]?.stringValue, let code = error["code"]?.stringValue else {
                        return nil
                    }
                    return "\(field):\(code)"
                })
            #expect(pairs == ["zeimoku:pattern", "yokin_shumoku:enum"])
            #expect(!String(decoding: bad.body, as: UTF8.self).contains("9937995"))
            #expect(try simulator.records(in: "koza-furikae").count == 1)
            try expectMatchesDocument([
                ("/components/schemas/Receipt", good.body), ("/components/schemas/ValidationFailure", bad.body),
            ])
        }
    }

    @Test(
        "checks 和暦 with 元号コード against the era table",
        arguments: [
            ("3640107", true), ("4010107", false), ("4010108", true), ("4310430", true), ("4310501", false),
            ("5010501", true), ("5010430", false), ("6010101", false), ("3000101", false),
        ])
    func wareki(code: String, valid: Bool) async throws {
        try await withSimulator(token: nil) { _, http in
            let record = JSONValue.orderedObject([
                ("idou_jiyu_code", "01"), ("todokede_ymd", "2025-04-10"), ("idou_ymd", "2025-04-01"),
                ("shimei", "佐藤 一郎"), ("shimei_kana", "サトウ イチロウ"), ("seinengappi", "1989-01-07"),
                ("seinengappi_wareki", code), ("seibetsu_code", "1"), ("zokugara_code", "01"),
                ("setainushi_shimei", "佐藤 一郎"), ("shin_jusho", "東京都千代田区千代田1-1"), ("zen_jusho", "大阪府大阪市北区1-1"),
            ])
            let answer = try await http.send(.POST, "/v1/jumin-idou", body: record, headers: ["Idempotency-Key": code])
            #expect(answer.status == (valid ? 201 : 422))
            // The document says the same: a client generating values from its pattern (schemathesis) sends only
            // what the simulator accepts.
            let document = try await http.send(.GET, "/openapi.json")
            let pattern = try #require(
                document.json?["components"]?["schemas"]?["JuminIdou"]?["properties"]?["seinengappi_wareki"]?[
                    "pattern"]?.stringValue)
            let expression = try NSRegularExpression(pattern: pattern)
            let matches = expression.firstMatch(in: code, range: NSRange(code.startIndex..., in: code)) != nil
            #expect(matches == valid, "the document's pattern and the simulator disagree on \(code)")
        }
    }

    @Test("a method a path does not serve is answered 405 with the methods it does")
    func methodNotAllowed() async throws {
        try await withSimulator { _, http in
            for (method, path, allowed) in [
                (NIOHTTP1.HTTPMethod.TRACE, "/v1/jidou-teate", "GET, POST"), (.PUT, "/v1/kyufukin", "GET, POST"),
                (.DELETE, "/openapi.json", "GET"), (.POST, "/", "GET"), (.TRACE, "/", "GET"),
            ] {
                let answer = try await http.send(method, path, headers: auth("k"))
                #expect(answer.status == 405, "\(method) \(path)")
                #expect(answer.headers["allow"] == allowed, "\(method) \(path)")
            }
            let options = try await http.send(.OPTIONS, "/v1/jidou-teate")
            #expect(options.status == 204)
            #expect(options.headers["allow"] == "GET, POST")
            #expect(try await http.send(.TRACE, "/nothing-here").status == 404)
        }
    }

    @Test("injects faults per request: 503 with Retry-After, 429, a dropped connection")
    func faults() async throws {
        try await withSimulator { simulator, http in
            let record = body(of: SampleRecords.jidouTeate(1))
            var headers = auth("f-1")
            headers["X-Kamiflow-Fault"] = "503;retry-after=2"
            let unavailable = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: headers)
            #expect(unavailable.status == 503)
            #expect(unavailable.headers["retry-after"] == "2")
            simulator.enqueueFaults([.status(429, retryAfter: 1)])
            let tooMany = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: auth("f-1"))
            #expect(tooMany.status == 429)
            #expect(try simulator.records(in: "jidou-teate").isEmpty)
            simulator.enqueueFaults([.drop])
            await #expect(throws: (any Error).self) {
                _ = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: auth("f-1"))
            }
            // The dropped request was registered: the record arrived even though the client heard nothing.
            #expect(try simulator.records(in: "jidou-teate").count == 1)
            let replay = try await http.send(.POST, "/v1/jidou-teate", body: record, headers: auth("f-1"))
            #expect(replay.status == 201)
            #expect(replay.headers["idempotent-replayed"] == "true")
            try expectMatchesDocument([
                ("/components/schemas/Problem", unavailable.body), ("/components/schemas/Problem", tooMany.body),
            ])
        }
    }

    @Test("the status page escapes what arrived and masks マイナンバー and account numbers")
    func statusPage() async throws {
        try await withSimulator { _, http in
            var request = SampleRecords.jidouTeate(1)
            request.payload[1].value = "<script>alert(1)</script>"
            let created = try await http.send(.POST, "/v1/jidou-teate", body: body(of: request), headers: auth("p-1"))
            #expect(created.status == 201)
            // Without the token the page says nothing of what arrived, and asks a browser for it.
            let refused = try await http.send(.GET, "/")
            #expect(refused.status == 401)
            #expect(refused.headers["www-authenticate"]?.hasPrefix("Basic ") == true)
            #expect(!String(decoding: refused.body, as: UTF8.self).contains("児童手当"))
            let wrong = try await http.send(
                .GET, "/", headers: ["Authorization": "Basic " + Data("x:nope".utf8).base64EncodedString()])
            #expect(wrong.status == 401)
            // A browser gives the token as the Basic password; a client as the bearer token.
            let basic = "Basic " + Data("clerk:test-token".utf8).base64EncodedString()
            let answer = try await http.send(.GET, "/", headers: ["Authorization": basic])
            #expect(answer.status == 200)
            #expect(try await http.send(.GET, "/", headers: auth(nil)).status == 200)
            let page = String(decoding: answer.body, as: UTF8.self)
            #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.contains("<script>"))
            #expect(page.contains("********0257"))
            #expect(!page.contains("621498320257"))
            #expect(page.contains("********4567"))
            #expect(!page.contains("1234567<"))
            #expect(page.contains("児童手当 認定請求"))
        }
    }
}
