public import KamiflowCore

/// A place in a workflow file, for diagnostics: `Workflows/x.yaml:14:7`.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when unknown.
    public var line: Int
    /// 1-based, counted in Unicode scalars (as libYAML counts); 0 when unknown.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One paper form and what becomes of it: the validated model of a `kamiflow: 1` workflow file.
///
/// The model is the contract between three parts of Kamiflow that are written separately: the renderer prints the
/// blank (and filled) form from `form`, extraction reads scans with it, and delivery maps records with `deliveries`.
/// It carries no hostnames or secrets, so a workflow can be shared between municipalities. Build one with
/// ``WorkflowLoader``; a loaded `Workflow` has passed every check the loader knows.
public struct Workflow: Hashable, Sendable {
    /// `workflow:` — the id used in records, idempotency keys and file names (`jidou-teate-nintei`).
    public var id: String
    /// `title:` — what people call it (`児童手当 認定請求書`).
    public var title: String
    /// `description:` — optional free text for authors.
    public var summary: String?
    public var form: FormTemplate
    public var rules: [Rule]
    /// `witnesses:` — fields checked against master data (postal code ↔ address, bank code ↔ name, name ↔ kana).
    public var witnesses: [Witness]
    public var review: ReviewPolicy
    public var deliveries: [DeliveryMapping]
    /// The file it was loaded from, for messages.
    public var file: String

    public init(
        id: String, title: String, summary: String? = nil, form: FormTemplate, rules: [Rule] = [],
        witnesses: [Witness] = [], review: ReviewPolicy = ReviewPolicy(), deliveries: [DeliveryMapping] = [],
        file: String = "<memory>"
    ) {
        self.id = id
        self.title = title
        self.summary = summary
        self.form = form
        self.rules = rules
        self.witnesses = witnesses
        self.review = review
        self.deliveries = deliveries
        self.file = file
    }
}

/// Everything needed to print a blank form as a municipality would and to read a filled one.
public struct FormTemplate: Hashable, Sendable {
    public var page: PageSpec
    /// The printed heading (`児童手当認定請求書`), usually large and centred at the top.
    public var title: PrintedText?
    /// The printed form code (`KF-JT-01`), small, in a corner; identifies the form when `identify` says so.
    public var code: PrintedText?
    public var identify: IdentifyRule
    public var registration: Registration
    /// Static printed texts: notes, section headings, 年/月/日 unit labels.
    public var texts: [PrintedText]
    /// Space in millimetres between a value zone and the printed cell border around it (`cell_margin`, 1.5 mm by
    /// default). Zones are the areas that are read; borders stay outside them so that lines are never read as ink.
    public var cellMargin: Double
    /// Width of the default label cell printed to the left of a value cell (`label_width`, 28 mm by default).
    public var labelWidth: Double
    /// The font file the form's values are printed in (`typeface`): a file name looked for under the system's font
    /// folders, or a full path. Samples are filled in it, and lines of free text are read a second time by comparing
    /// their glyphs with its own (`GlyphWitness`). `nil`: values in the renderer's default face, no second reading.
    public var typeface: String?
    /// Fields and repeating groups in the order the file declares them (records keep this order).
    public var items: [FormItem]
    /// `reference:` — the blank of a form Kamiflow did not print (a municipality's own, scanned or exported), as the
    /// path to its image resolved against the workflow file's folder. Zones are millimetres on that image; Kamiflow
    /// prints nothing for such a form, so labels, cells and rings are not laid out and not checked for printing.
    /// `nil`: Kamiflow renders the form itself.
    public var reference: String?

    public init(
        page: PageSpec = .a4, title: PrintedText? = nil, code: PrintedText? = nil, identify: IdentifyRule = .onlyForm,
        registration: Registration = .none, texts: [PrintedText] = [], cellMargin: Double = 1.5,
        labelWidth: Double = 28, typeface: String? = nil, items: [FormItem] = [], reference: String? = nil
    ) {
        self.page = page
        self.title = title
        self.code = code
        self.identify = identify
        self.registration = registration
        self.texts = texts
        self.cellMargin = cellMargin
        self.labelWidth = labelWidth
        self.typeface = typeface
        self.items = items
        self.reference = reference
    }

    /// Every field instance on the page, in record order, with repeating groups expanded row by row
    /// (`children[0].name`, `children[0].birth`, `children[1].name` …) and their geometry already moved by the
    /// group's step. This is what a renderer draws and what extraction reads.
    public var placedFields: [PlacedField] {
        var result: [PlacedField] = []
        for item in items {
            switch item {
            case .field(let spec):
                result.append(PlacedField(path: spec.name, spec: spec, group: nil, row: nil))
            case .group(let group):
                for row in 0..<group.count {
                    let dx = group.step.dx * Double(row), dy = group.step.dy * Double(row)
                    for spec in group.fields {
                        result.append(
                            PlacedField(
                                path: "\(group.name)[\(row)].\(spec.name)", spec: spec.offsetBy(dx: dx, dy: dy),
                                group: group.name, row: row))
                    }
                }
            }
        }
        return result
    }

