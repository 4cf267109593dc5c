import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// The same filled 児童手当 form, printed with and without registration marks, scanned at the extremes of what
/// registration must handle (±5° skew, ±10 mm shift, ±5 % scale, 200–400 dpi), must extract to the record of its
/// unmoved scan: marks exactly, written fields to the same values (or, where the engine reads a glyph differently at
/// another resolution, flagged for a person, never silently different).
@Suite("Alignment of moved scans, with and without registration marks", .serialized)
struct MarklessAlignmentTests {
    static let today = CivilDate(year: 2026, month: 11, day: 21)

    struct Placement: CustomTestStringConvertible, Sendable {
        var dpi: Double
        var skew: Double
        var shift: Point
        var scale: Double
        var testDescription: String {
            "\(Int(dpi)) dpi, \(skew)°, shift (\(shift.x), \(shift.y)) mm, scale \(scale)"
        }
    }

    /// Extremes of the range, signs chosen so that the form's content stays on the sheet.
    static let markless: [Placement] = [
        Placement(dpi: 300, skew: 5, shift: Point(x: 10, y: -10), scale: 1.05),
        Placement(dpi: 300, skew: -5, shift: Point(x: -10, y: 10), scale: 0.95),
        Placement(dpi: 200, skew: 3, shift: Point(x: -6, y: -8), scale: 1.03),
        Placement(dpi: 400, skew: -2.5, shift: Point(x: 8, y: 5), scale: 0.96),
    ]
    static let marked: [Placement] = [
        Placement(dpi: 200, skew: -5, shift: Point(x: 6, y: -6), scale: 0.95),
        Placement(dpi: 400, skew: 4, shift: Point(x: 10, y: 2), scale: 0.97),
    ]

