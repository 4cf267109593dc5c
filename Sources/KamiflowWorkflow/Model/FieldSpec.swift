public import KamiflowCore

/// The kinds of value a field holds. Each has a normaliser and a validator (see ``FieldInterpreter``); the raw
/// values are the names written in workflow files.
public enum FieldType: String, Hashable, Sendable, CaseIterable, Codable {
    case text
    case katakana
    case hiragana
    case digits
    case number
    case amount
    case date
    case warekiDate = "wareki-date"
    case choice
    case checkbox
    case phone
    case postal
    case mynumber
    case corporateNumber = "corporate-number"
    case lgCode = "lg-code"
    case bankCode = "bank-code"
    case branchCode = "branch-code"
    case accountNumber = "account-number"
    case accountKana = "account-kana"
    case yucho
    case email

    /// Read by marks (fill ratios), never by OCR.
    public var isMarked: Bool { self == .choice || self == .checkbox }

    /// Free text (text, katakana, hiragana): words with no shape of their own, which may take `values` and are
    /// read as lines of writing.
    public var isFreeText: Bool { self == .text || self == .katakana || self == .hiragana }

    /// The characters Tesseract may produce for this type when the field sets no `whitelist`.
    public var defaultWhitelist: String? {
        switch self {
        case .digits, .mynumber, .corporateNumber, .lgCode, .bankCode, .branchCode, .accountNumber:
            "0123456789"
        case .phone, .postal, .yucho: "0123456789-"
        case .number: "0123456789-.,"
        case .amount: "0123456789,円"
        default: nil
        }
    }

    /// Latin letters and the symbols `jpn+eng` offers for a kanji or kana it is unsure of: never right in a field
    /// written in Japanese (names, kana, addresses, dates in 和暦). Fields with a whitelist and e-mail are exempt.
    public static let latinBlacklist = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$@#%&*+=<>[]{}|\\^_`~;"

    /// The blacklist a field of this type gets when it is read in Japanese: kana fields never hold Latin letters;
    /// free text only loses them when read with `jpn+eng`, where eng's guesses for unsure kanji come in. Read with
    /// jpn alone, a text field keeps the Latin letters it really holds (関東ITソフトウェア健康保険組合: 16 of 50
    /// misread with the blacklist, 0 without, and no name read worse).
    public func defaultBlacklist(language: String) -> String? {
        let models = language.split(separator: "+")
        guard models.contains("jpn") || models.contains("Japanese"), defaultWhitelist == nil, self != .email,
            self != .text || models.count > 1
        else { return nil }
        return Self.latinBlacklist
    }

    /// The Tesseract model a field of this type is read with when the field sets no `lang`: `eng` for e-mail
    /// addresses, `jpn` for everything else. jpn knows digits, Latin letters and the kana and kanji of Japanese
    /// forms; one model per read is faster than `jpn+eng` and does not mix scripts (`jpn+eng` read the `.jp` of
    /// e-mail addresses as `Jjp`). `eng` alone is no better at digits: measured on 200 office-scanner 児童手当
    /// scans, boxed digits and postal codes read as well with jpn as with jpn+eng (100 %), and worse with eng.
    public var defaultLanguage: String {
        self == .email ? "eng" : "jpn"
    }
}

