import Foundation
import KamiflowCore
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

@Suite("Evaluation arithmetic")
struct EvaluationTests {
    static let geometry = ScanGeometry(skewDegrees: 0, shiftMM: Point(x: 0, y: 0), scale: 1, transform: .identity)
    static let types: [String: FieldType] = ["name": .text, "number": .mynumber, "sex": .choice, "consent": .checkbox]

    /// Three forms in one file: A read with one silent error, B reviewed with a caught defect and a flagged misread,
    /// C not extracted at all.
    static let truth = GroundTruth(
        workflow: "hand", image: "hand-0001.tiff", format: "tiff", profile: .clean, seed: 1,
        forms: [
            FormTruth(
                page: 0, sample: 0,
                values: ["name": "山田 太郎", "number": "123456789018", "sex": "男", "consent": "true"],
                types: types, defects: [], dpi: 300, geometry: geometry),
            FormTruth(
                page: 1, sample: 1,
                values: ["name": "佐藤 花子", "number": "123456789010", "sex": "女", "consent": "false"],
                types: types, defects: [PlantedDefect(field: "number", kind: .invalidCheckDigit)], dpi: 300,
                geometry: geometry),
            FormTruth(
                page: 2, sample: 2, values: ["name": "", "number": "023456789013"], types: types,
                defects: [PlantedDefect(field: "name", kind: .missingRequired)], dpi: 300, geometry: geometry),
        ])

    static let records = [
        FormRecord(
            workflow: "hand", scanID: "x", index: 0, pages: [0],
            fields: [
                FieldResult(path: "name", type: "text", raw: "山田太郎", value: .text("山田太郎"), confidence: 93),
                FieldResult(path: "number", type: "mynumber", value: .text("123456789018"), confidence: 90),
                FieldResult(path: "sex", type: "choice", value: .choices(["女"])),
                FieldResult(path: "consent", type: "checkbox", value: .flag(true)),
            ], route: .straightThrough),
        FormRecord(
            workflow: "hand", scanID: "x", index: 1, pages: [1],
            fields: [
                FieldResult(
                    path: "name", type: "text", value: .text("佐薩花子"), confidence: 41,
                    issues: [Issue(code: "lowConfidence", severity: .warning, message: "low")]),
                FieldResult(
                    path: "number", type: "mynumber", value: .text("123456789010"),
                    issues: [Issue(code: "checkDigit", severity: .error, message: "bad check digit")]),
                FieldResult(path: "sex", type: "choice", value: .choices(["女"])),
                FieldResult(path: "consent", type: "checkbox", value: .flag(false)),
            ], route: .review),
    ]

    @Test("a wrong field with no issue of its own is a silent error even when its form goes to review")
    func silentErrorInAReviewedForm() {
        let evaluator = Evaluator(layout: nil, includeCrops: false) { _ in [] }
        var records = Self.records
        // B goes to review for its name and number; its sex is misread too, and nothing says so.
        records[1].fields[2] = FieldResult(path: "sex", type: "choice", value: .choices(["男"]))
        var result = EvaluationResult(workflow: "hand")
        evaluator.score(truth: Self.truth, records: records, into: &result)
        #expect(result.silentErrors == 2)
        #expect(result.silentErrorsDelivered == 1)
        #expect(result.wrong.filter(\.isSilentError).map(\.page) == [0, 1])
        #expect(result.wrong.filter(\.isDeliveredSilently).map(\.page) == [0])
        #expect(EvaluationReport.table(result).contains("silent errors            2 of 8 fields (25.00%)"))
    }

