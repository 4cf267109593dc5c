import KamiflowCore
import KamiflowWorkflow

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
    /// Whether the optional fields under one path head (`spouse.*`, `prev.*`, `children[1].*`) are left blank: one
    /// choice for them all, as a person writes a spouse's name and number or neither.
    var blankHeads: [String: Bool] = [:]

    /// An optional field is left blank a quarter of the time, together with the other optional fields of its head.
    /// The coin is tossed for every optional field, so the values drawn after it are those of earlier versions.
    mutating func leavesBlank(_ field: LayoutField) -> Bool {
        let head = field.path.split(separator: ".").first.map(String.init) ?? field.path
        let coin = random.chance(0.25)
        if let decided = blankHeads[head] { return decided }
        blankHeads[head] = coin
        return coin
    }

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
        let parsed = Self.parse(hint, path: field.path)
        let (subject, index, attribute) = (parsed.subject, parsed.index, parsed.attribute)
        let isYucho = household.account.bankCode == "9900"
        // An account block is already optional by the household's kind of account (bank or ゆうちょ).
        let accountHint = ["bank", "account", "yucho"].contains(subject)
        if parsed.modifiers.contains("optional") && !accountHint && leavesBlank(field) { return .blank }
        switch subject {
        case "person":
            return personDatum(household.head, attribute: attribute, field: field, modifiers: parsed.modifiers)
        case "spouse":
            return household.spouse.map {
                personDatum($0, attribute: attribute, field: field, modifiers: parsed.modifiers)
            } ?? .blank
        case "child":
            let i = (index ?? ((field.groupIndex ?? 0) + 1)) - 1
            return household.children.indices.contains(i)
                ? personDatum(household.children[i], attribute: attribute, field: field, modifiers: parsed.modifiers)
                : .blank
        case "member":
            let i = (index ?? ((field.groupIndex ?? 0) + 1)) - 1
            return household.members.indices.contains(i)
                ? personDatum(household.members[i], attribute: attribute, field: field, modifiers: parsed.modifiers)
                : .blank
        case "address":
            // `address.*.other`, or any address hint in a field whose path says old/previous, is the address moved from.
            let head = field.path.lowercased().split(separator: ".").first.map(String.init) ?? ""
            let previous =
                parsed.modifiers.contains("other") || ["old", "previous", "prev", "former", "mae"].contains(head)
            let address = previous ? household.previousAddress : household.address
            if attribute == "lgcode" || attribute == "lg_code" { return .same(address.localGovernmentCode) }
            return addressDatum(address, attribute: attribute)
        case "previous_address", "old_address": return addressDatum(household.previousAddress, attribute: attribute)
        case "phone": return .text(printed: household.phoneText, truth: household.phoneDigits)
        case "household":
            switch attribute {
            case "id": return .same(household.householdID)
            case "count", "size": return .same(String(household.members.count))
            default:
                // `household.name` in a repeating group: the member of that row.
                let i = (index ?? ((field.groupIndex ?? 0) + 1)) - 1
                guard household.members.indices.contains(i) else { return .blank }
                return personDatum(
                    household.members[i], attribute: attribute, field: field, modifiers: parsed.modifiers)
            }
        case "number":
            switch attribute {
            case "small": return .same(String(random.int(in: 1...5)))
            case "copies": return .same(String(random.pick([1, 1, 1, 2, 2, 3])))
            default: return .same(String(random.int(in: 1...99)))
            }
        case "text":
            let pools: [String: [String]] = [
                "purpose": ["就職のため", "年金の手続きのため", "パスポート申請のため", "自動車の登録のため", "相続の手続きのため"],
                "organisation": ["株式会社山田商事", "岩国市社会福祉協議会", "みどり法律事務所", "中央不動産株式会社"],
                "comment": ["特になし", "手続きが早くて助かりました", "駐車場を広くしてほしい", "案内表示が分かりやすかった"],
            ]
            return .same(random.pick(pools[attribute] ?? pools["comment"]!))
        case "insurer":
            switch attribute {
            case "symbol", "number": return .same(random.pick(["0", "1", "6"]) + random.digits(7))
            default: return .same(random.pick(["全国健康保険協会 山口支部", "関東ITソフトウェア健康保険組合", "東京都職員共済組合"]))
            }
        case "foreign":
            // One household in ten are foreign residents with a 在留カード; the others leave these fields blank.
            guard household.householdID.hasSuffix("0") else { return .blank }
            switch attribute {
            case "card":
                let letters = Array("ABCDEFGHJKLMNPRSTUVWXYZ")
                func two() -> String { String([random.pick(letters), random.pick(letters)]) }
                return .same(two() + random.digits(8) + two())
            default: return .date(household.notifiedOn.adding(days: random.int(in: 90...1800)))
            }
        case "bank", "account":
            if attribute == "yucho" { return isYucho ? yuchoDatum(attribute: "") : .blank }
            if attribute == "holder" || attribute == "holder_kana" { return .same(household.account.holderKana) }
            return isYucho ? .blank : bankDatum(attribute: attribute, field: field)
        case "yucho": return isYucho ? yuchoDatum(attribute: attribute) : .blank
        case "date":
            switch attribute {
            case "notified", "today", "submitted", "applied", "recent":
                return .date(parsed.modifiers.contains("before") ? household.happenedOn : household.notifiedOn)
            case "happened", "moved", "acquired", "event": return .date(household.happenedOn)
            default: return nil
            }
        case "choice":
            let names = field.optionNames
            if names.isEmpty { return nil }
            if attribute == "first" { return .choice([names[0]]) }
            // An exactly-one choice gets one mark whatever the hint says; two would be a (planted) defect.
            if case .options(_, true) = field.marking, attribute != "mostly-first" {
                return .choice([random.pick(names)])
            }
            if attribute == "mostly-first" { return .choice([random.chance(0.8) ? names[0] : random.pick(names)]) }
            if attribute == "several" {
                let count = random.int(in: 1...min(3, names.count))
                var chosen: Set<String> = []
                while chosen.count < count { chosen.insert(random.pick(names)) }
                return .choice(names.filter { chosen.contains($0) })
            }
            if attribute == "any" {
                let chosen = names.filter { _ in random.chance(0.35) }
                return .choice(chosen)
            }
            return .choice([random.pick(names)])
        case "flag", "checkbox":
            switch attribute {
            case "true", "on", "yes": return .flag(true)
            case "false", "off", "no": return .flag(false)
            case "mostly": return .flag(random.chance(0.85))
            case "rarely": return .flag(random.chance(0.15))
            default: return .flag(random.chance(0.4))
            }
        default:
            return nil
        }
    }

    /// Roles a field path can name; `person.*` hints in such a field are about that person.
    static let roles: [String: String] = [
        "spouse": "spouse", "child": "child", "children": "child", "jido": "child", "member": "member",
        "members": "member", "persons": "member", "household_members": "member", "setai": "member",
    ]

    /// A hint split into subject, 1-based index, attribute and modifiers: `child[2].kana` → (child, 2, kana, []),
    /// `household.member[1].name` → (member, 1, name, []), `person.mynumber.optional` → (person, nil, mynumber,
    /// [optional]). `person` in a field whose path starts with a role (`spouse.name`, `children[1].kana`) means the
    /// person of that role.
    static func parse(
        _ hint: String, path: String = ""
    )
        -> (subject: String, index: Int?, attribute: String, modifiers: [String])
    {
        var parts = hint.lowercased().split(separator: ".").map(String.init)
        if parts.count >= 2, parts[0] == "household", parts[1].hasPrefix("member") { parts.removeFirst() }
        guard var subject = parts.first else { return ("", nil, "", []) }
        var index: Int?
        if let open = subject.firstIndex(of: "["), let close = subject.firstIndex(of: "]"), open < close {
            index = Int(subject[subject.index(after: open)..<close])
            subject = String(subject[..<open])
        }
        subject =
            roles[subject] ?? (["head", "claimant", "applicant", "requester"].contains(subject) ? "person" : subject)
        if subject == "person" {
            let first = path.split(whereSeparator: { $0 == "." || $0 == "[" }).first.map { String($0).lowercased() }
            if let first, let role = roles[first] { subject = role }
        }
        let attribute = parts.count > 1 ? parts[1] : ""
        return (subject, index, attribute, Array(parts.dropFirst(2)))
    }

    mutating func personDatum(
        _ person: FakePerson, attribute: String, field: LayoutField, modifiers: [String] = []
    ) -> SampleDatum {
        switch attribute {
        case "surname": return .same(person.surname)
        case "given", "given_name": return .same(person.givenName)
        case "kana", "furigana": return .same(modifiers.contains("hiragana") ? person.kana.hiragana : person.kana)
        case "hiragana": return .same(person.kana.hiragana)
        case "surname_kana": return .same(person.surnameKana)
        case "given_kana": return .same(person.givenNameKana)
        case "sex": return .choice([person.sex])
        case "birth", "birthday", "born": return .date(person.birth)
        case "relation":
            let options = field.optionNames
            if options.isEmpty { return .same(relationText(of: person)) }
            for candidate in [person.relation, relationText(of: person), "本人", "その他"] where options.contains(candidate)
            {
                return .choice([candidate])
            }
            return .choice([random.pick(options)])
        case "mynumber", "number": return .same(person.myNumber)
        case "phone", "tel": return .text(printed: household.phoneText, truth: household.phoneDigits)
        case "juminhyo-code", "juminhyo_code": return .same(random.digits(11))
        case "email":
            let user = random.pick(["taro", "hanako", "yamada", "info", "k.sato"])
            return .same("\(user)\(random.int(in: 1...999))@example.jp")
        case "address": return addressDatum(household.address, attribute: "full")
        case "postal": return addressDatum(household.address, attribute: "postal")
        case "age":
            let generator = FakePeopleGenerator(referenceDate: household.notifiedOn)
            return .same(String(generator.age(at: person.birth)))
        default: return .same(person.name)
        }
    }

    /// 続柄 as written on a form: 長男, 次女 … for children, else the relation to the head.
    func relationText(of person: FakePerson) -> String {
        guard person.relation == "子" else { return person.relation }
        let siblings = household.children.filter { $0.sex == person.sex }
        let rank = (siblings.firstIndex(of: person) ?? 0)
        let order = ["長", "次", "三", "四", "五"]
        return order[min(rank, order.count - 1)] + (person.sex == "男" ? "男" : "女")
    }

    func addressDatum(_ address: FakeAddress, attribute: String) -> SampleDatum {
        switch attribute {
        case "postal", "postal_code", "zip": return .same(address.postalText)
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
        case .katakana: return .same(head.kana)
        case .hiragana: return .same(head.kana.hiragana)
        case .mynumber: return .same(head.myNumber)
        case .phone: return .text(printed: household.phoneText, truth: household.phoneDigits)
        case .postal: return addressDatum(household.address, attribute: "postal")
        case .warekiDate, .date: return .date(household.notifiedOn)
        case .bankCode: return .same(household.account.bankCode)
        case .branchCode: return .same(household.account.branchCode)
        case .accountNumber: return .same(household.account.number)
        case .accountKana: return .same(household.account.holderKana)
        case .yucho: return yuchoDatum(attribute: "")
        case .corporateNumber:
            let base = random.digits(12)
            return .same(String(CheckDigit.corporateCheckDigit(base.compactMap(\.wholeNumberValue))) + base)
        case .email:
            let user = random.pick(["taro", "hanako", "user", "info", "k.yamada"])
            return .same("\(user)\(random.int(in: 1...999))@example.jp")
        case .number, .amount: return .same(String(random.int(in: 1...99) * 1000))
        case .digits:
            let count: Int
            if case .cells(let cells) = field.marking {
                count = cells.count
            } else {
                count = field.length?.upperBound ?? 6
            }
            return .same(random.digits(max(1, count)))
        case .checkbox: return .flag(random.chance(0.4))
        case .text, .choice, .lgCode:
            if field.path.lowercased().contains("address") || field.label.contains("住所") {
                return .same(household.address.line)
            }
            return .same(head.name)
        }
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
