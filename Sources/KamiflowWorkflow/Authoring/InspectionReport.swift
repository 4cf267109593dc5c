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

    public init(
        inspections: [PageInspection], source: String, resolutionNote: String, cellMargin: Double = 1.5,
        reference: String? = nil
    ) {
        self.inspections = inspections
        self.source = source
        self.reference = reference ?? source
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

    /// The blank as the proposed workflow names it (`form.reference`, relative to the workflow file): by default
    /// the path `inspect` was given, right when the workflow is saved in the folder `inspect` ran in.
    public var reference: String

    /// A whole workflow per page (YAML documents separated by `---`): `kamiflow`, `workflow` (after the file's
    /// name), `title` and, under `form:`, `reference` (this blank), `page`, `identify` (the largest printed line at
    /// the top of the page, as read from the blank), `register` and the proposed `fields`, with the comments an
    /// author needs; the printed words follow as comments. Saved as it is printed, it loads (`kamiflow validate`).
    public var yaml: String {
        var out: [String] = []
        for (index, page) in inspections.enumerated() {
            if index > 0 { out.append("---") }
            out += header(page).map { "# " + $0 }
            out.append(
                "# A workflow for this blank as proposed: it loads as printed (kamiflow validate FILE). Rename the")
            out.append(
                "# fields, set their types, delete what is not a field, then check it on a filled scan (overlay).")
            var id = Self.workflowID(from: source)
            if inspections.count > 1 {
                id += "-p\(page.page)"
                out.append(
                    "# A reference is the first page of its file: save page \(page.page) as an image of its own and name it "
                        + "in `reference:`.")
            }
            let title = Self.titleLine(of: page)
            out.append("kamiflow: 1")
            out.append("workflow: \(id)   # the id in records: lower-case letters, digits, - and _")
            if let title {
                out.append("title: \(Self.quoted(Self.keyword(title.text)))   # the printed title, as read")
            } else {
                out.append("title: \(id)")
            }
            out.append("form:")
            out.append(
                "  reference: \(Self.quoted(reference))   # this blank, relative to the workflow file: the template, "
                    + "zones are millimetres on it")
            out.append("  page: \(Self.pageSize(page))")
            out += Self.identifyLines(title, page: page)
            out += registerLines(page, reference: true).map { "  " + $0 }
            out.append(
                "  # Each field's zone is its printed cell shrunk by cell_margin (\(Self.f(cellMargin)) mm), or the strip "
                    + "above a rule: the area read.")
            out.append("  fields:")
            out += Self.fieldLines(FormProposals(page, cellMargin: cellMargin), cellMargin: cellMargin).map {
                "  " + $0
            }
            out.append(
                "# Printed words as {text, zone}: for `identify`, or three or four headings in large print, spread over the "
                    + "page, for")
            out.append(
                "# `register: {anchors: [...]}` (small labels and captions of options read poorly once the form is filled)."
            )
            out.append("# words:")
            out += wordLines(page).map { "#" + $0 }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The fields-only output of earlier versions: `register`, `fields` and `words` at the top level, for pasting
    /// into a workflow that already has its `form:` (indented under it by hand). Valid YAML, one document per page.
    public var snippets: String {
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
            out += registerLines(page, reference: false)
            out.append("fields:")
            out += Self.fieldLines(FormProposals(page, cellMargin: cellMargin), cellMargin: cellMargin)
            out.append(
                "words:   # printed text as {text, zone}; three or four headings in large print, spread over the page, make "
                    + "register: {anchors: [...]} (small labels and captions of options read poorly once the form is filled)"
            )
            out += wordLines(page)
        }
        return out.joined(separator: "\n") + "\n"
    }

    func wordLines(_ page: PageInspection) -> [String] {
        page.texts.map { text in
            "  - {text: \(Self.quoted(text.text)), zone: \(Self.r(text.rect))}   # confidence \(Int(text.confidence.rounded()))"
        }
    }

    /// `register:` for the page: the corner marks when there are, else `lines`. In a whole workflow (`reference`)
    /// `lines` aligns by the blank's own rules; a frame found around the page is named as the alternative.
    func registerLines(_ page: PageInspection, reference: Bool) -> [String] {
        if page.registrationMarks.count >= 3 {
            // Marks are squares `inset` from the page's edges: the top-left one's corner gives both numbers.
            let marks = page.registrationMarks
            let size = marks.map { ($0.width + $0.height) / 2 }.reduce(0, +) / Double(marks.count)
            let inset = min(marks.map(\.x).min() ?? 8, marks.map(\.y).min() ?? 8)
            if abs(size - 5) < 0.5 && abs(inset - 8) < 0.5 {
                return ["register: {marks: corners}   # 5 mm squares 8 mm from the edges"]
            }
            return ["register: {marks: {size: \(Self.f(size)), inset: \(Self.f(inset))}}"]
        }
        if reference {
            var lines = [
                "register: lines   # by the blank's printed rules: where they cross, and the ends of rules that cross nothing"
            ]
            if let border = page.border {
                lines.append("# (or `register: {border: \(Self.r(border))}`, the frame found around most of the page)")
            }
            return lines
        }
        if let border = page.border {
            return ["register: {border: \(Self.r(border))}"]
        }
        return [
            "register: lines   # no marks, no border: with `reference:`, the blank's printed rules (where they cross, "
                + "and the ends of rules that cross nothing) align a scan"
        ]
    }

    /// The line a page is recognised by: in the top third of the page, the run of printed text in the largest print
    /// with two or more letters (a form's title), as read from the blank; `nil` when there is none.
    public static func titleLine(of page: PageInspection) -> InspectedText? {
        page.texts.filter { text in
            text.rect.center.y < page.heightMM / 3
                && keyword(text.text).filter { $0.isLetter || $0.isNumber }.count >= 2
        }.max { ($0.rect.height, -$0.rect.y) < ($1.rect.height, -$1.rect.y) }
    }

    /// A line's text as `identify: contains` compares it: without spaces (extraction removes them too).
    static func keyword(_ text: String) -> String {
        TextFolding.removingSpaces(text).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `identify:` on the title line (its ink grown by 1.5 mm, within the page), or a commented-out example when
    /// the blank has no line that could be one.
    static func identifyLines(_ title: InspectedText?, page: PageInspection) -> [String] {
        guard let title else {
            return [
                "  # No printed title was found. Beside other workflows (kamiflow run Workflows/*.yaml …) a page is "
                    + "recognised by",
                "  # a word printed on this form only: identify: {zone: [x, y, width, height], contains: WORD}",
            ]
        }
        let grown = title.rect.expanded(by: 1.5)
        let x = max(0, grown.x)
        let y = max(0, grown.y)
        let zone = TemplateRect(
            x: x, y: y, width: min(page.widthMM, grown.maxX) - x, height: min(page.heightMM, grown.maxY) - y)
        return [
            "  # How a page is told from other forms (kamiflow run Workflows/*.yaml …): the words printed in the zone, "
                + "here the",
            "  # title as read from this blank (confidence \(Int(title.confidence.rounded()))). They should be printed "
                + "on this form only, among all of the",
            "  # municipality's forms: when another form has the same title, choose a word or phrase only this one has.",
            "  identify: {zone: \(r(zone)), contains: \(quoted(keyword(title.text)))}",
        ]
    }

    /// `page:` as the workflow names it: a named size within 2 mm of the page as scanned, else its millimetres.
    static func pageSize(_ page: PageInspection) -> String {
        let scanned = "   # \(f(page.widthMM)) × \(f(page.heightMM)) mm as scanned"
        for name in ["A4", "A3", "A5", "B4", "B5", "Letter"] {
            guard let size = PageSpec.named[name] else { continue }
            if abs(size.width - page.widthMM) <= 2 && abs(size.height - page.heightMM) <= 2 { return name + scanned }
        }
        return "{width: \(f(page.widthMM)), height: \(f(page.heightMM))}"
    }

    /// A workflow id from the blank's file name: lower-case letters, digits, `-` and `_` (`Kouza Furikae.png` →
    /// `kouza-furikae`); `form` when nothing of the name is left.
    public static func workflowID(from path: String) -> String {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.lowercased()
        var id = ""
        for scalar in name.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" {
                id.unicodeScalars.append(scalar)
            } else if !id.isEmpty && !id.hasSuffix("-") {
                id.append("-")
            }
        }
        while id.hasSuffix("-") { id.removeLast() }
        while let first = id.first, first == "_" { id.removeFirst() }
        return id.isEmpty ? "form" : id
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
        // A field in the block under a notice that the applicant does not fill it: said on its first line.
        func officeNotice(over rect: TemplateRect) -> InspectedText? {
            for notice in proposals.officeNotices
            where rect.y >= notice.rect.y + notice.rect.height / 2
                && rect.y <= notice.rect.maxY + FormProposals.officeBlockDepth
                && rect.maxX >= notice.rect.x
            {
                return notice
            }
            return nil
        }
        return entries.sorted { ($0.at.y.rounded(), $0.at.x) < ($1.at.y.rounded(), $1.at.x) }.flatMap { entry in
            var lines = entry.lines(name)
            if let notice = officeNotice(over: entry.at), !lines.isEmpty {
                lines[0] += "   # under \"\(notice.text)\": for the office, not the applicant; delete unless read"
            }
            return lines
        }
    }
}