    @Test("fields the reader doubted are counted by why, right and wrong apart; a doubt is not a flag")
    func doubtsByReason() {
        let evaluator = Evaluator(layout: nil, includeCrops: false) { _ in [] }
        var records = Self.records
        func doubt(_ d: Doubt) -> KamiflowCore.Issue {
            KamiflowCore.Issue(code: d.rawValue, severity: .info, message: d.message)
        }
        // A's right number doubted (its zeros), B's misread name doubted (readers disagreed) beside its low confidence.
        records[0].fields[1].issues = [doubt(.slashedZero)]
        records[1].fields[0].issues.append(doubt(.readersDisagree))
        var result = EvaluationResult(workflow: "hand")
        evaluator.score(truth: Self.truth, records: records, into: &result)
        #expect(result.doubts == ["slashedZero": Tally(total: 1, correct: 1), "readersDisagree": Tally(total: 1)])
        // An info issue routes nothing: A still went straight through with its number unflagged.
        #expect(result.straightThroughForms == 1 && result.unflaggedFields == 6)
        #expect(result.issuesByCode["slashedZero"] == nil)
        #expect(
            EvaluationReport.table(result).contains(
                "doubts (right of all)    readersDisagree 0 of 1, slashedZero 1 of 1"))
    }

    @Test("a right field with an issue of its own is listed as a false alarm, with its issues; a wrong one is not")
    func falseAlarms() {
        let evaluator = Evaluator(layout: nil, includeCrops: false) { _ in [] }
        var records = Self.records
        // A's right number held under the floor; B's misread name is flagged already (a wrong field, not an alarm).
        records[0].fields[1].issues = [
            KamiflowCore.Issue(code: IssueCode.lowConfidence, severity: .warning, message: "read with confidence 40")
        ]
        var result = EvaluationResult(workflow: "hand")
        evaluator.score(truth: Self.truth, records: records, into: &result)
        #expect(result.falseAlarms.map(\.path) == [records[0].fields[1].path])
        #expect(result.falseAlarms.first?.issues == ["lowConfidence: read with confidence 40"])
        #expect(result.falseAlarms.allSatisfy { $0.correct && $0.flagged })
        var plain = EvaluationResult(workflow: "hand")
        evaluator.score(truth: Self.truth, records: Self.records, into: &plain)
        #expect(plain.falseAlarms.isEmpty)
    }

    @Test("counts, accuracies, defects, straight-through and silent errors on a hand-made case")
    func arithmetic() {
        let evaluator = Evaluator(layout: nil, includeCrops: false) { _ in [] }
        var result = EvaluationResult(workflow: "hand")
        result.scans = 1
        evaluator.score(truth: Self.truth, records: Self.records, into: &result)

        #expect(result.forms == 3)
        #expect(result.formsNotExtracted == 1)
        // A: 4 fields, 3 right (sex wrong). B: 3 fields without defect, 2 right (name misread). C: 1 field, wrong.
        #expect(result.overall == Tally(total: 8, correct: 5))
        #expect(result.marks == Tally(total: 4, correct: 3))
        #expect(result.printed == Tally(total: 4, correct: 2))
        #expect(result.byType["choice"] == Tally(total: 2, correct: 1))
        #expect(result.byType["mynumber"] == Tally(total: 2, correct: 1))
        #expect(result.byField["name"] == Tally(total: 2, correct: 1))
        #expect(result.defects.count == 2 && result.defectsCaught == 1 && result.defectsMissed == 1)
        #expect(result.defects.first { !$0.caught }?.defect.kind == .missingRequired)
        #expect(result.straightThroughForms == 1)
        #expect(abs(result.straightThroughRate - 1.0 / 3) < 1e-12)
        #expect(result.straightThroughFields == 4)
        // Only A's sex is wrong, unflagged and straight through; B's misread was flagged, C never went through.
        #expect(result.silentErrors == 1)
        #expect(result.silentErrorRate == 1.0 / 8)
        #expect(result.silentErrorRateAmongStraightThrough == 0.25)
        #expect(result.silentErrorsDelivered == 1)
        // A's four, B's sex and consent; B's name is flagged, C's number was never extracted.
        #expect(result.unflaggedFields == 6)
        #expect(result.wrong.map(\.path).sorted() == ["name", "number", "sex"])
        #expect(result.wrong.filter(\.isSilentError).map(\.path) == ["sex"])
        #expect(abs(result.overall.accuracy - 0.625) < 1e-12)

        let table = EvaluationReport.table(result)
        #expect(table.contains("silent errors            1 of 8 fields (12.50%)"))
        #expect(table.contains("planted defects          2, caught 1, missed 1"))
        let html = EvaluationReport.html(result)
        #expect(html.contains("silent error") && html.contains("佐薩花子") && html.contains("62.50%"))
    }

    @Test(
        "comparison rules",
        arguments: [
            (FieldType.text, "山田 太郎", FieldValue.text("山田太郎"), true),
            (FieldType.text, "山田 太郎", FieldValue.text("山田太朗"), false),
            (FieldType.accountKana, "ヤマダ タロウ", FieldValue.text("ﾔﾏﾀﾞ ﾀﾛｳ"), true),
            (FieldType.accountKana, "リョウタ", FieldValue.text("ﾘﾖｳﾀ"), true),
            (FieldType.choice, "男", FieldValue.choices(["男"]), true),
            (FieldType.choice, "男,女", FieldValue.choices(["女", "男"]), true),
            (FieldType.choice, "男", FieldValue.choices([]), false),
            (FieldType.checkbox, "false", FieldValue.flag(false), true),
            (FieldType.warekiDate, "2019-05-01", FieldValue.date(CivilDate(year: 2019, month: 5, day: 1)), true),
            (
                FieldType.yucho, "1403012345671",
                FieldValue.parts(["branch": "408", "account": "1234567", "type": "普通"]),
                true
            ),
            (FieldType.yucho, "1403012345671", FieldValue.parts(["branch": "409", "account": "1234567"]), false),
            (FieldType.text, "", FieldValue.empty, true),
        ])
    func comparison(type: FieldType, expected: String, value: FieldValue, same: Bool) {
        #expect(TruthComparison.matches(type: type, expected: expected, value: value) == same)
    }

    @Test("ground truth JSON round-trips and a broken file names itself")
    func truthFiles() throws {
        let dir = TestLayouts.scratchDirectory.appendingPathComponent("truth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("hand-0001.truth.json")
        try Self.truth.jsonData().write(to: url)
        #expect(try GroundTruth.load(from: url) == Self.truth)
        #expect(try Self.truth.jsonData() == Self.truth.jsonData())
        let broken = dir.appendingPathComponent("broken.truth.json")
        try Data("{\"workflow\": 3}".utf8).write(to: broken)
        let error = try #require(throws: KamiflowError.self) { try GroundTruth.load(from: broken) }
        #expect(error.subject == broken.path)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: KamiflowError.self) { try Evaluator.truthFiles(in: empty) }
    }
}

extension EvaluationTests {
    @Test(
        "digit fields compare by digits",
        arguments: [
            (FieldType.postal, "180-0006", FieldValue.text("180-0006"), true),
            (FieldType.postal, "180-0006", FieldValue.text("1800006"), true),
            (FieldType.postal, "180-0006", FieldValue.text("180-0008"), false),
            (FieldType.phone, "09012345678", FieldValue.text("090-1234-5678"), true),
            (FieldType.mynumber, "123456789018", FieldValue.text("12345678901B"), false),
        ])
    func digitComparison(type: FieldType, expected: String, value: FieldValue, same: Bool) {
        #expect(TruthComparison.matches(type: type, expected: expected, value: value) == same)
    }
}
