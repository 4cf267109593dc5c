import Foundation
import KamiflowCore

/// Folds a name to the 全銀 character set (DOMAIN §4.9): half-width katakana without small kana, upper-case A–Z,
/// digits, space and the symbols the bank allows, as single CP932 bytes.
///
/// Holder names arrive in every form (full-width katakana from a form's フリガナ, hiragana, half-width from a bank
/// book); banks accept one. Folding: NFKC; hiragana → katakana; small kana → large (キュウ → ｷﾕｳ); ヰ → ｲ, ヱ → ｴ;
/// ヲ → ｵ (or ｦ where the bank allows it); 濁点/半濁点 as separate bytes (ガ → ｶﾞ); ー ‐ − – — ― → `-`; ・ → `.`;
/// lower-case → upper-case. Anything else is an error, never a silent `?`.
public struct ZenginKana: Hashable, Sendable {
    /// Symbols allowed besides letters, digits and kana (bank-specific; DOMAIN §4.9).
    public var allowedSymbols: Set<Character>
    /// Write ヲ as ｦ instead of ｵ.
    public var keepsWo: Bool

    /// A folding with the bank's symbol set and ヲ policy.
    public init(allowedSymbols: Set<Character> = ["(", ")", ".", "-", "/", " "], keepsWo: Bool = false) {
        self.allowedSymbols = allowedSymbols
        self.keepsWo = keepsWo
    }

    private static let fullKana = Array("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン")
    private static let halfKana = Array("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ")
    private static let voiced = Array("ガギグゲゴザジズゼゾダヂヅデドバビブベボ")
    private static let voicedBase = Array("カキクケコサシスセソタチツテトハヒフヘホ")
    private static let semiVoiced = Array("パピプペポ")
    private static let semiVoicedBase = Array("ハヒフヘホ")
    private static let small: [Character: Character] = [
        "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ", "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ",
        "ヮ": "ワ", "ヵ": "カ", "ヶ": "ケ", "ヰ": "イ", "ヱ": "エ",
    ]
    private static let dashes: Set<Character> = ["ー", "‐", "−", "–", "—", "―", "－", "-", "ｰ"]

    /// The folded name as half-width text (e.g. `ﾔﾏﾀﾞ ﾀﾛｳ`), or the reason it cannot be folded.
    public func fold(_ text: String) -> Result<String, FoldingError> {
        var out = ""
        let normalised = text.precomposedStringWithCompatibilityMapping
        for original in normalised {
            var character = original
            if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                (0x3041...0x3096).contains(scalar.value), let katakana = Unicode.Scalar(scalar.value + 0x60)
            {
                character = Character(katakana)
            }
            if let large = Self.small[character] { character = large }
            if Self.dashes.contains(character) {
                out.append("-")
            } else if character == "・" {
                out.append(".")
            } else if character == "ヲ" {
                out.append(keepsWo ? "ｦ" : "ｵ")
            } else if character == "ヴ" {
                out.append("ｳﾞ")
            } else if let i = Self.fullKana.firstIndex(of: character) {
                out.append(Self.halfKana[i])
            } else if let i = Self.voiced.firstIndex(of: character) {
                out.append(Self.halfKana[Self.fullKana.firstIndex(of: Self.voicedBase[i])!])
                out.append("ﾞ")
            } else if let i = Self.semiVoiced.firstIndex(of: character) {
                out.append(Self.halfKana[Self.fullKana.firstIndex(of: Self.semiVoicedBase[i])!])
                out.append("ﾟ")
            } else if character.isASCII, character.isLetter {
                out.append(Character(character.uppercased()))
            } else if character.isASCII, character.isNumber {
                out.append(character)
            } else if allowedSymbols.contains(character) {
                out.append(character)
            } else {
                return .failure(FoldingError(character: character))
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return .success(out)
    }

    /// A character with no 全銀 form.
    public struct FoldingError: Error, Hashable, Sendable {
        /// The character that has no 全銀 form.
        public var character: Character
        /// In words, showing the character only when the field is not sensitive.
        public func message(sensitive: Bool) -> String {
            let which =
                sensitive
                ? "a character"
                : "'\(character)' (U+\(String(character.unicodeScalars.first!.value, radix: 16, uppercase: true)))"
            return "\(which) has no 全銀 half-width form"
        }
    }
}
