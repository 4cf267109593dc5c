import Foundation
import KamiflowCore

extension IssueCode {
    /// A value that master data contradicts (`witnesses:`), or a correction a master settled.
    public static let master = "master"
}

/// The checks of `witnesses:` over one record's interpreted fields: the form's own fields, read independently,
/// compared with master data a municipality trusts. A master that bears a value out is independent evidence (it
/// cannot share Tesseract's confusions), so the value's confidence rises to the level of two independent readers;
/// a misread a master can settle on exactly one candidate is corrected, with a note; anything else the master
/// contradicts is a warning on every field involved, so a person looks at the pair.
///
/// Messages name no value read from the form: they say which fields disagree with which master, and a reviewer
/// sees the values beside them.
struct MasterWitnesses {
    let masters: any MasterData
    let form: FormTemplate
    /// What readers independent of each field's own model read (`FieldReading.independentReadings`), by path.
    var independentReadings: [String: [String]] = [:]

    /// The confidence of a value a master bears out, and of one it settled.
    enum Level {
        /// The master and the form agree on a value (postal code and town, kana and name, bank code and name).
        static let agreed = 92.0
        /// A misread the master settles on its one candidate, which a reader independent of the field's own model
        /// read as it is: two witnesses that cannot share a confusion, the field's model one character off (as
        /// `Evidence.modelAndWitness`, an independent reader and the field's own model).
        static let settledAndRead = 86.0
    }

    func apply(_ witnesses: [Witness], to fields: inout [FieldResult], position: [String: Int], reviewed: Bool) {
        let evaluator = RuleEvaluator(
            form: form, fields: fields, position: position, today: CivilDate(year: 2000, month: 1, day: 1))
        // A municipality's tables first: where one holds several names near the one read, the name's kana settles
        // which (`checkTable`), and the name ↔ kana check then looks at the name as corrected.
        func isTable(_ witness: Witness) -> Bool { if case .table = witness.kind { true } else { false } }
        for witness in witnesses.filter(isTable) + witnesses.filter({ !isTable($0) }) where isLoaded(witness) {
            for row in evaluator.rows(for: witness.fieldPaths) {
                let path = { (declared: String) in evaluator.concrete(declared, row: row) }
                switch witness.kind {
                case .postal(let code, let address):
                    checkPostal(
                        code: path(code), address: path(address), fields: &fields, position: position,
                        correcting: !reviewed)
                case .bank(let code?, let branch, let name):
                    checkBank(
                        code: path(code), branch: branch.map(path), name: name.map(path), fields: &fields,
                        position: position, correcting: !reviewed)
                case .bank(nil, _, let name?):
                    checkBankName(name: path(name), fields: &fields, position: position, correcting: !reviewed)
                case .bank(nil, _, nil):
                    continue
                case .reading(let name?, let kana, false):
                    checkReading(
                        name: path(name), kana: path(kana), fields: &fields, position: position)
                case .reading(let name?, let kana, true):
                    if !checkUsualReading(name: path(name), kana: path(kana), fields: &fields, position: position) {
                        checkKanaAlone(kana: path(kana), fields: &fields, position: position)
                    }
                case .reading(nil, let kana, _):
                    checkKanaAlone(kana: path(kana), fields: &fields, position: position)
                case .table(let field, let column, let corrects):
                    let kana = witnesses.lazy.compactMap { other -> String? in
                        guard case .reading(let name?, let kana, false) = other.kind, name == field, isLoaded(other)
                        else {
                            return nil
                        }
                        return kana
                    }.first
                    checkTable(
                        field: path(field), column: column, kana: kana.map(path), fields: &fields,
                        position: position, correcting: corrects && !reviewed)
                }
            }
        }
    }

    /// Whether the master a witness needs is there (the composition root refuses to read scans otherwise).
    func isLoaded(_ witness: Witness) -> Bool {
        if let kind = witness.master { return masters.loaded.contains(kind) }
        guard let table = witness.table else { return false }
        return masters.tableColumns(table.table)?.contains(table.column) == true
    }

    /// The field at `path` when it holds a value without an error of its own (a value its own validator refused
    /// is not looked up: it is flagged already).
    func usable(_ path: String, _ fields: [FieldResult], _ position: [String: Int]) -> Int? {
        guard let i = position[path], !fields[i].value.isEmpty,
            !fields[i].issues.contains(where: { $0.severity == .error })
        else { return nil }
        return i
    }

