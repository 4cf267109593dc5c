import Foundation
import KamiflowConnectors
import KamiflowCore
import Testing

/// Core-system vendors write their OpenAPI documents in many shapes; the http connector's contract must read each
/// one whole, or a mapping is checked against less than the vendor requires.
@Suite("Vendors' OpenAPI documents: 3.0 and 3.1, YAML and JSON, $ref inside properties, allOf")
struct VendorOpenAPITests {
    /// An OpenAPI 3.0 document in YAML, as a vendor writes one: the body is a `$ref` to a schema that is an `allOf`
    /// of a shared base and its own part; properties refer to shared field schemas.
    static let yaml30 = """
        openapi: 3.0.3
        info: {title: 住民記録システム連携API, version: "2.1"}
        paths:
          /api/v2/tennyu:
            post:
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Tennyu'}
              responses:
                '201': {description: 受付}
          /api/v2/status:
            get:
              responses:
                '200': {description: 稼働中}
        components:
          schemas:
            KojinBango:
              type: string
              pattern: '^[0-9]{12}$'
              description: 個人番号（12桁）
            Base:
              type: object
              required: [kojin_bango, shimei]
              properties:
                kojin_bango: {$ref: '#/components/schemas/KojinBango'}
                shimei: {type: string, maxLength: 40}
            Tennyu:
              allOf:
                - $ref: '#/components/schemas/Base'
                - type: object
                  required: [tennyu_bi]
                  additionalProperties: false
                  properties:
                    tennyu_bi: {type: string, format: date}
                    zokugara: {type: string, enum: ['01', '02', '03']}
        """

    /// The same resource as OpenAPI 3.1 JSON, with an inline body whose property refers to a component.
    static let json31 = """
        {"openapi": "3.1.0", "info": {"title": "x", "version": "1"},
         "paths": {"/v1/tennyu": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {
              "type": "object", "required": ["kojin_bango"], "additionalProperties": false,
              "properties": {"kojin_bango": {"$ref": "#/components/schemas/KojinBango"},
                             "shimei": {"type": "string"}}}}}},
            "responses": {"201": {"description": "ok"}}}}},
         "components": {"schemas": {"KojinBango": {"type": "string", "pattern": "^[0-9]{12}$", "maxLength": 12}}}}
        """

    @Test("a 3.0 YAML document: $ref in properties and allOf are followed, so nothing the vendor requires is lost")
    func openAPI30YAML() throws {
        let connection = ConnectionConfiguration.http(.init(url: "http://127.0.0.1:9/api/v2"))
        let contract = try connection.contract(for: "tennyu", openAPIDocument: Data(Self.yaml30.utf8))
        #expect(contract.requiredFields == ["kojin_bango", "shimei", "tennyu_bi"])
        #expect(contract.knownFields == ["kojin_bango", "shimei", "tennyu_bi", "zokugara"])
        #expect(contract.fields["kojin_bango"]?.pattern == "^[0-9]{12}$")
        #expect(contract.fields["kojin_bango"]?.summary == "個人番号（12桁）")
        #expect(contract.fields["tennyu_bi"]?.isDate == true)
        #expect(contract.fields["zokugara"]?.allowedValues == ["01", "02", "03"])
        #expect(contract.fields["shimei"]?.maxLength == 40)
        #expect(contract.source == "the schema Tennyu (POST /api/v2/tennyu)")
        #expect(ConnectionConfiguration.resources(inOpenAPI: Data(Self.yaml30.utf8)) == ["tennyu"])
    }

    @Test("a 3.1 JSON document with an inline body and a referenced property")
    func openAPI31JSON() throws {
        let connection = ConnectionConfiguration.http(.init(url: "http://127.0.0.1:9/v1"))
        let contract = try connection.contract(for: "tennyu", openAPIDocument: Data(Self.json31.utf8))
        #expect(contract.requiredFields == ["kojin_bango"])
        #expect(contract.knownFields == ["kojin_bango", "shimei"])
        #expect(contract.fields["kojin_bango"]?.pattern == "^[0-9]{12}$")
        #expect(contract.fields["kojin_bango"]?.maxLength == 12)
        #expect(contract.source == "the OpenAPI schema of POST /v1/tennyu")
    }

    @Test(
        "a document Kamiflow cannot read is an error that names the cause, never an empty contract",
        arguments: [
            ("not json or yaml: {", "not an OpenAPI 3 document"),
            (#"{"openapi": "2.0", "paths": {}}"#, "OpenAPI 2.0"),
            (#"{"swagger": "2.0"}"#, "not an OpenAPI 3 document"),
            (
                ##"{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {"/v1/a": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}, "responses": {}}}}}"##,
                "cannot be followed"
            ),
        ])
    func unreadable(document: String, expected: String) {
        let connection = ConnectionConfiguration.http(.init(url: "http://127.0.0.1:9/v1"))
        do {
            _ = try connection.contract(for: "a", openAPIDocument: Data(document.utf8))
            Issue.record("read \(document)")
        } catch let error as KamiflowError {
            #expect(error.message.contains(expected), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
