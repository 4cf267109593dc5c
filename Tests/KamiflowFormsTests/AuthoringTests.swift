import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// `kamiflow inspect` and `kamiflow overlay` on Kamiflow's own renders of the 児童手当 form: the boxes inspection
/// finds must be the ones the template prints, and the overlay must draw what extraction read where it read it.
@Suite("Authoring: inspect a blank form, overlay a read one", .serialized)
struct AuthoringTests {
    static let today = CivilDate(year: 2026, month: 11, day: 21)

    static func workflow() throws -> Workflow {
        try Workflow.load(file: ShippedWorkflows.directory.appendingPathComponent("jidou-teate-nintei.yaml").path)
    }

    static func inspect(_ layout: FormLayout, dpi: Double) async throws -> PageInspection {
        let png = try ImageCodec.encode([try FormRenderer().image(layout, dpi: dpi)], as: .png)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let pages: [PageInspection]
        do {
            pages = try await pool.withPages(of: .bytes(png, name: "blank.png"), preparation: Preparation(deskew: true))
            {
                FormInspector().inspect($0)
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        return try #require(pages.first)
    }

    static func near(_ a: TemplateRect, _ b: TemplateRect, within tolerance: Double) -> Bool {
        abs(a.x - b.x) <= tolerance && abs(a.y - b.y) <= tolerance && abs(a.maxX - b.maxX) <= tolerance
            && abs(a.maxY - b.maxY) <= tolerance
    }

    @Test(
        "inspect finds every box the template prints within 1.5 mm, and the printed labels where they are",
        arguments: [300.0, 200.0])
    func inspectBlank(dpi: Double) async throws {
        let workflow = try Self.workflow()
        let layout = FormLayout(workflow: workflow).withoutRegistrationMarks()
        let found = try await Self.inspect(layout, dpi: dpi)
        #expect(found.dpi == dpi)
        #expect(abs(found.widthMM - 210) < 0.5 && abs(found.heightMM - 297) < 0.5)
        #expect(found.registrationMarks.isEmpty)
        let printed = workflow.form.printedBoxes
        #expect(printed.count > 50)
        for box in printed {
            #expect(
                found.boxes.contains { Self.near($0.rect, box, within: 1.5) },
                "\(Int(dpi)) dpi: no box found for \(box)")
        }
        // Boxed characters come back as rows, with their count and pitch.
        for placed in workflow.form.placedFields {
            guard let cells = placed.spec.cells else { continue }
            #expect(
                found.characterRows.contains {
                    $0.count == cells.count && abs($0.pitch - cells.pitch) < 0.2
                        && Self.near($0.first, cells.first, within: 1.5)
                }, "\(Int(dpi)) dpi: \(placed.path) not found as a row of \(cells.count) boxes")
        }
        // Printed labels, read where the template prints them.
        for path in ["claimant.name", "claimant.postal", "claimant.address", "claimant.phone"] {
            let spec = try #require(workflow.form.field(named: path))
            let label = try #require(spec.label)
            let cell = try #require(spec.labelZone)
            #expect(
                found.words.contains { $0.text.contains(label) && cell.contains($0.rect) },
                "\(Int(dpi)) dpi: label \(label) not found in \(cell); words there: \(found.words.filter { cell.overlaps($0.rect) }.map(\.text))"
            )
        }
        // The YAML proposes for the cell right of 氏名 the zone the workflow reads.
        let yaml = InspectionReport(inspections: [found], source: "blank.png", resolutionNote: "test").yaml
        let line = try #require(yaml.split(separator: "\n").first { $0.contains("label: 氏名,") })
        let numbers = try #require(line.split(separator: ", zone: [").dropFirst().first?.split(separator: "]").first)
            .split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        let zone = try #require(workflow.form.field(named: "claimant.name")?.zone)
        #expect(numbers.count == 4)
        if numbers.count == 4 {
            #expect(
                Self.near(
                    TemplateRect(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3]), zone, within: 0.5
                ), "\(line)")
        }
        // The fields-only output (`--format yaml-snippets`), pasted under `form:`, makes a workflow that loads
        // without errors and registers by lines.
        let snippets = InspectionReport(inspections: [found], source: "blank.png", resolutionNote: "test").snippets
        let snippet = snippets.split(separator: "\n").drop { !$0.hasPrefix("register:") }
            .prefix { !$0.hasPrefix("words:") }
        let file =
            "kamiflow: 1\nworkflow: pasted\ntitle: 貼り付け\nform:\n" + snippet.map { "  " + $0 }.joined(separator: "\n")
        let pasted = WorkflowLoader().load(yaml: file, file: "pasted.yaml")
        #expect(pasted.errors.isEmpty, "\(pasted.errors)")
        #expect(pasted.workflow?.form.registration == .lines)
        #expect((pasted.workflow?.form.placedFields.count ?? 0) >= 20)
    }

    @Test("inspect reports the registration marks of a form that prints them")
    func inspectMarks() async throws {
        let workflow = try Self.workflow()
        let found = try await Self.inspect(FormLayout(workflow: workflow), dpi: 300)
        let expected = CornerMarks().rects(on: workflow.form.page)
        #expect(found.registrationMarks.count == 4)
        for mark in expected {
            #expect(found.registrationMarks.contains { Self.near($0, mark, within: 0.5) }, "mark \(mark) not reported")
        }
    }

    /// A filled form read by the real pipeline, and the page its zones were mapped onto.
    static func readFilled() async throws -> (plan: (Bool) -> OverlayPlan, page: [UInt8], record: FormRecord) {
        let workflow = try Self.workflow()
        let layout = FormLayout(workflow: workflow)
        let form = FormFiller(configuration: FillConfiguration(referenceDate: today)).fill(layout, seed: 808, index: 0)
        let printed = try FormRenderer().image(layout, filled: form, dpi: 300, seed: 808)
        let profile = ScanProfile(name: "overlay", dpi: 300, paperLevel: 245, inkLevel: 20, noise: 3)
        let (image, _) = ScanSimulator(profile: profile).scan(
            printed, skewDegrees: 1.5, shiftMM: Point(x: 4, y: -3), scale: 1.02, seed: 808)
        let png = try ImageCodec.encode([image], as: .png)
        let source = ScanSource.bytes(png, name: "filled.png")
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let result: ExtractionResult
        let page: [UInt8]
        do {
            let extractor = Extractor(
                workflows: [workflow], reader: pool,
                configuration: ExtractionConfiguration(preparation: Preparation(deskew: true), today: today))
            result = try await extractor.extract(source, scanID: "filled")
            page = try #require(
                try await pool.withPages(of: source, preparation: Preparation(deskew: true)) {
                    try $0.pngData(of: nil)
                }.first)
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        let record = try #require(result.records.first)
        let outcome = try #require(result.pages.first)
        return ({ OverlayPlan(workflow: workflow, record: record, outcome: outcome, reveal: $0) }, page, record)
    }

    @Test(
        "overlay: drawn at the scan's size, zones in their status colour where they were read, sensitive values masked")
    func overlay() async throws {
        let (plan, page, record) = try await Self.readFilled()
        let masked = plan(false)
        let revealed = plan(true)

        // Masking is decided on the words handed to the drawing: no digit of a マイナンバー in the masked plan.
        let number = try #require(record["claimant.mynumber"])
        #expect(number.sensitive)
        let secret = number.value.textValue
        #expect(secret.count == 12, "the number was read: '\(secret)'")
        let maskedNote = try #require(masked.notes.first { $0.path == "claimant.mynumber" })
        #expect(!maskedNote.text.contains(secret) && maskedNote.text.contains("●●●●"))
        #expect(!masked.notes.contains { $0.text.contains(secret) } && !masked.title.contains(secret))
        #expect(revealed.notes.first { $0.path == "claimant.mynumber" }?.text.contains(secret) == true)

        // The PNG is the page's size.
        let gray = try #require(try ImageCodec.decode(page, name: "page.png").first)
        let png = try OverlayRenderer().png(masked, on: page, name: "page.png")
        let decoded = try #require(try ImageCodec.decode(png, name: "overlay.png").first)
        #expect(decoded.width == gray.width && decoded.height == gray.height)

        // Pixels on a zone's mapped outline carry the colour of its status; the scan inside it is left as it was.
        let image = try OverlayRenderer().image(masked, on: gray)
        #expect(masked.registrationPoints.count >= 3)
        for path in ["claimant.name", "claimant.address", "children[0].name"] {
            let shape = try #require(masked.shapes.first { $0.path == path && $0.kind == .zone })
            let (r, g, b) = OverlayRenderer.color(shape.status)
            // The middle of the zone's bottom edge (the note's band lies above the zone).
            let a = shape.corners[2], c = shape.corners[3]
            let x = Int(((a.x + c.x) / 2).rounded()), y = Int(((a.y + c.y) / 2).rounded())
            let pixel = image.rgb(x: x, y: y)
            func close(_ channel: UInt8, _ value: Double) -> Bool { abs(Double(channel) - value * 255) < 45 }
            #expect(
                close(pixel.red, r) && close(pixel.green, g) && close(pixel.blue, b),
                "\(path) (\(shape.status)) at \(x),\(y): \(pixel)")
            let inside = image.rgb(x: x, y: y - Int(masked.pixelsPerMillimetre * 0.9))
            #expect(
                inside.red == inside.green && inside.green == inside.blue,
                "\(path): the scan inside the zone is \(inside)")
        }
    }
}
