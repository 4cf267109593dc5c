internal import CCairo
package import KamiflowCore
import KamiflowOCR

/// Prints forms: the blank form as a municipality would print it, and the same form filled in.
///
/// Everything is drawn with Cairo from real font outlines (IPA 明朝 for the printed form, IPA ゴシック for what is
/// filled in), in millimetres, so that one drawing gives a PNG at any dpi and a vector PDF. The filled-in ink has
/// small, seeded irregularities (a circle's tilt, a tick's angle) so that samples look written rather than
/// stamped, and the same seed always gives the same bytes.
public struct FormRenderer: Sendable {
    public var fonts: FontConfiguration
    /// Em size of filled-in text as a share of its zone's height (capped by `maximumValueSize` millimetres).
    public var valueScale: Double
    public var maximumValueSize: Double

    public init(
        fonts: FontConfiguration = FontConfiguration(), valueScale: Double = 0.5, maximumValueSize: Double = 4.5
    ) {
        self.fonts = fonts
        self.valueScale = valueScale
        self.maximumValueSize = maximumValueSize
    }

    /// The fonts with the layout's typeface, when it names one, for the values.
    func fonts(for layout: FormLayout) throws -> FontConfiguration {
        guard let typeface = layout.typeface else { return fonts }
        var fonts = self.fonts
        fonts.filledFontPath = try TypefaceGlyphs.requirePath(of: typeface, subject: layout.workflow)
        return fonts
    }

    func valueSize(_ height: Double) -> Double { min(height * valueScale, maximumValueSize) }

    /// The form (blank when `filled` is `nil`) as a grey page at `dpi`.
    package func image(
        _ layout: FormLayout, filled: FilledForm? = nil, dpi: Double, seed: UInt64 = 0
    ) throws
        -> GrayImage
    {
        try CairoSurfaces.rasterize(
            widthMM: layout.pageWidth, heightMM: layout.pageHeight, dpi: dpi, fonts: try fonts(for: layout)
        ) {
            canvas in
            draw(layout, filled: filled, seed: seed, on: canvas)
        }
    }

    /// The form as PNG bytes (8-bit greyscale) at `dpi`.
    public func png(_ layout: FormLayout, filled: FilledForm? = nil, dpi: Double, seed: UInt64 = 0) throws -> [UInt8] {
        try CairoSurfaces.png(image(layout, filled: filled, dpi: dpi, seed: seed))
    }

    /// A vector PDF with one page per entry of `forms` (`nil` = a blank form), as a municipality sends to its
    /// printer.
    public func pdf(_ layout: FormLayout, forms: [FilledForm?] = [nil], seed: UInt64 = 0) throws -> [UInt8] {
        try CairoSurfaces.pdf(
            widthMM: layout.pageWidth, heightMM: layout.pageHeight, pageCount: forms.count,
            fonts: try fonts(for: layout)
        ) { page, canvas in
            draw(layout, filled: forms[page], seed: seed &+ UInt64(page), on: canvas)
        }
    }

    /// A PDF whose pages are scanned images (what a scanner's "scan to PDF" produces).
    package func pdf(scans: [GrayImage], pageWidth: Double, pageHeight: Double) throws -> [UInt8] {
        try CairoSurfaces.pdf(widthMM: pageWidth, heightMM: pageHeight, pageCount: scans.count, fonts: fonts) {
            page, canvas in
            try CairoSurfaces.paint(scans[page], on: canvas, widthMM: pageWidth, heightMM: pageHeight)
        }
    }

    func draw(_ layout: FormLayout, filled: FilledForm?, seed: UInt64, on canvas: PaperCanvas) {
        drawBlank(layout, on: canvas)
        if let filled {
            var random = SeededRandom(seed: seed, stream: "ink")
            for field in layout.fields {
                guard let value = filled.field(field.path) else { continue }
                drawInk(value.ink, for: field, on: canvas, random: &random)
            }
        }
    }

    // MARK: The printed form

    static let ruleWidth = 0.3
    static let cellPadding = 1.5

