import Foundation
public import KamiflowCore

/// What `kamiflow overlay` draws on a page, in the page's pixels: every field's zones, boxes and marks mapped
/// through the registration transform, what was read beside them, coloured by status. Pure values, so the words
/// that will be drawn (and the masking of sensitive ones) are tested without rendering.
public struct OverlayPlan: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable {
        /// Valid and confident: goes straight through (green).
        case straightThrough
        /// Low confidence, a warning, or always checked: a person looks (amber).
        case review
        /// A check failed (red).
        case invalid
    }

    public struct Shape: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable { case zone, cell, box, option }
        public var kind: Kind
        /// The four corners of the template rectangle on the page (top-left, top-right, bottom-right, bottom-left).
        public var corners: [Point]
        public var status: Status
        /// The fill ratio measured in a box or option, shown beside it.
        public var fill: Double?
        public var path: String
    }

    public struct Note: Hashable, Sendable {
        /// Where the text's baseline starts, in page pixels.
        public var origin: Point
        public var text: String
        public var status: Status
        public var path: String
    }

    public var shapes: [Shape]
    public var notes: [Note]
    /// What registration aligned by (marks' centres, anchor words, matched cells' corners).
    public var registrationPoints: [Point]
    /// One line about the page: workflow, registration, route.
    public var title: String
    /// Page pixels per template millimetre (text and strokes are sized by it).
    public var pixelsPerMillimetre: Double

    /// The plan for one page of `outcome` read as `record`. Sensitive values are masked unless `reveal`.
    public init(workflow: Workflow, record: FormRecord, outcome: PageOutcome, reveal: Bool) {
        let registration = outcome.registration
        let transform = registration?.transform ?? .millimetres(toPixelsAt: 300)
        pixelsPerMillimetre = (transform.a * transform.a + transform.c * transform.c).squareRoot()
        var shapes: [Shape] = []
        var notes: [Note] = []
        for placed in workflow.form.placedFields {
            let field = record[placed.path]
            let issues = (field?.issues ?? []) + record.issues.filter { $0.fields.contains(placed.path) }
            let status = Self.status(of: issues)
            shapes += Self.outlines(of: placed, status: status, marks: outcome.marks[placed.path] ?? [:], on: transform)
            notes.append(
                Note(
                    origin: transform.apply(Self.noteOrigin(of: placed.spec)),
                    text: Self.text(of: field, path: placed.path, reveal: reveal, issues: issues), status: status,
                    path: placed.path))
        }
        self.shapes = shapes
        self.notes = notes
        registrationPoints = registration?.points ?? []
        let how =
            registration.map {
                "registered by \($0.method) (\($0.found)/\($0.expected), residual \(String(format: "%.1f", $0.residual)) px)"
            } ?? "not registered"
        title =
            "\(workflow.id) · page \(outcome.page + 1) · \(how) · \(record.route == .straightThrough ? "straight through" : "review")"
    }

    /// The zones of a workflow on its own template — the reference blank, or the form as Kamiflow renders it —
    /// before any scan is read: the template's millimetres at `pixelsPerMillimetre`, every shape green, each note the
    /// field's path and the line of the workflow file that declares it.
    public init(template workflow: Workflow, pixelsPerMillimetre: Double) {
        let transform = KamiflowCore.AffineTransform.scale(pixelsPerMillimetre, pixelsPerMillimetre)
        self.pixelsPerMillimetre = pixelsPerMillimetre
        var shapes: [Shape] = []
        var notes: [Note] = []
        for placed in workflow.form.placedFields {
            shapes += Self.outlines(of: placed, status: .straightThrough, marks: [:], on: transform)
            let line = placed.spec.location.line
            notes.append(
                Note(
                    origin: transform.apply(Self.noteOrigin(of: placed.spec)),
                    text: line > 0 ? "\(placed.path) · line \(line)" : placed.path, status: .straightThrough,
                    path: placed.path))
        }
        self.shapes = shapes
        self.notes = notes
        registrationPoints = []
        title = "\(workflow.id) · template · \(workflow.form.placedFields.count) fields"
    }

    /// Every rectangle a field is read from (zone, cells, date parts, box, options), as four corners on the page.
    static func outlines(
        of placed: PlacedField, status: Status, marks: [String: Double], on transform: KamiflowCore.AffineTransform
    ) -> [Shape] {
        func quad(_ r: TemplateRect) -> [Point] {
            [Point(x: r.x, y: r.y), Point(x: r.maxX, y: r.y), Point(x: r.maxX, y: r.maxY), Point(x: r.x, y: r.maxY)]
                .map(transform.apply)
        }
        let spec = placed.spec
        var shapes: [Shape] = []
        if let zone = spec.zone {
            shapes.append(Shape(kind: .zone, corners: quad(zone), status: status, path: placed.path))
        }
        if let cells = spec.cells {
            shapes += cells.rects.map { Shape(kind: .cell, corners: quad($0), status: status, path: placed.path) }
        }
        if let parts = spec.parts {
            shapes += [parts.year, parts.month, parts.day].map {
                Shape(kind: .zone, corners: quad($0), status: status, path: placed.path)
            }
        }
        if let box = spec.box {
            shapes.append(
                Shape(
                    kind: .box, corners: quad(box), status: status, fill: marks[FieldReading.checkboxKey],
                    path: placed.path))
        }
        if let options = spec.marks {
            for option in options.options {
                shapes.append(
                    Shape(
                        kind: .option, corners: quad(options.style == .circles ? option.ringRead : option.rect),
                        status: status, fill: marks[option.name], path: placed.path))
            }
        }
        return shapes
    }

    /// Where a field's note starts: just above the top-left of what is read.
    static func noteOrigin(of spec: FieldSpec) -> Point {
        let frame = TemplateRect.bounding(spec.readAreas) ?? spec.frame
        return Point(x: frame.x, y: frame.y - 0.6)
    }

    static func status(of issues: [Issue]) -> Status {
        if issues.contains(where: { $0.severity == .error }) { return .invalid }
        if issues.contains(where: {
            $0.severity >= .warning || [IssueCode.alwaysReviewed, IssueCode.doubleEntry].contains($0.code)
        }) {
            return .review
        }
        return .straightThrough
    }

    /// `path: "raw" → value (confidence)`, with the first issue's code; sensitive values masked.
    static func text(of field: FieldResult?, path: String, reveal: Bool, issues: [Issue]) -> String {
        guard let field else { return "\(path): not read" }
        let mask = field.sensitive && !reveal
        var text = "\(path): "
        if mask && !field.value.isEmpty {
            text += "●●●● (sensitive)"
        } else if mask {
            text += "—"
        } else {
            let value = field.value.isEmpty ? "—" : field.value.textValue
            if let raw = field.raw, !raw.isEmpty, raw != value {
                text += "\"\(raw)\" → \(value)"
            } else {
                text += value
            }
        }
        if let confidence = field.confidence { text += " (\(Int(confidence.rounded())))" }
        if let issue = issues.first(where: { $0.severity >= .warning }) { text += " · \(issue.code)" }
        return text
    }
}
