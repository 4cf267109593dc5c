import Foundation
public import KamiflowCore

/// A horizontal rule printed on a blank form, in millimetres.
public struct InspectedRule: Hashable, Sendable, Codable {
    /// The rule's ink: `y` is its top edge, `height` its thickness.
    public var rect: TemplateRect
    /// A row of dots rather than one stroke.
    public var dotted: Bool
    /// No vertical rule touches it: a line to write on, not the edge of a table.
    public var free: Bool

    public init(rect: TemplateRect, dotted: Bool, free: Bool) {
        self.rect = rect
        self.dotted = dotted
        self.free = free
    }
}

/// One run of printed text on one line, read on its own (`psm 7`), with the ink of each of its blobs.
public struct InspectedText: Hashable, Sendable, Codable {
    public var text: String
    /// The run's ink.
    public var rect: TemplateRect
    public var confidence: Double
    /// The connected blobs of ink, left to right: a glyph, a part of one, a separator dot.
    public var glyphs: [TemplateRect]
    /// Printed alternatives separated by middle dots (男・女, T・S・H・R), each with the rectangle of its ink; empty
    /// when the run has no such dots.
    public var alternatives: [InspectedWord]

    public init(
        text: String, rect: TemplateRect, confidence: Double, glyphs: [TemplateRect], alternatives: [InspectedWord] = []
    ) {
        self.text = text
        self.rect = rect
        self.confidence = confidence
        self.glyphs = glyphs
        self.alternatives = alternatives
    }
}

/// What a blank form seems to ask for, in workflow terms: each proposal is a field (or a group of rows) an author
/// renames and types. Built from a ``PageInspection`` alone, in millimetres.
public struct FormProposals: Hashable, Sendable {
    /// Printed text naming a field, and where it is printed (a workflow's `label_zone`).
    public struct Label: Hashable, Sendable {
        public var text: String
        public var rect: TemplateRect
    }

    /// A value written on a rule, its label printed left of the rule (住所, 氏名, 電話番号).
    public struct WriteIn: Hashable, Sendable {
        public var label: Label?
        public var rule: InspectedRule
        /// The area read: just above the rule, along it.
        public var zone: TemplateRect
    }

    /// One option of a choice that is circled: the rectangle of the printed text a writer circles.
    public struct Option: Hashable, Sendable {
        public var name: String
        public var rect: TemplateRect
    }

    /// Printed alternatives to circle: 男・女, 明・大・昭・平・令, 1./2./3., (1)(2)(3).
    public struct OptionGroup: Hashable, Sendable {
        public var label: Label?
        public var options: [Option]
        /// Options are numbers (`1.`, `(1)`): the number is circled, the option is named after the text beside it.
        public var numbered: Bool
        public var rect: TemplateRect {
            TemplateRect.bounding(options.map(\.rect)) ?? TemplateRect(x: 0, y: 0, width: 0, height: 0)
        }
    }

    /// 年, 月 and 日 printed on one line with room before each: a date written in parts.
    public struct DateSlots: Hashable, Sendable {
        public var label: Label?
        public var year: TemplateRect
        public var month: TemplateRect
        public var day: TemplateRect
        /// Eras named in print beside the slots (`令和`), when there are no era options to circle.
        public var eras: [String]
        /// The era options printed beside the slots, named by era (`昭和`, not `昭`).
        public var era: OptionGroup?
        public var rect: TemplateRect {
            TemplateRect.bounding([year, month, day] + (era.map { [$0.rect] } ?? [])) ?? year
        }
    }

    /// One cell of a row: a value read in the cell, or what the cell holds.
    public enum Content: Hashable, Sendable {
        case text(zone: TemplateRect)
        case date(DateSlots)
        case options(OptionGroup)
    }

    public struct CellField: Hashable, Sendable {
        public var label: Label?
        public var cell: TemplateRect
        public var content: Content
    }

