/// Check digits of Japanese public identifiers (DOMAIN §4.1–4.3), for the validators that judge what was read, the
/// core-system simulator that judges what was delivered, and the generator that makes test forms: one formula each,
/// so that the three cannot disagree about a number. A valid check digit does not prove the number exists; it
/// catches most misreads and miswritings of one digit.
package enum CheckDigit {
    /// Whether `number` is a マイナンバー: exactly 12 ASCII digits (callers strip hyphens and fold full-width digits
    /// first, DOMAIN §4.1), the last the check digit of the first 11.
    package static func isValidMyNumber(_ number: String) -> Bool {
        guard let digits = digits(of: number, count: 12) else { return false }
        return myNumberCheckDigit(Array(digits.prefix(11))) == digits[11]
    }

    /// The マイナンバー check digit of 11 base digits: (−Σ wᵢdᵢ) mod 11 mod 10 with weights 6,5,4,3,2,7,6,5,4,3,2,
    /// i.e. 11 − (Σ mod 11), or 0 when Σ mod 11 ≤ 1 (総務省令第八十五号 第5条).
    package static func myNumberCheckDigit(_ base: [Int]) -> Int {
        precondition(base.count == 11, "a マイナンバー has 11 base digits")
        let remainder = zip(base, [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).reduce(0) { $0 + $1.0 * $1.1 } % 11
        return remainder <= 1 ? 0 : 11 - remainder
    }

    /// Whether `number` is a 法人番号: exactly 13 ASCII digits, the FIRST the check digit of the other 12.
    package static func isValidCorporateNumber(_ number: String) -> Bool {
        guard let digits = digits(of: number, count: 13) else { return false }
        return corporateCheckDigit(Array(digits.dropFirst())) == digits[0]
    }

    /// The 法人番号 check digit of a 12-digit 基礎番号: 9 − (Σ Pₙ·Qₙ mod 9), Pₙ counted from the right, Qₙ = 1 for
    /// odd n, 2 for even n.
    package static func corporateCheckDigit(_ base: [Int]) -> Int {
        precondition(base.count == 12, "a 法人番号 has 12 base digits")
        var sum = 0
        for (n, digit) in base.reversed().enumerated() { sum += digit * ((n + 1) % 2 == 1 ? 1 : 2) }
        return 9 - sum % 9
    }

    /// Whether `code` is a 全国地方公共団体コード: exactly 6 ASCII digits, the last the check digit of the first 5.
    package static func isValidLocalGovernmentCode(_ code: String) -> Bool {
        guard let digits = digits(of: code, count: 6) else { return false }
        return localGovernmentCheckDigit(Array(digits.prefix(5))) == digits[5]
    }

    /// The 団体コード check digit of 5 base digits: the last digit of (11 − Σ wᵢdᵢ mod 11), weights 6,5,4,3,2.
    package static func localGovernmentCheckDigit(_ base: [Int]) -> Int {
        precondition(base.count == 5, "a 団体コード has 5 base digits")
        let sum = zip(base, [6, 5, 4, 3, 2]).reduce(0) { $0 + $1.0 * $1.1 }
        return (11 - sum % 11) % 10
    }

    /// The values of `text`'s characters when it is exactly `count` ASCII digits, else `nil`.
    package static func digits(of text: String, count: Int) -> [Int]? {
        guard text.count == count, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return text.compactMap(\.wholeNumberValue)
    }
}
