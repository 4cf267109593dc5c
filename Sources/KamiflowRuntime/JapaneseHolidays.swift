public import KamiflowCore

/// Japanese public holidays (国民の祝日に関する法律), computed from the law rather than a table, so that a job
/// scheduled for years ahead keeps skipping the right days.
///
/// Covered: the fixed days; the Happy Monday days (成人の日, 海の日, 敬老の日, スポーツの日／体育の日); 春分の日 and
/// 秋分の日 by the standard approximation (valid 1980–2099, which is what the Cabinet Office's announcements have
/// matched); 振替休日 (a holiday on a Sunday moves to the next day that is not a holiday, rule of 2007); 国民の休日 (a
/// day between two holidays); the special one-off days of 2019 and the Olympic moves of 2020 and 2021.
/// Rules before 2007 are not modelled. The government announces 春分/秋分 each February for the next year: the
/// formula has matched every announcement so far but is a prediction.
public enum JapaneseHolidays {
    /// The holiday's name when `date` is a public holiday (including 振替休日 and 国民の休日), else `nil`.
    public static func name(of date: CivilDate) -> String? {
        if let name = statutoryHoliday(date) { return name }
        // 振替休日: the first non-holiday day after a holiday that fell on a Sunday, walking back over holidays.
        var previous = date.adding(days: -1)
        while let _ = statutoryHoliday(previous) {
            if previous.weekday == 0 { return "振替休日" }
            previous = previous.adding(days: -1)
        }
        // 国民の休日: a weekday squeezed between two holidays (in practice, 敬老の日 and 秋分の日).
        if date.weekday != 0, statutoryHoliday(date.adding(days: -1)) != nil,
            statutoryHoliday(date.adding(days: 1)) != nil
        {
            return "国民の休日"
        }
        return nil
    }

    public static func isHoliday(_ date: CivilDate) -> Bool { name(of: date) != nil }

    /// Every holiday of `year`, in date order.
    public static func holidays(in year: Int) -> [(date: CivilDate, name: String)] {
        var result: [(CivilDate, String)] = []
        var day = CivilDate(year: year, month: 1, day: 1)
        while day.year == year {
            if let name = name(of: day) { result.append((day, name)) }
            day = day.adding(days: 1)
        }
        return result
    }

    /// 春分日 (March), by the standard formula.
    public static func vernalEquinoxDay(_ year: Int) -> Int {
        Int(20.8431 + 0.242194 * Double(year - 1980)) - (year - 1980) / 4
    }

    /// 秋分日 (September), by the standard formula.
    public static func autumnalEquinoxDay(_ year: Int) -> Int {
        Int(23.2488 + 0.242194 * Double(year - 1980)) - (year - 1980) / 4
    }

    /// The holidays the law names directly (no 振替休日, no 国民の休日).
    static func statutoryHoliday(_ date: CivilDate) -> String? {
        let (y, m, d) = (date.year, date.month, date.day)
        let nthMonday = date.weekday == 1 ? (d - 1) / 7 + 1 : 0
        switch (m, d) {
        case (1, 1): return "元日"
        case (2, 11): return "建国記念の日"
        case (2, 23) where y >= 2020: return "天皇誕生日"
        case (12, 23) where (1989...2018).contains(y): return "天皇誕生日"
        case (3, vernalEquinoxDay(y)): return "春分の日"
        case (4, 29): return y >= 2007 ? "昭和の日" : "みどりの日"
        case (5, 3): return "憲法記念日"
        case (5, 4) where y >= 2007: return "みどりの日"
        case (5, 5): return "こどもの日"
        case (9, autumnalEquinoxDay(y)): return "秋分の日"
        case (11, 3): return "文化の日"
        case (11, 23): return "勤労感謝の日"
        case (5, 1) where y == 2019: return "天皇の即位の日"
        case (10, 22) where y == 2019: return "即位礼正殿の儀の行われる日"
        default: break
        }
        if m == 1 && nthMonday == 2 { return "成人の日" }
        if m == 9 && nthMonday == 3 { return "敬老の日" }
        // 海の日, 山の日, スポーツの日: moved for the Tokyo Olympics in 2020 and 2021.
        switch y {
        case 2020:
            if (m, d) == (7, 23) { return "海の日" }
            if (m, d) == (7, 24) { return "スポーツの日" }
            if (m, d) == (8, 10) { return "山の日" }
        case 2021:
            if (m, d) == (7, 22) { return "海の日" }
            if (m, d) == (7, 23) { return "スポーツの日" }
            if (m, d) == (8, 8) { return "山の日" }
        default:
            if m == 7 && nthMonday == 3 { return "海の日" }
            if m == 8 && d == 11 && y >= 2016 { return "山の日" }
            if m == 10 && nthMonday == 2 { return y >= 2020 ? "スポーツの日" : "体育の日" }
        }
        return nil
    }
}

extension CivilDate {
    /// 0 = Sunday … 6 = Saturday.
    package var weekday: Int {
        let days = daysSinceEpoch  // 1970-01-01 was a Thursday (4)
        return ((days % 7) + 7 + 4) % 7
    }
}
