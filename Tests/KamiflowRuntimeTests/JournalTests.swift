import Foundation
import GRDB
import KamiflowCore
import KamiflowRuntime
import Testing

@Suite("Journal")
struct JournalTests {
    @Test("opens a SQLite file in WAL mode, creating its folder, and reopens it with the same schema")
    func opensInWALMode() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("nested/.kamiflow/journal.sqlite")
        let journal = try Journal(configuration: JournalConfiguration(path: path))
        _ = try journal.admit(
            hash: String(repeating: "a", count: 64), path: "/x", originalPath: "/x", rerunResumes: true)
        let mode = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let reopened = try Journal(configuration: JournalConfiguration(path: path))
        #expect(try reopened.counts() == [.claimed: 1])
    }

    @Test("walks a scan through claimed, reading, read, delivering and delivered, and skips it when seen again")
    func stateMachine() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try Journal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let hash = String(repeating: "b", count: 64)
        guard case .process(let entry) = try journal.admit(hash: hash, path: "/in/a.png", originalPath: "/in/a.png",
            rerunResumes: true)
        else { Issue.record("a new scan must be processed"); return }
        #expect(entry.state == .claimed)
        try journal.beginReading(entry.rowID)
        #expect(try journal.entry(rowID: entry.rowID)?.state == .reading)
        #expect(try journal.entry(rowID: entry.rowID)?.attempts == 1)
        try journal.recordRead(entry.rowID, workflow: "w", pages: 2, maskedRecords: "[]", timings: ["read": 12])
        let confirmed = try journal.planDeliveries(entry.rowID, [("core", "k-0"), ("core", "k-1")])
        #expect(confirmed.isEmpty)
        #expect(try journal.entry(rowID: entry.rowID)?.state == .delivering)
        try journal.recordDelivery(connection: "core", key: "k-0", outcome: .delivered(receipt: "r1"),
            redactor: Redactor())

        // A crash here: the same file comes back, is resumed, and only k-1 remains to deliver.
        guard case .process(let resumed) = try journal.admit(hash: hash, path: "/in/a.png", originalPath: "/in/a.png",
            rerunResumes: true)
        else { Issue.record("an unfinished scan must be resumed"); return }
        #expect(resumed.rowID == entry.rowID && resumed.state == .delivering)
        let again = try journal.planDeliveries(entry.rowID, [("core", "k-0"), ("core", "k-1")])
        #expect(again.count == 1)
        try journal.recordDelivery(connection: "core", key: "k-1", outcome: .delivered(receipt: nil),
            redactor: Redactor())
        try journal.settle(entry.rowID, state: .delivered)
        #expect(try journal.deliveries(of: entry.rowID).map(\.status) == [.delivered, .delivered])

        guard case .settled(let settled) = try journal.admit(hash: hash, path: "/in/a.png", originalPath: "/in/a.png",
            rerunResumes: true)
        else { Issue.record("a delivered scan must be skipped on a re-run"); return }
        #expect(settled.state == .delivered)
    }

    @Test("records the same bytes under another name once as a duplicate of the original")
    func duplicates() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try Journal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let hash = String(repeating: "c", count: 64)
        guard case .process(let original) = try journal.admit(hash: hash, path: "/a", originalPath: "/a",
            rerunResumes: true)
        else { Issue.record("new scan"); return }
        guard case .duplicate(let dup, let of) = try journal.admit(hash: hash, path: "/b", originalPath: "/b",
            rerunResumes: true)
        else { Issue.record("same bytes elsewhere is a duplicate"); return }
        #expect(of.rowID == original.rowID)
        #expect(dup.state == .duplicate && dup.duplicateOf == original.rowID)
        guard case .duplicate(let again, _) = try journal.admit(hash: hash, path: "/b", originalPath: "/b",
            rerunResumes: true)
        else { Issue.record("still a duplicate"); return }
        #expect(again.rowID == dup.rowID)
        #expect(try journal.counts() == [.claimed: 1, .duplicate: 1])
        // Named by hash prefix: the original first; by path: the duplicate.
        #expect(try journal.entries(matching: "cccccc").map(\.rowID) == [original.rowID, dup.rowID])
        #expect(try journal.entries(matching: "/b").map(\.rowID) == [dup.rowID])
        #expect(throws: KamiflowError.self) { try journal.requeue(dup.rowID) }
    }

    @Test("retries only failed, rejected or unclassified scans; requeues any original; lists what is stuck")
    func retryRequeueAndStuck() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try Journal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let old = Date(timeIntervalSinceNow: -7200)
        guard case .process(let a) = try journal.admit(hash: String(repeating: "d", count: 64), path: "/a",
            originalPath: "/a", rerunResumes: true, now: old)
        else { return }
        try journal.beginReading(a.rowID, now: old)
        guard case .process(let b) = try journal.admit(hash: String(repeating: "e", count: 64), path: "/b",
            originalPath: "/b", rerunResumes: true)
        else { return }
        try journal.beginReading(b.rowID)
        try journal.settle(b.rowID, state: .failed, error: "broken")

        #expect(try journal.stuck(olderThan: 3600).map(\.rowID) == [a.rowID])
        #expect(throws: KamiflowError.self) { try journal.retry(a.rowID) }
        try journal.retry(b.rowID)
        let retried = try #require(try journal.entry(rowID: b.rowID))
        #expect(retried.state == .claimed && retried.attempts == 1 && retried.error == nil)
        try journal.settle(b.rowID, state: .delivered)
        try journal.requeue(b.rowID)
        #expect(try journal.entry(rowID: b.rowID)?.state == .claimed)
        #expect(try journal.entry(rowID: b.rowID)?.attempts == 0)
        #expect(try journal.list(state: .claimed).count == 1)
    }

    @Test("a failed scan dropped again under another name is retried, not treated as a duplicate")
    func failedScanRetriedUnderAnotherName() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try Journal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let hash = String(repeating: "f", count: 64)
        guard case .process(let a) = try journal.admit(hash: hash, path: "/x/failed/a", originalPath: "/x/a",
            rerunResumes: false)
        else { return }
        try journal.settle(a.rowID, state: .failed, error: "connector down")
        guard case .process(let again) = try journal.admit(hash: hash, path: "/x/processing/a2",
            originalPath: "/x/a2", rerunResumes: false)
        else { Issue.record("a failed scan seen again is processed"); return }
        #expect(again.rowID == a.rowID && again.path == "/x/processing/a2")
    }
}
