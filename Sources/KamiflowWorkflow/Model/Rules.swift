public import KamiflowCore

/// A check across fields (`rules:` in a workflow). A failed rule becomes an ``Issue`` (code `rule`) on every field
/// it names, so a reviewer sees it beside each of them.
public struct Rule: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// `require: F, when: G` — F must be filled in when the condition holds.
        case require(field: String, when: Condition)
        /// `compare: "notified_on <= moved_on + 14 days"` — dates (in days) or numbers.
        case compare(left: Operand, op: ComparisonOperator, right: Operand)
        /// `equal: [account.holder, claimant.kana], fold: zengin` — equal after folding; empty fields are skipped.
        case equal(fields: [String], fold: Folding)
    }

    public var kind: Kind
    /// `message:` — what the clerk is told; a default is made from the rule when absent.
    public var message: String?
    /// `severity:` — `error` (default) or `warning`.
    public var severity: Issue.Severity
    public var location: SourceLocation

    public init(kind: Kind, message: String? = nil, severity: Issue.Severity = .error, location: SourceLocation) {
        self.kind = kind
        self.message = message
        self.severity = severity
        self.location = location
    }

    /// The field paths (as declared, group fields as `group.field`) the rule talks about.
    public var fieldPaths: [String] {
        switch kind {
        case .require(let field, let condition): [field, condition.field]
        case .compare(let left, _, let right): left.fieldPaths + right.fieldPaths
        case .equal(let fields, _): fields
        }
    }
}

/// A check of fields against master data (`witnesses:` in a workflow). Unlike a rule it is evidence both ways:
/// values a master bears out gain confidence (the master and the form fail independently), a value it can settle
/// is corrected, and a disagreement is an issue (code `master`) on the fields it names.
public struct Witness: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// `postal: claimant.postal, address: claimant.address` — the postal code's prefecture, city and town must
        /// begin the address.
        case postal(code: String, address: String)
        /// `bank: bank.code, branch: branch.code, bank_name: bank.name` — the code must be a bank (its branch one of
        /// its branches), and agree with the bank's name where the form has one. A form that asks only for the name
        /// (`bank_name: bank` alone) has it checked against the master's names: a bank's, perhaps followed by a
        /// branch's (`三井住友銀行 本店` in one box).
        case bank(code: String?, branch: String?, name: String?)
        /// `name: claimant.name, kana: claimant.kana` — the kana must be a reading of the name's family and given
        /// names. `kana: account.holder` alone (a name in kana with no kanji beside it: 口座名義): a kana that is no
        /// family and given name the dictionary knows, one voiced mark from one that is, is in doubt. With
        /// `may_differ: true` (`mayDiffer`) the kana is most often the name's reading, not always (a 口座名義 on a
        /// 口座振替依頼書 may be a family member's): that reading bears it out, one voiced mark or one character from
        /// it is in doubt, anything else is somebody else's name and checked as a kana alone.
        case reading(name: String?, kana: String, mayDiffer: Bool)
        /// `field: school, table: schools, column: name` — the value must be one of the column's values in a table
        /// the municipality provided (`kamiflow masters import --from table:schools=FILE.csv`). `corrects`
        /// (`correct: false` turns it off): a value one character from exactly one of them is replaced by it.
        case table(field: String, column: MasterTableColumn, corrects: Bool)
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(kind: Kind, location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// The shipped master it looks values up in; `nil` for a municipality's own table (`table`).
    public var master: MasterKind? {
        switch kind {
        case .postal: .postal
        case .bank: .bank
        case .reading: .name
        case .table: nil
        }
    }

    /// The municipality's table and column it looks values up in, if that is what it checks.
    public var table: MasterTableColumn? {
        if case .table(_, let column, _) = kind { return column }
        return nil
    }

    /// The field paths (as declared) it names.
    public var fieldPaths: [String] {
        switch kind {
        case .postal(let code, let address): [code, address]
        case .bank(let code, let branch, let name): [code, branch, name].compactMap { $0 }
        case .reading(let name, let kana, _): [name, kana].compactMap { $0 }
        case .table(let field, _, _): [field]
        }
    }
}

