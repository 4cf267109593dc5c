import Foundation
public import KamiflowCore

extension DeliveryMapping {
    /// The payload for `record` as one request (the first of ``requests(for:in:)`` for a `for_each` mapping).
    public func request(for record: FormRecord, in workflow: Workflow) throws -> DeliveryRequest {
        if forEach != nil, let first = try requests(for: record, in: workflow).first { return first }
        return try request(for: record, row: nil, in: workflow)
    }

    /// The payloads for `record`, ready for the connector: one, or with `for_each` one per filled row of the group.
    /// Fields come in mapping order with code tables, foldings and date formats applied, group fields flattened or
    /// as JSON arrays, counts computed, `sensitive` carried over, and each payload's idempotency key.
    ///
    /// Throws `delivery` when a value has no entry in its code table: passing an unmapped value on would put
    /// garbage into a core system, so the record goes back to a person instead. The message names the field, never
    /// the value.
    public func requests(for record: FormRecord, in workflow: Workflow) throws -> [DeliveryRequest] {
        guard let forEach, let group = workflow.form.group(named: forEach) else {
            return [try request(for: record, row: nil, in: workflow)]
        }
        var result: [DeliveryRequest] = []
        for row in 0..<group.count where Self.rowIsFilled(row, of: group, in: record) {
            result.append(try request(for: record, row: row, in: workflow))
        }
        return result
    }

    /// A row counts as filled when any of its fields other than checkboxes holds a value (an unticked box is not
    /// writing).
    static func rowIsFilled(_ row: Int, of group: RepeatGroup, in record: FormRecord) -> Bool {
        group.fields.contains { spec in
            guard spec.type != .checkbox else { return false }
            return !(record["\(group.name)[\(row)].\(spec.name)"]?.value ?? .empty).isEmpty
        }
    }

    func request(for record: FormRecord, row: Int?, in workflow: Workflow) throws -> DeliveryRequest {
        var payload: [PayloadField] = []
        for mapped in fields {
            switch mapped.source {
            case .constant(let value):
                payload.append(PayloadField(name: mapped.name, value: value))
            case .count(let count):
                let n = Self.count(count, in: record, workflow: workflow)
                payload.append(PayloadField(name: mapped.name, value: String(n * (count.times ?? 1))))
            case .field(let source):
                let sensitive = ([source] + source.otherwise).contains {
                    workflow.form.field(named: $0.path)?.sensitive ?? false
                }
                if let (group, rest) = Self.groupField(source.path, in: workflow), group.name != forEach || row == nil {
                    let values = try (0..<group.count).map { row -> String? in
                        try text(of: record["\(group.name)[\(row)].\(rest)"]?.value ?? .empty, source, mapped)
                    }
                    switch source.each {
                    case .flatten:
                        for (row, value) in values.enumerated() {
                            payload.append(
                                PayloadField(name: "\(mapped.name)_\(row + 1)", value: value, sensitive: sensitive))
                        }
                    case .array:
                        let present = values.compactMap { $0 }
                        let data = try JSONSerialization.data(
                            withJSONObject: present, options: [.withoutEscapingSlashes])
                        payload.append(
                            PayloadField(
                                name: mapped.name, value: String(decoding: data, as: UTF8.self), sensitive: sensitive))
                    }
                } else {
                    let value = try resolve(source, record: record, row: row, workflow: workflow, mapped)
                    payload.append(PayloadField(name: mapped.name, value: value, sensitive: sensitive))
                }
            }
        }
        let key = row.map { "\(record.idempotencyKey)-\(forEach ?? "row")\($0 + 1)" } ?? record.idempotencyKey
        return DeliveryRequest(idempotencyKey: key, workflow: workflow.id, resource: resource, payload: payload)
    }

    /// The group and the field's name inside it when `path` is a group field (`persons.name`).
    static func groupField(_ path: String, in workflow: Workflow) -> (RepeatGroup, Substring)? {
        guard let dot = path.firstIndex(of: "."), let group = workflow.form.group(named: String(path[..<dot])) else {
            return nil
        }
        let rest = path[path.index(after: dot)...]
        guard group.fields.contains(where: { $0.name == rest }) else { return nil }
        return (group, rest)
    }

