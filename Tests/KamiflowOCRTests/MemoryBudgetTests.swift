import CTesseract
import Foundation
import KamiflowCore
import KamiflowTesting
import Synchronization
import Testing

@testable import KamiflowOCR

/// Pages are admitted against one memory budget before they are decoded, and colour pages are decoded to grey.
@Suite("Memory budget for pages")
struct MemoryBudgetTests {
    /// A colour page of `width` × `height`: dark text-like bars on a tinted background, as a colour scan has.
    static func colourPage(width: Int, height: Int, dpi: Int32) throws -> PixImage {
        let pix = try PixImage(pixCreate(Int32(width), Int32(height), 32), orThrow: KamiflowError(.io, "no memory"))
        pixSetAllArbitrary(pix.pointer, 0xF0_E8_D0_00)  // RGBA: a cream paper
        for row in stride(from: 20, to: height - 20, by: 40) {
            let bar = boxCreate(20, Int32(row), Int32(width - 40), 12)
            pixSetInRectArbitrary(pix.pointer, bar, 0x20_30_80_00)  // dark blue ink
            var owned = bar
            boxDestroy(&owned)
        }
        pixSetResolution(pix.pointer, dpi, dpi)
        return pix
    }

    static func jpeg(_ page: PixImage) throws -> [UInt8] {
        var data: UnsafeMutablePointer<UInt8>?
        var count = 0
        guard pixWriteMemJpeg(&data, &count, page.pointer, 95, 0) == 0, let data else {
            throw KamiflowError(.io, "the page could not be encoded as JPEG")
        }
        defer { lept_free(data) }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    @Test("a page that cannot fit even alone is refused with the figures, before decoding")
    func pageLargerThanTheBudget() throws {
        let budget = PageMemoryBudget(capacity: 64 << 20)
        let error = expectKamiflowError(.imageTooLarge, subject: "big.png") {
            _ = try budget.reserve(100 << 20, page: 2, subject: "big.png", isCancelled: { false })
        }
        #expect(error?.message.contains("page 2 needs about 100 MiB") == true, "\(String(describing: error))")
        #expect(error?.message.contains("memory budget of 64 MiB") == true)
        #expect(budget.peakReserved == 0)
    }

    @Test("a page waits while the pages being read leave no room, and goes on once one is done")
    func waitsForRoom() throws {
        let budget = PageMemoryBudget(capacity: 100)
        let first = try budget.reserve(80, page: 1, subject: "first", isCancelled: { false })
        let secondHeld = Atomic<Bool>(false)
        let thread = Thread {
            if let held = try? budget.reserve(30, page: 1, subject: "second", isCancelled: { false }) {
                secondHeld.store(true, ordering: .sequentiallyConsistent)
                budget.release(held)
            }
        }
        thread.start()
        // Until the second engine is waiting (bounded: a broken budget that lets it through ends the loop too).
        var polls = 0
        while budget.waitingCount == 0 && !secondHeld.load(ordering: .sequentiallyConsistent) && polls < 10_000 {
            usleep(1000)
            polls += 1
        }
        #expect(budget.waitingCount == 1)
        let heldBeforeRelease = secondHeld.load(ordering: .sequentiallyConsistent)
        #expect(!heldBeforeRelease)
        budget.release(first)
        while !thread.isFinished { usleep(1000) }
        let heldAfterRelease = secondHeld.load(ordering: .sequentiallyConsistent)
        #expect(heldAfterRelease)
        #expect(budget.peakReserved == 80)
    }

    @Test("a wait for room ends when the reading is cancelled")
    func cancelledWhileWaiting() throws {
        let budget = PageMemoryBudget(capacity: 100)
        let held = try budget.reserve(80, page: 1, subject: "first", isCancelled: { false })
        expectKamiflowError(.cancelled, subject: "second") {
            _ = try budget.reserve(30, page: 1, subject: "second", isCancelled: { true })
        }
        budget.release(held)
        budget.release(try budget.reserve(30, page: 1, subject: "third", isCancelled: { false }))
    }

    @Test("an engine reads a page in colour when it fits, in grey when only that fits, and refuses it otherwise")
    func engineKeepsInsideItsBudget() throws {
        let page = try Self.colourPage(width: 2000, height: 1500, dpi: 300)
        let png = try #require(page.pngEncoded())
        let pixels = 2000 * 1500
        // In grey: the page, Tesseract's copy and reading's own (4 bytes a pixel, 12 MB). In colour: a 32-bit page,
        // libpng's rows beside it while it is built, Tesseract's copy and reading's own (14 bytes a pixel, 42 MB).
        let grey = pixels * (2 + ScanDecoder.readingBytesPerPixel)
        let colour = pixels * (4 + 4 + 4 + ScanDecoder.readingBytesPerPixel)
        for (mebibytes, reserved) in [(8, nil), (16, grey), (64, colour)] {
            var configuration = OCRConfiguration(languages: "eng")
            configuration.pageMemoryBudget = mebibytes << 20
            let engine = try TesseractEngine(configuration: configuration)
            if let reserved {
                // Unprepared, as `kamiflow ocr` reads: in colour when that fits, else in grey.
                let sizes = try engine.withPages(of: .bytes(png, name: "colour.png")) { $0.size }
                #expect(sizes == [PixelSize(width: 2000, height: 1500)])
                #expect(engine.budget.peakReserved == reserved, "budget \(mebibytes) MiB")
            } else {
                let error = expectKamiflowError(.imageTooLarge, subject: "colour.png") {
                    try engine.withPages(of: .bytes(png, name: "colour.png")) { _ in 0 }
                }
                #expect(error?.message.contains("memory budget of 8 MiB") == true)
                // The engine goes on with the next file.
                let small = try Self.colourPage(width: 400, height: 300, dpi: 300)
                let sizes = try engine.withPages(of: .bytes(try #require(small.pngEncoded()), name: "small.png")) {
                    $0.size
                }
                #expect(sizes == [PixelSize(width: 400, height: 300)])
            }
        }
        // Prepared, as workflows read, it is read in grey whatever the budget.
        let engine = try TesseractEngine(configuration: OCRConfiguration(languages: "eng"))
        _ = try engine.withPages(of: .bytes(png, name: "colour.png"), preparation: Preparation(deskew: true)) { _ in 0 }
        #expect(engine.budget.peakReserved == grey)
    }

    @Test("a colour PNG or JPEG is decoded straight to grey, as Leptonica's conversion would make it")
    func colourDecodedToGrey() throws {
        let page = try Self.colourPage(width: 640, height: 480, dpi: 200)
        for (name, bytes) in [
            ("colour.png", try #require(page.pngEncoded())),
            ("colour.jpg", try Self.jpeg(page)),
        ] {
            let decoder = try ScanDecoder(source: .bytes(bytes, name: name), configuration: OCRConfiguration())
            #expect(decoder.headers[0].isColour)
            let grey = try decoder.page(at: 0, grey: true)
            let colour = try decoder.page(at: 0, grey: false)
            #expect(grey.depth == 8 && colour.depth == 32, "\(name)")
            #expect(grey.resolution == 200, "\(name)")
            let converted = try #require(colour.grayscale())
            // Same page: grey levels within a few steps of Leptonica's own conversion of the colour decode (libpng
            // and libjpeg weigh the channels slightly differently).
            let (a, b) = (ImageCodec.grayImage(from: grey), ImageCodec.grayImage(from: converted))
            #expect(a.width == b.width && a.height == b.height)
            let worst = zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(worst <= 12, "\(name): differs by up to \(worst) grey levels")
        }
    }
}
