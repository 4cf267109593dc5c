import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowServer
import KamiflowTesting
import KamiflowWorkflow
import Testing

let shippedWorkflowFiles = [
    "anketo", "idou-tennyu", "jidou-teate-nintei", "juminhyo-koufu", "kokuho-shutoku", "kyufukin-shinsei",
]

func shippedWorkflowText(_ name: String) throws -> String {
    try String(
        contentsOf: PythonClient.repositoryRoot.appendingPathComponent("Workflows/\(name).yaml"), encoding: .utf8)
}

/// The simulated core systems' contract for `resource`, from the committed OpenAPI document.
func simulatorContract(_ resource: String) throws -> MappingContract {
    try ConnectionConfiguration.http(.init(url: "http://127.0.0.1:8088/v1"))
        .contract(for: resource, openAPIDocument: CoreSimulator.openAPIDocument)
}

/// One mistake made in a shipped workflow's mapping, and what the check must say about it, where.
struct MappingMistake: Sendable, CustomStringConvertible {
    var workflow: String
    var replace: String
    var with: String
    /// The diagnostic is on the line holding this text (after the change).
    var lineContaining: String
    var message: String
    var description: String { message }
}

let mappingMistakes: [MappingMistake] = [
    MappingMistake(
        workflow: "jidou-teate-nintei", replace: "seikyusha_kana: claimant.kana", with: "seikyusha_kna: claimant.kana",
        lineContaining: "seikyusha_kna:",
        message: "the schema JidouTeateNintei (POST /v1/jidou-teate) has no field 'seikyusha_kna' "
            + "(did you mean 'seikyusha_kana'?)"),
    MappingMistake(
        workflow: "jidou-teate-nintei", replace: "seikyusha_kana: claimant.kana", with: "seikyusha_kna: claimant.kana",
        lineContaining: "- to: jidou-teate",
        message: "the schema JidouTeateNintei (POST /v1/jidou-teate) requires 'seikyusha_kana' (請求者フリガナ), "
            + "which this mapping does not provide (did you mean 'seikyusha_kna'?)"),
    MappingMistake(
        workflow: "jidou-teate-nintei", replace: "{from: submitted_on, format: iso}",
        with: "{from: submitted_on, format: wareki}", lineContaining: "seikyu_ymd:",
        message: "'seikyu_ymd' (請求年月日) of the schema JidouTeateNintei (POST /v1/jidou-teate) is a date written "
            + "YYYY-MM-DD, but the mapping writes 'submitted_on' as wareki (e.g. 5020203); use format: iso"),
    MappingMistake(
        workflow: "jidou-teate-nintei", replace: "seibetsu_code: {from: claimant.sex, codes: {男: \"1\", 女: \"2\"}}",
        with: "seibetsu_code: claimant.sex", lineContaining: "seibetsu_code:",
        message: "'seibetsu_code' (性別コード: 1 男, 2 女) of the schema JidouTeateNintei (POST /v1/jidou-teate) accepts "
            + "only '1', '2', but the mapping can write '男', '女' (the options of 'claimant.sex'); map them with "
            + "codes: {…}"),
    MappingMistake(
        workflow: "jidou-teate-nintei", replace: "未加入: \"3\"", with: "未加入: \"9\"", lineContaining: "nenkin_kubun:",
        message: "'nenkin_kubun' (加入年金: 1 厚生年金等, 2 国民年金, 3 未加入) of the schema JidouTeateNintei "
            + "(POST /v1/jidou-teate) accepts only '1', '2', '3', but the mapping can write '9' (the code table of "
            + "'pension_type')"),
    MappingMistake(
        workflow: "jidou-teate-nintei", replace: "      jusho: claimant.address",
        with: "      jusho: {from: claimant.birth, format: yyyymmdd}", lineContaining: "jusho:",
        message: "'jusho' (住所) of the schema JidouTeateNintei (POST /v1/jidou-teate) is not a date, but the mapping "
            + "writes the date 'claimant.birth' into it"),
    MappingMistake(
        workflow: "idou-tennyu", replace: "seinengappi_wareki: {from: persons.birth, format: wareki}",
        with: "seinengappi_wareki: {from: persons.birth, format: yyyymmdd}", lineContaining: "seinengappi_wareki:",
        message: "'seinengappi_wareki' (和暦 as legacy files hold it: 元号コード (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和) "
            + "+ YYMMDD; the day must lie inside the era) of the schema JuminIdou (POST /v1/jumin-idou) must match "
            + "the schema's pattern (6666 characters), but the mapping writes the date 'persons.birth' as yyyymmdd "
            + "(e.g. 20200203)"),
    MappingMistake(
        workflow: "idou-tennyu", replace: "seinengappi: {from: persons.birth, format: iso}",
        with: "seinengappi: persons.name", lineContaining: "seinengappi: persons.name",
        message: "'seinengappi' (生年月日) of the schema JuminIdou (POST /v1/jumin-idou) is a date written YYYY-MM-DD, "
            + "but 'persons.name' (text) is not a date"),
    MappingMistake(
        workflow: "idou-tennyu", replace: "shimei_kana: {from: persons.kana, fold: katakana}",
        with: "shimei_kana: persons.kana", lineContaining: "shimei_kana:",
        message: "'shimei_kana' (氏名フリガナ) of the schema JuminIdou (POST /v1/jumin-idou) must match ^[ァ-ヴー　 ]+$, "
            + "but 'persons.kana' (hiragana) has another shape (e.g. やまだ　はなこ); add fold: katakana"),
    MappingMistake(
        workflow: "idou-tennyu", replace: "        codes: {世帯主", with: "        # codes: {世帯主",
        lineContaining: "zokugara_code:",
        message: "'zokugara_code' (続柄コード (simulator code list): 01 世帯主, 02 妻, 03 夫, 04 子, 05 父, 06 母, 07 妻の子, "
            + "08 夫の子, 99 その他) of the schema JuminIdou (POST /v1/jumin-idou) accepts only '01', '02', '03', '04', "
            + "'05', '06', '07', '08' …, but 'persons.relation' (text) is free text; map it with codes: {…}"),
    MappingMistake(
        workflow: "idou-tennyu", replace: "    for_each: persons\n", with: "", lineContaining: "shimei: persons.name",
        message: "delivery field 'shimei' becomes 'shimei_1', 'shimei_2', 'shimei_3', 'shimei_4' (one field per row), "
            + "which the schema JuminIdou (POST /v1/jumin-idou) does not have; for one record per row write "
            + "'for_each: persons'"),
    MappingMistake(
        workflow: "juminhyo-koufu", replace: "tsusu: copies", with: "tsusu: {const: \"21\"}", lineContaining: "tsusu:",
        message: "'tsusu' (通数 (1–20)) of the schema ShomeishoKoufuSeikyu (POST /v1/shomeisho) must match "
            + "^([1-9]|1[0-9]|20)$, but the mapping can write '21' (the constant)"),
    MappingMistake(
        workflow: "kyufukin-shinsei", replace: "koza_bango: {from: account.number, or: {from: yucho, part: account}}",
        with: "koza_bango: {from: account.number, or: {from: yucho, part: kigou}}", lineContaining: "koza_bango:",
        message: "'koza_bango' (口座番号, 7 digits zero-filled) of the schema KyufukinShinsei (POST /v1/kyufukin) must "
            + "match ^[0-9]{7}$, but 'yucho' part kigou has another shape"),
]