    func raise(_ field: inout FieldResult, to level: Double) {
        field.confidence = max(field.confidence ?? 0, level)
    }

    func flag(_ message: String, _ indices: [Int], _ fields: inout [FieldResult]) {
        let issue = Issue(
            code: IssueCode.master, severity: .warning, message: message, fields: indices.map { fields[$0].path })
        for i in indices { fields[i].issues.append(issue) }
    }

    /// Puts in `corrected`, the one candidate a master settles a misread on, with a note; a reader independent of
    /// the field's own model that read it as it is (spaces aside) bears the correction out, and the field's
    /// confidence rises to ``Level/settledAndRead``. Without such a reader the field keeps the confidence it was read
    /// with: one character from one entry is what a misread explains, not what it proves (jpn read 悠斗 as 悠半 on
    /// the corpus's scans and the second model read 悠斗; a register may as well hold a 悠平, as near to 悠半).
    ///
    /// `bornOutBy` names another field of the form that bears the correction out (the kana of a name, read on its own
    /// line): independent evidence too. With `closed`, the master is every value the field can hold (the banks of
    /// the 全銀 master, for a bank's name written alone), and the whole value is now one of them: a misread of one
    /// character cannot have come from any other, so the list itself bears the correction out. A register is not
    /// closed: a newcomer's name is in none.
    func settle(
        _ i: Int, to corrected: String, by source: String, bornOutBy other: String? = nil, closed: Bool = false,
        _ fields: inout [FieldResult]
    ) {
        fields[i].value = .text(corrected)
        let plain = MasterTableColumn.folded(corrected)
        let read = (independentReadings[fields[i].path] ?? []).contains { MasterTableColumn.folded($0) == plain }
        if read || other != nil || closed { raise(&fields[i], to: Level.settledAndRead) }
        note(
            "\(label(fields[i].path)): one character corrected by \(source)"
                + (other.map { ", as \($0) reads it" } ?? "") + (read ? ", as another model read it" : ""), i,
            &fields)
    }

    func note(_ message: String, _ i: Int, _ fields: inout [FieldResult]) {
        fields[i].issues.append(
            Issue(code: IssueCode.master, severity: .info, message: message, fields: [fields[i].path]))
    }

    func label(_ path: String) -> String {
        form.field(named: RecordInterpreter.declaredPath(path))?.label ?? path
    }

    // MARK: 郵便番号 ↔ 住所

    func checkPostal(
        code: String, address: String, fields: inout [FieldResult], position: [String: Int], correcting: Bool
    ) {
        guard let c = usable(code, fields, position) else { return }
        let digits = fields[c].value.textValue.filter { $0.isASCII && $0.isNumber }
        let areas = masters.postalAreas(code: digits)
        guard !areas.isEmpty else {
            flag("\(label(code)) is not in the postal-code master (郵便番号簿)", [c], &fields)
            return
        }
        guard let a = usable(address, fields, position) else { return }
        let written = TextFolding.removingSpaces(TextFolding.nfkc(fields[a].value.textValue))
        // Where the address names what the code stands for: prefecture (may be left out), city, town.
        var candidates: [String: String] = [:]  // corrected address → what it was corrected to
        for area in areas {
            let full = area.prefecture + area.city + area.town
            if written.hasPrefix(full) || written.hasPrefix(area.city + area.town) {
                raise(&fields[c], to: Level.agreed)
                return
            }
            for expected in [full, area.city + area.town] where !area.town.isEmpty {
                for corrected in Self.oneEditCorrections(of: written, toStartWith: expected) {
                    candidates[corrected] = area.town
                }
            }
        }
        if correcting, candidates.count == 1, let (corrected, _) = candidates.first {
            settle(a, to: corrected, by: "the postal code's town (郵便番号簿)", &fields)
            raise(&fields[c], to: Level.agreed)
            return
        }
        flag(
            candidates.count > 1
                ? "\(label(address)) is near more than one town of \(label(code)): check both"
                : "\(label(code)) and \(label(address)) name different places (郵便番号簿)",
            [c, a], &fields)
    }

