import Foundation
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

/// A small valid workflow that the mistake tests break one piece at a time.
let minimalWorkflow = """
    kamiflow: 1
    workflow: test-form
    title: テスト
    form:
      register: {marks: corners}
      fields:
        name:  {label: 氏名, type: text, zone: [50, 40, 80, 8]}
        birth: {label: 生年月日, type: wareki-date, zone: [50, 55, 80, 8]}
        sex:   {label: 性別, type: choice, circle: {男: [60, 72, 5, 4], 女: [75, 72, 5, 4]}}
    rules:
      - require: birth
        when: name
    deliver:
      - to: core
        record:
          shimei: name
          seibetsu: {from: sex, codes: {男: "1", 女: "2"}}
    """

func load(_ yaml: String) -> LoadResult {
    WorkflowLoader().load(yaml: yaml, file: "Workflows/x.yaml")
}

@Suite("Workflow loader")
struct LoaderTests {
    @Test("a well-formed file loads with no diagnostics")
    func minimalLoads() throws {
        let result = load(minimalWorkflow)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let workflow = try #require(result.workflow)
        #expect(workflow.id == "test-form")
        #expect(workflow.form.page == .a4)
        #expect(workflow.form.registration == .marks(CornerMarks(size: 5, inset: 8)))
        #expect(workflow.form.placedFields.map(\.path) == ["name", "birth", "sex"])
        let sex = try #require(workflow.form.field(named: "sex"))
        #expect(sex.options == ["男", "女"])
        #expect(sex.marks?.style == .circles)
        // Default label: a cell left of the frame, as wide as form.labelWidth.
        let name = try #require(workflow.form.field(named: "name"))
        #expect(name.frame == TemplateRect(x: 48.5, y: 38.5, width: 83, height: 11))
        #expect(name.labelZone == TemplateRect(x: 20.5, y: 38.5, width: 28, height: 11))
    }

