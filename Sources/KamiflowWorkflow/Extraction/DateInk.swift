import Foundation
import KamiflowCore

/// How many digits the month and the day of a one-line date hold, as its ink shows them: a witness of a reading that
/// fails independently of Tesseract.
///
/// jpn's line mode collapses a day's two digits into one (24 read as 2, 11 as 1) at 87–89 on Noto Serif CJK scans,
/// and the raw-line decode and the second model read the same: three readers share the mistake, so their agreement
/// is no evidence. The ink does not share it. A date line is `…年M月D日`: walking its runs of inked columns from the
/// right, 日 comes first, then one digit per digit of the day, then 月, then the month's digits and 年.
///
/// What is a digit is measured on the line itself, not in a fixed fraction of an em: a digit is shorter than the
/// line's kanji (0.78–0.84 of the tallest run on scans in Noto Serif CJK, Noto Sans CJK and IPA Pゴシック, kanji and
/// their pieces 0.89 and up) and narrower than its widest kanji. Height decides where a Mincho kanji falls apart into
/// columns (its thin horizontal strokes lost in the scan, 月 read as two narrow runs), width where a kanji is as
/// short as a digit (日). The ink is only a witness: it puts a reading in doubt, never changes or empties it; and it
/// speaks only when it shows more digits than the reading has (the collapse it is for), so digits run together by
/// the scan, or a digit as wide as a kanji, make it miss a lost digit, never doubt a right one.
struct DateInk {
    /// A run of inked columns: where it is, and how tall its ink is, in pixels.
    struct Run: Equatable {
        var start: Int
        var end: Int
        var top: Int
        var bottom: Int
        var width: Int { end - start }
        var height: Int { bottom - top + 1 }
    }

    /// The runs of the line, left to right: specks left out, runs a pixel or so apart taken as one.
    let runs: [Run]

    /// A digit is shorter than this share of the line's tallest run (set on scans of seed 5151 in three typefaces:
    /// digits up to 0.86, kanji and their pieces from 0.89: no right date put in doubt from 0.87 to 0.89, eight at
    /// 0.86; docs/samples-and-eval.md, eleventh round).
    static let digitHeight = 0.875

    /// A digit is narrower than this share of the line's widest kanji (a short glyph that is wider, 日 or two
    /// digits run together, is not counted as one).
    static let digitWidth = 0.68

    /// A run wider than this share of its own height is not one kanji (two glyphs run together).
    static let widestKanji = 1.25

    /// A run whose ink is shorter than this share of the line's tallest is a speck or a mark, not a glyph.
    static let shortestGlyph = 0.35

    /// Runs closer than this share of the line's height, or a pixel apart, are one glyph (a stroke thinned apart by
    /// the scan: at 150 dpi a 3 or a 6 of a date part came apart at a one-pixel gap).
    static let joinedGap = 0.03

    /// The ink of one digit spans less than this share of its height, that of two more: a date part whose ink is
    /// narrower is one digit, however many pieces the scan broke it into. Measured at 150 and 200 dpi on the tuning
    /// seed 4242 of the existing-forms corpus: one digit 0.61–0.72 of its height (a 3 in two runs two pixels
    /// apart 0.61), two digits from 0.83 (11), and a 0 or a 9 of two digits broke into two runs at 200 dpi.
    static let digitSpan = 0.8

    init?(_ image: GrayImage) {
        let width = image.width, height = image.height
        guard width > 0, height > 0 else { return nil }
        var columnInk = [Int](repeating: 0, count: width)
        var columnTop = [Int](repeating: height, count: width)
        var columnBottom = [Int](repeating: -1, count: width)
        let glyph = Self.glyphInk(image)
        for y in 0..<height {
            for x in 0..<width where glyph[y * width + x] {
                columnInk[x] += 1
                columnTop[x] = min(columnTop[x], y)
                columnBottom[x] = max(columnBottom[x], y)
            }
        }
        // A run of a few pixels of ink is a speck the writing's cleaning left.
        let found = inkedRuns(columnInk).filter { $0.ink >= 6 }.map { run in
            Run(
                start: run.range.lowerBound, end: run.range.upperBound,
                top: run.range.map { columnTop[$0] }.min() ?? height,
                bottom: run.range.map { columnBottom[$0] }.max() ?? -1)
        }
        guard let tallest = found.map(\.height).max() else { return nil }
        var joined: [Run] = []
        for run in found where Double(run.height) >= Self.shortestGlyph * Double(tallest) {
            if let last = joined.last, Double(run.start - last.end) <= max(1, Self.joinedGap * Double(tallest)) {
                joined[joined.count - 1] = Run(
                    start: last.start, end: run.end, top: min(last.top, run.top), bottom: max(last.bottom, run.bottom))
            } else {
                joined.append(run)
            }
        }
        runs = joined
    }

