import Foundation
import KamiflowCore
import KamiflowOCR
import Testing

@testable import KamiflowForms
@testable import KamiflowWorkflow

/// Second opinions on a real office-scanner scan of a shipped form: a field the first readings get wrong, shown
/// wrong by reading it without the second opinion on the same page, and read right by extraction.
@Suite("Second opinions on fields in doubt")
struct SecondOpinionTests {
    static let today = CivilDate(year: 2026, month: 11, day: 21)

    @Test("a 個人番号 row jpn misreads is read again until its check digit holds, and still goes to a person")
    func checkDigit() async throws {
        // Sample 48 of seed 2718: jpn under the digit whitelist reads the first member's row 655139695573 as
        // 633139695573, its raw-line decode and the cells alone no better (found by searching a few hundred samples).
        let workflow = try #require(
            WorkflowLoader().load(file: ShippedWorkflows.directory.appendingPathComponent("kokuho-shutoku.yaml").path)
                .workflow)
        let batch = SampleBatch(
            layout: FormLayout(workflow: workflow),
            configuration: SampleBatchConfiguration(
                count: 49, seed: 2718, profile: .officeScanner, format: .jpeg, defectRate: 0, referenceDate: Self.today)
        )
        let sample = try batch.file(48)
        let path = "members[0].mynumber"
        let printed = try #require(sample.truth.forms.first?.values[path])
        let spec = try #require(workflow.form.placedFields.first { $0.path == path }?.spec)
        let cells = try #require(spec.cells)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn"), workers: 1)
        let pages = try await pool.withPages(
            of: .bytes(sample.bytes, name: sample.name), preparation: Preparation(deskew: true)
        ) { page in
            let read = PageReader(workflows: [workflow]).read(page)
            let transform = read.outcome.registration?.transform ?? .identity
            let alone = FieldReader(page: page, transform: transform).readCells(cells, spec: spec, rowOpinions: [])
            return (extracted: read.readings[path], alone: alone.text)
        }
        await pool.shutdown()
        let page = try #require(pages.first)
        #expect(page.alone != printed && FieldReader.checkDigitHolds(page.alone, .mynumber) == false, "\(page.alone)")
        let extracted = try #require(page.extracted)
        #expect(extracted.text == printed)
        #expect((extracted.confidence ?? 100) <= 30)
    }

    @Test("a reading fits its field: one of its values, a real date of an allowed era; free text asks for no shape")
    func fits() {
        var relation = FieldSpec(name: "relation", type: .text)
        relation.validation.values = ["世帯主", "妻", "子"]
        #expect(FieldReader.fits("妻", relation) == true)
        #expect(FieldReader.fits("雪", relation) == false)
        var birth = FieldSpec(name: "birth", type: .warekiDate)
        birth.eras = [.heisei, .reiwa]
        #expect(FieldReader.fits("平成14年4月24日", birth) == true)
        #expect(FieldReader.fits("平成14年4月24晶", birth) == false)
        #expect(FieldReader.fits("平成元年月1日", birth) == false)
        #expect(FieldReader.fits("昭和60年3月3日", birth) == false)
        #expect(FieldReader.fits("山田 太郎", FieldSpec(name: "name", type: .text)) == nil)
    }
}
