/// What a workflow's `deliver:` mapping must provide for one connection and resource: the target's own schema (an
/// OpenAPI request schema, a file layout, a database's reserved columns), so that the workflow loader can report a
/// missing, misspelt or mistyped field when the workflow loads instead of when the first record is refused.
///
/// It lives in the core module because both sides meet here: connectors say what they accept, the workflow module
/// checks mappings against it, and neither imports the other.
public struct MappingContract: Hashable, Sendable {
    /// What the contract was read from, for messages: `the OpenAPI schema KyufukinShinsei (POST /v1/kyufukin)`.
    public var source: String
    /// Payload fields every record must have (non-empty).
    public var requiredFields: [String]
    /// Every field the target accepts; `nil` when any name is accepted (a column is added, a JSON key written).
    public var knownFields: [String]?
    /// Names the target keeps for itself (a database's bookkeeping columns).
    public var reservedFields: [String]
    /// What the target accepts in each field, where it says.
    public var fields: [String: FieldConstraint]

    /// A contract; `knownFields: nil` accepts any field name.
    public init(
        requiredFields: [String], knownFields: [String]?, source: String = "the connection",
        fields: [String: FieldConstraint] = [:], reservedFields: [String] = []
    ) {
        self.source = source
        self.requiredFields = requiredFields
        self.knownFields = knownFields
        self.reservedFields = reservedFields
        self.fields = fields
    }
}

/// What a target accepts in one field. Every value is a string on the wire; these are its shapes.
public struct FieldConstraint: Hashable, Sendable {
    /// `true`: an ISO date `YYYY-MM-DD` (OpenAPI `format: date`); `false`: the target says it is something else
    /// (a schema that marks its dates); `nil`: the target does not say (a fixed-width text column takes any text).
    public var isDate: Bool?
    /// The only values accepted (a code list), or `nil`.
    public var allowedValues: [String]?
    /// A regular expression the whole value must match (ECMA-262 as JSON Schema writes it; the simple subset that
    /// Foundation's `NSRegularExpression` reads the same way).
    public var pattern: String?
    /// At most this many characters.
    public var maxLength: Int?
    /// The target's own words for the field (`預金種目: 1 普通, 2 当座, 4 貯蓄`), quoted in messages.
    public var summary: String?

    public init(
        isDate: Bool? = nil, allowedValues: [String]? = nil, pattern: String? = nil, maxLength: Int? = nil,
        summary: String? = nil
    ) {
        self.isDate = isDate
        self.allowedValues = allowedValues
        self.pattern = pattern
        self.maxLength = maxLength
        self.summary = summary
    }
}
