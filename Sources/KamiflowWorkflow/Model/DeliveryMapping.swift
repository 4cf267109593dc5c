import KamiflowCore

/// How records of a workflow are sent to one connection (`deliver:` entries).
public struct DeliveryMapping: Hashable, Sendable {
    /// `to:` — a connection named in the deployment file (the workflow itself never names hosts).
    public var connection: String
    /// `resource:` — what the record is in the core system's terms (a table, an HTTP resource).
    public var resource: String?
    /// `for_each:` — a repeating group: one payload per filled row instead of one per form, for core systems that
    /// register one person per record (住民記録, 国保). Inside the mapping, the group's fields (`persons.name`) are
    /// that row's values; each payload's idempotency key is the record's with `-<group><row>` appended.
    public var forEach: String?
    /// `record:` — payload fields in order.
    public var fields: [MappedField]
    public var location: SourceLocation

    public init(
        connection: String, resource: String? = nil, forEach: String? = nil, fields: [MappedField],
        location: SourceLocation
    ) {
        self.connection = connection
        self.resource = resource
        self.forEach = forEach
        self.fields = fields
        self.location = location
    }
}

/// One payload field and where its value comes from.
public struct MappedField: Hashable, Sendable {
    public var name: String
    public var source: Source
    public var location: SourceLocation

    public enum Source: Hashable, Sendable {
        /// `{const: "01"}`
        case constant(String)
        /// `field.path` or `{from: …, codes: {…}, format: …, part: …, fold: …, each: …, or: …}`.
        case field(FieldSource)
        /// `{count: members.name, unless: members.decline, times: 100000}`.
        case count(CountSource)
    }

    /// A number computed from a group: how many rows are filled in (and not ticked off), optionally times a unit.
    /// For 給付金: the persons paid for, and the amount (`unit × (members − declined)`, DOMAIN §3.5).
    public struct CountSource: Hashable, Sendable {
        /// A group field path; a row counts when this field is filled in.
        public var path: String
        /// A checkbox of the same group; rows where it is ticked do not count.
        public var unless: String?
        /// Multiplies the count (yen per person).
        public var times: Int?

        public init(path: String, unless: String? = nil, times: Int? = nil) {
            self.path = path
            self.unless = unless
            self.times = times
        }
    }

    /// A value taken from a field of the record.
    public struct FieldSource: Hashable, Sendable {
        /// A declared field path; group fields as `group.field`.
        public var path: String
        /// Code table applied to the value (`{男: "1", 女: "2"}`); a value missing from the table is an error issue
        /// at delivery time, never silently passed on.
        public var codes: [String: String]?
        /// For dates: how they are written.
        public var format: DateFormat?
        /// For values with parts (ゆうちょ): which part (`branch`, `account`, `kind`, `kind_code`).
        public var part: String?
        /// For group fields: one payload field per row (`flatten`, named `name_1`, `name_2` …) or one JSON array.
        public var each: RepeatLayout
        /// Folding applied to the text before the code table (`fold: katakana` for a ふりがな field written to a
        /// core system that stores フリガナ).
        public var fold: ValueFolding?
        /// `or:` — where the value comes from when this field is empty, in order (`{from: yucho, part: bank}` for
        /// an account given as ゆうちょ 記号・番号 instead of bank and branch codes).
        public var otherwise: [FieldSource]

        public init(
            path: String, codes: [String: String]? = nil, format: DateFormat? = nil, part: String? = nil,
            each: RepeatLayout = .flatten, fold: ValueFolding? = nil, otherwise: [FieldSource] = []
        ) {
            self.path = path
            self.codes = codes
            self.format = format
            self.part = part
            self.each = each
            self.fold = fold
            self.otherwise = otherwise
        }
    }

    public init(name: String, source: Source, location: SourceLocation) {
        self.name = name
        self.source = source
        self.location = location
    }
}

/// How a date is written into a payload.
public enum DateFormat: String, Hashable, Sendable, CaseIterable {
    /// `2023-04-01` (the default).
    case iso
    /// `20230401`.
    case yyyymmdd
    /// Era code and 2-digit era year, month, day: `5050401` for 令和5年4月1日 (1 明治 … 5 令和, DOMAIN §4.5).
    case wareki
    /// `令和5年4月1日` (元年 written as 1年).
    case warekiText = "wareki-text"
}

/// How a group field's rows are written into a payload.
public enum RepeatLayout: String, Hashable, Sendable, CaseIterable {
    /// `children_name_1`, `children_name_2` … one payload field per printed row (empty rows are null).
    case flatten
    /// One payload field whose value is a JSON array of the filled-in rows' values.
    case array
}

/// How a value's text is folded on its way into a payload.
public enum ValueFolding: String, Hashable, Sendable, CaseIterable {
    /// Hiragana → full-width katakana (ふりがな → フリガナ).
    case katakana
    /// Katakana → hiragana.
    case hiragana
    /// 全銀 half-width kana (DOMAIN §4.9), as bank files and account-holder fields hold names.
    case zengin
}
