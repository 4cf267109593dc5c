public import Foundation
import GRDB
public import KamiflowCore
public import Logging

/// A core-system database file (the `type: sqlite` entry): the embedded default `make demo` delivers into.
public struct SQLiteConnectionConfiguration: Hashable, Sendable, Codable {
    /// The database file; its folder is created when missing.
    public var path: String
    /// The table every record goes to; when `nil`, the request's resource, else its workflow.
    public var table: String?
    /// How long a delivery waits for another process's write lock before it fails (retryable).
    public var busyTimeout: Double

    /// Settings with the defaults a deployment file gets when it leaves them out.
    public init(path: String, table: String? = nil, busyTimeout: Double = 5) {
        self.path = path
        self.table = table
        self.busyTimeout = busyTimeout
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, table
        case busyTimeout = "busy_timeout"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            path: try c.decode(String.self, forKey: .path),
            table: try c.decodeIfPresent(String.self, forKey: .table),
            busyTimeout: try c.decodeIfPresent(Double.self, forKey: .busyTimeout) ?? 5
        )
    }

    /// The embedded default: `.kamiflow/core.sqlite` under the working folder the executable chose.
    public static func embeddedDefault(in folder: String) -> Self {
        Self(path: (folder as NSString).appendingPathComponent(".kamiflow/core.sqlite"))
    }
}

/// Delivers each batch into a SQLite database in one transaction: one table per resource, one TEXT column per
/// payload field (added when a field first appears), and the idempotency key UNIQUE, so a redelivered record is
/// recognised and not inserted twice.
///
/// A key that arrives again with the same content is `delivered` (the existing row's id is the receipt); with a
/// different content it is `rejected`, as an HTTP core system answers 409: the mapping or the record changed after
/// it was delivered, and a person must decide. The database runs in WAL mode with `synchronous=FULL`, so a
/// committed batch survives a power cut.
public final class SQLiteConnector: Connector {
    /// The connection's name in the deployment file.
    public let name: String
    private let configuration: SQLiteConnectionConfiguration
    private let database: DatabasePool
    private let gate = DeliveryGate()
    private let logger: Logger

    /// Columns every table has; payload fields may not use these names.
    static let reservedColumns: Set<String> = ["id", "idempotency_key", "workflow", "payload_sha256", "delivered_at"]

    /// Opens (or creates) the database; throws `delivery` naming the file when it cannot.
    public init(name: String, configuration: SQLiteConnectionConfiguration, logger: Logger) throws {
        self.name = name
        self.configuration = configuration
        self.logger = logger
        do {
            try PrivateFiles.prepareDatabaseFile(atPath: configuration.path)
            var grdb = Configuration()
            grdb.busyMode = .timeout(configuration.busyTimeout)
            grdb.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            database = try DatabasePool(path: configuration.path, configuration: grdb)
        } catch {
            throw KamiflowError(
                .delivery, "cannot open the core-system database: \(Self.describe(error))",
                subject: configuration.path)
        }
    }

    /// Writes the batch in one transaction; a database error fails the whole batch (nothing of it is stored).
    public func deliver(_ requests: [DeliveryRequest]) async -> [DeliveryOutcome] {
        await gate.exclusively { closed in
            if closed { return requests.map { _ in .failed(reason: "connection '\(name)' is closed", attempts: 0) } }
            do {
                let outcomes = try await database.write { db in try self.insert(requests, into: db) }
                logger.debug(
                    "batch written",
                    metadata: ["connection": .string(name), "records": .stringConvertible(requests.count)])
                return outcomes
            } catch {
                let reason = "the database refused the batch: \(Self.describe(error))"
                logger.warning("batch failed", metadata: ["connection": .string(name), "reason": .string(reason)])
                return requests.map { _ in .failed(reason: reason, attempts: 1) }
            }
        }
    }

    /// Waits for the batch in progress, then closes the database; later deliveries end `failed`.
    public func close() async throws {
        try await gate.close { try self.database.close() }
    }

