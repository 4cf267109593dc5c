import Foundation
import KamiflowCore
import Yams

extension WorkflowBuilder {
    /// Every field path a rule, review or delivery entry may name: top-level fields and `group.field`.
    func declaredPaths(_ form: FormTemplate) -> [String] {
        form.items.flatMap { item -> [String] in
            switch item {
            case .field(let spec): [spec.name]
            case .group(let group): group.fields.map { "\(group.name).\($0.name)" }
            }
        }
    }

    /// Reports `path` when the form declares no such field; true when it exists.
    @discardableResult
    mutating func checkPath(_ path: String, form: FormTemplate, at node: Node?, in what: String) -> Bool {
        if form.field(named: path) != nil { return true }
        if brokenFields.contains(path) { return false }
        var message = "\(what) names unknown field '\(path)'"
        if let group = form.group(named: path) {
            message +=
                "; '\(path)' is a group — name one of its fields ("
                + group.fields.map { "\(path).\($0.name)" }.joined(separator: ", ") + ")"
        } else {
            message += Suggestion.hint(for: path, in: declaredPaths(form))
        }
        error(message, at: node)
        return false
    }

    // MARK: Rules

    mutating func buildRules(_ node: Node, form: FormTemplate) -> [Rule] {
        guard case .sequence(let sequence) = node else {
            error("'rules' must be a list of rules (each starting with '- ')", at: node)
            return []
        }
        var rules: [Rule] = []
        for item in sequence {
            guard let list = entries(item, "a rule", allowed: Keys.rule) else { continue }
            let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            let kinds = ["require", "compare", "equal"].filter { byKey[$0] != nil }
            guard kinds.count == 1 else {
                error(
                    kinds.isEmpty
                        ? "a rule needs one of 'require', 'compare' or 'equal'"
                        : "a rule takes only one of 'require', 'compare' or 'equal', found \(kinds.joined(separator: ", "))",
                    at: item)
                continue
            }
            var kind: Rule.Kind?
            switch kinds[0] {
            case "require":
                let entry = byKey["require"]!
                guard let field = string(entry.value, "'require'") else { continue }
                var ok = checkPath(field, form: form, at: entry.value, in: "rule 'require'")
                var condition = Condition.always
                if let when = byKey["when"] {
                    switch when.value {
                    case .scalar:
                        if let path = string(when.value, "'when'") {
                            ok = checkPath(path, form: form, at: when.value, in: "rule 'when'") && ok
                            condition = .present(path)
                        }
                    default:
                        if let pairs = entries(when.value, "'when'"), pairs.count == 1, let pair = pairs.first,
                            let value = string(pair.value, "the value in 'when'")
                        {
                            ok = checkPath(pair.key, form: form, at: pair.keyNode, in: "rule 'when'") && ok
                            if let spec = form.field(named: pair.key), spec.type == .choice,
                                !spec.options.contains(value)
                            {
                                error(
                                    "'\(value)' is not an option of '\(pair.key)'\(Suggestion.hint(for: value, in: spec.options)); options: \(spec.options.joined(separator: ", "))",
                                    at: pair.value)
                                ok = false
                            }
                            condition = .equals(pair.key, value)
                        } else {
                            error("'when' must be a field name or {field: value}", at: when.value)
                            ok = false
                        }
                    }
                }
                if ok { kind = .require(field: field, when: condition) }
            case "compare":
                let entry = byKey["compare"]!
                guard let text = string(entry.value, "'compare'") else { continue }
                kind = parseComparison(text, form: form, at: entry.value)
            default:
                let entry = byKey["equal"]!
                let fields = strings(entry.value, "a field in 'equal'")
                guard fields.count >= 2 else {
                    error("'equal' needs a list of at least two fields", at: entry.value)
                    continue
                }
                var ok = true
                for (path, node) in fields { ok = checkPath(path, form: form, at: node, in: "rule 'equal'") && ok }
                var fold = Folding.none
                if let foldEntry = byKey["fold"], let value = enumeration(foldEntry.value, "folding", as: Folding.self)
                {
                    fold = value
                }
                if ok { kind = .equal(fields: fields.map(\.0), fold: fold) }
            }
            if byKey["when"] != nil && kinds[0] != "require" {
                error("'when' only goes with 'require'", at: byKey["when"]!.keyNode)
            }
            if byKey["fold"] != nil && kinds[0] != "equal" {
                error("'fold' only goes with 'equal'", at: byKey["fold"]!.keyNode)
            }
            var severity = Issue.Severity.error
            if let entry = byKey["severity"], let text = string(entry.value, "'severity'") {
                if text == "warning" {
                    severity = .warning
                } else if text != "error" {
                    error("'severity' must be 'error' or 'warning', found '\(text)'", at: entry.value)
                }
            }
            let message = byKey["message"].flatMap { string($0.value, "'message'") }
            if let kind {
                rules.append(Rule(kind: kind, message: message, severity: severity, location: location(item)))
            }
        }
        return rules
    }

