import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowTesting
import Synchronization
import Testing

/// The embedded journal against the suite every journal must pass (a shared database later passes the same one).
@Suite("Journal conformance")
struct JournalConformanceTests {
    @Test("the SQLite journal keeps the scan state machine every journal must keep")
    func sqliteJournalConforms() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let counter = Counter()
        // A new file per check: each starts from an empty journal.
        try await JournalConformance {
            let path = folder.file("journal-\(counter.next()).sqlite")
            return try SQLiteJournal(configuration: JournalConfiguration(path: path))
        }.run()
    }

    @Test("reopening the file keeps what the journal said; leases, being this process's alone, do not carry over")
    func leasesAreThisProcesssOwn() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("journal.sqlite")
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        guard
            case .process(let entry) = try await journal.admit(
                hash: String(repeating: "a", count: 64), path: "/a", originalPath: "/a", rerunResumes: true)
        else {
            Issue.record("not admitted")
            return
        }
        #expect(try await journal.claim(entry.rowID, owner: "a", duration: 600) != nil)
        #expect(try await journal.claim(entry.rowID, owner: "b", duration: 600) == nil)
        // A process killed while holding a scan: the next process (its file lock gone with it) resumes at once.
        let next = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        #expect(try await next.claim(entry.rowID, owner: "b", duration: 600) != nil)
        #expect(try await next.entry(rowID: entry.rowID)?.state == .claimed)
    }
}

/// Numbers the journal files of one test.
private final class Counter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
