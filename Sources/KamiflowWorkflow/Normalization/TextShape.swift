import KamiflowCore

/// The shape a free-text field's value must have to be plausible (`shape:` in a workflow): the checks a clerk
/// makes at a glance, without any master data.
///
/// A reading without its field's shape is in doubt however confident Tesseract was: extraction reads it again and
/// prefers a reading that has the shape, and the interpreter puts a warning on a value that still lacks it. In
/// Noto Serif CJK, both Japanese models read the 丁 of 丁目 as `」` or `]` at 86, which nothing else noticed.
public enum TextShape: String, Hashable, Sendable, CaseIterable, Codable {
    /// A Japanese address: every 丁目, 番地, 番 (before a number) and 号 follows a number (digits or 漢数字), no
    /// digit is directly followed by 目 (a 丁 lost), and there are no brackets, quotes or sentence punctuation.
    case address
    /// A name written as family name, a space, given name (`ヤマザキ ユウト`). Extraction checks it on the image:
    /// the ink of the zone has one word gap, and the two sides read alone must give the reading of the whole
    /// (Tesseract drops the space between kana, so the text itself cannot show it).
    case familyGiven = "family-given"

    /// Whether `text` has the shape; `nil` where the text alone cannot show it (`familyGiven`).
    public func admits(_ text: String) -> Bool? {
        switch self {
        case .address: Self.isPlausibleAddress(text)
        case .familyGiven: nil
        }
    }

    /// What a clerk is told when a value lacks the shape (no value quoted).
    public var expectation: String {
        switch self {
        case .address:
            "not a plausible address (丁目, 番地 and 号 follow a number; no brackets or stray punctuation)"
        case .familyGiven: "not a family name and a given name"
        }
    }

    /// Characters never written in an address: brackets, quotes and sentence punctuation (jpn's reading of a
    /// thin stroke it could not place).
    static let strayInAddress: Set<Character> = Set("「」『』[]【】()（）〔〕〈〉《》{}<>\"'`|\\^_~;:!?！？、。，,*=")
    static let numerals: Set<Character> = Set("0123456789一二三四五六七八九十〇百")

    static func isPlausibleAddress(_ text: String) -> Bool {
        let characters = Array(TextFolding.nfkc(text).filter { !$0.isWhitespace })
        guard !characters.contains(where: strayInAddress.contains) else { return false }
        for (i, character) in characters.enumerated() {
            let before = i > 0 ? characters[i - 1] : nil
            let after = i + 1 < characters.count ? characters[i + 1] : nil
            let afterNumber = before.map(numerals.contains) ?? false
            switch character {
            case "丁" where after == "目", "号":
                // 号 of 号室 or of a 番地 (`3号`) follows a number; so does 丁目.
                if !afterNumber { return false }
            case "番" where after == "地" || after.map(\.isNumber) == true:
                if !afterNumber { return false }
            case "目" where before.map({ $0.isASCII && $0.isNumber }) == true:
                return false
            case "日" where before.map({ $0.isASCII && $0.isNumber }) == true && after.map(\.isNumber) == true:
                // 丁目 run together into 日 (3丁目28番 read as 3日28番); a town's 日 follows a kanji numeral (四日市).
                return false
            default:
                continue
            }
        }
        return true
    }
}