    /// Rows of cells printed again and again below each other: a group with `repeat` and `step`.
    public struct Table: Hashable, Sendable {
        public var repeatCount: Int
        /// Millimetres from one row to the next.
        public var step: Double
        /// The first row's fields, left to right.
        public var fields: [CellField]
    }

    /// A row of equal boxes, one character each.
    public struct CharacterBoxes: Hashable, Sendable {
        public var label: Label?
        public var row: InspectedCharacterRow
    }

    public struct Checkbox: Hashable, Sendable {
        public var label: Label?
        public var box: TemplateRect
    }

    public var writeIns: [WriteIn] = []
    /// Cells outside repeated rows: a value cell, or one holding a date or options.
    public var cells: [CellField] = []
    public var tables: [Table] = []
    public var characterBoxes: [CharacterBoxes] = []
    public var checkboxes: [Checkbox] = []
    /// Checkboxes side by side on one line, each captioned: one choice whose options are ticked (`boxes:`).
    public var tickedGroups: [OptionGroup] = []
    /// Dates and option groups that are in no cell.
    public var dates: [DateSlots] = []
    public var optionGroups: [OptionGroup] = []
    /// Printed notices that what is below them is not the applicant's to fill (※学校記入欄（申請者は記入しないでくだ
    /// さい）, 事務処理欄, 職員記入欄): fields proposed under one are marked for the author to delete.
    public var officeNotices: [InspectedText] = []

    /// Whether `text` says the applicant does not fill what follows. Not a bare 記入欄: 申請者記入欄 is the applicant's.
    static func isOfficeNotice(_ text: String) -> Bool {
        let folded = TextFolding.removingSpaces(TextFolding.nfkc(text))
        return ["記入しないで", "記入不要", "記載しないで", "処理欄", "職員記入", "使用欄", "職員使用"].contains {
            folded.contains($0)
        }
    }

    /// How far below an office notice its fields may begin, in millimetres: the notice heads a block of cells.
    static let officeBlockDepth = 15.0

    /// Eras by the characters a form prints for them.
    static let eraNames: [String: String] = [
        "明": "明治", "大": "大正", "昭": "昭和", "平": "平成", "令": "令和",
        "明治": "明治", "大正": "大正", "昭和": "昭和", "平成": "平成", "令和": "令和",
        "M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和",
    ]

    init() {}

    // MARK: - Building