    func drawBlank(_ layout: FormLayout, on canvas: PaperCanvas) {
        for mark in layout.registrationMarks { canvas.fillRect(mark) }
        if let border = layout.border { canvas.strokeRect(border, width: 0.5) }
        if let title = layout.title {
            canvas.draw(
                title.text, in: title.box, size: title.size ?? min(7, title.box.height * 0.8), font: canvas.heading,
                alignment: title.alignment, bold: title.bold)
        }
        if let code = layout.formCode {
            // Form codes are printed in a plain sans face, as printers number their forms.
            canvas.draw(
                code.text, in: code.box, size: code.size ?? min(4, code.box.height * 0.8), font: canvas.filled,
                alignment: code.alignment, bold: code.bold)
        }
        for text in layout.texts {
            canvas.draw(
                text.text, in: text.box, size: text.size ?? min(4.2, text.box.height * 0.8),
                font: text.bold ? canvas.heading : canvas.printed,
                alignment: text.alignment, bold: text.bold)
        }
        for field in layout.fields { drawPrinted(field, layout: layout, on: canvas) }
    }

    /// The printed frame around a field's read area: the read area plus a margin, so no rule lies inside it.

    func drawPrinted(_ field: LayoutField, layout: FormLayout, on canvas: PaperCanvas) {
        let labelSize = 3.2
        switch field.marking {
        case .zone(let zone):
            let frame = zone.expanded(by: layout.cellMargin)
            canvas.strokeRect(frame, width: Self.ruleWidth)
            drawLabel(field, beside: frame, size: min(labelSize, frame.height * 0.55), on: canvas)
        case .cells(let cells):
            for cell in cells { canvas.strokeRect(cell, width: Self.ruleWidth) }
            if let first = cells.first {
                let row = cells.dropFirst().reduce(first) { $0.union($1) }
                drawLabel(field, beside: row, size: min(labelSize, row.height * 0.55), on: canvas)
            }
        case .checkbox(let box):
            canvas.strokeRect(box, width: Self.ruleWidth)
            if let labelBox = field.labelBox, let row = field.groupIndex, row > 0, labelBox.maxY <= box.y + 0.5 {
                break
            }
            let labelBox =
                field.labelBox
                ?? PaperRect(
                    x: box.maxX + 1.2, y: box.y - 1, width: max(10, Double(field.label.count) * 3.6),
                    height: box.height + 2)
            canvas.draw(field.label, in: labelBox, size: min(labelSize, box.height * 0.9), font: canvas.printed)
        case .options(let options, _):
            drawOptions(options, on: canvas)
            drawLabel(field, beside: field.area.expanded(by: 0.8), size: labelSize, on: canvas)
        case .eraParts(let eras, let year, let month, let day):
            drawOptions(eras, on: canvas)
            for (part, unit) in [(year, "年"), (month, "月"), (day, "日")] {
                canvas.line(from: (part.x, part.maxY + 0.4), to: (part.maxX, part.maxY + 0.4), width: 0.2)
                let unitBox = PaperRect(x: part.maxX + 0.3, y: part.y, width: 4, height: part.height)
                if !layout.texts.contains(where: { $0.box.intersects(unitBox) && $0.text.contains(unit) }) {
                    canvas.draw(unit, in: unitBox, size: min(labelSize, part.height * 0.6), font: canvas.printed)
                }
            }
            drawLabel(field, beside: field.area.expanded(by: layout.cellMargin), size: labelSize, on: canvas)
        }
    }

    func drawOptions(_ options: [PrintedOption], on canvas: PaperCanvas) {
        for option in options {
            switch option.style {
            case .box:
                canvas.strokeRect(option.rect, width: Self.ruleWidth)
                let name = PaperRect(
                    x: option.rect.maxX + 1, y: option.rect.y - 1,
                    width: max(6, Double(option.name.count) * 3.6), height: option.rect.height + 2)
                canvas.draw(option.name, in: name, size: min(3.2, option.rect.height * 0.9), font: canvas.printed)
            case .circle:
                canvas.draw(
                    option.name, in: option.rect, size: min(3.4, option.rect.height * 0.75), font: canvas.printed,
                    alignment: .center)
            }
        }
    }

