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

    static let dashes: Set<Character> = [
        "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "\u{2212}", "\u{FF0D}", "\u{FE63}",
        "\u{FE58}",
    ]
    static let longVowels: Set<Character> = ["\u{30FC}", "\u{FF70}"]
    /// Wave dash and tildes; NFKC has already turned the CP932 full-width tilde (U+FF5E) into `~`.
    static let tildes: Set<Character> = ["\u{301C}", "\u{FF5E}", "\u{223C}", "~"]

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
    static let cp932ToJIS: [Character: Character] = Dictionary(
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
        let characters = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " "))
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

    static func isCJK(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3000...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF01...0xFF9F, 0x20000...0x3FFFF:
            return true
        default: return false
        }
    }

    static func isKatakana(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { (0x30A1...0x30FA).contains($0.value) || $0.value == 0x30FC }
    }

    static func isHiragana(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { (0x3041...0x3096).contains($0.value) || $0.value == 0x30FC }
    }
}

/// The 全銀 (Zengin) half-width kana of bank transfer files (DOMAIN §4.9).
///
/// Folding: NFKC, hiragana → katakana, small kana → large (キュウヨ → ｷﾕｳﾖ), voiced kana as two characters
/// (ガ → ｶﾞ: two bytes in the file), ヲ → ｵ, ー and every dash → `-`, （）→ (), ・→ `.`, lower case → upper, spaces
/// kept as single half-width spaces.
package enum ZenginKana {
    /// Full-width katakana → half-width, one to one.
    static let plain: [Character: String] = {
        let full = Array("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン")
        let half = Array("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ")
        var table: [Character: String] = [:]
        for (f, h) in zip(full, half) { table[f] = String(h) }
        // Small kana become large: 全銀 has no small kana.
        for (small, large) in zip(Array("ァィゥェォッャュョヮヵヶ"), Array("ｱｲｳｴｵﾂﾔﾕﾖﾜｶｹ")) { table[small] = String(large) }
        for (voiced, base) in zip(Array("ガギグゲゴザジズゼゾダヂヅデドバビブベボ"), Array("ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ")) {
            table[voiced] = String(base) + "ﾞ"
        }
        for (semi, base) in zip(Array("パピプペポ"), Array("ﾊﾋﾌﾍﾎ")) { table[semi] = String(base) + "ﾟ" }
        table["ヴ"] = "ｳﾞ"
        table["ヲ"] = "ｵ"
        table["ヰ"] = "ｲ"
        table["ヱ"] = "ｴ"
        table["ー"] = "-"
        table["・"] = "."
        table["("] = "("
        table[")"] = ")"
        return table
    }()

    /// Folds any kana text to 全銀 form. Characters that have no 全銀 form are kept as they are, so that
    /// ``invalidCharacters(in:allowing:)`` can name them.
    package static func fold(_ text: String) -> String {
        var source = TextFolding.nfkc(text)
        source = TextFolding.katakana(source)
        source = TextFolding.foldDashes(source)
        var result = ""
        var lastWasSpace = false
        for character in source {
            if character.isWhitespace {
                if !lastWasSpace && !result.isEmpty { result.append(" ") }
                lastWasSpace = true
                continue
            }
            lastWasSpace = false
            if TextFolding.tildes.contains(character) {
                result.append("-")
            } else if let mapped = plain[character] {
                result.append(mapped)
            } else if character.isASCII, character.isLetter {
                result.append(character.uppercased())
            } else {
                result.append(character)
            }
        }
        while result.last == " " { result.removeLast() }
        return result
    }

    /// The symbols every bank accepts in a holder name; banks differ on others (DOMAIN §4.9), so callers may add.
    package static let baseSymbols: Set<Character> = [" ", "(", ")", ".", "-", "/"]

    /// Characters of an already folded text that are not in the 全銀 set (half-width kana ｱ–ﾝ, ﾞ ﾟ, 0–9, A–Z and
    /// `symbols`).
    package static func invalidCharacters(in folded: String, allowing symbols: Set<Character> = baseSymbols) -> [Character] {
        // Scalars, not Characters: ｶﾞ is one grapheme of two scalars, both valid.
        folded.unicodeScalars.compactMap { scalar in
            let character = Character(scalar)
            if symbols.contains(character) { return nil }
            switch scalar.value {
            case 0x30...0x39, 0x41...0x5A, 0xFF71...0xFF9F: return nil
            default: return character
            }
        }
    }

    /// Length in bytes as the file counts it: every 全銀 character is one byte (ｶﾞ is two).
    package static func byteCount(_ folded: String) -> Int { folded.unicodeScalars.count }
}
