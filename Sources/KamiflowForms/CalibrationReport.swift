import Foundation

/// The calibration curve as HTML: per field type, how often a value read with each confidence was wrong, drawn as
/// an inline SVG chart (no script, no library: the file opens anywhere, offline), with the floor marked and what it
/// does stated in words. `kamiflow calibrate --html` writes it as a page, `kamiflow eval --html` as a section.
public enum CalibrationReport {
    /// What the floors are, for the words around the charts.
    public enum Floors: Sendable {
        /// Chosen by `kamiflow calibrate` for the target.
        case chosen
        /// The workflow's own (`review.floors`, else `below_confidence`), as `kamiflow eval` ran it.
        case workflow
    }

    /// A whole page for `kamiflow calibrate --html`.
    public static func page(_ calibration: Calibration, workflow: String, scans: Int) -> String {
        """
        <!DOCTYPE html>
        <html lang="ja"><head><meta charset="utf-8"><title>Kamiflow calibration: \(escape(workflow))</title>
        <style>\(style)</style></head><body>
        <h1>Calibration of <code>\(escape(workflow))</code></h1>
        <p>\(scans) labelled scans, \(calibration.fields) filled fields read with a confidence.</p>
        \(section(calibration, floors: .chosen))
        <h2>For the workflow file</h2>
        <pre>\(escape(calibration.yaml))</pre>
        </body></html>

        """
    }

    /// The CSS the charts and tables need (the eval report includes it in its own).
    public static let style = """
        body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}\
        td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}td.n{text-align:right}\
        .curve{margin:1.5em 0 2.5em}.curve svg{display:block;margin:.5em 0}.summary{font-size:1.05em}\
        tr.through td{background:#eef8f0}tr.review td{background:#fdf5e4}code{background:#f4f4f4;padding:0 .3em}
        """

    /// The section: how to read the charts, the totals, then one chart and one table per field type.
    public static func section(_ calibration: Calibration, floors: Floors) -> String {
        let which =
            switch floors {
            case .chosen:
                "the floor <code>kamiflow calibrate</code> chose: the lowest that keeps the type's silent errors at "
                    + "most \(Calibration.percentText(calibration.target)) of its filled fields"
            case .workflow:
                "the workflow's floor for the type (<code>review.floors</code>, else <code>below_confidence</code>; "
                    + "a field with a floor of its own is counted here at its type's)"
            }
        var html = """
            <h2>Confidence against errors</h2>
            <p>Each bar is a band of confidence. Its height is the share of the fields read with that confidence that \
            were wrong; the label above it gives the share and the counts (wrong of read). The dashed red line is \
            \(which). Fields at or above it (green) go straight through unless something else flags them (a check \
            digit, a rule, master data); fields below it (amber) go to a person. A <b>silent error</b> is a wrong value \
            that goes straight through with no issue on it: nobody is asked to look at it.</p>
            <p class="summary">All types: <b>\(calibration.straightThrough) of \(calibration.fields)</b> filled fields \
            straight through (\(share(calibration.straightThrough, of: calibration.fields))), \
            <b>\(calibration.silentErrors)</b> silent errors (\(share(calibration.silentErrors, of: calibration.fields)) \
            of the filled fields; target at most \(Calibration.percentText(calibration.target))).</p>

            """
        for type in calibration.types { html += curve(type) }
        return html
    }

    /// One type: its chart, what the floor does, and the bands as a table.
    static func curve(_ type: Calibration.TypeFloor) -> String {
        let floor = Int(type.floor)
        var rows = ""
        for band in type.bands {
            // Counted from the confidences themselves: a band the floor cuts may still lie all on one side of it.
            let above = type.levels.filter {
                (band.lower...band.upper).contains($0.confidence) && $0.confidence >= floor
            }
            .reduce(0) { $0 + $1.fields }
            let routed =
                above == band.fields
                ? "straight through" : above == 0 ? "to a person" : "\(above) straight through, the rest to a person"
            let cls = above == band.fields ? "through" : above == 0 ? "review" : ""
            rows += """
                <tr class="\(cls)"><td>\(band.name)</td><td class="n">\(band.fields)</td><td class="n">\(band.wrong)</td>\
                <td class="n">\(EvaluationReport.percent(band.errorRate))</td><td class="n">\(band.silent)</td>\
                <td>\(routed)</td></tr>

                """
        }
        return """
            <div class="curve" id="type-\(escape(type.type))">
            <h3><code>\(escape(type.type))</code>: \(type.fields) filled fields, floor \(floor)</h3>
            \(chart(type))
            <p class="summary">At the floor \(floor): <b>\(type.straightThrough) of \(type.fields)</b> go straight \
            through (\(share(type.straightThrough, of: type.fields))); <b>\(type.silentErrors)</b> silent errors \
            (\(share(type.silentErrors, of: type.fields)) of the type's filled fields; the target allows \
            \(String(format: "%.2f", type.budget))).</p>
            <table><tr><th>confidence</th><th>fields</th><th>wrong</th><th>error rate</th>\
            <th>wrong, no other issue</th><th>at this floor</th></tr>
            \(rows)</table>
            </div>

            """
    }