    /// `text` with one character substituted, inserted or dropped in its beginning so that it starts with
    /// `expected`, where what follows is a block number (a digit, 漢数字, or nothing): the corrections one misread
    /// character in the town name explains.
    static func oneEditCorrections(of text: String, toStartWith expected: String) -> [String] {
        let characters = Array(text)
        let target = Array(expected)
        var result: [String] = []
        for length in [target.count, target.count - 1, target.count + 1] where length > 0 && length <= characters.count
        {
            let head = Array(characters[0..<length])
            guard TableIndex.oneEditApart(head, target) else { continue }
            let rest = characters[length...]
            guard rest.isEmpty || rest.first.map({ $0.isNumber || "一二三四五六七八九十".contains($0) }) == true else {
                continue
            }
            result.append(expected + String(rest))
        }
        return result
    }

    // MARK: 金融機関

    func checkBank(
        code: String, branch: String?, name: String?, fields: inout [FieldResult], position: [String: Int],
        correcting: Bool
    ) {
        // A code that is blank, refused by its own check, or no bank's leaves the name to be checked alone: on a
        // corpus scan 0001 was read 0881 (flagged) and みずほぼ銀行 beside it passed unlooked-at.
        func nameAlone() {
            if let name { checkBankName(name: name, fields: &fields, position: position, correcting: correcting) }
        }
        guard let c = usable(code, fields, position) else { return nameAlone() }
        let digits = fields[c].value.textValue.filter { $0.isASCII && $0.isNumber }
        guard let bank = masters.bank(code: digits) else {
            flag("\(label(code)) is not a bank in the 全銀 master", [c], &fields)
            return nameAlone()
        }
        if let branch, let b = usable(branch, fields, position) {
            let branchDigits = fields[b].value.textValue.filter { $0.isASCII && $0.isNumber }
            if masters.branch(bank: digits, code: branchDigits) == nil {
                flag("\(label(branch)) is not a branch of the bank \(label(code)) names (全銀 master)", [c, b], &fields)
            }
        }
        guard let name, let n = usable(name, fields, position) else { return }
        let written = fields[n].value.textValue
        let folded = BankNames.folded(written)
        if folded == BankNames.folded(bank.kana) || BankNames.withoutKind(written) == bank.name {
            raise(&fields[c], to: Level.agreed)
            raise(&fields[n], to: Level.agreed)
            return
        }
        // A box that holds the bank and its branch (三井住友銀行 本店): the bank part must be the code's. The branch is
        // not looked up, so the name rises only where another model read the same branch (`branchRead`).
        let compact = TextFolding.removingSpaces(TextFolding.nfkc(written))
        let ofCode = Set(BankNames.spellings(of: bank.name))
        if Self.isBankWithBranch(compact, spellings: ofCode) {
            raise(&fields[c], to: Level.agreed)
            if branchRead(n, after: ofCode, fields) { raise(&fields[n], to: Level.settledAndRead) }
            return
        }
        // A misread bank part before a branch is settled by the code, unless the box names another bank and a
        // branch: that is a disagreement (below), not a misread.
        if correcting, case .one(let corrected) = Self.bankCorrection(of: compact, among: [bank], withBranch: true),
            !Self.isBankWithBranch(compact, spellings: bankSpellings(masters.allBanks()))
        {
            fields[n].value = .text(corrected)
            raise(&fields[c], to: Level.agreed)
            if branchRead(n, after: ofCode, fields) { raise(&fields[n], to: Level.settledAndRead) }
            note("\(label(name)): settled by \(label(code)) (全銀 master)", n, &fields)
            return
        }
        // The ways the code's bank is written: its name or reading, bare or with the kind.
        let spellings = [bank.name, bank.name + "銀行", bank.kana, bank.kana + "ギンコウ", bank.kana + "ギン"]
        let plain = TextFolding.katakana(TextFolding.removingSpaces(TextFolding.nfkc(written)))
        let near = spellings.contains { plain == $0 || TableIndex.oneEditApart(Array(plain), Array($0)) }
        if masters.banks(named: written).isEmpty, correcting, near {
            // A name no bank has, one character from the bank the code names: the code settles it.
            fields[n].value = .text(bank.name)
            raise(&fields[c], to: Level.agreed)
            note("\(label(name)): settled by \(label(code)) (全銀 master)", n, &fields)
            return
        }
        flag("\(label(code)) and \(label(name)) name different banks (全銀 master)", [c, n], &fields)
    }

