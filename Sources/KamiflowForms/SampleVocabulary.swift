import KamiflowCore

/// A value for one field before it is put on paper.
enum SampleDatum: Hashable {
    case blank
    /// `printed` is what is written (hyphens, spaces); `truth` what extraction should produce from it.
    case text(printed: String, truth: String)
    case date(CivilDate)
    case choice([String])
    case flag(Bool)

    static func same(_ s: String) -> SampleDatum { .text(printed: s, truth: s) }
}

/// Interprets `sample:` hints (the vocabulary is written down in docs/samples-and-eval.md) against one household.
struct SampleContext {
    var household: FakeHousehold
    var random: SeededRandom

    mutating func datum(for field: LayoutField) -> SampleDatum {
        if let hint = field.sample?.trimmingSpaces, !hint.isEmpty, let datum = datum(hint: hint, field: field) {
            return datum
        }
        return fallback(for: field)
    }

    /// The value a hint names, or `nil` for a hint outside the vocabulary (the field then falls back on its type).
    mutating func datum(hint: String, field: LayoutField) -> SampleDatum? {
        if hint.hasPrefix("const:") { return .same(String(hint.dropFirst(6))) }
        if hint.hasPrefix("one-of:") {
            let options = hint.dropFirst(7).split(separator: "|").map { String($0).trimmingSpaces }
            return options.isEmpty ? nil : .same(random.pick(options))
        }
        if hint.hasPrefix("number:") {
            let bounds = hint.dropFirst(7).split(separator: "-").compactMap { Int($0) }
            guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
            return .same(String(random.int(in: bounds[0]...bounds[1])))
        }
        let (subject, index, attribute) = Self.parse(hint)
        switch subject {
        case "person", "head", "claimant", "applicant":
            return personDatum(household.head, attribute: attribute)
        case "spouse":
            return household.spouse.map { personDatum($0, attribute: attribute) } ?? .blank
        case "child", "children":
            let i = (index ?? ((field.groupIndex ?? 0) + 1)) - 1
            return household.children.indices.contains(i) ? personDatum(household.children[i], attribute: attribute)
                : .blank
        case "member", "members", "household.member":
            let i = (index ?? ((field.groupIndex ?? 0) + 1)) - 1
            return household.members.indices.contains(i) ? personDatum(household.members[i], attribute: attribute)
                : .blank
        case "address": return addressDatum(household.address, attribute: attribute)
        case "previous_address", "old_address": return addressDatum(household.previousAddress, attribute: attribute)
        case "phone": return .text(printed: household.phoneText, truth: household.phoneDigits)
        case "household":
            switch attribute {
            case "id": return .same(household.householdID)
            case "count", "size": return .same(String(household.members.count))
            default: return nil
            }
        case "bank", "account": return bankDatum(attribute: attribute, field: field)
        case "yucho": return yuchoDatum(attribute: attribute)
        case "date":
            switch attribute {
            case "notified", "today", "submitted", "applied": return .date(household.notifiedOn)
            case "happened", "moved", "acquired": return .date(household.happenedOn)
            default: return nil
            }
        case "choice":
            let names = field.optionNames
            if names.isEmpty { return nil }
            if attribute == "first" { return .choice([names[0]]) }
            if attribute == "any" {
                let chosen = names.filter { _ in random.chance(0.35) }
                return .choice(chosen)
            }
            return .choice([random.pick(names)])
        case "flag", "checkbox":
            switch attribute {
            case "true", "on", "yes": return .flag(true)
            case "false", "off", "no": return .flag(false)
            default: return .flag(random.chance(0.4))
            }
        default:
            return nil
        }
    }

    /// `child[2].kana` → ("child", 2, "kana"); `household.member[1].name` → ("household.member", 1, "name").
    static func parse(_ hint: String) -> (subject: String, index: Int?, attribute: String) {
        var subject = hint
        var attribute = ""
        if let dot = hint.lastIndex(of: ".") {
            subject = String(hint[..<dot])
            attribute = String(hint[hint.index(after: dot)...])
        }
        var index: Int?
        if let open = subject.firstIndex(of: "["), let close = subject.firstIndex(of: "]"), open < close {
            index = Int(subject[subject.index(after: open)..<close])
            subject = String(subject[..<open])
        }
        return (subject.lowercased(), index, attribute.lowercased())
    }

