import Foundation
import GRDB
import Glibc
public import KamiflowCore
import Synchronization

/// Master data in one local SQLite file (`.kamiflow/masters.sqlite` by default): what `kamiflow masters import`
/// writes once at set-up and what extraction looks values up in. Each master is replaced whole by its import, and
/// the file says where each came from, which version and when (`kamiflow masters status`).
public final class MasterStore: MasterData {
    public let path: String
    let queue: DatabaseQueue
    public let loaded: Set<MasterKind>
    /// `knownReadings`, read from the file once per part.
    private let foldedReadings = Mutex<[NamePart: Set<String>]>([:])
    /// `allBanks`, read from the file once.
    private let banks = Mutex<[BankEntry]?>(nil)
    /// `tableIndex`, built from the file once per table and column.
    private let tableIndexes = Mutex<[MasterTableColumn: TableIndex]>([:])

    /// Where one master came from.
    public struct Source: Hashable, Sendable, Codable {
        public var kind: MasterKind
        /// The file or folder it was read from.
        public var origin: String
        /// The data's own version (the package's version, or the data's date).
        public var version: String
        /// When it was imported (ISO 8601, UTC).
        public var importedAt: String
        public var rows: Int
    }

    /// Opens (creating if needed) the file at `path`. `writable: false` opens an existing file read-only and
    /// fails with `fileNotFound` when there is none, naming the command that makes it.
    public init(path: String, writable: Bool = false) throws(KamiflowError) {
        self.path = path
        do {
            var config = Configuration()
            config.label = "kamiflow.masters"
            if writable {
                try PrivateFiles.prepareDatabaseFile(atPath: path)
            } else {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw KamiflowError(
                        .fileNotFound, "no master data here: run 'kamiflow masters import' first", subject: path)
                }
                config.readonly = true
            }
            queue = try DatabaseQueue(path: path, configuration: config)
            if writable { try Self.migrator.migrate(queue) }
            let kinds = try queue.read { db -> [String] in
                guard try db.tableExists("source") else { return [] }
                return try String.fetchAll(db, sql: "SELECT kind FROM source WHERE rows > 0")
            }
            loaded = Set(kinds.compactMap(MasterKind.init(rawValue:)))
        } catch let error as KamiflowError {
            throw error
        } catch {
            throw KamiflowError(.io, "cannot open the master data file", subject: path, cause: error)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: postal, bank, branch, name readings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE source (
                        kind TEXT PRIMARY KEY, origin TEXT NOT NULL, version TEXT NOT NULL,
                        imported_at TEXT NOT NULL, rows INTEGER NOT NULL);
                    CREATE TABLE postal (code TEXT NOT NULL, prefecture TEXT NOT NULL, city TEXT NOT NULL,
                        town TEXT NOT NULL);
                    CREATE INDEX postal_code ON postal(code);
                    CREATE TABLE bank (code TEXT PRIMARY KEY, name TEXT NOT NULL, kana TEXT NOT NULL,
                        folded TEXT NOT NULL);
                    CREATE INDEX bank_folded ON bank(folded);
                    CREATE TABLE branch (bank TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
                        kana TEXT NOT NULL, PRIMARY KEY (bank, code));
                    CREATE TABLE name_reading (name TEXT NOT NULL, part TEXT NOT NULL, kana TEXT NOT NULL,
                        PRIMARY KEY (name, part, kana)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2: a municipality's own tables") { db in
            try db.execute(
                sql: """
                    CREATE TABLE municipal_table (
                        name TEXT PRIMARY KEY, origin TEXT NOT NULL, encoding TEXT NOT NULL,
                        imported_at TEXT NOT NULL, rows INTEGER NOT NULL, columns TEXT NOT NULL);
                    CREATE TABLE municipal_value (tbl TEXT NOT NULL, col TEXT NOT NULL, value TEXT NOT NULL,
                        PRIMARY KEY (tbl, col, value)) WITHOUT ROWID;
                    """)
        }
        return migrator
    }

    /// A table a municipality provided, as `kamiflow masters status` shows it.
    public struct TableSource: Hashable, Sendable, Codable {
        public var name: String
        /// The CSV file it was read from.
        public var origin: String
        /// `UTF-8` or `CP932`, as the file was found to be.
        public var encoding: String
        /// When it was imported (ISO 8601, UTC).
        public var importedAt: String
        /// Data rows (the header not counted).
        public var rows: Int
        /// The header row.
        public var columns: [String]
    }

    // MARK: Status