    /// A bank's name written without its code: it must be a bank of the master, written as the master has it or
    /// with its kind written out (みずほ銀行, 東京東信用金庫), alone or followed by a branch (`三井住友銀行 本店` in
    /// one box; the branch is not looked up, 全銀 branch names are not what a form writes). Borne out whole: the
    /// confidence rises. One character from exactly one bank's name (みずほぼ銀行, 足利録行 駅前支店): corrected to
    /// it, with a note (`settle`). The confidence rises where the value is now a bank's name alone (the 全銀 master
    /// is every bank there is: on corpus seeds 6161 and 6464, 34 names so settled went on, all right), or
    /// where another model read that name; a branch after it is not looked up, and keeps it as read. Anything else:
    /// a warning.
    func checkBankName(name: String, fields: inout [FieldResult], position: [String: Int], correcting: Bool) {
        guard let n = usable(name, fields, position) else { return }
        let written = TextFolding.removingSpaces(TextFolding.nfkc(fields[n].value.textValue))
        let banks = masters.allBanks()
        let spellings = bankSpellings(banks)
        guard !spellings.isEmpty else { return }
        if spellings.contains(written) {
            raise(&fields[n], to: Level.agreed)
            return
        }
        if Self.isBankWithBranch(written, spellings: spellings) { return }
        let correction = Self.bankCorrection(of: written, among: banks, withBranch: false)
        if correcting, case .one(let corrected) = correction {
            settle(n, to: corrected, by: "the names of the 全銀 master", closed: spellings.contains(corrected), &fields)
            return
        }
        flag(
            correction == .several
                ? "\(label(name)) is near more than one bank of the 全銀 master: check it"
                : "\(label(name)) is not a bank of the 全銀 master", [n], &fields)
    }

    /// Whether a reader independent of the field's own model read the branch that follows the bank's name in the
    /// value of field `i` (spelled one of `spellings`, the code's bank), as it is: the code bears out the bank part,
    /// that reader the branch, and the field's own model read both (the bank part at most one character off).
    ///
    /// Only a branch that ends as branches are named (`branchKinds`): jpn and the second model both read 駅前支店 as
    /// 駅前封店 in a Mincho face at 150 dpi (corpus seed 5353, 口座振替 no. 72), and the two readers agreeing on it
    /// were no evidence for the 封.
    func branchRead(_ i: Int, after spellings: Set<String>, _ fields: [FieldResult]) -> Bool {
        let value = MasterTableColumn.folded(fields[i].value.textValue)
        guard let bank = spellings.filter({ value.hasPrefix($0) }).max(by: { $0.count < $1.count }) else {
            return false
        }
        let branch = value.dropFirst(bank.count)
        return !branch.isEmpty && Self.branchKinds.contains { branch.hasSuffix($0) }
            && (independentReadings[fields[i].path] ?? []).contains { MasterTableColumn.folded($0).hasSuffix(branch) }
    }

    /// How the names of branches end (本店, 駅前支店, 市役所出張所, 本店営業部, 中央支所): a branch read to end
    /// otherwise is not borne out by readers that agree on it (`branchRead`).
    static let branchKinds = ["本店", "支店", "出張所", "営業部", "営業所", "支所", "本所"]

    /// Every way the banks' names are written (`BankNames.spellings`).
    func bankSpellings(_ banks: [BankEntry]) -> Set<String> {
        Set(banks.flatMap { BankNames.spellings(of: $0.name) })
    }

    /// Whether `text` is one of `spellings` that names its kind followed by a branch (`BankNames.isBranch`).
    static func isBankWithBranch(_ text: String, spellings: Set<String>) -> Bool {
        spellings.contains {
            BankNames.namesKind($0) && text.hasPrefix($0) && BankNames.isBranch(String(text.dropFirst($0.count)))
        }
    }

    /// What one misread character in the bank's part of a bank's name explains.
    enum BankCorrection: Equatable {
        case none
        /// Exactly one bank: `text` as it reads with that bank's name spelled right.
        case one(String)
        /// More than one bank is one character away: a person decides.
        case several
    }

    /// The banks of `banks` one of whose spellings is one edit from the start of `text`, followed by nothing or
    /// by a branch (`withBranch`: by a branch only) after a spelling that names the bank's kind. A bank that fits
    /// by more than one spelling is corrected by its longest.
    static func bankCorrection(of text: String, among banks: [BankEntry], withBranch: Bool) -> BankCorrection {
        let characters = Array(text)
        var corrected: [String: String] = [:]  // bank code → text corrected by its longest fitting spelling
        for bank in banks {
            for spelling in BankNames.spellings(of: bank.name).sorted(by: { $0.count > $1.count }) {
                let target = Array(spelling)
                let fits = [target.count - 1, target.count, target.count + 1].first { length in
                    guard length > 0, length <= characters.count else { return false }
                    let rest = String(characters[length...])
                    return (rest.isEmpty ? !withBranch : BankNames.namesKind(spelling) && BankNames.isBranch(rest))
                        && TableIndex.oneEditApart(Array(characters[..<length]), target)
                }
                if let length = fits {
                    corrected[bank.code] = spelling + String(characters[length...])
                    break
                }
            }
        }
        switch corrected.count {
        case 0: return .none
        case 1: return .one(corrected.values.first!)
        default: return .several
        }
    }