/// Where and how a field is printed and read, and what its value must satisfy.
///
/// Geometry is in template millimetres. What is set depends on the type:
/// - text-like fields: `zone` (the read area), or `cells` for boxed characters (マス目);
/// - `checkbox`: `box` (the printed square);
/// - `choice`: `options` with ``OptionMarks`` (ticked boxes or circled printed options);
/// - `wareki-date`: `zone` holding `令和5年4月1日`, or `era` marks plus `parts` (year/month/day zones).
public struct FieldSpec: Hashable, Sendable {
    /// The key as written: `claimant.name` at top level, `name` inside a group.
    public var name: String
    public var type: FieldType
    /// The printed label (`氏名`).
    public var label: String?
    /// Where the label is printed. The loader fills in the default when the file gives none: a label cell
    /// `form.labelWidth` wide, directly left of the field's ``frame``, of the same height.
    public var labelZone: TemplateRect?
    /// The area that is read for text fields; the printed cell border lies `cellMargin` outside it.
    public var zone: TemplateRect?
    /// Boxed characters: one character per printed box.
    public var cells: CellGrid?
    /// A checkbox's printed square.
    public var box: TemplateRect?
    /// A choice's options, or a wareki-date's era options.
    public var marks: OptionMarks?
    /// A wareki-date written in separate year/month/day zones.
    public var parts: DateParts?
    /// The outer printed frame: the union of every read area grown by the cell margin (for circled options, by
    /// the ring margin). Filled in by the loader; used for the default label place and overlap checks.
    public var frame: TemplateRect
    public var recognition: FieldRecognition
    public var validation: FieldValidation
    /// `mode: one|any` for a choice (exactly one option, or any number of them).
    public var choiceMode: ChoiceMode
    /// Fill-ratio thresholds for checkboxes, ticked boxes and rings.
    public var thresholds: MarkThresholds
    /// For wareki-date: the eras accepted (all five by default) and what to do with `平成32年`.
    public var eras: [Era]
    public var overflow: EraOverflowPolicy
    /// `sensitive: true`: the value never appears in logs, errors or reason files (マイナンバー, account numbers).
    public var sensitive: Bool
    /// Used when nothing was read (`default:`), as text to be normalised like a read value.
    public var defaultValue: String?
    /// A hint for the fake-data generator of the forms renderer (`person.kana`); Kamiflow only stores it.
    public var sample: String?
    /// Free text for authors and reviewers (`note:`).
    public var note: String?
    public var location: SourceLocation

    public init(
        name: String, type: FieldType, label: String? = nil, labelZone: TemplateRect? = nil,
        zone: TemplateRect? = nil, cells: CellGrid? = nil, box: TemplateRect? = nil, marks: OptionMarks? = nil,
        parts: DateParts? = nil, frame: TemplateRect = TemplateRect(x: 0, y: 0, width: 0, height: 0),
        recognition: FieldRecognition = FieldRecognition(), validation: FieldValidation = FieldValidation(),
        choiceMode: ChoiceMode = .one, thresholds: MarkThresholds = MarkThresholds(), eras: [Era] = Era.allCases,
        overflow: EraOverflowPolicy = .reject, sensitive: Bool = false, defaultValue: String? = nil,
        sample: String? = nil, note: String? = nil,
        location: SourceLocation = SourceLocation(file: "", line: 0, column: 0)
    ) {
        self.name = name
        self.type = type
        self.label = label
        self.labelZone = labelZone
        self.zone = zone
        self.cells = cells
        self.box = box
        self.marks = marks
        self.parts = parts
        self.frame = frame
        self.recognition = recognition
        self.validation = validation
        self.choiceMode = choiceMode
        self.thresholds = thresholds
        self.eras = eras
        self.overflow = overflow
        self.sensitive = sensitive
        self.defaultValue = defaultValue
        self.sample = sample
        self.note = note
        self.location = location
    }

    /// The choice's option names in printed order (empty for other types).
    public var options: [String] { marks?.options.map(\.name) ?? [] }

    /// Every read area of the field (zone, cells, box, option rects, date parts), for drawing and reading.
    public var readAreas: [TemplateRect] {
        var areas: [TemplateRect] = []
        if let zone { areas.append(zone) }
        if let cells { areas.append(contentsOf: cells.rects) }
        if let box { areas.append(box) }
        if let marks { areas.append(contentsOf: marks.options.map(\.rect)) }
        if let parts { areas.append(contentsOf: [parts.year, parts.month, parts.day]) }
        return areas
    }

