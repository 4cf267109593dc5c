import Foundation
public import KamiflowCore

/// From what was read on one form to a routed ``FormRecord``: every field interpreted, then the workflow's rules,
/// then the review policy. Pure Swift and deterministic (the day is passed in), so it is tested without OCR.
public struct RecordInterpreter: Sendable {
    public let workflow: Workflow
    /// The day `today` means in rules (`submitted_on <= today`); the caller's clock, not ours.
    public var today: CivilDate
    /// The master data the workflow's `witnesses:` look values up in; `nil` checks none (the composition root
    /// refuses to read scans for a workflow with witnesses and no masters, naming what is missing).
    public var masters: (any MasterData)?
    /// Each field's interpreter, told once which choices the workflow's rules decide.
    let fieldInterpreter: FieldInterpreter

    public init(workflow: Workflow, today: CivilDate, masters: (any MasterData)? = nil) {
        self.workflow = workflow
        self.today = today
        self.masters = masters
        fieldInterpreter = FieldInterpreter(for: workflow)
    }

    /// Interprets `readings` (by expanded field path: `claimant.name`, `children[1].birth`). A field with no
    /// reading counts as blank.
    public func interpret(
        _ readings: [String: FieldReading], scanID: String, index: Int = 0, pages: [Int] = [0]
    ) -> FormRecord {
        let fields = workflow.form.placedFields.map { placed in
            fieldInterpreter.interpret(placed.spec, path: placed.path, reading: readings[placed.path])
        }
        return assess(
            clearingBlankRows(fields, readings: readings), scanID: scanID, index: index, pages: pages, reviewed: false,
            independentReadings: readings.mapValues(\.independentReadings).filter { !$0.value.isEmpty })
    }

    /// A printed row nobody wrote in (every field blank, no ink in any of its boxes, no ring round any option) is
    /// not a row of the record: what a field demands of a filled row (something written, one option marked) does
    /// not apply to it. Two circles in an otherwise blank row are still ink, so they are still flagged. For circled
    /// options the bar is a ring (`filled`), not `empty`: a speck or the edge of a printed rule reaches a few of
    /// the gauge's 32 sectors (4 of them, 0.125, in the 性別 of an empty 異動届 row at 300 dpi), and no row with
    /// nothing written and no ring drawn holds anything a person could key.
    func clearingBlankRows(_ fieldsIn: [FieldResult], readings: [String: FieldReading]) -> [FieldResult] {
        var fields = fieldsIn
        var position: [String: Int] = [:]
        for (i, field) in fields.enumerated() { position[field.path] = i }
        for case .group(let group) in workflow.form.items {
            for row in 0..<group.count {
                let members = group.fields.compactMap { spec in
                    position["\(group.name)[\(row)].\(spec.name)"].map { (spec: spec, index: $0) }
                }
                let blank = members.allSatisfy { member in
                    let field = fields[member.index]
                    let marks = readings[field.path]?.marks.values.map { $0 } ?? []
                    let bar =
                        member.spec.marks?.style == .circles
                        ? member.spec.thresholds.filled : member.spec.thresholds.empty
                    return (field.value.isEmpty || field.value == .flag(false)) && marks.allSatisfy { $0 < bar }
                }
                guard blank else { continue }
                for member in members {
                    fields[member.index].issues.removeAll {
                        $0.code == IssueCode.required || $0.code == IssueCode.ambiguousMark
                    }
                }
            }
        }
        return fields
    }

