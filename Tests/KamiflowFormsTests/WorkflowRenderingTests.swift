import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// The shipped workflow files, found from this source file's place in the package.
enum ShippedWorkflows {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Workflows")

    /// The workflows of the forms Kamiflow prints. A form it did not print (`form.reference`, the
    /// 口座振替依頼書) is not rendered, so it is left out here; `ShippedWorkflowTests` and
    /// `ScannedFormDeliveryTests` read it from its corpus scans instead.
    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().filter { name in
            WorkflowLoader().load(file: directory.appendingPathComponent(name).path).workflow?.form.reference == nil
        }
    }

    static func layout(_ name: String) throws -> FormLayout {
        let result = WorkflowLoader().load(file: directory.appendingPathComponent(name).path)
        let workflow = try #require(result.workflow, "\(name): \(result.errors)")
        return FormLayout(workflow: workflow)
    }
}

@Suite("Every shipped workflow prints")
struct WorkflowRenderingTests {
    @Test("there are shipped workflows to print")
    func thereAreWorkflows() {
        #expect(ShippedWorkflows.files.count == 6)
    }

    @Test(
        "blank and filled forms render; every written value leaves ink in its zone", arguments: ShippedWorkflows.files)
    func renders(file: String) throws {
        let layout = try ShippedWorkflows.layout(file)
        #expect(!layout.fields.isEmpty)
        let renderer = FormRenderer()
        let pdf = try renderer.pdf(layout)
        #expect(String(decoding: pdf.prefix(5), as: UTF8.self) == "%PDF-")
        let dpi = 100.0
        let toPixels = KamiflowCore.AffineTransform.scale(dpi / 25.4, dpi / 25.4)
        let blank = try renderer.image(layout, dpi: dpi)
        for field in layout.fields {
            let area = field.area
            #expect(
                area.x >= 0 && area.y >= 0 && area.maxX <= layout.pageWidth && area.maxY <= layout.pageHeight,
                "\(field.path) lies outside the page")
        }
        for index in 0..<4 {
            let form = FormFiller().fill(layout, seed: 77, index: index)
            let image = try renderer.image(layout, filled: form, dpi: dpi, seed: 77)
            for field in layout.fields {
                guard let filled = form.field(field.path), case .text(let text) = filled.ink, !text.isEmpty,
                    case .zone(let zone) = field.marking
                else { continue }
                let rect = toPixels.boundingRect(x: zone.x, y: zone.y, width: zone.width, height: zone.height)
                #expect(darkShare(image, rect) > darkShare(blank, rect) + 0.005, "\(file) \(field.path) has no ink")
            }
        }
        try Data(renderer.png(layout, filled: FormFiller().fill(layout, seed: 77, index: 0), dpi: 100, seed: 77))
            .write(to: TestLayouts.scratchDirectory.appendingPathComponent("\(layout.workflow)-filled.png"))
    }
}
