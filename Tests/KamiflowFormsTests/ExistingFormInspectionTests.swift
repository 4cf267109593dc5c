import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowTesting
import Testing

@testable import KamiflowWorkflow

/// `kamiflow inspect` on the blanks of forms Kamiflow did not print (Corpus/existing-forms): what it proposes must be
/// what the hand-written workflows beside them read — write-in lines, repeated rows, option groups (circled and
/// ticked), 年 月 日 slots, マス目 — at 300 dpi and on the blank rasterised at 150 dpi, and its YAML must load as a reference form.
@Suite("Inspect: what existing forms have", .serialized)
struct ExistingFormInspectionTests {
    static let corpus = Fixtures.repositoryRoot + "/Corpus/existing-forms"
    static let layouts = ["shugaku-enjo", "inkan-touroku", "kouza-furikae"]

    /// The blank at 300 dpi, or averaged down to 150 dpi as a scanner set to 150 dpi would give it.
    static func blank(_ layout: String, dpi: Double) throws -> GrayImage {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/blanks/\(layout).png")))
        let image = try #require(try ImageCodec.decode(bytes, name: "\(layout).png").first)
        guard dpi < 300 else { return image }
        let width = image.width / 2
        let height = image.height / 2
        var pixels = [UInt8](repeating: 255, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let a = Int(image.pixels[2 * y * image.width + 2 * x])
                let b = Int(image.pixels[2 * y * image.width + 2 * x + 1])
                let c = Int(image.pixels[(2 * y + 1) * image.width + 2 * x])
                let d = Int(image.pixels[(2 * y + 1) * image.width + 2 * x + 1])
                pixels[y * width + x] = UInt8((a + b + c + d + 2) / 4)
            }
        }
        return GrayImage(width: width, height: height, resolution: image.resolution / 2, pixels: pixels)
    }

    /// What `kamiflow inspect` does with the blank: enlarged when below 250 dpi, then inspected.
    static func inspect(_ layout: String, dpi: Double) async throws -> PageInspection {
        let image = try blank(layout, dpi: dpi)
        let png = try ImageCodec.encode([FormInspector.enlarged(image) ?? image], as: .png)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        let pages: [PageInspection]
        do {
            pages = try await pool.withPages(
                of: .bytes(png, name: "\(layout).png"), preparation: Preparation(deskew: true)
            ) { FormInspector().inspect($0) }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        return try #require(pages.first)
    }

    static func workflow(_ layout: String) throws -> Workflow {
        try Workflow.load(file: "\(corpus)/workflows/\(layout).yaml")
    }

    static func near(_ a: TemplateRect, _ b: TemplateRect, within tolerance: Double) -> Bool {
        abs(a.x - b.x) <= tolerance && abs(a.y - b.y) <= tolerance && abs(a.maxX - b.maxX) <= tolerance
            && abs(a.maxY - b.maxY) <= tolerance
    }

    static func centred(_ a: TemplateRect, _ b: TemplateRect, within tolerance: Double) -> Bool {
        abs(a.center.x - b.center.x) <= tolerance && abs(a.center.y - b.center.y) <= tolerance
    }

    /// Every option group proposed anywhere: alone, in a cell, in a table's row, as a date's era.
    static func allGroups(_ proposals: FormProposals) -> [FormProposals.OptionGroup] {
        var groups = proposals.optionGroups + proposals.dates.compactMap(\.era)
        for field in proposals.cells + proposals.tables.flatMap(\.fields) {
            switch field.content {
            case .options(let group): groups.append(group)
            case .date(let date): if let era = date.era { groups.append(era) }
            case .text: break
            }
        }
        return groups
    }

    static func allDates(_ proposals: FormProposals) -> [FormProposals.DateSlots] {
        proposals.dates
            + (proposals.cells + proposals.tables.flatMap(\.fields)).compactMap {
                if case .date(let date) = $0.content { return date }
                return nil
            }
    }

    /// The hand-written workflow's fields written on a rule, with the label printed left of the rule.
    static let writeIns: [String: [(field: String, label: String)]] = [
        "shugaku-enjo": [("address", "住所"), ("guardian", "保護者氏名"), ("phone", "電話番号")],
        "inkan-touroku": [("proxy_address", "住所"), ("proxy_name", "氏名")],
        "kouza-furikae": [("address", "住所"), ("name", "氏名"), ("phone", "電話")],
    ]

    @Test(
        "inspect finds the write-in lines, option groups, date slots and マス目 the hand-written workflow reads",
        arguments: layouts, [300.0, 150.0])
    func proposals(layout: String, dpi: Double) async throws {
        let workflow = try Self.workflow(layout)
        let page = try await Self.inspect(layout, dpi: dpi)
        let proposals = FormProposals(page)
        let at = "\(layout) at \(Int(dpi)) dpi"

        // Write-in lines: the zone above the rule, the label left of it read right.
        for (path, label) in Self.writeIns[layout] ?? [] {
            let zone = try #require(workflow.form.placedFields.first { $0.path == path }?.spec.zone)
            // The hand-written zone may stop short of the rule's end.
            let found = proposals.writeIns.first {
                abs($0.zone.x - zone.x) <= 2 && abs($0.zone.y - zone.y) <= 2 && abs($0.zone.maxY - zone.maxY) <= 2
                    && $0.zone.maxX >= zone.maxX - 2
            }
            #expect(
                found != nil, "\(at): no write-in line for \(path) \(zone); found \(proposals.writeIns.map(\.zone))")
            #expect(found?.label?.text == label, "\(at): \(path) labelled \(found?.label?.text ?? "nothing")")
        }

        // Circled options, each option's text where the hand-written workflow circles it.
        let groups = Self.allGroups(proposals)
        let dates = Self.allDates(proposals)
        for placed in workflow.form.placedFields where (placed.row ?? 0) == 0 {
            let spec = placed.spec
            if spec.type == .choice, let marks = spec.marks, marks.style == .circles {
                let match = groups.first { group in
                    group.options.count == marks.options.count
                        && marks.options.allSatisfy { option in
                            group.options.contains { Self.centred($0.rect, option.rect, within: 2) }
                        }
                }
                #expect(
                    match != nil,
                    "\(at): no option group for \(placed.path) \(marks.options.map(\.name)); groups: \(groups.map { $0.options.map { "\($0.name) \($0.rect)" } })"
                )
            }
            if spec.type == .choice, let marks = spec.marks, marks.style == .boxes {
                #expect(
                    proposals.tickedGroups.contains { group in
                        group.options.count == marks.options.count
                            && marks.options.allSatisfy { option in
                                group.options.contains { Self.near($0.rect, option.rect, within: 1) }
                            }
                    }, "\(at): no ticked options for \(placed.path); found \(proposals.tickedGroups.map(\.options))")
            }
            if let parts = spec.parts {
                let match = dates.first { date in
                    Self.centred(date.year, parts.year, within: 3) && Self.centred(date.month, parts.month, within: 3)
                        && Self.centred(date.day, parts.day, within: 3)
                }
                #expect(match != nil, "\(at): no 年月日 slots for \(placed.path); found \(dates.map(\.year))")
                if let match, let eras = spec.marks {
                    #expect(
                        match.era.map { Set($0.options.map(\.name)) } == Set(eras.options.map(\.name)),
                        "\(at): \(placed.path)")
                    for era in eras.options {
                        #expect(
                            match.era?.options.first { $0.name == era.name }.map {
                                Self.centred($0.rect, era.rect, within: 2)
                            } == true, "\(at): era \(era.name) of \(placed.path)")
                    }
                } else if let match {
                    #expect(
                        match.eras == spec.eras.map(\.rawValue),
                        "\(at): eras of \(placed.path): \(match.eras); printed on the line: \(page.texts.filter { abs($0.rect.center.y - match.year.center.y) < 2 }.map(\.text))"
                    )
                }
            }
            if let cells = spec.cells {
                #expect(
                    proposals.characterBoxes.contains {
                        $0.row.count == cells.count && abs($0.row.pitch - cells.pitch) < 0.3
                            && Self.near($0.row.first, cells.first, within: 1)
                    }, "\(at): \(placed.path) not found as \(cells.count) boxes")
            }
        }

        // Repeated rows: the family table of 就学援助 as a group of 5 rows 10 mm apart, its first row's cells.
        if layout == "shugaku-enjo" {
            let table = try #require(proposals.tables.first, "\(at): no repeated rows")
            #expect(table.repeatCount == 5 && abs(table.step - 10) < 0.3, "\(at): \(table.repeatCount) × \(table.step)")
            let name = try #require(workflow.form.placedFields.first { $0.path == "family[0].name" }?.spec.zone)
            #expect(
                table.fields.contains {
                    if case .text(let zone) = $0.content { return Self.near(zone, name, within: 1.5) }
                    return false
                }, "\(at): the name column")
            #expect(table.fields.first?.label?.text == "世帯員の氏名", "\(at): \(table.fields.map { $0.label?.text })")
            #expect(
                table.fields.contains {
                    if case .date = $0.content { return true }
                    return false
                }, "\(at): the date column")
        } else {
            #expect(proposals.tables.isEmpty, "\(at): \(proposals.tables)")
        }
    }

    @Test("inspect's YAML is a whole workflow that loads as printed, and its identify tells its blank from the others")
    func proposedWorkflowLoadsAndIdentifies() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var workflows: [String: Workflow] = [:]
        for layout in Self.layouts {
            let blank = "\(Self.corpus)/blanks/\(layout).png"
            let page = try await Self.inspect(layout, dpi: 300)
            let yaml = InspectionReport(inspections: [page], source: blank, resolutionNote: "test").yaml
            // Written to a file as printed, nothing added, and loaded by the loader `kamiflow validate` runs.
            let file = folder.appendingPathComponent("\(layout).yaml").path
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            let result = WorkflowLoader().load(file: file)
            #expect(result.diagnostics.isEmpty, "\(layout): \(result.diagnostics)\n\(yaml)")
            // The cells under 就学援助's ※学校記入欄（申請者は記入しないでください） and 印鑑登録's 市使用欄 are marked for
            // deleting, and nothing else is.
            let office = yaml.split(separator: "\n").filter { $0.contains("for the office") && !$0.hasPrefix("#") }
            let expected =
                ["shugaku-enjo": ["受付日", "学校長確認", "備考"], "inkan-touroku": ["受付", "審査", "入力", "照合", "登録番号"]][
                    layout] ?? []
            #expect(
                office.count == expected.count
                    && expected.allSatisfy { label in office.contains { $0.contains(label) } },
                "\(layout): \(office)")
            let workflow = try #require(result.workflow, "\(layout)")
            #expect(workflow.id == layout)
            #expect(workflow.form.reference == blank)
            #expect(workflow.form.registration == .lines)
            guard case .keyword(let zone, let keyword) = workflow.form.identify else {
                Issue.record("\(layout): no identify keyword proposed: \(workflow.form.identify)")
                continue
            }
            // The title area: in the top of the page, read from the blank itself.
            #expect(zone.maxY < 40, "\(layout): identify zone \(zone)")
            #expect(keyword.count >= 4, "\(layout): identify keyword '\(keyword)'")
            // Everything the hand-written workflow reads is proposed: as many fields or more.
            let handWritten = try Self.workflow(layout).form.placedFields.count
            #expect(workflow.form.placedFields.count >= handWritten, "\(layout): \(workflow.form.placedFields.count)")
            workflows[layout] = workflow
        }
        #expect(workflows.count == Self.layouts.count)

        // Each blank, read as extraction identifies a page among several workflows: only its own workflow's
        // keyword is found on it.
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 1)
        do {
            for layout in Self.layouts {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Self.corpus)/blanks/\(layout).png")))
                let candidates = Self.layouts.compactMap { workflows[$0] }
                let found = try await pool.withPages(
                    of: .bytes(bytes, name: "\(layout).png"), preparation: Preparation(deskew: true)
                ) { page in
                    let transform = AffineTransform.millimetres(toPixelsAt: page.report.resolution)
                    let reader = PageReader(workflows: candidates)
                    return candidates.filter {
                        reader.identifies($0, page: page, transform: transform, alone: false)
                    }.map(\.id)
                }.first
                #expect(found == [layout], "the blank of \(layout) is identified as \(found ?? [])")
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }
}