    /// The pieces printed for the field, each a separate rectangle: a value cell (zone grown by `cellMargin`), each
    /// box of boxed characters, a checkbox, each date part's cell, each option's box with its caption or its ring.
    /// ``frame`` bounds them all; unit labels such as 年/月/日 may sit between the pieces.
    public func printedAreas(cellMargin: Double) -> [TemplateRect] {
        var areas: [TemplateRect] = []
        if let zone { areas.append(zone.expanded(by: cellMargin)) }
        if let cells { areas.append(cells.bounds) }
        if let box { areas.append(box) }
        if let parts { areas += [parts.year, parts.month, parts.day].map { $0.expanded(by: cellMargin) } }
        if let marks {
            for option in marks.options {
                switch marks.style {
                case .circles: areas.append(option.ringOuter)
                case .boxes: areas.append(option.rect.union(marks.captionZone(for: option)))
                }
            }
        }
        return areas
    }

    /// The same field moved by `dx`, `dy` millimetres (a later row of a repeating group).
    public func offsetBy(dx: Double, dy: Double) -> FieldSpec {
        var copy = self
        copy.labelZone = labelZone?.offsetBy(dx: dx, dy: dy)
        copy.zone = zone?.offsetBy(dx: dx, dy: dy)
        copy.cells = cells.map { CellGrid(count: $0.count, first: $0.first.offsetBy(dx: dx, dy: dy), pitch: $0.pitch) }
        copy.box = box?.offsetBy(dx: dx, dy: dy)
        copy.marks = marks.map { marks in
            OptionMarks(
                style: marks.style,
                options: marks.options.map { MarkOption(name: $0.name, rect: $0.rect.offsetBy(dx: dx, dy: dy)) })
        }
        copy.parts = parts.map {
            DateParts(
                year: $0.year.offsetBy(dx: dx, dy: dy), month: $0.month.offsetBy(dx: dx, dy: dy),
                day: $0.day.offsetBy(dx: dx, dy: dy))
        }
        copy.frame = frame.offsetBy(dx: dx, dy: dy)
        return copy
    }
}

/// Boxed characters (マス目): `count` printed boxes in a row, the first at `first`, each `pitch` mm to the right of
/// the previous one. One character is written per box.
public struct CellGrid: Hashable, Sendable {
    public var count: Int
    public var first: TemplateRect
    public var pitch: Double

    public init(count: Int, first: TemplateRect, pitch: Double) {
        self.count = count
        self.first = first
        self.pitch = pitch
    }

    /// The printed boxes, left to right.
    public var rects: [TemplateRect] {
        (0..<count).map { first.offsetBy(dx: pitch * Double($0), dy: 0) }
    }

    /// The area of all boxes together.
    public var bounds: TemplateRect { TemplateRect.bounding(rects) ?? first }
}

/// Options marked on paper, in printed order.
public struct OptionMarks: Hashable, Sendable {
    public enum Style: String, Hashable, Sendable {
        /// `boxes: {男: [x,y,w,h]}` — a printed square per option, ticked or filled by the writer.
        case boxes
        /// `circle: {男: [x,y,w,h]}` — the rect is where the option's text is printed; the writer draws a circle
        /// around it (○で囲む). Reading counts ink in a ring around the text, never the text's own ink.
        case circles
    }

    public var style: Style
    public var options: [MarkOption]

    public init(style: Style, options: [MarkOption]) {
        self.style = style
        self.options = options
    }

    /// How far outside an option's printed text a circle is expected (outer edge of the ring), in mm.
    public static let ringOuterMargin = 3.0
    /// How far outside the printed text the ring starts, so the text's own ink is not counted, in mm.
    public static let ringInnerMargin = 0.6
    /// How far outside the printed text the ring that is read ends, in mm: inside the 3 mm reserved, so the
    /// borders of neighbouring cells (which may touch the reserve) are not counted as a circle.
    public static let ringReadMargin = 2.4
}

/// One option of a choice (or an era) and its rect on the template.
public struct MarkOption: Hashable, Sendable {
    public var name: String
    public var rect: TemplateRect
    public init(name: String, rect: TemplateRect) {
        self.name = name
        self.rect = rect
    }