    // MARK: A municipality's own table

    /// The value is one of the column's (compared after NFKC, spaces dropped): confidence up, unless a reader
    /// independent of the field's model read another of them (then a warning: the table cannot choose). One character away
    /// from exactly one of them: corrected to it, with a note (`settle`: its confidence rises only where another
    /// model read that entry). Anything else: a warning, naming the table and column, never the value.
    ///
    /// A name with its kana on the form (`kana`, the field of a `{name:, kana:}` witness of the same name) near
    /// several entries is settled by the one entry the kana reads (name dictionary): jpn reads 和也 as 和志 or 和世,
    /// and the corpus's register holds 小林 和助 as well as 小林 和也; the kana カズヤ reads only one of them. The
    /// register and the kana, read on its own line, are two witnesses that cannot share the misread: the confidence
    /// rises as where another model read the entry. Without kana, a name near several entries of which another model
    /// read exactly one is settled on that one (jpn read 鈴木 和也 as 和志, near 和也 and 和善; the second model
    /// read 和也): the register bounds the candidates, a reader that cannot share jpn's misread picks among them.
    func checkTable(
        field: String, column: MasterTableColumn, kana: String?, fields: inout [FieldResult],
        position: [String: Int], correcting: Bool
    ) {
        guard let i = usable(field, fields, position) else { return }
        let index = masters.tableIndex(column.table, column: column.column)
        let read = fields[i].value.textValue
        let source = "the table '\(column.table)', column '\(column.column)'"
        if index.exact(read) != nil {
            // Another model that read another entry leaves the table unable to say which of the two is written: jpn
            // read 田中 和也 as 和世 on the corpus's 300-dpi scans, the second model 和也, and 田中 和世 lives in the city too.
            let plain = MasterTableColumn.folded(read)
            let otherEntry = (independentReadings[fields[i].path] ?? []).contains {
                MasterTableColumn.folded($0) != plain && index.exact($0) != nil
            }
            guard otherEntry else {
                raise(&fields[i], to: Level.agreed)
                return
            }
            flag(
                "\(label(field)) and another reading of it are both entries of \(source): check it",
                [i], &fields)
            return
        }
        let near = index.oneEditFrom(read)
        let k = kana.flatMap { usable($0, fields, position) }
        let readByKana =
            k.map { k in near.filter { nameReadings(of: $0, kana: fields[k]).readings.contains(kanaText(fields[k])) } }
            ?? []
        let others = Set((independentReadings[fields[i].path] ?? []).map(MasterTableColumn.folded))
        let readByOther = near.filter { others.contains(MasterTableColumn.folded($0)) }
        if correcting,
            let entry = near.count == 1
                ? near.first
                : readByKana.count == 1 ? readByKana.first : readByOther.count == 1 ? readByOther.first : nil
        {
            let other = readByKana.contains(entry) ? k.map { label(fields[$0].path) } : nil
            settle(i, to: entry, by: source, bornOutBy: other, &fields)
            return
        }
        flag(
            near.count > 1
                ? "\(label(field)) is near more than one entry of \(source): check it"
                : "\(label(field)) is not in \(source)",
            [i], &fields)
    }

    // MARK: 氏名 ↔ フリガナ

    /// A name in kana with no kanji beside it (口座名義): never confirmed (a misread is often a name too: ヤマダ as
    /// ヤマタ, ダイスケ as タイスケ), but a kana the dictionary does not know as a family and a given name, that one
    /// voiced mark added, lost or changed would make one it knows, is in doubt: at 150 dpi the ゛ of コバヤシ goes,
    /// and both models read コハヤシ with confidence.
    func checkKanaAlone(kana: String, fields: inout [FieldResult], position: [String: Int]) {
        guard let k = usable(kana, fields, position) else { return }
        let written = NameKana.folded(fields[k].value.textValue)
        let family = masters.knownReadings(as: .family), given = masters.knownReadings(as: .given)
        guard !family.isEmpty, !given.isEmpty, !NameKana.splits(written, family: family, given: given) else { return }
        if NameKana.voicingVariants(written).contains(where: { NameKana.splits($0, family: family, given: given) }) {
            flag(
                "\(label(kana)) is one voiced mark (゛ ゜) from a name the dictionary knows: check the marks",
                [k], &fields)
        }
    }