    /// The chart of one type as SVG: confidence 0–100 across, the share wrong up (scaled to the largest band's, so
    /// that rates of a few percent are not flat), a bar per band, the floor as a dashed line.
    static func chart(_ type: Calibration.TypeFloor) -> String {
        let width = 640.0, height = 300.0
        let left = 64.0, right = 16.0, top = 44.0, bottom = 48.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let bands = type.bands
        let highest = bands.map(\.errorRate).max() ?? 0
        let scale = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1].first { $0 >= highest } ?? 1
        func x(_ confidence: Double) -> Double { left + plotWidth * min(100, max(0, confidence)) / 100 }
        func y(_ rate: Double) -> Double { top + plotHeight * (1 - rate / scale) }
        func n(_ value: Double) -> String { String(format: "%.1f", value) }
        let floor = type.floor
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" role="img" font-family="sans-serif" font-size="11">
            <title>\(escape(type.type)): share of fields wrong by confidence, floor \(Int(floor))</title>
            <rect x="\(n(left))" y="\(n(top))" width="\(n(plotWidth))" height="\(n(plotHeight))" fill="#fafafa" \
            stroke="#999"/>

            """
        // The share wrong: four steps of the scale, labelled.
        for step in 0...4 {
            let rate = scale * Double(step) / 4
            svg += """
                <line x1="\(n(left))" x2="\(n(left + plotWidth))" y1="\(n(y(rate)))" y2="\(n(y(rate)))" \
                stroke="#ddd"/><text x="\(n(left - 6))" y="\(n(y(rate) + 4))" text-anchor="end">\
                \(EvaluationReport.percent(rate))</text>

                """
        }
        // Confidence, every ten.
        for tick in stride(from: 0, through: 100, by: 10) {
            svg += """
                <text x="\(n(x(Double(tick))))" y="\(n(top + plotHeight + 16))" text-anchor="middle">\(tick)</text>

                """
        }
        svg += """
            <text x="\(n(left + plotWidth / 2))" y="\(n(height - 8))" text-anchor="middle">confidence read</text>
            <text transform="translate(14 \(n(top + plotHeight / 2))) rotate(-90)" text-anchor="middle">share wrong\
            </text>

            """
        // The labels go on last, over the floor line, each with a halo of the background.
        var labels = ""
        for band in bands {
            let from = x(Double(band.lower)) + 1
            let to = x(Double(band.upper == 100 ? 100 : band.upper + 1)) - 1
            // A band with no error still shows, as a sliver on the axis: fields were read there.
            let barTop = min(y(band.errorRate), y(0) - 2)
            let floorX = min(max(x(floor), from), to)
            for (start, end, colour) in [(from, floorX, "#e0a030"), (floorX, to, "#3a9d5d")] where end > start {
                svg += """
                    <rect x="\(n(start))" y="\(n(barTop))" width="\(n(end - start))" height="\(n(y(0) - barTop))" \
                    fill="\(colour)"/>

                    """
            }
            labels += """
                <text x="\(n((from + to) / 2))" y="\(n(barTop - 16))" text-anchor="middle" \
                stroke="#fafafa" stroke-width="3" paint-order="stroke">\(EvaluationReport.percent(band.errorRate))</text>\
                <text x="\(n((from + to) / 2))" y="\(n(barTop - 4))" text-anchor="middle" fill="#555" \
                stroke="#fafafa" stroke-width="3" paint-order="stroke">\(band.wrong)/\(band.fields)</text>

                """
        }
        svg += """
            <line x1="\(n(x(floor)))" x2="\(n(x(floor)))" y1="\(n(top - 26))" y2="\(n(top + plotHeight))" \
            stroke="#c00" stroke-width="2" stroke-dasharray="6 4"/>
            <text x="\(n(x(floor) + (floor > 85 ? -4 : 4)))" y="\(n(top - 30))" fill="#c00" font-weight="bold" \
            text-anchor="\(floor > 85 ? "end" : "start")">floor \(Int(floor))</text>
            \(labels)</svg>
            """
        return svg
    }

    static func share(_ part: Int, of whole: Int) -> String {
        EvaluationReport.percent(whole == 0 ? 0 : Double(part) / Double(whole))
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