    /// The outer rectangle of the ring read around a circled option.
    public var ringOuter: TemplateRect { rect.expanded(by: OptionMarks.ringOuterMargin) }
    /// The outer rectangle of the ring that is read (within ``ringOuter``).
    public var ringRead: TemplateRect { rect.expanded(by: OptionMarks.ringReadMargin) }
    /// The inner rectangle excluded from the ring (the printed option text and its immediate surroundings).
    public var ringInner: TemplateRect { rect.expanded(by: OptionMarks.ringInnerMargin) }
}

/// A date written in three zones (`parts: {year: …, month: …, day: …}`), the era given by marks or printed.
public struct DateParts: Hashable, Sendable {
    public var year: TemplateRect
    public var month: TemplateRect
    public var day: TemplateRect
    public init(year: TemplateRect, month: TemplateRect, day: TemplateRect) {
        self.year = year
        self.month = month
        self.day = day
    }
}

/// `one`: exactly one option must be marked (none or two is *ambiguous*); `any`: zero or more.
public enum ChoiceMode: String, Hashable, Sendable, CaseIterable {
    case one, any
}

/// Fill-ratio thresholds (0…1) for marks. At or above `filled` a mark is set; at or below `empty` it is clear;
/// in between the mark is uncertain and the field goes to review.
public struct MarkThresholds: Hashable, Sendable {
    public var filled: Double
    public var empty: Double
    public init(filled: Double = 0.12, empty: Double = 0.04) {
        self.filled = filled
        self.empty = empty
    }

    /// Defaults for circled options, on the ring score (`RingGauge`: 1 for a stroke all round the option, 0.4–0.6
    /// for a ring open by a quarter or crossing the text; an exactly-one group also asks the circled option to lead
    /// the others by `FieldInterpreter.circleLead`).
    public static let circles = MarkThresholds(filled: 0.3, empty: 0.12)
}

/// What to do with a year past the end of its era (`平成32年`, still printed on old forms).
public enum EraOverflowPolicy: String, Hashable, Sendable, CaseIterable {
    /// An error: the date does not exist.
    case reject
    /// Convert (平成32年 → 2020) and warn.
    case convert
}

/// How Tesseract reads the field.
public struct FieldRecognition: Hashable, Sendable {
    /// Tesseract language(s) set by the workflow (`lang:`); `nil` reads with the type's
    /// ``FieldType/defaultLanguage``.
    public var language: String?
    /// Page segmentation mode; `nil` lets extraction choose (7, one line, for most fields).
    public var segmentation: PageSegmentation?
    /// Characters allowed; `nil` uses the type's ``FieldType/defaultWhitelist``.
    public var whitelist: String?

    public init(language: String? = nil, segmentation: PageSegmentation? = nil, whitelist: String? = nil) {
        self.language = language
        self.segmentation = segmentation
        self.whitelist = whitelist
    }
}

/// What a field's value must satisfy beyond its type.
public struct FieldValidation: Hashable, Sendable {
    public var required: Bool
    /// A regular expression the normalised text must match in full.
    public var pattern: String?
    /// The words the field may hold (続柄: 世帯主, 妻, 子 …): the normalised text must be one of them, and a
    /// reading that is none of them is read again (extraction's second opinion), a listed reading preferred.
    public var values: [String]?
    /// Allowed length of the normalised text, in characters.
    public var length: ClosedRange<Int>?
    /// Allowed numeric range (number, amount, digits) — either end may be open.
    public var minimum: Double?
    public var maximum: Double?
    /// The shape a free-text value must have to be plausible (`shape: address`, `shape: family-given`, `shape: name`).
    public var shape: TextShape?

    public init(
        required: Bool = false, pattern: String? = nil, values: [String]? = nil, length: ClosedRange<Int>? = nil,
        minimum: Double? = nil, maximum: Double? = nil, shape: TextShape? = nil
    ) {
        self.shape = shape
        self.required = required
        self.pattern = pattern
        self.values = values
        self.length = length
        self.minimum = minimum
        self.maximum = maximum
    }
}
