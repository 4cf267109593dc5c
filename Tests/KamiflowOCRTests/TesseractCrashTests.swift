import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowOCR

/// Inputs on which libtesseract 5.3.0 itself crashes, and what the engine does instead.
@Suite("libtesseract crash workarounds")
struct TesseractCrashTests {
    /// `single-word-blacklist.png` is a blank-looking name cell of a rendered, deskewed kokuho-shutoku sample (seed
    /// 8675309, sample 41). `tesseract single-word-blacklist.png - -l jpn+eng --psm 8 -c
    /// tessedit_char_blacklist=ABC…xyz` segfaults in `PAGE_RES_IT::ReplaceCurrentWord` (jpn's word is rejected, the
    /// retry with eng replaces it and walks a row without words). `kamiflow eval` and `extract` died on this cell in
    /// debug and release builds alike.
    @Test("a single-word read with a Latin blacklist on jpn+eng returns instead of crashing the process")
    func singleWordWithBlacklist() throws {
        let engine = try makeEngine("jpn+eng")
        let latin = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        let readings = try engine.withPages(of: .file(path: Fixtures.ocr("single-word-blacklist.png"))) { page in
            try page.recognize(nil, options: RecognitionOptions(segmentation: .singleWord, blacklist: latin))
        }
        let reading = try #require(readings.first)
        #expect(!reading.text.contains { latin.contains($0) })
    }
}