    /// The review station's step: a person has looked at `record` (as extraction routed it to review) and typed
    /// `corrections` (by field path, as a clerk would write the value on paper). Corrected fields are interpreted
    /// again from the typed text with the same normalisers and validators as a scan; the others keep what was
    /// read and its own checks; then the groups and rules are checked again on the whole record.
    ///
    /// The review policy's reasons for asking a person (low confidence, fields always checked) are satisfied by
    /// the review itself, so the result goes straight through unless an error remains (a check digit, a rule, a
    /// required field …): then it comes back routed to review, with the errors on it.
    ///
    /// Throws `invalidArgument` for a path the workflow does not have, or a value a marked field cannot take
    /// (an option that is not printed on the form, a checkbox that is neither ticked nor empty).
    public func review(_ record: FormRecord, corrections: [String: String]) throws(KamiflowError) -> FormRecord {
        let placed = workflow.form.placedFields
        let paths = placed.map(\.path)
        for path in corrections.keys.sorted() where !paths.contains(path) {
            let near = paths.filter { $0.hasPrefix(path) || path.hasPrefix(Self.declaredPath($0)) }.prefix(4)
            throw KamiflowError(
                .invalidArgument,
                "workflow \(workflow.id) has no field '\(path)'"
                    + (near.isEmpty ? "" : " (did you mean \(near.map { "'\($0)'" }.joined(separator: ", "))?)"),
                subject: path)
        }
        // What the record phase put on the stored fields is worked out again below, so it is taken off first.
        let stored = Dictionary(record.fields.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let storedPosition = Dictionary(
            record.fields.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { first, _ in first })
        let recordPhase = Set(groupIssues(record.fields, position: storedPosition).map(\.issue))
        let recomputed: Set<String> = [
            IssueCode.rule, IssueCode.lowConfidence, IssueCode.alwaysReviewed, IssueCode.doubleEntry, IssueCode.master,
        ]
        var fields: [FieldResult] = []
        for item in placed {
            if let text = corrections[item.path] {
                var spec = item.spec
                let reading = try Self.reading(of: text, for: &spec, path: item.path)
                var field = fieldInterpreter.interpret(spec, path: item.path, reading: reading)
                field.source = stored[item.path]?.source
                fields.append(field)
            } else if var field = stored[item.path] {
                field.issues.removeAll { recomputed.contains($0.code) || recordPhase.contains($0) }
                fields.append(field)
            } else {
                fields.append(fieldInterpreter.interpret(item.spec, path: item.path, reading: nil))
            }
        }
        return assess(fields, scanID: record.scanID, index: record.index, pages: record.pages, reviewed: true)
    }

    /// What a typed correction reads as: text for written fields (confidence 100: a person typed it), full or
    /// empty marks for choices and checkboxes, and a date written in parts is taken as one written date.
    static func reading(
        of text: String, for spec: inout FieldSpec, path: String
    ) throws(KamiflowError)
        -> FieldReading
    {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let label = spec.label ?? path
        switch spec.type {
        case .checkbox:
            let ticked = ["true", "yes", "on", "1", "はい", "有", "レ", "✓", "x"]
            let empty = ["false", "no", "off", "0", "いいえ", "無", ""]
            if ticked.contains(trimmed.lowercased()) { return .checkbox(1) }
            if empty.contains(trimmed.lowercased()) { return .checkbox(0) }
            throw KamiflowError(
                .invalidArgument, "\(label) is a checkbox: give true or false (はい/いいえ)", subject: path)
        case .choice:
            let chosen = trimmed.split(whereSeparator: { ",、，".contains($0) })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for option in chosen where !spec.options.contains(option) {
                throw KamiflowError(
                    .invalidArgument,
                    "'\(option)' is not an option of \(label) (one of: \(spec.options.joined(separator: ", ")))",
                    subject: path)
            }
            return FieldReading(
                marks: Dictionary(uniqueKeysWithValues: spec.options.map { ($0, chosen.contains($0) ? 1.0 : 0.0) }))
        default:
            if spec.type == .warekiDate { spec.parts = nil }
            return FieldReading(text: trimmed, confidence: 100)
        }
    }

    /// Groups, rules and the review policy over interpreted fields. After a review (`reviewed`), only errors keep
    /// a record from going through: the person has done what the policy asks a person for. `independentReadings`
    /// (by path, `FieldReading.independentReadings`) is the evidence a master's correction may rise on; a review
    /// has none.
    func assess(
        _ fieldsIn: [FieldResult], scanID: String, index: Int, pages: [Int], reviewed: Bool,
        independentReadings: [String: [String]] = [:]
    ) -> FormRecord {
        var fields = fieldsIn
        var recordIssues: [Issue] = []
        var position: [String: Int] = [:]
        for (i, field) in fields.enumerated() { position[field.path] = i }

        // Groups: the minimum number of filled rows.
        for (i, issue) in groupIssues(fields, position: position) { fields[i].issues.append(issue) }

        // Rules.
        var failedErrorRule = false
        let evaluator = RuleEvaluator(form: workflow.form, fields: fields, position: position, today: today)
        for rule in workflow.rules {
            for failure in evaluator.failures(of: rule) {
                let issue = Issue(
                    code: IssueCode.rule, severity: rule.severity, message: failure.message, fields: failure.paths)
                for path in failure.paths { if let i = position[path] { fields[i].issues.append(issue) } }
                if rule.severity == .error { failedErrorRule = true }
            }
        }

        // Master data: evidence for the values it bears out, corrections it settles, issues where it disagrees.
        if let masters, !workflow.witnesses.isEmpty {
            MasterWitnesses(masters: masters, form: workflow.form, independentReadings: independentReadings).apply(
                workflow.witnesses, to: &fields, position: position, reviewed: reviewed)
        }

        // Review policy.
        let policy = workflow.review
        var needsReview = false
        for i in fields.indices {
            let field = fields[i]
            if reviewed {
                if field.issues.contains(where: { $0.severity == .error }) { needsReview = true }
                continue
            }
            let declared = Self.declaredPath(field.path)
            let floor = policy.floor(forDeclaredPath: declared, type: field.type)
            if let confidence = field.confidence, confidence < floor, !field.value.isEmpty {
                fields[i].issues.append(
                    Issue(
                        code: IssueCode.lowConfidence, severity: .warning,
                        message: "read with confidence \(Int(confidence.rounded())) (below \(Int(floor)))",
                        fields: [field.path]))
            }
            if policy.alwaysReviewed.contains(declared), !field.value.isEmpty {
                fields[i].issues.append(
                    Issue(
                        code: IssueCode.alwaysReviewed, severity: .info, message: "always checked by a person",
                        fields: [field.path]))
                needsReview = true
            }
            if policy.doubleEntry.contains(declared), !field.value.isEmpty {
                fields[i].issues.append(
                    Issue(
                        code: IssueCode.doubleEntry, severity: .info, message: "keyed by two people",
                        fields: [field.path]))
                needsReview = true
            }
            if fields[i].issues.contains(where: { $0.severity >= .warning }) { needsReview = true }
        }
        if failedErrorRule && policy.onRuleFailure == .reject {
            recordIssues.append(
                Issue(
                    code: IssueCode.rejected, severity: .error,
                    message: "a rule failed and the workflow rejects such records"))
        }
        return FormRecord(
            workflow: workflow.id, scanID: scanID, index: index, pages: pages, fields: fields, issues: recordIssues,
            route: needsReview || !recordIssues.isEmpty ? .review : .straightThrough)
    }

    /// The issues of groups with fewer filled rows than their `min:`, with the position of each field they go on.
    func groupIssues(_ fields: [FieldResult], position: [String: Int]) -> [(index: Int, issue: Issue)] {
        var result: [(index: Int, issue: Issue)] = []
        for case .group(let group) in workflow.form.items where group.minimum > 0 {
            let filled = (0..<group.count).filter { row in
                group.fields.contains { spec in
                    guard let i = position["\(group.name)[\(row)].\(spec.name)"] else { return false }
                    return !fields[i].value.isEmpty && fields[i].value != .flag(false)
                }
            }.count
            if filled < group.minimum {
                let label = group.label ?? group.name
                let paths = group.fields.map { "\(group.name)[0].\($0.name)" }
                let issue = Issue(
                    code: IssueCode.required, severity: .error,
                    message: "\(label): at least \(group.minimum) row(s) must be filled in, found \(filled)",
                    fields: paths)
                for path in paths { if let i = position[path] { result.append((i, issue)) } }
            }
        }
        return result
    }

    /// `children[1].birth` → `children.birth`: the path as rules and policies name it.
    static func declaredPath(_ path: String) -> String {
        path.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "", options: .regularExpression)
    }
}