    /// The proposals for one inspected page. `cellMargin` shrinks a printed cell to the zone read in it.
    public init(_ page: PageInspection, cellMargin: Double = 1.5) {
        let texts = page.texts
        let rows = page.characterRows
        func rowRect(_ row: InspectedCharacterRow) -> TemplateRect {
            TemplateRect(
                x: row.first.x, y: row.first.y, width: row.pitch * Double(row.count - 1) + row.first.width,
                height: row.first.height)
        }

        // Option groups and dates anywhere on the page; cells and rows claim theirs below.
        var groups = Self.dotGroups(texts) + Self.numberedGroups(texts)
        let dates = Self.dates(texts, groups: &groups)
        for index in groups.indices where groups[index].label == nil {
            groups[index].label = Self.label(leftOf: groups[index].rect, texts: texts, avoiding: groups.map(\.rect))
        }

        // Cells: every cell of the page's grid except the border, label cells and squares.
        let cells = page.boxes.filter { $0.kind == .cell }.map(\.rect)
        func inside(_ rect: TemplateRect, _ cell: TemplateRect) -> Bool {
            cell.expanded(by: 0.5).contains(rect)
        }
        // Label cells hold printed text that is neither a date's nor options.
        let labelCells = page.boxes.filter { box in
            box.kind == .cell && box.text != nil && !dates.contains { inside($0.rect, box.rect) }
                && !groups.contains { inside($0.rect, box.rect) }
        }.map(\.rect)
        func content(of cell: TemplateRect) -> Content? {
            if let date = dates.first(where: { inside($0.rect, cell) }) { return .date(date) }
            if let group = groups.first(where: { inside($0.rect, cell) }) { return .options(group) }
            if texts.contains(where: { inside($0.rect, cell) }) { return nil }
            if rows.contains(where: { rowRect($0).overlaps(cell) }) { return nil }
            if page.boxes.contains(where: { $0.kind == .square && inside($0.rect, cell) }) { return nil }
            guard cell.width > 2 * cellMargin + 1, cell.height > 2 * cellMargin + 1 else { return nil }
            return .text(zone: cell.expanded(by: -cellMargin))
        }
        func cellLabel(_ cell: TemplateRect) -> Label? {
            func sameLine(_ other: TemplateRect) -> Bool {
                min(other.maxY, cell.maxY) - max(other.y, cell.y) > min(other.height, cell.height) / 2
            }
            func text(in rect: TemplateRect) -> Label? {
                let inside = texts.filter { rect.expanded(by: 0.5).contains($0.rect) }
                    .sorted { ($0.rect.y.rounded(), $0.rect.x) < ($1.rect.y.rounded(), $1.rect.x) }
                let joined = TextFolding.removingSpaces(inside.map(\.text).joined())
                return joined.isEmpty ? nil : Label(text: joined, rect: rect)
            }
            if let left = labelCells.first(where: { abs($0.maxX - cell.x) < 1 && sameLine($0) }),
                let label = text(in: left)
            {
                return label
            }
            // A column heading: the label cell right above, as wide.
            if let above = labelCells.first(where: {
                abs($0.maxY - cell.y) < 1 && abs($0.x - cell.x) < 1 && abs($0.maxX - cell.maxX) < 1
            }), let label = text(in: above) {
                return label
            }
            return Self.label(leftOf: cell, texts: texts, avoiding: [])
        }

        // Tables: cells of one size stacked at one step, three or more, in columns that share their rows.
        var claimed: Set<TemplateRect> = []
        var columns: [[TemplateRect]] = []
        for cell in cells.sorted(by: { ($0.x, $0.y) < ($1.x, $1.y) }) where !claimed.contains(cell) {
            var column = [cell]
            while let last = column.last,
                let next = cells.first(where: {
                    abs($0.x - last.x) < 0.6 && abs($0.width - last.width) < 0.6
                        && abs($0.height - last.height) < 0.6 && abs($0.y - last.maxY) < 0.6
                })
            {
                if column.count >= 2, abs((next.y - last.y) - (last.y - column[column.count - 2].y)) > 0.6 { break }
                column.append(next)
            }
            if column.count >= 3 { columns.append(column) }
            column.forEach { claimed.insert($0) }
        }
        var consumed: Set<TemplateRect> = []
        var tables: [Table] = []
        var used: Set<Int> = []
        for (index, column) in columns.enumerated() where !used.contains(index) {
            let together = columns.indices.filter { other in
                !used.contains(other) && columns[other].count == column.count
                    && abs(columns[other][0].y - column[0].y) < 0.6
                    && abs(columns[other][1].y - column[1].y) < 0.6
            }
            together.forEach { used.insert($0) }
            let step = ((column[1].y - column[0].y) * 10).rounded() / 10
            var fields: [CellField] = []
            for other in together.sorted(by: { columns[$0][0].x < columns[$1][0].x }) {
                let first = columns[other][0]
                columns[other].forEach { consumed.insert($0) }
                if let content = content(of: first) {
                    fields.append(CellField(label: cellLabel(first), cell: first, content: content))
                }
            }
            if !fields.isEmpty {
                tables.append(Table(repeatCount: column.count, step: step, fields: fields))
            }
        }
        // Whatever lies in a table's later rows is the first row's again.
        let tableAreas = tables.map { table in
            TemplateRect.bounding(table.fields.map(\.cell)).map { first in
                TemplateRect(
                    x: first.x, y: first.y, width: first.width,
                    height: first.height + table.step * Double(table.repeatCount - 1))
            }
        }.compactMap { $0 }
        func inTable(_ rect: TemplateRect) -> Bool { tableAreas.contains { $0.expanded(by: 0.5).contains(rect) } }

        var proposals = FormProposals()
        proposals.officeNotices = texts.filter { Self.isOfficeNotice($0.text) }
        proposals.tables = tables
        var inCells: Set<TemplateRect> = []
        for cell in cells where !consumed.contains(cell) && !inTable(cell) {
            guard let content = content(of: cell) else { continue }
            switch content {
            case .date(let date): inCells.insert(date.rect)
            case .options(let group): inCells.insert(group.rect)
            case .text: break
            }
            proposals.cells.append(CellField(label: cellLabel(cell), cell: cell, content: content))
        }
        proposals.dates = dates.filter { !inTable($0.rect) && !inCells.contains($0.rect) }
        proposals.optionGroups = groups.filter { !inTable($0.rect) && !inCells.contains($0.rect) }

        // Write-in lines: free rules at least 15 mm long, outside every cell.
        for rule in page.rules where rule.free && rule.rect.width >= 15 {
            if cells.contains(where: { $0.contains(rule.rect) && $0.width < 0.9 * page.widthMM }) { continue }
            let zone = TemplateRect(
                x: rule.rect.x + 1, y: rule.rect.y - 7, width: rule.rect.width - 2, height: 6.5)
            let label = Self.label(leftOf: zone, texts: texts, avoiding: [])
            proposals.writeIns.append(WriteIn(label: label, rule: rule, zone: zone))
        }
        for var row in rows where !inTable(row.first) {
            let container = cells.first { inside(rowRect(row), $0) }
            // The last box of a row drawn as one frame is a little wider; no box may be wider than the pitch.
            row.first.width = min(row.first.width, row.pitch)
            proposals.characterBoxes.append(
                CharacterBoxes(
                    label: container.flatMap(cellLabel)
                        ?? Self.label(leftOf: row.first, texts: texts, avoiding: []), row: row))
        }
        for box in page.boxes where box.kind == .square && box.text == nil {
            guard !rows.contains(where: { rowRect($0).expanded(by: 0.6).contains(box.rect) }) else { continue }
            let caption = texts.filter { text in
                min(text.rect.maxY, box.rect.maxY) - max(text.rect.y, box.rect.y) > min(
                    text.rect.height, box.rect.height) / 3
                    && text.rect.x >= box.rect.maxX - 0.5 && text.rect.x - box.rect.maxX < 6
            }.min { $0.rect.x < $1.rect.x }
            proposals.checkboxes.append(
                Checkbox(label: caption.map { Label(text: Self.optionName($0.text), rect: $0.rect) }, box: box.rect))
        }
        // Two or more captioned checkboxes of one size on one line are the options of one choice.
        var lone: [Checkbox] = []
        var remaining = proposals.checkboxes.sorted { ($0.box.y, $0.box.x) < ($1.box.y, $1.box.x) }
        while let first = remaining.first {
            let line = remaining.filter {
                abs($0.box.y - first.box.y) < 1 && abs($0.box.height - first.box.height) < 0.5
            }
            remaining.removeAll { box in line.contains(box) }
            guard line.count >= 2, line.allSatisfy({ $0.label != nil }) else {
                lone += line
                continue
            }
            var names: [String] = []
            var options: [Option] = []
            for box in line {
                var name = box.label?.text ?? ""
                if name.isEmpty || names.contains(name) { name += "_\(options.count + 1)" }
                names.append(name)
                options.append(Option(name: name, rect: box.box))
            }
            var group = OptionGroup(label: nil, options: options, numbered: false)
            // The heading printed just above the row (振替を希望する税目（□に✓…）).
            if let heading = texts.filter({
                $0.rect.maxY <= first.box.y + 0.5 && first.box.y - $0.rect.maxY < 6 && $0.rect.x <= first.box.x + 1
            }).max(by: { $0.rect.maxY < $1.rect.maxY }) {
                group.label = Label(text: Self.labelName(heading.text), rect: heading.rect)
            }
            proposals.tickedGroups.append(group)
        }
        proposals.checkboxes = lone
        self = proposals
    }

