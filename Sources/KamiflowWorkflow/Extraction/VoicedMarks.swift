import Foundation
import KamiflowCore

/// Whether the ink beside a kana holds the voiced mark it was read with: a witness that fails independently of
/// Tesseract's reading.
///
/// At 150–300 dpi the ゜ of パ or ポ is a ring of five to ten pixels, and jpn, its second decode and the second model
/// all read the kana without it, or with a ゛, at 89–93 with nothing to doubt (seed 8808 of the existing-forms
/// corpus: グリーンパレス read as グリーンハレス 7 times, コーポ as コーホ once: 8 of its 12 silent errors; seed 7321:
/// コーポ read as コーボ 4 times). The ring is there in the ink, above the right half of the kana
/// and in the top of the line, where none of ハヒフヘホ has ink of its own: a blob standing alone, or a loop of ink
/// round a speck of paper where the ring touches the kana's stroke. A kana of the ハ row read plain with either beside
/// it, or read with a ゛ beside such a loop (no ゛ closes one), is in doubt. Nothing is put in: the person who looks
/// reads the mark.
struct VoicedMarks {
    /// The kana read plain whose mark is looked for: those that take a ゜ (and a ゛) and whose own strokes leave the
    /// top of their right half empty, or cross it in one stroke that runs on down or to the left (ヘ, フ, ホ).
    static let plain: Set<Character> = Set("ハヒフヘホ")
    /// The kana read with a ゛ that may be a ゜ misread.
    static let voiced: Set<Character> = Set("バビブベボ")
    /// Whether `character` is a kana of the ハ row whose mark is looked at, read plain or with a ゛.
    static func isChecked(_ character: Character) -> Bool { plain.contains(character) || voiced.contains(character) }
    /// The characters of a reading that are glyphs on the page: text that is not a space, with a box.
    static func glyphs(of characters: [RecognizedWord]) -> [RecognizedWord] {
        characters.filter { !$0.text.allSatisfy(\.isWhitespace) && !$0.box.isEmpty }
    }
    /// Each kana read with a ゛, and the same kana with a ゜.
    static let ringed: [Character: Character] = ["バ": "パ", "ビ": "ピ", "ブ": "プ", "ベ": "ペ", "ボ": "ポ"]

    /// The ink of an area around a kana: its blobs, and the specks of paper its ink closes round (the counter of a
    /// ゜), as boxes in page pixels.
    struct Ink: Equatable {
        var blobs: [PixelRect]
        var holes: [PixelRect] = []
    }

    /// A mark spans at least this share of the line's em, and at most `largestMark`: specks and JPEG noise are
    /// smaller, a glyph's stroke larger.
    static let smallestMark = 0.12
    static let largestMark = 0.45

    /// A mark lies in the top of the line: its lowest ink is above this share of the em from the line's top (a ゜
    /// reaches about a third of the way down; ホ's right dot and ヒ's stroke lie lower).
    static let markBottom = 0.45

    /// Where a mark is looked for, in shares of the em: from this far above the line's top…
    static let reachAbove = 0.35
    /// …to this far down, and this far right of the kana's box (a ゜ often stands out of it).
    static let reachBelow = 0.55
    static let reachRight = 0.35
    /// …and this far left of it (the LSTM's box of a kana is often narrower than its ink).
    static let reachLeft = 0.15

    /// The indices in `glyphs` (a reading's glyphs, each a character, with their boxes) of the kana of the ハ row
    /// that `text` has read plain or with a ゛: each run of katakana of `text` holding one is looked for, letter for
    /// letter, in the glyphs, and taken where it is found once. The value kept may be another reader's than the one
    /// whose glyphs are known (a line read 1]号 by jpn and 1号 by the vote still has its サンハイツ where jpn put it).
    static func checkedKana(of text: String, in glyphs: [String]) -> [Int] {
        let written = Array(text.filter { !$0.isWhitespace })
        var read: [Character] = []
        var owner: [Int] = []
        for (index, glyph) in glyphs.enumerated() {
            for character in glyph {
                read.append(character)
                owner.append(index)
            }
        }
        func isKatakana(_ character: Character) -> Bool {
            character.unicodeScalars.allSatisfy { (0x30A1...0x30FC).contains($0.value) }
        }
        var found: [Int] = []
        var start = 0
        while start < written.count {
            guard isKatakana(written[start]) else {
                start += 1
                continue
            }
            var end = start
            while end < written.count, isKatakana(written[end]) { end += 1 }
            let run = Array(written[start..<end])
            start = end
            guard run.contains(where: isChecked), run.count <= read.count else { continue }
            let places = (0...(read.count - run.count)).filter { Array(read[$0..<($0 + run.count)]) == run }
            guard places.count == 1, let place = places.first else { continue }
            found += run.indices.filter { isChecked(run[$0]) }.map { owner[place + $0] }
        }
        return found
    }

