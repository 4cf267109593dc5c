import Foundation
import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowWorkflow

/// The package root, found from this file's path (tests run from varying working directories).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let shippedWorkflows: [String] = {
    let folder = packageRoot.appendingPathComponent("Workflows")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0).path }
}()

@Suite("Shipped workflows")
struct ShippedWorkflowTests {
    @Test("the six forms of the issue and one form Kamiflow did not print (#13) are shipped")
    func allShipped() {
        let ids = shippedWorkflows.compactMap { WorkflowLoader().load(file: $0).workflow?.id }.sorted()
        #expect(
            ids == [
                "anketo", "idou-tennyu", "jidou-teate-nintei", "juminhyo-koufu", "kokuho-shutoku", "kouza-furikae",
                "kyufukin-shinsei",
            ])
        let existing = shippedWorkflows.compactMap { WorkflowLoader().load(file: $0).workflow }
            .filter { $0.form.reference != nil }.map(\.id)
        #expect(existing == ["kouza-furikae"])
    }

    @Test("each loads with no errors and no warnings", arguments: shippedWorkflows)
    func loadsCleanly(path: String) throws {
        let result = WorkflowLoader().load(file: path)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description).joined(separator: "\n"))")
        let workflow = try #require(result.workflow)
        if let reference = workflow.form.reference {
            // A form Kamiflow did not print: its blank is shipped beside the workflow, it registers by the blank's
            // own printed rules, and its printed title identifies it among the other shipped forms.
            #expect(reference.hasPrefix(packageRoot.appendingPathComponent("Workflows").path), "\(reference)")
            #expect(FileManager.default.fileExists(atPath: reference))
            #expect(workflow.form.registration == .lines)
            guard case .keyword = workflow.form.identify else {
                Issue.record("a reference form shipped with others needs a printed keyword to identify it")
                return
            }
        } else {
            #expect(workflow.form.code != nil, "a printed form code identifies the form")
            #expect(workflow.form.registration == .marks(CornerMarks()))
        }
        // Declared fields, a group's fields counted once (rows repeat them).
        let declared = workflow.form.items.reduce(0) { count, item in
            if case .group(let group) = item { return count + group.fields.count }
            return count + 1
        }
        // (The 口座振替依頼書 has 11: the layout's date, three write-in lines, taxes and six bank fields.)
        #expect((11...24).contains(declared), "\(declared) fields")
    }

    /// Independent of the loader's own overlap warning: every printed element (registration marks, title, code,
    /// texts, each field instance's frame and read areas, labels) inside the page, no two overlapping.
    @Test("printed elements lie inside the page and do not overlap", arguments: shippedWorkflows)
    func layout(path: String) throws {
        let workflow = try Workflow.load(file: path)
        let form = workflow.form
        let page = form.page.bounds
        if form.reference != nil {
            // Nothing is printed: every read area inside the page, and no two fields reading the same ink.
            let areas = form.placedFields.flatMap { placed in placed.spec.readAreas.map { (placed.path, $0) } }
            #expect(!areas.isEmpty)
            for (name, area) in areas { #expect(page.contains(area), "\(name) \(area) is outside the page") }
            for i in areas.indices {
                for j in areas.indices where j > i && areas[i].0 != areas[j].0 {
                    #expect(!areas[i].1.overlaps(areas[j].1), "\(areas[i].0) overlaps \(areas[j].0)")
                }
            }
            return
        }
        var elements: [(String, TemplateRect)] = []
        if case .marks(let marks) = form.registration {
            elements += marks.rects(on: form.page).map { ("mark", $0) }
        }
        elements += [form.title, form.code].compactMap { $0 }.map { ($0.text, $0.zone) }
        elements += form.texts.map { ($0.text, $0.zone) }
        for placed in form.placedFields {
            elements += placed.spec.printedAreas(cellMargin: form.cellMargin).map { (placed.path, $0) }
            if let label = placed.spec.labelZone, placed.row ?? 0 == 0 {
                elements.append(("label of \(placed.path)", label))
            }
            for area in placed.spec.readAreas {
                #expect(page.contains(area), "\(placed.path) \(area)")
                #expect(
                    placed.spec.frame.contains(area), "\(placed.path): \(area) outside its frame \(placed.spec.frame)")
            }
        }
        for (name, rect) in elements { #expect(page.contains(rect), "\(name) \(rect) is outside the page") }
        for i in elements.indices {
            for j in elements.indices where j > i && elements[i].0 != elements[j].0 {
                #expect(!elements[i].1.overlaps(elements[j].1), "\(elements[i].0) overlaps \(elements[j].0)")
            }
        }
        // Read areas stay clear of the printed cell border: zones are inside their frames by the cell margin.
        for placed in form.placedFields {
            if let zone = placed.spec.zone {
                #expect(placed.spec.frame.contains(zone.expanded(by: form.cellMargin)))
            }
        }
    }

    @Test("every shipped workflow validates against the JSON Schema (Python jsonschema)", arguments: shippedWorkflows)
    func schema(path: String) throws {
        let schemaURL = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-schema-\(UUID()).json")
        try WorkflowSchema.json.write(to: schemaURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: schemaURL) }
        let (status, output) = try runSchemaCheck(schema: schemaURL.path, document: path)
        #expect(status == 0, "\(output)")
    }

    @Test("the schema rejects a broken workflow, so the check above can fail")
    func schemaRejects() throws {
        let schemaURL = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-schema-\(UUID()).json")
        let docURL = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-bad-\(UUID()).yaml")
        try WorkflowSchema.json.write(to: schemaURL, atomically: true, encoding: .utf8)
        try minimalWorkflow.replacingOccurrences(of: "type: text", with: "type: txet").write(
            to: docURL, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(at: schemaURL)
            try? FileManager.default.removeItem(at: docURL)
        }
        let (status, output) = try runSchemaCheck(schema: schemaURL.path, document: docURL.path)
        #expect(status == 1, "\(output)")
    }

    @Test("the schema is valid draft 2020-12 JSON and lists every field type")
    func schemaContents() throws {
        let object = try JSONSerialization.jsonObject(with: Data(WorkflowSchema.json.utf8)) as? [String: Any]
        #expect(object?["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        for type in FieldType.allCases { #expect(WorkflowSchema.json.contains("\"\(type.rawValue)\"")) }
    }

    /// Runs Python's jsonschema on the YAML document converted to JSON by PyYAML: exit 0 valid, 1 invalid.
    func runSchemaCheck(schema: String, document: String) throws -> (Int32, String) {
        let result = try PythonClient.validate(document: document, schema: schema)
        return (result.status, result.output + result.errorOutput)
    }
}
