import Foundation
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

/// The `review` keys calibration writes (`floors`, `silent_errors`), how routing uses them, and the confidence a
/// value read in doubt gets from the readers that bear it out.
@Suite("Calibrated review floors and corroborated confidence")
struct CalibratedReviewTests {
    static let withFloors =
        minimalWorkflow + """

            review:
              below_confidence: 80
              silent_errors: 0.05%
              floors:
                text: 44
                birth: 90
            """

    @Test("floors by field type and by field, and the silent-error target, are loaded")
    func loads() throws {
        let result = load(Self.withFloors)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let policy = try #require(result.workflow?.review)
        #expect(policy.floors == ["text": 44, "birth": 90])
        #expect(policy.silentErrorTarget == 0.0005)
        #expect(policy.floor(forDeclaredPath: "name", type: "text") == 44)
        #expect(policy.floor(forDeclaredPath: "birth", type: "wareki-date") == 90)
        #expect(policy.floor(forDeclaredPath: "sex", type: "choice") == 80)
    }

    @Test("a floor naming neither a type nor a field, out of range, or a target without % is a located error")
    func mistakes() {
        let unknown = load(Self.withFloors.replacingOccurrences(of: "    text: 44", with: "    txet: 44"))
        #expect(unknown.errors.count == 1)
        #expect(unknown.errors.first?.message.contains("'txet'") == true, "\(unknown.errors)")
        #expect(unknown.errors.first?.location.line == 22)
        let range = load(Self.withFloors.replacingOccurrences(of: "birth: 90", with: "birth: 190"))
        #expect(range.errors.map(\.message) == ["the floor of 'birth' is a confidence from 0 to 100, found 190.0"])
        #expect(range.errors.first?.location.line == 23)
        let share = load(Self.withFloors.replacingOccurrences(of: "0.05%", with: "0.05"))
        #expect(
            share.errors.map(\.message) == [
                "'silent_errors' must be a percentage such as 0.05% (with the % sign), found '0.05'"
            ])
        #expect(share.errors.first?.location.line == 20)
        let typo = load(Self.withFloors.replacingOccurrences(of: "  floors:", with: "  floor:"))
        #expect(typo.errors.first?.message.contains("did you mean 'floors'") == true, "\(typo.errors)")
    }

    @Test("the JSON Schema knows the new keys")
    func schema() throws {
        let object = try JSONSerialization.jsonObject(with: Data(WorkflowSchema.json.utf8)) as? [String: Any]
        let defs = object?["$defs"] as? [String: Any]
        let review = (defs?["review"] as? [String: Any])?["properties"] as? [String: Any]
        #expect(review?["floors"] != nil && review?["silent_errors"] != nil)
    }

    @Test("a field goes to a person below its own floor, and through above it, whatever below_confidence says")
    func routingByFloor() throws {
        let workflow = try #require(load(Self.withFloors).workflow)
        let interpreter = RecordInterpreter(workflow: workflow, today: CivilDate(year: 2026, month: 10, day: 1))
        func record(nameConfidence: Double) -> FormRecord {
            interpreter.interpret(
                [
                    "name": FieldReading(text: "山田太郎", confidence: nameConfidence),
                    "birth": FieldReading(text: "平成元年1月8日", confidence: 95),
                    "sex": FieldReading(marks: ["男": 0.9, "女": 0]),
                ], scanID: "x")
        }
        // 50 is below below_confidence (80) but above the calibrated floor of text (44).
        #expect(record(nameConfidence: 50).route == .straightThrough)
        let low = record(nameConfidence: 40)
        #expect(low.route == .review)
        #expect(low["name"]?.issues.map(\.message) == ["read with confidence 40 (below 44)"])
    }

    typealias Opinion = FieldReader.Opinion

    @Test("a value two independent readers agree on is worth more than its raw score; one reader alone is not")
    func corroboration() {
        let name = FieldSpec(name: "name", type: .text)
        let floor = ReviewPolicy().confidenceFloor
        /// The confidence of 和也 given readings as (text, confidence, independent).
        func score(_ readings: [(String, Double, Bool)]) -> Double {
            FieldReader.corroboration(
                of: "和也", among: readings.map { Opinion(text: $0.0, confidence: $0.1, independent: $0.2) },
                witness: nil, spec: name)
        }
        // jpn read 和也 with 41 and its raw-line decode disagreed; the second model read the same.
        let agreed = score([("和也", 41, false), ("和也", 70, true)])
        #expect(agreed >= floor)
        // The same agreement where jpn was sure of its reading is stronger evidence, and is told apart: names the
        // second model bore out after jpn doubted them were wrong five times as often.
        let sure = score([("和也", 88, false), ("和也", 70, true)])
        #expect(agreed == FieldReader.Evidence.witnessOverOwnDoubt)
        #expect(sure == FieldReader.Evidence.modelAndWitness && sure > agreed)
        // Only the field's own model at another size: not enough.
        let sameModel = score([("和也", 41, false), ("和也", 60, false), ("和世", 70, true)])
        #expect(sameModel < floor && sameModel > FieldReader.Evidence.disputed)
        // Nobody agrees.
        #expect(score([("和也", 88, false), ("和世", 70, true)]) == FieldReader.Evidence.disputed)
    }

    @Test("one reader read at several sizes is one witness: the second model's repeated misread is not two readers")
    func readersNotReadings() {
        let name = FieldSpec(name: "address", type: .text)
        // jpn read 青葉 in doubt; the second model read 青菜 at two sizes: one reader against the field's model.
        let repeated = FieldReader.corroboration(
            of: "青菜",
            among: [
                Opinion(text: "青葉", confidence: 41, independent: false),
                Opinion(text: "青菜", confidence: 0, independent: true, reader: "Japanese"),
                Opinion(text: "青菜", confidence: 0, independent: true, reader: "Japanese"),
            ],
            witness: nil, spec: name)
        #expect(repeated == FieldReader.Evidence.witnessAlone)
        #expect(repeated < ReviewPolicy().confidenceFloor)
        // Two different readers besides the field's model: that is two witnesses.
        let two = FieldReader.corroboration(
            of: "青葉",
            among: [
                Opinion(text: "青葉", confidence: 41, independent: false),
                Opinion(text: "青葉", confidence: 0, independent: true, reader: "Japanese"),
                Opinion(text: "青葉", confidence: 0, independent: true, reader: "eng"),
            ],
            witness: nil, spec: name)
        #expect(two == FieldReader.Evidence.independentReaders)
    }

    @Test("a telephone number's readers are compared with its leading 0 put back where a reader misread or missed it")
    func phoneLeadingZero() {
        let phone = FieldSpec(name: "phone", type: .phone)
        // Seed 2468's 口座振替 no. 99 at 150 dpi: jpn read the dotted 0 as 9 twice, eng left it out, the second model
        // read 03-2113-3319 — every reader agrees on the nine digits after it.
        let readings = [
            Opinion(text: "93-2113-3319", confidence: 90, independent: false),
            Opinion(text: "3-2113-3319", confidence: 33, independent: true, reader: "eng"),
            Opinion(text: "03-2113-3319", confidence: 90, independent: true, reader: "Japanese"),
            Opinion(text: "93-2113-3319", confidence: 92, independent: false, reader: "jpn"),
        ]
        let score = FieldReader.corroboration(of: "03-2113-3319", among: readings, witness: nil, spec: phone)
        #expect(score == FieldReader.Evidence.independentReaders + FieldReader.Evidence.validatorBonus)
        #expect(FieldReader.phoneKey("93-2113-3319") == "0321133319")
        #expect(FieldReader.phoneKey("6322-65-5791") == "0322655791")
        #expect(FieldReader.phoneKey("322-65-5791") == "0322655791")
        // A reading that no 0 makes a number of stays as read (jpn's 986-2644-4695 for 080-2044-4095: eleven digits,
        // and 086… is no mobile number); other digits read otherwise still disagree.
        #expect(FieldReader.phoneKey("986-2644-4695") == "98626444695")
        #expect(FieldReader.phoneKey("12") == "12")
        let apart = [
            Opinion(text: "98-2113-3319", confidence: 90, independent: false),
            Opinion(text: "03-2113-3319", confidence: 90, independent: true, reader: "Japanese"),
        ]
        #expect(
            FieldReader.corroboration(of: "03-2113-3319", among: apart, witness: nil, spec: phone)
                == FieldReader.Evidence.witnessAlone + FieldReader.Evidence.validatorBonus)
        // Seed 2468's 口座振替 no. 1 at 200 dpi: 0961-84-1640, whose last 0 jpn and the second model read as 6 and eng
        // read right. A reader reading the face's 0 otherwise inside the number: jpn's leading 9 vouches for nothing.
        let zeros = [
            Opinion(text: "9961-84-1646", confidence: 62, independent: false),
            Opinion(text: "0961-84-1640", confidence: 78, independent: true, reader: "eng"),
            Opinion(text: "0961-84-1646", confidence: 69, independent: true, reader: "Japanese"),
            Opinion(text: "9961-84-1646", confidence: 62, independent: false, reader: "jpn"),
        ]
        #expect(
            FieldReader.corroboration(of: "0961-84-1646", among: zeros, witness: nil, spec: phone)
                < ReviewPolicy().confidenceFloor)
    }

    @Test("a misread both models share is held by the validator: an impossible date, a value not in the list")
    func sharedMisreadStays() throws {
        var birth = FieldSpec(name: "birth", type: .warekiDate)
        birth.eras = [.heisei, .reiwa]
        let both = [
            Opinion(text: "平成14年2月30日", confidence: 90, independent: false),
            Opinion(text: "平成14年2月30日", confidence: 85, independent: true),
        ]
        #expect(
            FieldReader.corroboration(of: "平成14年2月30日", among: both, witness: nil, spec: birth)
                == FieldReader.Evidence.disputed)
        var relation = FieldSpec(name: "relation", type: .text)
        relation.validation.values = ["世帯主", "妻", "子"]
        let shared = [
            Opinion(text: "要", confidence: 60, independent: false),
            Opinion(text: "要", confidence: 60, independent: true),
        ]
        #expect(
            FieldReader.corroboration(of: "要", among: shared, witness: nil, spec: relation)
                == FieldReader.Evidence.disputed)
        // And so the record goes to a person, with the reason on the field.
        let workflow = try #require(load(Self.withFloors).workflow)
        let record = RecordInterpreter(workflow: workflow, today: CivilDate(year: 2026, month: 10, day: 1)).interpret(
            [
                "name": FieldReading(text: "山田太郎", confidence: 95),
                "birth": FieldReading(text: "平成14年2月30日", confidence: FieldReader.Evidence.disputed),
                "sex": FieldReading(marks: ["男": 0.9, "女": 0]),
            ], scanID: "x")
        #expect(record.route == .review)
        #expect(record["birth"]?.issues.contains { $0.severity >= .warning } == true)
    }
}