/// Evaluates rules over interpreted fields. Rules naming group fields are applied row by row; `count()` and
/// `sum()` look at all rows. A rule whose inputs are blank or unreadable is skipped: those fields already carry
/// their own issues, and a rule should not pile a second, misleading one on top.
struct RuleEvaluator {
    let form: FormTemplate
    let fields: [FieldResult]
    let position: [String: Int]
    let today: CivilDate

    struct Failure {
        var message: String
        var paths: [String]
    }

    func value(_ path: String) -> FieldValue {
        position[path].map { fields[$0].value } ?? .empty
    }

    /// The group a declared path belongs to, if any.
    func group(of path: String) -> RepeatGroup? {
        guard let dot = path.firstIndex(of: ".") else { return nil }
        let name = String(path[..<dot])
        guard let group = form.group(named: name), group.fields.contains(where: { "\(name).\($0.name)" == path }) else {
            return nil
        }
        return group
    }

    /// `children.birth` in row 2 → `children[2].birth`; top-level paths unchanged.
    func concrete(_ path: String, row: Int?) -> String {
        guard let row, let group = group(of: path) else { return path }
        return "\(group.name)[\(row)]" + path.dropFirst(group.name.count)
    }

    func rows(for paths: [String]) -> [Int?] {
        guard let group = paths.lazy.compactMap({ group(of: $0) }).first else { return [nil] }
        return (0..<group.count).map { $0 }
    }

