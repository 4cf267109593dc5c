import Foundation
public import KamiflowCore
public import KamiflowWorkflow

/// What the person filling in the form puts on the paper for one field.
public enum Ink: Hashable, Sendable {
    /// Nothing: the field is left blank.
    case blank
    /// Text written in the field's zone.
    case text(String)
    /// One character per printed cell (マス目), in cell order.
    case characters([String])
    /// The named printed options are ticked or circled.
    case marks([String])
    /// A single checkbox, ticked or not.
    case tick(Bool)
    /// A 和暦 date as era options + number cells.
    case eraParts(era: String, year: String, month: String, day: String)
}

/// A deliberate mistake planted in a sample, which extraction must flag.
public struct PlantedDefect: Hashable, Sendable, Codable {
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A マイナンバー (or 法人番号) whose check digit is wrong.
        public static let invalidCheckDigit = Self(rawValue: "invalidCheckDigit")
        /// A date that does not exist (2月30日, month 13, 平成31年5月1日 after the era ended).
        public static let impossibleDate = Self(rawValue: "impossibleDate")
        /// A required field left blank.
        public static let missingRequired = Self(rawValue: "missingRequired")
        /// Two options marked where exactly one is allowed.
        public static let twoMarks = Self(rawValue: "twoMarks")
        /// An account holder kana that is not the claimant's name.
        public static let holderMismatch = Self(rawValue: "holderMismatch")

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// The field path the defect is in (an issue naming this path counts as catching it).
    public var field: String
    public var kind: Kind

    public init(field: String, kind: Kind) {
        self.field = field
        self.kind = kind
    }
}

/// One field of a filled-in form: what is drawn, and what extraction should make of it.
public struct FilledField: Hashable, Sendable {
    public var path: String
    public var type: FieldType
    public var ink: Ink
    /// The value extraction should produce, normalised as `FieldValue.textValue` spells it: ISO dates, digits
    /// without hyphens, the chosen option's name, `true`/`false` for checkboxes, `""` for a blank field.
    public var truth: String
}

/// A form filled in for one fake household, with the defects planted in it.
public struct FilledForm: Hashable, Sendable {
    public var workflow: String
    public var fields: [FilledField]
    public var defects: [PlantedDefect]

    public func field(_ path: String) -> FilledField? { fields.first { $0.path == path } }
}

/// How samples are made: the share of forms with a planted defect and the "today" of the forms.
public struct FillConfiguration: Hashable, Sendable {
    /// Share (0…1) of forms that carry one deliberate defect.
    public var defectRate: Double
    public var referenceDate: CivilDate

    public init(defectRate: Double = 0, referenceDate: CivilDate = CivilDate(year: 2026, month: 10, day: 1)) {
        self.defectRate = defectRate
        self.referenceDate = referenceDate
    }
}

/// Fills a form layout with a fake household, interpreting each field's `sample:` hint (vocabulary in
/// docs/samples-and-eval.md) and falling back on the field type, then plants defects.
public struct FormFiller: Sendable {
    public var configuration: FillConfiguration

    public init(configuration: FillConfiguration = FillConfiguration()) {
        self.configuration = configuration
    }

    /// Fills `layout` for sample number `index` of a batch made with `seed`; the same three give the same form.
    ///
    /// A form is filled as a person would fill it in: a repeating group gets at least its `min:` rows (a household
    /// that cannot fill them — no children on a 児童手当 claim — is drawn again), and a row with nothing written in
    /// it has no box ticked or option circled either. Mistakes are only what `plantDefect` plants and records, so a
    /// form that breaks the workflow's rules without a planted defect is not counted against straight-through.
    public func fill(_ layout: FormLayout, seed: UInt64, index: Int) -> FilledForm {
        var household: FakeHousehold
        var fields: [FilledField]
        var attempt = 0
        repeat {
            let stream = attempt == 0 ? "household-\(index)" : "household-\(index)-\(attempt)"
            var random = SeededRandom(seed: seed, stream: stream)
            household = FakePeopleGenerator(referenceDate: configuration.referenceDate).household(using: &random)
            var context = SampleContext(
                household: household, random: SeededRandom(seed: seed, stream: "values-\(index)"))
            fields = layout.fields.map { Self.inscribe(context.datum(for: $0), in: $0) }
            Self.clearUnwrittenRows(&fields, layout: layout)
            attempt += 1
        } while attempt < 64 && !Self.fillsMinimumRows(fields, layout: layout)
        var form = FilledForm(workflow: layout.workflow, fields: fields, defects: [])
        var defectRandom = SeededRandom(seed: seed, stream: "defects-\(index)")
        if defectRandom.chance(configuration.defectRate) {
            plantDefect(in: &form, layout: layout, household: household, using: &defectRandom)
        }
        return form
    }

