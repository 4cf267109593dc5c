import Foundation
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

/// The review station's half of interpretation: a person's corrections go through the same normalisers,
/// validators and rules as a scan, and only errors keep the record from going through.
@Suite("Record interpretation after review")
struct ReviewInterpretationTests {
    func readRecord(
        _ change: (inout [String: FieldReading]) -> Void = { _ in }
    ) throws
        -> (RecordInterpreter, FormRecord)
    {
        var readings = cleanReadings()
        readings["number"] = FieldReading(text: "1234 5678 9010", confidence: 95)  // check digit wrong (8 is right)
        readings["kana"] = FieldReading(text: "ヤマダ タロウ", confidence: 40)  // below the floor of 70
        change(&readings)
        let interpreter = RecordInterpreter(workflow: try ruleModel(), today: april20)
        return (interpreter, interpreter.interpret(readings, scanID: "s1"))
    }

    @Test("a corrected check digit goes through; the doubts the person has looked at no longer count")
    func correctedNumber() throws {
        let (interpreter, record) = try readRecord()
        #expect(record.route == .review)
        #expect(record["number"]?.codes.contains(IssueCode.checkDigit) == true)
        #expect(record["kana"]?.codes.contains(IssueCode.lowConfidence) == true)

        let asRead = try interpreter.review(record, corrections: [:])
        #expect(asRead.route == .review, "the wrong check digit must still stop it")
        #expect(asRead["number"]?.codes == [IssueCode.checkDigit])

        let corrected = try interpreter.review(record, corrections: ["number": "123456789018"])
        #expect(corrected.route == .straightThrough, "\(corrected.fields.flatMap(\.issues))")
        #expect(corrected["number"]?.value == .text("123456789018"))
        #expect(corrected["number"]?.confidence == 100)
        #expect(corrected["kana"]?.issues.isEmpty == true)
        #expect(corrected["kana"]?.value == record["kana"]?.value)
        #expect(corrected.idempotencyKey == record.idempotencyKey)
    }

    @Test("rules run again on the corrected record: a new choice brings its requirement with it")
    func rulesAgain() throws {
        let (interpreter, record) = try readRecord()
        let proxy = try interpreter.review(record, corrections: ["number": "123456789018", "relation": "代理人"])
        #expect(proxy.route == .review)
        #expect(proxy["proxy_name"]?.codes == [IssueCode.rule])
        let complete = try interpreter.review(
            record, corrections: ["number": "123456789018", "relation": "代理人", "proxy_name": "山田 花子"])
        #expect(complete.route == .straightThrough, "\(complete.fields.flatMap(\.issues))")
        #expect(complete["relation"]?.value == .choices(["代理人"]))
        #expect(complete["proxy_name"]?.value == .text("山田花子"))  // spaces between kanji are not kept
    }

    @Test("corrections are typed the way the form is written: 和暦 or ISO dates, checkboxes, invalid values refused")
    func typedValues() throws {
        let (interpreter, record) = try readRecord {
            $0["moved_on"] = FieldReading(text: "令和5年2月30日", confidence: 90)
        }
        #expect(try interpreter.review(record, corrections: ["number": "123456789018"]).route == .review)
        let fixed = try interpreter.review(
            record, corrections: ["number": "123456789018", "moved_on": "2023-04-01", "agree": "いいえ"])
        #expect(fixed.route == .straightThrough, "\(fixed.fields.flatMap(\.issues))")
        #expect(fixed["moved_on"]?.value == .date(CivilDate(year: 2023, month: 4, day: 1)))
        #expect(fixed["agree"]?.value == .flag(false))
        let wrongDate = try interpreter.review(
            record, corrections: ["number": "123456789018", "moved_on": "令和5年2月30日"])
        #expect(wrongDate["moved_on"]?.codes.contains(IssueCode.invalidDate) == true)

        #expect(throws: KamiflowError.self) { try interpreter.review(record, corrections: ["numbr": "1"]) }
        #expect(throws: KamiflowError.self) { try interpreter.review(record, corrections: ["relation": "親"]) }
        #expect(throws: KamiflowError.self) { try interpreter.review(record, corrections: ["agree": "maybe"]) }
    }
}
