package import KamiflowCore

/// How a person writes dates and phone numbers on a form, for the generator of test forms (DOMAIN.md §4.5, §4.10).
/// The rules that judge a value (check digits, the era table, 全銀 kana) are KamiflowCore's, shared with the
/// validators: a generator with rules of its own would make "valid" data the validators call invalid.
package enum DomainRules {
    /// The era name and era year of `date` (year 1 is 元年).
    package static func wareki(_ date: CivilDate) -> (era: String, year: Int) {
        let era = Era.era(on: date) ?? .meiji
        return (era.rawValue, date.year - era.firstDay.year + 1)
    }

    /// `令和元年5月1日`-style text, as a person writes a date on a form.
    package static func warekiText(_ date: CivilDate, gannen: Bool = true) -> String {
        let (era, year) = wareki(date)
        let yearText = year == 1 && gannen ? "元" : String(year)
        return "\(era)\(yearText)年\(date.month)月\(date.day)日"
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
