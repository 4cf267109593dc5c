import Foundation
import GRDB
public import KamiflowCore
import PostgresNIO

extension PostgresJournal {
    /// What `copy(fromSQLite:replace:)` did.
    public struct CopyReport: Sendable, Hashable {
        public var scans = 0
        public var deliveries = 0
        public var reviewRecords = 0
        public var reviewDecisions = 0
        public var inputs = 0
        public var jobs = 0
        /// The target already held exactly this journal's scans: nothing was written.
        public var alreadyCopied = false
    }

    /// `kamiflow journal migrate`: copies an embedded SQLite journal into this (empty) database, every row with its
    /// own id, in one transaction, so that a copy cut off half-way leaves the target as it was and can simply be
    /// run again.
    ///
    /// A target that already holds exactly the source's scans (same ids, hashes, states and times) is a copy made
    /// before: nothing is written and the report says so. Any other non-empty target is refused unless `replace`,
    /// which empties it first. Leases are not copied: the SQLite journal keeps none on disk.
    public func copy(fromSQLite path: String, replace: Bool) async throws(KamiflowError) -> CopyReport {
        guard FileManager.default.fileExists(atPath: path) else {
            throw KamiflowError(.fileNotFound, "no SQLite journal to copy", subject: path)
        }
        // Opening it brings an older file's schema up to date, as any command would.
        _ = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        let source: SourceRows
        do {
            var settings = Configuration()
            settings.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: settings)
            source = try await queue.read { db in try SourceRows(db) }
        } catch {
            throw KamiflowError(.journal, "cannot read the SQLite journal", subject: path, cause: error)
        }
        return try await transaction("copy the journal") { c in
            var report = CopyReport()
            let present =
                try await c.query(
                    """
                    SELECT (SELECT count(*) FROM scan) + (SELECT count(*) FROM input) + (SELECT count(*) FROM job_run)
                    """, logger: Self.quiet
                ).collect().first?.decode(Int.self) ?? 0
            if present > 0 {
                if !replace {
                    if try await Self.holdsSameScans(c, source.scans) {
                        report.alreadyCopied = true
                        return report
                    }
                    throw KamiflowError(
                        .invalidArgument,
                        "the target journal is not empty (\(present) rows); pass --replace to empty it and copy",
                        subject: nil)
                }
                // The station's leases and blind entries (typed values, in clear) name rows that are replaced.
                try await c.query(
                    """
                    TRUNCATE scan, delivery, job_run, review_record, review_audit, input, review_lease,
                        review_double_entry RESTART IDENTITY CASCADE
                    """, logger: Self.quiet)
            }
            for s in source.scans {
                try await c.query(
                    """
                    INSERT INTO scan (id, hash, state, path, original_path, workflow, duplicate_of, attempts, error,
                        pages, records, timings, created_at, updated_at, state_since)
                    VALUES (\(s.id), \(s.hash), \(s.state), \(s.path), \(s.originalPath), \(s.workflow),
                        \(s.duplicateOf), \(s.attempts), \(s.error), \(s.pages), \(s.records), \(s.timings),
                        \(s.createdAt), \(s.updatedAt), \(s.stateSince))
                    """, logger: Self.quiet)
            }
            for d in source.deliveries {
                try await c.query(
                    """
                    INSERT INTO delivery (scan_id, connection, idempotency_key, status, receipt, detail, attempts,
                        updated_at)
                    VALUES (\(d.scanID), \(d.connection), \(d.key), \(d.status), \(d.receipt), \(d.detail),
                        \(d.attempts), \(d.updatedAt))
                    """, logger: Self.quiet)
            }
            for j in source.jobs {
                try await c.query(
                    """
                    INSERT INTO job_run (job, last_started, last_finished, last_status)
                    VALUES (\(j.job), \(j.started), \(j.finished), \(j.status))
                    """, logger: Self.quiet)
            }
            for r in source.reviewRecords {
                try await c.query(
                    """
                    INSERT INTO review_record (scan_id, record_index, status, record, updated_at)
                    VALUES (\(r.scanID), \(r.index), \(r.status), \(r.record), \(r.updatedAt))
                    """, logger: Self.quiet)
            }
            for a in source.reviewAudit {
                try await c.query(
                    """
                    INSERT INTO review_audit (id, scan_id, record_index, action, reviewer, changes, outcome, detail, at)
                    VALUES (\(a.id), \(a.scanID), \(a.index), \(a.action), \(a.reviewer), \(a.changes), \(a.outcome),
                        \(a.detail), \(a.at))
                    """, logger: Self.quiet)
            }
            for i in source.inputs {
                try await c.query(
                    """
                    INSERT INTO input (id, path, location, size, scan_id, outcome, reason, first_seen, last_seen,
                        sightings)
                    VALUES (\(i.id), \(i.path), \(i.location), \(i.size), \(i.scanID), \(i.outcome), \(i.reason),
                        \(i.firstSeen), \(i.lastSeen), \(i.sightings))
                    """, logger: Self.quiet)
            }
            // New rows continue after the copied ids.
            for table in ["scan", "review_audit", "input"] {
                try await c.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE(max(id), 1),
                                max(id) IS NOT NULL) FROM \(table)
                            """), logger: Self.quiet)
            }
            report.scans = source.scans.count
            report.deliveries = source.deliveries.count
            report.reviewRecords = source.reviewRecords.count
            report.reviewDecisions = source.reviewAudit.count
            report.inputs = source.inputs.count
            report.jobs = source.jobs.count
            return report
        }
    }

    private static func holdsSameScans(_ c: PostgresConnection, _ scans: [SourceRows.Scan]) async throws -> Bool {
        var target: [Int64: (String, String, Double)] = [:]
        for try await (id, hash, state, updated) in try await c.query(
            "SELECT id, hash, state, updated_at FROM scan", logger: quiet
        ).decode((Int64, String, String, Double).self) {
            target[id] = (hash, state, updated)
        }
        guard target.count == scans.count else { return false }
        return scans.allSatisfy { s in
            guard let t = target[s.id] else { return false }
            return t.0 == s.hash && t.1 == s.state && abs(t.2 - s.updatedAt) < 0.000_001
        }
    }
}

/// Every row of a SQLite journal, as stored.
struct SourceRows: Sendable {
    struct Scan: Sendable {
        var id: Int64, hash: String, state: String, path: String, originalPath: String, workflow: String?
        var duplicateOf: Int64?, attempts: Int64, error: String?, pages: Int64?, records: String?, timings: String
        var createdAt: Double, updatedAt: Double, stateSince: Double
    }
    struct Delivery: Sendable {
        var scanID: Int64, connection: String, key: String, status: String, receipt: String?, detail: String?
        var attempts: Int64, updatedAt: Double
    }
    struct Job: Sendable {
        var job: String, started: Double?, finished: Double?, status: String?
    }
    struct ReviewRecord: Sendable {
        var scanID: Int64, index: Int64, status: String, record: String?, updatedAt: Double
    }
    struct ReviewDecision: Sendable {
        var id: Int64, scanID: Int64, index: Int64, action: String, reviewer: String, changes: String
        var outcome: String, detail: String?, at: Double
    }
    struct Input: Sendable {
        var id: Int64, path: String, location: String, size: Int64?, scanID: Int64?, outcome: String
        var reason: String?, firstSeen: Double, lastSeen: Double, sightings: Int64
    }

    var scans: [Scan] = []
    var deliveries: [Delivery] = []
    var jobs: [Job] = []
    var reviewRecords: [ReviewRecord] = []
    var reviewAudit: [ReviewDecision] = []
    var inputs: [Input] = []

    init(_ db: Database) throws {
        scans = try Row.fetchAll(db, sql: "SELECT * FROM scan ORDER BY id").map { r in
            Scan(
                id: r["id"], hash: r["hash"], state: r["state"], path: r["path"], originalPath: r["original_path"],
                workflow: r["workflow"], duplicateOf: r["duplicate_of"], attempts: r["attempts"], error: r["error"],
                pages: r["pages"], records: r["records"], timings: r["timings"], createdAt: r["created_at"],
                updatedAt: r["updated_at"], stateSince: r["state_since"])
        }
        deliveries = try Row.fetchAll(db, sql: "SELECT * FROM delivery ORDER BY scan_id, connection, idempotency_key")
            .map { r in
                Delivery(
                    scanID: r["scan_id"], connection: r["connection"], key: r["idempotency_key"], status: r["status"],
                    receipt: r["receipt"], detail: r["detail"], attempts: r["attempts"], updatedAt: r["updated_at"])
            }
        jobs = try Row.fetchAll(db, sql: "SELECT * FROM job_run ORDER BY job").map { r in
            Job(job: r["job"], started: r["last_started"], finished: r["last_finished"], status: r["last_status"])
        }
        reviewRecords = try Row.fetchAll(db, sql: "SELECT * FROM review_record ORDER BY scan_id, record_index").map {
            r in
            ReviewRecord(
                scanID: r["scan_id"], index: r["record_index"], status: r["status"], record: r["record"],
                updatedAt: r["updated_at"])
        }
        reviewAudit = try Row.fetchAll(db, sql: "SELECT * FROM review_audit ORDER BY id").map { r in
            ReviewDecision(
                id: r["id"], scanID: r["scan_id"], index: r["record_index"], action: r["action"],
                reviewer: r["reviewer"], changes: r["changes"], outcome: r["outcome"], detail: r["detail"], at: r["at"])
        }
        inputs = try Row.fetchAll(db, sql: "SELECT * FROM input ORDER BY id").map { r in
            Input(
                id: r["id"], path: r["path"], location: r["location"], size: r["size"], scanID: r["scan_id"],
                outcome: r["outcome"], reason: r["reason"], firstSeen: r["first_seen"], lastSeen: r["last_seen"],
                sightings: r["sightings"])
        }
    }
}
