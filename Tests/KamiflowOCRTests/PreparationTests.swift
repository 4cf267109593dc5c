import CTesseract
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

@Suite("Straightening a skewed page where it is read")
struct StraighteningTests {
    /// The grey pixels of a zone turned on their own must be the pixels of the whole page turned: the same place
    /// (no shift of even one pixel) and nearly the same levels (both are area-mapped turns).
    @Test("a zone turned alone matches the same zone of the whole page turned", arguments: [-4.5, 0, 3])
    func zoneMatchesPage(degrees: Double) throws {
        let engine = try makeEngine("eng")
        // english.png turned by `degrees` (0: the committed 3° fixture as it is).
        let source: ScanSource
        if degrees == 0 {
            source = .file(path: Fixtures.ocr("skewed-3.png"))
        } else {
            let upright = try #require(pixRead(Fixtures.ocr("english.png")).map(PixImage.init(taking:)))
            let turned = try #require(
                pixRotate(
                    upright.pointer, Float(degrees * .pi / 180), Int32(L_ROTATE_AREA_MAP), Int32(L_BRING_IN_WHITE), 0, 0
                )
                .map(PixImage.init(taking:)))
            source = .bytes(try #require(turned.pngEncoded()), name: "turned.png")
        }
        let rects = [
            PixelRect(x: 300, y: 400, width: 900, height: 120),  // a line of text
            PixelRect(x: 0, y: 0, width: 400, height: 200),  // the top-left corner, where white comes in
            PixelRect(x: 1250, y: 2330, width: 448, height: 100),  // near the bottom right
        ]
        let comparisons = try engine.withPages(of: source, preparation: Preparation(deskew: true)) {
            readable -> [(alone: GrayImage, whole: [Int: GrayImage])] in
            let page = try #require(readable as? PreparedPage)
            #expect(page.report.skewAngle != nil)
            func gray(_ image: PixImage?) throws -> GrayImage {
                let data = try #require(image?.pngEncoded())
                return try ImageCodec.decode(data, name: "zone.png")[0]
            }
            // Zones first: once the whole page has been turned, zones are cut from it.
            let alone = try rects.map { try gray(page.greyPixels(of: $0)) }
            var result: [(alone: GrayImage, whole: [Int: GrayImage])] = []
            for (index, rect) in rects.enumerated() {
                var shifted: [Int: GrayImage] = [:]
                for dx in -1...1 {
                    let moved = PixelRect(x: rect.x + dx, y: rect.y, width: rect.width, height: rect.height)
                    shifted[dx] = try gray(page.image.clipped(to: page.clamp(moved)))
                }
                result.append((alone[index], shifted))
            }
            return result
        }[0]
        for (alone, whole) in comparisons {
            func difference(_ other: GrayImage) -> Double {
                guard other.width == alone.width, other.height == alone.height else { return .infinity }
                let total = zip(alone.pixels, other.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
                return Double(total) / Double(alone.pixels.count)
            }
            let exact = difference(try #require(whole[0]))
            let left = difference(try #require(whole[-1])), right = difference(try #require(whole[1]))
            #expect(exact < 3, "mean difference \(exact) grey levels")
            #expect(exact <= left && exact <= right, "one pixel left \(left), right \(right), in place \(exact)")
        }
    }

    @Test("lines are brought to the reading height, down or up; near it, blocks and lone characters are left alone")
    func lineScale() {
        #expect(TesseractEngine.lineScale(ink: PixelSize(width: 400, height: 42), to: 28, .singleLine) == 28.0 / 42)
        #expect(TesseractEngine.lineScale(ink: PixelSize(width: 400, height: 30), to: 28, .singleLine) == nil)
        #expect(TesseractEngine.lineScale(ink: PixelSize(width: 400, height: 24), to: 28, .singleLine) == nil)
        #expect(TesseractEngine.lineScale(ink: PixelSize(width: 400, height: 20), to: 28, .rawLine) == 28.0 / 20)
        #expect(TesseractEngine.lineScale(ink: PixelSize(width: 30, height: 20), to: 28, .singleLine) == nil)
        #expect(TesseractEngine.lineScale(ink: PixelSize(width: 400, height: 120), to: 28, .singleBlock) == nil)
        #expect(TesseractEngine.lineScale(ink: PixelSize(width: 42, height: 42), to: 28, .singleLine) == nil)
        #expect(
            TesseractEngine.lineScale(ink: PixelSize(width: 42, height: 42), to: 28, .singleLine, loneCharacter: true)
                == 28.0 / 42)
    }

    @Test("a line read at a smaller height reads the same digits, its word boxes still on the page inside the zone")
    func shrunkLine() throws {
        let manifest = try FixtureManifest.load("form.json")
        let zones = try #require(manifest.zones).filter { ["phone", "postal", "number", "account"].contains($0.field) }
        let engine = try makeEngine("jpn")
        let readings = try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
            try zones.map { zone in
                try page.recognize(zone.rect, options: RecognitionOptions(segmentation: .singleLine, lineHeight: 28))
            }
        }[0]
        for (zone, reading) in zip(zones, readings) {
            #expect(reading.text == zone.value, "\(zone.field)")
            let ink = try #require(reading.words.first?.box)
            // The digits are 43 pixels high as printed: the box is the page's, not the shrunk image's.
            #expect(ink.height >= 35, "\(zone.field): \(ink)")
            for word in reading.words {
                #expect(word.box.intersection(zone.rect) == word.box, "\(zone.field): \(word.box)")
            }
        }
    }

    @Test("a read names its model: eng text read on an engine loaded with jpn")
    func perReadLanguage() throws {
        let engine = try makeEngine("jpn")
        let manifest = try FixtureManifest.load("english.json")
        let text = try engine.withPages(of: .file(path: Fixtures.ocr("english.png"))) { page in
            try page.recognize(nil, options: RecognitionOptions(segmentation: .auto, language: "eng")).text
        }[0]
        #expect(recall(of: (manifest.lines ?? []).joined(), in: text) >= 0.97)
        #expect(throws: KamiflowError.self) {
            try engine.withPages(of: .file(path: Fixtures.ocr("english.png"))) { page in
                try page.recognize(nil, options: RecognitionOptions(segmentation: .auto, language: "xyz"))
            }
        }
    }
}
