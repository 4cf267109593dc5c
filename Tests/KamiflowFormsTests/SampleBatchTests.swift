import Foundation
import KamiflowCore
import KamiflowOCR
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

    @Test(
        "a batch writes each image with its truth, and the same seed writes the same bytes",
        arguments: [
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

    @Test("faxes go into multi-page 1-bit TIFFs whose pages decode to the scanned pages")
    func faxTIFF() throws {
        var profile = ScanProfile.fax
        profile.dpi = 100
        let batch = SampleBatch(
            layout: TestLayouts.jidou,
            configuration: SampleBatchConfiguration(count: 3, seed: 5, profile: profile, format: .tiff, pagesPerFile: 3)
        )
        let file = try batch.file(0)
        #expect(file.truth.forms.count == 3)
        let pages = try ImageCodec.decode(file.bytes, name: file.name)
        #expect(pages.count == 3)
        for (i, page) in pages.enumerated() {
            let (expected, _) = try batch.page(i, pageInFile: i)
            #expect(page.width == expected.width && page.height == expected.height)
            #expect(page.pixels == expected.pixels)
        }
    }

    @Test("an office scan keeps its JPEG artefacts in a PNG")
    func jpegArtefacts() throws {
        var profile = ScanProfile.officeScanner
        profile.dpi = 100
        let batch = SampleBatch(
            layout: TestLayouts.jidou, configuration: SampleBatchConfiguration(count: 1, seed: 5, profile: profile))
        let file = try batch.file(0)
        let decoded = try #require(try ImageCodec.decode(file.bytes, name: file.name).first)
        var lossless = profile
        lossless.jpegQuality = nil
        let clean = try SampleBatch(
            layout: TestLayouts.jidou, configuration: SampleBatchConfiguration(count: 1, seed: 5, profile: lossless)
        ).page(0, pageInFile: 0).0
        #expect(decoded.width == clean.width && decoded.pixels != clean.pixels)
        let diff = zip(decoded.pixels, clean.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        #expect(Double(diff) / Double(clean.pixels.count) < 12)
    }

    @Test("PNG and JPEG files refuse several pages")
    func onePagePerPNG() throws {
        let batch = SampleBatch(layout: TestLayouts.jidou, configuration: configuration(.png, pages: 2))
        #expect(throws: KamiflowError.self) { try batch.file(0) }
    }
}