    /// `children[1].name` → (`children`, 1); `nil` for a field outside a repeating group.
    static func row(of field: LayoutField) -> (group: String, row: Int)? {
        guard let row = field.groupIndex, let bracket = field.path.firstIndex(of: "[") else { return nil }
        return (String(field.path[..<bracket]), row)
    }

    /// Something written by hand or printer: text, characters in boxes, a date's numbers. Ticks and circles are not.
    static func isWriting(_ ink: Ink) -> Bool {
        switch ink {
        case .text, .characters, .eraParts: true
        case .blank, .marks, .tick: false
        }
    }

    static func isWritable(_ marking: LayoutField.Marking) -> Bool {
        switch marking {
        case .zone, .cells, .eraParts: true
        case .options, .checkbox: false
        }
    }

    /// In a group row whose written fields are all blank (a child the household does not have), nobody ticks 同居
    /// or circles 性別: those marks are taken off too. Rows of marks only (a survey's ratings) are left as drawn.
    static func clearUnwrittenRows(_ fields: inout [FilledField], layout: FormLayout) {
        // Rows with somewhere to write, less those written in.
        var unwritten: Set<String> = [], written: Set<String> = []
        for (field, filled) in zip(layout.fields, fields) where isWritable(field.marking) {
            guard let (group, row) = row(of: field) else { continue }
            unwritten.insert("\(group)[\(row)]")
            if isWriting(filled.ink) { written.insert("\(group)[\(row)]") }
        }
        unwritten.subtract(written)
        for (i, field) in layout.fields.enumerated() {
            guard let (group, row) = row(of: field), unwritten.contains("\(group)[\(row)]") else { continue }
            switch fields[i].ink {
            case .tick(true):
                fields[i].ink = .tick(false)
                fields[i].truth = "false"
            case .marks:
                fields[i].ink = .blank
                fields[i].truth = ""
            default: break
            }
        }
    }

    /// Whether every repeating group has at least its `min:` rows with something on them.
    static func fillsMinimumRows(_ fields: [FilledField], layout: FormLayout) -> Bool {
        guard !layout.minimumRows.isEmpty else { return true }
        var filledRows: [String: Set<Int>] = [:]
        for (field, filled) in zip(layout.fields, fields) {
            guard let (group, row) = row(of: field) else { continue }
            if filled.ink != .blank && filled.ink != .tick(false) { filledRows[group, default: []].insert(row) }
        }
        return layout.minimumRows.allSatisfy { filledRows[$0.key, default: []].count >= $0.value }
    }

    /// Turns a datum into ink for the field's kind of marking, and the truth extraction should produce.
    static func inscribe(_ datum: SampleDatum, in field: LayoutField) -> FilledField {
        func make(_ ink: Ink, _ truth: String) -> FilledField {
            FilledField(path: field.path, type: field.type, ink: ink, truth: truth)
        }
        switch (datum, field.marking) {
        case (.blank, .checkbox):
            return make(.tick(false), "false")
        case (.blank, _):
            return make(.blank, "")
        case (.flag(let on), .checkbox):
            return make(.tick(on), on ? "true" : "false")
        case (.flag(let on), .options(let options, _)):
            let name = on ? options.first?.name : options.last?.name
            return name.map { make(.marks([$0]), $0) } ?? make(.blank, "")
        case (.choice(let names), .options(let options, _)):
            let known = options.map(\.name).filter { names.contains($0) }
            return known.isEmpty ? make(.blank, "") : make(.marks(known), known.joined(separator: ","))
        case (.choice(let names), .checkbox):
            return make(.tick(!names.isEmpty), names.isEmpty ? "false" : "true")
        case (.date(let date), .eraParts(let eras, _, _, _)):
            let (era, year) = DomainRules.wareki(date)
            guard eras.contains(where: { $0.name == era }) else { return make(.blank, "") }
            return make(
                .eraParts(era: era, year: String(year), month: String(date.month), day: String(date.day)),
                date.description)
        case (.date(let date), .zone):
            let text = field.type == .date ? "\(date.year)年\(date.month)月\(date.day)日" : DomainRules.warekiText(date)
            return make(.text(text), date.description)
        case (.date(let date), .cells(let cells)):
            let digits = String(format4(date.year)) + pad2(date.month) + pad2(date.day)
            return make(.characters(Array(digits.prefix(cells.count)).map(String.init)), date.description)
        case (.text(let printed, let truth), .cells(let cells)):
            // One character per box: hyphens and spaces are printed by the form, not written.
            let written = printed.filter { $0 != "-" && $0 != " " && $0 != "　" }
            let characters = Array(written).prefix(cells.count).map(String.init)
            return make(.characters(characters), characters.count == written.count ? truth : characters.joined())
        case (.text(let printed, let truth), .zone):
            return make(.text(printed), truth)
        case (.text(_, let truth), .options(let options, _)):
            let known = options.map(\.name).filter { $0 == truth }
            return known.isEmpty ? make(.blank, "") : make(.marks(known), truth)
        case (.text(_, let truth), .checkbox):
            return make(.tick(!truth.isEmpty), truth.isEmpty ? "false" : "true")
        default:
            return make(.blank, field.marking.isCheckbox ? "false" : "")
        }
    }