    /// The first of `checked` (indices in `glyphs`, the reading's glyphs with their boxes in page pixels: kana of the
    /// ハ row read plain or with a ゛) whose ink has a mark beside it that was not read; `nil` when none has.
    ///
    /// The line's top and em are its ink's (`line`: the box of its writing): the LSTM's glyph boxes place a kana
    /// along the line, and no more (on a 150-dpi scan the box of ハ held its right stroke only, that of リ was 4
    /// pixels tall). `ink(rect)` gives the blobs inside `rect` (a blob crossing its edge cut there) and the paper
    /// they close round; a ゜ the threshold broke into pieces is taken whole, its pieces a pixel or two apart.
    static func unreadMark(
        in glyphs: [RecognizedWord], checking checked: [Int], line: PixelRect, ink: (PixelRect) -> Ink
    ) -> Int? {
        let em = Double(line.height), top = Double(line.y)
        guard em >= 8 else { return nil }
        for index in checked where glyphs.indices.contains(index) {
            let glyph = glyphs[index]
            guard let kana = glyph.text.first, glyph.text.count == 1, plain.contains(kana) || voiced.contains(kana)
            else { continue }
            var right = Double(glyph.box.maxX) + reachRight * em
            if index + 1 < glyphs.count { right = min(right, Double(middle(glyphs[index + 1].box))) }
            let left = Double(glyph.box.x) - reachLeft * em
            let region = PixelRect(
                x: Int(left.rounded()), y: Int((top - reachAbove * em).rounded()),
                width: max(0, Int((right - left).rounded())), height: Int(((reachAbove + reachBelow) * em).rounded()))
            guard region.width > 2, region.height > 2 else { continue }
            let found = ink(region)
            // Where a mark stands: in the top of the line, on the right of the kana.
            func isMarkPlace(_ box: PixelRect) -> Bool {
                Double(box.maxY) <= top + markBottom * em && box.maxX > middle(glyph.box)
            }
            // A loop of ink round paper, its counter round (two pixels or more each way: the slit two ticks of a ゛
            // close at the faint threshold is a pixel wide) and at most a third of an em: a ゜, touching the kana or
            // not.
            let ring = found.holes.contains { hole in
                isMarkPlace(hole) && min(hole.width, hole.height) >= 2
                    && max(hole.width, hole.height) <= 2 * min(hole.width, hole.height)
                    && Double(max(hole.width, hole.height)) <= largestMark * em * 0.75
            }
            if ring {
                return index
            }
            guard plain.contains(kana) else { continue }
            // Blobs whole inside the region (a stroke of the kana or of its neighbours crosses its edge), pieces
            // a pixel or two apart taken as one.
            let inside = found.blobs.filter {
                $0.x > region.x && $0.y > region.y && $0.maxX < region.maxX && $0.maxY < region.maxY
            }
            let smallest = max(3.0, smallestMark * em), largest = largestMark * em
            let gap = max(1, Int((0.08 * em).rounded()))
            let marked = clusters(inside, gap: gap).contains { blob in
                Double(max(blob.width, blob.height)) >= smallest && Double(max(blob.width, blob.height)) <= largest
                    && isMarkPlace(blob)
            }
            if marked { return index }
        }
        return nil
    }

    /// A pixel is ink when it is darker than the paper by this share of the way to the darkest ink: the ゜ of a kana
    /// at 150–200 dpi is a ring lighter than the page's threshold (grey 110–160 on paper of 230 and strokes of 60), and
    /// at 0.35 noise of an office scanner (σ up to 12 grey levels) is five deviations from it.
    static let faintInk = 0.35

    /// The ink of `image`, a grey cut of a page whose top-left pixel is at `x`, `y`, in page pixels: its blobs
    /// (8-connected) and the specks of paper they close round (4-connected paper that does not reach the image's
    /// edge, two pixels or more). The paper is the image's median grey, the ink its darkest; an image with no ink
    /// darker than the paper by a fifth of the grey scale has none.
    static func ink(in image: GrayImage, x: Int, y: Int) -> Ink {
        let width = image.width, height = image.height
        guard width > 0, height > 0, image.pixels.count == width * height else { return Ink(blobs: []) }
        let sorted = image.pixels.sorted()
        let paper = Double(sorted[sorted.count / 2]), darkest = Double(sorted[sorted.count / 100])
        guard paper - darkest >= 48 else { return Ink(blobs: []) }
        let threshold = UInt8(max(0, min(255, (paper - faintInk * (paper - darkest)).rounded())))
        let inked = image.pixels.map { $0 < threshold }
        let blobs = regions(of: inked, width: width, height: height, ink: true).map {
            PixelRect(x: x + $0.box.x, y: y + $0.box.y, width: $0.box.width, height: $0.box.height)
        }
        let holes = regions(of: inked, width: width, height: height, ink: false).filter {
            !$0.touchesEdge && $0.pixels >= 2
        }.map { PixelRect(x: x + $0.box.x, y: y + $0.box.y, width: $0.box.width, height: $0.box.height) }
        return Ink(blobs: blobs, holes: holes)
    }

