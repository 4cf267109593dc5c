import Foundation
import GRDB
import KamiflowCore
import KamiflowRuntime
import Synchronization
import Testing

@Suite("Journal")
struct JournalTests {
    @Test("opens a SQLite file in WAL mode, creating its folder, and reopens it with the same schema")
    func opensInWALMode() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("nested/.kamiflow/journal.sqlite")
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        _ = try await journal.admit(
            hash: String(repeating: "a", count: 64), path: "/x", originalPath: "/x", rerunResumes: true)
        let mode = try await DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode")
        }
        #expect(mode == "wal")
        let reopened = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        #expect(try await reopened.counts() == [.claimed: 1])
    }

    @Test("several processes opening one new journal at the same moment all open it, with its whole schema")
    func openedTogether() async throws {
        // `kamiflow serve` and `kamiflow run --submit` started side by side both migrated a new journal; one failed
        // with "table review_lease already exists". Each journal here has its own connections, as a process has.
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let failures = Mutex<[String]>([])
        for round in 0..<20 {
            let path = folder.file("round\(round)/journal.sqlite")
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    _ = try SQLiteJournal(configuration: JournalConfiguration(path: path))
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let reopened = try SQLiteJournal(
            configuration: JournalConfiguration(path: folder.file("round0/journal.sqlite")))
        #expect(try await reopened.counts().isEmpty)
    }

    @Test("a new journal, its WAL and its folder are readable by their owner only (records wait there for review)")
    func ownerOnly() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("private/journal.sqlite")
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        _ = try await journal.admit(
            hash: String(repeating: "c", count: 64), path: "/x", originalPath: "/x", rerunResumes: true)
        func mode(_ path: String) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(path) == 0o600)
        #expect(try mode(path + "-wal") == 0o600)
        #expect(try mode(folder.file("private")) == 0o700)
    }

    @Test("walks a scan through claimed, reading, read, delivering and delivered, and skips it when seen again")
    func stateMachine() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let hash = String(repeating: "b", count: 64)
        guard
            case .process(let entry) = try await journal.admit(
                hash: hash, path: "/in/a.png", originalPath: "/in/a.png", rerunResumes: true)
        else {
            Issue.record("a new scan must be processed")
            return
        }
        #expect(entry.state == .claimed)
        try await journal.beginReading(entry.rowID)
        #expect(try await journal.entry(rowID: entry.rowID)?.state == .reading)
        #expect(try await journal.entry(rowID: entry.rowID)?.attempts == 1)
        try await journal.recordRead(entry.rowID, workflow: "w", pages: 2, maskedRecords: "[]", timings: ["read": 12])
        let confirmed = try await journal.planDeliveries(entry.rowID, [("core", "k-0"), ("core", "k-1")])
        #expect(confirmed.isEmpty)
        #expect(try await journal.entry(rowID: entry.rowID)?.state == .delivering)
        try await journal.recordDelivery(
            connection: "core", key: "k-0", outcome: .delivered(receipt: "r1"),
            redactor: Redactor())

        // A crash here: the same file comes back, is resumed, and only k-1 remains to deliver.
        guard
            case .process(let resumed) = try await journal.admit(
                hash: hash, path: "/in/a.png", originalPath: "/in/a.png", rerunResumes: true)
        else {
            Issue.record("an unfinished scan must be resumed")
            return
        }
        #expect(resumed.rowID == entry.rowID && resumed.state == .delivering)
        let again = try await journal.planDeliveries(entry.rowID, [("core", "k-0"), ("core", "k-1")])
        #expect(again.count == 1)
        try await journal.recordDelivery(
            connection: "core", key: "k-1", outcome: .delivered(receipt: nil),
            redactor: Redactor())
        try await journal.settle(entry.rowID, state: .delivered)
        #expect(try await journal.deliveries(of: entry.rowID).map(\.status) == [.delivered, .delivered])

        guard
            case .settled(let settled) = try await journal.admit(
                hash: hash, path: "/in/a.png", originalPath: "/in/a.png", rerunResumes: true)
        else {
            Issue.record("a delivered scan must be skipped on a re-run")
            return
        }
        #expect(settled.state == .delivered)
    }

    @Test("records the same bytes under another name once as a duplicate of the original")
    func duplicates() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let hash = String(repeating: "c", count: 64)
        guard
            case .process(let original) = try await journal.admit(
                hash: hash, path: "/a", originalPath: "/a",
                rerunResumes: true)
        else {
            Issue.record("new scan")
            return
        }
        guard
            case .duplicate(let dup, let of) = try await journal.admit(
                hash: hash, path: "/b", originalPath: "/b",
                rerunResumes: true)
        else {
            Issue.record("same bytes elsewhere is a duplicate")
            return
        }
        #expect(of.rowID == original.rowID)
        #expect(dup.state == .duplicate && dup.duplicateOf == original.rowID)
        guard
            case .duplicate(let again, _) = try await journal.admit(
                hash: hash, path: "/b", originalPath: "/b",
                rerunResumes: true)
        else {
            Issue.record("still a duplicate")
            return
        }
        #expect(again.rowID == dup.rowID)
        #expect(try await journal.counts() == [.claimed: 1, .duplicate: 1])
        // Named by hash prefix: the original first; by path: the duplicate.
        #expect(try await journal.entries(matching: "cccccc").map(\.rowID) == [original.rowID, dup.rowID])
        #expect(try await journal.entries(matching: "/b").map(\.rowID) == [dup.rowID])
        await #expect(throws: KamiflowError.self) { try await journal.requeue(dup.rowID) }
    }

    @Test("retries only failed, rejected or unclassified scans; requeues any original; lists what is stuck")
    func retryRequeueAndStuck() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let old = Date(timeIntervalSinceNow: -7200)
        guard
            case .process(let a) = try await journal.admit(
                hash: String(repeating: "d", count: 64), path: "/a",
                originalPath: "/a", rerunResumes: true, now: old)
        else { return }
        try await journal.beginReading(a.rowID, now: old)
        guard
            case .process(let b) = try await journal.admit(
                hash: String(repeating: "e", count: 64), path: "/b",
                originalPath: "/b", rerunResumes: true)
        else { return }
        try await journal.beginReading(b.rowID)
        try await journal.settle(b.rowID, state: .failed, error: "broken")

        #expect(try await journal.stuck(olderThan: 3600).map(\.rowID) == [a.rowID])
        await #expect(throws: KamiflowError.self) { try await journal.retry(a.rowID) }
        try await journal.retry(b.rowID)
        let retried = try #require(try await journal.entry(rowID: b.rowID))
        #expect(retried.state == .claimed && retried.attempts == 1 && retried.error == nil)
        try await journal.settle(b.rowID, state: .delivered)
        try await journal.requeue(b.rowID)
        #expect(try await journal.entry(rowID: b.rowID)?.state == .claimed)
        #expect(try await journal.entry(rowID: b.rowID)?.attempts == 0)
        #expect(try await journal.list(state: .claimed).count == 1)
    }

    @Test("a failed scan dropped again under another name is retried, not treated as a duplicate")
    func failedScanRetriedUnderAnotherName() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let hash = String(repeating: "f", count: 64)
        guard
            case .process(let a) = try await journal.admit(
                hash: hash, path: "/x/failed/a", originalPath: "/x/a",
                rerunResumes: false)
        else { return }
        try await journal.settle(a.rowID, state: .failed, error: "connector down")
        guard
            case .process(let again) = try await journal.admit(
                hash: hash, path: "/x/processing/a2",
                originalPath: "/x/a2", rerunResumes: false)
        else {
            Issue.record("a failed scan seen again is processed")
            return
        }
        #expect(again.rowID == a.rowID && again.path == "/x/processing/a2")
    }
}

