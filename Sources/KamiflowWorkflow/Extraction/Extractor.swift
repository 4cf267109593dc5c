import Foundation
public import KamiflowCore

/// What the caller decides about extraction; the library reads no environment or clock of its own.
public struct ExtractionConfiguration: Sendable {
    /// How pages are prepared before anything is read.
    public var preparation: Preparation
    /// The day rules call `today`.
    public var today: CivilDate
    /// The glyphs of the typefaces workflows name (`form.typeface`), for the second reading of free text; `nil`
    /// reads without it.
    public var typefaces: (any TypefaceLibrary)?
    /// The master data workflows' `witnesses:` check values against; `nil` checks none.
    public var masters: (any MasterData)?

    public init(
        preparation: Preparation = Preparation(), today: CivilDate, typefaces: (any TypefaceLibrary)? = nil,
        masters: (any MasterData)? = nil
    ) {
        self.preparation = preparation
        self.today = today
        self.typefaces = typefaces
        self.masters = masters
    }
}

/// Where extraction gets a typeface's glyphs (KamiflowForms draws them with FreeType).
public protocol TypefaceLibrary: Sendable {
    /// The glyphs of `typeface` (a font file name or path, as `form.typeface` gives it); `nil` when the library does
    /// not hold them (KamiflowForms' library refuses, when it is made, workflows whose font it cannot open).
    func templates(for typeface: String) -> GlyphTemplates?
}

/// What became of one page.
public struct PageOutcome: Hashable, Sendable {
    public var page: Int
    /// The workflow whose form the page is; `nil` when it matched none (*unclassified*: never forced into a form).
    public var workflow: String?
    public var registration: RegistrationResult?
    /// Why the page was not read, when it was not.
    public var problem: String?
    /// The ink measured in each checkbox and option of the page's fields (0…1), by field path and option name
    /// (a checkbox's key is `box`); for overlays and `--explain`.
    public var marks: [String: [String: Double]] = [:]
    /// How the page's values matched the typeface its workflow names; `nil` when it names none.
    public var typeface: TypefaceCheck? = nil
}

/// Whether a page's values were judged printed in the typeface the workflow names (`form.typeface`), and so read
/// with the glyph witness (`FieldReader.typefaceLikeness`).
public struct TypefaceCheck: Hashable, Sendable {
    /// The mean likeness of the page's first lines of free text to the typeface's glyphs (−1…1); `nil` when they held
    /// too few glyphs to judge by, and the witness was kept.
    public var likeness: Double?
    /// Whether the glyph witness read the page's lines of free text.
    public var witnessed: Bool
    /// The likeness under which a page is read without the witness.
    public static var threshold: Double { Double(GlyphWitness.typefaceLikeness) }
}

/// Everything extracted from one scan file.
public struct ExtractionResult: Sendable {
    public var records: [FormRecord]
    public var pages: [PageOutcome]
    public var unclassifiedPages: [Int] { pages.filter { $0.workflow == nil }.map(\.page) }
}

/// The extraction pipeline: identify each page among the loaded workflows, register it to its template, read
/// every zone and mark, and interpret the readings into routed ``FormRecord``s.
///
/// It works against Core's `TextReader`, so the engine (Tesseract's pool) is chosen by the composition root and
/// tests can run the same code on real scans.
public struct Extractor: Sendable {
    public var workflows: [Workflow]
    public var reader: any TextReader
    public var configuration: ExtractionConfiguration
    /// The printed structure of each reference form's blank, found once.
    let referenceCache = ReferenceCache()

    public init(workflows: [Workflow], reader: any TextReader, configuration: ExtractionConfiguration) {
        self.workflows = workflows
        self.reader = reader
        self.configuration = configuration
    }

    /// Extracts the records of every page of `source`. `scanID` is the scan's id (SHA-256 of its bytes).
    public func extract(_ source: ScanSource, scanID: String) async throws -> ExtractionResult {
        let workflows = self.workflows
        // Each workflow's typeface, looked up once per scan (the library keeps what it has drawn).
        let glyphs = workflows.map { workflow in
            workflow.form.typeface.flatMap { configuration.typefaces?.templates(for: $0) }
        }
        let references = try await referenceCache.structures(of: workflows, reader: reader)
        let pages = try await reader.withPages(of: source, preparation: configuration.preparation) { page in
            PageReader(workflows: workflows, glyphs: glyphs, references: references).read(page)
        }
        var records: [FormRecord] = []
        var outcomes: [PageOutcome] = []
        for read in pages {
            outcomes.append(read.outcome)
            guard let index = read.workflowIndex else { continue }
            let interpreter = RecordInterpreter(
                workflow: workflows[index], today: configuration.today, masters: configuration.masters)
            records.append(
                interpreter.interpret(read.readings, scanID: scanID, index: records.count, pages: [read.outcome.page]))
        }
        return ExtractionResult(records: records, pages: outcomes)
    }
}

/// What was read on one page, made on the engine's thread and handed back as values.
struct PageRead: Sendable {
    var outcome: PageOutcome
    var workflowIndex: Int?
    var readings: [String: FieldReading]
}

/// Reads one page: runs on the engine worker that owns the page (pages never cross threads).
struct PageReader {
    let workflows: [Workflow]
    /// The glyphs of each workflow's typeface, by index; empty or `nil` entries read without a witness.
    var glyphs: [GlyphTemplates?] = []
    /// The printed structure of each workflow's reference blank, by index (`nil`: not a reference form).
    var references: [ReferenceStructure?] = []

    func read(_ page: any ReadablePage) -> PageRead {
        var problems: [String] = []
        for (index, workflow) in workflows.enumerated() {
            let registration: RegistrationResult
            switch Registrar(form: workflow.form, reference: index < references.count ? references[index] : nil)
                .register(page)
            {
            case .success(let result): registration = result
            case .failure(let error):
                problems.append("\(workflow.id): \(error.message)")
                continue
            }
            guard identifies(workflow, page: page, transform: registration.transform, alone: workflows.count == 1)
            else {
                problems.append("\(workflow.id): not this form")
                continue
            }
            let (readings, typeface) = readFields(
                workflow.form, page: page, transform: registration.transform,
                reviewFloor: workflow.review.confidenceFloor, glyphs: index < glyphs.count ? glyphs[index] : nil,
                printed: index < references.count ? references[index]?.printed : nil)
            return PageRead(
                outcome: PageOutcome(
                    page: page.index, workflow: workflow.id, registration: registration, problem: nil,
                    marks: readings.filter { !$0.value.marks.isEmpty }.mapValues(\.marks), typeface: typeface),
                workflowIndex: index, readings: readings)
        }
        return PageRead(
            outcome: PageOutcome(
                page: page.index, workflow: nil, registration: nil,
                problem: problems.isEmpty ? "no workflow loaded" : problems.joined(separator: "; ")),
            workflowIndex: nil, readings: [:])
    }

    /// True when the page shows the workflow's keyword or form code.
    func identifies(
        _ workflow: Workflow, page: any ReadablePage, transform: KamiflowCore.AffineTransform, alone: Bool
    ) -> Bool {
        func normalized(_ text: String) -> String {
            TextFolding.removingSpaces(TextFolding.foldAllDashes(TextFolding.nfkc(text))).uppercased()
        }
        switch workflow.form.identify {
        case .onlyForm:
            return alone
        case .keyword(let zone, let keyword):
            // Either witness identifies the page. Large bold titles are where jpn+eng misreads most (住民異動届 came
            // back as "RR GA)"); a printed form code, small and Latin, is the second witness. The code is asked
            // first because it is one short line, where the title is a block across the page (≈ 4× the reading
            // time): the answer is the same either way.
            if matchesCode(workflow, page: page, transform: transform, alone: false) { return true }
            let reading = try? page.recognize(
                transform.pixelRect(zone.expanded(by: 2)), options: RecognitionOptions(segmentation: .singleBlock))
            let block = normalized(reading?.text ?? ""), wanted = normalized(keyword)
            if Self.fuzzyContains(block, wanted) { return true }
            // A title in large bold print reads better as one line shrunk (印鑑登録申請書 came back as 凶錯登録申請書
            // as a block, right as a line at 32 px of ink), as `inspect` read it when it proposed the keyword. As
            // for the form code, a page of another form should not cost a third read per loaded workflow: when the
            // block was read in the keyword's script (a title read, just not this one), the line is asked only for
            // the page's one candidate or when the block came within half the keyword's characters of it. A
            // Japanese title read as Latin letters ("PFRD)BSCIEAAEDEE" for 就学援助費受給申請書) says nothing, so the
            // line is asked.
            let sameScript = block.contains(where: TextFolding.isCJK) == wanted.contains(where: TextFolding.isCJK)
            if !alone, sameScript, !Self.fuzzyContains(block, wanted, allowed: max(1, wanted.count / 2)) {
                return false
            }
            let line = try? page.recognize(
                transform.pixelRect(zone.expanded(by: 1)),
                options: RecognitionOptions(
                    segmentation: .singleLine, language: "jpn", lineHeight: FormInspector.headingLineHeight))
            return Self.fuzzyContains(normalized(line?.text ?? ""), wanted)
        case .formCode:
            return matchesCode(workflow, page: page, transform: transform, alone: alone)
        }
    }

    func matchesCode(
        _ workflow: Workflow, page: any ReadablePage, transform: KamiflowCore.AffineTransform, alone: Bool
    ) -> Bool {
        guard let code = workflow.form.code else { return false }
        let wanted = TextFolding.removingSpaces(TextFolding.foldAllDashes(TextFolding.nfkc(code.text))).uppercased()
        // jpn first, as the fields are read (eng alone missed the code KF-AN-01 on half of 50 office-scanner scans);
        // then the other models, only when it did not match: jpn lost KF-AN-01 beside scanner specks on one of 200
        // anketo scans, which left the page unclassified. Codes differ from one another in a character or two: no
        // fuzziness here, or KF-JT-01 would pass for KF-IT-01.
        // The other models are asked only for the page's one candidate, or when jpn read something near the code,
        // so that a page of another form does not cost three reads per loaded workflow.
        for language in ["jpn", FieldReader.secondModel, "eng"] {
            let reading = try? page.recognize(
                transform.pixelRect(code.zone.expanded(by: 1.5)),
                options: RecognitionOptions(segmentation: .singleLine, language: language))
            let read = TextFolding.removingSpaces(TextFolding.foldAllDashes(TextFolding.nfkc(reading?.text ?? "")))
                .uppercased()
            if read.contains(wanted) { return true }
            if language == "jpn", !alone, !Self.fuzzyContains(read, wanted) { return false }
        }
        return false
    }

    /// True when `text` holds `keyword` with at most one misread character in four, or `allowed` (Tesseract reads
    /// 認 as 説 on a clean title often enough that an exact match would leave good pages unclassified).
    static func fuzzyContains(_ text: String, _ keyword: String, allowed: Int? = nil) -> Bool {
        if text.contains(keyword) { return true }
        let t = Array(text), k = keyword.count
        guard k >= 3, t.count >= k - 1 else { return false }
        let allowed = allowed ?? max(1, k / 4)
        for length in max(1, k - 1)...(k + 1) where length <= t.count {
            for start in 0...(t.count - length)
            where Suggestion.editDistance(String(t[start..<(start + length)]), keyword) <= allowed {
                return true
            }
        }
        return false
    }

    func readFields(
        _ form: FormTemplate, page: any ReadablePage, transform: KamiflowCore.AffineTransform, reviewFloor: Double = 0,
        glyphs: GlyphTemplates? = nil, printed: PrintedInk? = nil
    ) -> (readings: [String: FieldReading], typeface: TypefaceCheck?) {
        var readings: [String: FieldReading] = [:]
        var reader = FieldReader(
            page: page, transform: transform, reviewFloor: reviewFloor, glyphs: glyphs, printed: printed)
        // The witness only for a page whose values are printed in the typeface the workflow names; on another, the
        // typeface's glyphs only doubt a name's kanji (`kanjiUnlikeGlyphs`).
        var typeface: TypefaceCheck?
        if let glyphs {
            let likeness = reader.typefaceLikeness(form.placedFields.map(\.spec))
            typeface = TypefaceCheck(
                likeness: likeness.map(Double.init),
                witnessed: likeness.map { $0 >= GlyphWitness.typefaceLikeness } ?? true)
            if typeface?.witnessed == false {
                reader.glyphs = nil
                reader.otherFace = glyphs
            }
        }
        for placed in form.placedFields {
            readings[placed.path] = reader.read(placed.spec)
        }
        return (readings, typeface)
    }
}

/// Reads one field's zones and marks.
struct FieldReader {
    let page: any ReadablePage
    let transform: KamiflowCore.AffineTransform
    /// The workflow's `review: below_confidence`: a reading under it goes to a person whatever else is found.
    var reviewFloor: Double = 0
    /// The glyphs of the typeface the form's values are printed in, when the workflow names one (`witnessed`).
    var glyphs: GlyphTemplates? = nil
    /// The reference blank's ink around the marks, for a form Kamiflow did not print (`PrintedInk`).
    var printed: PrintedInk? = nil
    /// The glyphs of the workflow's typeface where the page's values are printed in another face
    /// (`typefaceLikeness`): no witness then, only a doubt on a name's kanji (`kanjiUnlikeGlyphs`).
    var otherFace: GlyphTemplates? = nil

    var pxPerMM: Double { (transform.a * transform.a + transform.c * transform.c).squareRoot() }