    private func insert(_ requests: [DeliveryRequest], into db: Database) throws -> [DeliveryOutcome] {
        var outcomes: [DeliveryOutcome] = []
        var knownColumns: [String: Set<String>] = [:]
        let now = ISO8601DateFormatter().string(from: Date())
        for request in requests {
            let table = configuration.table ?? request.resource ?? request.workflow
            if let problem = Self.problem(with: request, table: table) {
                outcomes.append(.rejected([problem]))
                continue
            }
            let digest = KamiflowCore.SHA256.hex(Data(DeliveryRequestBody.json(for: request.payload).utf8))
            if knownColumns[table] == nil { knownColumns[table] = try ensureTable(table, in: db) }
            if let row = try Row.fetchOne(
                db, sql: "SELECT id, payload_sha256 FROM \(table.quotedDatabaseIdentifier) WHERE idempotency_key = ?",
                arguments: [request.idempotencyKey])
            {
                let id: Int64 = row["id"]
                let existing: String = row["payload_sha256"]
                if existing == digest {
                    outcomes.append(.delivered(receipt: "\(table)#\(id)"))
                } else {
                    outcomes.append(
                        .rejected([
                            Rejection(
                                field: nil,
                                message:
                                    "this record was delivered before with different content (same idempotency key)")
                        ]))
                }
                continue
            }
            for field in request.payload where !knownColumns[table]!.contains(field.name) {
                let column = field.name.quotedDatabaseIdentifier
                try db.execute(sql: "ALTER TABLE \(table.quotedDatabaseIdentifier) ADD COLUMN \(column) TEXT")
                knownColumns[table]!.insert(field.name)
            }
            let columns =
                ["idempotency_key", "workflow", "payload_sha256", "delivered_at"] + request.payload.map(\.name)
            var values: [(any DatabaseValueConvertible)?] = [
                request.idempotencyKey, request.workflow, digest, now,
            ]
            values += request.payload.map { $0.value }
            let names = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            let placeholders = columns.map { _ in "?" }.joined(separator: ", ")
            let sql = "INSERT INTO \(table.quotedDatabaseIdentifier) (\(names)) VALUES (\(placeholders))"
            try db.execute(sql: sql, arguments: StatementArguments(values))
            outcomes.append(.delivered(receipt: "\(table)#\(db.lastInsertedRowID)"))
        }
        return outcomes
    }

    private func ensureTable(_ table: String, in db: Database) throws -> Set<String> {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS \(table.quotedDatabaseIdentifier) (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    workflow TEXT NOT NULL,
                    payload_sha256 TEXT NOT NULL,
                    delivered_at TEXT NOT NULL)
                """)
        return Set(try db.columns(in: table).map(\.name))
    }

    private static func problem(with request: DeliveryRequest, table: String) -> Rejection? {
        if table.isEmpty || table.hasPrefix("sqlite_") {
            return Rejection(field: nil, message: "'\(table)' cannot be a table name")
        }
        var seen: Set<String> = []
        for field in request.payload {
            if field.name.isEmpty || reservedColumns.contains(field.name.lowercased()) {
                return Rejection(field: field.name, message: "'\(field.name)' cannot be a column name (reserved)")
            }
            if !seen.insert(field.name.lowercased()).inserted {
                return Rejection(field: field.name, message: "the field appears twice in the payload")
            }
        }
        return nil
    }

    /// SQLite's message without the SQL statement: GRDB's description includes arguments, which may be personal.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
        }
        return "\(type(of: error))"
    }
}

extension SQLiteConnectionConfiguration: ConnectionSettings {
    public static let typeName = "sqlite"
    public static var settingNames: [String] { CodingKeys.allCases.map(\.stringValue) }

    public func makeConnector(
        named name: String, environment: [String: String], logger: Logger
    ) throws
        -> any Connector
    {
        try SQLiteConnector(name: name, configuration: self, logger: logger)
    }

    public func contract(for resource: String?, openAPIDocument: Data?) throws -> MappingContract {
        MappingContract(
            requiredFields: [], knownFields: nil, source: "the database \(path)",
            reservedFields: SQLiteConnector.reservedColumns.sorted())
    }

    public func resolvingPaths(_ resolve: (String) -> String) -> Self {
        var copy = self
        copy.path = resolve(path)
        return copy
    }

    public var destination: String { path }
}