@Suite("Journal upgrade")
struct JournalUpgradeTests {
    /// A journal as the first release wrote it: the v1 schema, one scan in review, no review tables.
    static func writeFirstReleaseJournal(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1: scans, deliveries, job runs');
                    CREATE TABLE scan (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL, state TEXT NOT NULL,
                        path TEXT NOT NULL, original_path TEXT NOT NULL, workflow TEXT,
                        duplicate_of INTEGER REFERENCES scan(id), attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
                        pages INTEGER, records TEXT, timings TEXT NOT NULL DEFAULT '{}', created_at REAL NOT NULL,
                        updated_at REAL NOT NULL, state_since REAL NOT NULL);
                    CREATE UNIQUE INDEX scan_primary_hash ON scan(hash) WHERE state != 'duplicate';
                    CREATE TABLE delivery (
                        scan_id INTEGER NOT NULL REFERENCES scan(id), connection TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL, status TEXT NOT NULL, receipt TEXT, detail TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0, updated_at REAL NOT NULL,
                        PRIMARY KEY (connection, idempotency_key));
                    CREATE TABLE job_run (job TEXT PRIMARY KEY, last_started REAL, last_finished REAL, last_status TEXT);
                    INSERT INTO scan (hash, state, path, original_path, workflow, records, created_at, updated_at,
                        state_since)
                    VALUES ('\(String(repeating: "c", count: 64))', 'in-review', '/in/old.png', '/in/old.png', 'w',
                        '[]', 1, 1, 1);
                    """)
        }
    }

    @Test("a first-release journal is upgraded in place; its scans in review say how to read them again")
    func upgradesFirstRelease() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("old.sqlite")
        try Self.writeFirstReleaseJournal(at: path)
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        let entry = try #require(try await journal.list().first)
        #expect(entry.state == .inReview)
        #expect(try await journal.reviewRecords(of: entry.rowID).isEmpty)
        #expect(try await journal.reviewAudit(of: entry.rowID).isEmpty)
        do {
            _ = try await journal.reviewRecord(of: entry, index: nil)
            Issue.record("a scan in review without a kept record must not be reviewable")
        } catch {
            #expect(error.message.contains("journal requeue \(entry.shortID)"))
        }

        // Read again after the upgrade, the record for review is kept whole.
        try await journal.requeue(entry.rowID)
        try await journal.beginReading(entry.rowID)
        let record = FormRecord(
            workflow: "w", scanID: entry.hash, index: 0, pages: [0],
            fields: [
                FieldResult(
                    path: "number", type: "mynumber", raw: "123456789018", value: .text("123456789018"),
                    sensitive: true)
            ])
        let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        try await journal.recordRead(
            entry.rowID, workflow: "w", pages: 1, maskedRecords: "[]", timings: [:],
            forReview: [0: json])
        #expect(try await journal.reviewRecords(of: entry.rowID).map(\.record) == [record])
        #expect(try await journal.reviewRecords(of: entry.rowID).map(\.status) == [.waiting])
    }
}
