import Foundation
public import KamiflowCore

/// A printed box found on a blank form.
public struct InspectedBox: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A table cell: where a value, or a label, is written.
        case cell
        /// A small square (at most 10 mm a side, about as wide as high): a checkbox or one box of a マス目 row.
        case square
    }

    public var kind: Kind
    /// Millimetres from the page's top-left corner, along the centres of the printed rules.
    public var rect: TemplateRect
    /// The printed text inside the box, if any (a label cell).
    public var text: String?
}

/// A row of equal squares side by side: one character per box (マス目), as a workflow's `cells:` gives it.
public struct InspectedCharacterRow: Hashable, Sendable, Codable {
    public var first: TemplateRect
    public var count: Int
    public var pitch: Double
}

/// Printed words, merged into runs along a line (jpn returns one word per character).
public struct InspectedWord: Hashable, Sendable, Codable {
    public var text: String
    public var rect: TemplateRect
    /// Lowest Tesseract confidence (0–100) of the run's words.
    public var confidence: Double
}

/// What `kamiflow inspect` found on one page of a blank form. Every rectangle is in millimetres from the top-left
/// corner of the page as scanned (after deskewing), at `dpi`.
public struct PageInspection: Hashable, Sendable, Codable {
    /// 1-based page number.
    public var page: Int
    public var dpi: Double
    public var widthMM: Double
    public var heightMM: Double
    public var pixelWidth: Int
    public var pixelHeight: Int
    /// The skew that was measured and rotated away, in degrees.
    public var skewDegrees: Double?
    /// The outer printed frame of the form, if one encloses most of it.
    public var border: TemplateRect?
    /// Solid squares near the page corners (`register: {marks: …}`).
    public var registrationMarks: [TemplateRect]
    public var boxes: [InspectedBox]
    public var characterRows: [InspectedCharacterRow]
    public var words: [InspectedWord]
    /// Horizontal rules 15 mm or longer, solid or dotted: the lines values are written on are among them.
    public var rules: [InspectedRule] = []
    /// The printed text run by run, each read on its own (labels, options, 年 月 日).
    public var texts: [InspectedText] = []
}

/// Finds the printed boxes, marks and words of a blank form, for authors writing a workflow for a form they already
/// print. Pure measurement on a prepared page: rules by morphological opening, cells from the rules' grid, words
/// from one full-page Tesseract pass.
public struct FormInspector: Sendable {
    /// Shortest rule taken as a line, in millimetres (shorter strokes are letters; cells need sides of 2.8 mm).
    public var minimumLine: Double = 2.5
    /// Thickest rule taken as a line, in millimetres (thicker ink is a mark, a bold title, a filled area).
    public var maximumLineThickness: Double = 0.8
    /// Words Tesseract is less sure of than this are left out.
    public var minimumConfidence: Double = 30
    /// The model printed labels are read with, run by run (`nil`: the engine's languages).
    public var labelLanguage: String? = "jpn"
    /// Labels are shrunk to this many pixels of ink before they are read (`nil`: as scanned).
    public var labelLineHeight: Double?

    public init() {}

