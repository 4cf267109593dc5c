import KamiflowCore
public import KamiflowWorkflow

extension PaperText {
    init(_ text: KamiflowWorkflow.PrintedText) {
        let alignment: PaperText.Alignment =
            switch text.align {
            case .left: .left
            case .center: .center
            case .right: .right
            }
        // Workflow files give sizes in points; the renderer draws in millimetres.
        self.init(
            text.text, box: text.zone, alignment: alignment, bold: text.bold,
            size: text.size.map { $0 * 25.4 / 72 })
    }
}

extension FormLayout {
    /// The printed form a loaded workflow describes: its page, title, form code, registration marks or border,
    /// static texts (and anchor words, which must be printed to be found), and every field instance with repeating
    /// groups expanded (`children[1].name`), exactly as extraction will look for them.
    public init(workflow: Workflow) {
        let form = workflow.form
        var marks: [PaperRect] = []
        var border: PaperRect?
        var texts = form.texts.map(PaperText.init)
        switch form.registration {
        case .marks(let corner): marks = corner.rects(on: form.page)
        case .border(let rect): border = rect
        case .anchors(let anchors):
            for anchor in anchors
            where !texts.contains(where: { $0.text == anchor.text })
                && form.title?.text != anchor.text
            {
                texts.append(PaperText(anchor.text, box: anchor.zone))
            }
        case .none, .lines: break
        }
        let fields = form.placedFields.map { placed in LayoutField(placed) }
        self.init(
            workflow: workflow.id,
            title: form.title.map(PaperText.init)
                ?? PaperText(
                    workflow.title, box: PaperRect(x: 20, y: 14, width: form.page.width - 40, height: 10),
                    alignment: .center, bold: true),
            pageWidth: form.page.width, pageHeight: form.page.height, formCode: form.code.map(PaperText.init),
            registrationMarks: marks, border: border, texts: texts, fields: fields)
        cellMargin = form.cellMargin
        typeface = form.typeface
        for case .group(let group) in form.items where group.minimum > 0 {
            minimumRows[group.name] = group.minimum
        }
    }
}

extension LayoutField {
    init(_ placed: PlacedField) {
        let spec = placed.spec
        func options(_ marks: OptionMarks) -> [PrintedOption] {
            marks.options.map {
                PrintedOption(name: $0.name, rect: $0.rect, style: marks.style == .circles ? .circle : .box)
            }
        }
        let marking: Marking
        if spec.type == .checkbox, let box = spec.box {
            marking = .checkbox(box)
        } else if let marks = spec.marks, let parts = spec.parts {
            marking = .eraParts(
                eras: options(marks), year: parts.year, month: parts.month,
                day: parts.day)
        } else if let marks = spec.marks {
            marking = .options(options(marks), exactlyOne: spec.choiceMode == .one)
        } else if let cells = spec.cells {
            marking = .cells(cells.rects)
        } else if let zone = spec.zone {
            marking = .zone(zone)
        } else if let box = spec.box {
            marking = .checkbox(box)
        } else {
            marking = .zone(spec.frame)
        }
        self.init(
            path: placed.path, type: spec.type, label: spec.label ?? "",
            labelBox: spec.labelZone, marking: marking, required: spec.validation.required,
            sensitive: spec.sensitive, sample: spec.sample, groupIndex: placed.row, length: spec.validation.length)
    }
}
