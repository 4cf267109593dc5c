import Foundation
public import KamiflowCore

extension DeliveryMapping {
    /// Checks this mapping against what its target accepts (``MappingContract``: the core system's OpenAPI schema, a
    /// file layout, a database's reserved columns) and reports each problem at the mapping entry it comes from:
    /// payload fields the target does not have (with a did-you-mean), required fields the mapping leaves out,
    /// values outside a code list, values that cannot match the field's pattern, dates written into fields that are
    /// not dates and the other way round.
    ///
    /// What a field can hold is judged from the workflow alone: constants and code tables give their values, choice
    /// fields their options, dates their format, shaped types (マイナンバー, 郵便番号, 口座番号 …) a representative
    /// value. Free text is only checked where the target wants a code (it then needs a code table).
    public func diagnostics(against contract: MappingContract, in workflow: Workflow) -> [Diagnostic] {
        var result: [Diagnostic] = []
        let produced = payloadFields(in: workflow)
        let names = produced.map(\.name)
        var unknownNames: [String] = []
        var reportedRows: Set<String> = []
        for (name, mapped) in produced {
            if contract.reservedFields.contains(name.lowercased()) {
                result.append(
                    Diagnostic(
                        .error, "delivery field '\(name)' is a name \(contract.source) keeps for itself",
                        at: mapped.location))
                continue
            }
            if let known = contract.knownFields, !known.contains(name) {
                if name != mapped.name {
                    // A group field flattened into one payload field per row: the advice is for_each, not a name.
                    guard reportedRows.insert(mapped.name).inserted else { continue }
                    let rows = produced.filter { $0.field == mapped }.map(\.name)
                    var message =
                        "delivery field '\(mapped.name)' becomes \(Self.quoted(rows)) (one field per row), "
                        + "which \(contract.source) does not have"
                    if let (group, _) = Self.groupField(path(of: mapped), in: workflow), forEach == nil {
                        message += "; for one record per row write 'for_each: \(group.name)'"
                    }
                    result.append(Diagnostic(.error, message, at: mapped.location))
                    continue
                }
                unknownNames.append(name)
                let hint = Suggestion.hint(for: name, in: known.filter { !names.contains($0) })
                result.append(
                    Diagnostic(.error, "\(contract.source) has no field '\(name)'" + hint, at: mapped.location))
                continue
            }
            if let constraint = contract.fields[name],
                let problem = problem(mapped, writing: name, into: constraint, of: contract, in: workflow)
            {
                result.append(Diagnostic(.error, problem, at: mapped.location))
            }
        }
        // A required field mapped but flattened per row has its diagnostic already.
        for required in contract.requiredFields where !names.contains(required) && !reportedRows.contains(required) {
            let summary = contract.fields[required]?.summary.map { " (\($0))" } ?? ""
            result.append(
                Diagnostic(
                    .error,
                    "\(contract.source) requires '\(required)'\(summary), which this mapping does not provide"
                        + Suggestion.hint(for: required, in: unknownNames),
                    at: location))
        }
        return result
    }

    /// The payload field names this mapping writes, in order, each with the entry it comes from (`shimei_1` …
    /// for a flattened group field).
    public func payloadFields(in workflow: Workflow) -> [(name: String, field: MappedField)] {
        fields.flatMap { mapped -> [(name: String, field: MappedField)] in
            guard case .field(let source) = mapped.source, source.each == .flatten,
                let (group, _) = Self.groupField(source.path, in: workflow), group.name != forEach
            else { return [(mapped.name, mapped)] }
            return (1...max(1, group.count)).map { ("\(mapped.name)_\($0)", mapped) }
        }
    }

    func path(of mapped: MappedField) -> String {
        switch mapped.source {
        case .field(let source): source.path
        case .count(let count): count.path
        case .constant: ""
        }
    }

    /// What one source can put into a payload field, as far as the workflow tells.
    enum Written {
        /// Exactly these values (constants, code tables, options).
        case values([String], what: String)
        /// A date in this format.
        case date(DateFormat, what: String)
        /// Text of a known shape, e.g. 12 digits for a マイナンバー; `shown` is false for sensitive fields, whose
        /// example is not printed even though it is made up (a message with a マイナンバー-shaped number in it
        /// would look like a leak).
        case shaped(String, what: String, shown: Bool = true)
        /// Free text, a JSON array: nothing to compare with.
        case free(what: String)
    }

    func written(_ mapped: MappedField, in workflow: Workflow) -> [Written] {
        switch mapped.source {
        case .constant(let value):
            return [.values([value], what: "the constant")]
        case .count(let count):
            return [.shaped(String(count.times ?? 1), what: "a count of '\(count.path)'")]
        case .field(let source):
            if source.each == .array, let (group, _) = Self.groupField(source.path, in: workflow), group.name != forEach
            {
                return [.free(what: "'\(source.path)' (a JSON array of rows)")]
            }
            return ([source] + source.otherwise).map { written($0, in: workflow) }
        }
    }

    func written(_ source: MappedField.FieldSource, in workflow: Workflow) -> Written {
        let what = "'\(source.path)'"
        guard let spec = workflow.form.field(named: source.path) else { return .free(what: what) }
        let described = "\(what) (\(spec.type.rawValue))"
        if let codes = source.codes {
            return .values(Array(Set(codes.values)).sorted(), what: "the code table of \(what)")
        }
        switch spec.type {
        case .date, .warekiDate: return .date(source.format ?? .iso, what: what)
        case .choice: return .values(spec.options, what: "the options of \(what)")
        case .checkbox: return .values(["true", "false"], what: "the checkbox \(what)")
        default: break
        }
        guard var sample = Self.sample(for: spec, part: source.part) else { return .free(what: described) }
        if let fold = source.fold { sample = fold.apply(to: sample) }
        return .shaped(sample, what: source.part.map { "\(what) part \($0)" } ?? described, shown: !spec.sensitive)
    }

