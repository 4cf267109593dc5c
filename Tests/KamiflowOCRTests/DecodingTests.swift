import Foundation
import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowOCR

#if canImport(Glibc)
import Glibc
#endif

/// Every kind of bad input becomes a typed error naming the file, and the engine goes on reading afterwards.
@Suite("Decoding scans and refusing bad ones")
struct DecodingTests {
    static let badFiles: [(String, KamiflowError.Code)] = [
        ("empty.png", .emptyFile),
        ("truncated.png", .corruptImage),
        ("random.png", .unsupportedFormat),
        ("notes.txt", .unsupportedFormat),
        ("bomb.png", .imageTooLarge),
        ("corrupt.pdf", .corruptPDF),
    ]

    @Test("a bad file gives a typed error naming it, and the engine still reads", arguments: badFiles)
    func badInput(name: String, code: KamiflowError.Code) throws {
        let engine = try makeEngine("eng")
        let path = Fixtures.ocr("bad/" + name)
        let error = expectKamiflowError(code, subject: path) {
            try engine.withPages(of: .file(path: path)) { _ in 0 }
        }
        #expect(error.map { !$0.message.isEmpty } ?? false)
        // The same bytes from memory fail the same way, naming what the caller called them.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        expectKamiflowError(code, subject: "upload-\(name)") {
            try engine.withPages(of: .bytes(bytes, name: "upload-\(name)")) { _ in 0 }
        }
        let text = try pageTexts(engine, Fixtures.ocr("english.png"), psm: 3)
        #expect(text == [try tesseractCLI(Fixtures.ocr("english.png"), lang: "eng", psm: 3)])
    }

    @Test("the bomb is refused from its header, before any pixel is decoded")
    func bombRefusedFromHeader() throws {
        let path = Fixtures.ocr("bad/bomb.png")
        let error = expectKamiflowError(.imageTooLarge, subject: path) {
            try ScanDecoder(source: .file(path: path), configuration: OCRConfiguration())
        }
        #expect(error?.message.contains("60000×60000") == true)
    }

    @Test(
        "a multi-page TIFF cut anywhere is refused as damaged, never read as a shorter document",
        arguments: ["Fixtures/ocr/multipage.tif", "Samples/ocr/fax-bundle.tif"])
    func truncatedMultipageTIFF(file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.repositoryRoot + "/" + file)))
        let whole = try ScanDecoder(source: .bytes(bytes, name: "whole.tif"), configuration: OCRConfiguration())
        #expect(whole.pageCount == 3)
        // Cuts from the first byte to the last: libtiff alone read many of these as one or two pages. A cut in the
        // few bytes no page refers to (padding after the last table) loses nothing and may be read whole.
        var refused = 0
        for length in stride(from: 8, to: bytes.count, by: max(1, bytes.count / 400)) {
            let name = "cut-\(length).tif"
            do {
                let decoder = try ScanDecoder(
                    source: .bytes(Array(bytes.prefix(length)), name: name), configuration: OCRConfiguration())
                #expect(decoder.pageCount == 3, "\(file) cut at \(length) bytes was read as \(decoder.pageCount) pages")
                for page in 0..<decoder.pageCount { _ = try decoder.page(at: page) }
            } catch let error as KamiflowError {
                #expect(error.code == .corruptImage, "\(name): \(error)")
                #expect(error.subject == name)
                refused += 1
            }
        }
        #expect(refused > 390)
    }

    @Test("a cut TIFF names the page that is cut off")
    func truncatedTIFFNamesThePage() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.ocr("multipage.tif"))))
        // Inside page 3's pixels (page 2's directory, ending at about 160,400 bytes, is whole).
        let error = expectKamiflowError(.corruptImage, subject: "cut.tif") {
            try ScanDecoder(
                source: .bytes(Array(bytes.prefix(180_000)), name: "cut.tif"), configuration: OCRConfiguration())
        }
        #expect(error?.message.contains("page 3") == true, "\(String(describing: error))")
    }

    @Test("a missing path, a directory and a FIFO are refused with the reason")
    func unreadablePaths() throws {
        let engine = try makeEngine("eng")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-unreadable-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let missing = directory.appendingPathComponent("missing.png").path
        expectKamiflowError(.fileNotFound, subject: missing) {
            try engine.withPages(of: .file(path: missing)) { _ in 0 }
        }

        // Tests run as root, for whom no permission bit makes a file unreadable; a directory and a FIFO named like
        // scans are honestly unreadable as images.
        let folder = directory.appendingPathComponent("folder.png").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let error = expectKamiflowError(.io, subject: folder) {
            try engine.withPages(of: .file(path: folder)) { _ in 0 }
        }
        #expect(error?.message.contains("directory") == true)

        let fifo = directory.appendingPathComponent("pipe.png").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let fifoError = expectKamiflowError(.io, subject: fifo) {
            try engine.withPages(of: .file(path: fifo)) { _ in 0 }
        }
        #expect(fifoError?.message.contains("not a regular file") == true)

        #expect(try pageTexts(engine, Fixtures.ocr("english.png"), psm: 3).count == 1)
    }

    @Test("every page of a multi-page TIFF is read, in order")
    func multipageTIFF() throws {
        let manifest = try FixtureManifest.load("multipage.json")
        let engine = try makeEngine("jpn+eng")
        let indices = try engine.withPages(of: .file(path: Fixtures.ocr("multipage.tif"))) { page in
            (page.index, page.size, page.report.resolution)
        }
        #expect(indices.map(\.0) == [0, 1, 2])
        #expect(indices.count == manifest.pages?.count)
        #expect(indices.allSatisfy { $0.1 == PixelSize(width: 1748, height: 2480) && $0.2 == 300 })
    }

    @Test("limits: pages per file, bytes per file, pixels per page")
    func limits() throws {
        let tiff = Fixtures.ocr("multipage.tif")
        let fewPages = try makeEngine("eng") { $0.limits.maxPagesPerFile = 2 }
        expectKamiflowError(.tooManyPages, subject: tiff) { try fewPages.withPages(of: .file(path: tiff)) { _ in 0 } }
        let pdfPages = try makeEngine("eng") { $0.limits.maxPagesPerFile = 0 }
        expectKamiflowError(.tooManyPages) {
            try pdfPages.withPages(of: .file(path: Fixtures.ocr("english.pdf"))) { _ in 0 }
        }

        let fewBytes = try makeEngine("eng") { $0.limits.maxFileBytes = 10_000 }
        let png = Fixtures.ocr("english.png")
        expectKamiflowError(.fileTooLarge, subject: png) { try fewBytes.withPages(of: .file(path: png)) { _ in 0 } }

        let fewPixels = try makeEngine("eng") { $0.limits.maxPixelsPerPage = 1_000_000 }
        expectKamiflowError(.imageTooLarge, subject: png) { try fewPixels.withPages(of: .file(path: png)) { _ in 0 } }
        expectKamiflowError(.imageTooLarge, subject: tiff) { try fewPixels.withPages(of: .file(path: tiff)) { _ in 0 } }
        expectKamiflowError(.imageTooLarge) {
            try fewPixels.withPages(of: .file(path: Fixtures.ocr("english.pdf"))) { _ in 0 }
        }
    }

    @Test("a PDF is rasterised at the configured resolution")
    func pdfResolution() throws {
        let engine = try makeEngine("eng") { $0.pdfResolution = 150 }
        let pages = try engine.withPages(of: .file(path: Fixtures.ocr("english.pdf"))) {
            ($0.size, $0.report.resolution)
        }
        #expect(pages.count == 1)
        #expect(pages[0].1 == 150)
        #expect(pages[0].0 == PixelSize(width: 874, height: 1240))
    }
}