    /// The kana of field `kana` as its name's readings are compared with it: katakana, no spaces, and as 全銀 writes
    /// it where the field is a 口座名義 (no small kana: ショウタ is ｼﾖｳﾀ).
    func kanaText(_ kana: FieldResult) -> String {
        foldedKana(TextFolding.katakana(TextFolding.removingSpaces(TextFolding.nfkc(kana.value.textValue))), as: kana)
    }

    func foldedKana(_ text: String, as kana: FieldResult) -> String {
        kana.type == FieldType.accountKana.rawValue ? NameKana.folded(text) : text
    }

    /// Every reading of the name `written` the dictionary gives (a family and a given name, split where the name has
    /// a space or at every place it could), folded as `kana` is compared; and the readings of the family names of
    /// every split, which are what the pair is judged by where no split has a known given name.
    func nameReadings(of written: String, kana: FieldResult) -> (readings: Set<String>, families: Set<String>) {
        let parts = TextFolding.nfkc(written).trimmingCharacters(in: .whitespaces)
            .split(whereSeparator: { $0 == " " || $0 == "　" }).map(String.init)
        // Every way the name splits into a family and a given name the dictionary knows, with their readings.
        var splits: [(family: [String], given: [String])] = []
        if parts.count == 2 {
            splits = [(masters.readings(of: parts[0], as: .family), masters.readings(of: parts[1], as: .given))]
        } else if parts.count == 1, parts[0].count >= 2 {
            let characters = Array(parts[0])
            for cut in 1..<characters.count {
                splits.append(
                    (
                        masters.readings(of: String(characters[..<cut]), as: .family),
                        masters.readings(of: String(characters[cut...]), as: .given)
                    ))
            }
        }
        let families = Set(splits.flatMap(\.family).map { foldedKana($0, as: kana) })
        let readings = Set(
            splits.flatMap { split in split.family.flatMap { f in split.given.map { foldedKana(f + $0, as: kana) } } })
        return (readings, families)
    }

    func checkReading(name: String, kana: String, fields: inout [FieldResult], position: [String: Int]) {
        guard let n = usable(name, fields, position), let k = usable(kana, fields, position) else { return }
        let kanaText = kanaText(fields[k])
        let (readings, families) = nameReadings(of: fields[n].value.textValue, kana: fields[k])
        guard !readings.isEmpty else {
            // A given name the dictionary does not know is no evidence for the pair; a family name it knows still is
            // against a kana that starts with none of its readings (田中 read as 山中, the kana タナカ …): family
            // names' readings are a far more closed set than given names'.
            if !families.isEmpty, !families.contains(where: { kanaText.hasPrefix($0) }) {
                flag(
                    "\(label(kana)) does not start with a reading of the family name of \(label(name)) (name dictionary)",
                    [n, k], &fields)
            } else if isOneMark(kanaText, from: otherReadings(of: name, kana: fields[k])) {
                // The name misread into no name the dictionary knows (浩二 as 造二) says nothing of the kana; the
                // name as another model read it still does (7070 印鑑登録 150 dpi: サトウ コウジ read サトウコウシ
                // at 92 beside 佐藤造二, the second model reading 佐藤浩二).
                flag(
                    "\(label(kana)) is one voiced mark (゛ ゜) from a reading of \(label(name)) as another reader read "
                        + "it: check the marks", [k], &fields)
            }
            return
        }
        if readings.contains(kanaText) {
            // The kana is borne out; the kanji are not: a misread of a look-alike of the same reading agrees as well
            // (太朗 for 太郎, 斉藤 for 斎藤; on the corpus's 印鑑登録 scans at 200 dpi, 加藤太朗 went straight through
            // on the strength of タロウ). The name keeps the confidence it was read with, unless the kana chooses
            // it from between two names the readers read.
            raise(&fields[k], to: Level.agreed)
            if kanaChooses(kanaText, name: fields[n], kana: fields[k]) { raise(&fields[n], to: Level.settledAndRead) }
            return
        }
        // Never corrected from the dictionary: a given name's readings are an open set (名乗り, and names newer than
        // ipadic — 美羽 read ミウ is not in it, ミワ is), so a kana one character from a known reading is as likely
        // right as misread. Held-out runs showed exactly that: the only kana "corrected" were right before.
        flag("\(label(kana)) is not a reading of \(label(name)) (name dictionary)", [n, k], &fields)
    }

