import Foundation
package import KamiflowCore

/// 和暦 (era-based) dates: parsing `令和5年4月1日`, `令和元年5月1日`, `R5.4.1`, `㋿5年…`, and checking them
/// against the exact era boundaries (DOMAIN §4.5).
package enum Wareki {
    /// What went wrong with a written date.
    package enum Failure: Error, Equatable, Sendable {
        /// Not recognisable as a date.
        case unreadable
        /// No such day (2月30日).
        case noSuchDay
        /// The era is not one the field accepts.
        case eraNotAllowed(Era)
        /// Before the era began (`令和元年4月30日`) or after it ended within its last year (`平成31年5月1日`).
        case outsideEra(Era)
        /// A year past the era's last year (`平成32年`), refused by policy.
        case overflow(Era, Int)
    }

    /// A parsed date and how it was written.
    package struct Parsed: Equatable, Sendable {
        package var date: CivilDate
        /// `nil` when the text was written in 西暦.
        package var era: Era?
        package var eraYear: Int?
        /// True when an overflowed year was converted by policy (`平成32年` → 2020).
        package var overflowed: Bool
    }

    private static let eraPattern = #"(明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHRmtshr])"#
    private static let warekiRegex = try! NSRegularExpression(
        pattern: "^" + eraPattern + #"\.?(元|[0-9]{1,2})[年./\-]([0-9]{1,2})[月./\-]([0-9]{1,2})日?$"#)
    private static let seirekiRegex = try! NSRegularExpression(
        pattern: #"^([0-9]{4})[年./\-]([0-9]{1,2})[月./\-]([0-9]{1,2})日?$|^([0-9]{4})([0-9]{2})([0-9]{2})$"#)

    /// Parses a date written with an era, or in 西暦 (foreign residents may write those), and checks it.
    package static func parse(
        _ text: String, allowing eras: [Era] = Era.allCases, overflow: EraOverflowPolicy = .reject
    ) -> Result<Parsed, Failure> {
        let cleaned = clean(text)
        let range = NSRange(cleaned.startIndex..., in: cleaned)
        if let match = warekiRegex.firstMatch(in: cleaned, range: range) {
            let group = { (i: Int) in String(cleaned[Range(match.range(at: i), in: cleaned)!]) }
            guard let era = Era(name: group(1)) else { return .failure(.unreadable) }
            let yearText = group(2)
            let year = yearText == "元" ? 1 : Int(yearText)!
            return resolve(
                era: era, year: year, month: Int(group(3))!, day: Int(group(4))!, allowing: eras, overflow: overflow)
        }
        if let match = seirekiRegex.firstMatch(in: cleaned, range: range) {
            let offset = match.range(at: 1).location == NSNotFound ? 3 : 0
            let value = { (i: Int) in Int(cleaned[Range(match.range(at: i + offset), in: cleaned)!])! }
            guard let date = CivilDate(validYear: value(1), month: value(2), day: value(3)) else {
                return .failure(.noSuchDay)
            }
            return .success(Parsed(date: date, era: nil, eraYear: nil, overflowed: false))
        }
        return .failure(.unreadable)
    }

    /// Checks an era date given in parts (era marks plus year/month/day zones).
    package static func resolve(
        era: Era, year: Int, month: Int, day: Int, allowing eras: [Era] = Era.allCases,
        overflow: EraOverflowPolicy = .reject
    ) -> Result<Parsed, Failure> {
        guard eras.contains(era) else { return .failure(.eraNotAllowed(era)) }
        guard year >= 1 else { return .failure(.unreadable) }
        let gregorianYear = era.gregorianYear(year)
        guard let date = CivilDate(validYear: gregorianYear, month: month, day: day) else {
            return .failure(.noSuchDay)
        }
        if let last = era.lastDay {
            let lastYear = last.year - era.firstDay.year + 1
            if year > lastYear {
                switch overflow {
                case .reject: return .failure(.overflow(era, year))
                case .convert: return .success(Parsed(date: date, era: era, eraYear: year, overflowed: true))
                }
            }
            if date > last { return .failure(.outsideEra(era)) }
        }
        if date < era.firstDay { return .failure(.outsideEra(era)) }
        return .success(Parsed(date: date, era: era, eraYear: year, overflowed: false))
    }

    /// NFKC (expands ㋿ ㍻ …, full-width digits), dash folding, spaces removed.
    static func clean(_ text: String) -> String {
        TextFolding.removingSpaces(TextFolding.foldAllDashes(TextFolding.nfkc(text)))
    }

    /// `令和5年4月1日` (元年 for year 1 when `gannen`).
    package static func format(_ date: CivilDate, gannen: Bool = false) -> String? {
        guard let era = Era.era(on: date) else { return nil }
        let year = date.year - era.firstDay.year + 1
        let yearText = year == 1 && gannen ? "元" : String(year)
        return "\(era.rawValue)\(yearText)年\(date.month)月\(date.day)日"
    }

    /// Era code + YYMMDD, e.g. `5050401` for 令和5年4月1日 (the 1-digit 年号コード convention of legacy files).
    package static func code(_ date: CivilDate) -> String? {
        guard let era = Era.era(on: date) else { return nil }
        let year = date.year - era.firstDay.year + 1
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(era.code)\(two(year))\(two(date.month))\(two(date.day))"
    }
}
