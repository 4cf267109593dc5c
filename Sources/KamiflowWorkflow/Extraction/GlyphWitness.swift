import Foundation
import KamiflowCore

/// The glyphs of one typeface, each drawn, cut to its ink and shrunk to a small square: what a line printed in that
/// typeface is compared with (`GlyphWitness`).
///
/// Made once per typeface by the composition root (KamiflowForms draws them with FreeType) and shared read-only by
/// every engine worker.
public final class GlyphTemplates: Sendable {
    /// The side, in pixels, every glyph is shrunk to.
    public static let side = 32
    /// The side of the coarse copies every glyph is first compared by (`best`).
    static let coarseSide = 8

    public let characters: [Character]
    let index: [Character: Int]
    /// `side`² values per character, zero mean and unit length (`GlyphShape`), kept as bytes: `codes[i] * scales[c]`
    /// (a quarter of the memory of floats: 9 MB for IPA Pゴシック).
    let codes: [Int8]
    let scales: [Float]
    /// `coarseSide`² values per character: the same shapes pooled, zero mean and unit length (as bytes, too).
    let coarse: [Int8]
    let coarseScales: [Float]
    /// The width and height of each character's ink, in ems.
    let sizes: [(width: Float, height: Float)]
    /// The kanji outside JIS X 0208's first level (the 2,965 in common use), which the witness must be surer of.
    let rare: Set<Character>

    init(
        characters: [Character], codes: [Int8], scales: [Float], coarse: [Int8], coarseScales: [Float],
        sizes: [(width: Float, height: Float)], rare: Set<Character>
    ) {
        self.characters = characters
        var index: [Character: Int] = [:]
        for (position, character) in characters.enumerated() where index[character] == nil {
            index[character] = position
        }
        self.index = index
        self.codes = codes
        self.scales = scales
        self.coarse = coarse
        self.coarseScales = coarseScales
        self.sizes = sizes
        self.rare = rare
    }

    /// Collects a typeface's glyphs one by one, as they are drawn.
    public struct Builder {
        var characters: [Character] = []
        var codes: [Int8] = []
        var scales: [Float] = []
        var coarse: [Int8] = []
        var coarseScales: [Float] = []
        var sizes: [(width: Float, height: Float)] = []
        var rare: Set<Character> = []

        public init() {}

        /// Adds `character` drawn as `ink` (`width`×`height` values, 0 paper … 1 ink, row by row) at an em of `em`
        /// pixels; `rare` for a kanji the witness must be surer of. A glyph without ink is left out.
        public mutating func add(_ character: Character, ink: [Float], width: Int, height: Int, em: Int, rare: Bool) {
            guard let shape = GlyphShape(ink: ink, width: width, height: height, em: Float(em)) else { return }
            characters.append(character)
            let full = Self.bytes(shape.values), pooled = Self.bytes(shape.coarse)
            codes += full.codes
            scales.append(full.scale)
            coarse += pooled.codes
            coarseScales.append(pooled.scale)
            sizes.append(shape.size)
            if rare { self.rare.insert(character) }
        }

        public var count: Int { characters.count }

        /// `values` as bytes times a scale (the largest magnitude maps to 127).
        static func bytes(_ values: [Float]) -> (codes: [Int8], scale: Float) {
            let largest = values.map(abs).max() ?? 0
            let scale = largest > 0 ? largest / 127 : 1
            return (values.map { Int8(($0 / scale).rounded()) }, scale)
        }

        public func build() -> GlyphTemplates {
            GlyphTemplates(
                characters: characters, codes: codes, scales: scales, coarse: coarse, coarseScales: coarseScales,
                sizes: sizes, rare: rare)
        }
    }

    func isRare(_ character: Character) -> Bool { rare.contains(character) }

    /// How alike a glyph is to `character`'s (−1…1, 1 for the same picture); `nil` when the typeface has no such
    /// glyph.
    func score(_ shape: GlyphShape, as character: Character) -> Float? {
        guard let position = index[character] else { return nil }
        return score(shape, position)
    }

    /// The correlation of the shapes, less a penalty when the glyph's size on the line is not the character's:
    /// shapes are compared at one size, which would make ァ of ア and ー of ｰ.
    private func score(_ shape: GlyphShape, _ position: Int) -> Float {
        let likeness =
            GlyphShape.dot(shape.values, codes, at: position * GlyphTemplates.side * GlyphTemplates.side)
            * scales[position]
        let size = shape.size
        // Sizes are softened by a tenth of an em, so that a stroke one pixel thicker is no different.
        func mismatch(_ measured: Float, _ expected: Float) -> Float { abs(log((measured + 0.1) / (expected + 0.1))) }
        let off = max(mismatch(size.width, sizes[position].width), mismatch(size.height, sizes[position].height))
        return likeness - Self.sizeWeight * max(0, off - Self.sizeTolerance)
    }

