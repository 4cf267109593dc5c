import Foundation
import KamiflowCore

extension DeliveryMapping {
    /// The payload for `record`, ready for the connector: fields in mapping order, code tables and date formats
    /// applied, group fields flattened or as JSON arrays, `sensitive` carried over, and the record's idempotency key.
    ///
    /// Throws `delivery` when a value has no entry in its code table: passing an unmapped value on would put
    /// garbage into a core system, so the record goes back to a person instead. The message names the field, never
    /// the value.
    public func request(for record: FormRecord, in workflow: Workflow) throws -> DeliveryRequest {
        var payload: [PayloadField] = []
        for mapped in fields {
            switch mapped.source {
            case .constant(let value):
                payload.append(PayloadField(name: mapped.name, value: value))
            case .field(let source):
                let spec = workflow.form.field(named: source.path)
                let sensitive = spec?.sensitive ?? false
                if let dot = source.path.firstIndex(of: "."), let group = workflow.form.group(named: String(source.path[..<dot])),
                    group.fields.contains(where: { "\(group.name).\($0.name)" == source.path })
                {
                    let rest = source.path[source.path.index(after: dot)...]
                    let values = try (0..<group.count).map { row -> String? in
                        try text(of: record["\(group.name)[\(row)].\(rest)"]?.value ?? .empty, source, mapped)
                    }
                    switch source.each {
                    case .flatten:
                        for (row, value) in values.enumerated() {
                            payload.append(PayloadField(name: "\(mapped.name)_\(row + 1)", value: value, sensitive: sensitive))
                        }
                    case .array:
                        let present = values.compactMap { $0 }
                        let data = try JSONSerialization.data(withJSONObject: present, options: [.withoutEscapingSlashes])
                        payload.append(
                            PayloadField(name: mapped.name, value: String(decoding: data, as: UTF8.self), sensitive: sensitive))
                    }
                } else {
                    let value = try text(of: record[source.path]?.value ?? .empty, source, mapped)
                    payload.append(PayloadField(name: mapped.name, value: value, sensitive: sensitive))
                }
            }
        }
        return DeliveryRequest(
            idempotencyKey: record.idempotencyKey, workflow: workflow.id, resource: resource, payload: payload)
    }

    /// One value as payload text; `nil` for an empty field.
    func text(of value: FieldValue, _ source: MappedField.FieldSource, _ mapped: MappedField) throws -> String? {
        var text: String
        switch value {
        case .empty: return nil
        case .date(let date):
            switch source.format ?? .iso {
            case .iso: text = date.description
            case .yyyymmdd: text = date.description.replacingOccurrences(of: "-", with: "")
            case .wareki: text = Wareki.code(date) ?? date.description
            case .warekiText: text = Wareki.format(date) ?? date.description
            }
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
        if let codes = source.codes { return try code(for: text, in: codes, mapped) }
        return text
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
        if case .field(let source) = mapped.source { return source.path }
        return mapped.name
    }
}

extension Workflow {
    /// One request per `deliver:` entry for `record`, paired with the connection it goes to.
    public func deliveryRequests(for record: FormRecord) throws -> [(connection: String, request: DeliveryRequest)] {
        try deliveries.map { ($0.connection, try $0.request(for: record, in: self)) }
    }
}
