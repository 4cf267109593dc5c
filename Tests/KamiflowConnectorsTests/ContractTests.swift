import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowServer
import KamiflowTesting
import Testing

@Suite("What a mapping must provide, and connection settings")
struct ContractTests {
    @Test("an http connection's required fields come from the simulator's OpenAPI document")
    func httpContractFromOpenAPI() throws {
        let connection = ConnectionConfiguration.http(.init(url: "http://127.0.0.1:8088/v1"))
        let contract = try connection.contract(for: "jidou-teate", openAPIDocument: CoreSimulator.openAPIDocument)
        #expect(contract.requiredFields.contains("kojin_bango"))
        #expect(contract.requiredFields.contains("koza_meigi_kana"))
        #expect(!contract.requiredFields.contains("haigusha_shimei"))
        #expect(contract.knownFields?.contains("haigusha_shimei") == true)
        // The sample mapping used in the tests provides every required field and nothing unknown.
        let sample = SampleRecords.jidouTeate(1).payload.map(\.name)
        #expect(Set(contract.requiredFields).isSubset(of: sample))
        #expect(Set(sample).isSubset(of: contract.knownFields ?? []))
        for resource in CoreSimulator.resourceNames {
            #expect(
                try !connection.contract(for: resource, openAPIDocument: CoreSimulator.openAPIDocument)
                    .requiredFields.isEmpty)
        }
        #expect(throws: KamiflowError.self) {
            try connection.contract(for: "pets", openAPIDocument: CoreSimulator.openAPIDocument)
        }
    }

    @Test("file connections state their fields")
    func fileContracts() throws {
        let zengin = try ConnectionConfiguration.zengin(
            ZenginConnectorTests.configuration(URL(fileURLWithPath: "/tmp"))
        )
        .contract(for: nil)
        #expect(
            zengin.requiredFields == ["bank_code", "branch_code", "account_type", "account_number", "holder", "amount"])
        let csv = try ConnectionConfiguration.csv(.init(folder: "/tmp", columns: ["a", "b"])).contract(for: nil)
        #expect(csv.knownFields == ["a", "b"])
        #expect(try ConnectionConfiguration.sqlite(.init(path: "/tmp/x")).contract(for: nil).knownFields == nil)
    }

    @Test("connection settings decode from the deployment form, with defaults, and unknown types are refused")
    func decoding() throws {
        let json = """
            {"type": "http", "url": "http://127.0.0.1:8088/v1", "token_env": "T", "max_attempts": 3}
            """
        let decoded = try JSONDecoder().decode(ConnectionConfiguration.self, from: Data(json.utf8))
        guard let http = decoded.settings as? HTTPConnectionConfiguration else {
            Issue.record("not http: \(decoded)")
            return
        }
        #expect(http.maxAttempts == 3)
        #expect(http.tokenEnv == "T")
        #expect(http.requestTimeout == 10)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ConnectionConfiguration.self, from: Data(#"{"type": "ftp"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                ConnectionConfiguration.self, from: Data(#"{"type": "csv", "folder": "x", "encoding": "sjis"}"#.utf8))
        }
        #expect(ConnectionConfiguration.settingNames(forType: "sqlite") == ["type", "path", "table", "busy_timeout"])
        let resolved = ConnectionConfiguration.sqlite(.init(path: ".kamiflow/core.sqlite"))
            .resolvingPaths(relativeTo: "/srv/kamiflow")
        #expect(resolved.destination == "/srv/kamiflow/.kamiflow/core.sqlite")
    }
}
