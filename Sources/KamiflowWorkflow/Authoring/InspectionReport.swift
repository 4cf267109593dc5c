import Foundation
import KamiflowCore

/// Writes a ``PageInspection`` for people (text) and as workflow snippets (YAML).
public struct InspectionReport: Sendable {
    public var inspections: [PageInspection]
    /// Where the resolution came from, for the header: `recorded in the file`, `given with --dpi`, or an assumption.
    public var resolutionNote: String
    /// The file inspected, for the header.
    public var source: String
    /// The margin between a printed cell and the zone read inside it (a workflow's `cell_margin`).
    public var cellMargin: Double

    public init(inspections: [PageInspection], source: String, resolutionNote: String, cellMargin: Double = 1.5) {
        self.inspections = inspections
        self.source = source
        self.resolutionNote = resolutionNote
        self.cellMargin = cellMargin
    }

    static func f(_ v: Double) -> String { TemplateRect.format((v * 10).rounded() / 10) }
    static func r(_ rect: TemplateRect) -> String {
        "[\([rect.x, rect.y, rect.width, rect.height].map(f).joined(separator: ", "))]"
    }
    static func quoted(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                !":#{}[],&*!|>'\"%@`-?".unicodeScalars.contains(scalar) && scalar != " "
            }
        if plain { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }

    func header(_ page: PageInspection) -> [String] {
        var lines = [
            "\(source) — page \(page.page) of \(inspections.count): \(Self.f(page.widthMM)) × \(Self.f(page.heightMM)) mm "
                + "(\(page.pixelWidth) × \(page.pixelHeight) px at \(Self.f(page.dpi)) dpi, \(resolutionNote))",
            "Origin: the top-left corner of the page as scanned (after deskewing\(page.skewDegrees.map { " by \(String(format: "%.2f", $0))°" } ?? "")); "
                + "x to the right, y down, in millimetres; rectangles are [x, y, width, height].",
        ]
        if page.registrationMarks.isEmpty {
            lines.append("Registration marks: none found.")
        } else {
            lines.append("Registration marks: \(page.registrationMarks.map(Self.r).joined(separator: " "))")
        }
        lines.append("Border: \(page.border.map(Self.r) ?? "none found")")
        lines.append(
            "Zones in a workflow are relative to the template, whose origin is the page corner: on a scan of the blank "
                + "form as it is printed, these coordinates are the template's.")
        return lines
    }

