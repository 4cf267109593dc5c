import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowOCR

@Suite("Preparation: deskew, orientation, binarisation")
struct PreparationTests {
    @Test("deskew finds the 3° rotation within 0.3° and the text then matches the upright page")
    func deskew() throws {
        let manifest = try FixtureManifest.load("skewed-3.json")
        let engine = try makeEngine("eng")
        let options = RecognitionOptions(segmentation: .auto)
        let (report, text) = try #require(
            try engine.withPages(of: .file(path: Fixtures.ocr("skewed-3.png")), preparation: Preparation(deskew: true))
            {
                ($0.report, try $0.recognize(nil, options: options).text)
            }.first)
        let angle = try #require(report.skewAngle)
        // The fixture turned the page 3° counter-clockwise; the report counts clockwise as positive.
        #expect(abs(angle - -(manifest.skew ?? 0)) <= 0.3, "measured \(angle)")
        let upright = try pageTexts(engine, Fixtures.ocr("english.png"), psm: 3)[0]
        #expect(collapsed(text) == collapsed(upright))
    }

    @Test("orientation turns a turned page upright", arguments: [90, 180, 270])
    func orient(turn: Int) throws {
        let engine = try makeEngine("jpn")
        let options = RecognitionOptions(segmentation: .auto)
        let (report, text, size) = try #require(
            try engine.withPages(
                of: .file(path: Fixtures.ocr("turned-\(turn).png")), preparation: Preparation(orient: true)
            ) {
                ($0.report, try $0.recognize(nil, options: options).text, $0.size)
            }.first)
        // Turned counter-clockwise by `turn`, so it takes `turn` degrees clockwise to put it back.
        #expect(report.rotation == turn)
        #expect(size == PixelSize(width: 1748, height: 2480))
        let upright = try engine.withPages(
            of: .file(path: Fixtures.ocr("japanese.png")), preparation: Preparation(orient: true)
        ) {
            ($0.report.rotation, try $0.recognize(nil, options: options).text)
        }[0]
        #expect(upright.0 == 0)
        #expect(text == upright.1)
    }

    @Test("binarised pages read the same text", arguments: Binarization.allCases)
    func binarization(method: Binarization) throws {
        let manifest = try FixtureManifest.load("english.json")
        let engine = try makeEngine("eng")
        let result = try engine.withPages(
            of: .file(path: Fixtures.ocr("english.png")),
            preparation: Preparation(binarization: method, despeckle: true)
        ) { page in
            (try page.recognize(nil, options: RecognitionOptions(segmentation: .auto)).text, try page.pngData(of: nil))
        }[0]
        #expect(recall(of: (manifest.lines ?? []).joined(), in: result.0) >= 0.97)
        // What Tesseract read was a 1-bit page: black and white only.
        let gray = try ImageCodec.decode(result.1, name: "page.png")[0]
        #expect(Set(gray.pixels).isSubset(of: [0, 255]))
    }

    @Test("the page's resolution comes from the file, an override, or 300 dpi by default")
    func resolution() throws {
        let page = GrayImage(width: 200, height: 100, resolution: 0, pixels: [UInt8](repeating: 255, count: 20_000))
        let noResolution = try ImageCodec.encode([page], as: .png)
        var withResolution = page
        withResolution.resolution = 200
        let recorded = try ImageCodec.encode([withResolution], as: .png)

        let engine = try makeEngine("eng")
        func resolution(_ bytes: [UInt8], _ engine: TesseractEngine) throws -> Double {
            try engine.withPages(of: .bytes(bytes, name: "page.png")) { $0.report.resolution }[0]
        }
        #expect(try resolution(noResolution, engine) == 300)
        #expect(try resolution(recorded, engine) == 200)
        let overriding = try makeEngine("eng") { $0.resolutionOverride = 600 }
        #expect(try resolution(recorded, overriding) == 600)
    }
}
