import Foundation
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

let ruleWorkflow = """
    kamiflow: 1
    workflow: tennyu-test
    form:
      fields:
        notified_on: {label: 届出年月日, type: wareki-date, zone: [50, 20, 60, 8], required: true}
        moved_on:    {label: 異動日, type: wareki-date, zone: [50, 32, 60, 8], required: true}
        relation:    {label: 届出人, type: choice, circle: {本人: [50, 46, 8, 4], 代理人: [70, 46, 12, 4]}, required: true}
        proxy_name:  {label: 代理人氏名, type: text, zone: [50, 58, 60, 8]}
        kana:        {label: フリガナ, type: katakana, zone: [50, 70, 60, 8]}
        holder:      {label: 口座名義, type: account-kana, zone: [50, 82, 60, 8]}
        number:      {label: 個人番号, type: mynumber, zone: [50, 94, 60, 8], sensitive: true}
        agree:       {label: 同意, type: checkbox, box: [50, 106, 5, 5]}
        members:
          repeat: 3
          step: [0, 10]
          fields:
            name:   {label: 氏名, type: text, zone: [20, 130, 60, 7]}
            amount: {label: 金額, type: amount, zone: [90, 130, 40, 7]}
            birth:  {label: 生年月日, type: wareki-date, zone: [140, 130, 50, 7]}
    rules:
      - compare: "moved_on <= notified_on"
      - compare: "notified_on <= moved_on + 14 days"
        message: 異動から14日を過ぎた届出です
        severity: warning
      - require: proxy_name
        when: {relation: 代理人}
      - equal: [holder, kana]
        fold: zengin
      - compare: "count(members.name) >= 1"
      - compare: "sum(members.amount) <= 100000"
      - compare: "members.birth < notified_on"
    review:
      below_confidence: 70
      always: [number]
    deliver:
      - to: core
        resource: tennyu
        record:
          todokede: {from: notified_on, format: wareki}
          idou: {from: moved_on, format: yyyymmdd}
          kankei: {from: relation, codes: {本人: "1", 代理人: "2"}}
          bango: number
          doui: agree
          shimei: {from: members.name, each: flatten}
          kingaku: {from: members.amount, each: array}
          kubun: {const: "01"}
    """

func ruleModel() throws -> Workflow {
    let result = WorkflowLoader().load(yaml: ruleWorkflow, file: "tennyu-test.yaml")
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    return try #require(result.workflow)
}

/// Readings of a clean, valid form; tests change one thing at a time.
func cleanReadings() -> [String: FieldReading] {
    [
        "notified_on": FieldReading(text: "令和5年4月10日", confidence: 92),
        "moved_on": FieldReading(text: "令和5年4月1日", confidence: 90),
        "relation": FieldReading(marks: ["本人": 0.9, "代理人": 0.05]),
        "kana": FieldReading(text: "ヤマダ タロウ", confidence: 88),
        "holder": FieldReading(text: "ﾔﾏﾀﾞ ﾀﾛｳ", confidence: 90),
        "agree": .checkbox(0.5),
        "members[0].name": FieldReading(text: "山田 太郎", confidence: 91),
        "members[0].amount": FieldReading(text: "50,000", confidence: 91),
        "members[0].birth": FieldReading(text: "昭和60年3月3日", confidence: 91),
    ]
}

let april20 = CivilDate(year: 2023, month: 4, day: 20)

@Suite("Record interpretation, rules and routing")
struct InterpretationTests {
    @Test("a clean form goes straight through with normalised values")
    func clean() throws {
        let record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(
            cleanReadings(), scanID: "s1")
        #expect(record.route == .straightThrough, "\(record.fields.flatMap(\.issues))")
        #expect(record["notified_on"]?.value == .date(CivilDate(year: 2023, month: 4, day: 10)))
        #expect(record["relation"]?.value == .choices(["本人"]))
        #expect(record["agree"]?.value == .flag(true))
        #expect(record["members[0].amount"]?.value == .number("50000"))
        #expect(record["members[1].name"]?.value == .empty)
        #expect(record.fields.count == 8 + 3 * 3)
        #expect(record["number"]?.sensitive == true)
    }