/// When a `require` rule applies.
public enum Condition: Hashable, Sendable {
    /// `when: spouse.name` — the field is filled in (a checkbox is ticked).
    case present(String)
    /// `when: {requester_relation: 第三者}` — the field's value (or one of its chosen options) equals `value`.
    case equals(String, String)
    /// No condition: `require: F` alone (use `required: true` on the field instead where possible).
    case always

    public var field: String {
        switch self {
        case .present(let f), .equals(let f, _): f
        case .always: ""
        }
    }
}

/// One side of a comparison: `moved_on + 14 days`, `count(children.name)`, `20`, `today`.
public enum Operand: Hashable, Sendable {
    /// A field's value, plus an offset (days for dates, units for numbers).
    case field(String, offset: Double)
    /// How many rows of a group have the field filled in.
    case count(String)
    /// The sum of a field over all rows (or of several fields).
    case sum([String])
    case number(Double)
    /// The day the record is interpreted, plus an offset in days.
    case today(offset: Double)

    var fieldPaths: [String] {
        switch self {
        case .field(let path, _), .count(let path): [path]
        case .sum(let paths): paths
        case .number, .today: []
        }
    }
}

public enum ComparisonOperator: String, Hashable, Sendable, CaseIterable {
    case lessThan = "<"
    case lessOrEqual = "<="
    case greaterThan = ">"
    case greaterOrEqual = ">="
    case equal = "=="
    case notEqual = "!="

    func holds(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .lessThan: lhs < rhs
        case .lessOrEqual: lhs <= rhs
        case .greaterThan: lhs > rhs
        case .greaterOrEqual: lhs >= rhs
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        }
    }
}

/// How texts are made comparable before an `equal` rule compares them.
public enum Folding: String, Hashable, Sendable, CaseIterable {
    /// Exactly as normalised.
    case none
    /// NFKC, spaces removed.
    case nfkc
    /// As `nfkc`, hiragana to katakana.
    case kana
    /// To the 全銀 half-width kana of bank transfers (small kana made large, ー → -), spaces removed.
    case zengin
}

/// Which records go to a person (`review:`).
public struct ReviewPolicy: Hashable, Sendable {
    /// `below_confidence:` — a field read with less confidence (0–100) is reviewed.
    public var confidenceFloor: Double
    /// `always:` — field paths always shown to a person (group fields as `group.field`).
    public var alwaysReviewed: [String]
    /// `on_rule_failure:` — what a failed error-severity rule does.
    public var onRuleFailure: RuleFailureAction
    /// `double_entry:` — field paths two different people key blind at the review station (ダブルチェック): equal
    /// values settle the field, different ones go to a supervisor. A record with one of them filled in is reviewed.
    public var doubleEntry: [String]
    /// `floors:` — the floor of fields of one type (`text: 30`) or of one field (`claimant.name: 85`), in place of
    /// `below_confidence`, as `kamiflow calibrate` chooses them from labelled scans; a field's own floor wins over
    /// its type's.
    public var floors: [String: Double]
    /// `silent_errors:` — the share of fields (0…1) the author accepts to see delivered wrong without any issue;
    /// `kamiflow calibrate` chooses the floors that keep silent errors under it. `nil`: not stated.
    public var silentErrorTarget: Double?

    public init(
        confidenceFloor: Double = 80, alwaysReviewed: [String] = [], onRuleFailure: RuleFailureAction = .review,
        doubleEntry: [String] = [], floors: [String: Double] = [:], silentErrorTarget: Double? = nil
    ) {
        self.confidenceFloor = confidenceFloor
        self.alwaysReviewed = alwaysReviewed
        self.onRuleFailure = onRuleFailure
        self.doubleEntry = doubleEntry
        self.floors = floors
        self.silentErrorTarget = silentErrorTarget
    }

    /// The floor a field is routed by: its own (`floors` by declared path, `children.name`), else its type's, else
    /// `below_confidence`. A field read with less confidence goes to a person.
    public func floor(forDeclaredPath path: String, type: String) -> Double {
        floors[path] ?? floors[type] ?? confidenceFloor
    }
}

public enum RuleFailureAction: String, Hashable, Sendable, CaseIterable {
    /// A person looks at the record and may correct it.
    case review
    /// The record is refused outright: it gets a record-level `rejected` issue and is never delivered as is.
    case reject
}