    /// The connected regions of the pixels whose `inked` is `ink` (ink 8-connected, paper 4-connected, so that
    /// neither leaks through the other's diagonal), with their boxes, sizes and whether they reach the edge.
    private static func regions(
        of inked: [Bool], width: Int, height: Int, ink: Bool
    ) -> [(box: PixelRect, pixels: Int, touchesEdge: Bool)] {
        var seen = [Bool](repeating: false, count: width * height)
        var found: [(box: PixelRect, pixels: Int, touchesEdge: Bool)] = []
        let steps =
            ink
            ? [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)]
            : [(0, -1), (-1, 0), (1, 0), (0, 1)]
        for start in 0..<(width * height) where !seen[start] && inked[start] == ink {
            var stack = [start]
            seen[start] = true
            var (minX, minY, maxX, maxY, count) = (width, height, -1, -1, 0)
            while let index = stack.popLast() {
                let px = index % width, py = index / width
                (minX, minY, maxX, maxY) = (min(minX, px), min(minY, py), max(maxX, px), max(maxY, py))
                count += 1
                for (dx, dy) in steps {
                    let nx = px + dx, ny = py + dy
                    guard nx >= 0, ny >= 0, nx < width, ny < height else { continue }
                    let next = ny * width + nx
                    if !seen[next] && inked[next] == ink {
                        seen[next] = true
                        stack.append(next)
                    }
                }
            }
            found.append(
                (
                    PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1), count,
                    minX == 0 || minY == 0 || maxX == width - 1 || maxY == height - 1
                ))
        }
        return found
    }

    /// The blobs joined where they lie within `gap` pixels of each other.
    static func clusters(_ blobs: [PixelRect], gap: Int) -> [PixelRect] {
        var merged: [PixelRect] = []
        for blob in blobs {
            var box = blob
            // Joining two may bring a third within reach: look again until none is.
            while let near = merged.firstIndex(where: { other in
                max(other.x - box.maxX, box.x - other.maxX) <= gap && max(other.y - box.maxY, box.y - other.maxY) <= gap
            }) {
                box = union(box, merged.remove(at: near))
            }
            merged.append(box)
        }
        return merged
    }

    private static func middle(_ box: PixelRect) -> Int { box.x + box.width / 2 }
}

extension FieldReader {
    /// Whether `text` has a kana of the ハ row whose ink holds a mark it was not read with (`VoicedMarks`).
    /// `characters` are the first reading's glyphs with their boxes.
    func unreadMark(_ characters: [RecognizedWord], in text: String, zone: TemplateRect) -> Bool {
        let glyphs = VoicedMarks.glyphs(of: characters)
        let checked = VoicedMarks.checkedKana(of: text, in: glyphs.map(\.text))
        guard !checked.isEmpty, let line = writingBox(transform.pixelRect(zone)) else { return false }
        let found = VoicedMarks.unreadMark(in: glyphs, checking: checked, line: line, ink: markInk)
        return found != nil
    }

    /// The ink of `region` as `VoicedMarks` looks at it: the page's grey pixels where it has them (a faint ゜ is under
    /// the page's threshold), else its ink.
    func markInk(_ region: PixelRect) -> VoicedMarks.Ink {
        guard let grey = page.greyImage(of: region) else {
            return VoicedMarks.Ink(blobs: page.inkComponents(in: region, sides: 1...Int.max / 2))
        }
        return VoicedMarks.ink(in: grey, x: region.x, y: region.y)
    }

    /// Whether `chosen` is `first` (the first reading, whose glyphs are `characters`) with a ゜ where `first` has a ゛
    /// (ポ for ボ …) and nothing else changed, and the ink beside each such kana holds a ring: a loop round a speck of
    /// paper where a mark stands, which no ゛ makes.
    func ringsBearOut(_ characters: [RecognizedWord], first: String, chosen: String, zone: TemplateRect) -> Bool {
        let read = Array(TextFolding.removingSpaces(first)), kept = Array(TextFolding.removingSpaces(chosen))
        guard read.count == kept.count, read != kept,
            zip(read, kept).allSatisfy({ $0 == $1 || VoicedMarks.ringed[$0] == $1 })
        else { return false }
        let glyphs = VoicedMarks.glyphs(of: characters)
        // The ハ-row kana of the first reading, in order, and their glyphs: every one must be found.
        let checked = VoicedMarks.checkedKana(of: first, in: glyphs.map(\.text))
        let row = read.indices.filter { VoicedMarks.isChecked(read[$0]) }
        guard checked.count == row.count, let line = writingBox(transform.pixelRect(zone)) else { return false }
        for (ordinal, position) in row.enumerated() where read[position] != kept[position] {
            let ringed = VoicedMarks.unreadMark(in: glyphs, checking: [checked[ordinal]], line: line, ink: markInk)
            guard ringed != nil else { return false }
        }
        return true
    }
}