    init(runs: [Run]) { self.runs = runs }

    /// The image's ink pixels without its dots: blobs (8-connected) no larger than a square of a hundredth of an inch
    /// and a pixel, a speck the page's cleaning removes. The writing keeps such a speck beside a glyph (it may be a
    /// broken ゜), and one at the top right of a 4 made it as tall as a kanji.
    static func glyphInk(_ image: GrayImage) -> [Bool] {
        let side = Int(((image.resolution > 0 ? image.resolution : 300) / 100).rounded()) + 1
        let largestDot = max(6, side * side)
        let width = image.width, count = image.width * image.height
        var ink = image.pixels.map { $0 < 128 }
        var seen = [Bool](repeating: false, count: count)
        var stack: [Int] = [], dot: [Int] = []
        for start in 0..<count where ink[start] && !seen[start] {
            seen[start] = true
            stack = [start]
            dot = []
            var size = 0
            while let i = stack.popLast() {
                size += 1
                if size <= largestDot { dot.append(i) }
                let x = i % width, y = i / width
                for dy in -1...1 {
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, nx < width, ny >= 0, ny < image.height else { continue }
                        let j = ny * width + nx
                        if ink[j] && !seen[j] {
                            seen[j] = true
                            stack.append(j)
                        }
                    }
                }
            }
            if size <= largestDot { for i in dot { ink[i] = false } }
        }
        return ink
    }

    /// The line's tallest run, the ruler of heights.
    var lineHeight: Int { runs.map(\.height).max() ?? 0 }

    /// The width of the line's widest kanji (a run as tall as the line and about as wide as it is tall), the ruler
    /// of widths; `nil` when no run looks like one.
    var kanjiWidth: Int? {
        let line = Double(lineHeight)
        return runs.filter {
            Double($0.height) >= Self.digitHeight * line && Double($0.width) <= Self.widestKanji * Double($0.height)
        }.map(\.width).max()
    }

    /// Whether a run has a digit's shape: shorter than the kanji and narrower than the widest of them.
    func isDigit(_ run: Run, kanji: Int) -> Bool {
        Double(run.height) < Self.digitHeight * Double(lineHeight)
            && Double(run.width) < Self.digitWidth * Double(kanji)
    }

    /// Whether the ink of a date part (a year, month or day in a box of its own: one or two digits) shows no more
    /// digits than `text` has; `nil` when `text` is not all digits (元, nothing read). The ink shows two digits when
    /// it has two runs or more and spans more than one digit's width (``digitSpan``): pieces of one digit the scan
    /// broke apart count as one, and so do glyphs it ran together, so only a reading that lost a digit disagrees.
    func holds(digits text: String) -> Bool? {
        let digits = TextFolding.nfkc(text).filter { !$0.isWhitespace }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard runs.count > 1, let first = runs.first, let last = runs.last else { return true }
        let twoDigits = Double(last.end - first.start) > Self.digitSpan * Double(lineHeight)
        return (twoDigits ? 2 : 1) <= digits.count
    }

    /// The ink without the runs cut by the side of its zone, the columns `inside` of its image: strokes that
    /// reach into a date part from outside it, not its digits, when some run stands clear of both sides. A circle
    /// drawn round 令和 beside a year part of one digit ends in the part's zone, and its arc made the year's ink look
    /// like two digits: on the existing-forms corpus (seed 7321, 就学援助 at 150 and 200 dpi) ten right birth dates in
    /// 令和 1 or 2 went to a person for a lost digit.
    func inside(_ columns: Range<Int>) -> DateInk {
        let clear = runs.filter { $0.start > columns.lowerBound && $0.end < columns.upperBound }
        return clear.isEmpty || clear.count == runs.count ? self : DateInk(runs: clear)
    }

    /// Whether the ink is two glyphs that stand as two digits side by side do: as tall as each other and on one
    /// line (tops and bottoms within ``pairAlignment`` of the taller's height). The arc of a circle drawn round the
    /// era next to a year part rises above and below its digit; a speck is short.
    var isDigitPair: Bool {
        guard runs.count == 2, let a = runs.first, let b = runs.last else { return false }
        let slack = Self.pairAlignment * Double(max(a.height, b.height))
        return Double(abs(a.top - b.top)) <= slack && Double(abs(a.bottom - b.bottom)) <= slack
    }

    /// How far apart, as a share of the taller's height, the tops and the bottoms of two digits of a pair may lie.
    static let pairAlignment = 0.15

    /// Whether the ink shows no more digits in the day and in the month than `text` gives them; `nil` when `text` is
    /// not a `…年M月D日` date or the ink has no kanji to measure with (nothing to compare).
    func agrees(with text: String) -> Bool? {
        let compact = TextFolding.nfkc(text).filter { !$0.isWhitespace }
        guard let match = compact.firstMatch(of: /([0-9]+)月([0-9]+)日$/), compact.contains("年"),
            let kanji = kanjiWidth
        else { return nil }
        var i = runs.count - 1
        for digits in [match.output.2, match.output.1] {
            // Past the kanji (日, then 月, in as many pieces as the scan left), then the digits before it. A Mincho
            // kanji the scan broke apart leaves pieces as short and narrow as digits (日 as two strokes 7 pixels
            // wide, the left one 0.87 of the line's height): every run that starts within a kanji's width of the
            // kanji's right edge is a piece of it.
            var kanjiEnd: Int?
            while i >= 0, !isDigit(runs[i], kanji: kanji) {
                kanjiEnd = kanjiEnd ?? runs[i].end
                i -= 1
            }
            if let kanjiEnd {
                let kanjiStart = Double(kanjiEnd) - Self.kanjiPieces * Double(kanji)
                while i >= 0, Double(runs[i].start) >= kanjiStart { i -= 1 }
            }
            var inked = 0
            while i >= 0, isDigit(runs[i], kanji: kanji) {
                inked += 1
                i -= 1
            }
            // A month or a day has at most two digits: more runs of a digit's shape are the digits and the pieces
            // of the kanji before them (年 broken in two short runs, then the year's digits), and say nothing.
            if inked > 2 { continue }
            if inked > digits.count { return false }
        }
        return true
    }

    /// The pieces of a kanji the scan broke apart start within this share of the line's widest kanji of its right
    /// edge (日 and 月 of Noto Serif CJK at 300 dpi: up to 0.76; the digit before them from 1.3, seed 20261213).
    static let kanjiPieces = 0.9
}

extension GrayImage {
    /// The columns `range` of the image, with a white column on either side: a glyph cut out of its line by its run
    /// of columns, the background around it still reaching every edge.
    func columns(_ range: Range<Int>) -> GrayImage {
        let lower = max(0, range.lowerBound), upper = min(width, range.upperBound)
        let inner = max(0, upper - lower), padded = inner + 2
        var cut = [UInt8](repeating: 255, count: padded * height)
        for y in 0..<height {
            for x in 0..<inner { cut[y * padded + x + 1] = pixels[y * width + lower + x] }
        }
        return GrayImage(width: padded, height: height, resolution: resolution, pixels: cut)
    }
}

/// The runs of consecutive non-zero entries of `counts` (the ink of each column or row of an image), each with the
/// sum of its entries.
func inkedRuns(_ counts: [Int]) -> [(range: Range<Int>, ink: Int)] {
    var runs: [(range: Range<Int>, ink: Int)] = []
    var index = 0
    while index < counts.count {
        guard counts[index] > 0 else {
            index += 1
            continue
        }
        let start = index
        var ink = 0
        while index < counts.count, counts[index] > 0 {
            ink += counts[index]
            index += 1
        }
        runs.append((start..<index, ink))
    }
    return runs
}