    /// How much a size mismatch costs (per unit of log ratio beyond `sizeTolerance`).
    static let sizeWeight: Float = 0.5
    /// The mismatch of sizes, as a log ratio, that costs nothing: the em of a line is only estimated (±15 %).
    static let sizeTolerance: Float = 0.15

    /// The character whose glyph is most like `shape`, among `allowed` when given, with its score. Every glyph is
    /// compared by its 8×8 coarse copy first (a sixteenth of the work) and only the closest 48 in full.
    func best(_ shape: GlyphShape, allowed: ((Character) -> Bool)? = nil) -> (character: Character, score: Float)? {
        let area = GlyphTemplates.coarseSide * GlyphTemplates.coarseSide
        // The 48 closest coarse copies, kept sorted (closest first) as they are found.
        var shortlist: [(position: Int, likeness: Float)] = []
        shortlist.reserveCapacity(49)
        for position in characters.indices where allowed?(characters[position]) ?? true {
            let likeness = GlyphShape.dot(shape.coarse, coarse, at: position * area) * coarseScales[position]
            guard shortlist.count < 48 || likeness > shortlist[shortlist.count - 1].likeness else { continue }
            let place = shortlist.firstIndex { $0.likeness < likeness } ?? shortlist.count
            shortlist.insert((position, likeness), at: place)
            if shortlist.count > 48 { shortlist.removeLast() }
        }
        var best: (character: Character, score: Float)?
        for (position, _) in shortlist {
            let score = score(shape, position)
            if score > best?.score ?? -2 { best = (characters[position], score) }
        }
        return best
    }
}

/// A glyph's ink made comparable: cut to its ink, centred in a square, shrunk to `GlyphTemplates.side`, blurred a
/// little (a pixel's shift costs little) and scaled to zero mean and unit length, so that the dot product of two
/// shapes is their correlation.
struct GlyphShape: Sendable {
    var values: [Float]
    var coarse: [Float]
    /// The width and height of the glyph's ink in ems of its line.
    var size: (width: Float, height: Float)

    /// `ink` is `width`×`height` values, 0 for paper and 1 for full ink, row by row, of a glyph on a line (or drawn)
    /// at an em of `em` pixels. `nil` when nothing is darker than half.
    init?(ink: [Float], width: Int, height: Int, em: Float) {
        guard let bounds = Self.inkBounds(ink: ink, width: width, height: height) else { return nil }
        values = Self.normalized(ink: ink, width: width, bounds: bounds)
        coarse = Self.pooled(values)
        size = (Float(bounds.maxX - bounds.minX + 1) / em, Float(bounds.maxY - bounds.minY + 1) / em)
    }

