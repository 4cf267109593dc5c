import Foundation
import KamiflowCore

/// How many digits the month and the day of a one-line date hold, as its ink shows them: a check of a reading that
/// fails independently of Tesseract.
///
/// jpn's line mode collapses a day's two digits into one (24 read as 2, 11 as 1) at 87–89 on Noto Serif CJK scans,
/// and the raw-line decode and the second model read the same: three readers share the mistake, so their agreement
/// is no evidence. The ink does not share it. A date line is `…年M月D日`: walking its columns of ink from the right,
/// 日 is the last glyph, then one narrow glyph per digit of the day, then 月, a wide one, then the month's digits and
/// 年. A digit's ink is at most about half an em wide (0.33–0.47 in Noto Serif CJK, under 0.6 in IPA Pゴシック), 月
/// and 年 at least 0.7: a reading whose digit count disagrees with that walk is in doubt however many readers agree.
struct DateInk {
    /// Widths of the runs of inked columns, left to right, in ems of the line's text height.
    let runs: [Double]

    /// The widest a digit's ink is, and the narrowest 月 or 年, in ems (measured on renders of 300 random dates
    /// in IPA Pゴシック and Noto Serif CJK: the walk erred on none from 0.6 to 0.65).
    static let widestDigit = 0.62

    init?(_ image: GrayImage) {
        let width = image.width, height = image.height
        guard width > 0, height > 0 else { return nil }
        var columnInk = [Int](repeating: 0, count: width)
        var top = height, bottom = -1
        for y in 0..<height {
            for x in 0..<width where image.pixels[y * width + x] < 128 {
                columnInk[x] += 1
                top = min(top, y)
                bottom = max(bottom, y)
            }
        }
        guard bottom >= top else { return nil }
        // A line of kanji spans about nine tenths of its em (as the glyph witness measures it).
        let em = Double(bottom - top + 1) / 0.9
        var runs: [Double] = []
        var x = 0
        while x < width {
            guard columnInk[x] > 0 else {
                x += 1
                continue
            }
            let start = x
            var ink = 0
            while x < width, columnInk[x] > 0 {
                ink += columnInk[x]
                x += 1
            }
            // A run of a few pixels of ink is a speck the writing's cleaning left.
            if ink >= 6 { runs.append(Double(x - start) / em) }
        }
        self.runs = runs
    }

    init(runs: [Double]) { self.runs = runs }

    /// Whether the ink of a date part (a year, month or day in a box of its own) has one glyph per digit of `text`;
    /// `nil` when `text` is not all digits (元, nothing read).
    func holds(digits text: String) -> Bool? {
        let digits = TextFolding.nfkc(text).filter { !$0.isWhitespace }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return runs.count == digits.count
    }

    /// Whether the ink has room for exactly the digits `text` gives the month and the day; `nil` when `text` is not
    /// a `…年M月D日` date (nothing to compare).
    func agrees(with text: String) -> Bool? {
        let compact = TextFolding.nfkc(text).filter { !$0.isWhitespace }
        guard let match = compact.firstMatch(of: /([0-9]+)月([0-9]+)日$/), compact.contains("年") else { return nil }
        var i = runs.count - 2  // the last run is 日
        for digits in [match.output.2, match.output.1] {
            for _ in digits {
                guard i >= 0, runs[i] < Self.widestDigit else { return false }
                i -= 1
            }
            // 月 after the day's digits, 年 after the month's.
            guard i >= 0, runs[i] >= Self.widestDigit else { return false }
            i -= 1
        }
        return true
    }
}