    @Test("a text field with values: a listed word passes, anything else is flagged notListed")
    func listedValues() throws {
        let yaml = ruleWorkflow.replacingOccurrences(
            of: "proxy_name:  {label: 代理人氏名, type: text, zone: [50, 58, 60, 8]}",
            with: "proxy_name:  {label: 代理人続柄, type: text, zone: [50, 58, 60, 8], values: [妻, 夫, 妻の父]}")
        let workflow = try #require(WorkflowLoader().load(yaml: yaml, file: "tennyu-test.yaml").workflow)
        var readings = cleanReadings()
        readings["proxy_name"] = FieldReading(text: " 妻 の 父 ", confidence: 95)
        let listed = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(listed["proxy_name"]?.value == .text("妻の父"))
        #expect(listed.route == .straightThrough, "\(listed.fields.flatMap(\.issues))")
        readings["proxy_name"] = FieldReading(text: "雪", confidence: 95)
        let other = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(other["proxy_name"]?.issues.map(\.code) == [IssueCode.notListed])
        #expect(other.route == .review)
    }

    @Test("late notification (notified_on − moved_on > 14 days) is a warning on both dates")
    func lateNotification() throws {
        var readings = cleanReadings()
        readings["moved_on"] = FieldReading(text: "令和5年3月1日", confidence: 90)
        let record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        let issue = try #require(record["notified_on"]?.issues.first { $0.code == IssueCode.rule })
        #expect(issue.message == "異動から14日を過ぎた届出です")
        #expect(issue.severity == .warning)
        #expect(record["moved_on"]?.issues.contains(issue) == true)
        #expect(record.route == .review)
    }