@Suite("Delivery mappings checked against the target's own contract")
struct MappingContractTests {
    /// Loads a shipped workflow with one change and checks its simulator-bound mappings.
    func diagnostics(_ mistake: MappingMistake) throws -> (text: String, found: [Diagnostic]) {
        let original = try shippedWorkflowText(mistake.workflow)
        #expect(original.contains(mistake.replace), "the mistake no longer applies to \(mistake.workflow)")
        let text = original.replacingOccurrences(of: mistake.replace, with: mistake.with)
        let file = "Workflows/\(mistake.workflow).yaml"
        let loaded = WorkflowLoader().load(yaml: text, file: file)
        let workflow = try #require(loaded.workflow, "\(loaded.errors)")
        var found: [Diagnostic] = []
        for mapping in workflow.deliveries {
            guard let resource = mapping.resource, CoreSimulator.resourceNames.contains(resource) else { continue }
            found += mapping.diagnostics(against: try simulatorContract(resource), in: workflow)
        }
        return (text, found)
    }

    @Test("each mistake gives its diagnostic at the mapping entry", arguments: mappingMistakes)
    func mistake(_ mistake: MappingMistake) throws {
        let (text, found) = try diagnostics(mistake)
        let lines = text.components(separatedBy: "\n")
        let line = try #require(lines.firstIndex { $0.contains(mistake.lineContaining) }) + 1
        let column = lines[line - 1].prefix { $0 == " " || $0 == "-" }.count + 1
        let expected = "Workflows/\(mistake.workflow).yaml:\(line):\(column): error: \(mistake.message)"
        #expect(found.map(\.description).contains(expected), "\(found.map(\.description).joined(separator: "\n"))")
    }