    /// Inspects `page`; must run on the page's worker (inside `TextReader.withPages`).
    public func inspect(_ page: any ReadablePage) -> PageInspection {
        let dpi = page.report.resolution > 0 ? page.report.resolution : 300
        let pxPerMM = dpi / 25.4
        func mm(_ v: Double) -> Double { (v / pxPerMM * 10).rounded() / 10 }
        func mmRect(_ r: PixelRect) -> TemplateRect {
            TemplateRect(
                x: mm(Double(r.x)), y: mm(Double(r.y)), width: mm(Double(r.width)), height: mm(Double(r.height)))
        }

        let lines = page.ruledLines(
            minimumLength: Int((minimumLine * pxPerMM).rounded()),
            maximumThickness: max(2, Int((maximumLineThickness * pxPerMM).rounded())))
        let cells = RuledGrid.cells(lines, tolerance: max(2, 0.6 * pxPerMM), minimumSide: max(4, 2.8 * pxPerMM))
        var words = Self.words(on: page, minimumConfidence: minimumConfidence)
        // The page's layout analysis skips some small labels in cells (電話番号 at 200 dpi): a cell with ink and no
        // word is read on its own, as one line.
        for cell in cells {
            let inner = PixelRect(
                x: Int(cell.x + 0.8 * pxPerMM), y: Int(cell.y + 0.8 * pxPerMM), width: Int(cell.width - 1.6 * pxPerMM),
                height: Int(cell.height - 1.6 * pxPerMM))
            guard !inner.isEmpty, page.fillRatio(of: inner) > 0.005,
                !words.contains(where: { inner.intersection($0.box).area > 0 })
            else { continue }
            let mode: PageSegmentation = cell.height > 14 * pxPerMM ? .singleBlock : .singleLine
            guard let reading = try? page.recognize(inner, options: RecognitionOptions(segmentation: mode)),
                reading.confidence >= minimumConfidence, let first = reading.words.first
            else { continue }
            let text = TextFolding.tidy(reading.text)
            guard !text.isEmpty else { continue }
            words.append(
                RecognizedWord(
                    text: text, box: reading.words.dropFirst().reduce(first.box) { union($0, $1.box) },
                    confidence: reading.confidence))
        }

        // A cell holding most of the page is the form's border, not a place to write.
        let pageArea = Double(page.size.width) * Double(page.size.height)
        let borderCell = cells.filter { $0.width * $0.height > 0.4 * pageArea }.max {
            $0.width * $0.height < $1.width * $1.height
        }
        let smallBlobs = page.inkComponents(in: nil, sides: 1...max(2, Int(0.6 * pxPerMM)))
        let (rules, dots) = Self.horizontalRules(lines: lines, smallBlobs: smallBlobs, pxPerMM: pxPerMM)
        let squares = cells.filter { $0.width <= 10 * pxPerMM && $0.height <= 10 * pxPerMM }.map {
            PixelRect(x: Int($0.x), y: Int($0.y), width: Int($0.width), height: Int($0.height))
        }
        let texts = readTexts(on: page, pxPerMM: pxPerMM, excluding: squares, dots: dots)
        let glyphs = texts.flatMap(\.blobs)
        var boxes: [InspectedBox] = []
        for cell in cells where cell != borderCell {
            // Strokes of a large printed glyph (口, 国 in a bold title) close small "cells" inside the glyph. (The
            // page pass's words are no test: it reads a row of empty boxes as one tall word "| | | |".)
            let c = cell.center
            if glyphs.contains(where: { glyph in
                Double(glyph.height) >= 0.8 * cell.height && c.x > Double(glyph.x) && c.x < Double(glyph.maxX)
                    && c.y > Double(glyph.y) && c.y < Double(glyph.maxY)
            }) {
                continue
            }
            let rect = TemplateRect(x: mm(cell.x), y: mm(cell.y), width: mm(cell.width), height: mm(cell.height))
            let square =
                rect.width <= 10 && rect.height <= 10
                && abs(rect.width - rect.height) <= 0.25 * max(rect.width, rect.height)
            // A square with text of its height just before and just after it, or inside a run of text, is a glyph
            // (口 in 口座 of a title, □ in （□に✓）).
            if square {
                let band = texts.filter { text in
                    let overlap = min(text.box.maxY, Int(cell.maxY)) - max(text.box.y, Int(cell.y))
                    return Double(overlap) >= 0.6 * cell.height && Double(text.box.height) >= 0.8 * cell.height
                }
                let before = band.contains { abs(Double($0.box.maxX) - cell.x) < 3 * pxPerMM }
                let after = band.contains { abs(Double($0.box.x) - cell.maxX) < 3 * pxPerMM }
                let within = texts.contains { text in
                    Double(text.box.height) >= 0.8 * cell.height && c.x > Double(text.box.x)
                        && c.x < Double(text.box.maxX) && c.y > Double(text.box.y) && c.y < Double(text.box.maxY)
                }
                if (before && after) || within { continue }
            }
            // The runs of text inside, in reading order: line by line, left to right.
            let inside = texts.filter { rect.expanded(by: 0.5).contains(mmRect($0.box)) }
            let lineHeight = max(1, inside.map(\.box.height).max() ?? 1)
            let ordered = inside.sorted { ($0.box.y / lineHeight, $0.box.x) < ($1.box.y / lineHeight, $1.box.x) }
            let text = TextFolding.removingSpaces(ordered.map(\.text).joined())
            boxes.append(InspectedBox(kind: square ? .square : .cell, rect: rect, text: text.isEmpty ? nil : text))
        }
        let marks = page.inkComponents(in: nil, sides: Int(3 * pxPerMM)...Int(10 * pxPerMM)).filter { blob in
            let c = centerOf(blob)
            let nearX = c.x < 30 * pxPerMM || c.x > Double(page.size.width) - 30 * pxPerMM
            let nearY = c.y < 30 * pxPerMM || c.y > Double(page.size.height) - 30 * pxPerMM
            let squareish = Double(max(blob.width, blob.height)) / Double(min(blob.width, blob.height)) < 1.3
            return nearX && nearY && squareish && page.fillRatio(of: blob) > 0.8
        }
        return PageInspection(
            page: page.index + 1, dpi: dpi, widthMM: mm(Double(page.size.width)),
            heightMM: mm(Double(page.size.height)),
            pixelWidth: page.size.width, pixelHeight: page.size.height, skewDegrees: page.report.skewAngle,
            border: borderCell.map {
                TemplateRect(x: mm($0.x), y: mm($0.y), width: mm($0.width), height: mm($0.height))
            },
            registrationMarks: marks.map(mmRect).sorted { ($0.y, $0.x) < ($1.y, $1.x) },
            boxes: boxes, characterRows: Self.characterRows(boxes.filter { $0.kind == .square }.map(\.rect)),
            words: words.map { InspectedWord(text: $0.text, rect: mmRect($0.box), confidence: $0.confidence) },
            rules: rules.map { InspectedRule(rect: mmRect($0.box), dotted: $0.dotted, free: $0.free) }
                .sorted { ($0.rect.y, $0.rect.x) < ($1.rect.y, $1.rect.x) },
            texts: texts.map { text in
                InspectedText(
                    text: text.text, rect: mmRect(text.box), confidence: text.confidence,
                    glyphs: text.blobs.map(mmRect).sorted { $0.x < $1.x },
                    alternatives: text.alternatives.map {
                        InspectedWord(text: $0.text, rect: mmRect($0.box), confidence: $0.confidence)
                    })
            })
    }

