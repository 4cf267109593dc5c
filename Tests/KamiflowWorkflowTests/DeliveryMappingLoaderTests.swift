import Foundation
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

/// A form with a repeating group, for the delivery keys that work on groups.
let groupWorkflow = """
    kamiflow: 1
    workflow: group-form
    title: テスト
    form:
      fields:
        name: {label: 氏名, type: text, zone: [50, 40, 80, 8]}
        people:
          repeat: 2
          step: [0, 10]
          fields:
            name: {label: 氏名, type: text, zone: [20, 100, 60, 7]}
            kana: {label: ふりがな, type: hiragana, zone: [90, 100, 50, 7]}
            out: {label: 不要, type: checkbox, box: [160, 100, 5, 5]}
    deliver:
      - to: core
        for_each: people
        record:
          shimei: people.name
          kana: {from: people.kana, fold: katakana}
          ninzu: {count: people.name, unless: people.out, times: 2}
    """

@Suite("Delivery mapping keys: for_each, count, or, fold")
struct DeliveryMappingLoaderTests {
    func errors(_ yaml: String) -> [String] {
        WorkflowLoader().load(yaml: yaml, file: "w.yaml").errors.map(\.message)
    }

    @Test("a well-formed group mapping loads; one payload per filled row, each with its own key")
    func loadsAndMaps() throws {
        let loaded = WorkflowLoader().load(yaml: groupWorkflow, file: "w.yaml")
        let workflow = try #require(loaded.workflow, "\(loaded.errors)")
        #expect(workflow.deliveries.first?.forEach == "people")
        let record = FormRecord(
            workflow: "group-form", scanID: "s", index: 0, pages: [0],
            fields: [
                FieldResult(path: "people[0].name", type: "text", value: .text("山田 花子")),
                FieldResult(path: "people[0].kana", type: "hiragana", value: .text("やまだ はなこ")),
                FieldResult(path: "people[0].out", type: "checkbox", value: .flag(false)),
                FieldResult(path: "people[1].out", type: "checkbox", value: .flag(false)),
            ],
            route: .straightThrough)
        let requests = try workflow.deliveryRequests(for: record).map(\.request)
        #expect(requests.map(\.idempotencyKey) == ["s-group-form-0-people1"])
        #expect(requests.first?.payload.map(\.value) == ["山田 花子", "ヤマダ ハナコ", "2"])
    }

    @Test("for_each must name a group, and each does not apply to its fields")
    func forEachMistakes() {
        #expect(
            errors(groupWorkflow.replacingOccurrences(of: "for_each: people", with: "for_each: peple")).contains(
                "'for_each' names 'peple', which is not a repeating group (did you mean 'people'?); groups: people"))
        #expect(
            errors(
                groupWorkflow.replacingOccurrences(
                    of: "shimei: people.name", with: "shimei: {from: people.name, each: array}")
            ).contains(
                "'each' does not apply to 'people.name': with 'for_each: people' every payload holds one row"))
    }

    @Test(
        "count needs a group field and unless a checkbox of the same group; fold is for text; or is checked like from")
    func countOrFoldMistakes() {
        let found = errors(
            groupWorkflow
                .replacingOccurrences(of: "{count: people.name, unless: people.out, times: 2}", with: "{count: name}")
                .replacingOccurrences(
                    of: "shimei: people.name", with: "shimei: {from: people.name, unless: people.out}"
                )
                .replacingOccurrences(
                    of: "kana: {from: people.kana, fold: katakana}",
                    with: "kana: {from: people.kana, fold: katakna, or: {from: people.nam}}"))
        #expect(found.contains("'count' counts the filled rows of a group field, but 'name' is not in a group"))
        #expect(found.contains("'unless' belongs to 'count'"))
        #expect(
            found.contains("unknown folding 'katakna' (did you mean 'katakana'?); one of: katakana, hiragana, zengin"))
        #expect(found.contains("delivery field 'kana' names unknown field 'people.nam' (did you mean 'people.name'?)"))
        #expect(
            errors(groupWorkflow.replacingOccurrences(of: "unless: people.out", with: "unless: people.kana")).contains(
                "'unless' names a checkbox of the same group 'people', but 'people.kana' is not one"))
    }
}