    @Test("exactly 14 days late passes; moving after notifying fails")
    func boundaries() throws {
        var readings = cleanReadings()
        readings["moved_on"] = FieldReading(text: "令和5年3月27日", confidence: 90)
        var record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record.route == .straightThrough)
        readings["moved_on"] = FieldReading(text: "令和5年4月11日", confidence: 90)
        record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["moved_on"]?.issues.map(\.severity) == [.error])
    }

    @Test("required-when on a chosen option")
    func requiredWhen() throws {
        var readings = cleanReadings()
        readings["relation"] = FieldReading(marks: ["本人": 0.0, "代理人": 0.9])
        let record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["proxy_name"]?.codes == [IssueCode.rule])
        #expect(record["relation"]?.codes == [IssueCode.rule])
    }

    @Test("holder kana must equal the claimant kana after 全銀 folding")
    func holderMismatch() throws {
        var readings = cleanReadings()
        readings["holder"] = FieldReading(text: "ﾔﾏﾀﾞ ﾊﾅｺ", confidence: 90)
        let record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["holder"]?.codes == [IssueCode.rule])
        #expect(record["kana"]?.codes == [IssueCode.rule])
        // Small kana and hiragana fold away.
        readings["holder"] = FieldReading(text: "やまだ　たろう", confidence: 90)
        let same = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(same["holder"]?.issues.isEmpty == true)
    }

    @Test("counts and sums over a repeating group")
    func countsAndSums() throws {
        var readings = cleanReadings()
        readings["members[1].name"] = FieldReading(text: "山田 花子", confidence: 90)
        readings["members[1].amount"] = FieldReading(text: "60,000", confidence: 90)
        var record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["members[0].amount"]?.codes == [IssueCode.rule])
        #expect(record["members[2].amount"]?.codes == [IssueCode.rule])
        for key in readings.keys where key.hasPrefix("members") { readings[key] = nil }
        record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["members[0].name"]?.codes == [IssueCode.rule])
    }

    @Test("group rules apply row by row")
    func rowRules() throws {
        var readings = cleanReadings()
        readings["members[1].name"] = FieldReading(text: "山田 次郎", confidence: 90)
        readings["members[1].birth"] = FieldReading(text: "令和5年5月1日", confidence: 90)
        let record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["members[1].birth"]?.codes == [IssueCode.rule])
        #expect(record["members[0].birth"]?.issues.isEmpty == true)
    }

    @Test("a blank printed row of a group asks nothing of its fields; a half-filled row does")
    func blankRows() throws {
        let yaml = """
            kamiflow: 1
            workflow: household-test
            form:
              fields:
                persons:
                  repeat: 3
                  step: [0, 12]
                  min: 1
                  fields:
                    name: {label: 氏名, type: text, zone: [20, 40, 60, 7], required: true}
                    sex:  {label: 性別, type: choice, circle: {男: [90, 41, 5, 4], 女: [100, 41, 5, 4]}}
            """
        let loaded = WorkflowLoader().load(yaml: yaml, file: "household-test.yaml")
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let workflow = try #require(loaded.workflow)
        var readings: [String: FieldReading] = [
            "persons[0].name": FieldReading(text: "山田 花子", confidence: 91),
            "persons[0].sex": FieldReading(marks: ["男": 0.0, "女": 0.9]),
            "persons[1].name": FieldReading(text: "", confidence: 0),
            "persons[1].sex": FieldReading(marks: ["男": 0.0, "女": 0.0]),
            "persons[2].name": FieldReading(text: "", confidence: 0),
            "persons[2].sex": FieldReading(marks: ["男": 0.0, "女": 0.0]),
        ]
        var record = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(record["persons[1].sex"]?.issues.isEmpty == true)
        #expect(record["persons[1].name"]?.issues.isEmpty == true)
        #expect(record.route == .straightThrough)

        // A speck near one option of an empty row (a few sectors of its ring gauge) is not a circle: still blank.
        readings["persons[2].sex"] = FieldReading(marks: ["男": 0.125, "女": 0.0])
        record = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(record["persons[2].sex"]?.issues.isEmpty == true)
        #expect(record.route == .straightThrough)
        // In a row with a name, the same speck leaves the choice undecided: flagged, never guessed.
        readings["persons[2].name"] = FieldReading(text: "山田 太郎", confidence: 91)
        record = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(record["persons[2].sex"]?.codes == [IssueCode.ambiguousMark])
        readings["persons[2].name"] = FieldReading(text: "", confidence: 0)
        readings["persons[2].sex"] = FieldReading(marks: ["男": 0.0, "女": 0.0])

        // A sex circled with no name: the row is used, so its name is required.
        readings["persons[1].sex"] = FieldReading(marks: ["男": 0.9, "女": 0.0])
        record = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(record["persons[1].name"]?.codes == [IssueCode.required])
        #expect(record.route == .review)

        // Two circles and nothing else in a row: ink nobody can read, still flagged.
        readings["persons[1].sex"] = FieldReading(marks: ["男": 0.9, "女": 0.9])
        record = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(record["persons[1].sex"]?.codes.contains(IssueCode.ambiguousMark) == true)
    }

    @Test("a choice a require rule names is needed when the rule says: nothing marked passes otherwise, not two marks")
    func ruleGovernedChoice() throws {
        let yaml = """
            kamiflow: 1
            workflow: koza-test
            form:
              fields:
                number: {label: 口座番号, type: digits, zone: [50, 20, 60, 8]}
                yucho:  {label: ゆうちょ, type: text, zone: [50, 32, 60, 8]}
                kind:   {label: 預金種目, type: choice, circle: {普通: [50, 46, 8, 4], 当座: [70, 46, 8, 4]}}
                sex:    {label: 性別, type: choice, circle: {男: [50, 58, 8, 4], 女: [70, 58, 8, 4]}}
            rules:
              - require: kind
                when: number
            """
        let workflow = try #require(WorkflowLoader().load(yaml: yaml, file: "koza-test.yaml").workflow)
        let interpreter = RecordInterpreter(workflow: workflow, today: april20)
        let nothing = ["普通": 0.0, "当座": 0.0]
        var readings: [String: FieldReading] = [
            "yucho": FieldReading(text: "12345-1234567", confidence: 95),
            "kind": FieldReading(marks: nothing), "sex": FieldReading(marks: ["男": 0.9, "女": 0.0]),
        ]
        // ゆうちょ and no account number: 預金種目 is not needed, and nothing circled is no reason to stop the form.
        var record = interpreter.interpret(readings, scanID: "s1")
        #expect(record["kind"]?.value == .empty)
        #expect(record["kind"]?.issues.isEmpty == true, "\(record["kind"]?.issues ?? [])")
        #expect(record.route == .straightThrough)
        // A choice no rule names keeps its own flag when nothing is circled.
        readings["sex"] = FieldReading(marks: ["男": 0.0, "女": 0.0])
        record = interpreter.interpret(readings, scanID: "s1")
        #expect(record["sex"]?.codes == [IssueCode.ambiguousMark])
        readings["sex"] = FieldReading(marks: ["男": 0.9, "女": 0.0])
        // An account number and nothing circled: the rule flags it.
        readings["number"] = FieldReading(text: "1234567", confidence: 95)
        record = interpreter.interpret(readings, scanID: "s1")
        #expect(record["kind"]?.codes == [IssueCode.rule])
        #expect(record.route == .review)
        // Two circles are ambiguous whatever the rule says.
        readings["kind"] = FieldReading(marks: ["普通": 0.9, "当座": 0.9])
        record = interpreter.interpret(readings, scanID: "s1")
        #expect(record["kind"]?.codes.contains(IssueCode.ambiguousMark) == true)
        #expect(record.route == .review)
    }

    @Test("two circled options in an exactly-one choice are ambiguous, never guessed")
    func ambiguous() throws {
        var readings = cleanReadings()
        readings["relation"] = FieldReading(marks: ["本人": 0.85, "代理人": 0.9])
        let record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["relation"]?.value == .empty)
        #expect(record["relation"]?.codes == [IssueCode.ambiguousMark])
        #expect(record.route == .review)
    }

    @Test("one clear ring and the edge of it reaching another option is the clear one; rings alike are ambiguous")
    func faintNeighbour() throws {
        var readings = cleanReadings()
        readings["relation"] = FieldReading(marks: ["本人": 0.3, "代理人": 0.9])
        var record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["relation"]?.value == .choices(["代理人"]))
        #expect(record["relation"]?.codes.contains(IssueCode.uncertainMark) == false)
        readings["relation"] = FieldReading(marks: ["本人": 0.75, "代理人": 0.9])
        record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["relation"]?.value == .empty)
        #expect(record["relation"]?.codes.contains(IssueCode.ambiguousMark) == true)
    }

    @Test("part of a ring round one option and nothing round the others: that option, put in for a person to check")
    func partialRing() throws {
        var readings = cleanReadings()
        readings["relation"] = FieldReading(marks: ["本人": 0.02, "代理人": 0.25])
        var record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["relation"]?.value == .choices(["代理人"]))
        #expect(record["relation"]?.codes.contains(IssueCode.uncertainMark) == true)
        #expect(record.route == .review)
        // Faint ink round the other option too: which one is meant is not told.
        readings["relation"] = FieldReading(marks: ["本人": 0.1, "代理人": 0.25])
        record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["relation"]?.value == .empty)
        #expect(record["relation"]?.codes.contains(IssueCode.ambiguousMark) == true)
        // Less than the middle of the band between empty and circled: too little of a ring to put anything in.
        readings["relation"] = FieldReading(marks: ["本人": 0.0, "代理人": 0.18])
        record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["relation"]?.value == .empty)
    }

    @Test("a mark between the thresholds is uncertain")
    func uncertain() throws {
        var readings = cleanReadings()
        readings["agree"] = .checkbox(0.08)
        let record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["agree"]?.codes.contains(IssueCode.uncertainMark) == true)
        #expect(record.route == .review)
        #expect((record["agree"]?.confidence ?? 100) < 70)
    }

    @Test("low confidence and always-reviewed fields send the record to review")
    func reviewPolicy() throws {
        var readings = cleanReadings()
        readings["kana"] = FieldReading(text: "ヤマダ タロウ", confidence: 55)
        var record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["kana"]?.codes == [IssueCode.lowConfidence])
        #expect(record.route == .review)
        readings = cleanReadings()
        readings["number"] = FieldReading(text: "123456789018", confidence: 99)
        record = RecordInterpreter(workflow: try ruleModel(), today: april20).interpret(readings, scanID: "s1")
        #expect(record["number"]?.codes == [IssueCode.alwaysReviewed])
        #expect(record.route == .review)
    }

    @Test("review.double_entry sends a record with the field filled to review; a person's entry settles it")
    func doubleEntry() throws {
        let yaml = ruleWorkflow.replacingOccurrences(
            of: "  always: [number]", with: "  always: [number]\n  double_entry: [members.amount, kana]")
        let workflow = try #require(WorkflowLoader().load(yaml: yaml, file: "t.yaml").workflow)
        #expect(workflow.review.doubleEntry == ["members.amount", "kana"])
        let interpreter = RecordInterpreter(workflow: workflow, today: april20)
        let record = interpreter.interpret(cleanReadings(), scanID: "s1")
        #expect(record.route == .review)
        #expect(record["members[0].amount"]?.codes == [IssueCode.doubleEntry])
        #expect(record["members[1].amount"]?.codes == [])  // blank rows are not keyed twice
        #expect(record["kana"]?.codes == [IssueCode.doubleEntry])
        let reviewed = try interpreter.review(record, corrections: ["kana": "ヤマダ タロウ", "members[0].amount": "50000"])
        #expect(reviewed.route == .straightThrough)
        #expect(reviewed.fields.allSatisfy { $0.issues.isEmpty })

        let unknown = WorkflowLoader().load(
            yaml: ruleWorkflow.replacingOccurrences(of: "  always: [number]", with: "  double_entry: [acount]"),
            file: "t.yaml")
        #expect(unknown.workflow == nil)
        #expect(unknown.diagnostics.contains { $0.message.contains("double_entry") }, "\(unknown.diagnostics)")
    }

    @Test("on_rule_failure: reject marks the record rejected")
    func reject() throws {
        let yaml = ruleWorkflow.replacingOccurrences(
            of: "  always: [number]", with: "  always: [number]\n  on_rule_failure: reject")
        let workflow = try #require(WorkflowLoader().load(yaml: yaml, file: "t.yaml").workflow)
        var readings = cleanReadings()
        readings["moved_on"] = FieldReading(text: "令和5年4月11日", confidence: 90)
        let record = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "s1")
        #expect(record.issues.map(\.code) == [IssueCode.rejected])
    }
}