    /// A value of the shape a field of this type always has after normalisation; `nil` for free text.
    static func sample(for spec: FieldSpec, part: String?) -> String? {
        switch spec.type {
        case .mynumber: return "123456789018"
        case .corporateNumber: return "7123456789012"
        case .lgCode: return "131016"
        case .phone: return "0312345678"
        case .postal: return "123-4567"
        case .bankCode: return "0001"
        case .branchCode: return "001"
        case .accountNumber: return "0123456"
        case .accountKana: return "ﾔﾏﾀﾞ ﾊﾅｺ"
        case .katakana: return "ヤマダ　ハナコ"
        case .hiragana: return "やまだ　はなこ"
        case .email: return "info@example.jp"
        case .yucho:
            let parts = [
                "bank": "9900", "branch": "408", "account": "1234567", "kind": "普通", "kind_code": "1",
                "kigou": "14030", "bangou": "12345671",
            ]
            return part.flatMap { parts[$0] }
        case .digits:
            if let length = spec.validation.length, length.lowerBound == length.upperBound {
                return String(repeating: "1", count: length.lowerBound)
            }
            return nil
        default: return nil
        }
    }

    /// The first thing wrong with writing `mapped` into a field with `constraint`, in words.
    func problem(
        _ mapped: MappedField, writing name: String, into constraint: FieldConstraint, of contract: MappingContract,
        in workflow: Workflow
    ) -> String? {
        let target = "'\(name)'" + (constraint.summary.map { " (\($0))" } ?? "") + " of \(contract.source)"
        for written in written(mapped, in: workflow) {
            switch written {
            case .date(let format, let what):
                let example = Self.format(CivilDate(year: 2020, month: 2, day: 3), format)
                if constraint.isDate == true {
                    if format != .iso {
                        return "\(target) is a date written YYYY-MM-DD, but the mapping writes \(what) as "
                            + "\(format.rawValue) (e.g. \(example)); use format: iso"
                    }
                } else if let pattern = constraint.pattern {
                    if !Self.matches(example, pattern) {
                        return
                            "\(target) must match \(Self.describe(pattern: pattern)), but the mapping writes the date \(what) as "
                            + "\(format.rawValue) (e.g. \(example))"
                    }
                } else if constraint.isDate == false {
                    return "\(target) is not a date, but the mapping writes the date \(what) into it"
                }
            case .values(let values, let what):
                if constraint.isDate == true {
                    let bad = values.filter { !Self.isISODate($0) }
                    if !bad.isEmpty {
                        return
                            "\(target) is a date written YYYY-MM-DD, but the mapping can write \(Self.quoted(bad)) (\(what))"
                    }
                }
                if let allowed = constraint.allowedValues {
                    let bad = values.filter { !allowed.contains($0) }
                    if !bad.isEmpty {
                        let advice = what.hasPrefix("the options") ? "; map them with codes: {…}" : ""
                        return "\(target) accepts only \(Self.quoted(allowed)), but the mapping can write "
                            + "\(Self.quoted(bad)) (\(what))" + advice
                    }
                } else if let pattern = constraint.pattern {
                    let bad = values.filter { !Self.matches($0, pattern) }
                    if !bad.isEmpty {
                        return
                            "\(target) must match \(Self.describe(pattern: pattern)), but the mapping can write \(Self.quoted(bad)) (\(what))"
                    }
                }
                if let max = constraint.maxLength, let long = values.first(where: { $0.count > max }) {
                    return "\(target) holds at most \(max) characters, but the mapping can write \(Self.quoted([long]))"
                }
            case .shaped(let sample, let what, let shown):
                if constraint.isDate == true {
                    return "\(target) is a date written YYYY-MM-DD, but \(what) is not a date"
                }
                if let allowed = constraint.allowedValues, !allowed.contains(sample) {
                    return "\(target) accepts only \(Self.quoted(allowed)), but \(what) is not one of them; "
                        + "map it with codes: {…}"
                }
                if let pattern = constraint.pattern, !Self.matches(sample, pattern) {
                    var advice = ""
                    for fold in ValueFolding.allCases where Self.matches(fold.apply(to: sample), pattern) {
                        advice = "; add fold: \(fold.rawValue)"
                        break
                    }
                    let example = shown ? " (e.g. \(sample))" : ""
                    return
                        "\(target) must match \(Self.describe(pattern: pattern)), but \(what) has another shape\(example)"
                        + advice
                }
            case .free(let what):
                if constraint.isDate == true {
                    return "\(target) is a date written YYYY-MM-DD, but \(what) is not a date"
                }
                if let allowed = constraint.allowedValues {
                    return "\(target) accepts only \(Self.quoted(allowed)), but \(what) is free text; "
                        + "map it with codes: {…}"
                }
            }
        }
        return nil
    }

    static func isISODate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.map(\.count) == [4, 2, 2], let y = Int(parts[0]), let m = Int(parts[1]),
            let d = Int(parts[2])
        else { return false }
        return CivilDate(validYear: y, month: m, day: d) != nil
    }

    /// How a diagnostic names a pattern: as written when it is short enough to read, else by where it is (the
    /// summary quoted beside it says what it means; the simulator's 和暦 pattern lists every day of every era).
    static func describe(pattern: String) -> String {
        pattern.count <= 80 ? pattern : "the schema's pattern (\(pattern.count) characters)"
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return true }
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.firstMatch(in: text, range: range) else { return false }
        return pattern.hasPrefix("^") || match.range.length > 0
    }

    static func quoted(_ values: [String]) -> String {
        let shown = values.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
        return values.count > 8 ? shown + " …" : shown
    }
}
