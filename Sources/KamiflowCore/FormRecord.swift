/// A calendar date without a time or a time zone, as forms and core systems use them (生年月日, 届出日).
public struct CivilDate: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `nil` unless `year`/`month`/`day` name a real day of the proleptic Gregorian calendar.
    public init?(validYear year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (negative before), for date arithmetic in rules.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (the inverse of ``daysSinceEpoch``), for the calendar arithmetic of the
    /// scheduler's holidays and the generator's dates.
    package init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    /// This date moved by `days` (negative = earlier).
    package func adding(days: Int) -> CivilDate {
        CivilDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// ISO 8601, `YYYY-MM-DD`.
    public var description: String {
        func pad(_ n: Int, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let date = CivilDate(validYear: parts[0], month: parts[1], day: parts[2]) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The normalised value of a field.
public enum FieldValue: Hashable, Sendable {
    case empty
    case text(String)
    /// Exact decimal digits as text, e.g. `"12000"` or `"-3.5"`; kept as text so that no precision is lost.
    case number(String)
    case date(CivilDate)
    case flag(Bool)
    /// The chosen options of a choice field (exactly-one fields hold one).
    case choices([String])
    /// A value with named parts, e.g. a ゆうちょ 記号番号 converted to 店番/口座番号/預金種目.
    case parts([String: String])

    public var isEmpty: Bool {
        switch self {
        case .empty: true
        case .text(let s), .number(let s): s.isEmpty
        case .choices(let c): c.isEmpty
        case .parts(let p): p.isEmpty
        case .date, .flag: false
        }
    }

    /// The value as one string, as payload mappings and comparisons use it.
    public var textValue: String {
        switch self {
        case .empty: ""
        case .text(let s), .number(let s): s
        case .date(let d): d.description
        case .flag(let b): b ? "true" : "false"
        case .choices(let c): c.joined(separator: ",")
        case .parts(let p): p.keys.sorted().map { "\($0)=\(p[$0]!)" }.joined(separator: ",")
        }
    }
}

extension FieldValue: Codable {
    private enum CodingKeys: String, CodingKey { case kind, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "empty": self = .empty
        case "text": self = .text(try c.decode(String.self, forKey: .value))
        case "number": self = .number(try c.decode(String.self, forKey: .value))
        case "date": self = .date(try c.decode(CivilDate.self, forKey: .value))
        case "flag": self = .flag(try c.decode(Bool.self, forKey: .value))
        case "choices": self = .choices(try c.decode([String].self, forKey: .value))
        case "parts": self = .parts(try c.decode([String: String].self, forKey: .value))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .empty: try c.encode("empty", forKey: .kind)
        case .text(let s):
            try c.encode("text", forKey: .kind)
            try c.encode(s, forKey: .value)
        case .number(let s):
            try c.encode("number", forKey: .kind)
            try c.encode(s, forKey: .value)
        case .date(let d):
            try c.encode("date", forKey: .kind)
            try c.encode(d, forKey: .value)
        case .flag(let b):
            try c.encode("flag", forKey: .kind)
            try c.encode(b, forKey: .value)
        case .choices(let v):
            try c.encode("choices", forKey: .kind)
            try c.encode(v, forKey: .value)
        case .parts(let p):
            try c.encode("parts", forKey: .kind)
            try c.encode(p, forKey: .value)
        }
    }
}

/// Something wrong or doubtful about a field or a record.
public struct Issue: Hashable, Sendable, Codable {
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case info, warning, error
        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// Stable identifier, e.g. `checkDigit`, `lowConfidence`, `ambiguousMark`, `rule`.
    public var code: String
    public var severity: Severity
    /// A sentence a reviewing clerk understands. Never contains a sensitive value.
    public var message: String
    /// The field paths the issue is about (a cross-field rule names several).
    public var fields: [String]

    public init(code: String, severity: Severity, message: String, fields: [String] = []) {
        self.code = code
        self.severity = severity
        self.message = message
        self.fields = fields
    }
}

/// Where on the scan a field's value came from.
public struct FieldSource: Hashable, Sendable, Codable {
    public var page: Int
    public var zone: PixelRect
    public init(page: Int, zone: PixelRect) {
        self.page = page
        self.zone = zone
    }
}

/// One field of a record: what was read, what it became, how sure we are and what is wrong with it.
public struct FieldResult: Hashable, Sendable, Codable {
    /// Dotted path, with indices for repeating groups: `claimant.name`, `children[2].birth`.
    public var path: String
    /// The field type's name in the workflow file (`mynumber`, `wareki-date`, …).
    public var type: String
    /// Text as read, before normalisation (`nil` for fields read by marks only).
    public var raw: String?
    public var value: FieldValue
    /// 0–100, `nil` when nothing was read.
    public var confidence: Double?
    public var issues: [Issue]
    public var source: FieldSource?
    /// `sensitive: true` in the workflow: never written in clear to logs, errors or reason files.
    public var sensitive: Bool

    public init(
        path: String, type: String, raw: String? = nil, value: FieldValue = .empty, confidence: Double? = nil,
        issues: [Issue] = [], source: FieldSource? = nil, sensitive: Bool = false
    ) {
        self.path = path
        self.type = type
        self.raw = raw
        self.value = value
        self.confidence = confidence
        self.issues = issues
        self.source = source
        self.sensitive = sensitive
    }
}

/// Where a record goes after interpretation.
public enum Route: String, Hashable, Sendable, Codable {
    /// Confident and valid: delivered without a person looking.
    case straightThrough
    /// At least one field needs a person.
    case review
}

/// The record extracted from one instance of a form in a scan.
public struct FormRecord: Hashable, Sendable, Codable {
    /// The workflow's id (`workflow:` in its file).
    public var workflow: String
    /// The scan's id (SHA-256 of its bytes, hex).
    public var scanID: String
    /// Index of this record within its scan (a multi-page file can hold several forms).
    public var index: Int
    /// Pages of the scan this record was read from (0-based).
    public var pages: [Int]
    /// Fields in the order the workflow declares them.
    public var fields: [FieldResult]
    /// Issues about the record as a whole.
    public var issues: [Issue]
    public var route: Route

    public init(
        workflow: String, scanID: String, index: Int, pages: [Int], fields: [FieldResult], issues: [Issue] = [],
        route: Route = .review
    ) {
        self.workflow = workflow
        self.scanID = scanID
        self.index = index
        self.pages = pages
        self.fields = fields
        self.issues = issues
        self.route = route
    }

    public subscript(path: String) -> FieldResult? {
        fields.first { $0.path == path }
    }

    /// The key that makes delivery idempotent: the same scan, workflow and record index always give the same key.
    public var idempotencyKey: String { "\(scanID)-\(workflow)-\(index)" }
}