    /// A kana that is most often, not always, the reading of the name (`may_differ: true`: a 口座名義 on a
    /// 口座振替依頼書, the taxpayer's own account or a family member's). The name's reading bears it out, and it
    /// rises as `checkReading` has it; one voiced mark from a reading of the name as read or as another model read
    /// it is in doubt (nobody's account is in the applicant's name with one mark changed; jpn loses the ゛ of ジ:
    /// キムラ コウジ read ｷﾑﾗｺｳｼ at 92 beside 木村 浩二, 7070 口座振替 150 dpi), and so is one character from it (a
    /// relative's name so near is rarer than a misread: ヤマモト ユミ read ﾔﾏﾓﾄｺﾐ at 92 beside 山本 由美, 4343 口座振替
    /// 300 dpi); anything else is somebody else's name, which the kana-alone check looks at. Whether it flagged the
    /// kana.
    func checkUsualReading(name: String, kana: String, fields: inout [FieldResult], position: [String: Int]) -> Bool {
        guard let k = usable(kana, fields, position), let n = position[name], !fields[n].value.isEmpty else {
            return false
        }
        let kanaText = kanaText(fields[k])
        let asRead = nameReadings(of: fields[n].value.textValue, kana: fields[k]).readings
        if usable(name, fields, position) != nil, asRead.contains(kanaText) {
            raise(&fields[k], to: Level.agreed)
            if kanaChooses(kanaText, name: fields[n], kana: fields[k]) { raise(&fields[n], to: Level.settledAndRead) }
            return false
        }
        let readings = asRead.union(otherReadings(of: name, kana: fields[k]))
        guard !readings.contains(kanaText) else { return false }
        if isOneMark(kanaText, from: readings) {
            flag(
                "\(label(kana)) is one voiced mark (゛ ゜) from a reading of \(label(name)): check the marks", [k],
                &fields)
            return true
        }
        let near = readings.contains { reading in
            reading.count == kanaText.count && zip(reading, kanaText).filter { $0 != $1 }.count == 1
        }
        if near {
            flag("\(label(kana)) is one character from a reading of \(label(name)): check it", [k], &fields)
            return true
        }
        return false
    }

    /// Whether the kana, a reading of the name as read, chooses it from between two names: the name is in doubt
    /// only because readers independent of its model read it otherwise (`readersDisagree`), and each of their
    /// readings is a name the dictionary knows whose readings do not include the kana. Two fields read apart then
    /// agree on one of the two names and not on the other (浩二 and 浩志 read apart, the kana コウジ). Where another
    /// reading is no name the dictionary knows, the kana chooses nothing: a look-alike of the same reading (太朗 for
    /// 太郎) agrees with the kana as well as the name written does, and the other reader may have read neither.
    func kanaChooses(_ kanaText: String, name: FieldResult, kana: FieldResult) -> Bool {
        guard !name.issues.isEmpty,
            name.issues.allSatisfy({ $0.code == Doubt.readersDisagree.rawValue && $0.severity == .info })
        else { return false }
        let read = MasterTableColumn.folded(name.value.textValue)
        let others = Set((independentReadings[name.path] ?? []).filter { MasterTableColumn.folded($0) != read })
        return !others.isEmpty
            && others.allSatisfy { other in
                let readings = nameReadings(of: other, kana: kana).readings
                return !readings.isEmpty && !readings.contains(kanaText)
            }
    }

    /// The dictionary's readings of the name at `path` as readers independent of its own model read it.
    func otherReadings(of path: String, kana: FieldResult) -> Set<String> {
        Set((independentReadings[path] ?? []).flatMap { nameReadings(of: $0, kana: kana).readings })
    }

    /// Whether `kana` is none of `readings`, and one voiced mark added, lost or changed makes one of them.
    func isOneMark(_ kana: String, from readings: Set<String>) -> Bool {
        !readings.isEmpty && !readings.contains(kana)
            && NameKana.voicingVariants(kana).contains(where: readings.contains)
    }
}