    /// The declared field (not expanded) for a rule path such as `claimant.kana` or `children.birth`, or for one row
    /// of a group, `children[0].birth` (a core system with numbered columns, 児童1・児童2, maps rows one by one).
    public func field(named path: String) -> FieldSpec? {
        if let open = path.firstIndex(of: "["), let close = path.firstIndex(of: "]"), open < close,
            let row = Int(path[path.index(after: open)..<close]),
            let group = group(named: String(path[..<open])), row >= 0, row < group.count
        {
            return field(named: String(path[..<open]) + String(path[path.index(after: close)...]))
        }
        for item in items {
            switch item {
            case .field(let spec) where spec.name == path: return spec
            case .group(let group):
                if path.hasPrefix(group.name + "."),
                    let spec = group.fields.first(where: { group.name + "." + $0.name == path })
                {
                    return spec
                }
            default: continue
            }
        }
        return nil
    }

    /// The repeating group called `name`, if any.
    public func group(named name: String) -> RepeatGroup? {
        for case .group(let group) in items where group.name == name { return group }
        return nil
    }
}

/// A field or a repeating group, in declaration order.
public enum FormItem: Hashable, Sendable {
    case field(FieldSpec)
    case group(RepeatGroup)
}

/// Rows of the same fields printed again and again (children, household members): `repeat: N, step: [dx, dy]`.
///
/// Field zones inside the group are those of the first row; row `i` is moved by `i × step`.
public struct RepeatGroup: Hashable, Sendable {
    public var name: String
    public var label: String?
    /// How many rows the form prints.
    public var count: Int
    public var step: TemplateOffset
    /// The fewest rows that must be filled in (`min`, 0 by default).
    public var minimum: Int
    public var fields: [FieldSpec]
    public var location: SourceLocation

    public init(
        name: String, label: String? = nil, count: Int, step: TemplateOffset, minimum: Int = 0, fields: [FieldSpec],
        location: SourceLocation
    ) {
        self.name = name
        self.label = label
        self.count = count
        self.step = step
        self.minimum = minimum
        self.fields = fields
        self.location = location
    }
}

/// One field instance on the page: a top-level field, or one row's copy of a group field.
public struct PlacedField: Hashable, Sendable {
    /// `claimant.name`, `children[1].birth`.
    public var path: String
    /// The field's description with geometry already moved to this row.
    public var spec: FieldSpec
    /// The group's name and the row index for group fields.
    public var group: String?
    public var row: Int?
}

/// Printed text: a title, a form code, a note, a unit label.
public struct PrintedText: Hashable, Sendable {
    public var text: String
    /// The box the text is printed in; the renderer fits the text into it.
    public var zone: TemplateRect
    /// Font size in points; `nil` lets the renderer fit the text to the zone's height.
    public var size: Double?
    public var align: Alignment
    public var bold: Bool

    public enum Alignment: String, Hashable, Sendable, CaseIterable {
        case left, center, right
    }

    public init(text: String, zone: TemplateRect, size: Double? = nil, align: Alignment = .left, bold: Bool = false) {
        self.text = text
        self.zone = zone
        self.size = size
        self.align = align
        self.bold = bold
    }
}

/// How a page is recognised as this form among all loaded workflows.
public enum IdentifyRule: Hashable, Sendable {
    /// The text read in `zone` contains `keyword` (after NFKC and removing spaces).
    case keyword(zone: TemplateRect, contains: String)
    /// The printed form code (`form.code`) is read in its zone and must match.
    case formCode
    /// Only valid when a single workflow is in play: every page is this form.
    case onlyForm
}

/// How a scan is aligned to the template before any zone is read.
public enum Registration: Hashable, Sendable {
    /// Four solid black squares near the corners (see ``CornerMarks``).
    case marks(CornerMarks)
    /// The printed outer border of the form, `rect` on the template.
    case border(TemplateRect)
    /// Printed words whose position on the template is known; at least three, spread over the page.
    case anchors([Anchor])
    /// The form's own printed boxes (value cells, label cells, マス目, checkboxes), found as closed rectangles of
    /// ruled lines and matched to where the template prints them: for existing forms without marks or a border.
    case lines
    /// No registration: the scan is assumed to be the template at the scan's resolution.
    case none

    /// A printed word used to register a scan.
    public struct Anchor: Hashable, Sendable {
        public var text: String
        public var zone: TemplateRect
        public init(text: String, zone: TemplateRect) {
            self.text = text
            self.zone = zone
        }
    }
}

/// Registration marks: four solid black squares of `size` millimetres whose outer edges are `inset` millimetres
/// from the page edges (`marks: corners` means 5 mm squares 8 mm from each corner).
///
/// 8 mm keeps them inside every printer's unprintable margin; 5 mm is large enough to survive a 200 dpi fax and
/// small enough not to be taken for a filled box.
public struct CornerMarks: Hashable, Sendable {
    public var size: Double
    public var inset: Double

    public init(size: Double = 5, inset: Double = 8) {
        self.size = size
        self.inset = inset
    }

    /// Top-left, top-right, bottom-left, bottom-right, on `page`.
    public func rects(on page: PageSpec) -> [TemplateRect] {
        let far = (x: page.width - inset - size, y: page.height - inset - size)
        return [
            TemplateRect(x: inset, y: inset, width: size, height: size),
            TemplateRect(x: far.x, y: inset, width: size, height: size),
            TemplateRect(x: inset, y: far.y, width: size, height: size),
            TemplateRect(x: far.x, y: far.y, width: size, height: size),
        ]
    }

    /// The centres of the marks, in the order of ``rects(on:)``; registration fits the scan's blobs to these.
    public func centers(on page: PageSpec) -> [Point] { rects(on: page).map(\.center) }
}
