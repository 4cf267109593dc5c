import Foundation
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

/// The corpus of forms Kamiflow did not print (Corpus/existing-forms) and its workflows.
let corpusFolder = packageRoot.appendingPathComponent("Corpus/existing-forms")
let corpusLayouts = ["shugaku-enjo", "inkan-touroku", "kouza-furikae"]

/// A reference form written inline: the blank is the corpus' 就学援助 blank, the workflow file sits in the corpus'
/// workflows folder (so that `../blanks/…` resolves as it does for the real files).
func referenceWorkflow(
    fields: String, register: String = "none", reference: String = "../blanks/shugaku-enjo.png"
)
    -> LoadResult
{
    let yaml = """
        kamiflow: 1
        workflow: reference-test
        form:
          reference: \(reference)
          register: \(register)
          fields:
        \(fields)
        """
    return WorkflowLoader().load(
        yaml: yaml, file: corpusFolder.appendingPathComponent("workflows/reference-test.yaml").path)
}

@Suite("Reference forms (existing layouts)")
struct ReferenceFormTests {
    @Test("each corpus workflow loads with no errors and no warnings, its reference resolved", arguments: corpusLayouts)
    func corpusWorkflowsLoad(layout: String) throws {
        let path = corpusFolder.appendingPathComponent("workflows/\(layout).yaml").path
        let result = WorkflowLoader().load(file: path)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description).joined(separator: "\n"))")
        let workflow = try #require(result.workflow)
        let reference = try #require(workflow.form.reference)
        #expect(
            URL(fileURLWithPath: reference).standardized.path
                == corpusFolder.appendingPathComponent("blanks/\(layout).png").standardized.path)
        #expect(FileManager.default.fileExists(atPath: reference))
    }

    @Test("labels are not laid out: a field with a label and no label_zone at the page's left edge loads")
    func noLabelChecks() throws {
        // On a Kamiflow form this label cell would lie outside the page (the zone starts 10 mm from the edge).
        let result = referenceWorkflow(fields: "    name: {label: 世帯員の氏名, type: text, zone: [10, 120, 40, 8]}")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let printed = WorkflowLoader().load(
            yaml: """
                kamiflow: 1
                workflow: printed
                form:
                  fields:
                    name: {label: 世帯員の氏名, type: text, zone: [10, 120, 40, 8]}
                """, file: "Workflows/x.yaml")
        #expect(printed.errors.contains { $0.message.contains("lies outside the page") })
    }

    @Test("a zone outside the page is still an error")
    func zoneOutsidePage() {
        let result = referenceWorkflow(fields: "    name: {type: text, zone: [180, 120, 40, 8]}")
        #expect(result.workflow == nil)
        #expect(result.errors.contains { $0.message.contains("outside the A4 page") }, "\(result.diagnostics)")
    }

    @Test("two fields reading the same place are an error; touching zones are not")
    func overlappingZones() {
        let overlapping = referenceWorkflow(
            fields: """
                    name: {type: text, zone: [21, 120, 40, 8]}
                    relation: {type: text, zone: [55, 120, 16, 8]}
                """)
        #expect(
            overlapping.errors.contains { $0.message.contains("'relation' reads") && $0.message.contains("'name'") },
            "\(overlapping.diagnostics)")
        let touching = referenceWorkflow(
            fields: """
                    name: {type: text, zone: [21, 120, 40, 8]}
                    relation: {type: text, zone: [61, 120, 16, 8]}
                """)
        #expect(touching.diagnostics.isEmpty, "\(touching.diagnostics)")
    }

    @Test("rows of a repeating group that run into each other are caught")
    func overlappingRows() {
        let result = referenceWorkflow(
            fields: """
                    family:
                      repeat: 3
                      step: [0, 6]
                      fields:
                        name: {type: text, zone: [21, 120, 40, 8]}
                """)
        #expect(result.errors.contains { $0.message.contains("family[1].name") }, "\(result.diagnostics)")
    }

    @Test("overlapping options of one choice are an error")
    func overlappingOptions() {
        let result = referenceWorkflow(
            fields: "    sex: {type: choice, circle: {男: [60, 72, 5, 4], 女: [63, 72, 5, 4]}}")
        #expect(
            result.errors.contains { $0.message.contains("options '男'") && $0.message.contains("overlap") },
            "\(result.diagnostics)")
    }

    @Test("a reference image that is not there is an error naming where it was looked for")
    func missingReference() {
        let result = referenceWorkflow(
            fields: "    name: {type: text, zone: [21, 120, 40, 8]}", reference: "../blanks/no-such-blank.png")
        #expect(result.workflow == nil)
        #expect(
            result.errors.contains { $0.message.contains("no-such-blank.png") && $0.message.contains("looked for") },
            "\(result.diagnostics)")
    }

    @Test("a reference form registers by its blank's lines unless it says otherwise")
    func registersByLinesByDefault() throws {
        let yaml = """
            kamiflow: 1
            workflow: reference-test
            form:
              reference: ../blanks/shugaku-enjo.png
              fields:
                name: {type: text, zone: [21, 120, 40, 8]}
            """
        let result = WorkflowLoader().load(
            yaml: yaml, file: corpusFolder.appendingPathComponent("workflows/x.yaml").path)
        #expect(try #require(result.workflow).form.registration == .lines)
        let none = referenceWorkflow(fields: "    name: {type: text, zone: [21, 120, 40, 8]}", register: "none")
        #expect(try #require(none.workflow).form.registration == Registration.none)
    }
}