@Suite("Delivery mapping")
struct MappingTests {
    @Test("a record becomes a DeliveryRequest with codes, formats, flattened and array groups")
    func mapping() throws {
        let workflow = try ruleModel()
        var readings = cleanReadings()
        readings["number"] = FieldReading(text: "123456789018", confidence: 99)
        readings["members[1].name"] = FieldReading(text: "山田 花子", confidence: 90)
        readings["members[1].amount"] = FieldReading(text: "1,000", confidence: 90)
        let record = RecordInterpreter(workflow: workflow, today: april20).interpret(readings, scanID: "abc", index: 2)
        let requests = try workflow.deliveryRequests(for: record)
        #expect(requests.count == 1)
        #expect(requests[0].connection == "core")
        let request = requests[0].request
        #expect(request.idempotencyKey == "abc-tennyu-test-2")
        #expect(request.idempotencyKey == record.idempotencyKey)
        #expect(request.resource == "tennyu")
        #expect(request.workflow == "tennyu-test")
        let payload = Dictionary(uniqueKeysWithValues: request.payload.map { ($0.name, $0) })
        #expect(payload["todokede"]?.value == "5050410")
        #expect(payload["idou"]?.value == "20230401")
        #expect(payload["kankei"]?.value == "1")
        #expect(payload["bango"]?.value == "123456789018")
        #expect(payload["bango"]?.sensitive == true)
        #expect(payload["doui"]?.value == "true")
        #expect(payload["shimei_1"]?.value == "山田太郎")
        #expect(payload["shimei_2"]?.value == "山田花子")
        #expect(payload["shimei_3"]?.value == nil)
        #expect(payload["kingaku"]?.value == #"["50000","1000"]"#)
        #expect(payload["kubun"]?.value == "01")
        #expect(
            request.payload.map(\.name) == [
                "todokede", "idou", "kankei", "bango", "doui", "shimei_1", "shimei_2", "shimei_3", "kingaku", "kubun",
            ])
    }

    @Test("a value missing from a code table is a delivery error naming the field, not the value")
    func missingCode() throws {
        let yaml = ruleWorkflow.replacingOccurrences(of: "codes: {本人: \"1\", 代理人: \"2\"}", with: "codes: {代理人: \"2\"}")
        let workflow = try #require(WorkflowLoader().load(yaml: yaml, file: "t.yaml").workflow)
        let record = RecordInterpreter(workflow: workflow, today: april20).interpret(cleanReadings(), scanID: "s")
        #expect(throws: KamiflowError.self) { try workflow.deliveryRequests(for: record) }
        do {
            _ = try workflow.deliveryRequests(for: record)
        } catch let error as KamiflowError {
            #expect(error.code == .delivery)
            #expect(error.message.contains("kankei"))
            #expect(!error.message.contains("本人"))
        }
    }

    @Test("mapping diagnostics: an unknown option in a code table, a format on a non-date")
    func mappingDiagnostics() {
        let yaml =
            ruleWorkflow
            .replacingOccurrences(of: "codes: {本人: \"1\", 代理人: \"2\"}", with: "codes: {本任: \"1\", 代理人: \"2\"}")
            .replacingOccurrences(of: "bango: number", with: "bango: {from: number, format: iso}")
        let result = WorkflowLoader().load(yaml: yaml, file: "t.yaml")
        #expect(
            result.errors.map(\.message) == [
                "'本任' is not an option of 'relation' (did you mean '本人'?)",
                "'format' is for dates, but 'number' is mynumber",
            ])
    }
}
