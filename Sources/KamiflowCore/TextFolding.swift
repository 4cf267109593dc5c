import Foundation

/// Character-level normalisation shared by field types and connectors (DOMAIN §4.6, §4.9).
///
/// `package` so that the 全銀 connector folds holder names exactly as the validator checked them.
package enum TextFolding {
    /// Unicode NFKC: full-width ASCII to ASCII, half-width kana to full-width, ㋿ → 令和, ① → 1.
    package static func nfkc(_ text: String) -> String { text.precomposedStringWithCompatibilityMapping }

    /// Every dash NFKC leaves alone (‐ ‑ ‒ – — ― − and the CP932 －) as `-`. Kana long-vowel marks are kept.
    package static func foldDashes(_ text: String) -> String {
        String(text.map { dashes.contains($0) ? "-" : $0 })
    }

    /// Dashes and long-vowel marks alike as `-`: for digit fields where OCR reads a hyphen as ー.
    package static func foldAllDashes(_ text: String) -> String {
        String(text.map { dashes.contains($0) || longVowels.contains($0) ? "-" : $0 })
    }

    package static let dashes: Set<Character> = [
        "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}", "\u{FF0D}", "\u{FE63}",
        "\u{FE58}",
    ]
    package static let longVowels: Set<Character> = ["\u{30FC}", "\u{FF70}"]
    /// Wave dash and tildes; NFKC has already turned the CP932 full-width tilde (U+FF5E) into `~`.
    package static let tildes: Set<Character> = ["\u{301C}", "\u{FF5E}", "\u{223C}", "~"]

    /// The seven characters Microsoft's CP932 decodes differently from JIS X 0208 (DOMAIN §4.6), mapped to the
    /// JIS form Kamiflow keeps internally: ～→〜, －→−, ―→—, ∥→‖, ￠→¢, ￡→£, ￢→¬.
    package static func canonicalJIS(_ text: String) -> String {
        String(text.map { cp932ToJIS[$0] ?? $0 })
    }

    /// The reverse of ``canonicalJIS(_:)``: what a CP932 writer must emit for each JIS form.
    package static let jisToCP932: [Character: Character] = [
        "\u{301C}": "\u{FF5E}", "\u{2212}": "\u{FF0D}", "\u{2014}": "\u{2015}", "\u{2016}": "\u{2225}",
        "\u{00A2}": "\u{FFE0}", "\u{00A3}": "\u{FFE1}", "\u{00AC}": "\u{FFE2}",
    ]
    package static let cp932ToJIS: [Character: Character] = Dictionary(
        uniqueKeysWithValues: jisToCP932.map { ($0.value, $0.key) })

    /// Hiragana to katakana (ぁ–ゖ → ァ–ヶ, ゝゞ → ヽヾ).
    package static func katakana(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    (0x3041...0x3096).contains(scalar.value) || (0x309D...0x309E).contains(scalar.value)
                        ? Unicode.Scalar(scalar.value + 0x60)! : scalar
                }))
    }

    /// Katakana to hiragana (ァ–ヶ → ぁ–ゖ).
    package static func hiragana(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    (0x30A1...0x30F6).contains(scalar.value) || (0x30FD...0x30FE).contains(scalar.value)
                        ? Unicode.Scalar(scalar.value - 0x60)! : scalar
                }))
    }

    /// Removes ASCII and ideographic spaces.
    package static func removingSpaces(_ text: String) -> String {
        String(text.filter { !$0.isWhitespace })
    }

    /// Trims, and removes spaces between two CJK characters (Tesseract's jpn output puts spaces between
    /// characters); spaces between Latin words stay.
    package static func tidy(_ text: String) -> String {
        let characters = Array(
            text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " "))
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isWhitespace {
                let before = result.last
                let after = characters[(index + 1)...].first { !$0.isWhitespace }
                if let before, let after, isCJK(before) || isCJK(after) { continue }
                if result.last == " " { continue }
                result.append(" ")
            } else {
                result.append(character)
            }
        }
        return result
    }

    package static func isCJK(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3000...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF01...0xFF9F, 0x20000...0x3FFFF:
            return true
        default: return false
        }
    }

    package static func isKatakana(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { (0x30A1...0x30FA).contains($0.value) || $0.value == 0x30FC }
    }

    package static func isHiragana(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { (0x3041...0x3096).contains($0.value) || $0.value == 0x30FC }
    }

    /// A kanji (CJK unified ideographs, extension A, 々).
    package static func isKanji(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return false }
        return (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
            || scalar.value == 0x3005
    }

    /// Katakana and kanji drawn alike in print (ニ 二, ロ 口, エ 工, ハ 八, タ 夕, ト 卜, ー 一): Tesseract picks one by
    /// shape, and only the neighbours tell which was written (浩ニ for 浩二, 健ー for 健一 in a name).
    static let kanaKanjiLookAlikes: [Character: Character] = [
        "ニ": "二", "ロ": "口", "エ": "工", "ハ": "八", "タ": "夕", "ト": "卜", "ー": "一",
    ]
    static let kanjiKanaLookAlikes = Dictionary(uniqueKeysWithValues: kanaKanjiLookAlikes.map { ($0.value, $0.key) })

    /// `text` with each look-alike written in its neighbours' script: a katakana one beside kanji and no kana
    /// becomes the kanji (浩ニ → 浩二), a kanji one between two kana the katakana (コ一ポ → コーポ; 一カ月 keeps its
    /// 一). カ and 力 are left as read: 一カ月 writes the kana between kanji; so are ケ and ヶ (桜ケ丘).
    package static func lookAlikesInScript(_ text: String) -> String {
        var characters = Array(text)
        let original = characters
        for (i, character) in original.enumerated() {
            let neighbours = [i - 1, i + 1].filter { original.indices.contains($0) }.map { original[$0] }
            let kanji = neighbours.contains { isKanji($0) && kanjiKanaLookAlikes[$0] == nil }
            // Any kana beside it keeps it kana, a look-alike too (the ト of パスポート申請 stays: ー is kana there).
            let kana = neighbours.contains { isKatakana($0) || isHiragana($0) }
            if let twin = kanaKanjiLookAlikes[character], kanji, !kana {
                characters[i] = twin
            } else if let twin = kanjiKanaLookAlikes[character], neighbours.count == 2,
                neighbours.allSatisfy({ isKatakana($0) || isHiragana($0) })
            {
                characters[i] = twin
            }
        }
        return String(characters)
    }
}