    func failures(of rule: Rule) -> [Failure] {
        var result: [Failure] = []
        switch rule.kind {
        case .require(let field, let condition):
            for row in rows(for: [field, condition.field].filter { !$0.isEmpty }) {
                let target = concrete(field, row: row)
                var holds = true
                var paths = [target]
                switch condition {
                case .always: break
                case .present(let path):
                    let v = value(concrete(path, row: row))
                    holds = !v.isEmpty && v != .flag(false)
                    paths.append(concrete(path, row: row))
                case .equals(let path, let expected):
                    let v = value(concrete(path, row: row))
                    if case .choices(let chosen) = v {
                        holds = chosen.contains(expected)
                    } else {
                        holds = v.textValue == expected
                    }
                    paths.append(concrete(path, row: row))
                }
                if holds && value(target).isEmpty {
                    let message = rule.message ?? "\(label(field)) is required when \(describe(condition))"
                    result.append(Failure(message: message, paths: paths))
                }
            }
        case .compare(let left, let op, let right):
            let fieldPaths = (left.rowPaths + right.rowPaths)
            for row in rows(for: fieldPaths) {
                guard let l = number(left, row: row), let r = number(right, row: row) else { continue }
                if !op.holds(l, r) {
                    let paths = (left.fieldPaths + right.fieldPaths).flatMap { allPaths($0, row: row) }
                    let message = rule.message ?? "\(describe(left)) \(op.rawValue) \(describe(right)) does not hold"
                    result.append(Failure(message: message, paths: paths))
                }
            }
        case .equal(let paths, let fold):
            for row in rows(for: paths) {
                let concretePaths = paths.map { concrete($0, row: row) }
                let values = concretePaths.map { value($0) }.filter { !$0.isEmpty }.map { folded($0.textValue, fold) }
                if values.count >= 2, Set(values).count > 1 {
                    let message = rule.message ?? "\(paths.map(label).joined(separator: " and ")) must be the same"
                    result.append(Failure(message: message, paths: concretePaths))
                }
            }
        }
        return result
    }

    /// Every concrete path of a declared path: one per row for group fields used in count/sum, else one.
    func allPaths(_ path: String, row: Int?) -> [String] {
        if row == nil, let group = group(of: path) {
            return (0..<group.count).map { concrete(path, row: $0) }
        }
        return [concrete(path, row: row)]
    }

    func number(_ operand: Operand, row: Int?) -> Double? {
        switch operand {
        case .number(let n): return n
        case .today(let offset): return Double(today.daysSinceEpoch) + offset
        case .field(let path, let offset):
            switch value(concrete(path, row: row)) {
            case .date(let d): return Double(d.daysSinceEpoch) + offset
            case .number(let s), .text(let s): return Double(s).map { $0 + offset }
            default: return nil
            }
        case .count(let path):
            return Double(allPaths(path, row: nil).filter { !value($0).isEmpty && value($0) != .flag(false) }.count)
        case .sum(let paths):
            var total = 0.0
            for path in paths {
                for concretePath in allPaths(path, row: nil) {
                    switch value(concretePath) {
                    case .number(let s), .text(let s): total += Double(s) ?? 0
                    case .flag(let b): total += b ? 1 : 0
                    default: continue
                    }
                }
            }
            return total
        }
    }

    func folded(_ text: String, _ fold: Folding) -> String {
        switch fold {
        case .none: text
        case .nfkc: TextFolding.removingSpaces(TextFolding.nfkc(text))
        case .kana: TextFolding.katakana(TextFolding.removingSpaces(TextFolding.nfkc(text)))
        case .zengin: ZenginKana.standard.fold(text).text.replacingOccurrences(of: " ", with: "")
        }
    }

    func label(_ path: String) -> String { form.field(named: path)?.label ?? path }

    func describe(_ condition: Condition) -> String {
        switch condition {
        case .always: "always"
        case .present(let path): "\(label(path)) is filled in"
        case .equals(let path, let value): "\(label(path)) is \(value)"
        }
    }

    func describe(_ operand: Operand) -> String {
        func offsetText(_ offset: Double) -> String {
            offset == 0 ? "" : (offset > 0 ? " + " : " - ") + TemplateRect.format(abs(offset))
        }
        switch operand {
        case .number(let n): return TemplateRect.format(n)
        case .today(let offset): return "today" + offsetText(offset)
        case .field(let path, let offset): return label(path) + offsetText(offset)
        case .count(let path): return "the number of \(label(path))"
        case .sum(let paths): return "the sum of " + paths.map(label).joined(separator: ", ")
        }
    }
}

extension Operand {
    /// Paths that make a comparison run row by row (fields, but not aggregates).
    var rowPaths: [String] {
        if case .field(let path, _) = self { return [path] }
        return []
    }
}
