import Foundation

/// The Japanese eras (元号) a form may use, with their exact first and last days (DOMAIN §4.5): the one era table
/// of the validators, the core-system simulator (legacy era codes) and the test-form generator.
public enum Era: String, Hashable, Sendable, CaseIterable, Codable {
    case meiji = "明治"
    case taisho = "大正"
    case showa = "昭和"
    case heisei = "平成"
    case reiwa = "令和"

    /// The era's first day (明治 applied retroactively from 慶応4年1月1日 = 1868-01-25).
    public var firstDay: CivilDate {
        switch self {
        case .meiji: CivilDate(year: 1868, month: 1, day: 25)
        case .taisho: CivilDate(year: 1912, month: 7, day: 30)
        case .showa: CivilDate(year: 1926, month: 12, day: 25)
        case .heisei: CivilDate(year: 1989, month: 1, day: 8)
        case .reiwa: CivilDate(year: 2019, month: 5, day: 1)
        }
    }

    /// The era's last day; `nil` for the current era.
    public var lastDay: CivilDate? {
        switch self {
        case .meiji: CivilDate(year: 1912, month: 7, day: 29)
        case .taisho: CivilDate(year: 1926, month: 12, day: 24)
        case .showa: CivilDate(year: 1989, month: 1, day: 7)
        case .heisei: CivilDate(year: 2019, month: 4, day: 30)
        case .reiwa: nil
        }
    }

    /// The numeric era code legacy core-system files use: 1 明治 … 5 令和.
    public var code: Int {
        switch self {
        case .meiji: 1
        case .taisho: 2
        case .showa: 3
        case .heisei: 4
        case .reiwa: 5
        }
    }

    /// One-letter abbreviation (M, T, S, H, R).
    public var letter: Character {
        switch self {
        case .meiji: "M"
        case .taisho: "T"
        case .showa: "S"
        case .heisei: "H"
        case .reiwa: "R"
        }
    }

    /// The one-kanji short form printed on era options (明・大・昭・平・令).
    public var shortName: String { String(rawValue.prefix(1)) }

    /// The Gregorian year of the era's year `year` (元年 = 1).
    public func gregorianYear(_ year: Int) -> Int { firstDay.year + year - 1 }

    /// The era a written name denotes: 令和, 令, R, r, ㋿ …
    public init?(name: String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        for era in Era.allCases
        where trimmed == era.rawValue || trimmed == era.shortName || trimmed.uppercased() == String(era.letter) {
            self = era
            return
        }
        return nil
    }

    /// The era in force on `date`, `nil` before 明治.
    public static func era(on date: CivilDate) -> Era? {
        allCases.reversed().first { $0.firstDay <= date }
    }
}