    private func plantDefect(
        in form: inout FilledForm, layout: FormLayout, household: FakeHousehold, using random: inout SeededRandom
    ) {
        var candidates: [(Int, PlantedDefect.Kind)] = []
        for (i, field) in layout.fields.enumerated() {
            let filled = form.fields[i]
            if filled.ink == .blank { continue }
            if field.type == .mynumber && filled.truth.count == 12 { candidates.append((i, .invalidCheckDigit)) }
            if field.type == .warekiDate || field.type == .date { candidates.append((i, .impossibleDate)) }
            if field.required, !field.marking.isCheckbox { candidates.append((i, .missingRequired)) }
            if case .options(let options, true) = field.marking, options.count >= 2 {
                candidates.append((i, .twoMarks))
            }
            if field.type == .accountKana { candidates.append((i, .holderMismatch)) }
        }
        guard !candidates.isEmpty else { return }
        let (index, kind) = random.pick(candidates)
        let field = layout.fields[index]
        var filled = form.fields[index]
        switch kind {
        case .invalidCheckDigit:
            let digits = Array(filled.truth)
            let good = digits[11].wholeNumberValue!
            let bad = (good + random.int(in: 1...9)) % 10
            let number = String(digits[0..<11]) + String(bad)
            filled.truth = number
            filled.ink = Self.inscribe(.same(number), in: field).ink
        case .impossibleDate:
            let variants: [(era: String, year: Int, month: Int, day: Int)] = [
                ("平成", 31, 5, random.int(in: 1...28)),
                ("令和", random.int(in: 2...7), 2, 30),
                ("令和", random.int(in: 2...7), 13, random.int(in: 1...28)),
                ("昭和", 64, 1, random.int(in: 8...31)),
                ("令和", random.int(in: 2...7), 4, 31),
            ]
            let v = random.pick(variants)
            if case .eraParts(let eras, _, _, _) = field.marking {
                let era = eras.contains { $0.name == v.era } ? v.era : (eras.last?.name ?? v.era)
                filled.ink = .eraParts(era: era, year: String(v.year), month: String(v.month), day: String(v.day))
            } else if field.type == .date {
                filled.ink = .text("\(2000 + v.year)年\(v.month == 13 ? 13 : 2)月\(v.month == 13 ? v.day : 30)日")
            } else {
                filled.ink = .text("\(v.era)\(v.year)年\(v.month)月\(v.day)日")
            }
            filled.truth = ""
        case .missingRequired:
            filled.ink = .blank
            filled.truth = ""
        case .twoMarks:
            guard case .options(let options, _) = field.marking else { return }
            var names: Set<String> = [filled.ink.markedNames.first ?? options[0].name]
            let others = options.map(\.name).filter { !names.contains($0) }
            names.insert(random.pick(others))
            let ordered = options.map(\.name).filter { names.contains($0) }
            filled.ink = .marks(ordered)
            filled.truth = ordered.joined(separator: ",")
        default:
            // holderMismatch: somebody else's name, but still well-formed kana, so only the rule can catch it.
            var name = random.pick(JapaneseTables.surnames).kana + " " + random.pick(JapaneseTables.maleGivenNames).kana
            while name == household.head.kana {
                name =
                    random.pick(JapaneseTables.surnames).kana + " " + random.pick(JapaneseTables.femaleGivenNames).kana
            }
            filled.ink = Self.inscribe(.same(name), in: field).ink
            filled.truth = name
        }
        form.fields[index] = filled
        form.defects.append(PlantedDefect(field: field.path, kind: kind))
    }
}

private func format4(_ n: Int) -> String { String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n) }
private func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

extension LayoutField.Marking {
    var isCheckbox: Bool {
        if case .checkbox = self { return true }
        return false
    }
}

extension Ink {
    var markedNames: [String] {
        if case .marks(let names) = self { return names }
        return []
    }
}
