import Foundation
import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowOCR

/// Kamiflow's whole-page reading is Tesseract's own: same tessdata, same image, same bytes out.
@Suite("Full-page text agrees with the tesseract command line")
struct AgreementTests {
    static let images = [
        "english.png", "english.jpg", "japanese.png", "form.png", "multipage.tif", "skewed-3.png", "turned-90.png",
        "turned-180.png", "turned-270.png",
    ]

    static func manifestName(_ image: String) -> String {
        switch image {
        case "english.jpg": "english-jpg.json"
        default: String(image.prefix(upTo: image.lastIndex(of: ".")!)) + ".json"
        }
    }

    @Test("byte for byte, every page", arguments: images)
    func agreesWithCLI(image: String) throws {
        let manifest = try FixtureManifest.load(Self.manifestName(image))
        let engine = try makeEngine(manifest.lang)
        let path = Fixtures.ocr(image)
        let ours = try pageTexts(engine, path, psm: manifest.psm)
        // The CLI separates the pages of a multi-page file with a form feed.
        let theirs = try tesseractCLI(path, lang: manifest.lang, psm: manifest.psm)
        #expect(ours.joined(separator: "\u{0C}") == theirs)
        if let pages = manifest.pages {
            #expect(ours.count == pages.count)
        }
    }

    @Test("the texts are the printed text", arguments: ["english.png", "english.jpg", "japanese.png", "multipage.tif"])
    func readsWhatIsPrinted(image: String) throws {
        let manifest = try FixtureManifest.load(Self.manifestName(image))
        let engine = try makeEngine(manifest.lang)
        let texts = try pageTexts(engine, Fixtures.ocr(image), psm: manifest.psm)
        let expected = manifest.pages ?? [manifest.lines ?? []]
        #expect(texts.count == expected.count)
        for (text, lines) in zip(texts, expected) {
            #expect(recall(of: lines.joined(), in: text) >= 0.95, "read: \(text)")
        }
    }

    @Test("a PDF page reads like the tesseract CLI on pdftoppm's raster of it")
    func pdfAgreesWithCLI() throws {
        let engine = try makeEngine("eng")
        let pdf = Fixtures.ocr("english.pdf")
        let ours = try pageTexts(engine, pdf, psm: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-pdf-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let raster = try runProgram(
            "/usr/bin/pdftoppm", ["-r", "300", "-gray", "-singlefile", pdf, "\(directory.path)/page"])
        #expect(raster.status == 0)
        let theirs = try tesseractCLI("\(directory.path)/page.pgm", lang: "eng", psm: 3)
        #expect(ours == [theirs])
        #expect(recall(of: (try FixtureManifest.load("english-pdf.json").lines ?? []).joined(), in: ours[0]) >= 0.95)
    }
}
