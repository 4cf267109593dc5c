import Foundation
import KamiflowCore
import Testing

@testable import KamiflowForms

@Suite("Sample batches on disk")
struct SampleBatchTests {
    func configuration(_ format: SampleFormat, pages: Int = 1) -> SampleBatchConfiguration {
        var profile = ScanProfile.officeScanner
        profile.dpi = 100
        profile.jpegQuality = nil
        return SampleBatchConfiguration(
            count: 3, seed: 31, profile: profile, format: format, defectRate: 0.5, pagesPerFile: pages)
    }

    func directory() -> URL {
        TestLayouts.scratchDirectory.appendingPathComponent("batch-\(UUID().uuidString)")
    }

    @Test("a batch writes each image with its truth, and the same seed writes the same bytes", arguments: [
        SampleFormat.png, .pdf,
    ])
    func writesTwiceTheSame(format: SampleFormat) async throws {
        let pages = format == .pdf ? 2 : 1
        let batch = SampleBatch(layout: TestLayouts.jidou, configuration: configuration(format, pages: pages))
        let first = directory(), second = directory()
        let names = try await batch.write(to: first)
        #expect(try await batch.write(to: second) == names)
        #expect(names.count == batch.fileCount && names.count == (format == .pdf ? 2 : 3))
        var forms = 0
        for name in names {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b && !a.isEmpty)
            let truthName = GroundTruth.fileName(forImage: name)
            let truth = try GroundTruth.load(from: first.appendingPathComponent(truthName))
            #expect(try Data(contentsOf: second.appendingPathComponent(truthName)) == truth.jsonData())
            #expect(truth.image == name && truth.workflow == "jidou-teate-test" && truth.seed == 31)
            #expect(truth.today == CivilDate(year: 2026, month: 10, day: 1))
            for (page, form) in truth.forms.enumerated() {
                forms += 1
                #expect(form.page == page)
                // The truth is the filled form of the same seed and sample number.
                let filled = FormFiller(configuration: FillConfiguration(defectRate: 0.5))
                    .fill(TestLayouts.jidou, seed: 31, index: form.sample)
                #expect(form.defects == filled.defects)
                for field in filled.fields { #expect(form.values[field.path] == field.truth) }
            }
        }
        #expect(forms == 3)
    }

    @Test("PNG and JPEG files refuse several pages")
    func onePagePerPNG() throws {
        let batch = SampleBatch(layout: TestLayouts.jidou, configuration: configuration(.png, pages: 2))
        #expect(throws: KamiflowError.self) { try batch.file(0) }
    }
}
