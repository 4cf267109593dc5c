import Foundation

/// The read-only page at `/`: what arrived, per business, for a person watching a demo or a test run.
///
/// Everything is HTML-escaped (names come from paper and OCR) and マイナンバー and account numbers are masked to
/// their last four digits: the page is for seeing that records arrived, not for reading personal data.
enum StatusPage {
    static let maskedFields: Set<String> = [
        "kojin_bango", "haigusha_kojin_bango", "setainushi_kojin_bango", "koza_bango",
    ]

    static func mask(_ value: String) -> String {
        "********" + String(value.suffix(4))
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func render(_ simulator: CoreSimulator) throws -> String {
        let counts = try simulator.store.counts()
        var html = """
            <!doctype html>
            <html lang="ja"><head><meta charset="utf-8"><title>Kamiflow core-sim</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}
            td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}th{background:#eee}</style></head><body>
            <h1>Kamiflow 基幹系シミュレータ</h1>
            <p>Read-only. マイナンバー and account numbers are masked. API: <a href="/openapi.json">/openapi.json</a></p>

            """
        for name in simulator.document.resourceNames {
            let schema = simulator.document.resources[name]!
            let records = try simulator.store.records(resource: name, limit: 100)
            html += "<h2>\(escape(schema.title)) <small>(\(escape(name)): \(counts[name] ?? 0))</small></h2>\n"
            guard !records.isEmpty else {
                html += "<p>Nothing yet.</p>\n"
                continue
            }
            let columns = schema.required + schema.properties.keys.filter { !schema.required.contains($0) }.sorted()
            html += "<table><tr><th>id</th><th>received</th>"
            html += columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
            for record in records {
                html += "<tr><td>\(escape(record.id))</td><td>\(escape(record.receivedAt))</td>"
                for column in columns {
                    let value = record.fields[column] ?? ""
                    html += "<td>\(escape(maskedFields.contains(column) && !value.isEmpty ? mask(value) : value))</td>"
                }
                html += "</tr>\n"
            }
            html += "</table>\n"
        }
        return html + "</body></html>\n"
    }
}