    /// Parses `left OP right`, each side `path [± N [days]]`, `count(group.field)`, `sum(a, b)`, a number or `today`.
    mutating func parseComparison(_ text: String, form: FormTemplate, at node: Node) -> Rule.Kind? {
        let operators = ComparisonOperator.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
        guard let op = operators.first(where: { text.contains($0.rawValue) }),
            let range = text.range(of: op.rawValue)
        else {
            error("'compare' needs an operator (<, <=, >, >=, ==, !=), e.g. \"moved_on <= notified_on\"", at: node)
            return nil
        }
        let left = parseOperand(String(text[..<range.lowerBound]), form: form, at: node)
        let right = parseOperand(String(text[range.upperBound...]), form: form, at: node)
        guard let left, let right else { return nil }
        return .compare(left: left, op: op, right: right)
    }

    mutating func parseOperand(_ raw: String, form: FormTemplate, at node: Node) -> Operand? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            error("'compare' is missing a side: \"\(raw)\"", at: node)
            return nil
        }
        // A trailing `+ 14 days` / `- 3`.
        var offset = 0.0
        let offsetPattern = #"\s*([+-])\s*([0-9]+(\.[0-9]+)?)\s*(days?|d)?$"#
        if let match = text.range(of: offsetPattern, options: .regularExpression), match.lowerBound != text.startIndex {
            let part = text[match].replacingOccurrences(of: " ", with: "")
            let sign: Double = part.hasPrefix("-") ? -1 : 1
            let digits = part.dropFirst().prefix { $0.isNumber || $0 == "." }
            offset = sign * (Double(digits) ?? 0)
            text = String(text[..<match.lowerBound]).trimmingCharacters(in: .whitespaces)
        }
        if let number = Double(text) { return .number(number + offset) }
        if text == "today" { return .today(offset: offset) }
        for function in ["count", "sum"] where text.hasPrefix(function + "(") && text.hasSuffix(")") {
            let inner = text.dropFirst(function.count + 1).dropLast()
            let paths = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !paths.isEmpty, paths.allSatisfy({ checkPath($0, form: form, at: node, in: "'compare'") }) else {
                return nil
            }
            if function == "count" {
                guard paths.count == 1, paths[0].contains("."),
                    form.group(named: String(paths[0].split(separator: ".")[0])) != nil
                else {
                    error("count() takes one field of a repeating group, e.g. count(children.name)", at: node)
                    return nil
                }
                return .count(paths[0])
            }
            return .sum(paths)
        }
        guard text.range(of: #"^[A-Za-z_][A-Za-z0-9_.]*$"#, options: .regularExpression) != nil else {
            error("cannot read '\(text)' in 'compare': use a field, a number, today, count(…) or sum(…)", at: node)
            return nil
        }
        guard checkPath(text, form: form, at: node, in: "'compare'") else { return nil }
        if let spec = form.field(named: text),
            ![.date, .warekiDate, .number, .amount, .digits].contains(spec.type)
        {
            error("'compare' needs dates or numbers, but '\(text)' is \(spec.type.rawValue)", at: node)
            return nil
        }
        return .field(text, offset: offset)
    }

    // MARK: Witnesses

    mutating func buildWitnesses(_ node: Node, form: FormTemplate) -> [Witness] {
        guard case .sequence(let sequence) = node else {
            error("'witnesses' must be a list (each starting with '- ', e.g. '- postal: x.postal')", at: node)
            return []
        }
        var witnesses: [Witness] = []
        for item in sequence {
            guard let list = entries(item, "a witness", allowed: Keys.witness) else { continue }
            let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            var kinds = ["postal", "bank", "name", "table"].filter { byKey[$0] != nil }
            if kinds.isEmpty {
                // A bank's name alone (no code box on the form), or a kana alone (no kanji name beside it).
                kinds = [("bank_name", "bank"), ("kana", "name")].filter { byKey[$0.0] != nil }.map(\.1)
            }
            guard kinds.count == 1 else {
                error(
                    kinds.isEmpty
                        ? "a witness needs one of 'postal' (with 'address'), 'bank' or 'bank_name', 'kana' (with or "
                            + "without 'name') or 'table' (with 'field' and 'column')"
                        : "a witness takes only one of 'postal', 'bank', 'name' or 'table', found "
                            + kinds.joined(separator: ", "),
                    at: item)
                continue
            }
            // The fields each kind takes, with the type each must have.
            let takes: [String: [FieldType]]
            let required: [String]
            switch kinds[0] {
            case "postal":
                takes = ["postal": [.postal], "address": [.text]]
                required = ["postal", "address"]
            case "bank":
                takes = ["bank": [.bankCode], "branch": [.branchCode], "bank_name": [.text, .katakana, .hiragana]]
                // A branch code is a branch of the bank the bank code names; without a code there is none to check.
                required = byKey["bank"] != nil || byKey["branch"] != nil ? ["bank"] : []
            case "table":
                takes = ["field": [.text, .katakana, .hiragana, .digits]]
                required = ["field", "table", "column"]
            default:
                takes = ["name": [.text], "kana": [.katakana, .hiragana, .accountKana]]
                // A kana alone (口座名義) is checked against the dictionary's readings.
                required = ["kana"]
            }
            var ok = true
            for key in required where byKey[key] == nil {
                error("a '\(kinds[0])' witness needs '\(key)'", at: item)
                ok = false
            }
            var paths: [String: String] = [:]
            var table: MasterTableColumn?
            // `correct: false`: a value one character from one of the column's is flagged, not replaced (a register
            // of people, where the one near name may be somebody else's).
            var corrects = true
            if kinds[0] == "table", let correct = byKey["correct"] {
                if let flag = bool(correct.value, "'correct'") { corrects = flag } else { ok = false }
            }
            // `may_differ: true`: the kana is most often the name's reading, not always (a 口座名義 that may be a
            // family member's account).
            var mayDiffer = false
            if let entry = byKey["may_differ"] {
                if kinds[0] != "name" {
                    error("'may_differ' goes with a 'name' and 'kana' witness", at: entry.keyNode)
                    ok = false
                } else if byKey["name"] == nil {
                    error("'may_differ' needs the 'name' the kana is most often the reading of", at: entry.keyNode)
                    ok = false
                } else if let flag = bool(entry.value, "'may_differ'") {
                    mayDiffer = flag
                } else {
                    ok = false
                }
            }
            if kinds[0] == "table", let name = byKey["table"], let column = byKey["column"] {
                let tableName = string(name.value, "'table'") ?? ""
                let columnName = string(column.value, "'column'") ?? ""
                if !MasterTableColumn.isValidName(tableName) {
                    error(
                        "'table' names a table imported with 'kamiflow masters import --from table:NAME=FILE.csv' "
                            + "(letters, digits, '_' and '-')", at: name.value)
                    ok = false
                } else if columnName.trimmingCharacters(in: .whitespaces).isEmpty {
                    error("'column' names a column of the table's header row", at: column.value)
                    ok = false
                } else {
                    table = MasterTableColumn(table: tableName, column: columnName)
                }
            }
            for entry in list
            where !(kinds[0] == "table" && ["table", "column", "correct"].contains(entry.key))
                && entry.key != "may_differ"
            {
                guard let types = takes[entry.key] else {
                    error("'\(entry.key)' does not go with a '\(kinds[0])' witness", at: entry.keyNode)
                    ok = false
                    continue
                }
                guard let path = string(entry.value, "'\(entry.key)'"),
                    checkPath(path, form: form, at: entry.value, in: "witness '\(entry.key)'")
                else {
                    ok = false
                    continue
                }
                if let spec = form.field(named: path), !types.contains(spec.type) {
                    error(
                        "witness '\(entry.key)' takes a field of type "
                            + types.map { "'\($0.rawValue)'" }.joined(separator: " or ")
                            + ", and '\(path)' is '\(spec.type.rawValue)'", at: entry.value)
                    ok = false
                }
                paths[entry.key] = path
            }
            let groups = Set(
                paths.values.compactMap { path in
                    path.contains(".") ? form.group(named: String(path.split(separator: ".")[0])).map(\.name) : nil
                })
            let topLevel = paths.values.contains { path in
                !(path.contains(".") && form.group(named: String(path.split(separator: ".")[0])) != nil)
            }
            if groups.count > 1 || (groups.count == 1 && topLevel) {
                error("a witness names fields of one row: all in one group, or none in a group", at: item)
                ok = false
            }
            guard ok else { continue }
            let kind: Witness.Kind
            switch kinds[0] {
            case "postal": kind = .postal(code: paths["postal"]!, address: paths["address"]!)
            case "bank": kind = .bank(code: paths["bank"], branch: paths["branch"], name: paths["bank_name"])
            case "table":
                guard let table else { continue }
                kind = .table(field: paths["field"]!, column: table, corrects: corrects)
            default: kind = .reading(name: paths["name"], kana: paths["kana"]!, mayDiffer: mayDiffer)
            }
            witnesses.append(Witness(kind: kind, location: location(item)))
        }
        return witnesses
    }

    // MARK: Review

    mutating func buildReview(_ node: Node, form: FormTemplate) -> ReviewPolicy {
        var policy = ReviewPolicy()
        guard let list = entries(node, "'review'", allowed: Keys.review) else { return policy }
        for entry in list {
            switch entry.key {
            case "below_confidence":
                if let value = number(entry.value, "'below_confidence'") {
                    if (0...100).contains(value) {
                        policy.confidenceFloor = value
                    } else {
                        error("'below_confidence' is a confidence from 0 to 100, found \(value)", at: entry.value)
                    }
                }
            case "always":
                for (path, node) in strings(entry.value, "a field in 'always'")
                where checkPath(path, form: form, at: node, in: "'review.always'") {
                    policy.alwaysReviewed.append(path)
                }
            case "double_entry":
                for (path, node) in strings(entry.value, "a field in 'double_entry'")
                where checkPath(path, form: form, at: node, in: "'review.double_entry'") {
                    policy.doubleEntry.append(path)
                }
            case "floors":
                guard let floors = entries(entry.value, "'review.floors'") else { continue }
                let types = FieldType.allCases.map(\.rawValue)
                for floor in floors {
                    guard
                        types.contains(floor.key)
                            || checkPath(
                                floor.key, form: form, at: floor.keyNode,
                                in: "'review.floors' (a field type or a field)")
                    else { continue }
                    guard let value = number(floor.value, "the floor of '\(floor.key)'") else { continue }
                    if (0...100).contains(value) {
                        policy.floors[floor.key] = value
                    } else {
                        error(
                            "the floor of '\(floor.key)' is a confidence from 0 to 100, found \(value)", at: floor.value
                        )
                    }
                }
            case "silent_errors":
                policy.silentErrorTarget = share(entry.value, "'silent_errors'")
            default:
                if let value = enumeration(entry.value, "rule failure action", as: RuleFailureAction.self) {
                    policy.onRuleFailure = value
                }
            }
        }
        return policy
    }

    /// A share written as a percentage (`0.05%`), as 0…1.
    mutating func share(_ node: Node, _ what: String) -> Double? {
        guard case .scalar(let scalar) = node else {
            error("\(what) must be a percentage such as 0.05%, found \(describe(node))", at: node)
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        guard text.hasSuffix("%"), let value = Double(text.dropLast().trimmingCharacters(in: .whitespaces)) else {
            error("\(what) must be a percentage such as 0.05% (with the % sign), found '\(text)'", at: node)
            return nil
        }
        guard (0...100).contains(value) else {
            error("\(what) must be between 0% and 100%, found '\(text)'", at: node)
            return nil
        }
        return value / 100
    }

    // MARK: Delivery

    mutating func buildDeliveries(_ node: Node, form: FormTemplate) -> [DeliveryMapping] {
        guard case .sequence(let sequence) = node else {
            error("'deliver' must be a list of {to, record}", at: node)
            return []
        }
        var result: [DeliveryMapping] = []
        for item in sequence {
            guard let list = entries(item, "a 'deliver' entry", allowed: Keys.deliver) else { continue }
            let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            guard let to = byKey["to"].flatMap({ string($0.value, "'to' (a connection name)") }) else {
                if byKey["to"] == nil {
                    error("a 'deliver' entry needs 'to:' (a connection of the deployment file)", at: item)
                }
                continue
            }
            let resource = byKey["resource"].flatMap { string($0.value, "'resource'") }
            var forEach: String?
            if let entry = byKey["for_each"], let name = string(entry.value, "'for_each' (a repeating group)") {
                let groups = form.items.compactMap { item -> String? in
                    if case .group(let group) = item { return group.name }
                    return nil
                }
                if groups.contains(name) {
                    forEach = name
                } else {
                    error(
                        "'for_each' names '\(name)', which is not a repeating group\(Suggestion.hint(for: name, in: groups))"
                            + (groups.isEmpty ? " (the form has none)" : "; groups: \(groups.joined(separator: ", "))"),
                        at: entry.value)
                }
            }
            var fields: [MappedField] = []
            if let record = byKey["record"], let pairs = entries(record.value, "'record'") {
                for pair in pairs {
                    if let field = buildMappedField(pair, form: form, forEach: forEach) { fields.append(field) }
                }
            } else if byKey["record"] == nil {
                error("a 'deliver' entry needs 'record:' (payload field: record field)", at: item)
            }
            result.append(
                DeliveryMapping(
                    connection: to, resource: resource, forEach: forEach, fields: fields, location: location(item)))
        }
        return result
    }

    mutating func buildMappedField(_ pair: Entry, form: FormTemplate, forEach: String?) -> MappedField? {
        let loc = location(pair.keyNode)
        let what = "delivery field '\(pair.key)'"
        if case .scalar = pair.value {
            guard let path = string(pair.value, "the source of '\(pair.key)'"),
                checkPath(path, form: form, at: pair.value, in: what)
            else { return nil }
            return MappedField(name: pair.key, source: .field(.init(path: path)), location: loc)
        }
        guard let list = entries(pair.value, what, allowed: Keys.mapped) else { return nil }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        if let constant = byKey["const"] {
            if list.count > 1 {
                error("'const' stands alone: a constant has no 'from', codes or format", at: pair.value)
            }
            guard let value = constant.value.string else { return nil }
            return MappedField(name: pair.key, source: .constant(value), location: loc)
        }
        if let count = byKey["count"] {
            return buildCount(count, byKey: byKey, list: list, form: form, what: what, at: loc, name: pair.key)
        }
        for key in ["unless", "times"] where byKey[key] != nil {
            error("'\(key)' belongs to 'count'", at: byKey[key]!.keyNode)
        }
        guard byKey["from"] != nil else {
            error("\(what) needs 'from: field', 'const: value' or 'count: group.field'", at: pair.keyNode)
            return nil
        }
        guard var source = buildSource(byKey, form: form, what: what) else { return nil }
        if let each = byKey["each"], let value = enumeration(each.value, "repeat layout", as: RepeatLayout.self) {
            if let forEach, source.path.hasPrefix(forEach + ".") {
                error(
                    "'each' does not apply to '\(source.path)': with 'for_each: \(forEach)' every payload holds one row",
                    at: each.keyNode)
            }
            source.each = value
        }
        if let alternative = byKey["or"] {
            source.otherwise = buildAlternatives(alternative.value, form: form, what: what)
        }
        return MappedField(name: pair.key, source: .field(source), location: loc)
    }

    /// `or:` — a field path, a `{from, part, codes, format, fold}` mapping, or a list of these.
    mutating func buildAlternatives(_ node: Node, form: FormTemplate, what: String) -> [MappedField.FieldSource] {
        switch node {
        case .sequence(let sequence):
            return sequence.flatMap { buildAlternatives($0, form: form, what: what) }
        case .scalar:
            guard let path = string(node, "'or'"), checkPath(path, form: form, at: node, in: what) else { return [] }
            return [.init(path: path)]
        default:
            guard let list = entries(node, "'or' of \(what)", allowed: Keys.alternative) else { return [] }
            let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            guard byKey["from"] != nil else {
                error("'or' of \(what) needs 'from: field'", at: node)
                return []
            }
            return buildSource(byKey, form: form, what: what).map { [$0] } ?? []
        }
    }

    /// `from` with its `codes`, `format`, `part` and `fold`.
    mutating func buildSource(_ byKey: [String: Entry], form: FormTemplate, what: String) -> MappedField.FieldSource? {
        guard let from = byKey["from"], let path = string(from.value, "'from'"),
            checkPath(path, form: form, at: from.value, in: what)
        else { return nil }
        var source = MappedField.FieldSource(path: path)
        let spec = form.field(named: path)
        if let codes = byKey["codes"], let table = entries(codes.value, "'codes'") {
            var map: [String: String] = [:]
            for entry in table {
                guard let value = entry.value.string else { continue }
                if let spec, spec.type == .choice, !spec.options.contains(entry.key) {
                    error(
                        "'\(entry.key)' is not an option of '\(path)'\(Suggestion.hint(for: entry.key, in: spec.options))",
                        at: entry.keyNode)
                }
                map[entry.key] = value
            }
            source.codes = map
        }
        if let format = byKey["format"], let value = enumeration(format.value, "date format", as: DateFormat.self) {
            if let spec, spec.type != .date && spec.type != .warekiDate {
                error("'format' is for dates, but '\(path)' is \(spec.type.rawValue)", at: format.value)
            }
            source.format = value
        }
        if let part = byKey["part"], let value = string(part.value, "'part'") {
            let parts = ["bank", "branch", "account", "kind", "kind_code", "kigou", "bangou"]
            if spec?.type != .yucho {
                error(
                    "'part' is for yucho fields, but '\(path)' is \(spec?.type.rawValue ?? "unknown")", at: part.value)
            } else if !parts.contains(value) {
                error(
                    "unknown part '\(value)'\(Suggestion.hint(for: value, in: parts)); one of: \(parts.joined(separator: ", "))",
                    at: part.value)
            }
            source.part = value
        }
        if let fold = byKey["fold"], let value = enumeration(fold.value, "folding", as: ValueFolding.self) {
            if let spec, [.date, .warekiDate, .choice, .checkbox].contains(spec.type) {
                error("'fold' is for text, but '\(path)' is \(spec.type.rawValue)", at: fold.value)
            }
            source.fold = value
        }
        return source
    }

    /// `{count: group.field, unless: group.checkbox, times: N}`.
    mutating func buildCount(
        _ count: Entry, byKey: [String: Entry], list: [Entry], form: FormTemplate, what: String,
        at loc: SourceLocation, name: String
    ) -> MappedField? {
        for entry in list where !["count", "unless", "times"].contains(entry.key) {
            error("'\(entry.key)' does not go with 'count' (only 'unless' and 'times' do)", at: entry.keyNode)
        }
        guard let path = string(count.value, "'count'"), checkPath(path, form: form, at: count.value, in: what) else {
            return nil
        }
        let group = path.split(separator: ".").first.map(String.init) ?? path
        guard form.group(named: group) != nil, path.contains(".") else {
            error("'count' counts the filled rows of a group field, but '\(path)' is not in a group", at: count.value)
            return nil
        }
        var source = MappedField.CountSource(path: path)
        if let unless = byKey["unless"], let other = string(unless.value, "'unless'"),
            checkPath(other, form: form, at: unless.value, in: what)
        {
            if !other.hasPrefix(group + ".") || form.field(named: other)?.type != .checkbox {
                error(
                    "'unless' names a checkbox of the same group '\(group)', but '\(other)' is not one",
                    at: unless.value)
            }
            source.unless = other
        }
        if let times = byKey["times"] { source.times = integer(times.value, "'times'", minimum: 1) }
        return MappedField(name: name, source: .count(source), location: loc)
    }

    // MARK: Layout

    /// Every printed element must lie inside the page; fields must have distinct paths; printed elements should
    /// not overlap (a warning: the form still works, but prints badly or reads a neighbour's ink).
    mutating func checkLayout(_ form: FormTemplate) {
        if form.reference != nil { return checkReferenceLayout(form) }
        let page = form.page.bounds
        var elements: [(name: String, rect: TemplateRect, location: SourceLocation)] = []
        let top = SourceLocation(file: file, line: 0, column: 0)
        if case .marks(let marks) = form.registration {
            for (index, rect) in marks.rects(on: form.page).enumerated() {
                elements.append(("registration mark \(index + 1)", rect, top))
            }
        }
        if let title = form.title { elements.append(("the title", title.zone, top)) }
        if let code = form.code { elements.append(("the form code", code.zone, top)) }
        for text in form.texts { elements.append(("text '\(text.text)'", text.zone, top)) }
        var seen: [String: SourceLocation] = [:]
        for placed in form.placedFields {
            let spec = placed.spec
            if let first = seen[placed.path] {
                error("duplicate field '\(placed.path)' (first declared at \(first))", at: spec.location)
            }
            seen[placed.path] = spec.location
            let name = "field '\(placed.path)'"
            for area in spec.readAreas + [spec.frame] where !page.contains(area) {
                let rowNote = placed.row.map { " (row \($0 + 1) of group '\(placed.group!)')" } ?? ""
                error(
                    "\(name)\(rowNote) has a zone \(area) outside the \(form.page.name) page (\(TemplateRect.format(form.page.width)) × \(TemplateRect.format(form.page.height)) mm)",
                    at: spec.location)
                break
            }
            for area in spec.printedAreas(cellMargin: form.cellMargin) { elements.append((name, area, spec.location)) }
            if let labelZone = spec.labelZone, placed.row ?? 0 == 0 {
                if !page.contains(labelZone) {
                    error(
                        "the label of \(name) at \(labelZone) lies outside the page; give 'label_zone'",
                        at: spec.location)
                }
                elements.append(("the label of \(name)", labelZone, spec.location))
            }
        }
        if case .keyword(let zone, _) = form.identify, !page.contains(zone) {
            error("'identify.zone' \(zone) lies outside the page", at: top)
        }
        for element in elements where element.name.hasPrefix("field") == false && !page.contains(element.rect) {
            if !element.name.hasPrefix("the label") {
                error("\(element.name) at \(element.rect) lies outside the page", at: element.location)
            }
        }
        for i in elements.indices {
            for j in elements.indices
            where j > i && elements[i].name != elements[j].name && elements[i].rect.overlaps(elements[j].rect) {
                warning(
                    "\(elements[j].name) at \(elements[j].rect) overlaps \(elements[i].name) at \(elements[i].rect)",
                    at: elements[j].location)
            }
        }
    }

    /// A form Kamiflow did not print has its labels, cells and rings on paper already: what matters is what is
    /// read. Every zone lies inside the page; no two fields read the same place (each value would be read into
    /// both); a choice's options do not overlap (a mark would count for both); field paths are distinct.
    mutating func checkReferenceLayout(_ form: FormTemplate) {
        let page = form.page.bounds
        var seen: [String: SourceLocation] = [:]
        var areas: [(path: String, rect: TemplateRect, location: SourceLocation)] = []
        for placed in form.placedFields {
            let spec = placed.spec
            if let first = seen[placed.path] {
                error("duplicate field '\(placed.path)' (first declared at \(first))", at: spec.location)
            }
            seen[placed.path] = spec.location
            let rowNote = placed.row.map { " (row \($0 + 1) of group '\(placed.group!)')" } ?? ""
            for area in spec.readAreas where !page.contains(area) {
                error(
                    "field '\(placed.path)'\(rowNote) has a zone \(area) outside the \(form.page.name) page (\(TemplateRect.format(form.page.width)) × \(TemplateRect.format(form.page.height)) mm)",
                    at: spec.location)
                break
            }
            if let marks = spec.marks {
                let options = marks.options
                for i in options.indices {
                    for j in options.indices where j > i && options[i].rect.overlaps(options[j].rect) {
                        error(
                            "options '\(options[i].name)' \(options[i].rect) and '\(options[j].name)' \(options[j].rect) of field '\(placed.path)'\(rowNote) overlap; a mark would count for both",
                            at: spec.location)
                    }
                }
            }
            for area in spec.readAreas { areas.append((placed.path, area, spec.location)) }
        }
        var reported: Set<String> = []
        for i in areas.indices {
            for j in areas.indices
            where j > i && areas[i].path != areas[j].path && areas[i].rect.overlaps(areas[j].rect) {
                let pair = "\(areas[i].path)|\(areas[j].path)"
                guard reported.insert(pair).inserted else { continue }
                error(
                    "field '\(areas[j].path)' reads \(areas[j].rect), which overlaps \(areas[i].rect) of field '\(areas[i].path)'; the same ink would be read into both",
                    at: areas[j].location)
            }
        }
    }
}