    /// The label in its own cell when the workflow gives one (printed as a table cell for written fields), else
    /// right-aligned just left of the field.
    func drawLabel(_ field: LayoutField, beside frame: PaperRect, size: Double, on canvas: PaperCanvas) {
        guard !field.label.isEmpty else { return }
        // A label above a repeating group's row is a column heading: printed once, over the first row.
        if let box = field.labelBox, let row = field.groupIndex, row > 0, box.maxY <= field.area.y + 0.5 { return }
        if let box = field.labelBox {
            switch field.marking {
            case .zone, .cells, .eraParts:
                canvas.strokeRect(box, width: Self.ruleWidth)
                canvas.draw(field.label, in: box, size: min(size, box.height * 0.6), font: canvas.printed, padding: 1.2)
            default:
                canvas.draw(field.label, in: box, size: min(size, box.height * 0.8), font: canvas.printed)
            }
            return
        }
        let width = canvas.width(of: field.label, size: size, font: canvas.printed)
        let box = PaperRect(
            x: max(1, frame.x - width - 2), y: frame.y, width: min(width, frame.x - 3), height: frame.height)
        canvas.draw(field.label, in: box, size: size, font: canvas.printed, alignment: .right)
    }

    // MARK: What the person fills in

    func drawInk(_ ink: Ink, for field: LayoutField, on canvas: PaperCanvas, random: inout SeededRandom) {
        switch (ink, field.marking) {
        case (.text(let text), .zone(let zone)):
            let size = valueSize(zone.height)
            canvas.draw(text, in: zone, size: size, font: canvas.filled, padding: 1)
        case (.text(let text), .cells(let cells)):
            drawCharacters(text.map(String.init), in: cells, on: canvas)
        case (.characters(let characters), .cells(let cells)):
            drawCharacters(characters, in: cells, on: canvas)
        case (.characters(let characters), .zone(let zone)):
            canvas.draw(
                characters.joined(), in: zone, size: valueSize(zone.height), font: canvas.filled,
                padding: 1)
        case (.tick(let on), .checkbox(let box)):
            if on { canvas.tick(in: box, jitter: (random.double(in: -0.2...0.2), random.double(in: -0.2...0.2))) }
        case (.marks(let names), .options(let options, _)):
            for option in options where names.contains(option.name) { mark(option, on: canvas, random: &random) }
        case (.eraParts(let era, let year, let month, let day), .eraParts(let eras, let y, let m, let d)):
            for option in eras where option.name == era { mark(option, on: canvas, random: &random) }
            for (text, rect) in [(year, y), (month, m), (day, d)] {
                canvas.draw(
                    text, in: rect, size: valueSize(rect.height), font: canvas.filled,
                    alignment: .center)
            }
        default:
            break
        }
    }

    func drawCharacters(_ characters: [String], in cells: [PaperRect], on canvas: PaperCanvas) {
        for (character, cell) in zip(characters, cells) {
            canvas.draw(
                character, in: cell, size: min(cell.height, cell.width) * 0.68, font: canvas.filled,
                alignment: .center)
        }
    }

    func mark(_ option: PrintedOption, on canvas: PaperCanvas, random: inout SeededRandom) {
        switch option.style {
        case .box:
            canvas.tick(in: option.rect, jitter: (random.double(in: -0.2...0.2), random.double(in: -0.2...0.2)))
        case .circle:
            // An ellipse that encloses the printed option (its corners too), as people draw it: about 1.3 times the
            // text's half-size plus a little, never more than 2.6 mm past the text (where reading looks for it).
            let grow = 1.3 + random.double(in: -0.05...0.1)
            let rx = min(option.rect.width / 2 * grow + 0.6, option.rect.width / 2 + 2.6)
            let ry = min(option.rect.height / 2 * grow + 0.6, option.rect.height / 2 + 2.6)
            let oval = PaperRect(x: option.rect.midX - rx, y: option.rect.midY - ry, width: 2 * rx, height: 2 * ry)
            canvas.handCircle(
                around: oval, tilt: random.double(in: -0.05...0.05),
                overrun: random.double(in: 0.15...0.5), start: random.double(in: 0...(2 * Double.pi)), width: 0.35)
        }
    }
}

extension PaperRect {
    func intersects(_ other: PaperRect) -> Bool {
        x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
    }
}
