import Foundation
public import KamiflowCore
import Yams

/// The keys a workflow file may use, by place (also the source of the JSON Schema's property lists).
enum Keys {
    static let top = [
        "kamiflow", "workflow", "title", "description", "form", "rules", "witnesses", "review", "deliver",
    ]
    static let form = [
        "page", "title", "code", "identify", "register", "texts", "cell_margin", "label_width", "typeface", "reference",
        "fields",
    ]
    static let page = ["size", "dpi", "width", "height"]
    static let text = ["text", "zone", "size", "align", "bold"]
    static let identify = ["zone", "contains", "code"]
    static let register = ["marks", "border", "anchors"]
    static let marks = ["size", "inset"]
    static let anchor = ["text", "zone"]
    static let field = [
        "type", "label", "label_zone", "zone", "cells", "box", "boxes", "circle", "mode", "thresholds", "era", "eras",
        "parts", "overflow", "lang", "psm", "whitelist", "required", "pattern", "values", "values_file", "length",
        "range", "shape",
        "sensitive", "default", "sample", "note",
    ]
    static let group = ["repeat", "step", "fields", "label", "label_zone", "min"]
    static let cells = ["count", "first", "pitch"]
    static let thresholds = ["filled", "empty"]
    static let era = ["boxes", "circle"]
    static let parts = ["year", "month", "day"]
    static let rule = ["require", "when", "compare", "equal", "fold", "message", "severity"]
    static let witness = [
        "postal", "address", "bank", "branch", "bank_name", "name", "kana", "may_differ", "field", "table", "column",
        "correct",
    ]
    static let review = ["below_confidence", "always", "on_rule_failure", "double_entry", "floors", "silent_errors"]
    static let deliver = ["to", "resource", "for_each", "record"]
    static let mapped = ["from", "const", "codes", "format", "part", "each", "fold", "or", "count", "unless", "times"]
    static let alternative = ["from", "codes", "format", "part", "fold"]
}

extension WorkflowBuilder {
    mutating func build(_ root: Node) -> Workflow? {
        guard let top = entries(root, "the workflow file", allowed: Keys.top) else { return nil }
        let byKey = Dictionary(top.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })

        if let version = byKey["kamiflow"] {
            if version.value.int != 1 {
                error(
                    "unsupported format version \(describe(version.value)); this Kamiflow reads 'kamiflow: 1'",
                    at: version.value)
            }
        } else {
            error("missing 'kamiflow: 1' (the format version) at the top of the file", at: root)
        }
        var id = ""
        if let entry = byKey["workflow"], let text = string(entry.value, "'workflow' (the id)") {
            if text.range(of: #"^[a-z0-9][a-z0-9_-]*$"#, options: .regularExpression) == nil {
                error("workflow id '\(text)' may hold only lower-case letters, digits, '-' and '_'", at: entry.value)
            }
            id = text
        } else if byKey["workflow"] == nil {
            error("missing 'workflow:' (the id used in records, e.g. 'jidou-teate-nintei')", at: root)
        }
        let title = byKey["title"].flatMap { string($0.value, "'title'") } ?? id
        let summary = byKey["description"].flatMap { string($0.value, "'description'") }

