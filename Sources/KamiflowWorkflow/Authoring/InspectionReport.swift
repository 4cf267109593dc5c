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
            func inRow(_ rect: TemplateRect) -> Bool {
                page.characterRows.contains { row in
                    abs(rect.y - row.first.y) < 0.6 && rect.x > row.first.x - 0.6
                        && rect.maxX < row.first.x + Double(row.count) * row.pitch + 0.6
                }
            }
            var number = 0
            func name(_ prefix: String) -> String {
                number += 1
                return "\(prefix)_\(String(format: "%02d", number))"
            }
            for row in page.characterRows {
                let label = labelLeft(of: row.first, on: page)
                out.append(
                    "  \(name("chars")): {\(Self.labelKeys(label))type: text, "
                        + "cells: {count: \(row.count), first: \(Self.r(row.first)), pitch: \(Self.f(row.pitch))}}")
            }
            for box in page.boxes where box.text == nil && !inRow(box.rect) {
                switch box.kind {
                case .square:
                    let label = labelRight(of: box.rect, on: page)
                    out.append("  \(name("check")): {\(Self.labelKeys(label))type: checkbox, box: \(Self.r(box.rect))}")
                case .cell:
                    guard box.rect.width > 2 * cellMargin + 1, box.rect.height > 2 * cellMargin + 1 else { continue }
                    let label = labelLeft(of: box.rect, on: page)
                    out.append(
                        "  \(name("field")): {\(Self.labelKeys(label))type: text, "
                            + "zone: \(Self.r(box.rect.expanded(by: -cellMargin)))}   # printed cell \(Self.r(box.rect))"
                    )
                }
            }
            out.append(
                "words:   # printed text as {text, zone}; three or four headings in large print, spread over the page, make "
                    + "register: {anchors: [...]} (small labels and captions of options read poorly once the form is filled)"
            )
            for word in page.words {
                out.append(
                    "  - {text: \(Self.quoted(word.text)), zone: \(Self.r(word.rect))}   # confidence \(Int(word.confidence.rounded()))"
                )
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// `label: …, label_zone: […], ` for a label found where it is printed (a workflow would otherwise print its own
    /// label cell left of the field, over what the form already prints).
    static func labelKeys(_ label: (text: String, zone: TemplateRect)?) -> String {
        guard let label else { return "" }
        return "label: \(quoted(label.text)), label_zone: \(r(label.zone)), "
    }

    /// The printed text just left of `rect` on its line: a label cell sharing its left edge, or the nearest word.
    func labelLeft(of rect: TemplateRect, on page: PageInspection) -> (text: String, zone: TemplateRect)? {
        func sameLine(_ other: TemplateRect) -> Bool {
            min(other.maxY, rect.maxY) - max(other.y, rect.y) > min(other.height, rect.height) / 2
        }
        if let cell = page.boxes.first(where: { $0.text != nil && abs($0.rect.maxX - rect.x) < 1 && sameLine($0.rect) }
        ),
            let text = cell.text
        {
            return (text, cell.rect)
        }
        // A column heading: the label cell right above, as wide as this one.
        if let cell = page.boxes.first(where: {
            $0.text != nil && abs($0.rect.maxY - rect.y) < 1 && abs($0.rect.x - rect.x) < 1
                && abs($0.rect.maxX - rect.maxX) < 1
        }), let text = cell.text {
            return (text, cell.rect)
        }
        return page.words.filter { sameLine($0.rect) && $0.rect.maxX <= rect.x + 0.5 && rect.x - $0.rect.maxX < 40 }
            .max { $0.rect.maxX < $1.rect.maxX }.map { ($0.text, $0.rect) }
    }

    /// The caption printed just right of a checkbox.
    func labelRight(of rect: TemplateRect, on page: PageInspection) -> (text: String, zone: TemplateRect)? {
        page.words.filter { word in
            min(word.rect.maxY, rect.maxY) - max(word.rect.y, rect.y) > min(word.rect.height, rect.height) / 3
                && word.rect.x >= rect.maxX - 0.5 && word.rect.x - rect.maxX < 6
        }
        .min { $0.rect.x < $1.rect.x }.map { ($0.text, $0.rect) }
    }
}