    /// The closed cells of the page's printed rules, in pixels.
    package static func cells(
        on page: any ReadablePage, pxPerMM: Double, minimumLine: Double = 2.5,
        maximumThickness: Double = 0.8
    ) -> [TemplateRect] {
        let lines = page.ruledLines(
            minimumLength: Int((minimumLine * pxPerMM).rounded()),
            maximumThickness: max(2, Int((maximumThickness * pxPerMM).rounded())))
        return RuledGrid.cells(lines, tolerance: max(2, 0.6 * pxPerMM), minimumSide: max(4, 2.8 * pxPerMM))
    }

    /// Tesseract's words of the whole page, joined into runs: consecutive words (in Tesseract's reading order) on
    /// one line less than about half a character apart are one run (jpn gives 氏 and 名 as two words).
    static func words(on page: any ReadablePage, minimumConfidence: Double) -> [RecognizedWord] {
        guard let reading = try? page.recognize(nil, options: RecognitionOptions(segmentation: .auto)) else {
            return []
        }
        let words = reading.words.filter {
            !$0.text.trimmingCharacters(in: .whitespaces).isEmpty && $0.confidence >= minimumConfidence
        }
        var runs: [RecognizedWord] = []
        for word in words {
            if var run = runs.last {
                let w = word.box
                let overlap = min(w.maxY, run.box.maxY) - max(w.y, run.box.y)
                let gap = w.x - run.box.maxX
                if overlap > min(w.height, run.box.height) / 2, w.x > run.box.x,
                    Double(gap) < 0.6 * Double(max(w.height, run.box.height))
                {
                    let cjk =
                        run.text.last.map(TextFolding.isCJK) == true || word.text.first.map(TextFolding.isCJK) == true
                    run = RecognizedWord(
                        text: run.text + (cjk ? "" : " ") + word.text, box: union(run.box, w),
                        confidence: min(run.confidence, word.confidence))
                    runs[runs.count - 1] = run
                    continue
                }
            }
            runs.append(word)
        }
        return runs.sorted { ($0.box.y + $0.box.height / 2, $0.box.x) < ($1.box.y + $1.box.height / 2, $1.box.x) }
    }

    /// Squares of one size side by side on one line become a row (three or more).
    static func characterRows(_ squares: [TemplateRect]) -> [InspectedCharacterRow] {
        let sorted = squares.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
        var rows: [InspectedCharacterRow] = []
        var current: [TemplateRect] = []
        func flush() {
            if current.count >= 3 {
                let pitch = (current.last!.x - current.first!.x) / Double(current.count - 1)
                rows.append(
                    InspectedCharacterRow(first: current[0], count: current.count, pitch: (pitch * 10).rounded() / 10))
            }
            current = []
        }
        for square in sorted {
            if let last = current.last, abs(square.y - last.y) < 0.6, abs(square.height - last.height) < 0.6,
                abs(square.width - last.width) < 0.6, abs(square.x - last.maxX) < 1.0
            {
                current.append(square)
            } else {
                flush()
                current = [square]
            }
        }
        flush()
        return rows
    }
}