    // MARK: - Options

    /// Runs whose middle dots split them into two or more short alternatives.
    static func dotGroups(_ texts: [InspectedText]) -> [OptionGroup] {
        texts.compactMap { text in
            guard text.alternatives.count >= 2, leadingNumber(text.text) == nil,
                text.alternatives.allSatisfy({ $0.rect.width <= 25 && !$0.text.isEmpty })
            else { return nil }
            var names: [String] = []
            var options: [Option] = []
            for alternative in text.alternatives {
                var name = alternative.text
                if names.contains(name) { name += "_\(options.count + 1)" }
                names.append(name)
                options.append(Option(name: name, rect: alternative.rect))
            }
            return OptionGroup(label: nil, options: options, numbered: false)
        }
    }

    /// `1.`, `(1)`, `⑴` at the start of a run: its number, or `nil`.
    static func leadingNumber(_ text: String) -> (number: Int, rest: String)? {
        let folded = Array(TextFolding.nfkc(text).filter { !$0.isWhitespace })
        var index = 0
        var bracketed = false
        if index < folded.count, "(（[".contains(folded[index]) {
            bracketed = true
            index += 1
        }
        guard index < folded.count, let digit = folded[index].wholeNumberValue, folded[index].isASCII else {
            return nil
        }
        index += 1
        if index < folded.count, ".．,、)）]".contains(folded[index]) {
            index += 1
        } else if !(bracketed && index == folded.count) && index < folded.count {
            return nil
        }
        return (digit, String(folded[index...]))
    }

