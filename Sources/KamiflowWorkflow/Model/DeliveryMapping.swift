import KamiflowCore

/// How records of a workflow are sent to one connection (`deliver:` entries).
public struct DeliveryMapping: Hashable, Sendable {
    /// `to:` — a connection named in the deployment file (the workflow itself never names hosts).
    public var connection: String
    /// `resource:` — what the record is in the core system's terms (a table, an HTTP resource).
    public var resource: String?
    /// `record:` — payload fields in order.
    public var fields: [MappedField]
    public var location: SourceLocation

    public init(connection: String, resource: String? = nil, fields: [MappedField], location: SourceLocation) {
        self.connection = connection
        self.resource = resource
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
        /// `field.path` or `{from: …, codes: {…}, format: …, part: …, each: …}`.
        case field(FieldSource)
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

        public init(
            path: String, codes: [String: String]? = nil, format: DateFormat? = nil, part: String? = nil,
            each: RepeatLayout = .flatten
        ) {
            self.path = path
            self.codes = codes
            self.format = format
            self.part = part
            self.each = each
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
