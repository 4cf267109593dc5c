import Foundation
public import KamiflowCore

/// What was read for one field instance, before interpretation: OCR text with its confidence, and/or the fill
/// ratios of its marks. Extraction produces these from a scan; tests and the review station can build them by
/// hand, which is why interpretation is pure Swift and needs no OCR.
public struct FieldReading: Hashable, Sendable {
    /// The text read in the zone (boxed characters joined in order); `nil` for mark-only fields.
    public var text: String?
    /// The engine's confidence for `text`, 0–100.
    public var confidence: Double?
    /// Fill ratios (0…1) by option name for choices and era marks, or under ``FieldReading/checkboxKey`` for a
    /// checkbox. For circled options this is the ink in the ring around the printed option, its own ink excluded.
    public var marks: [String: Double]
    /// For dates written in parts: the texts read in the `year`, `month` and `day` zones.
    public var parts: [String: String]
    /// Where on the scan the field was read.
    public var source: FieldSource?
    /// Why the reader doubts `text` (its confidence put at 30), for the person who checks it; `nil` when its
    /// confidence is only what Tesseract and the other readers scored.
    public var doubt: Doubt?
    /// What readers independent of the field's own model (the second Japanese model) read for `text`, where they
    /// were asked: evidence for a correction master data settles (`witnesses:`), never a value of its own.
    public var independentReadings: [String]

    /// The key a checkbox's single fill ratio goes under in ``marks``.
    public static let checkboxKey = "box"

    public init(
        text: String? = nil, confidence: Double? = nil, marks: [String: Double] = [:], parts: [String: String] = [:],
        source: FieldSource? = nil, doubt: Doubt? = nil, independentReadings: [String] = []
    ) {
        self.text = text
        self.confidence = confidence
        self.marks = marks
        self.parts = parts
        self.source = source
        self.doubt = doubt
        self.independentReadings = independentReadings
    }

    /// A checkbox read with fill ratio `ratio`.
    public static func checkbox(_ ratio: Double, source: FieldSource? = nil) -> FieldReading {
        FieldReading(marks: [checkboxKey: ratio], source: source)
    }

    /// True when nothing at all was read.
    public var isBlank: Bool {
        (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && marks.values.allSatisfy { $0 <= 0 }
            && parts.values.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}

/// Why the reader put a reading in doubt: what the person who checks the field should look at. A field with a doubt
/// carries it as an `info` issue (its code is the raw value) beside the low confidence that sends it to a person, so a
/// clerk sees "the zeros were read as 6 or 9" instead of a bare confidence. Messages never hold the value.
public enum Doubt: String, Hashable, Sendable, CaseIterable {
    /// Other readings of the field (another model, mode or size) disagree with the one kept.
    case readersDisagree
    /// A 6, 8 or 9 among digits was taken as 0: other models read a slashed or dotted zero there, or a boxed digit's
    /// counter fills its height.
    case slashedZero
    /// A boxed digit read as 8 has no counter (an 8 has two): it was read again without 8 allowed.
    case notAnEight
    /// A boxed digit read as 1, 2, 3, 5 or 7 closes a loop (a 4 whose hairline crossbar the threshold broke): it was
    /// read again as a digit that has one, or the row's own reading of it put back.
    case loopInGlyph
    /// A 6 or a 9 among a date's digits was taken as 8: its glyph has two counters, one above the other.
    case eightByShape
    /// The ink holds more digits, one glyph each, than the reading has: a digit may have been lost.
    case digitsMissing
    /// A date part was read with more digits than a part holds (two): it was read again a digit at a time.
    case digitsExtra
    /// A digit of a date part read as 8 or 9 closes no loop (a 3 does not): it was read again without them.
    case noLoop
    /// Read again in two pieces, cut at the widest gap, the line reads otherwise (a name run together).
    case piecesReadOtherwise
    /// The glyphs of the form's typeface read a character otherwise, and that character was put in.
    case typefaceReadsOtherwise
    /// A kanji of a name printed in another face than the workflow's is far more like another kanji of the typeface
    /// than like the one read (`FieldReader.kanjiUnlikeGlyphs`).
    case kanjiUnlikeGlyph
    /// The boxed number failed its check digit as read; another model's reading that passes was put in.
    case checkDigitReading
    /// Beside a kana of the ハ row, the ink holds a voiced mark other than the one read (`VoicedMarks`): a ゜ lost, or
    /// read as ゛.
    case voicedMark

    /// What the issue says, after the field's label: what the reader saw and did, not what to do. A value that went
    /// on with its doubt answered (a zero put back that the readers bear out, at 83) carries the note too, and no
    /// one is asked to check it; one that did not is flagged by its confidence as well.
    public var message: String {
        switch self {
        case .readersDisagree: "other readings of it disagree"
        case .slashedZero: "a 6, 8 or 9 was taken as 0 (a slashed or dotted zero)"
        case .notAnEight: "a digit read as 8 has no closed loop: check the digits"
        case .loopInGlyph: "a digit read as 1, 2, 3, 5 or 7 closes a loop: check the digits"
        case .eightByShape: "a 6 or a 9 was taken as 8 (the glyph has two counters)"
        case .digitsMissing: "the ink holds more digits than the line read: they were read again one at a time"
        case .digitsExtra: "read with more digits than a date part holds: check the digits"
        case .noLoop: "a digit read as 8 or 9 closes no loop: it was read again without them; check the digits"
        case .piecesReadOtherwise: "read in two pieces, it reads otherwise"
        case .typefaceReadsOtherwise: "a character was put in from the typeface's glyphs"
        case .kanjiUnlikeGlyph: "a kanji read looks more like another kanji (a pair Tesseract confuses): check it"
        case .checkDigitReading: "failed its check digit as first read; another reading that passes was put in"
        case .voicedMark: "the ink beside a kana holds a voiced mark (゛ ゜) other than the one read: check the marks"
        }
    }
}

/// Stable issue codes Kamiflow puts on fields and records; programs branch on these, people read the messages.
public enum IssueCode {
    public static let required = "required"
    public static let unreadable = "unreadable"
    public static let checkDigit = "checkDigit"
    public static let invalidDate = "invalidDate"
    public static let eraOutOfRange = "eraOutOfRange"
    public static let eraOverflow = "eraOverflow"
    public static let ambiguousMark = "ambiguousMark"
    public static let uncertainMark = "uncertainMark"
    public static let pattern = "pattern"
    /// Without the `shape:` its field asks for (an address whose 丁目 follows no number).
    public static let shape = "shape"
    /// Not one of the field's `values`.
    public static let notListed = "notListed"
    public static let length = "length"
    public static let range = "range"
    public static let charset = "charset"
    public static let lowConfidence = "lowConfidence"
    public static let alwaysReviewed = "alwaysReviewed"
    /// `review.double_entry`: two people key the value blind (the review station compares them).
    public static let doubleEntry = "doubleEntry"
    public static let rule = "rule"
    /// On the record: a failed rule with `on_rule_failure: reject`.
    public static let rejected = "rejected"

    /// Every code above, `master` (master data) and each `Doubt`: what a screen that words the codes for a clerk
    /// must know.
    public static var all: [String] {
        [
            required, unreadable, checkDigit, invalidDate, eraOutOfRange, eraOverflow, ambiguousMark, uncertainMark,
            pattern, shape, notListed, length, range, charset, lowConfidence, alwaysReviewed, doubleEntry, rule,
            rejected, master,
        ] + Doubt.allCases.map(\.rawValue)
    }
}