    /// The name of an option from the text printed beside it: up to the first bracket, comma, full stop or middle
    /// dot (生活保護の停止・廃止 → 生活保護の停止), at most 12 characters. Not shortened at `の`: which side of it
    /// says what the option means is the form's (生活保護の停止, but 市民税の非課税, where 市民税 alone would deliver
    /// the wrong value); the author shortens it knowing the record.
    static func optionName(_ text: String) -> String {
        var name = TextFolding.tidy(text)
        if let cut = name.firstIndex(where: { "（(、。,・：:".contains($0) }), cut != name.startIndex {
            name = String(name[..<cut])
        }
        return String(name.prefix(12))
    }

    /// A heading as a label: up to its first bracket (申請の理由（該当する番号を…） → 申請の理由).
    static func labelName(_ text: String) -> String {
        let name = TextFolding.removingSpaces(text)
        guard let cut = name.firstIndex(where: { "（(".contains($0) }), cut != name.startIndex else { return name }
        return String(name[..<cut])
    }

    /// Numbered alternatives: runs starting 1, 2, 3 … one after another, on one line or on lines just below.
    static func numberedGroups(_ texts: [InspectedText]) -> [OptionGroup] {
        struct Item {
            var number: Int
            var rect: TemplateRect
            var name: String
            var sentence: Bool
        }
        var items: [Item] = []
        for text in texts {
            guard let (number, rest) = leadingNumber(text.text) else { continue }
            var rect = text.rect
            var name = optionName(rest)
            var full = rest
            if rest.isEmpty {
                // The number alone: its text is the next run to the right on the line.
                if let next = texts.filter({
                    $0 != text && $0.rect.x > text.rect.maxX && $0.rect.x - text.rect.maxX < 8
                        && min($0.rect.maxY, text.rect.maxY) - max($0.rect.y, text.rect.y)
                            > min($0.rect.height, text.rect.height) / 2
                }).min(by: { $0.rect.x < $1.rect.x }) {
                    name = optionName(next.text)
                    full = next.text
                }
            } else {
                // The number's own ink: the first blobs, up to the first gap wider than a stroke.
                var end = min(text.glyphs.count, 2)
                while end < min(text.glyphs.count, 4), text.glyphs[end].x - text.glyphs[end - 1].maxX < 0.6 {
                    end += 1
                }
                if let number = TemplateRect.bounding(Array(text.glyphs.prefix(end))) { rect = number }
            }
            items.append(
                Item(
                    number: number, rect: rect, name: name.isEmpty ? String(number) : name,
                    sentence: full.hasSuffix("。")))
        }
        items.sort { ($0.rect.y, $0.rect.x) < ($1.rect.y, $1.rect.x) }
        var used = Set<Int>()
        var groups: [OptionGroup] = []
        for start in items.indices where items[start].number == 1 && !used.contains(start) {
            var chain = [start]
            while let last = chain.last,
                let next = items.indices.first(where: { candidate in
                    !used.contains(candidate) && !chain.contains(candidate)
                        && items[candidate].number == items[last].number + 1
                        && items[candidate].rect.y - items[last].rect.y > -1.5
                        && items[candidate].rect.y - items[last].rect.y < 12
                })
            {
                chain.append(next)
            }
            guard chain.count >= 2, !chain.allSatisfy({ items[$0].sentence }) else { continue }
            chain.forEach { used.insert($0) }
            var names: [String] = []
            var options: [Option] = []
            for index in chain {
                var name = items[index].name
                if names.contains(name) { name += "_\(items[index].number)" }
                names.append(name)
                options.append(Option(name: name, rect: items[index].rect))
            }
            var group = OptionGroup(label: nil, options: options, numbered: true)
            // A numbered list's heading is the line just above its first item.
            let first = items[chain[0]].rect
            if let heading = texts.filter({
                $0.rect.maxY <= first.y + 0.5 && first.y - $0.rect.maxY < 6 && $0.rect.x <= first.x + 1
                    && leadingNumber($0.text) == nil
            }).max(by: { $0.rect.maxY < $1.rect.maxY }) {
                group.label = Label(text: labelName(heading.text), rect: heading.rect)
            }
            groups.append(group)
        }
        return groups
    }

