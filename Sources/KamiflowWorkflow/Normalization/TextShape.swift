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
    /// (Tesseract drops the space between kana, so the text itself cannot show it). The text shows only a name
    /// no reading begins so (`neverFirst`).
    case familyGiven = "family-given"
    /// A person's name as written: kanji, kana, 々 and 〆, spaces between family and given name,
    /// ・ between the parts of a foreign name, ー only after kana, and Latin letters only in a name written wholly in
    /// them. No digits, no punctuation: both Japanese models read the 一 of 健一 as `-` at 86 on a Noto Serif CJK
    /// corpus scan, and nothing else looked.
    case name

    /// Whether `text` has the shape; `nil` where the text alone cannot show it (`familyGiven`).
    public func admits(_ text: String) -> Bool? {
        switch self {
        case .address: Self.isPlausibleAddress(text)
        case .familyGiven: Self.partsBeginAsNames(text) ? nil : false
        case .name: Self.isPlausibleName(text)
        }
    }

    /// The kana no Japanese name's reading begins with: ン, the small kana, and the long mark (as 全銀 kana writes it
    /// too). jpn read the シ of シミズ as ﾝ at 86 in a 口座名義 at 150 dpi (held-out seed 4343 口座振替 no. 89), and
    /// ﾝﾐｽﾞﾁﾋﾛ went on.
    static let neverFirst: Set<Character> = Set("ンッャュョァィゥェォヮヵヶー-")

    /// Whether each part of `text` (split at spaces; the whole where Tesseract dropped them) begins as a name can.
    static func partsBeginAsNames(_ text: String) -> Bool {
        let folded = TextFolding.katakana(TextFolding.nfkc(text))
        return !folded.split(whereSeparator: { $0.isWhitespace }).contains { part in
            part.first.map(neverFirst.contains) ?? false
        }
    }

    /// What a clerk is told when a value lacks the shape (no value quoted).
    public var expectation: String {
        switch self {
        case .address:
            "not a plausible address (丁目, 番地 and 号 follow a number; no brackets or stray punctuation)"
        case .familyGiven: "not a family name and a given name"
        case .name: "not a plausible name (no digits or punctuation; ー only after kana)"
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
            case "日" where before == "丁":
                // The 目 of 丁目 read as 日 (1丁日7番 in Noto Serif CJK, TakaoPMincho): no place is called 丁日.
                return false
            default:
                continue
            }
        }
        return true
    }

    static func isPlausibleName(_ text: String) -> Bool {
        let scalars = Array(TextFolding.nfkc(text).unicodeScalars)
        guard !scalars.isEmpty else { return true }
        let latin = scalars.contains { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
        var previous: Unicode.Scalar?
        for scalar in scalars {
            defer { previous = scalar }
            if scalar == " " || scalar == "\u{3000}" {
                continue
            } else if ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) {
                continue
            } else if latin {
                // A name in Latin letters is wholly in them (a foreign resident's name as on the residence card).
                if scalar != "." && scalar != "-" && scalar != "'" && scalar != "," { return false }
            } else if scalar == "ー" {
                // The long-vowel mark lengthens kana (マリー); after a kanji it is a misread 一.
                guard let previous, isKana(previous) else { return false }
            } else if !(isKanji(scalar) || isKana(scalar) || "々〆ヶ・".unicodeScalars.contains(scalar)) {
                return false
            }
        }
        return true
    }

    static func isKana(_ scalar: Unicode.Scalar) -> Bool {
        (0x3041...0x3096).contains(scalar.value) || (0x30A1...0x30FA).contains(scalar.value)
    }

    static func isKanji(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
            || (0xF900...0xFAFF).contains(scalar.value) || (0x20000...0x3134F).contains(scalar.value)
    }
}
