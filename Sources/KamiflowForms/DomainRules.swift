import KamiflowCore

/// The few domain rules the generator needs to make data that is valid (or deliberately invalid) the way the
/// extraction side judges it (DOMAIN.md §4). Written here, independently of KamiflowWorkflow's validators, so that
/// the evaluation compares two separate implementations instead of one with itself.
package enum DomainRules {
    /// The マイナンバー check digit of 11 base digits (weights 6,5,4,3,2,7,6,5,4,3,2; DOMAIN §4.1).
    package static func myNumberCheckDigit(_ base: String) -> Int {
        let weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        let digits = base.compactMap(\.wholeNumberValue)
        precondition(digits.count == 11, "a マイナンバー has 11 base digits")
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let remainder = sum % 11
        return remainder <= 1 ? 0 : 11 - remainder
    }

    /// Whether `number` is 12 ASCII digits whose last digit is the check digit of the first 11.
    package static func isValidMyNumber(_ number: String) -> Bool {
        guard number.count == 12, number.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return myNumberCheckDigit(String(number.prefix(11))) == number.last!.wholeNumberValue!
    }

    /// The check digit of a 全国地方公共団体コード's first five digits (weights 6…2, DOMAIN §4.3).
    package static func localGovernmentCheckDigit(_ base: String) -> Int {
        let sum = zip(base.compactMap(\.wholeNumberValue), [6, 5, 4, 3, 2]).reduce(0) { $0 + $1.0 * $1.1 }
        return (11 - sum % 11) % 10
    }

    /// A Japanese era with the first day it was used.
    package struct Era: Hashable, Sendable {
        package var name: String
        package var start: CivilDate
    }

    /// The modern eras, newest last (DOMAIN §4.5).
    package static let eras: [Era] = [
        Era(name: "明治", start: CivilDate(year: 1868, month: 1, day: 25)),
        Era(name: "大正", start: CivilDate(year: 1912, month: 7, day: 30)),
        Era(name: "昭和", start: CivilDate(year: 1926, month: 12, day: 25)),
        Era(name: "平成", start: CivilDate(year: 1989, month: 1, day: 8)),
        Era(name: "令和", start: CivilDate(year: 2019, month: 5, day: 1)),
    ]

    /// The era and era year of `date` (year 1 is 元年).
    package static func wareki(_ date: CivilDate) -> (era: String, year: Int) {
        let era = eras.last { $0.start <= date } ?? eras[0]
        return (era.name, date.year - era.start.year + 1)
    }

    /// `令和元年5月1日`-style text, as a person writes a date on a form.
    package static func warekiText(_ date: CivilDate, gannen: Bool = true) -> String {
        let (era, year) = wareki(date)
        let yearText = year == 1 && gannen ? "元" : String(year)
        return "\(era)\(yearText)年\(date.month)月\(date.day)日"
    }

    /// Full-width katakana folded into the half-width 全銀 character set (DOMAIN §4.9): small kana become large,
    /// voiced kana are split into base + ﾞ/ﾟ, ー becomes `-`, spaces stay single half-width spaces.
    package static func zenginKana(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let ch = Character(scalar)
            if ch == " " || ch == "　" {
                out.append(" ")
            } else if ch == "ー" || ch == "－" || ch == "‐" {
                out.append("-")
            } else if let large = smallKana[ch] {
                out += halfWidth(large)
            } else {
                out += halfWidth(ch)
            }
        }
        return out
    }

    private static let smallKana: [Character: Character] = [
        "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ", "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ",
        "ヮ": "ワ",
    ]

    private static let halfWidthTable: [Character: String] = {
        let full = Array("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン")
        let half = Array("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ")
        var table: [Character: String] = [:]
        for (f, h) in zip(full, half) { table[f] = String(h) }
        let voiced = Array("ガギグゲゴザジズゼゾダヂヅデドバビブベボ")
        let voicedBase = Array("ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ")
        for (f, h) in zip(voiced, voicedBase) { table[f] = String(h) + "ﾞ" }
        let semi = Array("パピプペポ")
        let semiBase = Array("ﾊﾋﾌﾍﾎ")
        for (f, h) in zip(semi, semiBase) { table[f] = String(h) + "ﾟ" }
        table["ヴ"] = "ｳﾞ"
        return table
    }()

    private static func halfWidth(_ ch: Character) -> String {
        halfWidthTable[ch] ?? String(ch)
    }

    /// A phone number written with hyphens the way Japanese numbers are grouped.
    package static func formatPhone(_ digits: String, areaCodeLength: Int? = nil) -> String {
        let d = Array(digits)
        func join(_ lengths: [Int]) -> String {
            var parts: [String] = []
            var start = 0
            for length in lengths {
                parts.append(String(d[start..<start + length]))
                start += length
            }
            return parts.joined(separator: "-")
        }
        if digits.hasPrefix("0120") { return join([4, 3, 3]) }
        if digits.hasPrefix("0800") { return join([4, 3, 4]) }
        if d.count == 11 { return join([3, 4, 4]) }
        let area = areaCodeLength ?? 3
        return join([area, 6 - area, 4])
    }
}