    /// The filled form of seed 5150, printed (with or without marks) and scanned at `placement` (nil: unmoved).
    static func scan(
        marks: Bool, placement: Placement?
    ) throws -> (bytes: [UInt8], geometry: ScanGeometry, size: PixelSize) {
        let workflow = try #require(
            WorkflowLoader().load(
                file: ShippedWorkflows.directory.appendingPathComponent("jidou-teate-nintei.yaml").path
            )
            .workflow)
        var layout = FormLayout(workflow: workflow)
        if !marks { layout = layout.withoutRegistrationMarks() }
        #expect(layout.registrationMarks.isEmpty == !marks)
        let form = FormFiller(configuration: FillConfiguration(referenceDate: today)).fill(layout, seed: 5150, index: 0)
        let dpi = placement?.dpi ?? 300
        let printed = try FormRenderer().image(layout, filled: form, dpi: dpi, seed: 5150)
        let profile = ScanProfile(name: "alignment", dpi: dpi, paperLevel: 245, inkLevel: 20, noise: 3)
        let (image, geometry) = ScanSimulator(profile: profile).scan(
            printed, skewDegrees: placement?.skew ?? 0, shiftMM: placement?.shift ?? Point(x: 0, y: 0),
            scale: placement?.scale ?? 1, seed: 5150)
        return (try ImageCodec.encode([image], as: .png), geometry, PixelSize(width: image.width, height: image.height))
    }

    static func extract(
        _ bytes: [UInt8], name: String, pool: EnginePool
    ) async throws
        -> (record: FormRecord, registration: RegistrationResult)
    {
        let workflow = try Workflow.load(
            file: ShippedWorkflows.directory.appendingPathComponent("jidou-teate-nintei.yaml").path)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(preparation: Preparation(deskew: true), today: today))
        let result = try await extractor.extract(.bytes(bytes, name: name), scanID: name)
        let record = try #require(result.records.first, "\(name): \(result.pages.first?.problem ?? "no record")")
        let registration = try #require(result.pages.first?.registration)
        return (record, registration)
    }

    /// The largest distance, in millimetres of the template, between where `fitted` and where the truth put a
    /// corner of any field's read area.
    static func misplacement(
        _ fitted: KamiflowCore.AffineTransform, truth: ScanGeometry, size: PixelSize,
        file: String = "jidou-teate-nintei.yaml"
    ) throws -> Double {
        let workflow = try Workflow.load(file: ShippedWorkflows.directory.appendingPathComponent(file).path)
        let radians = -truth.skewDegrees * Double.pi / 180
        let cx = Double(size.width) / 2, cy = Double(size.height) / 2
        func deskewed(_ q: Point) -> Point {
            let dx = q.x - cx, dy = q.y - cy
            return Point(x: cx + dx * cos(radians) - dy * sin(radians), y: cy + dx * sin(radians) + dy * cos(radians))
        }
        let pxPerMM = (truth.transform.a * truth.transform.a + truth.transform.c * truth.transform.c).squareRoot()
        var worst = 0.0
        for placed in workflow.form.placedFields {
            for area in placed.spec.readAreas {
                for corner in [Point(x: area.x, y: area.y), Point(x: area.maxX, y: area.maxY)] {
                    let expected = deskewed(truth.transform.apply(corner))
                    let found = fitted.apply(corner)
                    worst = max(
                        worst,
                        ((expected.x - found.x) * (expected.x - found.x) + (expected.y - found.y)
                            * (expected.y - found.y))
                            .squareRoot() / pxPerMM)
                }
            }
        }
        return worst
    }

    static func flagged(_ path: String, in record: FormRecord) -> Bool {
        ((record[path]?.issues ?? []) + record.issues.filter { $0.fields.contains(path) }).contains {
            $0.severity >= .warning
        }
    }

    /// Compares `moved` with `reference` field by field; returns how many written fields agreed, of how many.
    static func compare(
        _ moved: FormRecord, with reference: FormRecord, _ context: String
    )
        -> (same: Int, total: Int, differing: [String])
    {
        var same = 0, total = 0
        var differing: [String] = []
        for expected in reference.fields {
            let read = moved[expected.path]
            if expected.type == "choice" || expected.type == "checkbox" {
                #expect(
                    read?.value == expected.value,
                    "\(context): \(expected.path) marked \(read?.value.textValue ?? "nothing"), unmoved \(expected.value.textValue)"
                )
                continue
            }
            total += 1
            if read?.value == expected.value {
                same += 1
                continue
            }
            differing.append(
                "\(expected.path) '\(read?.value.textValue ?? "")' (unmoved '\(expected.value.textValue)')")
            if !flagged(expected.path, in: moved) && !flagged(expected.path, in: reference) {
                Issue.record(
                    "\(context): \(expected.path) silently read '\(read?.value.textValue ?? "")' for '\(expected.value.textValue)'"
                )
            }
        }
        return (same, total, differing)
    }

    static func run(marks: Bool, placements: [Placement], method: String) async throws {
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        do {
            try await compareMoved(marks: marks, placements: placements, method: method, pool: pool)
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }

    static func compareMoved(marks: Bool, placements: [Placement], method: String, pool: EnginePool) async throws {
        let unmoved = try scan(marks: marks, placement: nil)
        let reference = try await extract(unmoved.bytes, name: "unmoved", pool: pool)
        #expect(reference.registration.method == method)
        for placement in placements {
            let context = "\(marks ? "marks" : "no marks"), \(placement.testDescription)"
            let moved = try scan(marks: marks, placement: placement)
            let (record, registration) = try await extract(moved.bytes, name: context, pool: pool)
            #expect(registration.method == method, "\(context): registered by \(registration.method)")
            // Where registration puts every read area against where the simulator put it: the deskewed page is the
            // scan turned back by the skew about its centre, so the truth is that turn after the simulator's transform.
            let worst = try misplacement(registration.transform, truth: moved.geometry, size: moved.size)
            #expect(
                worst < 0.5,
                "\(context): a zone corner lands \(String(format: "%.2f", worst)) mm from where it was printed")
            let (same, total, differing) = compare(record, with: reference.record, context)
            #expect(Double(same) >= 0.75 * Double(total), "\(context): \(same) of \(total) written fields as unmoved")
            print(
                "alignment \(context): registered by \(registration.method) (\(registration.found)/\(registration.expected), residual \(String(format: "%.1f", registration.residual)) px), zones within \(String(format: "%.2f", worst)) mm, \(same)/\(total) written fields as unmoved; flagged and different: \(differing.joined(separator: ", "))"
            )
        }
    }

    @Test("without registration marks, the printed cells register moved scans: the record is the unmoved one")
    func withoutMarks() async throws {
        try await Self.run(marks: false, placements: Self.markless, method: "lines")
    }

    @Test("with registration marks, the marks register moved scans: the record is the unmoved one")
    func withMarks() async throws {
        try await Self.run(marks: true, placements: Self.marked, method: "marks")
    }

    /// Every shipped form, printed without marks and scanned at one extreme placement (each at another dpi): its
    /// printed boxes register it with every zone within 0.5 mm of where it was printed. Registration only, no OCR.
    @Test("every shipped form printed without marks registers by its printed boxes", arguments: ShippedWorkflows.files)
    func everyFormByLines(file: String) async throws {
        let workflow = try Workflow.load(file: ShippedWorkflows.directory.appendingPathComponent(file).path)
        let index = ShippedWorkflows.files.firstIndex(of: file) ?? 0
        let placement = Placement(
            dpi: [200.0, 300, 400][index % 3], skew: index % 2 == 0 ? 4.5 : -4.5,
            shift: Point(x: index % 2 == 0 ? -9 : 9, y: index % 3 == 0 ? 8 : -8), scale: index % 2 == 0 ? 1.04 : 0.96)
        let layout = FormLayout(workflow: workflow).withoutRegistrationMarks()
        let form = FormFiller(configuration: FillConfiguration(referenceDate: Self.today)).fill(
            layout, seed: 99, index: 0)
        let printed = try FormRenderer().image(layout, filled: form, dpi: placement.dpi, seed: 99)
        let profile = ScanProfile(name: "alignment", dpi: placement.dpi, paperLevel: 245, inkLevel: 20, noise: 3)
        let (image, geometry) = ScanSimulator(profile: profile).scan(
            printed, skewDegrees: placement.skew, shiftMM: placement.shift, scale: placement.scale, seed: 99)
        let png = try ImageCodec.encode([image], as: .png)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "eng"), workers: 1)
        let results: [Result<RegistrationResult, KamiflowError>]
        do {
            let registrar = Registrar(form: workflow.form)
            results = try await pool.withPages(of: .bytes(png, name: file), preparation: Preparation(deskew: true)) {
                registrar.register($0)
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        let registration = try #require(try results.first?.get())
        #expect(registration.method == "lines", "\(file), \(placement.testDescription): by \(registration.method)")
        let worst = try Self.misplacement(
            registration.transform, truth: geometry, size: PixelSize(width: image.width, height: image.height),
            file: file)
        #expect(
            worst < 0.5,
            "\(file), \(placement.testDescription): a zone corner lands \(String(format: "%.2f", worst)) mm off")
        print(
            "registration \(file), \(placement.testDescription): \(registration.found)/\(registration.expected) boxes, zones within \(String(format: "%.2f", worst)) mm"
        )
    }

    /// Registers `image` with `form` on a deskewed page.
    static func register(_ png: [UInt8], form: FormTemplate) async throws -> RegistrationResult {
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let results: [Result<RegistrationResult, KamiflowError>]
        do {
            let registrar = Registrar(form: form)
            results = try await pool.withPages(
                of: .bytes(png, name: "scan.png"), preparation: Preparation(deskew: true)
            ) {
                registrar.register($0)
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        return try #require(try results.first?.get())
    }

    /// The other two ways a form without marks registers: a printed frame round the form, and anchor words taken
    /// from what `inspect` reports on the blank form (as an author would pick them).
    @Test(
        "a form without marks registers by its printed border, or by anchor words inspect found",
        arguments: ["border", "anchors"])
    func borderAndAnchors(method: String) async throws {
        var workflow = try Workflow.load(
            file: ShippedWorkflows.directory.appendingPathComponent("jidou-teate-nintei.yaml").path)
        // A frame round the form must stay on the paper: ±10 mm and +5 % push a frame 10 mm from the edges off it.
        let placement = Placement(dpi: 300, skew: -4.5, shift: Point(x: 8, y: -7), scale: 0.96)
        if method == "border" {
            // A frame 10 mm in from the paper's edges (the form code, printed at 8 mm, goes: it would cross it).
            workflow.form.registration = .border(TemplateRect(x: 10, y: 10, width: 190, height: 277))
            workflow.form.code = nil
        } else {
            // Inspect the blank (no marks) and keep four label words near the corners of the form's content.
            let blank = try ImageCodec.encode(
                [try FormRenderer().image(FormLayout(workflow: workflow).withoutRegistrationMarks(), dpi: 300)],
                as: .png)
            let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
            let inspected = try await pool.withPages(
                of: .bytes(blank, name: "blank.png"), preparation: Preparation(deskew: true)
            ) {
                FormInspector().inspect($0)
            }
            await pool.shutdown()
            // As the YAML advises: headings and labels in large print, read with confidence (small 明朝 labels and
            // captions of options read as noise in a window of a filled, moved scan). Several are repeated nearby
            // (配偶者 in 配偶者氏名, 児童 in 児童氏名): registration must pick the right occurrence.
            let page = try #require(inspected.first)
            let anchors = page.words.filter {
                $0.confidence >= 85 && (2...10).contains($0.text.count) && $0.rect.height >= 3.5
            }
            #expect(anchors.count >= 4, "\(anchors.map(\.text))")
            workflow.form.registration = .anchors(anchors.map { Registration.Anchor(text: $0.text, zone: $0.rect) })
            print("anchors from inspect: \(anchors.map { "\($0.text) \($0.rect)" })")
        }
        let layout = FormLayout(workflow: workflow)
        #expect(layout.registrationMarks.isEmpty)
        let form = FormFiller(configuration: FillConfiguration(referenceDate: Self.today)).fill(
            layout, seed: 7, index: 0)
        let printed = try FormRenderer().image(layout, filled: form, dpi: placement.dpi, seed: 7)
        let profile = ScanProfile(name: "alignment", dpi: placement.dpi, paperLevel: 245, inkLevel: 20, noise: 3)
        let (image, geometry) = ScanSimulator(profile: profile).scan(
            printed, skewDegrees: placement.skew, shiftMM: placement.shift, scale: placement.scale, seed: 7)
        let registration = try await Self.register(try ImageCodec.encode([image], as: .png), form: workflow.form)
        #expect(registration.method == method)
        let worst = try Self.misplacement(
            registration.transform, truth: geometry, size: PixelSize(width: image.width, height: image.height))
        #expect(
            worst < 0.75,
            "\(method), \(placement.testDescription): a zone corner lands \(String(format: "%.2f", worst)) mm off")
        print(
            "registration by \(method), \(placement.testDescription): \(registration.found)/\(registration.expected), zones within \(String(format: "%.2f", worst)) mm"
        )
    }
}