    mutating func personDatum(_ person: FakePerson, attribute: String) -> SampleDatum {
        switch attribute {
        case "surname": return .same(person.surname)
        case "given", "given_name": return .same(person.givenName)
        case "kana", "furigana": return .same(person.kana)
        case "hiragana": return .same(person.kana.hiragana)
        case "surname_kana": return .same(person.surnameKana)
        case "given_kana": return .same(person.givenNameKana)
        case "sex": return .choice([person.sex])
        case "birth", "birthday", "born": return .date(person.birth)
        case "relation": return .choice([person.relation])
        case "mynumber", "number": return .same(person.myNumber)
        case "age":
            let generator = FakePeopleGenerator(referenceDate: household.notifiedOn)
            return .same(String(generator.age(at: person.birth)))
        default: return .same(person.name)
        }
    }

    func addressDatum(_ address: FakeAddress, attribute: String) -> SampleDatum {
        switch attribute {
        case "postal", "postal_code", "zip": return .text(printed: address.postalText, truth: address.postalCode)
        case "prefecture": return .same(address.prefecture)
        case "city": return .same(address.prefecture + address.city)
        case "katagaki", "building": return address.katagaki.isEmpty ? .blank : .same(address.katagaki)
        case "full":
            return .same(address.katagaki.isEmpty ? address.line : address.line + " " + address.katagaki)
        default: return .same(address.line)
        }
    }

    mutating func bankDatum(attribute: String, field: LayoutField) -> SampleDatum {
        let account = household.account
        switch attribute {
        case "code": return .same(account.bankCode)
        case "name": return .same(account.bankName)
        case "branch", "branch_code": return .same(account.branchCode)
        case "branch_name": return .same(account.branchName)
        case "type", "kind": return .choice([account.type])
        case "number", "account": return .same(account.number)
        case "holder", "holder_kana", "kana": return .same(account.holderKana)
        default: return .same(account.number)
        }
    }

    func yuchoDatum(attribute: String) -> SampleDatum {
        let account = household.account
        switch attribute {
        case "symbol", "kigou", "kigo": return .same(account.yuchoSymbol)
        case "number", "bangou", "bango": return .same(account.yuchoNumber)
        default:
            return .text(
                printed: "\(account.yuchoSymbol)-\(account.yuchoNumber)",
                truth: account.yuchoSymbol + account.yuchoNumber)
        }
    }

    /// A plausible value from the field type alone, for fields without a hint.
    mutating func fallback(for field: LayoutField) -> SampleDatum {
        switch field.marking {
        case .checkbox: return .flag(random.chance(0.4))
        case .options(let options, let exactlyOne):
            if exactlyOne || options.count == 1 { return .choice([random.pick(options).name]) }
            return .choice(options.map(\.name).filter { _ in random.chance(0.35) })
        case .eraParts: return .date(household.head.birth)
        default: break
        }
        let head = household.head
        switch field.type {
        case "katakana": return .same(head.kana)
        case "hiragana": return .same(head.kana.hiragana)
        case "mynumber": return .same(head.myNumber)
        case "phone": return .text(printed: household.phoneText, truth: household.phoneDigits)
        case "postal": return addressDatum(household.address, attribute: "postal")
        case "wareki-date", "date": return .date(household.notifiedOn)
        case "bank-code": return .same(household.account.bankCode)
        case "branch-code": return .same(household.account.branchCode)
        case "account-number": return .same(household.account.number)
        case "account-kana": return .same(household.account.holderKana)
        case "yucho": return yuchoDatum(attribute: "")
        case "corporate-number":
            let base = random.digits(12)
            return .same(String(DomainRules.corporateCheckDigit(base)) + base)
        case "email":
            let user = random.pick(["taro", "hanako", "user", "info", "k.yamada"])
            return .same("\(user)\(random.int(in: 1...999))@example.jp")
        case "number", "amount": return .same(String(random.int(in: 1...99) * 1000))
        case "digits":
            let count: Int
            if case .cells(let cells) = field.marking { count = cells.count } else {
                count = field.length?.upperBound ?? 6
            }
            return .same(random.digits(max(1, count)))
        case "checkbox": return .flag(random.chance(0.4))
        default:
            if field.path.lowercased().contains("address") || field.label.contains("住所") {
                return .same(household.address.line)
            }
            return .same(head.name)
        }
    }
}

extension DomainRules {
    /// The 法人番号 check digit (the first digit) of a 12-digit 基礎番号 (DOMAIN §4.2).
    package static func corporateCheckDigit(_ base: String) -> Int {
        let digits = base.compactMap(\.wholeNumberValue).reversed()
        let sum = digits.enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 1 : 2) }
        return 9 - sum % 9
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }

    /// Katakana turned into hiragana (the rest unchanged).
    var hiragana: String {
        String(
            String.UnicodeScalarView(
                unicodeScalars.map { scalar in
                    (0x30A1...0x30F6).contains(scalar.value) ? Unicode.Scalar(scalar.value - 0x60)! : scalar
                }))
    }
}