    /// Every master imported so far, in the order of `MasterKind`.
    public func sources() throws(KamiflowError) -> [Source] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT kind, origin, version, imported_at, rows FROM source").compactMap {
                    row -> Source? in
                    guard let kind = MasterKind(rawValue: row["kind"]) else { return nil }
                    return Source(
                        kind: kind, origin: row["origin"], version: row["version"], importedAt: row["imported_at"],
                        rows: row["rows"])
                }
            }.sorted { MasterKind.allCases.firstIndex(of: $0.kind)! < MasterKind.allCases.firstIndex(of: $1.kind)! }
        } catch {
            throw KamiflowError(.io, "cannot read the master data file", subject: path, cause: error)
        }
    }

    /// The municipality's tables imported so far, by name.
    public func tables() throws(KamiflowError) -> [TableSource] {
        do {
            return try queue.read { db in
                guard try db.tableExists("municipal_table") else { return [] }
                return try Row.fetchAll(
                    db,
                    sql: "SELECT name, origin, encoding, imported_at, rows, columns FROM municipal_table ORDER BY name"
                ).map { row in
                    TableSource(
                        name: row["name"], origin: row["origin"], encoding: row["encoding"],
                        importedAt: row["imported_at"], rows: row["rows"],
                        columns: Self.columns(fromJSON: row["columns"]))
                }
            }
        } catch {
            throw KamiflowError(.io, "cannot read the master data file", subject: path, cause: error)
        }
    }

    static func columns(fromJSON text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    /// Fails, naming each, when a table the witnesses name is not imported or has no such column.
    public func require(tables needed: Set<MasterTableColumn>, by user: String) throws(KamiflowError) {
        var problems: [String] = []
        for need in needed.sorted(by: { ($0.table, $0.column) < ($1.table, $1.column) }) {
            guard let columns = tableColumns(need.table) else {
                problems.append(
                    "the table '\(need.table)' is not imported (kamiflow masters import --from table:\(need.table)=FILE.csv)"
                )
                continue
            }
            if !columns.contains(need.column) {
                problems.append(
                    "the table '\(need.table)' has no column '\(need.column)' (its header: "
                        + columns.joined(separator: ", ") + ")")
            }
        }
        guard !problems.isEmpty else { return }
        throw KamiflowError(
            .invalidArgument,
            "\(user) checks values against a municipality's table: " + problems.joined(separator: "; "), subject: path)
    }

    /// Fails, naming each, when a master in `needed` has not been imported.
    public func require(_ needed: Set<MasterKind>, by user: String) throws(KamiflowError) {
        let missing = MasterKind.allCases.filter { needed.contains($0) && !loaded.contains($0) }
        guard !missing.isEmpty else { return }
        throw KamiflowError(
            .invalidArgument,
            "\(user) checks values against master data that is not loaded: "
                + missing.map { "'\($0.rawValue)' (\($0.title))" }.joined(separator: ", ")
                + "; run 'kamiflow masters import' (make demo and make test do)",
            subject: path)
    }

    // MARK: Lookups

    public func postalAreas(code: String) -> [PostalArea] {
        let digits = code.filter(\.isASCII).filter(\.isNumber)
        guard digits.count == 7 else { return [] }
        return
            (try? queue.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT prefecture, city, town FROM postal WHERE code = ?", arguments: [digits]
                )
                .map { PostalArea(code: digits, prefecture: $0["prefecture"], city: $0["city"], town: $0["town"]) }
            }) ?? []
    }

    public func bank(code: String) -> BankEntry? {
        try? queue.read { db in
            try Row.fetchOne(db, sql: "SELECT code, name, kana FROM bank WHERE code = ?", arguments: [code]).map {
                BankEntry(code: $0["code"], name: $0["name"], kana: $0["kana"])
            }
        }
    }

    public func branch(bank: String, code: String) -> BankEntry? {
        try? queue.read { db in
            try Row.fetchOne(
                db, sql: "SELECT code, name, kana FROM branch WHERE bank = ? AND code = ?", arguments: [bank, code]
            ).map { BankEntry(code: $0["code"], name: $0["name"], kana: $0["kana"]) }
        }
    }

    public func banks(named name: String) -> [BankEntry] {
        let folded = BankNames.folded(name)
        guard !folded.isEmpty else { return [] }
        return
            (try? queue.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT code, name, kana FROM bank WHERE folded = ? OR name = ? ORDER BY code",
                    arguments: [folded, BankNames.withoutKind(name)]
                ).map { BankEntry(code: $0["code"], name: $0["name"], kana: $0["kana"]) }
            }) ?? []
    }

    public func allBanks() -> [BankEntry] {
        // Asked once per record by a `bank_name` witness: read from the file once.
        banks.withLock { cache in
            if let banks = cache { return banks }
            let banks =
                (try? queue.read { db in
                    try Row.fetchAll(db, sql: "SELECT code, name, kana FROM bank ORDER BY code").map {
                        BankEntry(code: $0["code"], name: $0["name"], kana: $0["kana"])
                    }
                }) ?? []
            cache = banks
            return banks
        }
    }

    public func knownReadings(as part: NamePart) -> Set<String> {
        foldedReadings.withLock { cache in
            if let known = cache[part] { return known }
            let kana =
                (try? queue.read { db in
                    try String.fetchAll(
                        db, sql: "SELECT kana FROM name_reading WHERE part = ?", arguments: [part.rawValue])
                }) ?? []
            let known = Set(kana.map(NameKana.folded))
            cache[part] = known
            return known
        }
    }

    public func readings(of name: String, as part: NamePart) -> [String] {
        (try? queue.read { db in
            try String.fetchAll(
                db, sql: "SELECT kana FROM name_reading WHERE name = ? AND part = ?", arguments: [name, part.rawValue])
        }) ?? []
    }

    public func tableColumns(_ table: String) -> [String]? {
        // `try?` flattens: a failed read and an absent table are both `nil`.
        try? queue.read { db -> [String]? in
            guard try db.tableExists("municipal_table") else { return nil }
            return try String.fetchOne(
                db, sql: "SELECT columns FROM municipal_table WHERE name = ?", arguments: [table]
            )
            .map(Self.columns(fromJSON:))
        }
    }

    public func tableValues(_ table: String, column: String) -> [String] {
        (try? queue.read { db -> [String] in
            guard try db.tableExists("municipal_value") else { return [] }
            return try String.fetchAll(
                db, sql: "SELECT value FROM municipal_value WHERE tbl = ? AND col = ? ORDER BY value",
                arguments: [table, column])
        }) ?? []
    }

    public func tableIndex(_ table: String, column: String) -> TableIndex {
        let key = MasterTableColumn(table: table, column: column)
        if let built = tableIndexes.withLock({ $0[key] }) { return built }
        let index = TableIndex(values: tableValues(table, column: column))
        tableIndexes.withLock { $0[key] = index }
        return index
    }

    // MARK: Import

    /// Replaces the table `name` with `rows` under `columns` (each row as long as the header), recording where it
    /// came from.
    func replaceTable(
        _ name: String, columns: [String], rows: [[String]], origin: String, encoding: String, now: Date
    ) throws(KamiflowError) -> TableSource {
        let stamp = ISO8601DateFormatter().string(from: now)
        do {
            let header = String(decoding: try JSONEncoder().encode(columns), as: UTF8.self)
            try queue.write { db in
                try db.execute(sql: "DELETE FROM municipal_value WHERE tbl = ?", arguments: [name])
                let insert = try db.makeStatement(
                    sql: "INSERT OR IGNORE INTO municipal_value (tbl, col, value) VALUES (?, ?, ?)")
                for row in rows {
                    for (column, value) in zip(columns, row) where !value.isEmpty {
                        try insert.execute(arguments: [name, column, value])
                    }
                }
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO municipal_table (name, origin, encoding, imported_at, rows, columns)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [name, origin, encoding, stamp, rows.count, header])
            }
            return TableSource(
                name: name, origin: origin, encoding: encoding, importedAt: stamp, rows: rows.count, columns: columns)
        } catch {
            throw KamiflowError(.io, "cannot write the table '\(name)'", subject: path, cause: error)
        }
    }

    /// Replaces one master's rows with `rows` (written by `insert`) and records where they came from.
    func replace(
        _ kind: MasterKind, origin: String, version: String, now: Date,
        insert: (Database) throws -> Int
    ) throws(KamiflowError) -> Source {
        let stamp = ISO8601DateFormatter().string(from: now)
        do {
            let rows = try queue.write { db -> Int in
                switch kind {
                case .postal: try db.execute(sql: "DELETE FROM postal")
                case .bank: try db.execute(sql: "DELETE FROM bank; DELETE FROM branch")
                case .name: try db.execute(sql: "DELETE FROM name_reading")
                }
                let rows = try insert(db)
                try db.execute(
                    sql:
                        "INSERT OR REPLACE INTO source (kind, origin, version, imported_at, rows) VALUES (?, ?, ?, ?, ?)",
                    arguments: [kind.rawValue, origin, version, stamp, rows])
                return rows
            }
            return Source(kind: kind, origin: origin, version: version, importedAt: stamp, rows: rows)
        } catch let error as KamiflowError {
            throw error
        } catch {
            throw KamiflowError(.io, "cannot write the \(kind.rawValue) master", subject: path, cause: error)
        }
    }
}