/// The 全銀 (Zengin) half-width kana of bank transfer files (DOMAIN §4.9): one folding for the validator that flags
/// an account name and for the connector that writes it, so that what a reviewer saw accepted is what the bank gets.
///
/// Folding: NFKC; hiragana → katakana; small kana → large (キュウヨ → ｷﾕｳﾖ, ヵ → ｶ, ヰ → ｲ, ヱ → ｴ); voiced kana as
/// two characters (ガ → ｶﾞ: two bytes in the file); ー, every dash and wave dash → `-`; （）→ (); ・→ `.`; lower
/// case → upper; runs of spaces → one half-width space, none at either end (the field is left-justified).
///
/// ヲ: the 全銀 practice is ｵ (the conversion tables banks publish map ヲ → ｵ, and ｦ is outside the character set
/// most banks accept), so ｵ is the default; a bank that takes ｦ says so and gets ｦ (``keepsWo``). The validator
/// has no bank and folds with the defaults, so the kana it shows is accepted by every bank.
///
/// A character with no 全銀 form is kept in the folded text and reported (``Folded/unmappable``): what to do with it
/// is the caller's decision — the validator flags the field for a person, the connector refuses the record.
package struct ZenginKana: Hashable, Sendable {
    /// Symbols allowed besides letters, digits and kana; banks differ beyond ``baseSymbols`` (DOMAIN §4.9).
    package var allowedSymbols: Set<Character>
    /// Write ヲ as ｦ instead of ｵ, for a bank that accepts ｦ.
    package var keepsWo: Bool

    /// The symbols every bank accepts in a holder name.
    package static let baseSymbols: Set<Character> = [" ", "(", ")", ".", "-", "/"]

    /// The folding any bank accepts: ``baseSymbols`` and ヲ as ｵ.
    package static let standard = ZenginKana()

    /// A folding with the bank's symbol set and ヲ policy.
    package init(allowedSymbols: Set<Character> = ZenginKana.baseSymbols, keepsWo: Bool = false) {
        self.allowedSymbols = allowedSymbols
        self.keepsWo = keepsWo
    }

    /// The result of folding a text.
    package struct Folded: Hashable, Sendable {
        /// The 全銀 form, with every unmappable character left where it was.
        package var text: String
        /// The characters (after NFKC and kana folding) that have no 全銀 form, in order; empty when `text` can be
        /// written to a transfer file as it is.
        package var unmappable: [Character]
    }

    /// Full-width katakana → their half-width 全銀 form, small kana as large and voiced kana as two characters.
    static let kana: [Character: String] = {
        let full = Array("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン")
        let half = Array("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ")
        var table: [Character: String] = [:]
        for (f, h) in zip(full, half) { table[f] = String(h) }
        // 全銀 has no small kana, nor ヰ and ヱ.
        for (small, large) in zip(Array("ァィゥェォッャュョヮヵヶヰヱ"), Array("ｱｲｳｴｵﾂﾔﾕﾖﾜｶｹｲｴ")) {
            table[small] = String(large)
        }
        for (voiced, base) in zip(Array("ガギグゲゴザジズゼゾダヂヅデドバビブベボ"), Array("ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ")) {
            table[voiced] = String(base) + "ﾞ"
        }
        for (semi, base) in zip(Array("パピプペポ"), Array("ﾊﾋﾌﾍﾎ")) { table[semi] = String(base) + "ﾟ" }
        table["ヴ"] = "ｳﾞ"
        table["ー"] = "-"
        table["・"] = "."
        return table
    }()

    /// Folds any kana text (full- or half-width katakana, hiragana, Latin letters) to 全銀 form.
    package func fold(_ text: String) -> Folded {
        let source = TextFolding.foldDashes(TextFolding.katakana(TextFolding.nfkc(text)))
        var result = ""
        var unmappable: [Character] = []
        var pendingSpace = false
        for character in source {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace {
                if !allowedSymbols.contains(" ") { unmappable.append(" ") }
                result.append(" ")
                pendingSpace = false
            }
            let mapped: String
            if character == "ヲ" {
                mapped = keepsWo ? "ｦ" : "ｵ"
            } else if TextFolding.tildes.contains(character) {
                mapped = "-"
            } else if let kana = Self.kana[character] {
                mapped = kana
            } else if character.isASCII, character.isLetter {
                mapped = character.uppercased()
            } else {
                mapped = String(character)
            }
            if !mapped.unicodeScalars.allSatisfy(isAllowed) { unmappable.append(character) }
            result += mapped
        }
        return Folded(text: result, unmappable: unmappable)
    }

    /// Whether one scalar of a folded text may stand in a transfer file: half-width kana ｱ–ﾝ, ﾞ ﾟ (and ｦ when the
    /// bank takes it), 0–9, A–Z and the allowed symbols.
    func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0xFF71...0xFF9F: true
        case 0xFF66: keepsWo
        default: allowedSymbols.contains(Character(scalar))
        }
    }

    /// Length in bytes as the file counts it: every 全銀 character is one byte (ｶﾞ is two).
    package static func byteCount(_ folded: String) -> Int { folded.unicodeScalars.count }
}