    // MARK: - Dates

    /// 年 … 月 … 日 printed on one line: the slots between them, and the era printed (or offered) before 年.
    static func dates(_ texts: [InspectedText], groups: inout [OptionGroup]) -> [DateSlots] {
        func unit(_ text: InspectedText) -> String? {
            let folded = TextFolding.removingSpaces(text.text)
            return ["年", "月", "日"].contains(folded) ? folded : nil
        }
        func sameLine(_ a: TemplateRect, _ b: TemplateRect) -> Bool {
            min(a.maxY, b.maxY) - max(a.y, b.y) > min(a.height, b.height) / 2
        }
        // A slot stops 0.5 mm short of the unit after it, so that 年, 月 or 日 is not read into the number.
        func slot(from left: Double, to right: Double, around center: Double) -> TemplateRect {
            TemplateRect(x: left, y: center - 3, width: max(4, right - 0.5 - left), height: 6)
        }
        var found: [DateSlots] = []
        for year in texts where unit(year) == "年" {
            func next(_ name: String, after rect: TemplateRect) -> InspectedText? {
                texts.filter {
                    unit($0) == name && sameLine($0.rect, rect) && $0.rect.x > rect.maxX && $0.rect.x - rect.maxX < 25
                }.min { $0.rect.x < $1.rect.x }
            }
            guard let month = next("月", after: year.rect), let day = next("日", after: month.rect) else { continue }
            let center = (year.rect.y + year.rect.maxY) / 2
            // What is printed before 年: era options, an era's name, a label.
            let before = texts.filter {
                sameLine($0.rect, year.rect) && $0.rect.maxX <= year.rect.x + 0.2 && year.rect.x - $0.rect.maxX < 25
                    && $0.rect.height >= 0.6 * year.rect.height  // not a speck or a broken stroke
            }.max { $0.rect.maxX < $1.rect.maxX }
            var left = year.rect.x - 10
            var eras: [String] = []
            var era: OptionGroup?
            var label: Label?
            if let before {
                left = min(year.rect.x - 4, before.rect.maxX + 1)
                if let index = groups.firstIndex(where: { before.rect.expanded(by: 0.5).contains($0.rect) }),
                    let names = Self.eras(groups[index].options.map(\.name))
                {
                    var marks = groups.remove(at: index)
                    marks.options = zip(marks.options, names).map { Option(name: $1, rect: $0.rect) }
                    era = marks
                    eras = names
                } else {
                    let text = TextFolding.removingSpaces(before.text)
                    // An era's name: as read, else by one of its characters near the end (令和 read as 合和I at 150 dpi).
                    let all = ["令和", "平成", "昭和", "大正", "明治"]
                    let ending = String(text.suffix(3))
                    let exact = all.first { text.hasSuffix($0) }
                    let fuzzy =
                        text.count > 4
                        ? nil : all.first { ending.contains($0.first!) } ?? all.first { ending.contains($0.last!) }
                    if let name = exact ?? fuzzy {
                        eras = [name]
                        let rest = String(text.dropLast(2))
                        if exact != nil, !rest.isEmpty {
                            // The run's ink before the era's two characters.
                            let share = Double(rest.count) / Double(text.count)
                            var rect = before.rect
                            rect.width *= share
                            label = Label(text: rest, rect: rect)
                        }
                    } else {
                        label = Label(text: text, rect: before.rect)
                    }
                }
                if label == nil {
                    label = Self.label(leftOf: before.rect, texts: texts, avoiding: [])
                }
            }
            found.append(
                DateSlots(
                    label: label,
                    year: slot(from: left, to: year.rect.x, around: center),
                    month: slot(from: year.rect.maxX + 0.5, to: month.rect.x, around: center),
                    day: slot(from: month.rect.maxX + 0.5, to: day.rect.x, around: center),
                    eras: eras, era: era))
        }
        return found
    }