        var form = FormTemplate()
        if let entry = byKey["form"] {
            form = buildForm(entry.value)
        } else {
            error("missing 'form:' (the page, its fields and how to recognise it)", at: root)
        }
        let rules = byKey["rules"].map { buildRules($0.value, form: form) } ?? []
        let witnesses = byKey["witnesses"].map { buildWitnesses($0.value, form: form) } ?? []
        let review = byKey["review"].map { buildReview($0.value, form: form) } ?? ReviewPolicy()
        let deliveries = byKey["deliver"].map { buildDeliveries($0.value, form: form) } ?? []
        checkLayout(form)
        return Workflow(
            id: id, title: title, summary: summary, form: form, rules: rules, witnesses: witnesses, review: review,
            deliveries: deliveries, file: file)
    }

    // MARK: Form

    mutating func buildForm(_ node: Node) -> FormTemplate {
        var form = FormTemplate()
        guard let list = entries(node, "'form'", allowed: Keys.form) else { return form }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        if let entry = byKey["page"] { form.page = buildPage(entry.value) }
        if let entry = byKey["cell_margin"], let value = number(entry.value, "'cell_margin'") {
            form.cellMargin = max(0, value)
        }
        if let entry = byKey["label_width"], let value = number(entry.value, "'label_width'") {
            form.labelWidth = max(0, value)
        }
        if let entry = byKey["typeface"], let value = string(entry.value, "'typeface'") {
            if value.isEmpty || !value.hasSuffix(".ttf") && !value.hasSuffix(".otf") && !value.hasSuffix(".ttc") {
                error(
                    "'typeface' names a font file (ipagp.ttf, or a full path to a .ttf, .otf or .ttc)", at: entry.value)
            } else {
                form.typeface = value
            }
        }
        if let entry = byKey["reference"], let value = string(entry.value, "'reference'") {
            form.reference = referencePath(value, at: entry.value)
        }
        if let entry = byKey["title"] {
            form.title = printedText(
                entry.value, "'form.title'",
                default: PrintedText(
                    text: "", zone: TemplateRect(x: 20, y: 16, width: 170, height: 10), size: 16, align: .center,
                    bold: true))
        }
        if let entry = byKey["code"] {
            form.code = printedText(
                entry.value, "'form.code'",
                default: PrintedText(
                    text: "", zone: TemplateRect(x: 150, y: 8, width: 42, height: 5), size: 8, align: .right))
        }
        if let entry = byKey["texts"] {
            if case .sequence(let sequence) = entry.value {
                form.texts = sequence.compactMap { printedText($0, "a printed text", default: nil) }
            } else {
                error("'texts' must be a list of {text, zone}", at: entry.value)
            }
        }
        form.identify =
            byKey["identify"].map { buildIdentify($0.value, hasCode: form.code != nil) }
            ?? (form.code != nil ? .formCode : .onlyForm)
        if let entry = byKey["register"] {
            // On a reference form, `lines` registers by the blank's own rules and their crossings (Registrar).
            form.registration = buildRegistration(entry.value)
        } else if form.reference != nil {
            form.registration = .lines
        }
        if let entry = byKey["fields"] {
            form.items = buildItems(entry.value, form: form)
        } else {
            error("'form' has no 'fields:'", at: node)
        }
        return form
    }

    /// The values listed in a `values_file`: one a line, UTF-8, relative to the workflow file; blank lines and
    /// lines starting with `#` skipped. An error naming where it looked when the file is not there, is not UTF-8 or
    /// lists nothing.
    mutating func valuesFile(_ value: String, at node: Node) -> [String]? {
        let path =
            value.hasPrefix("/")
            ? value : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(value).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: path)
        else {
            error("the values file '\(value)' is not there (looked for \(path))", at: node)
            return nil
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            error("the values file '\(value)' is not UTF-8 text (\(path))", at: node)
            return nil
        }
        let list = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !list.isEmpty else {
            error("the values file '\(value)' lists no value (one a line; \(path))", at: node)
            return nil
        }
        return list
    }

    /// The reference image's path resolved against the workflow file's folder; an error when it is not there.
    mutating func referencePath(_ value: String, at node: Node) -> String? {
        guard !value.isEmpty else {
            error(
                "'reference' names the blank form's image (a PNG, JPEG, TIFF or PDF page), relative to the workflow file",
                at: node)
            return nil
        }
        let path =
            value.hasPrefix("/")
            ? value : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(value).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            error("the reference image '\(value)' is not there (looked for \(path))", at: node)
            return nil
        }
        return path
    }

    mutating func buildPage(_ node: Node) -> PageSpec {
        if case .scalar = node, let name = string(node, "'page'") {
            return namedPage(name, dpi: 300, at: node)
        }
        guard let list = entries(node, "'page'", allowed: Keys.page) else { return .a4 }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let dpi = byKey["dpi"].flatMap { integer($0.value, "'dpi'", minimum: 72).map(Double.init) } ?? 300
        if let width = byKey["width"], let height = byKey["height"] {
            let w = number(width.value, "'width'") ?? 210, h = number(height.value, "'height'") ?? 297
            return PageSpec(name: "custom", width: w, height: h, dpi: dpi)
        }
        if let size = byKey["size"], let name = string(size.value, "'size'") {
            return namedPage(name, dpi: dpi, at: size.value)
        }
        var page = PageSpec.a4
        page.dpi = dpi
        return page
    }

    mutating func namedPage(_ name: String, dpi: Double, at node: Node) -> PageSpec {
        guard let size = PageSpec.named[name] else {
            let names = PageSpec.named.keys.sorted()
            error(
                "unknown page size '\(name)'\(Suggestion.hint(for: name, in: names)); one of: \(names.joined(separator: ", "))",
                at: node)
            return .a4
        }
        return PageSpec(name: name, width: size.width, height: size.height, dpi: dpi)
    }

    mutating func printedText(_ node: Node, _ what: String, default base: PrintedText?) -> PrintedText? {
        if case .scalar = node, let base {
            guard let text = string(node, what) else { return nil }
            var result = base
            result.text = text
            return result
        }
        guard let list = entries(node, what, allowed: Keys.text) else { return nil }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        guard let textEntry = byKey["text"], let text = string(textEntry.value, "\(what) 'text'") else {
            if byKey["text"] == nil { error("\(what) needs 'text'", at: node) }
            return nil
        }
        var zone = base?.zone
        if let entry = byKey["zone"] {
            zone = rect(entry.value, "\(what) 'zone'")
        } else if base == nil {
            error("\(what) '\(text)' needs a 'zone' [x, y, w, h]", at: node)
        }
        guard let zone else { return nil }
        var result = PrintedText(
            text: text, zone: zone, size: base?.size, align: base?.align ?? .left, bold: base?.bold ?? false)
        if let entry = byKey["size"] { result.size = number(entry.value, "'size' (points)") }
        if let entry = byKey["align"], let align = enumeration(entry.value, "alignment", as: PrintedText.Alignment.self)
        {
            result.align = align
        }
        if let entry = byKey["bold"], let bold = bool(entry.value, "'bold'") { result.bold = bold }
        return result
    }

    mutating func buildIdentify(_ node: Node, hasCode: Bool) -> IdentifyRule {
        if case .scalar = node, let text = string(node, "'identify'") {
            if text == "code" {
                if !hasCode { error("'identify: code' needs a printed 'code:' on the form", at: node) }
                return .formCode
            }
            if text == "only" { return .onlyForm }
            error("'identify' must be {zone, contains}, 'code' or 'only', found '\(text)'", at: node)
            return .onlyForm
        }
        guard let list = entries(node, "'identify'", allowed: Keys.identify) else { return .onlyForm }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        if byKey["code"] != nil {
            if !hasCode { error("'identify: {code: true}' needs a printed 'code:' on the form", at: node) }
            return .formCode
        }
        let zone = byKey["zone"].flatMap { rect($0.value, "'identify.zone'") }
        let keyword = byKey["contains"].flatMap { string($0.value, "'identify.contains'") }
        if byKey["zone"] == nil { error("'identify' needs a 'zone' where the keyword is printed", at: node) }
        if byKey["contains"] == nil {
            error("'identify' needs 'contains:' (the keyword printed in the zone)", at: node)
        }
        guard let zone, let keyword else { return .onlyForm }
        return .keyword(zone: zone, contains: keyword)
    }

    mutating func buildRegistration(_ node: Node) -> Registration {
        if case .scalar = node, node.string == "none" { return .none }
        if case .scalar = node, node.string == "lines" { return .lines }
        if case .scalar = node {
            error(
                "'register' must be 'lines', 'none', or one of {marks}, {border}, {anchors}, found \(describe(node))",
                at: node)
            return .none
        }
        guard let list = entries(node, "'register'", allowed: Keys.register) else { return .none }
        guard list.count == 1, let entry = list.first else {
            error("'register' takes exactly one of: marks, border, anchors (or is 'lines' or 'none')", at: node)
            return .none
        }
        switch entry.key {
        case "marks":
            if case .scalar = entry.value {
                if entry.value.string != "corners" {
                    error("'marks' must be 'corners' or {size, inset}, found \(describe(entry.value))", at: entry.value)
                }
                return .marks(CornerMarks())
            }
            guard let items = entries(entry.value, "'register.marks'", allowed: Keys.marks) else { return .none }
            var marks = CornerMarks()
            for item in items {
                guard let value = number(item.value, "'\(item.key)'"), value > 0 else { continue }
                if item.key == "size" { marks.size = value } else { marks.inset = value }
            }
            return .marks(marks)
        case "border":
            return rect(entry.value, "'register.border'").map { .border($0) } ?? .none
        default:
            guard case .sequence(let sequence) = entry.value else {
                error("'anchors' must be a list of {text, zone}", at: entry.value)
                return .none
            }
            var anchors: [Registration.Anchor] = []
            for item in sequence {
                guard let fields = entries(item, "an anchor", allowed: Keys.anchor) else { continue }
                let byKey = Dictionary(fields.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
                guard let text = byKey["text"].flatMap({ string($0.value, "anchor 'text'") }),
                    let zone = byKey["zone"].flatMap({ rect($0.value, "anchor 'zone'") })
                else {
                    error("an anchor needs 'text' and 'zone'", at: item)
                    continue
                }
                anchors.append(.init(text: text, zone: zone))
            }
            if anchors.count < 3 { error("give at least three anchors, spread over the page", at: entry.value) }
            return .anchors(anchors)
        }
    }

    // MARK: Fields

    mutating func buildItems(_ node: Node, form: FormTemplate) -> [FormItem] {
        guard let list = entries(node, "'fields'") else { return [] }
        var items: [FormItem] = []
        for entry in list {
            guard validName(entry.key, at: entry.keyNode) else { continue }
            if case .mapping(let mapping) = entry.value, mapping["repeat"] != nil {
                if let group = buildGroup(entry, form: form) { items.append(.group(group)) }
            } else if let spec = buildField(entry, form: form, inGroup: false) {
                items.append(.field(spec))
            } else {
                brokenFields.insert(entry.key)
            }
        }
        return items
    }

    mutating func validName(_ name: String, at node: Node) -> Bool {
        guard
            name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"#, options: .regularExpression) != nil
        else {
            error(
                "field name '\(name)' must be letters, digits and '_', parts joined by '.' (e.g. 'claimant.name')",
                at: node)
            return false
        }
        return true
    }

    mutating func buildGroup(_ entry: Entry, form: FormTemplate) -> RepeatGroup? {
        guard let list = entries(entry.value, "group '\(entry.key)'", allowed: Keys.group) else { return nil }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let count = byKey["repeat"].flatMap { integer($0.value, "'repeat' (number of printed rows)", minimum: 1) } ?? 1
        var step = TemplateOffset(dx: 0, dy: 0)
        if let stepEntry = byKey["step"] {
            if case .sequence(let s) = stepEntry.value, s.count == 2, let dx = Double(s[0].string ?? ""),
                let dy = Double(s[1].string ?? "")
            {
                step = TemplateOffset(dx: dx, dy: dy)
            } else {
                error("'step' must be [dx, dy] in millimetres, found \(describe(stepEntry.value))", at: stepEntry.value)
            }
        } else if count > 1 {
            error("group '\(entry.key)' repeats \(count) times but has no 'step: [dx, dy]'", at: entry.keyNode)
        }
        let minimum = byKey["min"].flatMap { integer($0.value, "'min'", minimum: 0) } ?? 0
        if minimum > count {
            error("'min' (\(minimum)) is more than the \(count) printed rows", at: byKey["min"]?.value)
        }
        var fields: [FieldSpec] = []
        if let fieldsEntry = byKey["fields"],
            let list = entries(fieldsEntry.value, "the fields of group '\(entry.key)'")
        {
            for child in list where validName(child.key, at: child.keyNode) {
                if case .mapping(let m) = child.value, m["repeat"] != nil {
                    error("groups cannot be nested ('\(entry.key).\(child.key)')", at: child.keyNode)
                    continue
                }
                if var spec = buildField(child, form: form, inGroup: true) {
                    spec.name = child.key
                    fields.append(spec)
                } else {
                    brokenFields.insert("\(entry.key).\(child.key)")
                }
            }
        } else if byKey["fields"] == nil {
            error("group '\(entry.key)' needs 'fields:'", at: entry.keyNode)
        }
        let label = byKey["label"].flatMap { string($0.value, "'label'") }
        _ = byKey["label_zone"].flatMap { rect($0.value, "'label_zone'") }
        return RepeatGroup(
            name: entry.key, label: label, count: count, step: step, minimum: minimum, fields: fields,
            location: location(entry.keyNode))
    }

    mutating func buildField(_ entry: Entry, form: FormTemplate, inGroup: Bool) -> FieldSpec? {
        let what = "field '\(entry.key)'"
        let errorsBefore = diagnostics.count
        guard let list = entries(entry.value, what, allowed: Keys.field) else { return nil }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        guard let typeEntry = byKey["type"] else {
            error(
                "\(what) needs a 'type' (one of: \(FieldType.allCases.map(\.rawValue).joined(separator: ", ")))",
                at: entry.keyNode)
            return nil
        }
        guard let typeName = string(typeEntry.value, "'type'") else { return nil }
        guard let type = FieldType(rawValue: typeName) else {
            error(
                "unknown field type '\(typeName)'\(Suggestion.hint(for: typeName, in: FieldType.allCases.map(\.rawValue)))",
                at: typeEntry.value)
            return nil
        }
        var spec = FieldSpec(name: entry.key, type: type, location: location(entry.keyNode))
        spec.label = byKey["label"].flatMap { string($0.value, "'label'") }
        spec.labelZone = byKey["label_zone"].flatMap { rect($0.value, "'label_zone'") }
        spec.zone = byKey["zone"].flatMap { rect($0.value, "'zone'") }
        spec.box = byKey["box"].flatMap { rect($0.value, "'box'") }
        if let cells = byKey["cells"] { spec.cells = buildCells(cells.value) }
        if let boxes = byKey["boxes"] { spec.marks = buildOptions(boxes.value, style: .boxes) }
        if let circle = byKey["circle"] {
            if spec.marks != nil { error("give either 'boxes' or 'circle', not both", at: circle.keyNode) }
            spec.marks = buildOptions(circle.value, style: .circles)
        }
        if let mode = byKey["mode"], let value = enumeration(mode.value, "choice mode", as: ChoiceMode.self) {
            spec.choiceMode = value
        }
        if let thresholds = byKey["thresholds"] { spec.thresholds = buildThresholds(thresholds.value) }
        // Recognition.
        if let lang = byKey["lang"], let value = string(lang.value, "'lang'") {
            if value.range(of: #"^[A-Za-z_]+(\+[A-Za-z_]+)*$"#, options: .regularExpression) == nil {
                error(
                    "'lang' must be Tesseract language names like 'jpn' or 'jpn+eng', found '\(value)'", at: lang.value)
            }
            spec.recognition.language = value
        }
        if let psm = byKey["psm"], let value = integer(psm.value, "'psm'") {
            if let mode = PageSegmentation(rawValue: value), value >= 3 {
                spec.recognition.segmentation = mode
            } else {
                error("'psm' must be a Tesseract page segmentation mode from 3 to 13, found \(value)", at: psm.value)
            }
        }
        spec.recognition.whitelist = byKey["whitelist"].flatMap { string($0.value, "'whitelist'") }
        // Validation.
        if let required = byKey["required"], let value = bool(required.value, "'required'") {
            spec.validation.required = value
        }
        if let pattern = byKey["pattern"], let value = string(pattern.value, "'pattern'") {
            if (try? NSRegularExpression(pattern: value)) == nil {
                error("'pattern' is not a valid regular expression: \(value)", at: pattern.value)
            } else {
                spec.validation.pattern = value
            }
        }
        if let values = byKey["values"] {
            let list = strings(values.value, "a value").map(\.0)
            if !type.isFreeText {
                error("'values' is only for text, katakana and hiragana fields", at: values.keyNode)
            } else if list.isEmpty || list.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                error("'values' must list the words the field may hold, e.g. [世帯主, 妻, 夫, 子]", at: values.value)
            } else {
                spec.validation.values = list
            }
        }
        if let file = byKey["values_file"] {
            if byKey["values"] != nil {
                error("a field takes 'values' or 'values_file', not both", at: file.keyNode)
            } else if !type.isFreeText {
                error("'values_file' is only for text, katakana and hiragana fields", at: file.keyNode)
            } else if let name = string(file.value, "'values_file'"), let list = valuesFile(name, at: file.value) {
                spec.validation.values = list
            }
        }
        if let length = byKey["length"] { spec.validation.length = buildLength(length.value) }
        if let shape = byKey["shape"], let value = string(shape.value, "'shape'") {
            let known = TextShape(rawValue: value)
            if type == .accountKana, known != nil, known != .familyGiven {
                error("an account-kana field takes only 'shape: family-given'", at: shape.value)
            } else if ![.text, .katakana, .hiragana, .accountKana].contains(type) {
                error("'shape' is only for text, katakana, hiragana and account-kana fields", at: shape.keyNode)
            } else if let known {
                spec.validation.shape = known
            } else {
                let names = TextShape.allCases.map(\.rawValue).joined(separator: ", ")
                error("'shape' must be one of \(names), found '\(value)'", at: shape.value)
            }
        }
        if let range = byKey["range"] {
            if case .sequence(let s) = range.value, s.count == 2 {
                let low = s[0].string.flatMap(Double.init), high = s[1].string.flatMap(Double.init)
                if (s[0].string ?? "").isEmpty == false && low == nil
                    || (s[1].string ?? "").isEmpty == false && high == nil
                    || low == nil && high == nil
                {
                    error(
                        "'range' must be [min, max] numbers (either may be null), found \(describe(range.value))",
                        at: range.value)
                } else if let low, let high, low > high {
                    error("'range' minimum \(low) is greater than maximum \(high)", at: range.value)
                } else {
                    spec.validation.minimum = low
                    spec.validation.maximum = high
                }
            } else {
                error("'range' must be [min, max], found \(describe(range.value))", at: range.value)
            }
        }
        if let sensitive = byKey["sensitive"], let value = bool(sensitive.value, "'sensitive'") {
            spec.sensitive = value
        }
        spec.defaultValue = byKey["default"].flatMap { string($0.value, "'default'") }
        spec.sample = byKey["sample"].flatMap { string($0.value, "'sample'") }
        spec.note = byKey["note"].flatMap { string($0.value, "'note'") }
        // Dates.
        if let era = byKey["era"] {
            guard type == .warekiDate else {
                error("'era' is only for wareki-date fields", at: era.keyNode)
                return nil
            }
            if let list = entries(era.value, "'era'", allowed: Keys.era), let first = list.first {
                if list.count > 1 { error("'era' takes either 'boxes' or 'circle'", at: era.value) }
                spec.marks = buildOptions(first.value, style: first.key == "boxes" ? .boxes : .circles, eras: true)
            }
        }
        if let eras = byKey["eras"] {
            var list: [Era] = []
            for (name, node) in strings(eras.value, "an era") {
                if let value = Era(name: name) {
                    list.append(value)
                } else {
                    error("unknown era '\(name)'; one of: 明治, 大正, 昭和, 平成, 令和", at: node)
                }
            }
            if !list.isEmpty { spec.eras = list }
        }
        if let overflow = byKey["overflow"],
            let value = enumeration(overflow.value, "overflow policy", as: EraOverflowPolicy.self)
        {
            spec.overflow = value
        }
        if let parts = byKey["parts"], let list = entries(parts.value, "'parts'", allowed: Keys.parts) {
            let byPart = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            let rects = Keys.parts.map { key in byPart[key].flatMap { rect($0.value, "'\(key)' zone") } }
            if rects.contains(where: { $0 == nil }) {
                if list.count < 3 { error("'parts' needs year, month and day zones", at: parts.value) }
            } else {
                spec.parts = DateParts(year: rects[0]!, month: rects[1]!, day: rects[2]!)
            }
        }
        // A key that was given but could not be read has been reported; checking the shape now would only add
        // a misleading "needs a zone" on top of "the zone must be …".
        let unreadable = diagnostics[errorsBefore...].contains {
            $0.severity == .error && !$0.message.hasPrefix("unknown key")
        }
        if unreadable { return nil }
        // A drawn circle puts far less ink in its ring than a tick puts in a box: circles get their own defaults.
        if byKey["thresholds"] == nil, spec.marks?.style == .circles { spec.thresholds = .circles }
        checkShape(&spec, at: entry.keyNode, form: form, inGroup: inGroup)
        return spec
    }

    /// Checks that the geometry fits the type, and works out the frame and the default label zone.
    mutating func checkShape(_ spec: inout FieldSpec, at node: Node, form: FormTemplate, inGroup: Bool) {
        let what = "field '\(spec.name)'"
        switch spec.type {
        case .checkbox:
            if spec.box == nil {
                error("\(what) is a checkbox and needs 'box: [x, y, w, h]' (the printed square)", at: node)
            }
            if spec.zone != nil || spec.marks != nil || spec.cells != nil {
                error("\(what) is a checkbox: give only 'box'", at: node)
            }
        case .choice:
            guard let marks = spec.marks else {
                error(
                    "\(what) is a choice and needs 'boxes: {option: [x, y, w, h]}' or 'circle: {option: [x, y, w, h]}'",
                    at: node)
                break
            }
            if marks.options.count < 2 && spec.choiceMode == .one {
                error("\(what) chooses exactly one option but lists \(marks.options.count)", at: node)
            }
            if spec.zone != nil || spec.box != nil || spec.cells != nil {
                error("\(what) is a choice: give only its options", at: node)
            }
        case .warekiDate:
            if spec.zone == nil && spec.parts == nil && spec.cells == nil {
                error("\(what) needs a 'zone' (e.g. 令和5年4月1日 written in it) or 'parts: {year, month, day}'", at: node)
            }
            if spec.parts != nil && spec.marks == nil && spec.eras.count != 1 {
                error(
                    "\(what) has year/month/day 'parts' but no 'era' marks; add 'era: {circle: …}' or name one era in 'eras'",
                    at: node)
            }
        default:
            if spec.marks != nil || spec.box != nil {
                error(
                    "\(what) of type \(spec.type.rawValue) is read as text: use 'zone' or 'cells', not boxes", at: node)
            }
            if spec.zone == nil && spec.cells == nil {
                error("\(what) needs a 'zone: [x, y, w, h]' (the area that is read) or 'cells'", at: node)
            }
            if spec.zone != nil && spec.cells != nil {
                error("\(what): give either 'zone' or 'cells', not both", at: node)
            }
        }
        // Frame: what is printed around the read areas.
        let frames = spec.printedAreas(cellMargin: form.cellMargin)
        spec.frame = TemplateRect.bounding(frames) ?? TemplateRect(x: 0, y: 0, width: 0, height: 0)
        if spec.label != nil, spec.labelZone == nil {
            if inGroup {
                spec.labelZone = TemplateRect(x: spec.frame.x, y: spec.frame.y - 5, width: spec.frame.width, height: 5)
            } else {
                spec.labelZone = TemplateRect(
                    x: spec.frame.x - form.labelWidth, y: spec.frame.y, width: form.labelWidth,
                    height: spec.frame.height)
            }
        }
    }

    mutating func buildCells(_ node: Node) -> CellGrid? {
        guard let list = entries(node, "'cells'", allowed: Keys.cells) else { return nil }
        let byKey = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let count = byKey["count"].flatMap { integer($0.value, "'cells.count'", minimum: 1) }
        let first = byKey["first"].flatMap { rect($0.value, "'cells.first'") }
        let pitch = byKey["pitch"].flatMap { number($0.value, "'cells.pitch'") }
        for key in Keys.cells where byKey[key] == nil { error("'cells' needs '\(key)'", at: node) }
        guard let count, let first, let pitch else { return nil }
        if pitch < first.width {
            error(
                "'cells.pitch' (\(pitch) mm) is narrower than a cell (\(first.width) mm): cells would overlap", at: node
            )
        }
        return CellGrid(count: count, first: first, pitch: pitch)
    }

    mutating func buildOptions(_ node: Node, style: OptionMarks.Style, eras: Bool = false) -> OptionMarks? {
        guard let list = entries(node, style == .boxes ? "'boxes'" : "'circle'") else { return nil }
        var options: [MarkOption] = []
        for entry in list {
            if eras && Era(name: entry.key) == nil {
                error("unknown era '\(entry.key)'; one of: 明治, 大正, 昭和, 平成, 令和 (or 明, 大, 昭, 平, 令)", at: entry.keyNode)
                continue
            }
            if let rect = rect(entry.value, "the place of option '\(entry.key)'") {
                options.append(MarkOption(name: eras ? Era(name: entry.key)!.rawValue : entry.key, rect: rect))
            }
        }
        return OptionMarks(style: style, options: options)
    }

    mutating func buildThresholds(_ node: Node) -> MarkThresholds {
        var thresholds = MarkThresholds()
        guard let list = entries(node, "'thresholds'", allowed: Keys.thresholds) else { return thresholds }
        for entry in list {
            guard let value = number(entry.value, "'\(entry.key)' threshold") else { continue }
            guard (0...1).contains(value) else {
                error("'\(entry.key)' threshold is a fill ratio between 0 and 1, found \(value)", at: entry.value)
                continue
            }
            if entry.key == "filled" { thresholds.filled = value } else { thresholds.empty = value }
        }
        if thresholds.empty >= thresholds.filled {
            error("the 'empty' threshold must be below the 'filled' one", at: node)
        }
        return thresholds
    }

    mutating func buildLength(_ node: Node) -> ClosedRange<Int>? {
        if case .scalar = node, let n = integer(node, "'length'", minimum: 1) { return n...n }
        if case .sequence(let s) = node, s.count == 2, let low = Int(s[0].string ?? ""),
            let high = Int(s[1].string ?? ""),
            low >= 0, low <= high
        {
            return low...high
        }
        if case .sequence = node { error("'length' must be N or [min, max], found \(describe(node))", at: node) }
        return nil
    }
}

extension OptionMarks {
    /// Where a ticked-box option's name is printed: just right of its box, sized for the name (about one em per
    /// character at the box's height). Circled options print their name inside their own rect.
    public func captionZone(for option: MarkOption) -> TemplateRect {
        switch style {
        case .circles: return option.rect
        case .boxes:
            let em = max(option.rect.height, 3.5)
            return TemplateRect(
                x: option.rect.maxX + 1, y: option.rect.y, width: Double(option.name.count) * em + 0.5,
                height: option.rect.height)
        }
    }
}