    @Test("register: lines aligns by the printed cells; a misspelt method is located")
    func registerByLines() throws {
        let lines = load(
            minimalWorkflow.replacingOccurrences(of: "register: {marks: corners}", with: "register: lines"))
        #expect(lines.diagnostics.isEmpty, "\(lines.diagnostics)")
        let form = try #require(lines.workflow?.form)
        #expect(form.registration == .lines)
        // The boxes it looks for: each value cell (zone + cell margin) and each written field's label cell.
        #expect(form.printedBoxes.contains(TemplateRect(x: 48.5, y: 38.5, width: 83, height: 11)))
        #expect(form.printedBoxes.contains(TemplateRect(x: 20.5, y: 38.5, width: 28, height: 11)))
        let wrong = load(minimalWorkflow.replacingOccurrences(of: "register: {marks: corners}", with: "register: line"))
        #expect(
            wrong.errors.map(\.description) == [
                "Workflows/x.yaml:5:13: error: 'register' must be 'lines', 'none', or one of {marks}, {border}, {anchors}, found 'line'"
            ])
    }

    @Test("an unknown field type is located and a near miss suggested")
    func unknownType() {
        let yaml = minimalWorkflow.replacingOccurrences(of: "type: wareki-date", with: "type: wareki")
        let result = load(yaml)
        #expect(result.workflow == nil)
        #expect(
            result.errors.map(\.description) == [
                "Workflows/x.yaml:8:32: error: unknown field type 'wareki' (did you mean 'wareki-date'?)"
            ])
    }

    @Test("an unknown key is reported with a suggestion")
    func unknownKey() {
        let yaml = minimalWorkflow.replacingOccurrences(of: "{label: 氏名,", with: "{lable: 氏名,")
        let result = load(yaml)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.message == "unknown key 'lable' in field 'name' (did you mean 'label'?)")
        #expect(result.errors.first?.location.line == 7)
        #expect(result.errors.first?.location.column == 13)
    }

    @Test("a zone outside the page is an error naming the field and the page")
    func zoneOutsidePage() {
        let yaml = minimalWorkflow.replacingOccurrences(of: "zone: [50, 40, 80, 8]", with: "zone: [150, 40, 80, 8]")
        let result = load(yaml)
        #expect(result.errors.count == 1)
        #expect(
            result.errors.first?.message.contains("field 'name' has a zone [150, 40, 80, 8] outside the A4 page")
                == true)
        #expect(result.errors.first?.location.line == 7)
    }

    @Test("a duplicate field is reported where it is declared again, and the rest is still checked")
    func duplicateField() {
        let yaml = minimalWorkflow.replacingOccurrences(
            of: "    sex:", with: "    name:  {type: text, zone: [50, 90, 80, 8], labl: x}\n    sex:")
        let result = load(yaml)
        let messages = result.errors.map(\.description)
        #expect(messages.contains("Workflows/x.yaml:9:5: error: duplicate key 'name' (first defined at line 7)"))
        #expect(result.errors.count == 1, "\(messages)")
    }

    @Test("a rule naming an unknown field is an error with a suggestion")
    func ruleUnknownField() {
        let yaml = minimalWorkflow.replacingOccurrences(of: "  - require: birth", with: "  - require: brith")
        let result = load(yaml)
        #expect(result.errors.map(\.message) == ["rule 'require' names unknown field 'brith' (did you mean 'birth'?)"])
        #expect(result.errors.first?.location.line == 11)
    }

    @Test("a delivery mapping naming an unknown field is an error")
    func deliveryUnknownField() {
        let yaml = minimalWorkflow.replacingOccurrences(of: "shimei: name", with: "shimei: namae")
        let result = load(yaml)
        #expect(
            result.errors.map(\.message) == [
                "delivery field 'shimei' names unknown field 'namae' (did you mean 'name'?)"
            ])
        #expect(result.errors.first?.location.line == 16)
    }

    @Test("bad YAML syntax is reported at Yams' location")
    func badSyntax() {
        let yaml = minimalWorkflow.replacingOccurrences(of: "zone: [50, 40, 80, 8]}", with: "zone: [50, 40, 80, 8}")
        let result = load(yaml)
        #expect(result.workflow == nil)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.message.hasPrefix("YAML syntax:") == true)
        #expect(result.errors.first?.location.line == 7)
    }

    @Test("wrong value shapes are located")
    func wrongShapes() {
        let yaml =
            minimalWorkflow
            .replacingOccurrences(of: "zone: [50, 40, 80, 8]", with: "zone: [50, 40, 80]")
            .replacingOccurrences(
                of: "register: {marks: corners}", with: "register: {marks: corners}\n  cell_margin: wide")
        let result = load(yaml)
        #expect(
            result.errors.map(\.message) == [
                "'cell_margin' must be a number, found 'wide'",
                "'zone' must be [x, y, width, height] in millimetres, found a list",
            ])
        #expect(result.errors.map(\.location.line) == [6, 8])
    }

    @Test("values: lists what a text field may hold; on other types, or empty, it is located")
    func values() throws {
        let listed = load(
            minimalWorkflow.replacingOccurrences(
                of: "name:  {label: 氏名, type: text, zone: [50, 40, 80, 8]}",
                with: "name:  {label: 続柄, type: text, zone: [50, 40, 80, 8], values: [世帯主, 妻, 子, 妻の父]}"))
        #expect(listed.diagnostics.isEmpty, "\(listed.diagnostics)")
        let field = try #require(listed.workflow?.form.field(named: "name"))
        #expect(field.validation.values == ["世帯主", "妻", "子", "妻の父"])
        let wrong = load(
            minimalWorkflow
                .replacingOccurrences(of: "zone: [50, 55, 80, 8]}", with: "zone: [50, 55, 80, 8], values: [令和]}")
                .replacingOccurrences(of: "zone: [50, 40, 80, 8]}", with: "zone: [50, 40, 80, 8], values: []}"))
        #expect(
            wrong.errors.map(\.message) == [
                "'values' must list the words the field may hold, e.g. [世帯主, 妻, 夫, 子]",
                "'values' is only for text, katakana and hiragana fields",
            ])
        #expect(wrong.errors.map(\.location.line) == [7, 8])
    }

    @Test("values_file: the values one a line, relative to the workflow; a missing or empty file is located")
    func valuesFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("values-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("masters"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("\u{FEFF}# 続柄\n世帯主\n妻\r\n\n 子 \n妻の父\n".utf8)
            .write(to: folder.appendingPathComponent("masters/zokugara.txt"))
        try Data("# nothing yet\n\n".utf8).write(to: folder.appendingPathComponent("masters/empty.txt"))
        let file = folder.appendingPathComponent("x.yaml").path
        func loaded(_ field: String) -> LoadResult {
            WorkflowLoader().load(
                yaml: minimalWorkflow.replacingOccurrences(
                    of: "name:  {label: 氏名, type: text, zone: [50, 40, 80, 8]}", with: field),
                file: file)
        }
        let listed = loaded("name:  {label: 続柄, type: text, zone: [50, 40, 80, 8], values_file: masters/zokugara.txt}")
        #expect(listed.diagnostics.isEmpty, "\(listed.diagnostics)")
        let field = try #require(listed.workflow?.form.field(named: "name"))
        #expect(field.validation.values == ["世帯主", "妻", "子", "妻の父"])
        // A value the file does not list is flagged as with `values:`.
        let workflow = try #require(listed.workflow)
        let record = RecordInterpreter(workflow: workflow, today: CivilDate(year: 2026, month: 12, day: 1))
            .interpret(["name": FieldReading(text: "叔父", confidence: 95)], scanID: "s")
        #expect(record["name"]?.issues.map(\.code).contains(IssueCode.notListed) == true)

        let missing = loaded("name:  {label: 続柄, type: text, zone: [50, 40, 80, 8], values_file: masters/nai.txt}")
        #expect(
            missing.errors.map(\.message) == [
                "the values file 'masters/nai.txt' is not there (looked for \(folder.path)/masters/nai.txt)"
            ])
        #expect(missing.errors.first?.location.line == 7)
        let empty = loaded("name:  {label: 続柄, type: text, zone: [50, 40, 80, 8], values_file: masters/empty.txt}")
        #expect(empty.errors.first?.message.contains("lists no value") == true)
        let both = loaded(
            "name:  {label: 続柄, type: text, zone: [50, 40, 80, 8], values: [妻], values_file: masters/zokugara.txt}")
        #expect(both.errors.map(\.message) == ["a field takes 'values' or 'values_file', not both"])
        let digits = loaded(
            "name:  {label: 続柄, type: digits, zone: [50, 40, 80, 8], values_file: masters/zokugara.txt}")
        #expect(digits.errors.map(\.message) == ["'values_file' is only for text, katakana and hiragana fields"])
    }

    @Test("typeface: names a font file; anything else is located")
    func typeface() throws {
        let named = load(
            minimalWorkflow.replacingOccurrences(
                of: "  register: {marks: corners}", with: "  register: {marks: corners}\n  typeface: ipagp.ttf"))
        #expect(named.diagnostics.isEmpty, "\(named.diagnostics)")
        #expect(named.workflow?.form.typeface == "ipagp.ttf")
        let wrong = load(
            minimalWorkflow.replacingOccurrences(
                of: "  register: {marks: corners}", with: "  register: {marks: corners}\n  typeface: IPAPGothic"))
        #expect(
            wrong.errors.map(\.message) == [
                "'typeface' names a font file (ipagp.ttf, or a full path to a .ttf, .otf or .ttc)"
            ])
        #expect(wrong.errors.map(\.location.line) == [6])
    }

    @Test("a file with five mistakes reports five errors, in file order")
    func fiveMistakes() {
        let yaml = """
            kamiflow: 1
            workflow: five
            form:
              fields:
                name:  {label: 氏名, type: txet, zone: [50, 40, 80, 8]}
                birth: {label: 生年月日, type: wareki-date, zone: [50, 55, 80, 8], requird: true}
                phone: {label: 電話, type: phone, zone: [180, 70, 80, 8]}
            rules:
              - require: brith
                when: phone
            deliver:
              - to: core
                record:
                  denwa: fone
            """
        let result = load(yaml)
        #expect(result.errors.count == 5, "\(result.errors.map(\.description))")
        #expect(result.errors.map(\.location.line) == [5, 6, 7, 9, 14])
    }

    @Test("missing required top-level keys are each reported")
    func missingKeys() {
        let result = load("title: x\n")
        #expect(result.errors.map(\.message).count == 3)
    }

    @Test("group rows are expanded with their step, and rows outside the page are caught")
    func groups() throws {
        let yaml = """
            kamiflow: 1
            workflow: g
            form:
              fields:
                children:
                  repeat: 3
                  step: [0, 10]
                  fields:
                    name: {label: 氏名, type: text, zone: [20, 50, 60, 7]}
            """
        let workflow = try #require(load(yaml).workflow)
        let placed = workflow.form.placedFields
        #expect(placed.map(\.path) == ["children[0].name", "children[1].name", "children[2].name"])
        #expect(placed[2].spec.zone == TemplateRect(x: 20, y: 70, width: 60, height: 7))
        let tooMany = load(yaml.replacingOccurrences(of: "repeat: 3", with: "repeat: 30"))
        #expect(tooMany.errors.first?.message.contains("row 25 of group 'children'") == true)
    }

    @Test("overlapping zones are a warning, not an error")
    func overlap() {
        let yaml = minimalWorkflow.replacingOccurrences(of: "zone: [50, 55, 80, 8]", with: "zone: [50, 45, 80, 8]")
        let result = load(yaml)
        #expect(result.workflow != nil)
        #expect(result.errors.isEmpty)
        #expect(result.warnings.contains { $0.message.contains("overlaps field 'name'") })
    }

    @Test("Workflow.load throws one invalidWorkflow error naming the file")
    func throwingLoad() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-bad-\(UUID()).yaml")
        try "kamiflow: 2\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try Workflow.load(file: url.path)
            Testing.Issue.record("expected an error")
        } catch let error as KamiflowError {
            #expect(error.code == .invalidWorkflow)
            #expect(error.subject == url.path)
            #expect(error.message.contains("unsupported format version"))
        }
    }
}
