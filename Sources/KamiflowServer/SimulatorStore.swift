import Foundation
import GRDB
import KamiflowConnectors
import KamiflowCore

/// A record as the simulated core system stored it.
public struct StoredRecord: Hashable, Sendable {
    /// The core system's number, e.g. `jidou-teate-000001`.
    public var id: String
    public var resource: String
    public var idempotencyKey: String
    /// ISO 8601 UTC.
    public var receivedAt: String
    /// The record's fields as sent (strings; absent or null fields left out).
    public var fields: [String: String]
}

/// The answer the simulator gives to one POST; stored with the idempotency key so that a replay answers the same.
struct StoredAnswer: Sendable {
    var status: Int
    var body: String
    var replayed: Bool
}

/// The simulator's SQLite database (WAL): the records that arrived and the answers given per idempotency key.
final class SimulatorStore: Sendable {
    private let database: DatabasePool

    init(path: String) throws {
        do {
            // Whole records: owner-only, like the journal and the embedded core database.
            try PrivateFiles.prepareDatabaseFile(atPath: path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            database = try DatabasePool(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS records (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            resource TEXT NOT NULL,
                            idempotency_key TEXT NOT NULL,
                            received_at TEXT NOT NULL,
                            body TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS idempotency (
                            resource TEXT NOT NULL,
                            idempotency_key TEXT NOT NULL,
                            body_sha256 TEXT NOT NULL,
                            status INTEGER NOT NULL,
                            response TEXT NOT NULL,
                            PRIMARY KEY (resource, idempotency_key));
                        """)
            }
        } catch {
            throw KamiflowError(.io, "cannot open the simulator database: \(error)", subject: path)
        }
    }

    /// Registers `body` under `key` unless the key was seen: a seen key with the same body answers as the first
    /// time; with another body, 409. Runs in one write transaction, so concurrent requests with one key cannot
    /// both insert.
    func register(
        resource: String, key: String, body: [String: JSONValue],
        validate: @Sendable ([String: JSONValue]) -> [FieldError]
    ) async throws -> StoredAnswer {
        let canonical = JSONValue.object(body).canonicalText
        let digest = KamiflowCore.SHA256.hex(Data(canonical.utf8))
        return try await database.write { db in
            if let row = try Row.fetchOne(
                db,
                sql: "SELECT body_sha256, status, response FROM idempotency WHERE resource = ? AND idempotency_key = ?",
                arguments: [resource, key])
            {
                let storedDigest: String = row["body_sha256"]
                guard storedDigest == digest else {
                    return StoredAnswer(
                        status: 409,
                        body: Self.problem(
                            "idempotency_conflict",
                            "this Idempotency-Key was used before with a different body"),
                        replayed: false)
                }
                return StoredAnswer(status: row["status"], body: row["response"], replayed: true)
            }
            let answer: StoredAnswer
            let errors = validate(body)
            if errors.isEmpty {
                let now = ISO8601DateFormatter().string(from: Date())
                try db.execute(
                    sql: "INSERT INTO records (resource, idempotency_key, received_at, body) VALUES (?, ?, ?, ?)",
                    arguments: [resource, key, now, canonical])
                let id = Self.recordID(resource: resource, row: db.lastInsertedRowID)
                let receipt = JSONValue.object([
                    "id": .string(id), "resource": .string(resource), "idempotency_key": .string(key),
                    "received_at": .string(now),
                ])
                answer = StoredAnswer(status: 201, body: receipt.canonicalText, replayed: false)
            } else {
                let failure = JSONValue.object([
                    "error": .string("validation_failed"),
                    "message": .string("\(errors.count) field error(s); nothing was registered"),
                    "errors": .array(
                        errors.map {
                            .object([
                                "field": .string($0.field), "code": .string($0.code), "message": .string($0.message),
                            ])
                        }),
                ])
                answer = StoredAnswer(status: 422, body: failure.canonicalText, replayed: false)
            }
            try db.execute(
                sql: """
                    INSERT INTO idempotency (resource, idempotency_key, body_sha256, status, response)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [resource, key, digest, answer.status, answer.body])
            return answer
        }
    }

    func records(resource: String?, limit: Int = Int.max) throws -> [StoredRecord] {
        try database.read { db in
            let rows: [Row]
            if let resource {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM records WHERE resource = ? ORDER BY id LIMIT ?",
                    arguments: [resource, limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM (SELECT * FROM records ORDER BY id DESC LIMIT ?) ORDER BY id",
                    arguments: [limit])
            }
            return rows.map { row in
                let resource: String = row["resource"]
                let body: String = row["body"]
                var fields: [String: String] = [:]
                for (key, value) in JSONValue.parse(Data(body.utf8))?.objectValue ?? [:] {
                    if let text = value.stringValue { fields[key] = text }
                }
                return StoredRecord(
                    id: Self.recordID(resource: resource, row: row["id"]), resource: resource,
                    idempotencyKey: row["idempotency_key"], receivedAt: row["received_at"], fields: fields)
            }
        }
    }

    func counts() throws -> [String: Int] {
        try database.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT resource, COUNT(*) AS n FROM records GROUP BY resource") {
                counts[row["resource"]] = row["n"]
            }
            return counts
        }
    }

    func close() throws { try database.close() }

    static func recordID(resource: String, row: Int64) -> String {
        let digits = String(row)
        return resource + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func problem(_ error: String, _ message: String) -> String {
        JSONValue.object(["error": .string(error), "message": .string(message)]).canonicalText
    }
}