    /// The eras a row of options before 年 stands for: each option's own era when every one reads as one (明, 昭和,
    /// S), else — two to five options, printed in the order eras came — the last eras in that order (T・S・H・R,
    /// whatever the T and H were read as). `nil` for more than five options.
    static func eras(_ names: [String]) -> [String]? {
        let read = names.compactMap { eraNames[$0] }
        if read.count == names.count, Set(read).count == read.count { return read }
        let all = ["明治", "大正", "昭和", "平成", "令和"]
        guard (2...5).contains(names.count) else { return nil }
        return Array(all.suffix(names.count))
    }

    // MARK: - Labels

    /// The printed text left of `rect` on its line (within 45 mm), runs close together joined: 住　所 is two runs.
    static func label(leftOf rect: TemplateRect, texts: [InspectedText], avoiding: [TemplateRect]) -> Label? {
        let candidates = texts.filter { text in
            min(text.rect.maxY, rect.maxY) - max(text.rect.y, rect.y) > min(text.rect.height, rect.height) / 2
                && text.rect.maxX <= rect.x + 1 && rect.x - text.rect.maxX < 45
                && !avoiding.contains { $0.expanded(by: 0.5).contains(text.rect) }
        }.sorted { $0.rect.maxX > $1.rect.maxX }
        guard var edge = candidates.first?.rect.x else { return nil }
        var parts = [candidates[0]]
        for text in candidates.dropFirst() where edge - text.rect.maxX < 12 && leadingNumber(text.text) == nil {
            parts.insert(text, at: 0)
            edge = text.rect.x
        }
        let joined = TextFolding.removingSpaces(parts.map(\.text).joined())
        guard !joined.isEmpty, let rect = TemplateRect.bounding(parts.map(\.rect)) else { return nil }
        return Label(text: joined, rect: rect)
    }
}