    @Test(
        "every shipped workflow's mappings fit the simulated core systems' OpenAPI document",
        arguments: shippedWorkflowFiles)
    func shippedWorkflowsFit(_ name: String) throws {
        let workflow = try Workflow.load(
            file: PythonClient.repositoryRoot.appendingPathComponent("Workflows/\(name).yaml").path)
        for mapping in workflow.deliveries {
            if let resource = mapping.resource, CoreSimulator.resourceNames.contains(resource) {
                #expect(mapping.diagnostics(against: try simulatorContract(resource), in: workflow).isEmpty)
            }
        }
    }

    @Test("the 給付金 payment mapping fits a 全銀 data record; one without an amount or with a bad 預金種目 does not")
    func zenginContract() throws {
        let zengin = try ConnectionConfiguration.zengin(
            ZenginConnectorTests.configuration(URL(fileURLWithPath: "/tmp"))
        )
        .contract(for: nil)
        let good = try Workflow.load(
            file: PythonClient.repositoryRoot.appendingPathComponent("Workflows/kyufukin-shinsei.yaml").path)
        let payment = try #require(good.deliveries.first { $0.connection == "furikomi" })
        #expect(payment.diagnostics(against: zengin, in: good).isEmpty)

        let text = try shippedWorkflowText("kyufukin-shinsei")
            .replacingOccurrences(
                of: "      amount: {count: members.name, unless: members.decline, times: 100000}\n", with: ""
            )
            .replacingOccurrences(
                of: "account_type: {from: account.type, codes: {普通: \"1\", 当座: \"2\"}",
                with: "account_type: {from: account.type, codes: {普通: \"1\", 当座: \"3\"}")
        let bad = try #require(WorkflowLoader().load(yaml: text, file: "k.yaml").workflow)
        let found = try #require(bad.deliveries.first { $0.connection == "furikomi" })
            .diagnostics(against: zengin, in: bad).map(\.message)
        #expect(
            found.contains(
                "a 全銀 総合振込 data record requires 'amount' (振込金額 N10, yen above 0), which this mapping does not provide"))
        #expect(
            found.contains {
                $0.hasPrefix(
                    "'account_type' (預金種目: 1 普通, 2 当座, 4 貯蓄, 9 その他) of a 全銀 総合振込 data record accepts only '1', '2', '4', '9', but the mapping can write '3'"
                )
            })
    }

    @Test("file and database targets: CSV columns, a fixed-width layout's N columns, a database's own columns")
    func fileAndDatabaseContracts() throws {
        let workflow = try #require(
            WorkflowLoader().load(
                yaml: """
                    kamiflow: 1
                    workflow: t
                    title: t
                    form:
                      fields:
                        name: {label: 氏名, type: text, zone: [50, 40, 80, 8]}
                        birth: {label: 生年月日, type: wareki-date, zone: [50, 55, 80, 8]}
                    deliver:
                      - to: out
                        record:
                          shimei: name
                          seinengappi: birth
                          id: name
                    """, file: "t.yaml"
            ).workflow)
        let mapping = try #require(workflow.deliveries.first)
        let csv = try ConnectionConfiguration.csv(.init(folder: "/tmp", columns: ["shimei", "seinengapi", "id"]))
            .contract(for: nil)
        #expect(
            mapping.diagnostics(against: csv, in: workflow).map(\.description) == [
                "t.yaml:12:7: error: the CSV layout has no field 'seinengappi' (did you mean 'seinengapi'?)"
            ])
        let fixed = try ConnectionConfiguration.fixedWidth(
            .init(
                folder: "/tmp",
                layout: [
                    .init(field: "shimei", bytes: 20, kind: .character),
                    .init(field: "seinengappi", bytes: 8, kind: .numeric),
                    .init(field: "id", bytes: 8, kind: .numeric),
                ])
        ).contract(for: nil)
        #expect(
            mapping.diagnostics(against: fixed, in: workflow).map(\.message) == [
                "'seinengappi' (N8: digits only) of the fixed-width layout must match ^[0-9]{0,8}$, but the mapping writes "
                    + "the date 'birth' as iso (e.g. 2020-02-03)"
            ])
        let sqlite = try ConnectionConfiguration.sqlite(.init(path: "/tmp/x.sqlite")).contract(for: nil)
        #expect(
            mapping.diagnostics(against: sqlite, in: workflow).map(\.description) == [
                "t.yaml:13:7: error: delivery field 'id' is a name the database /tmp/x.sqlite keeps for itself"
            ])
    }
}