    func read(_ spec: FieldSpec) -> FieldReading {
        var reading = FieldReading()
        let bounds = TemplateRect.bounding(spec.readAreas) ?? spec.frame
        reading.source = FieldSource(page: page.index, zone: transform.pixelRect(bounds))
        switch spec.type {
        case .checkbox:
            if let box = spec.box { reading.marks[FieldReading.checkboxKey] = boxRatio(box) }
            return reading
        case .choice:
            if let marks = spec.marks { reading.marks = ratios(marks) }
            return reading
        default:
            break
        }
        if spec.type == .warekiDate, let parts = spec.parts {
            if let marks = spec.marks { reading.marks = ratios(marks) }
            var confidences: [Double] = []
            // Parts of one or two digits (or 元) in line mode: in word mode jpn alone, or eng alone, reads a two-digit
            // part as its first digit ("21" as "2": 164 of 200 birth dates wrong).
            for (name, rect) in [("year", parts.year), ("month", parts.month), ("day", parts.day)] {
                var text = recognizeShort(
                    rect, spec: spec, whitelist: "0123456789元", modes: [.singleLine, .rawLine, .singleWord])
                // eng's reading where it disagreed with a confident jpn (`witnessedPart`).
                var engRead: String?
                if text.confidence >= reviewFloor {
                    let witnessed = witnessedPart(text, rect: rect, spec: spec)
                    engRead = witnessed.eng
                    text = (witnessed.text, witnessed.confidence)
                }
                let readersDisagree = engRead != nil
                // A 9 or a 6 with a 0's counter is a slashed or dotted 0 that jpn, eng and the second model all read
                // as 9 (昭和10年 as 昭和19年 in VL Gothic); one with an 8's two counters is an 8 they read as 6 or 9
                // (令和8年 as 令和6年 at 300 dpi): put back. Unless eng and the second model read the part otherwise
                // (`witnessedPart`, asked of a confident reading), the part goes on at the shape's own confidence
                // (``Evidence/eightByShape``, ``Evidence/zeroByShape``): every one of 69 such 8s on four corpus seeds
                // was right, in Noto Serif, VL Gothic, Takao Gothic and Takao Mincho, and every one of 30 zeros on two.
                // Where eng read the part as the shape puts it back (jpn 39, eng 30, the second model 39 or 38: the
                // readers misread a slashed 0 apart, and eng and jpn agree on the other digit), eng's disagreeing is
                // what bears the shape out (seed 7070 就学援助 150 dpi: six right dates so held for a person).
                let read = text.text.filter { !$0.isWhitespace }
                let shaped = zerosByShape(in: tightened(transform.pixelRect(rect)), digits: read, eights: true)
                let shapeSettles = shaped != nil && (!readersDisagree || shaped == engRead)
                if readersDisagree, !shapeSettles { reading.doubt = reading.doubt ?? .readersDisagree }
                var shapeConfidence = min(text.confidence, Evidence.disputed)
                if let shaped {
                    text.text = shaped
                    let zeros = zip(read, shaped).contains { $0 != $1 && $1 == "0" }
                    reading.doubt = reading.doubt ?? (zeros ? .slashedZero : .eightByShape)
                    if shapeSettles { shapeConfidence = zeros ? Evidence.zeroByShape : Evidence.eightByShape }
                }
                reading.parts[name] = text.text
                var confidence =
                    shaped != nil
                    ? shapeConfidence
                    : text.confidence < reviewFloor ? corroboratedPart(text, rect: rect, spec: spec) : text.confidence
                // One glyph of ink per digit (`DateInk`): a part whose readers all lost a digit (24 read as 2) has
                // more glyphs than digits. And no part has more than two: at 300 dpi jpn's line decode put a third
                // digit into a clean pair (23 read as 293, 28 as 268, 30 as 380: 9 parts of 1800 scans on corpus seeds
                // 6161 and 6464), and the date was lost as one that does not exist.
                let ink = partInk(rect)
                let missing = ink?.holds(digits: text.text) == false
                let extra = text.text.filter { $0.isASCII && $0.isNumber }.count > 2
                if missing || extra {
                    // The person who looks is given the digits read one at a time, where that reads both.
                    var apartBorneOut = false
                    if let ink, ink.isDigitPair, let apart = digitsReadApart(rect, spec: spec),
                        ink.holds(digits: apart) == true
                    {
                        let shapedApart = zerosByShape(
                            in: tightened(transform.pixelRect(rect)), digits: apart, eights: true)
                        reading.parts[name] = shapedApart ?? apart
                        // The digits read apart go on where the second model, reading each glyph alone too, reads
                        // the same two and the digit the line gave is one of them (11 read 1, 45 read 5): the glyphs,
                        // jpn and another model agree on each digit. Not where a shape changed one: it alone says so.
                        apartBorneOut =
                            missing && !extra && shapedApart == nil && !readersDisagree
                            && apart.contains(where: { read.contains($0) })
                            && digitsReadApart(rect, spec: spec, language: Self.secondModel) == apart
                    }
                    confidence =
                        apartBorneOut ? Evidence.witnessOverOwnDoubt : min(confidence, Evidence.disputed)
                    reading.doubt = reading.doubt ?? (missing ? .digitsMissing : .digitsExtra)
                }
                // A 9 or an 8 closes a loop; a 3 does not, and a Mincho 3 at 300 dpi is read as either.
                if let part = reading.parts[name], let loopless = looplessDigits(in: rect, digits: part, spec: spec) {
                    reading.parts[name] = loopless
                    confidence = min(confidence, Evidence.disputed)
                    reading.doubt = reading.doubt ?? .noLoop
                }
                confidences.append(confidence)
            }
            reading.confidence = confidences.min()
            return reading
        }
        if let cells = spec.cells {
            let read = readCells(cells, spec: spec)
            reading.text = read.text
            reading.confidence = read.confidence
            reading.doubt = read.doubt
            return reading
        }
        if let zone = spec.zone {
            guard hasWriting(in: zone) else {
                reading.text = ""
                return reading
            }
            // The characters' boxes of a line of free text: a 6 or a 9 in its digits is read again by other models
            // (`zerosOtherModelsRead`), a kana of the ハ row has its voiced mark looked for in the ink (`VoicedMarks`).
            let first = zoneReading(
                zone, spec: spec, whitelist: nil, characters: [.text, .katakana].contains(spec.type))
            var line = (text: first?.text ?? "", confidence: first?.confidence ?? 0)
            if line.text.isEmpty {
                // Not word mode (PSM 8) on a whole zone: on one office-scanner scan it crashed libtesseract 5.3.0
                // (PAGE_RES_IT::ReplaceCurrentWord while jpn+eng re-classified a word); line modes only.
                line = recognizeShort(zone, spec: spec, whitelist: nil, modes: [.rawLine, .singleLine])
            }
            var read = crossChecked(
                line, zone: zone, spec: spec, characters: first?.characters ?? [],
                independent: &reading.independentReadings)
            if read.text.isEmpty, page.fillRatio(of: transform.pixelRect(zone)) > 0.01 {
                // Ink that reads as nothing must not pass as a blank field: U+FFFD fails every validator and a
                // confidence of 0 sends the field to a person.
                read = ("\u{FFFD}", 0, nil)
            }
            if read.confidence >= reviewFloor, kanjiUnlikeGlyphs(read.text, zone: zone, spec: spec) {
                read.confidence = min(read.confidence, Evidence.disputed)
                read.doubt = .kanjiUnlikeGlyph
            }
            reading.text = read.text
            reading.confidence = read.confidence
            reading.doubt = read.doubt
        }
        return reading
    }

    /// Whether a name read on a page printed in another face than the workflow's (`otherFace`) has a kanji whose ink
    /// the typeface's glyphs find far more like another kanji (`GlyphWitness.otherFaceMargin`).
    ///
    /// Both Tesseract models read some kanji of children's names as one other kanji, and agree: 蓮 as 夢, 翔 as 閉,
    /// 葵 as 壮, 紬 (which neither has) as 細, 亮 as 売, 郎 as 朗, at 88–89. Where the values are in the typeface the
    /// witness reads them; in another face it cannot be believed character for character (it read 福岡 as 福阿), but
    /// the ink of 蓮 in Noto Serif is still far more like the typeface's 蓮 than its 夢. On 30 and 50 scans of 児童手当
    /// and 国保 in four other faces, as faxed, and at 150 dpi (seeds 777001, 20261207): 41 of the 43 names read wrong at
    /// 80 or more so found, and 18 of 990 read right (10 of them 也, whose Noto Serif glyph IPA Pゴシック's 皀 matches
    /// better). The value stays as read; the person who looks is told why.
    func kanjiUnlikeGlyphs(_ text: String, zone: TemplateRect, spec: FieldSpec) -> Bool {
        guard let otherFace, [.name, .familyGiven].contains(spec.validation.shape), Self.isLine(zone, spec) else {
            return false
        }
        var withGlyphs = self
        withGlyphs.glyphs = otherFace
        guard let line = withGlyphs.witnessed(zone, spec: spec) else { return false }
        let read = text.filter { !Self.comparable(String($0)).isEmpty }
        guard read.count == line.glyphs.count else { return false }
        return zip(read, line.glyphs).contains { character, glyph in
            character != glyph.character && TextFolding.isKanji(character) && TextFolding.isKanji(glyph.character)
                && glyph.score - (otherFace.score(glyph.shape, as: character) ?? -1) > GlyphWitness.otherFaceMargin
        }
    }

