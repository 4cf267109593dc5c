import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowOCR

/// Zones, checkboxes and ink on the printed form, whose field values and boxes `form.json` records.
@Suite("Zones on the printed form")
struct ZoneTests {
    let manifest: FixtureManifest
    let engine: TesseractEngine

    init() throws {
        manifest = try FixtureManifest.load("form.json")
        engine = try makeEngine("jpn")
    }

    /// The value as a zone read gives it: the documented rule drops spaces between CJK characters.
    static func expectedZoneText(_ value: String) -> String {
        TextCleanup.zoneText(value)
    }

    @Test("every field's zone reads its printed value, after one SetImage")
    func zonesReadTheirValues() throws {
        let zones = try #require(manifest.zones)
        let readings = try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
            try zones.map { zone in
                try page.recognize(zone.rect, options: RecognitionOptions(segmentation: .singleLine))
            }
        }
        let page = try #require(readings.first)
        for (zone, reading) in zip(zones, page) {
            #expect(reading.text == Self.expectedZoneText(zone.value), "\(zone.field)")
            #expect(reading.zone == zone.rect)
            #expect(reading.confidence > 30, "\(zone.field): \(reading.confidence)")
            #expect(!reading.words.isEmpty)
            for word in reading.words {
                // Word boxes are in page coordinates, inside the zone that was read.
                #expect(word.box.intersection(zone.rect) == word.box, "\(zone.field): \(word.box)")
            }
        }
    }

    @Test("characters, when asked for, spell the zone's text in order, in page coordinates inside the zone")
    func charactersSpellTheText() throws {
        let zones = try #require(manifest.zones)
        var asked = RecognitionOptions(segmentation: .singleLine, lineHeight: 28)
        asked.reportsCharacters = true
        let readings = try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
            try zones.map { zone in
                (
                    try page.recognize(zone.rect, options: asked),
                    try page.recognize(zone.rect, options: RecognitionOptions(segmentation: .singleLine))
                )
            }
        }
        let page = try #require(readings.first)
        for (zone, (reading, plain)) in zip(zones, page) {
            #expect(plain.characters.isEmpty, "\(zone.field): characters nobody asked for")
            let spelled = reading.characters.map(\.text).joined().filter { !$0.isWhitespace }
            #expect(spelled == reading.text.filter { !$0.isWhitespace }, "\(zone.field)")
            // Read at another size than scanned (`lineHeight`), the boxes come back scaled to the page.
            for character in reading.characters {
                #expect(character.box.intersection(zone.rect) == character.box, "\(zone.field): \(character.box)")
                #expect(character.box.height > 0 && character.box.width > 0, "\(zone.field): \(character.box)")
            }
            // In reading order from left to right, though not box by box: the LSTM's boxes are rough (on the birth
            // date the second character's box reaches over the next three), so only the ends are compared.
            if let first = reading.characters.first, let last = reading.characters.last, reading.characters.count > 1 {
                #expect(first.box.x < last.box.x, "\(zone.field): \(first.box) \(last.box)")
            }
        }
    }

    @Test("a whitelist constrains the characters and the confidence stays meaningful")
    func whitelistKeepsConfidence() throws {
        let zones = try #require(manifest.zones)
        let name = try #require(zones.first { $0.field == "name" })
        let phone = try #require(zones.first { $0.field == "phone" })
        let (digitsOnName, phoneReading) = try #require(
            try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
                (
                    try page.recognize(
                        name.rect, options: RecognitionOptions(segmentation: .singleLine, whitelist: "0123456789")),
                    try page.recognize(
                        phone.rect, options: RecognitionOptions(segmentation: .singleLine, whitelist: phone.whitelist))
                )
            }.first)
        // A name zone read with digits only cannot produce its kanji.
        #expect(digitsOnName.text.allSatisfy { "0123456789 \n".contains($0) })
        #expect(!digitsOnName.text.contains("山"))
        #expect(phoneReading.text == phone.value)
        #expect(phoneReading.confidence > 30)
        #expect(phoneReading.words.allSatisfy { $0.confidence > 0 })
    }

    @Test("blank paper reads as nothing, with confidence 0, with or without a whitelist")
    func blankZone() throws {
        let blank = PixelRect(x: 300, y: 3000, width: 1800, height: 200)
        let readings = try #require(
            try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
                [
                    try page.recognize(blank, options: RecognitionOptions(segmentation: .singleBlock)),
                    try page.recognize(
                        blank, options: RecognitionOptions(segmentation: .singleBlock, whitelist: "0123")),
                ]
            }.first)
        for reading in readings {
            #expect(reading.text == "")
            #expect(reading.confidence == 0)
            #expect(reading.words.isEmpty)
        }
    }

    @Test(
        "zone text drops the spaces Tesseract puts between CJK characters, and only those",
        arguments: [
            ("山 田  太 郎\n", "山田太郎"), ("ヤマダ タロウ", "ヤマダタロウ"), ("令和 6 年", "令和 6 年"),
            ("Room 3 号 室", "Room 3 号室"), ("  03-1234 5678 \n\n", "03-1234 5678"), ("東 京\n大 阪", "東京\n大阪"),
            ("ＡＢ Ｃ", "ＡＢＣ"),
        ])
    func cjkSpaces(raw: String, cleaned: String) {
        #expect(TextCleanup.zoneText(raw) == cleaned)
    }

    @Test("checkboxes are read by counting ink: ticked high, empty near zero")
    func checkboxFill() throws {
        let boxes = try #require(manifest.checkboxes)
        let ratios = try #require(
            try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
                // Shrink past the printed 5 px frame, as a workflow does, so only what is inside counts.
                boxes.map { page.fillRatio(of: $0.rect.insetBy(dx: 10, dy: 10)) }
                    + [page.fillRatio(of: PixelRect(x: 1000, y: 3000, width: 300, height: 300))]
            }.first)
        // A stretch of blank paper far from any ink is empty too (adaptive thresholds must not invent ink there).
        #expect(ratios.last == 0)
        for (box, ratio) in zip(boxes, ratios) {
            if box.ticked {
                #expect(ratio > 0.15, "\(box.label): \(ratio)")
            } else {
                #expect(ratio < 0.01, "\(box.label): \(ratio)")
            }
        }
    }

    @Test("ink components find the four registration marks")
    func registrationMarks() throws {
        let marks = try #require(
            try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
                page.inkComponents(in: nil, sides: 93...96)
            }.first)
        // The 91 px checkboxes are ink blobs too; the side range tells the 94 px marks from them.
        #expect(marks.count == 4)
        #expect(Set(marks.map(\.width)) == [94])
        let topLeft = try #require(
            try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
                page.inkComponents(in: PixelRect(x: 0, y: 0, width: 400, height: 400), sides: 93...96)
            }.first)
        #expect(topLeft == [PixelRect(x: 118, y: 118, width: 94, height: 94)])
    }

    @Test("a zone outside the page is refused; one partly outside is clipped")
    func zoneOutsideThePage() throws {
        _ = try engine.withPages(of: .file(path: Fixtures.ocr("form.png"))) { page in
            expectKamiflowError(.invalidArgument, subject: Fixtures.ocr("form.png")) {
                try page.recognize(PixelRect(x: 5000, y: 5000, width: 10, height: 10), options: RecognitionOptions())
            }
            let clipped = try page.recognize(
                PixelRect(x: 2400, y: 3400, width: 500, height: 500), options: RecognitionOptions())
            #expect(clipped.zone == PixelRect(x: 2400, y: 3400, width: 80, height: 108))
            let png = try page.pngData(of: PixelRect(x: 118, y: 118, width: 94, height: 94))
            let decoded = try ImageCodec.decode(png, name: "mark.png")
            #expect(decoded.count == 1)
            #expect(decoded[0].width == 94 && decoded[0].pixels.allSatisfy { $0 == 0 })
        }
    }

    /// `mincho-150dpi.png`: 吉田 直樹 typed in Takao P明朝 on a write-in rule, cut from a 150-dpi corpus scan
    /// (Corpus/existing-forms, seed 3301). Its hairlines are lighter than the page's ink threshold: isolated at that
    /// threshold, 吉 lost its horizontals and the name read as 生田直樹 (the field as 上卓直椅).
    @Test("a Mincho line at 150 dpi keeps its hairlines when its writing is isolated, and not the rule under it")
    func minchoHairlines() throws {
        // As extraction reads a written value: faint strokes kept (off by default, for printed labels and anchors).
        var options = RecognitionOptions(segmentation: .singleLine, language: "jpn", lineHeight: 28)
        options.keepsFaintStrokes = true
        let (reading, writing) = try #require(
            try engine.withPages(of: .file(path: Fixtures.ocr("mincho-150dpi.png"))) { page in
                let zone = PixelRect(x: 0, y: 0, width: page.size.width, height: page.size.height)
                return (
                    try page.recognize(zone, options: options),
                    page.writingImage(in: zone)
                )
            }.first)
        #expect(reading.text == "吉田直樹")
        let image = try #require(writing)
        // No row of the isolated writing is dark across half its width: the rules above and below stayed out.
        for y in 0..<image.height {
            let dark = (0..<image.width).count { image.pixels[y * image.width + $0] < 160 }
            #expect(dark < image.width / 2, "row \(y): \(dark) dark pixels of \(image.width)")
        }
    }

    /// A ゜ or a ゛ at 150–200 dpi is a few pixels; the page's threshold can break it into dots of one or two. Specks
    /// are cleared from the writing, and the ゜ of パ went with them (every reader then read ハ). Extraction asks for
    /// the specks beside a glyph to stay (`keepsSpecksBesideWriting`): a lone dot and the dots of a dotted rule go.
    @Test(
        "asked to, writing keeps the dots beside a glyph (a broken ゜) and clears a lone speck and a dotted rule's dots; by default every speck goes"
    )
    func specksBesideWriting() throws {
        let width = 240, height = 80
        var pixels = [UInt8](repeating: 255, count: width * height)
        func paint(_ x: Int, _ y: Int, _ w: Int, _ h: Int) {
            for row in y..<(y + h) { for column in x..<(x + w) { pixels[row * width + column] = 0 } }
        }
        paint(40, 20, 20, 40)  // a glyph's stroke
        paint(60, 16, 2, 2)  // a dot of a ゜ at its top right, two pixels off
        paint(150, 30, 2, 2)  // a lone speck
        for x in stride(from: 0, to: 236, by: 4) { paint(x, 72, 2, 2) }  // a dotted rule
        let png = try ImageCodec.encode(
            [GrayImage(width: width, height: height, resolution: 200, pixels: pixels)], as: .png)
        let zone = PixelRect(x: 0, y: 0, width: width, height: height)
        let (writing, plain) = try #require(
            try engine.withPages(of: .bytes(png, name: "specks.png")) { page in
                (page.writingImage(in: zone, keepingSpecksBesideWriting: true), page.writingImage(in: zone))
            }.first)
        let image = try #require(writing)
        // The writing image has a white border on every side.
        let margin = (image.width - width) / 2
        func dark(_ x: Int, _ y: Int, in writing: GrayImage? = nil) -> Bool {
            let writing = writing ?? image
            return writing.pixels[(y + margin) * writing.width + x + margin] < 128
        }
        #expect(dark(50, 40))
        #expect(dark(60, 16), "the ゜'s dot beside the glyph")
        #expect(!dark(150, 30), "the lone speck")
        #expect(!(0..<236).contains { dark($0, 72) }, "the dotted rule")
        // Without asking (printed labels, anchors, Kamiflow's own forms), every speck goes.
        let cleared = try #require(plain)
        #expect(dark(50, 40, in: cleared) && !dark(60, 16, in: cleared))
    }
}
