import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// What was drawn is what the real engine reads: typed zones of a clean render, OCR'd by Tesseract through the
/// engine pool, give the ground truth's values.
@Suite("Ground truth agrees with Tesseract")
struct OCRTruthTests {
    /// Tesseract's jpn model misreads some rare kanji (颯, 葵) even on clean renders, so the test allows one
    /// character per zone and asks for most zones to be exact; text drawn anywhere but where the truth says would
    /// read as nothing like it.
    @Test("typed names, kana, phone numbers and dates read back as their truth")
    func typedZonesReadBack() async throws {
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn"), workers: 1)
        let layout = TestLayouts.jidou
        let dpi = 300.0
        let mm = KamiflowCore.AffineTransform.scale(dpi / 25.4, dpi / 25.4)
        let paths = ["claimant.name", "claimant.kana", "claimant.phone", "submitted_on"]
        var compared = 0, exact = 0
        for index in 0..<3 {
            let form = FormFiller().fill(layout, seed: 404, index: index)
            let png = try FormRenderer().png(layout, filled: form, dpi: dpi, seed: 404)
            let zones: [(String, PixelRect)] = paths.compactMap { path in
                guard case .zone(let z) = layout.field(path)?.marking else { return nil }
                return (path, mm.boundingRect(x: z.x, y: z.y, width: z.width, height: z.height))
            }
            let readings = try await pool.withPages(
                of: .bytes(png, name: "form-\(index).png"), preparation: Preparation()
            ) { page in
                try zones.map { (path, rect) in
                    (path, try page.recognize(rect, options: RecognitionOptions(segmentation: .singleLine)).text)
                }
            }
            for (path, text) in try #require(readings.first) {
                let filled = try #require(form.field(path))
                guard case .text(let printed) = filled.ink else { continue }
                let read = text.filter { !$0.isWhitespace }
                let expected = printed.filter { !$0.isWhitespace }
                #expect(
                    Suggestion.editDistance(read, expected, swapsCountOnce: false) <= 1,
                    "\(path): read \(text), printed \(printed)")
                if read == expected { exact += 1 }
                compared += 1
            }
        }
        #expect(compared == 12)
        #expect(exact >= 10, "only \(exact) of 12 zones read exactly")
        await pool.shutdown()
    }
}
