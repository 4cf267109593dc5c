public import KamiflowCore
public import KamiflowWorkflow

/// A rectangle on the paper in millimetres from the top-left corner: the workflow model's own rectangle, so that the
/// renderer prints exactly where the reader looks.
public typealias PaperRect = TemplateRect

extension TemplateRect {
    /// `[x, y, w, h]` as a list (missing values are 0).
    public init(_ values: [Double]) {
        self.init(
            x: values.count > 0 ? values[0] : 0, y: values.count > 1 ? values[1] : 0,
            width: values.count > 2 ? values[2] : 0, height: values.count > 3 ? values[3] : 0)
    }

    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }
}

/// Text printed on the blank form (title, form code, notes, 年/月/日 unit labels).
public struct PaperText: Hashable, Sendable {
    public enum Alignment: String, Hashable, Sendable { case left, center, right }

    public var text: String
    /// The box the text sits in; the text is fitted to its height and shrunk to its width when longer.
    public var box: PaperRect
    public var alignment: Alignment
    public var bold: Bool
    /// Em size in millimetres; `nil` fits the text to the box's height.
    public var size: Double?

    public init(_ text: String, box: PaperRect, alignment: Alignment = .left, bold: Bool = false, size: Double? = nil) {
        self.text = text
        self.box = box
        self.alignment = alignment
        self.bold = bold
        self.size = size
    }
}

/// One printed option of a choice (`男`, `昭和`, `1. 転入`) and where it is marked.
public struct PrintedOption: Hashable, Sendable {
    public enum Style: String, Hashable, Sendable {
        /// A small box ticked by the person; the option's name is printed to its right.
        case box
        /// The option's name is printed in `rect`; the person draws a circle around it (○で囲む).
        case circle
    }

    public var name: String
    public var rect: PaperRect
    public var style: Style

    public init(name: String, rect: PaperRect, style: Style) {
        self.name = name
        self.rect = rect
        self.style = style
    }
}

/// One field of a form as the printer and the person filling it in see it; repeating groups are already expanded
/// (`children[1].name`), so the renderer and the sample generator never deal with groups.
public struct LayoutField: Hashable, Sendable {
    public enum Marking: Hashable, Sendable {
        /// Free text written in a cell; `zone` is the read area inside the printed cell.
        case zone(PaperRect)
        /// One character per printed box (マス目).
        case cells([PaperRect])
        /// One box, ticked or not.
        case checkbox(PaperRect)
        /// Printed options marked by a tick or a circle; `exactlyOne` for `mode: one`.
        case options([PrintedOption], exactlyOne: Bool)
        /// A 和暦 date written as era options (circled or ticked) and year/month/day number cells.
        case eraParts(eras: [PrintedOption], year: PaperRect, month: PaperRect, day: PaperRect)
    }

    /// Dotted path with indices: `claimant.name`, `children[2].birth`.
    public var path: String
    /// The field's type, as the workflow declares it.
    public var type: FieldType
    /// What the form prints beside the cell (`氏名`); empty for none.
    public var label: String
    /// Where the label goes; `nil` puts it beside the value cell.
    public var labelBox: PaperRect?
    public var marking: Marking
    public var required: Bool
    public var sensitive: Bool
    /// The workflow's `sample:` hint (see docs/samples-and-eval.md), or `nil` to fall back on the type.
    public var sample: String?
    /// 0-based index within the repeating group the field comes from, if any (`children[2]` → 2).
    public var groupIndex: Int?
    /// Allowed length range for free text (digits fields), when the workflow gives one.
    public var length: ClosedRange<Int>?

    public init(
        path: String, type: FieldType, label: String = "", labelBox: PaperRect? = nil, marking: Marking,
        required: Bool = false, sensitive: Bool = false, sample: String? = nil, groupIndex: Int? = nil,
        length: ClosedRange<Int>? = nil
    ) {
        self.path = path
        self.type = type
        self.label = label
        self.labelBox = labelBox
        self.marking = marking
        self.required = required
        self.sensitive = sensitive
        self.sample = sample
        self.groupIndex = groupIndex
        self.length = length
    }

    /// The area the field's value occupies on paper (for crops and overlap checks).
    public var area: PaperRect {
        switch marking {
        case .zone(let r), .checkbox(let r): return r
        case .cells(let cells): return cells.dropFirst().reduce(cells.first ?? PaperRect([])) { $0.union($1) }
        case .options(let options, _):
            return options.dropFirst().reduce(options.first?.rect ?? PaperRect([])) { $0.union($1.rect) }
        case .eraParts(let eras, let year, let month, let day):
            return eras.reduce(year.union(month).union(day)) { $0.union($1.rect) }
        }
    }

    /// The option names of a choice field (or the era names of a parts date).
    public var optionNames: [String] {
        switch marking {
        case .options(let options, _): options.map(\.name)
        case .eraParts(let eras, _, _, _): eras.map(\.name)
        default: []
        }
    }
}

/// A whole printed form: page, title, the marks and texts a printer puts on it, and its fields.
///
/// The renderer works from this flattened description rather than from the workflow model directly, so that it can
/// be tested with hand-made layouts and so that one adapter (`FormLayout(workflow:)`) holds all knowledge of the
/// workflow file's shape.
public struct FormLayout: Hashable, Sendable {
    public var workflow: String
    /// The printed heading (large, usually centred at the top).
    public var title: PaperText?
    /// Page size in millimetres (A4 portrait: 210 × 297).
    public var pageWidth: Double
    public var pageHeight: Double
    /// The printed form code (used to identify the form), if any.
    public var formCode: PaperText?
    /// Solid black registration marks.
    public var registrationMarks: [PaperRect]
    /// A printed frame around the form's content, if the form has one.
    public var border: PaperRect?
    public var texts: [PaperText]
    public var fields: [LayoutField]
    /// Space between a read zone and the printed cell border around it, in millimetres.
    public var cellMargin: Double = 1.5
    /// The font file the values are printed in (`form.typeface`); `nil` for the renderer's filled face.
    public var typeface: String?
    /// The fewest rows each repeating group must have filled in (`min:`), by group name.
    public var minimumRows: [String: Int] = [:]

    public init(
        workflow: String, title: PaperText?, pageWidth: Double = 210, pageHeight: Double = 297,
        formCode: PaperText? = nil, registrationMarks: [PaperRect] = [],
        border: PaperRect? = nil, texts: [PaperText] = [], fields: [LayoutField] = []
    ) {
        self.workflow = workflow
        self.title = title
        self.pageWidth = pageWidth
        self.pageHeight = pageHeight
        self.formCode = formCode
        self.registrationMarks = registrationMarks
        self.border = border
        self.texts = texts
        self.fields = fields
    }

    /// 5 mm solid squares 8 mm in from each corner: the geometry `marks: corners` stands for.
    public static func cornerMarks(
        pageWidth: Double = 210, pageHeight: Double = 297, size: Double = 5,
        inset: Double = 8
    ) -> [PaperRect] {
        [
            PaperRect(x: inset, y: inset, width: size, height: size),
            PaperRect(x: pageWidth - inset - size, y: inset, width: size, height: size),
            PaperRect(x: inset, y: pageHeight - inset - size, width: size, height: size),
            PaperRect(x: pageWidth - inset - size, y: pageHeight - inset - size, width: size, height: size),
        ]
    }

    public func field(_ path: String) -> LayoutField? { fields.first { $0.path == path } }

    /// The same form printed without its registration marks, as most existing municipal forms are.
    public func withoutRegistrationMarks() -> FormLayout {
        var copy = self
        copy.registrationMarks = []
        return copy
    }
}