    /// The box of the ink (values above one half) of `ink`; `nil` without ink.
    static func inkBounds(ink: [Float], width: Int, height: Int) -> (minX: Int, maxX: Int, minY: Int, maxY: Int)? {
        var minX = width, maxX = -1, minY = height, maxY = -1
        for y in 0..<height {
            for x in 0..<width where ink[y * width + x] > 0.5 {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        return maxX >= 0 ? (minX, maxX, minY, maxY) : nil
    }

    /// The ink inside `bounds` as a shape: centred in a square, shrunk, blurred, zero mean and unit length.
    static func normalized(
        ink: [Float], width: Int, bounds: (minX: Int, maxX: Int, minY: Int, maxY: Int)
    ) -> [Float] {
        let (minX, maxX, minY, maxY) = bounds
        let inkWidth = maxX - minX + 1, inkHeight = maxY - minY + 1
        let square = max(inkWidth, inkHeight)
        let offsetX = (square - inkWidth) / 2 - minX, offsetY = (square - inkHeight) / 2 - minY
        // Area-weighted shrink (or growth) of the square to side × side.
        let side = GlyphTemplates.side
        let step = Double(square) / Double(side)
        var small = [Float](repeating: 0, count: side * side)
        ink.withUnsafeBufferPointer { ink in
            for row in 0..<side {
                let top = Double(row) * step, bottom = top + step
                for column in 0..<side {
                    let left = Double(column) * step, right = left + step
                    var sum = 0.0
                    let firstRow = max(Int(top), minY + offsetY)
                    for y in firstRow..<max(firstRow, min(Int(bottom.rounded(.up)), maxY + offsetY + 1)) {
                        let coverY = min(bottom, Double(y + 1)) - max(top, Double(y))
                        let line = (y - offsetY) * width - offsetX
                        let first = max(Int(left), minX + offsetX)
                        for x in first..<max(first, min(Int(right.rounded(.up)), maxX + offsetX + 1)) {
                            sum += (min(right, Double(x + 1)) - max(left, Double(x))) * coverY * Double(ink[line + x])
                        }
                    }
                    small[row * side + column] = Float(sum / (step * step))
                }
            }
        }
        return unit(blurred(small, side: side))
    }

    /// A normalised shape averaged down to `GlyphTemplates.coarseSide`, normalised again.
    static func pooled(_ values: [Float]) -> [Float] {
        let side = GlyphTemplates.side, coarseSide = GlyphTemplates.coarseSide, cell = side / coarseSide
        var pooled = [Float](repeating: 0, count: coarseSide * coarseSide)
        for y in 0..<side {
            for x in 0..<side { pooled[(y / cell) * coarseSide + x / cell] += values[y * side + x] }
        }
        return unit(pooled)
    }

    /// A separable Gaussian blur of σ = 1 pixel, edges clamped.
    static func blurred(_ values: [Float], side: Int) -> [Float] {
        let kernel: [Float] = [0.054, 0.242, 0.399, 0.242, 0.054]
        var across = [Float](repeating: 0, count: values.count)
        var result = [Float](repeating: 0, count: values.count)
        for y in 0..<side {
            for x in 0..<side {
                var sum: Float = 0
                for k in -2...2 { sum += kernel[k + 2] * values[y * side + min(side - 1, max(0, x + k))] }
                across[y * side + x] = sum
            }
        }
        for y in 0..<side {
            for x in 0..<side {
                var sum: Float = 0
                for k in -2...2 { sum += kernel[k + 2] * across[min(side - 1, max(0, y + k)) * side + x] }
                result[y * side + x] = sum
            }
        }
        return result
    }

    /// `values` less their mean, scaled to unit length (all zeros stay zeros).
    static func unit(_ values: [Float]) -> [Float] {
        let mean = values.reduce(0, +) / Float(values.count)
        let centred = values.map { $0 - mean }
        let length = centred.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return length > 0 ? centred.map { $0 / length } : centred
    }

    /// The dot product of `values` with the same number of byte codes of `table` from `offset`.
    static func dot(_ values: [Float], _ table: [Int8], at offset: Int) -> Float {
        values.withUnsafeBufferPointer { a in
            table.withUnsafeBufferPointer { b in
                var sums = SIMD8<Float>()
                var i = 0
                let count = a.count
                while i + 8 <= count {
                    let x = SIMD8<Float>(a[i..<(i + 8)])
                    let y = SIMD8<Float>(SIMD8<Int8>(b[(offset + i)..<(offset + i + 8)]))
                    sums += x * y
                    i += 8
                }
                var sum = sums.sum()
                while i < count {
                    sum += a[i] * Float(b[offset + i])
                    i += 1
                }
                return sum
            }
        }
    }
}

/// One glyph the witness found on a line: its shape and the character most like it.
struct WitnessedGlyph {
    var shape: GlyphShape
    var character: Character
    var score: Float
}

/// A line's ink cut where its columns hold none, and the shape of every join of neighbouring cuts no wider than
/// about one text height: the pieces both the witness's own reading and a reading it is compared with are made of.
struct CutLine {
    /// shapes[start][end - start - 1]: the shape of cuts start..<end; `nil` when too wide or without ink.
    var shapes: [[GlyphShape?]]
    var count: Int { shapes.count }

    init(_ image: GrayImage) {
        let width = image.width, height = image.height
        let ink = image.pixels.map { Float(255 - Int($0)) / 255 }
        var inkRows = [Bool](repeating: false, count: height)
        var columnInk = [Int](repeating: 0, count: width)
        for y in 0..<height {
            for x in 0..<width where ink[y * width + x] > 0.5 {
                inkRows[y] = true
                columnInk[x] += 1
            }
        }
        guard let top = inkRows.firstIndex(of: true), let bottom = inkRows.lastIndex(of: true) else {
            shapes = []
            return
        }
        let textHeight = bottom - top + 1
        // A line of kanji spans about nine tenths of its em from the top of its tallest glyph to the bottom of its
        // lowest (IPA Pゴシック: 国 0.85, 東 0.90); Latin with descenders about as much.
        let em = Float(textHeight) / 0.9
        // Runs of columns with ink; a run of a few pixels of ink is a speck the writing's cleaning left.
        let runs = inkedRuns(columnInk).filter { $0.ink >= 6 }.map(\.range)
        shapes = runs.indices.map { start in
            var joins: [GlyphShape?] = []
            for end in (start + 1)...runs.count {
                let columns = runs[start].lowerBound..<runs[end - 1].upperBound
                if end > start + 1, Double(columns.count) > 1.15 * Double(textHeight) { break }
                var cut = [Float](repeating: 0, count: columns.count * height)
                for y in 0..<height {
                    for x in columns { cut[y * columns.count + x - columns.lowerBound] = ink[y * width + x] }
                }
                joins.append(GlyphShape(ink: cut, width: columns.count, height: height, em: em))
            }
            return joins
        }
    }

    func shape(_ start: Int, _ end: Int) -> GlyphShape? {
        let joins = shapes[start]
        return end - start - 1 < joins.count ? joins[end - start - 1] : nil
    }

    /// The best way to cut the whole line into pieces, by dynamic programming: `value(start, end, index)` scores
    /// the piece of cuts start..<end as the index-th of the result (`nil`: not allowed); with `pieces`, exactly that
    /// many, else any number (and `index` is always 0). Returns each piece's result in order, `nil` when no cut is
    /// allowed.
    func bestCut<T>(pieces: Int? = nil, _ value: (_ start: Int, _ end: Int, _ index: Int) -> (T, Float)?) -> [T]? {
        guard count > 0 else { return nil }
        // best[end][made]: the best total for the first `end` cuts made into `made` pieces (made is 0 throughout
        // when the number of pieces is free).
        let rows = pieces.map { $0 + 1 } ?? 1
        var best = [[(total: Float, results: [T])?]](repeating: Array(repeating: nil, count: rows), count: count + 1)
        best[0][0] = (0, [])
        for end in 1...count {
            for start in stride(from: end - 1, through: 0, by: -1) where shape(start, end) != nil {
                for made in 0..<max(1, rows - 1) {
                    guard let before = best[start][made], let (result, score) = value(start, end, made) else {
                        continue
                    }
                    let target = pieces == nil ? 0 : made + 1
                    let total = before.total + score
                    if best[end][target] == nil || total > best[end][target]!.total {
                        best[end][target] = (total, before.results + [result])
                    }
                }
            }
        }
        return best[count][pieces ?? 0]?.results
    }
}

/// A second, independent reader for lines printed in a typeface the workflow names (`form.typeface`): the line's
/// ink is cut into glyphs and each is compared with every glyph of the typeface.
///
/// Tesseract's Japanese models (jpn, Japanese) have no 颯 and no 紬, both common in children's names, and read them
/// as 編, 六, 細 or 納; kanji they have they confuse (和也 → 和世, 葵 → 壮, 郎 → 朗). Compared with the typeface's own
/// glyphs (JIS X 0213's kanji and kana, Latin letters and digits), a glyph printed in that typeface is its own best
/// match far more often than Tesseract's reading is right (the measurements: docs/samples-and-eval.md, fifth round).
///
/// The line is cut where its columns hold no ink, and neighbouring cuts are joined into a glyph when no wider than
/// about one text height; which joins is decided by the best total likeness (`CutLine.bestCut`), so that 川's three
/// strokes make one glyph, and so do 林's two halves.
struct GlyphWitness {
    let templates: GlyphTemplates
    /// Which characters the field may hold (kana fields: their kana only).
    let allowed: ((Character) -> Bool)?

    /// How much more like the witness's character a glyph must be than like the reading's before the witness is
    /// believed (correlation, 0…2). At 0.04 on the 271 names: 267 right; at 0, 258 (一 read as ―, 口 as ロ).
    static let margin: Float = 0.04
    /// The margin for a character outside JIS level 1 (抻 for 神, 豸 for 県): rare in names and addresses, so the
    /// witness must be surer. 颯, level 2, is read at about 0.95 where Tesseract's 編 or 六 scores about 0.5.
    static let rareMargin: Float = 0.10
    /// What a glyph costs in the witness's own cut beyond its unlikeness: keeps a kanji whole rather than read as
    /// its parts.
    static let pieceCost: Float = 0.15

    /// The glyphs of a line, in order; empty when it holds no ink.
    func glyphs(of line: CutLine) -> [WitnessedGlyph] {
        line.bestCut { start, end, _ in
            guard let shape = line.shape(start, end), let match = templates.best(shape, allowed: allowed) else {
                return nil
            }
            let glyph = WitnessedGlyph(shape: shape, character: match.character, score: match.score)
            return (glyph, match.score - 1 - Self.pieceCost)
        } ?? []
    }

    /// Characters drawn alike in a Gothic face, mostly of different scripts: the witness cannot tell them apart
    /// (their shapes and sizes match, or nearly), so it never replaces one with another, and picks among them by the
    /// neighbours' script.
    static let lookAlikes: [[Character]] = [
        ["一", "ー"], ["口", "ロ"], ["I", "l", "1"], ["工", "エ", "ェ"], ["力", "カ", "ヵ"], ["夕", "タ"], ["卜", "ト"],
        ["八", "ハ"], ["二", "ニ"], ["O", "o"], ["へ", "ヘ"], ["べ", "ベ"], ["ぺ", "ペ"],
        // Kanji a short stroke apart, which the witness's coarse shapes lose at 200 dpi: it took the 千 of 千葉県 and
        // of 青木千尋 for 干 on the shipped workflows' 200 scans, where Tesseract had read them right.
        ["千", "干"],
        // Small kana are their large kana drawn smaller and lower: the line's em is only estimated, so the witness
        // leaves the size to Tesseract (on 200 scans a sixth of its corrections had made イ of ィ or the reverse).
        ["ア", "ァ"], ["イ", "ィ"], ["ウ", "ゥ"], ["オ", "ォ"], ["ツ", "ッ"], ["ヤ", "ャ"], ["ユ", "ュ"], ["ヨ", "ョ"],
        ["ワ", "ヮ"], ["ケ", "ヶ"], ["あ", "ぁ"], ["い", "ぃ"], ["う", "ぅ"], ["え", "ぇ"], ["お", "ぉ"], ["つ", "っ"],
        ["や", "ゃ"], ["ゆ", "ゅ"], ["よ", "ょ"], ["わ", "ゎ"],
    ]

    static func lookAlike(_ a: Character, _ b: Character) -> Bool {
        lookAlikes.contains { $0.contains(a) && $0.contains(b) }
    }

    /// The witness's characters with each look-alike (`lookAlikes`) swapped for the one of its set whose script its
    /// neighbours share (ロ among katakana, 口 among kanji; I beside capitals, l beside small letters).
    static func inContext(_ characters: [Character]) -> String {
        var result = characters
        for (offset, character) in characters.enumerated() {
            guard let set = lookAlikes.first(where: { $0.contains(character) }) else { continue }
            let neighbours = [offset - 1, offset + 1].filter { characters.indices.contains($0) }
                .map { characters[$0] }.filter { neighbour in lookAlikes.allSatisfy { !$0.contains(neighbour) } }
            func agreeing(_ candidate: Character) -> Int {
                neighbours.filter { script($0) == script(candidate) }.count
            }
            let best = set.max { (agreeing($0), $0 == character ? 1 : 0) < (agreeing($1), $1 == character ? 1 : 0) }
            if let best, agreeing(best) > agreeing(character) { result[offset] = best }
        }
        return String(result)
    }

    /// A coarse script of a character, for `inContext`.
    static func script(_ character: Character) -> Int {
        if TextFolding.isKatakana(character) || character == "ー" { return 1 }
        if TextFolding.isHiragana(character) { return 2 }
        if character.isASCII, character.isUppercase { return 3 }
        if character.isASCII, character.isLowercase { return 4 }
        if character.isASCII, character.isNumber { return 5 }
        if TextFolding.isCJK(character) { return 6 }
        return 0
    }

    /// The mean likeness above which the witness's line stands on its own.
    static let sureLikeness: Float = 0.85

    /// The mean likeness of a page's first lines of free text to the typeface's glyphs below which the page's values
    /// are taken to be printed in another face, or scanned too coarsely to compare (`FieldReader.typefaceLikeness`).
    ///
    /// On 30 児童手当 scans (seed 777001), page by page: values in the workflow's IPA Pゴシック at 200 dpi 0.950–0.972;
    /// in Noto Sans CJK 0.848–0.906, Noto Serif CJK 0.721–0.808, VL Gothic 0.739–0.812, IPA P明朝 0.747–0.830; in IPA
    /// Pゴシック at 150 dpi with noise 0.788–0.865, as faxed 0.712–0.901. Only the first set is read better with the
    /// witness (716 of 717 printed fields right, against 710 without it); on every other set it put in characters of
    /// its own face that were not there, 23 to 42 of 717 fields fewer right than without it (Noto Sans aside: 713
    /// against 707).
    static let typefaceLikeness: Float = 0.93
    /// How many lines of free text a page is judged by, and the fewest glyphs that can judge it (fewer: the witness
    /// is kept, as before the page was judged).
    static let typefaceProbeLines = 4
    static let typefaceProbeGlyphs = 6
    /// How much more like another kanji of the typeface than like the kanji read a glyph of a name printed in another
    /// face must be before the name is in doubt (`FieldReader.kanjiUnlikeGlyphs`): at 0.12, 29 of 990 right names
    /// were doubted, at 0.15 18, at 0.20 14, but 35 of 43 wrong ones found instead of 41.
    static let otherFaceMargin: Float = 0.15
}

/// A line as the witness saw it, to compare readings of it with.
struct WitnessedLine {
    let witness: GlyphWitness
    let line: CutLine
    let glyphs: [WitnessedGlyph]

    /// The witness's own reading of the line.
    var text: String { String(glyphs.map(\.character)) }

    /// Whether the witness read `reading`'s characters (spaces and punctuation aside), each look-alike it cannot
    /// tell from its set taken as its neighbours' script makes it (`GlyphWitness.inContext`).
    ///
    /// The witness read the I of 関東ITソフトウェア健康保険組合 as l (and the 一 of 原田健一 as ー) on one kokuho scan, and
    /// compared character for character it bore such lines out only when it happened to pick the I; the second
    /// Japanese model reads the Latin `IT` as `|T`, so nothing else did: 22 of the 24 flagged 前保険者名 on the shipped
    /// kokuho workflow's 200 scans were that right value. A reading whose look-alike is not the one its neighbours
    /// call for (jpn's 関東lT…) is not borne out.
    func agrees(with reading: String) -> Bool {
        !glyphs.isEmpty && FieldReader.comparable(reading) == GlyphWitness.inContext(glyphs.map(\.character))
    }

    /// `reading` with the characters the witness is surer of put in. Where the witness found as many glyphs as the
    /// reading has characters (spaces and the punctuation Tesseract adds left aside), each character is replaced by
    /// the witness's when that glyph is more like the witness's character, by `margin` (`rareMargin` for a rare
    /// kanji). Otherwise the witness's whole line is taken when its glyphs are on average more like its characters,
    /// by `margin`, than the same ink cut into the reading's characters is like those. `nil` when the witness found
    /// no ink.
    func corrected(_ reading: String) -> String? {
        let templates = witness.templates
        guard !glyphs.isEmpty else { return nil }
        let kept = reading.enumerated().filter { !FieldReader.comparable(String($0.element)).isEmpty }
        if kept.count == glyphs.count {
            var characters = Array(reading)
            for ((offset, read), glyph) in zip(kept, glyphs) where read != glyph.character {
                guard !GlyphWitness.lookAlike(read, glyph.character),
                    let readScore = templates.score(glyph.shape, as: read)
                else { continue }
                let margin = templates.isRare(glyph.character) ? GlyphWitness.rareMargin : GlyphWitness.margin
                if glyph.score - readScore > margin { characters[offset] = glyph.character }
            }
            return String(characters)
        }
        let wanted = kept.map(\.element)
        let witnessLikeness = glyphs.reduce(Float(0)) { $0 + $1.score } / Float(glyphs.count)
        guard !wanted.isEmpty, wanted.allSatisfy({ templates.index[$0] != nil }),
            let scores = line.bestCut(
                pieces: wanted.count,
                { start, end, index in
                    line.shape(start, end).flatMap { templates.score($0, as: wanted[index]) }.map { ($0, $0) }
                })
        else {
            // A reading the typeface cannot show (nothing read, or characters it lacks): the witness's line when its
            // glyphs are unmistakable.
            return witnessLikeness >= GlyphWitness.sureLikeness ? GlyphWitness.inContext(Array(text)) : reading
        }
        let readLikeness = scores.reduce(0, +) / Float(scores.count)
        return witnessLikeness - readLikeness > GlyphWitness.margin ? GlyphWitness.inContext(Array(text)) : reading
    }
}