    /// The value of one source for this payload: the row's value for the `for_each` group's fields, then the `or:`
    /// alternatives in order when it is empty.
    func resolve(
        _ source: MappedField.FieldSource, record: FormRecord, row: Int?, workflow: Workflow, _ mapped: MappedField
    ) throws -> String? {
        var path = source.path
        if let row, let (group, rest) = Self.groupField(path, in: workflow), group.name == forEach {
            path = "\(group.name)[\(row)].\(rest)"
        }
        if let text = try text(of: record[path]?.value ?? .empty, source, mapped) { return text }
        for alternative in source.otherwise {
            if let text = try resolve(alternative, record: record, row: row, workflow: workflow, mapped) { return text }
        }
        return nil
    }

    /// Filled rows of a group field, leaving out rows whose `unless` checkbox is ticked.
    static func count(_ count: MappedField.CountSource, in record: FormRecord, workflow: Workflow) -> Int {
        guard let (group, rest) = groupField(count.path, in: workflow) else { return 0 }
        let unless = count.unless.flatMap { groupField($0, in: workflow)?.1 }
        return (0..<group.count).filter { row in
            guard !(record["\(group.name)[\(row)].\(rest)"]?.value ?? .empty).isEmpty else { return false }
            if let unless, case .flag(true) = record["\(group.name)[\(row)].\(unless)"]?.value { return false }
            return true
        }.count
    }

    /// One value as payload text; `nil` for an empty field.
    func text(of value: FieldValue, _ source: MappedField.FieldSource, _ mapped: MappedField) throws -> String? {
        var text: String
        switch value {
        case .empty: return nil
        case .date(let date):
            text = Self.format(date, source.format ?? .iso)
        case .parts(let parts):
            if let part = source.part {
                guard let value = parts[part] else { return nil }
                text = value
            } else {
                text = value.textValue
            }
        case .choices(let chosen):
            guard !chosen.isEmpty else { return nil }
            if let codes = source.codes {
                return try chosen.map { try code(for: $0, in: codes, mapped) }.joined(separator: ",")
            }
            return chosen.joined(separator: ",")
        default:
            text = value.textValue
        }
        if let fold = source.fold { text = fold.apply(to: text) }
        if let codes = source.codes { return try code(for: text, in: codes, mapped) }
        return text
    }

    /// A date as `format` writes it.
    static func format(_ date: CivilDate, _ format: DateFormat) -> String {
        switch format {
        case .iso: date.description
        case .yyyymmdd: date.description.replacingOccurrences(of: "-", with: "")
        case .wareki: Wareki.code(date) ?? date.description
        case .warekiText: Wareki.format(date) ?? date.description
        }
    }

    func code(for value: String, in codes: [String: String], _ mapped: MappedField) throws -> String {
        guard let code = codes[value] else {
            throw KamiflowError(
                .delivery,
                "payload field '\(mapped.name)': the value of '\(mappedPath(mapped))' has no entry in its code table",
                subject: "\(mapped.location)")
        }
        return code
    }

    func mappedPath(_ mapped: MappedField) -> String {
        switch mapped.source {
        case .field(let source): source.path
        case .count(let count): count.path
        case .constant: mapped.name
        }
    }
}

extension ValueFolding {
    /// `text` folded.
    func apply(to text: String) -> String {
        switch self {
        case .katakana: TextFolding.katakana(text)
        case .hiragana: TextFolding.hiragana(text)
        case .zengin: ZenginKana.standard.fold(text).text
        }
    }
}

extension Workflow {
    /// The requests of every `deliver:` entry for `record` (one per entry, or one per filled row with `for_each`),
    /// each paired with the connection it goes to.
    public func deliveryRequests(for record: FormRecord) throws -> [(connection: String, request: DeliveryRequest)] {
        try deliveries.flatMap { mapping in
            try mapping.requests(for: record, in: self).map { (mapping.connection, $0) }
        }
    }
}