    /// Boxed characters (マス目), read as one line across the row and checked against a second decode.
    ///
    /// A lone digit is the hardest thing to give the LSTM: on office-scanner scans boxed `0`s read as nothing in
    /// word mode and as `6` in the fallbacks, while the row of cells, its separators removed (they are ruled lines
    /// of the zone's full height), read in line mode gave every digit. The row is taken when its line and
    /// raw-line decodes agree and hold one character per cell with ink; otherwise each cell is read alone, and
    /// when that agrees with neither row decode the field's confidence drops to 30 so that a person looks.
    ///
    /// A row in doubt is read again with other models and sizes (`rowOpinions`), and the field goes to a person
    /// unless two independent readers bear out what it is given. A full 個人番号, 法人番号 or 団体コード row that
    /// fails its check digit takes the first of those readings that passes: on 200 kokuho scans the five rows that
    /// failed had read 8 as 3 or 2 as 4 with jpn under the digit whitelist, and eng read each of them right. A row
    /// without a check digit whose decodes disagreed takes the reading most of them give (kyufukin's 世帯番号, 2 of
    /// 200 misread, none), and goes on at 92 where eng and the second model both read it.
    func readCells(
        _ cells: CellGrid, spec: FieldSpec, rowOpinions: [RowOpinion] = Self.rowOpinions
    ) -> (text: String, confidence: Double?, doubt: Doubt?) {
        let inked = cells.rects.map { $0.expanded(by: -0.8) }.filter {
            page.fillRatio(of: transform.pixelRect($0)) > 0.01
        }
        guard !inked.isEmpty, let row = TemplateRect.bounding(cells.rects)?.expanded(by: -0.8) else {
            return ("", nil, nil)
        }
        let rowRead = readRow(row, inked: inked, cells: cells, spec: spec)
        let zeros = slashedZeros((rowRead.text, rowRead.confidence), inked: inked, spec: spec)
        // The doubt of the row as read: a boxed digit its glyph contradicts, or its decodes disagreeing (cells read
        // alone).
        let firstDoubt: Doubt? = zeros.doubt ?? (rowRead.disputed ? .readersDisagree : nil)
        var first = (text: zeros.text, confidence: zeros.confidence, doubt: firstDoubt)
        let checked = Self.checkDigitHolds(first.text, spec.type) != nil
        // A row without a check digit whose two decodes agree is read once more by another model: the decodes are
        // one model, and share its confusions (a 150-dpi 5 read as 3, 6 as 5, 4 as 1 by both, at 90). Another
        // reading of as many digits that differs puts the row in doubt, and the vote below settles it.
        if !checked, first.confidence == Self.agreedConfidence, first.doubt == nil, !rowOpinions.isEmpty {
            let text = read(row, as: Self.rowSentinel, spec: spec, measuresConfidence: false).text
            if text.count == inked.count, text != first.text { first.confidence = Evidence.disputed }
        }
        // A row is in doubt when it fails its check digit (full rows of the types that have one), else when its
        // decodes disagreed.
        if checked {
            guard inked.count == cells.count, Self.checkDigitHolds(first.text, spec.type) == false else { return first }
        } else {
            guard let confidence = first.confidence, confidence < Self.agreedConfidence else { return first }
        }
        var votes: [String: Int] = [first.text: 1]
        var readings = [Opinion(text: first.text, confidence: first.confidence ?? 0, independent: false)]
        let own = Self.language(of: spec, else: nil)
        for opinion in rowOpinions {
            let other = read(row, as: opinion, spec: spec, measuresConfidence: checked)
            let text = other.text
            guard text.count == inked.count else { continue }
            // With a check digit, the first reading that passes; without, the reading most decodes give, the
            // first reading winning ties.
            if checked {
                if Self.checkDigitHolds(text, spec.type) == true {
                    return (text, min(other.confidence, 30), .checkDigitReading)
                }
            } else {
                votes[text, default: 0] += 1
                readings.append(
                    Opinion(
                        text: text, confidence: 0, independent: Self.language(of: spec, else: opinion.language) != own,
                        reader: Self.language(of: spec, else: opinion.language)))
            }
        }
        if !checked, !rowRead.byEng,
            let shaped = Self.zerosReadersDisputed(zeros, row: rowRead.text, first: first.text, readings, spec),
            noLoops(in: shaped, besides: rowRead.text, inked: inked)
        {
            return (shaped, Evidence.zeroByShape, .slashedZero)
        }
        let best = votes.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }
        guard !checked, let best, best.value > votes[first.text, default: 0] else {
            // The first reading kept: other models reading the same digits are the witnesses its own score is not.
            guard !checked else { return first }
            // But not of a digit whose glyph holds a loop the digit has not, read again to no digit: every reader
            // read that 4 as 1 (3449863 read 3419863 by jpn, eng and the second model, corpus seed 6161, 200 dpi).
            guard Self.loopsRead(first.text, zeros.loops) else {
                return (first.text, min(first.confidence ?? 0, Evidence.disputed), .loopInGlyph)
            }
            // A digit read again for its loop that the readers read so too is the vote's, and settled as the vote is
            // below (3392941 read again 3492941, as eng and the second model read it).
            if zeros.doubt == .loopInGlyph, !zeros.byShape.isEmpty {
                let settled = Self.corroboration(of: first.text, among: readings, witness: nil, spec: spec)
                if settled >= Evidence.independentReaders { return (first.text, settled, nil) }
            }
            // Where eng read a cell jpn could not, the row is partly eng's: eng reading it alike is no second witness,
            // and the row is judged by the others' readings of the whole row alone (jpn's with faint strokes kept, the
            // second model's). Given no credit before, six rows of seed 5353's 就学援助 at 150 dpi that eng, jpn and
            // the second model all read alike stayed at 24–43.
            let witnesses = rowRead.byEng ? readings.dropFirst().filter { $0.reader != Self.digitModel } : readings
            let corroborated = Self.corroboration(of: first.text, among: witnesses, witness: nil, spec: spec)
            let confidence = max(first.confidence ?? 0, corroborated)
            return (first.text, confidence, confidence > Evidence.disputed ? nil : first.doubt)
        }
        // A digit its glyph contradicts is not voted back: every model reads a slashed 0 as 8 or 9 alike (6254710 as
        // 6254718 by jpn, eng and the second model, corpus seed 9431). The vote settles the other digits.
        var voted = Array(best.key)
        for (index, digit) in zeros.byShape where voted.indices.contains(index) {
            // A loop says only that a digit is not 1, 2, 3, 5 or 7: a vote for one that has a loop stands.
            if zeros.loops.contains(index), !Self.looplessDigits.contains(voted[index]) { continue }
            voted[index] = digit
        }
        // Zeros put back by their counters where the other readers read every other digit alike go on
        // (``Evidence/zeroByShape``); a row they read otherwise elsewhere, or an 8 read again alone, stays in doubt.
        if zeros.doubt == .slashedZero, zeros.byShape.values.allSatisfy({ $0 == "0" }), String(voted) == first.text {
            return (first.text, Evidence.zeroByShape, .slashedZero)
        }
        // Digits the row's own reading got wrong and two independent readers, eng and the second model, read alike
        // go on as a line of text the vote settles does (`crossChecked`): the row's decodes disagreeing was the doubt
        // they answer. Not on eng with jpn at another size, one of them the model that misread (0009 read 0909 by
        // both, corpus seed 6161), and not where a glyph contradicts a digit (`slashedZeros`) unless that is a loop
        // the vote reads as a digit that has one.
        if zeros.doubt == nil
            || (zeros.doubt == .loopInGlyph && String(voted) == best.key
                && Self.loopsRead(best.key, zeros.loops))
        {
            let settled = Self.corroboration(of: best.key, among: readings, witness: nil, spec: spec)
            // The vote's digits are held to their glyphs as the row's are: eng and the second model read 5442826's
            // first 4 as 1 alike, its loop closed by a hairline (corpus seed 4343, 150 dpi), where jpn had read it.
            if settled >= Evidence.independentReaders {
                guard noLoops(in: best.key, besides: rowRead.text, inked: inked) else {
                    // The row's own digit with a loop where the glyph has one, for the person who checks it.
                    let read = Array(rowRead.text.filter { !$0.isWhitespace })
                    for index in voted.indices
                    where Self.looplessDigits.contains(voted[index]) && read.indices.contains(index)
                        && "04689".contains(read[index]) && holdsLoop(inked[index])
                    {
                        voted[index] = read[index]
                    }
                    return (String(voted), min(first.confidence ?? 0, Evidence.disputed), .loopInGlyph)
                }
                return (best.key, settled, nil)
            }
        }
        return (String(voted), min(first.confidence ?? 0, 30), zeros.doubt ?? .readersDisagree)
    }

    /// The row a boxed row's zeros put back by their counters (`slashedZeros`) go on as, where its readers disagree
    /// about those glyphs and agree on the rest; `nil` where they do not, or already read the zeros themselves.
    ///
    /// Every model misreads a slashed or dotted 0, but not alike: in 3079400 (seed 7070 就学援助 150 dpi no. 10) jpn
    /// read 3979499, eng 3079404, the second model 3879400, and no two readings were the same row, so the vote kept
    /// it at 30 though each reader read every other digit as jpn did. A reader's digit is taken as the shape's 0
    /// where it is not jpn's own misread (another digit than jpn's row has there: a reader reading jpn's 9 as well is
    /// left as read, and is a vote against); the row then goes on (``Evidence/zeroByShape``) where one independent
    /// reader and the field's own model read it so, or two independent readers read it with another of jpn's
    /// digits (3753779 read 3763770 by eng and the second model, the 0 by its counter).
    static func zerosReadersDisputed(
        _ zeros: GlyphCheck, row: String,
        first: String, _ readings: [Opinion], _ spec: FieldSpec
    ) -> String? {
        guard zeros.doubt == .slashedZero, zeros.byShape.values.allSatisfy({ $0 == "0" }),
            Self.corroboration(of: first, among: readings, witness: nil, spec: spec) < Evidence.witnessOverOwnDoubt
        else { return nil }
        let read = Array(row.filter { !$0.isWhitespace })
        let shaped = readings.map { opinion in
            var digits = Array(opinion.text)
            for (index, zero) in zeros.byShape
            where digits.indices.contains(index) && read.indices.contains(index) && digits[index] != read[index] {
                digits[index] = zero
            }
            var reshaped = opinion
            reshaped.text = String(digits)
            return reshaped
        }
        if Self.corroboration(of: first, among: shaped, witness: nil, spec: spec) >= Evidence.witnessOverOwnDoubt {
            return first
        }
        return Set(shaped.map(\.text)).first { text in
            text != first
                && Self.corroboration(of: text, among: shaped, witness: nil, spec: spec)
                    >= Evidence.independentReaders
        }
    }

    /// A date part (one or two digits, or 元) read below the floor, read again by the second Japanese model and
    /// in raw-line mode: the part keeps its text, and the readings that agree with it are its confidence
    /// (`corroboration`; a digit's own score is 40–75 when it is right).
    func corroboratedPart(_ first: (text: String, confidence: Double), rect: TemplateRect, spec: FieldSpec) -> Double {
        let text = first.text.filter { !$0.isWhitespace }
        guard !text.isEmpty else { return first.confidence }
        var readings = [Opinion(text: text, confidence: first.confidence, independent: false)]
        for (mode, language) in [(PageSegmentation.singleLine, Optional(Self.secondModel)), (.rawLine, nil)] {
            let other = recognize(rect, spec: spec, whitelist: "0123456789元", segmentation: mode, language: language)
            readings.append(
                Opinion(
                    text: other.text.filter { !$0.isWhitespace }, confidence: other.confidence,
                    independent: Self.language(of: spec, else: language) != Self.language(of: spec, else: nil),
                    reader: Self.language(of: spec, else: language)))
        }
        var part = spec
        part.validation.values = nil
        part.type = .digits
        return max(first.confidence, Self.corroboration(of: text, among: readings, witness: nil, spec: part))
    }

    /// A date part read confidently, read again by eng (another model, digits only): jpn reads a written 8 as 6 at
    /// 86–91 on corpus scans, and nothing else checks a day or a year. When eng reads other digits, the second
    /// Japanese model decides between the two and the part goes to a person (confidence 30) either way. `eng` is
    /// eng's reading where it differed.
    func witnessedPart(
        _ first: (text: String, confidence: Double), rect: TemplateRect, spec: FieldSpec
    ) -> (
        text: String, confidence: Double, eng: String?
    ) {
        let text = first.text.filter { !$0.isWhitespace }
        guard !text.isEmpty, text.allSatisfy(\.isASCII) else { return (first.text, first.confidence, nil) }
        var part = spec
        part.recognition.language = nil
        part.recognition.whitelist = nil
        let eng = recognize(rect, spec: part, whitelist: "0123456789", segmentation: .singleLine, language: "eng")
            .text.filter { !$0.isWhitespace }
        guard !eng.isEmpty, eng != text else { return (first.text, first.confidence, nil) }
        let third = recognize(
            rect, spec: part, whitelist: "0123456789", segmentation: .singleLine, language: Self.secondModel
        )
        .text.filter { !$0.isWhitespace }
        return (third == eng ? eng : text, min(first.confidence, 30), eng)
    }

    /// A reader of a boxed row: its model, the ink height it reads at, and whether the row's faint strokes are kept.
    typealias RowOpinion = (language: String, height: Double, keepsFaintStrokes: Bool)

    /// The models, ink heights and inks a boxed row in doubt is read again with, in order (`readCells`).
    ///
    /// The row as thresholded loses a Mincho face's hairlines at 150 and 200 dpi (a 5's stem, a 4's crossbar); with
    /// them kept, the second model read 384 of 400 rows of corpus seed 6161 at 150 dpi right, as thresholded 361,
    /// and jpn 325 against 307. They come last: a row with a check digit takes the first reading that passes.
    static let rowOpinions: [RowOpinion] = [
        ("eng", 28, false), ("eng", 36, false), (secondModel, 28, false), ("jpn", 36, false),
        (secondModel, 28, true), ("jpn", 28, true),
    ]

    /// The reader a row whose two decodes agree is read once more by (`readCells`): the second model, faint strokes
    /// kept. Of the rows of corpus seed 6161 at 150 and 200 dpi whose two decodes agreed, it read 57 of the 69 those
    /// got wrong otherwise, and none of the 370 they got right; eng, as thresholded, 38 of the wrong and 10 right.
    static let rowSentinel: RowOpinion = (secondModel, 28, true)

    /// `row` as `opinion` reads it in line mode, spaces dropped.
    private func read(
        _ row: TemplateRect, as opinion: RowOpinion, spec: FieldSpec, measuresConfidence: Bool
    ) -> (text: String, confidence: Double) {
        let reading = recognize(
            row, spec: spec, whitelist: nil, segmentation: .singleLine, language: opinion.language,
            measuresConfidence: measuresConfidence, lineHeight: opinion.height,
            keepsFaintStrokes: opinion.keepsFaintStrokes)
        return (reading.text.filter { !$0.isWhitespace }, reading.confidence)
    }

    /// The row's own decodes, and each cell alone when they disagree (`readCells`).
    private func readRow(
        _ row: TemplateRect, inked: [TemplateRect], cells: CellGrid, spec: FieldSpec
    )
        -> (text: String, confidence: Double?, disputed: Bool, byEng: Bool)
    {
        func compact(_ text: String) -> String { text.filter { !$0.isWhitespace } }
        // The row's two decodes are judged by each other, not by their confidences: those are measured (one more
        // pass each) only when the decodes disagree.
        let line = recognize(row, spec: spec, whitelist: nil, segmentation: .singleLine, measuresConfidence: false)
        let lineText = compact(line.text)
        if lineText.count == inked.count, lineText.count == cells.count,
            Self.checkDigitHolds(lineText, spec.type) == true
        {
            // A full row whose check digit holds: the check digit is the second witness, so the raw-line decode is
            // not needed. It misses a misread digit only when both sums leave the check at 0 (about 2 in 100 single
            // misreads); on 200 kokuho scans every misread row (7) failed its check digit.
            return (lineText, Self.agreedConfidence, false, false)
        }
        let raw = recognize(row, spec: spec, whitelist: nil, segmentation: .rawLine, measuresConfidence: false)
        let rawText = compact(raw.text)
        if lineText.count == inked.count, lineText == rawText {
            // Two decodes of the row that agree character for character, one character per cell with ink, are
            // the evidence Tesseract's mean confidence is not: whitelisted digits score 40–75 when right. On 200
            // office-scanner jidou scans every wrong boxed field came from rows whose decodes disagreed.
            return (lineText, Self.agreedConfidence, false, false)
        }
        var text = ""
        var confidences: [Double] = []
        var byEng = false
        let digitsOnly = (spec.recognition.whitelist ?? spec.type.defaultWhitelist)?.allSatisfy(\.isNumber) == true
        for cell in inked {
            var read = recognizeShort(cell, spec: spec, whitelist: nil)
            // A boxed digit jpn reads as nothing under the digits whitelist in every mode (a Noto Serif CJK 4 at 150
            // dpi, corpus seed 9431), then as す or E without it, is read by eng, as a line or as a lone character.
            if digitsOnly, read.text.isEmpty || !compact(read.text).allSatisfy({ $0.isASCII && $0.isNumber }),
                let eng = [PageSegmentation.singleLine, .singleCharacter].lazy.map({
                    self.recognize(cell, spec: spec, whitelist: nil, segmentation: $0, language: Self.digitModel)
                }).first(where: { !$0.text.isEmpty })
            {
                read = eng
                byEng = true
            }
            text += compact(read.text)
            confidences.append(read.confidence)
        }
        let cellwise = confidences.min() ?? 0
        if text.count == inked.count, text == lineText || text == rawText {
            let agreeing = recognize(
                row, spec: spec, whitelist: nil, segmentation: text == lineText ? .singleLine : .rawLine)
            return (text, min(cellwise, agreeing.confidence), false, byEng)
        }
        return (text, min(cellwise, 30), true, byEng)
    }

    /// Boxed digits whose glyphs contradict the digit read, each checked by its counters (enclosed background), with
    /// the digits so changed by their index (`byShape`).
    ///
    /// A boxed 0 written with a slash or a dot inside (VL Gothic, Takao Gothic) is read as 9, 6 or 8 by every model
    /// and mode, the row's decodes agreeing. A 9's or a 6's counter fills about half of the glyph's height, an 8's
    /// two are parted by its waist; a 0's fills nearly all of it, slash or not. A 9, 6 or 8 (not with an 8's two
    /// counters) whose box holds a counter over ``zeroCounterShare`` of its ink's height is taken as 0.
    ///
    /// An 8 has two counters; a 3 has none, and a thin Mincho 3 at 150 dpi was read as 8 by both decodes of the row
    /// (1920873 as 1920878, confidence 90, corpus seed 9431). A boxed 8 whose glyph holds no counter at all, even
    /// with its faint strokes counted as ink (``faintInk``: a Mincho 8's hairlines break at the page's threshold),
    /// is read again alone, 8 not allowed.
    ///
    /// A 1, 2, 3, 5 or 7 closes no loop; a 4 does (in every typeface the corpus uses), and a Mincho 4's crossbar is
    /// a hairline the page's threshold breaks: at 150 and 200 dpi every reader read such a 4 as 1 or 3 (3449863 as
    /// 3419863 at 90, corpus seed 6161), a 6 as 5. A boxed 1, 2, 3, 5 or 7 whose glyph, in the scan's own grey
    /// levels (``holdsLoop(_:)``), holds a loop over ``loopShare`` of its height is read again alone as one of the
    /// digits that have one (`loopInGlyph`).
    ///
    /// Either way the reading is in doubt (confidence 30); only other models reading the digits as changed take it
    /// out of doubt (`readCells`): never a silent substitution.
    func slashedZeros(
        _ read: (text: String, confidence: Double?), inked: [TemplateRect], spec: FieldSpec
    ) -> GlyphCheck {
        let characters = Array(read.text.filter { !$0.isWhitespace })
        guard characters.count == inked.count else { return (read.text, read.confidence, nil, [:], []) }
        var doubt: Doubt?
        var result = characters
        for (index, character) in characters.enumerated() where "689".contains(character) {
            guard let image = page.writingImage(in: transform.pixelRect(inked[index])) else { continue }
            if let share = Self.counterShare(image), share >= Self.zeroCounterShare,
                character != "8" || !Self.isEight(image)
            {
                result[index] = "0"
                doubt = doubt ?? .slashedZero
            } else if character == "8", Self.counterBands(image, inkBelow: Self.faintInk) == nil {
                if let digit = oneDigit(
                    in: inked[index], spec: spec, whitelist: "012345679", modes: [.singleWord, .rawLine, .singleLine])
                {
                    result[index] = digit
                }
                doubt = doubt ?? .notAnEight
            }
        }
        var loops: Set<Int> = []
        for (index, character) in characters.enumerated() where Self.looplessDigits.contains(character) {
            guard holdsLoop(inked[index]) else { continue }
            loops.insert(index)
            // Read with the hairlines the loop was found with.
            if let digit = oneDigit(
                in: inked[index], spec: spec, whitelist: "04689", modes: [.singleWord, .rawLine, .singleLine],
                keepsFaintStrokes: true)
            {
                result[index] = digit
            }
            doubt = doubt ?? .loopInGlyph
        }
        guard let doubt else { return (read.text, read.confidence, nil, [:], []) }
        let byShape = Dictionary(
            uniqueKeysWithValues: zip(characters, result).enumerated().filter { $0.element.0 != $0.element.1 }
                .map { ($0.offset, $0.element.1) })
        return (String(result), min(read.confidence ?? 0, Evidence.disputed), doubt, byShape, loops)
    }

    /// Whether each digit of `text` that closes no loop, where `row` (the boxed row as read, whose digits
    /// `slashedZeros` looked at) has another digit, stands on a glyph (`inked`, one a digit) that closes none either.
    func noLoops(in text: String, besides row: String, inked: [TemplateRect]) -> Bool {
        let digits = Array(text.filter { !$0.isWhitespace }), read = Array(row.filter { !$0.isWhitespace })
        guard digits.count == inked.count else { return true }
        return digits.indices.allSatisfy { index in
            !Self.looplessDigits.contains(digits[index]) || read.indices.contains(index) && read[index] == digits[index]
                || !holdsLoop(inked[index])
        }
    }

    /// Whether the glyph in a box (`slashedZeros`) closes a loop, in the scan's grey levels where it keeps them.
    func holdsLoop(_ cell: TemplateRect) -> Bool {
        let pixels = transform.pixelRect(cell)
        guard let image = page.greyImage(of: pixels) ?? page.writingImage(in: pixels) else { return false }
        return Self.holdsLoop(image)
    }

    /// What `slashedZeros` makes of a boxed row: its text with the digits its glyphs contradict changed (`byShape`,
    /// by index), and `loops`, the indices of the digits read as one of ``looplessDigits`` whose glyph holds a loop,
    /// whether or not reading it again alone gave a digit.
    typealias GlyphCheck = (
        text: String, confidence: Double?, doubt: Doubt?, byShape: [Int: Character], loops: Set<Int>
    )

    /// The digits that close no loop, in every typeface the corpus uses (`slashedZeros`).
    static let looplessDigits: Set<Character> = ["1", "2", "3", "5", "7"]

    /// Whether `text` has, at each of `loops`, a digit that closes a loop (`slashedZeros`).
    static func loopsRead(_ text: String, _ loops: Set<Int>) -> Bool {
        let digits = Array(text.filter { !$0.isWhitespace })
        return loops.allSatisfy { digits.indices.contains($0) && !looplessDigits.contains(digits[$0]) }
    }

    /// `digits` with each 9 or 6 whose glyph holds a 0's counter (``zeroCounterShare`` of its ink's height, as
    /// `slashedZeros` measures a boxed digit) put back as 0; `nil` when there is none, or when the glyphs cannot be
    /// told apart (digits run together, a neighbour's stroke in the way): the shape then says nothing.
    ///
    /// The glyphs are the runs of inked columns of `rect`'s writing. A date part holds only its digits: one run per
    /// digit. A run of digits in a line (`boxes`, the first reading's boxes of its characters, page pixels) is
    /// looked for in a `rect` wider than it, so that no glyph is cut: the runs as many as the digits, side by side,
    /// whose centres lie nearest the boxes' (jpn's boxes lag the glyphs by a few pixels), each narrower than a
    /// digit (`DateInk.digitWidth` of the widest kanji). Where those runs stand alone between wider glyphs, only
    /// the first box must lie on them (within a quarter of the line's height); among other narrow runs, each box's
    /// centre must lie within a quarter of the line's height of its run.
    ///
    /// With `eights`, a 9 or 6 whose glyph holds two counters one above the other (``isEight(_:)``) is put back as 8.
    func zerosByShape(in rect: PixelRect, digits: String, boxes: [PixelRect]? = nil, eights: Bool = false) -> String? {
        guard digits.contains(where: { $0 == "9" || $0 == "6" }), let image = page.writingImage(in: rect),
            let ink = DateInk(image)
        else { return nil }
        var glyphs = ink.runs
        if let boxes {
            guard boxes.count == digits.count, glyphs.count >= boxes.count else { return nil }
            // The writing image has a white border on every side.
            let margin = Double(image.width - rect.width) / 2
            let centres = boxes.map { Double($0.x - rect.x) + Double($0.width) / 2 + margin }
            func centre(_ run: DateInk.Run) -> Double { Double(run.start + run.end) / 2 }
            // Only runs narrower than a kanji: jpn's boxes lagged half a glyph on a bold face, and 29番 was taken
            // for the 9 and the 番. (Not their height: a dotted rule the cleaning left joins some digits' ink.)
            let narrow = ink.kanjiWidth.map { Double($0) * DateInk.digitWidth } ?? .infinity
            func isNarrow(_ index: Int) -> Bool { Double(glyphs[index].width) < narrow }
            let windows = (0...(glyphs.count - boxes.count)).map { glyphs[$0..<($0 + boxes.count)] }
                .filter { $0.indices.allSatisfy(isNarrow) }
            func distance(_ window: ArraySlice<DateInk.Run>) -> Double {
                zip(window, centres).map { abs(centre($0) - $1) }.reduce(0, +)
            }
            let quarter = Double(ink.lineHeight) / 4
            func fits(_ window: ArraySlice<DateInk.Run>) -> Bool {
                // Every narrow glyph between two wider ones, as many as the digits: the run of digits itself,
                // wherever jpn's boxes put the later ones. Those lag the ink by up to a glyph (20番 at 150 dpi in VL
                // Gothic: the 0's box centred on the 番's right edge); the first box must fall on the run.
                let alone =
                    (window.startIndex == 0 || !isNarrow(window.startIndex - 1))
                    && (window.endIndex == glyphs.count || !isNarrow(window.endIndex))
                if alone, let first = window.first, let last = window.last, let box = centres.first {
                    return Double(first.start) - quarter <= box && box <= Double(last.end) + quarter
                }
                // Among other narrow glyphs (a hyphen, more digits), each box within a quarter line of its own glyph.
                return zip(window, centres).allSatisfy { run, box in
                    Double(run.start) - quarter <= box && box <= Double(run.end) + quarter
                }
            }
            guard let best = windows.filter(fits).min(by: { distance($0) < distance($1) }) else { return nil }
            glyphs = Array(best)
        }
        guard glyphs.count == digits.count else { return nil }
        var changed = false
        let result = zip(digits, glyphs).map { digit, run -> Character in
            guard digit == "9" || digit == "6" else { return digit }
            let glyph = image.columns(run.start..<run.end)
            if let share = Self.counterShare(glyph), share >= Self.zeroCounterShare {
                changed = true
                return "0"
            }
            guard eights, Self.isEight(glyph) else { return digit }
            changed = true
            return "8"
        }
        return changed ? String(result) : nil
    }

    /// A date part's `digits` with each 9 or 8 whose glyph closes no loop, not even with its faint strokes counted as
    /// ink (``faintInk``), read again alone without the digits that close one; `nil` when every 9 and 8 closes one, or
    /// the glyphs cannot be told apart (not one run of ink per digit). A 9 or an 8 that cannot be read again keeps its
    /// digit; either way the part is in doubt.
    ///
    /// jpn reads a Takao P Mincho 3 at 300 dpi as 9 or 8, and so do the other readers (31 as 91 or 81, 昭和32 as 92,
    /// 03 as 09), and a 3 has no counter: as a boxed 8 that has none (`slashedZeros`), but in a date part.
    func looplessDigits(in rect: TemplateRect, digits: String, spec: FieldSpec) -> String? {
        let characters = Array(digits.filter { !$0.isWhitespace })
        let pixels = tightened(transform.pixelRect(rect))
        guard (1...2).contains(characters.count), characters.contains(where: { $0 == "8" || $0 == "9" }),
            let image = page.writingImage(in: pixels), let ink = DateInk(image), ink.runs.count == characters.count
        else { return nil }
        // Only a glyph large enough that the scan cannot have closed its loop (at 150 and 200 dpi right 8s and 9s of
        // seeds 6161 and 6464 were taken for loopless), and whole: a zone that cuts a 9's top opens its loop. (The
        // writing image has a white border on every side.)
        let margin = (image.height - pixels.height) / 2
        let loopless = characters.indices.filter { index in
            let run = ink.runs[index]
            return (characters[index] == "8" || characters[index] == "9")
                && run.height >= Self.loopGlyphHeight && run.top > margin + 1 && run.bottom < image.height - margin - 2
                && Self.counterBands(image.columns(run.start..<run.end), inkBelow: Self.faintInk) == nil
        }
        guard !loopless.isEmpty else { return nil }
        let pieces = characters.count == 1 ? [rect] : cutAtWidestGap(rect).map { [$0.0, $0.1] } ?? []
        var result = characters
        for index in loopless where index < pieces.count {
            if let digit = oneDigit(in: pieces[index], spec: spec, whitelist: "1234567") { result[index] = digit }
        }
        return String(result)
    }

    /// The height in pixels under which a digit's loop may have been closed by the scan (`looplessDigits`): date
    /// parts' digits are 33–39 pixels tall at 300 dpi on the corpus's forms, 23–27 at 200 and 16–20 at 150.
    static let loopGlyphHeight = 30

    /// The share of a 0's ink height its counter must span (a 9's spans 0.4–0.55 in the corpus fonts).
    static let zeroCounterShare = 0.68

    /// The longest unbroken vertical run of rows holding enclosed background (counters) of the ink in `image`, as a
    /// share of the ink's height; `nil` when there is no ink or no counter. Unbroken: an 8's two counters, one above
    /// the other with its waist between them, span as much of its height as a 0's, and VL Gothic's 8 read as 6 in a
    /// 300-dpi date part was put back as 0 (8 dates of 150 scans on corpus seed 9431); a slashed or dotted 0 has
    /// counter on one side of its slash or dot in every row.
    static func counterShare(_ image: GrayImage) -> Double? {
        guard let counters = counterBands(image), let longest = counters.bands.map(\.count).max() else { return nil }
        return Double(longest) / Double(counters.height)
    }

    /// Whether the glyph in `image` has an 8's counters: exactly two bands of rows holding counter, each over
    /// ``eightCounterShare`` of the ink's height, one in its upper half and one in its lower. A 6 or a 9 has one.
    static func isEight(_ image: GrayImage) -> Bool {
        guard let counters = counterBands(image), counters.bands.count == 2 else { return false }
        let upper = counters.bands[0], lower = counters.bands[1]
        let least = eightCounterShare * Double(counters.height)
        let middle = counters.top + counters.height / 2
        return Double(upper.count) >= least && Double(lower.count) >= least
            && (upper.lowerBound + upper.upperBound) / 2 < middle && (lower.lowerBound + lower.upperBound) / 2 > middle
    }

    /// Whether the glyph in a boxed digit's grey image closes a loop spanning ``loopShare`` of its height, with every
    /// pixel well under the paper counted as ink (``loopInk``, below the image's median, which is paper): a hairline
    /// the page's threshold breaks still closes it, and the scan's noise, scattered, closes none.
    static func holdsLoop(_ image: GrayImage) -> Bool {
        let sorted = image.pixels.sorted()
        guard !sorted.isEmpty else { return false }
        let paper = Int(sorted[sorted.count / 2])
        let threshold = UInt8(clamping: min(Int(faintInk), paper - loopInk))
        guard let counters = counterBands(image, inkBelow: threshold), let longest = counters.bands.map(\.count).max()
        else { return false }
        return Double(longest) >= loopShare * Double(counters.height)
    }

    /// How far under the paper's grey a pixel must be to count as ink for ``holdsLoop(_:)``: over twice the noise of
    /// an office scan (σ up to 12 grey levels).
    static let loopInk = 28

    /// The share of a digit's ink height a loop must span (``holdsLoop(_:)``): a 4's spans a third to a half, a 6's
    /// or a 9's about half, a speck of background caught where two strokes meet far less.
    static let loopShare = 0.25

    /// The share of an 8's ink height each of its two counters must span: about half what each spans in an 8 (a
    /// third to a half of the glyph), well over a speck of background caught in a stroke.
    static let eightCounterShare = 0.2

    /// The grey level under which a pixel of a writing image counts as ink when faint strokes must count: a Mincho
    /// hairline at 150 dpi is 140–190 where the page's threshold (140) breaks it, and the paper kept round the
    /// writing (a pixel wide, `PixImage.keeping`) is 210–250. A gap between strokes wider than two pixels stays open.
    static let faintInk: UInt8 = 200

    /// The runs of rows of `image` that hold enclosed background (counters) of its ink (pixels under `threshold`), in
    /// image rows, with the top row and height of the ink's body (its unbroken run of inked rows holding the most
    /// ink); `nil` when there is no ink or fewer than four pixels of counter.
    static func counterBands(
        _ image: GrayImage, inkBelow threshold: UInt8 = 140
    ) -> (bands: [Range<Int>], top: Int, height: Int)? {
        let w = image.width, h = image.height
        guard w > 2, h > 2 else { return nil }
        let ink = image.pixels.map { $0 < threshold }
        // The glyph's height is that of its body, the unbroken run of inked rows holding the most ink: the dots of a
        // rule the cleaning left under a line of writing are not part of a digit (a slashed 0 of 35 rows measured
        // against 57, 20番 read as 26番 at 300 dpi).
        let rowInk = (0..<h).map { y in (0..<w).filter { ink[y * w + $0] }.count }
        guard let body = inkedRuns(rowInk).max(by: { $0.ink < $1.ink })?.range, body.count > 1 else { return nil }
        let top = body.lowerBound, bottom = body.upperBound - 1
        // Background reached from the border, 4-connected; what is left unreached and not ink is a counter.
        var outside = [Bool](repeating: false, count: w * h)
        var stack: [Int] = []
        for x in 0..<w { stack += [x, (h - 1) * w + x] }
        for y in 0..<h { stack += [y * w, y * w + w - 1] }
        while let i = stack.popLast() {
            guard !outside[i], !ink[i] else { continue }
            outside[i] = true
            let x = i % w, y = i / w
            if x > 0 { stack.append(i - 1) }
            if x < w - 1 { stack.append(i + 1) }
            if y > 0 { stack.append(i - w) }
            if y < h - 1 { stack.append(i + w) }
        }
        var area = 0
        var bands: [Range<Int>] = []
        var start: Int?
        for y in 0...h {
            let counter = y < h ? (0..<w).filter { x in !ink[y * w + x] && !outside[y * w + x] }.count : 0
            area += counter
            if counter > 0, start == nil { start = y }
            if counter == 0, let first = start {
                bands.append(first..<y)
                start = nil
            }
        }
        guard area >= 4 else { return nil }
        return (bands, top, bottom - top + 1)
    }

    /// The confidence given to a reading that two decodes agree on.
    static let agreedConfidence = 90.0

    /// The model a read of `spec` uses: the field's own `lang:`, else what the caller asks for (date parts), else
    /// the type's default.
    static func language(of spec: FieldSpec, else requested: String?) -> String {
        spec.recognition.language ?? requested ?? spec.type.defaultLanguage
    }

    /// Whether the digits of `text` are a whole identifier of `type` whose check digit holds (個人番号, 法人番号,
    /// 団体コード); `nil` for the types that have no check digit.
    ///
    /// A cell read without the digit whitelist (a lone 1's last try) may bring a stray ASCII mark into the row: the
    /// question here is whether the digits were read right, so the mark is left out of it.
    static func checkDigitHolds(_ text: String, _ type: FieldType) -> Bool? {
        let digits = text.allSatisfy(\.isASCII) ? text.filter(\.isNumber) : text
        return switch type {
        case .mynumber: CheckDigit.isValidMyNumber(digits)
        case .corporateNumber: CheckDigit.isValidCorporateNumber(digits)
        case .lgCode: CheckDigit.isValidLocalGovernmentCode(digits)
        default: nil
        }
    }

    /// The ink height, in pixels, a field's line is read at (`RecognitionOptions.lineHeight`).
    ///
    /// Measured on 574 name and address zones of 100 office-scanner scans (3.5 mm text, ≈ 40 pixels at 300 dpi):
    /// jpn in line mode read 94.8 % right as scanned, 97.0 % shrunk to two thirds (≈ 27 pixels), 96.7 % to three
    /// quarters, 77.7 % enlarged by half; on 200 児童手当 scans, printed fields 98.73 % at 28 pixels, 98.62 % at 32.
    static let lineHeight = 28.0

    func recognize(
        _ rect: TemplateRect, spec: FieldSpec, whitelist: String?, segmentation: PageSegmentation? = nil,
        language: String? = nil, measuresConfidence: Bool = true, lineHeight: Double = Self.lineHeight,
        shrinksLoneCharacter: Bool = false, keepsFaintStrokes: Bool = false
    ) -> (text: String, confidence: Double) {
        let reading = zoneReading(
            rect, spec: spec, whitelist: whitelist, segmentation: segmentation, language: language,
            measuresConfidence: measuresConfidence, lineHeight: lineHeight, shrinksLoneCharacter: shrinksLoneCharacter,
            keepsFaintStrokes: keepsFaintStrokes)
        return (reading?.text ?? "", reading?.confidence ?? 0)
    }

    /// What `recognize` reads, with the words' boxes, and the characters' when `characters` asks for them; `nil` when
    /// the engine could not read the zone. `keepsFaintStrokes` reads boxed characters with their faint strokes, as
    /// written values always are.
    func zoneReading(
        _ rect: TemplateRect, spec: FieldSpec, whitelist: String?, segmentation: PageSegmentation? = nil,
        language: String? = nil, measuresConfidence: Bool = true, lineHeight: Double = Self.lineHeight,
        shrinksLoneCharacter: Bool = false, characters: Bool = false, keepsFaintStrokes: Bool = false
    ) -> Reading? {
        let mode = segmentation ?? spec.recognition.segmentation ?? (rect.height > 14 ? .singleBlock : .singleLine)
        let allowed = spec.recognition.whitelist ?? whitelist ?? spec.type.defaultWhitelist
        let language = Self.language(of: spec, else: language)
        var options = RecognitionOptions(
            segmentation: mode, whitelist: allowed,
            blacklist: allowed == nil ? spec.type.defaultBlacklist(language: language) : nil, language: language,
            measuresConfidence: measuresConfidence, lineHeight: lineHeight, shrinksLoneCharacter: shrinksLoneCharacter)
        // A written value keeps the faint hairlines of its strokes (a Mincho face at 150 dpi). Boxed characters do
        // not: their rows are checked by a second decode and check digits, tuned on the writing as thresholded, and
        // the faint growth changes which rows fail (kokuho's 個人番号, SecondOpinionTests). The readers that check a
        // boxed row do keep them where they ask to (`rowSentinel`, `rowOpinions`, a digit read again for its loop).
        options.keepsFaintStrokes = spec.cells == nil || keepsFaintStrokes
        // A mark (゛ ゜) broken into dots is kept with its glyph, where the values come in no known typeface
        // (`RecognitionOptions.keepsSpecksBesideWriting`); boxed characters as thresholded, as above.
        options.keepsSpecksBesideWriting = options.keepsFaintStrokes && glyphs == nil
        options.reportsCharacters = characters
        var pixels = transform.pixelRect(rect)
        if mode == .singleLine || mode == .rawLine {
            pixels = tightened(pixels, text: spec.type.isFreeText && spec.cells == nil)
        }
        guard var reading = try? page.recognize(pixels, options: options) else { return nil }
        reading.text = reading.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return reading
    }

    /// A line's text as `crossChecked` leaves it, with its confidence and why it is in doubt, if it is.
    typealias Checked = (text: String, confidence: Double, doubt: Doubt?)

    /// `crossChecked` where what the independent readers read is not wanted.
    func crossChecked(
        _ read: (text: String, confidence: Double), zone: TemplateRect, spec: FieldSpec,
        characters: [RecognizedWord] = []
    ) -> Checked {
        var independent: [String] = []
        return crossChecked(read, zone: zone, spec: spec, characters: characters, independent: &independent)
    }

    /// A second reading of a line zone (free text, and dates, phones and other one-line zones) in raw-line mode
    /// (PSM 13), compared with the first; and for a line of free text that is in doubt, readings at other sizes.
    ///
    /// Free text has no check digit, and jpn's line mode sometimes reads a glyph twice or swaps a rare kanji with
    /// high confidence (ふじい as ぶふじい at 88). Two decodes of the same ink that disagree mean the text is not
    /// known: the confidence drops below any review floor, so a person looks, instead of the error passing
    /// silently. The raw-line decode costs one more recognition of the line (10–35 ms), so it is only made when it
    /// can change where the record goes: a first reading already below the review floor goes to a person anyway.
    ///
    /// A line of free text or a date in doubt (below the floor, disputed, or without the shape the field asks for:
    /// none of its `values`, not a real date) is given a `secondOpinion`, still below the floor, so the person who
    /// looks starts from the likelier text.
    ///
    /// When the form names its typeface, a line of free text is also read by the `GlyphWitness`: agreeing with a
    /// confident reading, it stands in for the raw-line decode; surer of a character than Tesseract, it puts that
    /// character in and the field goes to a person; on a line in doubt it corrects the second opinion's text.
    ///
    /// `independent` is given what readers independent of the field's own model read, where they were asked
    /// (`FieldReading.independentReadings`).
    func crossChecked(
        _ read: (text: String, confidence: Double), zone: TemplateRect, spec: FieldSpec,
        characters: [RecognizedWord] = [], independent: inout [String]
    ) -> Checked {
        // Free text in any zone, other fields when read as one line: dates and phone numbers too (jpn's line mode
        // collapses a doubled digit, 平成22年 read as 平成2年 at 85, and only a second decode notices).
        let lineMode = Self.isLine(zone, spec)
        let freeText = spec.type.isFreeText
        guard freeText || lineMode, spec.cells == nil else { return (read.text, read.confidence, nil) }
        // The glyph witness, for free text in the form's typeface: its agreement settles a confident reading, and
        // a character it is surer of than Tesseract sends the field to a person with that character put in.
        let witness = freeText && lineMode ? witnessed(zone, spec: spec) : nil
        // Tesseract sure of nothing (a name it read as 渡計 at 0): the witness's reading, for the person who looks. But
        // a reading that is none of the field's `values` is read again, as a line in doubt is: one of the values
        // another reader or size gives is the likelier text (三男 read as ミ男 at 0, its 三 hairlines at 150 dpi).
        let unlisted = spec.validation.values != nil && Self.fits(read.text, spec) == false
        guard !read.text.isEmpty, read.confidence > 0 || unlisted else {
            return (witness?.corrected(read.text) ?? read.text, read.confidence, nil)
        }
        // A value the other readers leave below the floor is in doubt because they read it otherwise; one without
        // its field's shape is flagged by its validator, which says why.
        func weighed(_ text: String, _ confidence: Double, _ doubt: Doubt = .readersDisagree) -> Checked {
            (text, confidence, confidence < reviewFloor && Self.fits(text, spec) != false ? doubt : nil)
        }
        // A date's digits are counted in its ink (`DateInk`): a reading with fewer digits in its day or month than
        // the ink shows is in doubt.
        let ink = [.warekiDate, .date].contains(spec.type) && lineMode ? dateInk(zone) : nil
        // A name of a family and a given name (`shape: family-given`) is read again in two pieces, cut at the widest
        // gap of its ink: read whole, jpn ran ヤマザキ ユウト together into ヤマザキュウト at 92, a small ュ no reader
        // questioned; read in pieces, nothing runs over the cut.
        let pieces = spec.validation.shape == .familyGiven && lineMode ? readInPieces(zone, spec: spec) : nil
        let split = pieces.map { !Self.samePieces($0, read.text, spec: spec) } ?? false
        // A reading without the shape its field asks for (none of its `values`, not a date, not a plausible address,
        // digits the ink has no room for, a name its pieces read otherwise) is in doubt however confident it is.
        let misfit = Self.fits(read.text, spec) == false || ink?.agrees(with: read.text) == false || split
        if read.confidence >= reviewFloor, !misfit {
            var secondModelDisagrees = false
            // A 0 that eng and the second model read where jpn read a 6 or a 9 puts a confident line in doubt,
            // whoever else agrees with it, and goes in for the person who looks; a voiced mark in the ink that no
            // reader read puts it in doubt as it is (`VoicedMarks`). Asked only where the reading is returned as it
            // is: a line that goes on to the vote below is checked there, once.
            func settled() -> Checked {
                if let zeros = zerosOtherModelsRead(characters, in: read.text) {
                    return (zeros, Evidence.disputed, .slashedZero)
                }
                if freeText, unreadMark(characters, in: read.text, zone: zone) {
                    return (read.text, min(read.confidence, Evidence.disputed), .voicedMark)
                }
                return (read.text, read.confidence, nil)
            }
            if let witness {
                if witness.agrees(with: read.text) { return settled() }
                if let corrected = witness.corrected(read.text), corrected != read.text {
                    // The witness against a confident Tesseract: the second model settles which of the two it is.
                    let other = opinions(read, zone: zone, spec: spec, limit: 1)
                    independent = Self.independentTexts(other)
                    return weighed(
                        corrected, Self.corroboration(of: corrected, among: other, witness: witness, spec: spec),
                        .typefaceReadsOtherwise)
                }
                // The witness can neither bear the reading out nor better it (values printed in another typeface
                // than the workflow names, a glyph it does not know): the second model is asked in its place. On
                // Noto Serif CJK scans jpn read 田中 as 山中 at 95 and its raw-line decode agreed — two decodes of one
                // model, which share its confusions.
                let other = opinions(read, zone: zone, spec: spec, limit: 1)
                independent = Self.independentTexts(other)
                secondModelDisagrees =
                    other.count > 1 && Self.comparable(other[1].text) != Self.comparable(read.text)
            } else if freeText, lineMode {
                // No typeface to witness the line (a form Kamiflow did not print): the second model is asked first,
                // and its agreement settles the line in place of the raw-line decode, which is jpn again and shares
                // its confusions (和也 read as 和世 or 和志 at 88–92 in four faces, and the raw-line decode agreed).
                let other = opinions(read, zone: zone, spec: spec, limit: 1)
                independent = Self.independentTexts(other)
                if other.count > 1 {
                    guard Self.comparable(other[1].text) != Self.comparable(read.text) else { return settled() }
                    secondModelDisagrees = true
                }
            }
            if !secondModelDisagrees {
                let second = recognize(zone, spec: spec, whitelist: nil, segmentation: .rawLine)
                guard Self.comparable(second.text) != Self.comparable(read.text) else { return settled() }
            }
        }
        guard freeText || pieces != nil || [.warekiDate, .date, .phone].contains(spec.type), lineMode else {
            // Dates aside, a one-line field in doubt keeps its first reading; how far the other readings bear it
            // out is its confidence.
            let readings = opinions(read, zone: zone, spec: spec)
            independent = Self.independentTexts(readings)
            return weighed(read.text, Self.corroboration(of: read.text, among: readings, witness: nil, spec: spec))
        }
        let readings = opinions(read, zone: zone, spec: spec)
        independent = Self.independentTexts(readings)
        // The ink is a witness, not a reader: it may put the chosen reading in doubt (below), never choose or empty
        // it. Filtering the vote down to the readings it had room for lost three right dates on Noto Serif CJK
        // scans, where only a partial reading was left (docs/samples-and-eval.md, eleventh round).
        var candidates = readings
        if let pieces { candidates.append(Opinion(text: pieces, confidence: read.confidence, independent: false)) }
        let chosen = Self.vote(candidates, first: read, spec: spec)
        let text = witness?.corrected(chosen.text) ?? chosen.text
        let confidence = Self.corroboration(of: text, among: readings, witness: witness, spec: spec)
        // However many readers agree, digits the ink has no room for, or a name its pieces read otherwise, go to a
        // person.
        if let zeros = zerosOtherModelsRead(characters, in: text) {
            // The vote kept jpn's digits, read at three sizes, but a line reading of the second model holds the
            // zeros eng and that model read in the cut: as where the vote took that reading (below), it goes on.
            let borne = readings.contains {
                $0.independent && TextFolding.removingSpaces($0.text) == TextFolding.removingSpaces(zeros)
            }
            return (zeros, borne ? Evidence.zeroByShape : min(confidence, Evidence.disputed), .slashedZero)
        }
        if ink?.agrees(with: text) == false { return (text, min(confidence, Evidence.disputed), .digitsMissing) }
        if let pieces, !Self.samePieces(pieces, text, spec: spec) {
            return (text, min(confidence, Evidence.disputed), .piecesReadOtherwise)
        }
        if freeText, unreadMark(characters, in: text, zone: zone) {
            return (text, min(confidence, Evidence.disputed), .voicedMark)
        }
        // jpn reads a slashed or dotted 0 of a Gothic face as 9 at every size and in both decodes (10番 as 19番,
        // コーポ緑101 as 191); the second model reads it right and the vote takes its reading, but as one reader
        // against jpn thrice it stays in doubt. Where the first reading's 9s and 6s, looked at by their glyphs'
        // counters or read again by eng and the second model (`zerosOtherModelsRead`), are the zeros the vote put
        // in their place, and nothing else differs, the value goes on as a boxed or dated zero put back does.
        if confidence < reviewFloor, TextFolding.removingSpaces(text) != TextFolding.removingSpaces(read.text),
            let zeros = zerosOtherModelsRead(characters, in: read.text),
            TextFolding.removingSpaces(zeros) == TextFolding.removingSpaces(text)
        {
            return (text, Evidence.zeroByShape, .slashedZero)
        }
        // jpn reads the ゜ of コーポ as ゛ at every size, the second model reads ポ, and the vote takes its reading but
        // leaves it in doubt, one reader against jpn thrice. Where that is all that differs and the ink beside each
        // such kana holds a ring (`VoicedMarks`), the ink bears the second model out.
        if confidence < reviewFloor, freeText, ringsBearOut(characters, first: read.text, chosen: text, zone: zone) {
            return (text, Evidence.ringInInk, .voicedMark)
        }
        return weighed(text, confidence)
    }

    /// `text` with the zeros eng and the second model read where it has a 6 or a 9 in a run of digits; `nil` when they
    /// read no such zero, or there is nothing to compare (no 6 or 9; `characters`, the first reading's characters
    /// with their boxes, without as many runs of digits as `text`). A run of `text` is looked at only where the
    /// first reading's run in its place is as long: the vote may have chosen another model's reading of the line,
    /// whose digits stand where the first reading's do.
    ///
    /// jpn reads a slashed or dotted 0 of a Gothic face as 9 or 6 (101 号室 as 161 or 191 in VL Gothic and Takao
    /// Gothic), and its raw-line decode and the second Japanese model read the same: three readers sharing one
    /// confusion. eng knows those zeros (as on telephone numbers, `digitModel`). Each run holding a 6 or a 9 is cut
    /// from the middle of the gap before it to the middle of the gap after it, over the line's whole height, and
    /// read by eng with digits only, then, where eng sees such a 0, by the second Japanese model the same way: both
    /// must read the same digits. Only that confusion counts: cut out of a line, a digit beside a kanji reads worse
    /// than in its line (2 as 1, 24 as 14, 19 as 191 on the tuning scans), so a run read as another count of digits,
    /// or with other differences, says nothing — but for one: jpn also reads such a 0 as two digits, its slash a 6
    /// or a 9 of its own (グリーンパレス302 as 3602 or 3902, サンハイツ203 as 2603, at every size, where the second model
    /// read 302). A run with a 60 or a 90 that eng and the second model both read as that run with the pair one 0
    /// is put back so.
    func zerosOtherModelsRead(_ characters: [RecognizedWord], in text: String) -> String? {
        func digit(_ text: String) -> Character? {
            let folded = TextFolding.nfkc(text)
            guard folded.count == 1, let character = folded.first, character.isASCII, character.isNumber else {
                return nil
            }
            return character
        }
        var runs: [Range<Int>] = []
        var index = 0
        while index < characters.count {
            guard digit(characters[index].text) != nil else {
                index += 1
                continue
            }
            let start = index
            while index < characters.count, digit(characters[index].text) != nil { index += 1 }
            runs.append(start..<index)
        }
        let textRuns = text.split { digit(String($0)) == nil }.map(String.init)
        guard runs.count == textRuns.count, let top = characters.map(\.box.y).min(),
            let bottom = characters.map(\.box.maxY).max()
        else { return nil }
        let margin = max(2, (bottom - top) / 4)
        var options = RecognitionOptions(
            segmentation: .singleLine, whitelist: "0123456789", language: Self.digitModel, measuresConfidence: false,
            lineHeight: Self.lineHeight)
        options.keepsFaintStrokes = true
        var corrected = textRuns
        // Runs are compared one by one: one the vote took from another reading with another count of digits (203
        // where the first reading had 2603) is left as it is, and the others are still looked at.
        for (number, run) in runs.enumerated()
        where run.count == textRuns[number].count && textRuns[number].contains(where: { "69".contains($0) }) {
            let first = characters[run.lowerBound].box, last = characters[run.upperBound - 1].box
            let left = run.lowerBound == 0 ? first.x - margin : (characters[run.lowerBound - 1].box.maxX + first.x) / 2
            let right =
                run.upperBound == characters.count
                ? last.maxX + margin : (last.maxX + characters[run.upperBound].box.x + 1) / 2
            let cut = PixelRect(x: left, y: top - margin, width: right - left, height: bottom - top + 2 * margin)
            let own = textRuns[number]
            // eng alone is not enough: on a 300-dpi Takao Gothic scan it read 29 as 20 at every size. The second
            // Japanese model, reading the same cut with digits only, must see the same zeros (it read that 29 as 293;
            // on the tuning scans it read most of jpn's 191s as 101, and the others as jpn did, which leaves them).
            func readByOthers(_ accepted: (String) -> Bool) -> String? {
                guard let eng = try? page.recognize(cut, options: options) else { return nil }
                let read = eng.text.filter { $0.isASCII && $0.isNumber }
                guard accepted(read) else { return nil }
                options.language = Self.secondModel
                defer { options.language = Self.digitModel }
                let second = (try? page.recognize(cut, options: options))?.text.filter { $0.isASCII && $0.isNumber }
                return second == read ? read : nil
            }
            // A 60 or a 90 that the other models read as one 0: the slash of a 0 jpn read as a digit of its own.
            let joined = Self.slashesJoined(own)
            if !joined.isEmpty, cut.width > 0, let read = readByOthers({ joined.contains($0) }) {
                corrected[number] = read
                continue
            }
            // The glyphs themselves, which no model reads: a 9 or a 6 with a 0's counter is a 0 with a slash or a
            // dot inside (VL Gothic's 302 read as 392 by jpn, its second decode and the second model alike). Looked
            // at even where the boxes of the characters beside the run overlap it (1 丁目 19 番 at 300 dpi, read as
            // 19 for 10), which leaves no cut for the models.
            let reach = bottom - top
            let around = PixelRect(
                x: first.x - reach, y: cut.y, width: last.maxX - first.x + 2 * reach, height: cut.height)
            if let shaped = zerosByShape(
                in: around, digits: own, boxes: characters[run].map(\.box))
            {
                corrected[number] = shaped
                continue
            }
            guard cut.width > 0 else { continue }
            if let read = readByOthers({ read in
                read.count == own.count && read != own
                    && zip(own, read).allSatisfy({ $0 == $1 || ($1 == "0" && "69".contains($0)) })
            }) {
                corrected[number] = read
            }
        }
        guard corrected != textRuns else { return nil }
        // The runs put back in order, with everything between them as it was read.
        var result = ""
        var remaining = corrected[...]
        var inRun = false
        for character in text {
            if digit(String(character)) != nil {
                if !inRun, let run = remaining.popFirst() { result += run }
                inRun = true
            } else {
                inRun = false
                result.append(character)
            }
        }
        return result
    }

    /// `digits` with one of its 60s or 90s made a 0, each way it can be (`3602` → `302`): what a slashed 0 jpn read
    /// as two digits is. Empty when it has no such pair.
    static func slashesJoined(_ digits: String) -> Set<String> {
        let characters = Array(digits)
        var joined: Set<String> = []
        for index in characters.indices.dropLast()
        where "69".contains(characters[index]) && characters[index + 1] == "0" {
            var shorter = characters
            shorter.remove(at: index)
            joined.insert(String(shorter))
        }
        return joined
    }

    /// The line read as two pieces, cut in the middle of the widest gap between columns of ink (the space between
    /// a family and a given name where there is one, else a gap between two characters: either way no glyph is
    /// cut), each piece read alone with the field's model. `nil` when the ink has fewer than two runs, or a piece
    /// reads as nothing.
    func readInPieces(_ zone: TemplateRect, spec: FieldSpec) -> String? {
        guard let (left, right) = cutAtWidestGap(zone) else { return nil }
        let texts = [left, right].map { recognize($0, spec: spec, whitelist: nil, segmentation: .singleLine).text }
        guard texts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return texts.joined(separator: " ")
    }

    /// `zone` cut in two in the middle of the widest gap between its columns of ink; `nil` when its ink has fewer
    /// than two runs.
    func cutAtWidestGap(_ zone: TemplateRect) -> (TemplateRect, TemplateRect)? {
        let pixels = tightened(transform.pixelRect(zone))
        guard let image = page.writingImage(in: pixels), let gap = Self.widestGap(image), pxPerMM > 0 else {
            return nil
        }
        let whole = transform.pixelRect(zone)
        // The writing image has a white border on every side.
        let margin = max(0, (image.width - pixels.width) / 2)
        let cut = zone.x + (Double(pixels.x - margin - whole.x) + gap) / pxPerMM
        guard cut > zone.x, cut < zone.x + zone.width else { return nil }
        return (
            TemplateRect(x: zone.x, y: zone.y, width: cut - zone.x, height: zone.height),
            TemplateRect(x: cut, y: zone.y, width: zone.x + zone.width - cut, height: zone.height)
        )
    }

    /// A date part whose ink shows two digits where every reader saw one (a day of 11 read as 1 in Noto Serif CJK or
    /// VL Gothic at 150 dpi: jpn runs the two strokes into one), read one digit at a time: each side of the ink's
    /// widest gap alone, as one character (by `language`, jpn when `nil`). `nil` unless each side reads as exactly
    /// one digit. Asked only where the ink is two glyphs of a digit pair's shape (`DateInk.isDigitPair`): the end of
    /// a circle drawn round the era beside a year of 1 is ink too, and was read as a second 1.
    func digitsReadApart(_ rect: TemplateRect, spec: FieldSpec, language: String? = nil) -> String? {
        guard let (left, right) = cutAtWidestGap(rect) else { return nil }
        var digits = ""
        for side in [left, right] {
            guard let digit = oneDigit(in: side, spec: spec, whitelist: "0123456789", language: language) else {
                return nil
            }
            digits.append(digit)
        }
        return digits
    }

    /// The one digit a glyph's area reads as alone (`whitelist`: the digits it may be), or `nil` when it reads as
    /// none or as more than one.
    func oneDigit(
        in rect: TemplateRect, spec: FieldSpec, whitelist: String,
        modes: [PageSegmentation] = [.singleCharacter, .singleLine, .singleWord], language: String? = nil,
        keepsFaintStrokes: Bool = false
    ) -> Character? {
        let reading = recognizeShort(
            rect, spec: spec, whitelist: whitelist, modes: modes, language: language,
            keepsFaintStrokes: keepsFaintStrokes)
        let read = reading.text.filter { !$0.isWhitespace }
        guard read.count == 1, let digit = read.first, digit.isASCII, digit.isNumber else { return nil }
        return digit
    }

    /// The middle of the widest gap between two runs of inked columns (specks of a few pixels left out), in pixels
    /// from the image's left edge.
    static func widestGap(_ image: GrayImage) -> Double? {
        var columnInk = [Int](repeating: 0, count: image.width)
        for y in 0..<image.height {
            for x in 0..<image.width where image.pixels[y * image.width + x] < 128 { columnInk[x] += 1 }
        }
        let runs = inkedRuns(columnInk).filter { $0.ink >= 6 }.map(\.range)
        func gap(_ i: Int) -> Int { runs[i].lowerBound - runs[i - 1].upperBound }
        guard runs.count >= 2, let widest = (1..<runs.count).max(by: { gap($0) < gap($1) }) else { return nil }
        return Double(runs[widest - 1].upperBound + runs[widest].lowerBound) / 2
    }

    /// The ink of a one-line date zone, for counting its digits (`DateInk`).
    func dateInk(_ zone: TemplateRect) -> DateInk? {
        page.writingImage(in: tightened(transform.pixelRect(zone))).flatMap(DateInk.init)
    }

    /// The ink of a date part (`DateInk`), without strokes its zone cuts at the side (`DateInk.inside(_:)`).
    func partInk(_ zone: TemplateRect) -> DateInk? {
        let rect = tightened(transform.pixelRect(zone))
        guard let image = page.writingImage(in: rect), let ink = DateInk(image) else { return nil }
        // The writing image has a white border on every side.
        let margin = (image.width - rect.width) / 2
        return ink.inside(margin..<(margin + rect.width))
    }

    /// What a value read in doubt is worth, from the readings that fail independently of one another (the measure
    /// `kamiflow calibrate` turns into floors; docs/samples-and-eval.md, "Calibrated confidence").
    ///
    /// The first reading and its re-readings at other sizes are one model (`own`); the second Japanese model and
    /// the glyph witness are independent readers: they confuse different glyphs. A value two independent readers
    /// agree on, or one of them and the field's own model, is strong evidence whatever Tesseract's own score was;
    /// re-readings of one model agreeing are weaker; and a value that passes a validator that can fail (one of the
    /// field's `values`, a real date, a check digit) is a little likelier right. A value without the shape its field
    /// asks for stays at the bottom: its validator flags it anyway.
    static func corroboration(
        of text: String, among readings: [Opinion], witness: WitnessedLine?, spec: FieldSpec
    ) -> Double {
        let key = spec.type == .phone && !zeroReadApart(text, among: readings) ? phoneKey : comparable
        let wanted = key(text)
        let agreeing = readings.filter { key($0.text) == wanted }
        let own = agreeing.filter { !$0.independent }.count
        // Readers, not readings: the second model read at three sizes is one witness, and its misreads repeat at
        // every size. Counting each size as a witness gave 92 to values jpn disagreed with and the second model
        // misread thrice — on forms Kamiflow did not print, text at 92 was wrong 46 % of the time at 150 dpi.
        let others = Set(agreeing.filter(\.independent).map(\.reader)).count
        let witnessed = witness?.agrees(with: text) == true
        let validated: Bool? = fits(text, spec) ?? checkDigitHolds(text.filter { !$0.isWhitespace }, spec.type)
        if validated == false { return Evidence.disputed }
        let independent = others + (witnessed ? 1 : 0)
        var score: Double
        switch (independent, own) {
        case (2..., _): score = Evidence.independentReaders
        case (1, 1...):
            // The field's own model sure of the value, or only agreeing at a confidence under any usual floor: on
            // forms Kamiflow did not print, names the second model bore out after jpn read them under 80 were wrong
            // 4.3 % of the time (12 of 277, seed 9431), those it read at 80 or more 1.3 % (5 of 395). Told apart,
            // `calibrate` can set a floor between them.
            let sure = agreeing.contains { !$0.independent && $0.confidence >= Evidence.ownModelSure }
            score = sure ? Evidence.modelAndWitness : Evidence.witnessOverOwnDoubt
        case (1, _): score = Evidence.witnessAlone
        case (_, 3...): score = Evidence.ownModelThrice
        case (_, 2): score = Evidence.ownModelTwice
        default: score = Evidence.disputed
        }
        if validated == true { score += Evidence.validatorBonus }
        return score
    }

    /// The readings of a line in doubt: the first, then `secondOpinions` (stopping early when the second model
    /// agrees with the first, with the field's shape where it asks for one), at most `limit` of them.
    func opinions(
        _ first: (text: String, confidence: Double), zone: TemplateRect, spec: FieldSpec, limit: Int = .max
    )
        -> [Opinion]
    {
        var readings = [Opinion(text: first.text, confidence: first.confidence, independent: false)]
        // A field that names its own model is read again with that model only, but for `eng`: the second Japanese
        // model reads Latin letters and digits too (an e-mail address, a residence card number) and is another
        // network, so it is the independent reader eng's lines otherwise lack (eng reads `1` as `l` at every size).
        let ownModelOnly =
            (spec.recognition.language != nil || spec.type.defaultLanguage != "jpn")
            && Self.language(of: spec, else: nil) != "eng"
        let ownModel = Self.language(of: spec, else: nil)
        // A line of digits (a telephone number, a postal code) is read by the Latin model too: jpn reads a slashed
        // or dotted 0 at the start of a line as 9 or 6 (VL Gothic, Takao Gothic), whatever its size or margin.
        let digitLine =
            !ownModelOnly && spec.cells == nil
            && (spec.recognition.whitelist ?? spec.type.defaultWhitelist)
                .map { $0.allSatisfy { "0123456789-".contains($0) } } == true
        let asked = (digitLine ? [(Self.digitModel, Self.lineHeight)] : []) + Self.secondOpinions
        for opinion in asked.prefix(limit) where !(ownModelOnly && opinion.language != nil) {
            // The model asked for reads the line even where the field names its own (`lang: eng`).
            let model = opinion.language ?? ownModel
            var asRead = spec
            asRead.recognition.language = model
            let other = recognize(
                zone, spec: asRead, whitelist: nil, segmentation: .singleLine, language: model,
                lineHeight: opinion.height, shrinksLoneCharacter: true)
            guard !other.text.isEmpty else { continue }
            readings.append(
                Opinion(
                    text: other.text, confidence: other.confidence, independent: model != ownModel, reader: model))
            // The other model agreeing with the first reading (with the field's shape, where it asks for one)
            // settles it. Two readings of one model agreeing do not: jpn misreads 和也 as 和世 at most sizes.
            if readings.count == 2, opinion.language != nil,
                Self.comparable(other.text) == Self.comparable(first.text), Self.fits(other.text, spec) != false
            {
                break
            }
        }
        return readings
    }

    /// One reading of a line, and whether it comes from a reader other than the field's own model.
    struct Opinion {
        var text: String
        var confidence: Double
        var independent: Bool
        /// Which reader made it (the model's name): several readings by one reader count as one witness.
        var reader = ""
    }

    /// The texts the readers independent of the field's own model read (`FieldReading.independentReadings`), each
    /// once, spaces dropped.
    static func independentTexts(_ opinions: [Opinion]) -> [String] {
        var seen: Set<String> = []
        return opinions.filter(\.independent).map { TextFolding.removingSpaces($0.text) }.filter {
            !$0.isEmpty && seen.insert($0).inserted
        }
    }

    /// Confidences given by evidence (`corroboration`) rather than by one decode's own score. Distinct values, so
    /// that calibration sees each kind of evidence apart; their order is the strength of the evidence. Only
    /// independent readers lift a value above 50: readings of one model at other sizes share its confusions (eng
    /// read `1` as `l` in e-mail addresses at every size, and anketo's floor of 60 let two of them through at 62
    /// on 100 held-out scans), so they stay under any floor a workflow is likely to set without calibrating.
    enum Evidence {
        /// Two independent readers (the second model, the glyph witness) read the value.
        static let independentReaders = 92.0
        /// The field's own model and one independent reader read it, the model with a confidence of at least
        /// ``ownModelSure``.
        static let modelAndWitness = 86.0
        /// One independent reader and the field's own model read it, the model only under ``ownModelSure``.
        static let witnessOverOwnDoubt = 85.0
        /// Tesseract's own confidence from which the field's model counts as sure of a reading (the default floor).
        static let ownModelSure = 80.0
        /// A date part's 6 or 9 put back as 8 by its glyph's two counters (`zerosByShape`), its readers having
        /// agreed on the 6 or 9: the shape is a witness of its own, right in every one of 69 cases on four corpus
        /// seeds, but one measured on fewer values than the readers are.
        static let eightByShape = 84.0
        /// A date part's or a boxed row's 9 or 6 put back as 0 by its counter (a slashed or dotted 0 every model
        /// reads as 9 or 6), the readers having read every other digit alike: right in every one of 48 cases (dates
        /// and boxes) on two development seeds.
        static let zeroByShape = 83.0
        /// A ゜ jpn read as ゛ that the vote took from the second model, a ring of ink standing where the mark does
        /// (`ringsBearOut`).
        static let ringInInk = 83.0
        /// Only one independent reader read it, against the field's own model.
        static let witnessAlone = 48.0
        /// Three, or two, readings of the field's own model at different sizes read it.
        static let ownModelThrice = 42.0
        static let ownModelTwice = 36.0
        /// Nothing bears the value out (or it fails its validator).
        static let disputed = 30.0
        /// Added when the value passes a validator that can fail.
        static let validatorBonus = 3.0
    }

    /// How like the workflow's typeface the values of the page are: the mean likeness of the glyphs of the first lines
    /// of free text (`specs` in the form's order) to their best matches among the typeface's; `nil` when they hold
    /// too few glyphs to tell. Under `GlyphWitness.typefaceLikeness` the page is judged printed in another face.
    ///
    /// `typeface:` says what a form is printed in, not what every scan of it is: a municipality's 申請書作成支援
    /// system prints in IPA Pゴシック, a citizen's printer or another office's in whatever it has. Compared with a face
    /// the values are not in, the witness is surer of its own characters than Tesseract of the right ones: on 児童手当
    /// scans in Noto Serif CJK it read 福岡市 as 福阿淇 and 東京都 as 東京那, and 77 % of 住民票 addresses were left wrong
    /// (flagged, for a person to key). A page judged otherwise is read as a form without a typeface is.
    func typefaceLikeness(_ specs: [FieldSpec]) -> Float? {
        var likeness: Float = 0
        var glyphCount = 0
        var lines = 0
        for spec in specs where lines < GlyphWitness.typefaceProbeLines && spec.type.isFreeText && spec.cells == nil {
            guard let zone = spec.zone, Self.isLine(zone, spec), hasWriting(in: zone),
                let line = witnessed(zone, spec: spec), !line.glyphs.isEmpty
            else { continue }
            likeness += line.glyphs.reduce(0) { $0 + $1.score }
            glyphCount += line.glyphs.count
            lines += 1
        }
        return glyphCount < GlyphWitness.typefaceProbeGlyphs ? nil : likeness / Float(glyphCount)
    }

    /// Whether `zone` is read as one line (`crossChecked`'s line mode).
    static func isLine(_ zone: TemplateRect, _ spec: FieldSpec) -> Bool {
        (spec.recognition.segmentation ?? (zone.height > 14 ? .singleBlock : .singleLine)) == .singleLine
    }

    /// The glyph witness's view of a line zone (`GlyphWitness`), when the form names a typeface and the zone holds
    /// writing; kana fields are compared with their own kana only.
    func witnessed(_ zone: TemplateRect, spec: FieldSpec) -> WitnessedLine? {
        guard let glyphs, let image = page.writingImage(in: tightened(transform.pixelRect(zone))) else { return nil }
        let allowed: ((Character) -> Bool)?
        switch spec.type {
        case .katakana: allowed = { TextFolding.isKatakana($0) }
        case .hiragana: allowed = { TextFolding.isHiragana($0) }
        default: allowed = nil
        }
        let witness = GlyphWitness(templates: glyphs, allowed: allowed)
        let line = CutLine(image)
        return WitnessedLine(witness: witness, line: line, glyphs: witness.glyphs(of: line))
    }

    /// The reading of a line in doubt that most readings, weighted by their confidences, agree on; among those
    /// with the shape the field asks for (`fits`), when any has it.
    ///
    /// Read again at other ink heights with jpn, and with the second Japanese model, `Japanese`
    /// (tesseract-ocr-script-jpan): what jpn reads depends on the size a line starts from, and the two models
    /// confuse different glyphs (jpn reads 和也 as 和世 or 和志 at most sizes, `Japanese` reads it right; `Japanese`
    /// reads 翔 as 閉 where jpn does not), so their vote is right more often than either. Agreement of `Japanese` at
    /// 28 pixels with the first reading ends the vote early: reading every line in doubt six times cost a third of
    /// the throughput for a tenth of a point (the measurements: docs/samples-and-eval.md, fourth round). A field
    /// that sets its own `lang` is read again at other sizes with that model only, except `eng`, which the second
    /// model also reads; a missing `Japanese` model leaves the vote to jpn.
    func secondOpinion(
        _ first: (text: String, confidence: Double), zone: TemplateRect, spec: FieldSpec
    )
        -> (text: String, confidence: Double)
    {
        Self.vote(opinions(first, zone: zone, spec: spec), first: first, spec: spec)
    }

    /// The reading most readings agree on, weighted by their confidences; among those with the shape the field
    /// asks for (`fits`), when any has it (`secondOpinion`).
    static func vote(
        _ all: [Opinion], first: (text: String, confidence: Double), spec: FieldSpec
    )
        -> (text: String, confidence: Double)
    {
        var readings = all
        // The readings with the shape the field asks for (one of its `values`, a real date), when there are any,
        // settle it.
        let fitting = readings.filter { Self.fits($0.text, spec) == true }
        if !fitting.isEmpty { readings = fitting }
        var weight: [String: Double] = [:]
        for reading in readings { weight[Self.comparable(reading.text), default: 0] += max(reading.confidence, 1) }
        guard let winner = weight.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key
        else { return first }
        return readings.filter { Self.comparable($0.text) == winner }.max { $0.confidence < $1.confidence }
            .map { ($0.text, $0.confidence) } ?? first
    }

    /// Whether `text` has the shape `spec` asks for: one of its `values`; its `shape` (a plausible address); for a
    /// date, a real day of an allowed era. `nil` when the field asks for no shape that a reading alone can show (free
    /// text without `values` or `shape`).
    static func fits(_ text: String, _ spec: FieldSpec) -> Bool? {
        if let values = spec.validation.values { return values.contains(comparable(text)) }
        if let shape = spec.validation.shape?.admits(text) { return shape }
        switch spec.type {
        case .date, .warekiDate:
            let eras = spec.type == .date ? Era.allCases : spec.eras
            if case .success = Wareki.parse(text, allowing: eras, overflow: spec.overflow) { return true }
            return false
        case .phone:
            return PhoneNumber.classify(text) != nil
        default:
            return nil
        }
    }

    /// Whether a name read in pieces reads as the whole line did (`comparable`); in 全銀 kana, which has no small
    /// kana, a small kana is its large one (a piece read ュイ where the line read ユイ agrees with it).
    static func samePieces(_ pieces: String, _ whole: String, spec: FieldSpec) -> Bool {
        guard spec.type == .accountKana else { return comparable(pieces) == comparable(whole) }
        return NameKana.folded(comparable(pieces)) == NameKana.folded(comparable(whole))
    }

    /// A reading as two readings of the same line are compared: without spaces and the punctuation jpn adds or
    /// drops around Japanese text.
    /// A telephone number's digits as readers are compared on them. A Japanese number begins with 0, so a reading
    /// that begins otherwise misread or missed it: jpn reads a dotted or slashed 0 at the start of a line as 9 or 6,
    /// and eng leaves it out (seed 2468's 口座振替 and 印鑑登録: 93-2113-3319 and 3-2113-3319 where the second model
    /// read 03-2113-3319). Such a reading counts as the number with its 0 put back when that is a number at all; the
    /// value itself is the vote's, unchanged.
    static func phoneKey(_ text: String) -> String {
        let digits = String(
            TextFolding.nfkc(text).filter { $0.isASCII && $0.isNumber })
        guard let first = digits.first, first != "0" else { return digits }
        if "69".contains(first), PhoneNumber.classify("0" + digits.dropFirst()) != nil {
            return "0" + digits.dropFirst()
        }
        if PhoneNumber.classify("0" + digits) != nil { return "0" + digits }
        return digits
    }

    /// Whether a reader read a 0 of `text` as 6 or 9, or a 6 or 9 of it as 0, and nothing else otherwise: the face's
    /// 0 fools a reader inside the number too, so the leading 0 put back (``phoneKey(_:)``) vouches for nothing after
    /// it. On seed 2468's 口座振替 no. 1 at 200 dpi, jpn read 0961-84-1640 as 9961-84-1646 and the second model as
    /// 0961-84-1646, eng read it right.
    static func zeroReadApart(_ text: String, among readings: [Opinion]) -> Bool {
        let wanted = Array(phoneKey(text))
        return readings.contains { reading in
            let other = Array(phoneKey(reading.text))
            guard other.count == wanted.count, other != wanted else { return false }
            return zip(other, wanted).allSatisfy { a, b in
                a == b || (a == "0" && "69".contains(b)) || (b == "0" && "69".contains(a))
            }
        }
    }

    static func comparable(_ text: String) -> String {
        String(
            text.unicodeScalars.filter {
                !CharacterSet.whitespacesAndNewlines.contains($0) && !"。、.,・".unicodeScalars.contains($0)
            })
    }

    /// The readings a line in doubt is given, in order (`secondOpinion`): the second Japanese model first, an
    /// independent witness whose agreement ends it; then the field's own model (`nil`) at other ink heights.
    static let secondOpinions: [(language: String?, height: Double)] = [
        (secondModel, 28), (nil, 22), (nil, 26), (secondModel, 22), (secondModel, 36),
    ]
    /// Tesseract's other Japanese model (Debian's tesseract-ocr-script-jpan).
    static let secondModel = "Japanese"
    /// The model a line of digits in doubt is also read with: `eng` knows the slashed and dotted zeros of Latin
    /// monospace faces, which jpn reads as 9 or 6 at the start of a line (telephone numbers in VL Gothic and Takao
    /// Gothic on the kouza-furikae corpus layout, 5 of 20 scans of seed 4242), and confuses other digits than jpn.
    static let digitModel = "eng"

    /// The part of a one-line zone that holds the writing, with a margin of about half a text height.
    ///
    /// Tesseract's line mode (PSM 7) with jpn loses whole lines when the zone is much taller than the text: on
    /// office-scanner renders a 7 mm zone around 3.5 mm text read as nothing, while the same zone cut to the ink
    /// read the name. Blobs are taken when at least 0.5 mm across (scanner specks and JPEG noise are not) and
    /// when they do not run the zone's full width or height (a cell border caught by a shifted scan is not writing).
    ///
    /// `text`: the zone holds free text (not digits, a date or boxed characters). Across a short one (a character or
    /// two) the margin is a whole line height: where the threshold keeps only the dark ends of a faint stroke (the
    /// serifs at the right of a Mincho 三's hairlines at 150 dpi), the box of the ink ends short of the stroke's
    /// start, and 三男 cut there reads as =男 or 男. Longer lines keep the narrower margin: widened too, names and
    /// addresses read otherwise as often better as worse (development seed 6161), and dates in parts moved both ways
    /// (seed 8383).
    func tightened(_ zone: PixelRect, text: Bool = false) -> PixelRect {
        guard let ink = writingBox(zone) else { return zone }
        let margin = max(Int(1.0 * pxPerMM), ink.height / 2)
        let across = text && ink.width * 2 < ink.height * 5 ? max(margin, ink.height) : margin
        let result = ink.insetBy(dx: -across, dy: -margin).intersection(zone)
        return result.isEmpty ? zone : result
    }

    /// The box of the writing in a zone: its blobs at least 0.5 mm across that do not run its full width or height.
    func writingBox(_ zone: PixelRect) -> PixelRect? {
        let least = max(2, Int(0.5 * pxPerMM))
        let blobs = page.inkComponents(in: zone, sides: 1...Int.max / 2).filter { blob in
            max(blob.width, blob.height) >= least && blob.height < zone.height * 9 / 10
                && blob.width < zone.width * 9 / 10
        }
        guard let first = blobs.first else { return nil }
        return blobs.dropFirst().reduce(first, union)
    }

    /// True when the area holds a blob of ink at least 0.8 mm across: scanner specks and JPEG noise do not count,
    /// so an empty field is not sent to OCR to come back as "EE".
    func hasWriting(in rect: TemplateRect) -> Bool {
        let pixels = transform.pixelRect(rect)
        guard page.fillRatio(of: pixels) > 0.002 else { return false }
        let least = max(2, Int(0.8 * pxPerMM))
        return page.inkComponents(in: pixels, sides: 1...Int.max / 2).contains { max($0.width, $0.height) >= least }
    }

    /// Reads one or two characters (a boxed cell, a date part). Single characters are where LSTM modes differ
    /// most: measured on rendered boxed digits, PSM 8 (one word) read every cell while PSM 7 dropped about one in
    /// ten; PSM 13 and 7 remain as fallbacks when a cell with ink reads as nothing.
    func recognizeShort(
        _ rect: TemplateRect, spec: FieldSpec, whitelist: String?,
        modes: [PageSegmentation] = [.singleWord, .rawLine, .singleLine], language: String? = nil,
        keepsFaintStrokes: Bool = false
    ) -> (text: String, confidence: Double) {
        var last = (text: "", confidence: 0.0)
        for mode in modes {
            last = recognize(
                rect, spec: spec, whitelist: whitelist, segmentation: mode, language: language,
                keepsFaintStrokes: keepsFaintStrokes)
            if !last.text.isEmpty { return last }
        }
        // A lone "1" vanishes under a whitelist in every mode but is read without one; validators check the rest.
        guard modes.contains(.singleWord), page.fillRatio(of: transform.pixelRect(rect)) > 0.005,
            let reading = try? page.recognize(
                transform.pixelRect(rect),
                options: RecognitionOptions(
                    segmentation: .singleWord, whitelist: nil, language: Self.language(of: spec, else: language)))
        else { return last }
        return (reading.text.trimmingCharacters(in: .whitespacesAndNewlines), reading.confidence)
    }

    /// Ink in a printed box, shrunk by more than its printed stroke so the border is not counted (DESIGN §4): the
    /// larger of its fill and ``tickExtentWeight`` times the extent of the stroke drawn across it.
    ///
    /// The fill alone depends on the pen: a ✓ or × in a 0.25-mm pen fills 10–12 % of a 4.5-mm box, under the
    /// default `filled` (12 %), though a clerk sees it at a glance (6 of 282 ticks on the corpus's seed-8123 scans
    /// went to review so). The extent is the smaller of the shares of the inner box's rows and of its columns that
    /// ink larger than a speck crosses: a tick drawn over half the inner box both ways (a ✓ whose foot lies in the
    /// inset border) reaches the default `filled`; a speck, or one line crossing the box one way, adds nothing to
    /// its fill.
    func boxRatio(_ box: TemplateRect) -> Double {
        let inset = max(0.6, min(box.width, box.height) * 0.18)
        let inner = transform.pixelRect(box.expanded(by: -inset))
        let fill = page.fillRatio(of: inner)
        guard fill > 0, inner.width > 0, inner.height > 0 else { return fill }
        let speck = max(1, Int((Self.tickSpeckMM * pxPerMM).rounded()))
        let strokes = page.inkComponents(in: inner, sides: 1...Int.max).filter { max($0.width, $0.height) > speck }
        guard !strokes.isEmpty else { return fill }
        func share(_ spans: [(Int, Int)], of length: Int) -> Double {
            var covered = [Bool](repeating: false, count: length)
            for (start, size) in spans where start < length && start + size > 0 {
                for i in max(0, start)..<min(length, start + size) { covered[i] = true }
            }
            return Double(covered.filter { $0 }.count) / Double(length)
        }
        let rows = share(strokes.map { ($0.y - inner.y, $0.height) }, of: inner.height)
        let columns = share(strokes.map { ($0.x - inner.x, $0.width) }, of: inner.width)
        return max(fill, Self.tickExtentWeight * min(rows, columns))
    }

    /// What a stroke drawn right across a box counts for, on the fill scale (``boxRatio(_:)``).
    static let tickExtentWeight = 0.25
    /// Ink no larger than this (mm) either way is a speck, not part of a tick.
    static let tickSpeckMM = 0.25

    /// Ticked boxes by their inner fill; circled options by the stroke around each option's printed text
    /// (`RingGauge`: the share of directions in which a stroke goes round it), the printed ink excluded.
    func ratios(_ marks: OptionMarks) -> [String: Double] {
        switch marks.style {
        case .boxes:
            var result: [String: Double] = [:]
            for option in marks.options { result[option.name] = boxRatio(option.rect) }
            return result
        case .circles:
            return RingGauge(page: page, transform: transform, printed: printed).scores(marks)
        }
    }
}