    /// A readable listing: boxes, character rows and words, one per line.
    public var text: String {
        var out: [String] = []
        for page in inspections {
            out += header(page)
            out.append("")
            out.append("Boxes (\(page.boxes.count)):")
            for (i, box) in page.boxes.enumerated() {
                out.append(
                    "  \(String(format: "%3d", i + 1))  \(box.kind.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) "
                        + "\(Self.r(box.rect))\(box.text.map { "  \($0)" } ?? "")")
            }
            if !page.characterRows.isEmpty {
                out.append("Character boxes (マス目):")
                for row in page.characterRows {
                    out.append("  \(row.count) × \(Self.r(row.first)), pitch \(Self.f(row.pitch))")
                }
            }
            out.append("Words (\(page.words.count)):")
            for word in page.words {
                out.append("  \(Self.r(word.rect))  \(word.text)  (\(Int(word.confidence.rounded())))")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    /// Workflow snippets: `register`, `fields` (one per empty cell, checkbox and マス目 row, labelled by the printed
    /// text to its left) and `words` (`{text, zone}`, as `register: {anchors: […]}` takes them). Valid YAML, one
    /// document per page.
    public var yaml: String {
        var out: [String] = []
        for (index, page) in inspections.enumerated() {
            if index > 0 { out.append("---") }
            out += header(page).map { "# " + $0 }
            out.append(
                "# Each field's zone is its printed cell shrunk by cell_margin (\(Self.f(cellMargin)) mm): the area read."
            )
            out.append("# Rename the fields, set their types and delete what is not a field.")
            out.append(
                "# For a form Kamiflow did not print, add `reference:` naming this blank (relative to the workflow file)."
            )
            if page.registrationMarks.count >= 3 {
                // Marks are squares `inset` from the page's edges: the top-left one's corner gives both numbers.
                let marks = page.registrationMarks
                let size = marks.map { ($0.width + $0.height) / 2 }.reduce(0, +) / Double(marks.count)
                let inset = min(marks.map(\.x).min() ?? 8, marks.map(\.y).min() ?? 8)
                if abs(size - 5) < 0.5 && abs(inset - 8) < 0.5 {
                    out.append("register: {marks: corners}   # 5 mm squares 8 mm from the edges")
                } else {
                    out.append("register: {marks: {size: \(Self.f(size)), inset: \(Self.f(inset))}}")
                }
            } else if let border = page.border {
                out.append("register: {border: \(Self.r(border))}")
            } else {
                out.append("register: lines   # no marks, no border: the printed cells themselves align a scan")
            }
            out.append("fields:")
            out += Self.fieldLines(FormProposals(page, cellMargin: cellMargin), cellMargin: cellMargin)
            out.append(
                "words:   # printed text as {text, zone}; three or four headings in large print, spread over the page, make "
                    + "register: {anchors: [...]} (small labels and captions of options read poorly once the form is filled)"
            )
            for text in page.texts {
                out.append(
                    "  - {text: \(Self.quoted(text.text)), zone: \(Self.r(text.rect))}   # confidence \(Int(text.confidence.rounded()))"
                )
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The proposals as workflow fields, in reading order: write-in lines, value cells, dates in parts, circled
    /// options, ticked options, マス目 rows, checkboxes, and repeated table rows as groups.
    static func fieldLines(_ proposals: FormProposals, cellMargin: Double) -> [String] {
        typealias Label = FormProposals.Label
        func labelKeys(_ label: Label?) -> String {
            guard let label else { return "" }
            return "label: \(quoted(label.text)), label_zone: \(r(label.rect)), "
        }
        func circle(_ group: FormProposals.OptionGroup) -> String {
            "{" + group.options.map { "\(quoted($0.name)): \(r($0.rect))" }.joined(separator: ", ") + "}"
        }
        func date(_ name: String, _ date: FormProposals.DateSlots, label: Label?, indent: String) -> [String] {
            var lines = ["\(indent)\(name):"]
            if let label {
                lines.append("\(indent)  label: \(quoted(label.text))")
                lines.append("\(indent)  label_zone: \(r(label.rect))")
            }
            lines.append("\(indent)  type: wareki-date")
            if let era = date.era {
                lines.append("\(indent)  eras: [\(date.eras.joined(separator: ", "))]")
                lines.append("\(indent)  era: {circle: \(circle(era))}   # the era is circled")
            } else if !date.eras.isEmpty {
                lines.append("\(indent)  eras: [\(date.eras.joined(separator: ", "))]   # printed before 年")
            } else {
                lines.append("\(indent)  eras: [令和]   # no era printed before 年: name the eras the form accepts")
            }
            lines.append(
                "\(indent)  parts: {year: \(r(date.year)), month: \(r(date.month)), day: \(r(date.day))}")
            return lines
        }
        func cellField(_ name: (String) -> String, _ field: FormProposals.CellField, indent: String) -> [String] {
            switch field.content {
            case .text(let zone):
                return [
                    "\(indent)\(name("field")): {\(labelKeys(field.label))type: text, zone: \(r(zone))}"
                        + "   # printed cell \(r(field.cell))"
                ]
            case .date(let slots):
                return date(name("date"), slots, label: field.label, indent: indent)
            case .options(let group):
                return [
                    "\(indent)\(name("choice")): {\(labelKeys(field.label ?? group.label))type: choice, "
                        + "circle: \(circle(group))}"
                ]
            }
        }
        var number = 0
        func name(_ prefix: String) -> String {
            number += 1
            return "\(prefix)_\(String(format: "%02d", number))"
        }
        // Each entry: where it starts on the page, and its lines once named.
        var entries: [(at: TemplateRect, lines: ((String) -> String) -> [String])] = []
        for line in proposals.writeIns {
            entries.append(
                (
                    line.zone,
                    { name in
                        [
                            "  \(name("line")): {\(labelKeys(line.label))type: text, zone: \(r(line.zone))}"
                                + "   # written on a \(line.rule.dotted ? "dotted " : "")rule \(r(line.rule.rect))"
                        ]
                    }
                ))
        }
        for field in proposals.cells {
            entries.append((field.cell, { cellField($0, field, indent: "  ") }))
        }
        for slots in proposals.dates {
            entries.append((slots.rect, { date($0("date"), slots, label: slots.label, indent: "  ") }))
        }
        for group in proposals.optionGroups {
            entries.append(
                (
                    group.rect,
                    { name in
                        ["  \(name("choice")): {\(labelKeys(group.label))type: choice, circle: \(circle(group))}"]
                    }
                ))
        }
        for boxes in proposals.characterBoxes {
            let row = boxes.row
            entries.append(
                (
                    row.first,
                    { name in
                        [
                            "  \(name("chars")): {\(labelKeys(boxes.label))type: text, "
                                + "cells: {count: \(row.count), first: \(r(row.first)), pitch: \(f(row.pitch))}}"
                        ]
                    }
                ))
        }
        for group in proposals.tickedGroups {
            entries.append(
                (
                    group.rect,
                    { name in
                        [
                            "  \(name("choice")): {\(labelKeys(group.label))type: choice, mode: any, boxes: \(circle(group))}"
                                + "   # ticked boxes on one line; mode: one when only one may be ticked"
                        ]
                    }
                ))
        }
        for box in proposals.checkboxes {
            entries.append(
                (
                    box.box,
                    { name in
                        ["  \(name("check")): {\(labelKeys(box.label))type: checkbox, box: \(r(box.box))}"]
                    }
                ))
        }
        for table in proposals.tables {
            guard let first = TemplateRect.bounding(table.fields.map(\.cell)) else { continue }
            entries.append(
                (
                    first,
                    { name in
                        var lines = [
                            "  \(name("rows")):   # \(table.repeatCount) printed rows, \(f(table.step)) mm apart",
                            "    repeat: \(table.repeatCount)",
                            "    step: [0, \(f(table.step))]",
                            "    fields:",
                        ]
                        for field in table.fields {
                            lines += cellField(name, field, indent: "      ")
                        }
                        return lines
                    }
                ))
        }
        return entries.sorted { ($0.at.y.rounded(), $0.at.x) < ($1.at.y.rounded(), $1.at.x) }.flatMap { $0.lines(name) }
    }
}
