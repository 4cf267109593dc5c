public import Foundation
import KamiflowCore
import KamiflowWorkflow

/// The three ways `kamiflow eval` shows its result: a table for the terminal, JSON for tools, HTML for people.
public enum EvaluationReport {
    static func percent(_ x: Double) -> String {
        let scaled = (x * 10000).rounded() / 100
        return String(format: "%.2f%%", scaled)
    }

    /// A fixed-width table: per field, per type, then the summary lines the issue's targets are stated in.
    public static func table(_ r: EvaluationResult) -> String {
        var lines: [String] = []
        func row(_ name: String, _ t: Tally) -> String {
            let padded =
                name.count >= 34
                ? String(name.prefix(33)) + "…" : name.padding(toLength: 34, withPad: " ", startingAt: 0)
            let n = String(t.total).leftPadded(7), ok = String(t.correct).leftPadded(8)
            return "\(padded)\(n)\(ok)  \(percent(t.accuracy).leftPadded(8))"
        }
        lines.append("workflow \(r.workflow): \(r.scans) scans, \(r.forms) forms, \(r.formsNotExtracted) not extracted")
        lines.append("")
        lines.append("field".padding(toLength: 34, withPad: " ", startingAt: 0) + "      n  correct  accuracy")
        for path in r.byField.keys.sorted() { lines.append(row(path, r.byField[path]!)) }
        lines.append("")
        lines.append("type".padding(toLength: 34, withPad: " ", startingAt: 0) + "      n  correct  accuracy")
        for type in r.byType.keys.sorted() { lines.append(row(type, r.byType[type]!)) }
        lines.append("")
        lines.append(row("printed fields (OCR)", r.printed))
        lines.append(row("checkboxes and choices (marks)", r.marks))
        lines.append(row("all fields", r.overall))
        lines.append("")
        lines.append(
            "straight-through forms   \(r.straightThroughForms) of \(r.forms) (\(percent(r.straightThroughRate)))")
        lines.append(
            "  without review.always  \(r.straightThroughFormsWithoutAlways) of \(r.forms) "
                + "(\(percent(r.straightThroughRateWithoutAlways)))")
        lines.append(
            "fields without an issue  \(r.unflaggedFields) of \(r.overall.total) (\(percent(r.unflaggedFieldRate)))")
        lines.append(
            "  filled fields          \(r.unflaggedFilledFields) of \(r.filledFields) "
                + "(\(percent(r.unflaggedFilledFieldRate))) go straight through")
        lines.append(
            "silent errors            \(r.silentErrors) of \(r.overall.total) fields (\(percent(r.silentErrorRate))): "
                + "wrong with no issue on the field; \(r.silentErrorsDelivered) in straight-through forms "
                + "(\(percent(r.silentErrorRateAmongStraightThrough)) of their \(r.straightThroughFields) fields)")
        lines.append(
            "planted defects          \(r.defects.count), caught \(r.defectsCaught), missed \(r.defectsMissed)")
        var missedKinds: [String: Int] = [:]
        for d in r.defects where !d.caught { missedKinds[d.defect.kind.rawValue, default: 0] += 1 }
        for (kind, n) in missedKinds.sorted(by: { $0.key < $1.key }) { lines.append("  missed \(kind): \(n)") }
        if !r.flaggedByField.isEmpty {
            let top = r.flaggedByField.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(8)
            lines.append("most flagged fields      " + top.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            let codes = r.issuesByCode.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            lines.append("issues on fields         " + codes.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !r.doubts.isEmpty {
            let doubts = r.doubts.sorted { ($1.value.total, $0.key) < ($0.value.total, $1.key) }
            lines.append(
                "doubts (right of all)    "
                    + doubts.map { "\($0.key) \($0.value.correct) of \($0.value.total)" }.joined(separator: ", "))
        }
        for failure in r.failures.prefix(10) { lines.append("failed: \(failure)") }
        return lines.joined(separator: "\n")
    }

    /// Every number, every wrong field and every right field with an issue; crops stay in the HTML report (tools
    /// want the numbers, and the crops would make the file a hundred times larger).
    public static func json(_ r: EvaluationResult) throws -> Data {
        var r = r
        for i in r.wrong.indices { r.wrong[i].crop = nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(r)
    }

    /// A self-contained HTML page: the summary, the tables, the calibration curve of each field type at the
    /// workflow's floors (when `calibration` is given), and every wrong field with its crop beside what was read and
    /// what was printed.
    public static func html(_ r: EvaluationResult, calibration: Calibration? = nil) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        // Rows with wrong values are marked, except for doubts, where a wrong value is one the doubt caught.
        func tallyRows(_ tallies: [String: Tally], marksWrong: Bool = true) -> String {
            tallies.keys.sorted().map { key in
                let t = tallies[key]!
                let cls = t.correct == t.total || !marksWrong ? "" : " class=\"bad\""
                return "<tr\(cls)><td>\(esc(key))</td><td>\(t.total)</td><td>\(t.correct)</td>"
                    + "<td>\(percent(t.accuracy))</td></tr>"
            }.joined(separator: "\n")
        }
        var html = """
            <!DOCTYPE html>
            <html lang="ja"><head><meta charset="utf-8"><title>Kamiflow evaluation: \(esc(r.workflow))</title>
            <style>
            body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
            td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}tr.bad td{background:#fee}
            .card{border:1px solid #ccc;margin:.8em 0;padding:.6em;display:flex;gap:1.2em;align-items:flex-start}
            .card img{max-width:640px;border:1px solid #999}.silent{border-color:#c00;border-width:2px}
            code{background:#f4f4f4;padding:0 .3em}
            \(CalibrationReport.style)
            </style></head><body>
            <h1>Evaluation of <code>\(esc(r.workflow))</code></h1>
            <table>
            <tr><th>scans</th><td>\(r.scans)</td></tr><tr><th>forms</th><td>\(r.forms)</td></tr>
            <tr><th>not extracted</th><td>\(r.formsNotExtracted)</td></tr>
            <tr><th>printed fields (OCR)</th><td>\(percent(r.printed.accuracy)) of \(r.printed.total)</td></tr>
            <tr><th>checkboxes and choices</th><td>\(percent(r.marks.accuracy)) of \(r.marks.total)</td></tr>
            <tr><th>all fields</th><td>\(percent(r.overall.accuracy)) of \(r.overall.total)</td></tr>
            <tr><th>straight-through forms</th><td>\(r.straightThroughForms) (\(percent(r.straightThroughRate)))</td></tr>
            <tr><th>straight-through forms without <code>review.always</code></th>\
            <td>\(r.straightThroughFormsWithoutAlways) (\(percent(r.straightThroughRateWithoutAlways)))</td></tr>
            <tr><th>filled fields without an issue</th>\
            <td>\(r.unflaggedFilledFields) of \(r.filledFields) (\(percent(r.unflaggedFilledFieldRate)))</td></tr>
            <tr><th>fields without an issue</th><td>\(r.unflaggedFields) (\(percent(r.unflaggedFieldRate)))</td></tr>
            <tr><th>silent errors (wrong, no issue on the field)</th><td>\(r.silentErrors) \
            (\(percent(r.silentErrorRate)) of fields); \(r.silentErrorsDelivered) in straight-through forms</td></tr>
            <tr><th>planted defects</th><td>\(r.defects.count): caught \(r.defectsCaught), missed \(r.defectsMissed)</td></tr>
            </table>
            <h2>By type</h2><table><tr><th>type</th><th>n</th><th>correct</th><th>accuracy</th></tr>
            \(tallyRows(r.byType))</table>
            <h2>By field</h2><table><tr><th>field</th><th>n</th><th>correct</th><th>accuracy</th></tr>
            \(tallyRows(r.byField))</table>
            \(r.doubts.isEmpty ? "" : "<h2>Why the reader doubted (right of all)</h2><table><tr><th>doubt</th><th>n</th>"
                + "<th>right</th><th>share right</th></tr>\n\(tallyRows(r.doubts, marksWrong: false))</table>")
            \(calibration.map { CalibrationReport.section($0, floors: .workflow) } ?? "")
            <h2>Wrong fields (\(r.wrong.count))</h2>

            """
        for w in r.wrong {
            let image = w.crop.map { "<img alt=\"crop\" src=\"data:image/png;base64,\($0)\">" } ?? "<p>(no crop)</p>"
            html += """
                <div class="card\(w.isSilentError ? " silent" : "")">\(image)<div>
                <p><b>\(esc(w.path))</b> (\(esc(w.type.rawValue))) in <code>\(esc(w.file))</code> page \(w.page + 1)\
                \(w.isSilentError ? " — <b>silent error</b>" : "")</p>
                <p>printed: <code>\(esc(w.expected))</code></p>
                <p>read: <code>\(esc(w.read ?? "(missing)"))</code>\(w.raw.map { " raw <code>\(esc($0))</code>" } ?? "")\
                \(w.confidence.map { String(format: " confidence %.0f", $0) } ?? "")</p>
                <p>issues: \(w.issues.isEmpty ? "none" : esc(w.issues.joined(separator: "; ")))</p>
                </div></div>

                """
        }
        let missed = r.defects.filter { !$0.caught }
        if !missed.isEmpty {
            html += "<h2>Missed defects</h2><ul>\n"
            for d in missed {
                html +=
                    "<li><code>\(esc(d.file))</code> page \(d.page + 1): \(esc(d.defect.kind.rawValue)) in "
                    + "<code>\(esc(d.defect.field))</code></li>\n"
            }
            html += "</ul>\n"
        }
        html += "</body></html>\n"
        return html
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
