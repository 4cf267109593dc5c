import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowTesting
import Synchronization
import Testing

/// One PostgreSQL server (Debian's binaries, `initdb` into a temporary folder, an ephemeral port on 127.0.0.1) for
/// the whole suite, stopped and removed when it ends. Each test makes databases of its own on it.
struct PostgresServerScope: SuiteTrait, TestScoping {
    @TaskLocal static var server: PostgresServer?

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        try await Self.$server.withValue(server) { try await function() }
    }
}

extension Trait where Self == PostgresServerScope {
    /// A PostgreSQL server of the suite's own (see ``PostgresServerScope``).
    static var postgresServer: Self { Self() }
}

/// The shared journal against a real PostgreSQL: the conformance suite every journal passes, and what only a
/// shared database has to show, claims from two processes' pools at once, leases taken over, a server restart.
/// Serialized: the restart test stops the server the others use.
@Suite("PostgreSQL journal", .serialized, .postgresServer)
struct PostgresJournalTests {
    var server: PostgresServer {
        get throws {
            guard let server = PostgresServerScope.server else { throw PostgresServer.Failure("no server") }
            return server
        }
    }

    /// A journal on a new, empty database, as a process of its own would open it (its own pool).
    func openJournal(database: String? = nil, settings: String = "") async throws -> PostgresJournal {
        let server = try server
        let name = try database ?? server.createDatabase()
        return try await PostgresJournal.open(PostgresJournalConfiguration(url: server.url(database: name) + settings))
    }

    @Test("the PostgreSQL journal keeps the scan state machine every journal must keep")
    func postgresJournalConforms() async throws {
        let opened = Opened()
        try await JournalConformance {
            let journal = try await openJournal()
            opened.add(journal)
            return journal
        }.run()
        for journal in opened.all { await journal.close() }
    }

    @Test("three nodes, each with its own pool on one PostgreSQL database, run an every-minute job once per tick")
    func oncePerTickOnThreeNodes() async throws {
        let database = try server.createDatabase()
        var journals: [PostgresJournal] = []
        for _ in 0..<3 { journals.append(try await openJournal(database: database)) }
        let runs = try await runOnThreeNodes(journals, ticks: 20)
        #expect(runs.count >= 20, "\(runs.keys.sorted())")
        #expect(runs.values.allSatisfy { $0.count == 1 }, "\(runs)")
        for journal in journals { await journal.close() }
    }

    @Test("two processes' journals claiming the same 60 scans at once never both get one, and every scan is taken")
    func concurrentClaimsAreExclusive() async throws {
        let database = try server.createDatabase()
        let a = try await openJournal(database: database)
        let b = try await openJournal(database: database)
        var rows: [Int64] = []
        for n in 0..<60 {
            let hash = String(repeating: "0", count: 60) + String(format: "%04d", n)
            guard
                case .process(let entry) = try await a.admit(
                    hash: hash, path: "/in/\(n).png", originalPath: "/in/\(n).png", rerunResumes: true)
            else {
                Issue.record("scan \(n) was not admitted")
                return
            }
            rows.append(entry.rowID)
        }
        // Both "processes" go through every scan, each with several claims in flight, in opposite orders.
        let forward = rows
        let backward = Array(rows.reversed())
        async let wonByA = claimAll(forward, journal: a, owner: "node-a")
        async let wonByB = claimAll(backward, journal: b, owner: "node-b")
        let (byA, byB) = try await (wonByA, wonByB)
        #expect(byA.isDisjoint(with: byB), "both nodes hold leases on \(byA.intersection(byB).sorted())")
        #expect(byA.union(byB) == Set(rows), "scans nobody got: \(Set(rows).subtracting(byA.union(byB)).sorted())")
        await a.close()
        await b.close()
    }

    private func claimAll(_ rows: [Int64], journal: PostgresJournal, owner: String) async throws -> Set<Int64> {
        try await withThrowingTaskGroup(of: Int64?.self) { group in
            var won: Set<Int64> = []
            var next = rows.makeIterator()
            for _ in 0..<6 {
                guard let row = next.next() else { break }
                group.addTask { try await journal.claim(row, owner: owner, duration: 600) == nil ? nil : row }
            }
            while let result = try await group.next() {
                if let result { won.insert(result) }
                if let row = next.next() {
                    group.addTask { try await journal.claim(row, owner: owner, duration: 600) == nil ? nil : row }
                }
            }
            return won
        }
    }

    @Test("sixteen workers of three processes taking from one queue at once get every scan once, none twice")
    func queueTakenByManyAtOnce() async throws {
        let database = try server.createDatabase()
        var journals: [PostgresJournal] = []
        for _ in 0..<3 { journals.append(try await openJournal(database: database)) }
        let node = NodeIdentity(name: nil, host: "host-q", pid: 1, started: Date(), heartbeatInterval: 60)
        try await journals[0].registerNode(node, now: Date())
        var rows: Set<Int64> = []
        for n in 0..<60 {
            let hash = String(repeating: "5", count: 60) + String(format: "%04d", n)
            guard
                case .process(let entry) = try await journals[0].admit(
                    hash: hash, path: "/spool/\(n).png", originalPath: "/in/\(n).png", rerunResumes: true)
            else {
                Issue.record("scan \(n) was not admitted")
                return
            }
            rows.insert(entry.rowID)
        }
        // Each worker takes one scan at a time until the queue gives it none, settling what it took.
        let taken = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<16 {
                let journal = journals[worker % 3]
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let got = try await journal.claimQueued(
                            under: "/spool", owners: [node.ownerPrefix + "w\(worker)-\(mine.count)"], duration: 600,
                            now: Date())
                        guard let scan = got.first else { return mine }
                        mine.append(scan.entry.rowID)
                        try await journal.settle(scan.entry.rowID, state: .delivered, error: nil, timings: nil)
                    }
                }
            }
            var all: [Int64] = []
            for try await mine in group { all += mine }
            return all
        }
        #expect(taken.count == Set(taken).count, "scans taken twice: \(taken.count - Set(taken).count)")
        #expect(Set(taken) == rows, "scans nobody took: \(rows.subtracting(taken).sorted())")
        for journal in journals { await journal.close() }
    }

    @Test("a lease that runs out is taken over by another process, whose lease the old owner can then not renew")
    func expiredLeaseIsTakenOver() async throws {
        let database = try server.createDatabase()
        let a = try await openJournal(database: database)
        let b = try await openJournal(database: database)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        guard
            case .process(let entry) = try await a.admit(
                hash: String(repeating: "7", count: 64), path: "/in/x.png", originalPath: "/in/x.png",
                rerunResumes: true, now: t0)
        else {
            Issue.record("not admitted")
            return
        }
        let held = try #require(try await a.claim(entry.rowID, owner: "node-a", duration: 30, now: t0))
        #expect(try await b.claim(entry.rowID, owner: "node-b", duration: 30, now: t0 + 10) == nil)
        // node-a is cut off and does not renew in time.
        let taken = try #require(try await b.claim(entry.rowID, owner: "node-b", duration: 30, now: t0 + 31))
        #expect(taken.owner == "node-b")
        #expect(try await a.renewLease(held, duration: 30, now: t0 + 32) == nil, "the old owner renewed a lost lease")
        #expect(try await a.claim(entry.rowID, owner: "node-a", duration: 30, now: t0 + 33) == nil)
        #expect(try await b.renewLease(taken, duration: 30, now: t0 + 40) != nil)
        await a.close()
        await b.close()
    }

    @Test("PostgreSQL restarted: a call waiting for it goes on once it is back; one that gives up says why")
    func serverRestart() async throws {
        let server = try server
        let database = try server.createDatabase()
        let patient = try await openJournal(database: database, settings: "&timeout=120")
        let hasty = try await openJournal(database: database, settings: "&timeout=2")
        guard
            case .process(let entry) = try await patient.admit(
                hash: String(repeating: "8", count: 64), path: "/in/y.png", originalPath: "/in/y.png",
                rerunResumes: true)
        else {
            Issue.record("not admitted")
            return
        }
        #expect(try await hasty.count() == 1)

        try server.stop()
        // A worker's next call while the server is down: it waits.
        let waiting = Task { try await patient.beginReading(entry.rowID) }
        // A call that gives up: a journal error naming the server, not the password.
        do {
            _ = try await hasty.count()
            Issue.record("a call to a stopped server succeeded")
        } catch {
            #expect(error.code == .journal)
            #expect(error.description.contains("127.0.0.1:\(server.port)"), "\(error)")
            #expect(!error.description.contains(server.password), "the error shows the password")
        }
        try server.startAgain()
        try await waiting.value
        #expect(try await patient.entry(rowID: entry.rowID)?.state == .reading)
        try await patient.settle(entry.rowID, state: .delivered)
        #expect(try await patient.count(state: .delivered) == 1)
        await patient.close()
        await hasty.close()
    }

    /// A call that does not heed its cancellation (as some pooled calls did past a server restart in the
    /// three-worker drill) must not hold its caller beyond the journal's timeout.
    @Test("a journal call that never comes back is given up at the timeout, not waited for")
    func boundedCall() async throws {
        #expect(try await PostgresJournal.bounded(by: .seconds(30)) { 7 } == 7)
        await #expect(throws: KamiflowError.self) {
            try await PostgresJournal.bounded(by: .seconds(30)) { () async throws -> Int in
                throw KamiflowError(.journal, "refused")
            }
        }
        let parked = Parked()
        await #expect(throws: (any Error).self) {
            try await PostgresJournal.bounded(by: .milliseconds(200)) { () async -> Int in
                await parked.park()
                return 1
            }
        }
        await parked.release()
    }

    /// Work that waits on a continuation, deaf to cancellation, until released.
    final class Parked: Sendable {
        private let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)

        func park() async {
            await withCheckedContinuation { continuation in waiting.withLock { $0 = continuation } }
        }

        func release() async {
            while true {
                let parked = waiting.withLock { state in
                    defer { state = nil }
                    return state
                }
                if let continuation = parked {
                    continuation.resume()
                    return
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    @Test("migrations are recorded, applied once by several processes opening at once, and a newer schema refused")
    func migrations() async throws {
        let server = try server
        let database = try server.createDatabase()
        async let first = openJournal(database: database)
        async let second = openJournal(database: database)
        let (a, b) = try await (first, second)
        #expect(try await a.appliedMigrations() == PostgresJournal.knownMigrations)
        try server.psql(
            "INSERT INTO kamiflow_schema_migration (version, description) VALUES (999, 'future')",
            database: database)
        do {
            _ = try await openJournal(database: database)
            Issue.record("a journal from a newer Kamiflow was opened")
        } catch let error as KamiflowError {
            #expect(error.message.contains("newer"), "\(error)")
        }
        await a.close()
        await b.close()
    }

    @Test("journal migrate copies a SQLite journal whole, finds it copied when run again, refuses other rows")
    func copyFromSQLite() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("journal.sqlite")
        let source = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000.25)
        func admitted(_ c: Character, _ path: String) async throws -> ScanEntry {
            guard
                case .process(let entry) = try await source.admit(
                    hash: String(repeating: c, count: 64), path: path, originalPath: path, rerunResumes: true, now: t0)
            else { throw PostgresServer.Failure("not admitted") }
            return entry
        }
        let delivered = try await admitted("a", "/in/a.png")
        try await source.beginReading(delivered.rowID, now: t0 + 1)
        try await source.recordRead(
            delivered.rowID, workflow: "w", pages: 1, maskedRecords: "[]", timings: ["read": 5], forReview: [:],
            now: t0 + 2)
        _ = try await source.planDeliveries(delivered.rowID, [("core", "k-a")], movingTo: .delivering, now: t0 + 3)
        try await source.recordDelivery(
            connection: "core", key: "k-a", status: .delivered, receipt: "r-1", detail: nil, now: t0 + 4)
        try await source.settle(delivered.rowID, state: .delivered, error: nil, timings: ["read": 5], now: t0 + 5)
        _ = try await source.admit(
            hash: String(repeating: "a", count: 64), path: "/in/a-copy.png", originalPath: "/in/a-copy.png",
            rerunResumes: false, now: t0 + 6)
        let review = try await admitted("b", "/in/b.png")
        try await source.recordRead(
            review.rowID, workflow: "w", pages: 1, maskedRecords: "[]", timings: [:], forReview: [0: "{}"], now: t0 + 7)
        try await source.settle(review.rowID, state: .inReview, error: nil, timings: nil, now: t0 + 8)
        _ = try await source.settleReview(
            ReviewAuditEntry(
                scanRowID: review.rowID, recordIndex: 0, action: .reject, reviewer: "tanaka", changes: [],
                outcome: .dismissed, detail: "not a claim", at: t0 + 9), maskedRecord: nil, now: t0 + 9)
        try await source.recordInput(
            InputSighting(
                path: "/in/a.png", size: 10, scanRowID: delivered.rowID, outcome: .scan(.delivered),
                reason: nil), now: t0 + 5)
        try await source.recordInput(
            InputSighting(path: "/in/empty.png", size: 0, scanRowID: nil, outcome: .refused, reason: "empty"),
            now: t0 + 6)
        try await source.recordJobRun("nightly", started: t0, finished: t0 + 60, status: "ok")

        let target = try await openJournal()
        let report = try await target.copy(fromSQLite: path, replace: false)
        #expect(
            report.scans == 3 && report.deliveries == 1 && report.reviewRecords == 1
                && report.reviewDecisions == 1 && report.inputs == 2 && report.jobs == 1 && !report.alreadyCopied)
        #expect(try await target.list(state: nil, limit: 10) == source.list(state: nil, limit: 10))
        #expect(try await target.deliveries(of: delivered.rowID) == source.deliveries(of: delivered.rowID))
        #expect(try await target.reviewRecords(of: review.rowID) == source.reviewRecords(of: review.rowID))
        #expect(try await target.reviewAudit(of: review.rowID) == source.reviewAudit(of: review.rowID))
        #expect(try await target.listInputs(outcome: nil, limit: 10) == source.listInputs(outcome: nil, limit: 10))
        #expect(try await target.lastJobStart("nightly") == source.lastJobStart("nightly"))

        let again = try await target.copy(fromSQLite: path, replace: false)
        #expect(again.alreadyCopied && again.scans == 0, "a second copy was not recognised: \(again)")

        // New scans continue after the copied ids; the target is then no longer a copy, and is refused.
        let next = try await target.admit(
            hash: String(repeating: "c", count: 64), path: "/in/c.png", originalPath: "/in/c.png", rerunResumes: true)
        if case .process(let entry) = next { #expect(entry.rowID > 3) } else { Issue.record("\(next)") }
        await #expect(throws: KamiflowError.self) { _ = try await target.copy(fromSQLite: path, replace: false) }
        // A review station was working on the target: its lease and blind entry go with the rows replaced.
        _ = try await target.claimReviewRecord(scan: 1, index: 0, user: "yamada", node: "a", for: 600)
        try await target.addDoubleEntry(
            ReviewDoubleEntry(round: 1, user: "yamada", keyed: ["account.number": "7654321"], corrections: [:]),
            scan: 1, index: 0)
        let replaced = try await target.copy(fromSQLite: path, replace: true)
        #expect(replaced.scans == 3)
        #expect(try await target.count() == 3)
        #expect(try await target.doubleEntryStates().isEmpty)
        #expect(try await target.reviewLeaseHolders().isEmpty)
        await target.close()
    }

    @Test("a wrong password is refused at opening with PostgreSQL's words, the password shown nowhere")
    func wrongPassword() async throws {
        let server = try server
        let database = try server.createDatabase()
        let wrong = "not-" + server.password
        let url = server.url(database: database).replacingOccurrences(of: server.password, with: wrong)
        do {
            _ = try await PostgresJournal.open(PostgresJournalConfiguration(url: url))
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(error.code == .journal)
            #expect(error.description.contains("password authentication failed"), "\(error)")
            #expect(!error.description.contains(wrong), "the error shows the password")
        }
    }

    @Test("a journal URL is read whole, the password kept out of what is shown, bad settings refused")
    func configuration() throws {
        let c = try PostgresJournalConfiguration(
            url: "postgres://kamiflow:s3cret@db.example.lg.jp:6543/journal?sslmode=require&pool_size=4")
        #expect(c.host == "db.example.lg.jp" && c.port == 6543 && c.user == "kamiflow" && c.database == "journal")
        #expect(c.password == "s3cret" && c.tls == .require && c.maximumConnections == 4)
        #expect(!c.location.contains("s3cret"))
        let fromEnvironment = try PostgresJournalConfiguration(
            url: "postgres://kamiflow@db/journal", passwordVariable: "KF_JOURNAL_PASSWORD",
            environment: ["KF_JOURNAL_PASSWORD": "from-env"])
        #expect(fromEnvironment.password == "from-env" && fromEnvironment.tls == .prefer)
        #expect(throws: KamiflowError.self) {
            try PostgresJournalConfiguration(
                url: "postgres://kamiflow@db/journal", passwordVariable: "KF_UNSET", environment: [:])
        }
        do {
            _ = try PostgresJournalConfiguration(url: "postgres://kamiflow:s3cret@db/journal?sslmode=maybe")
            Issue.record("an unknown sslmode was accepted")
        } catch {
            #expect(!error.description.contains("s3cret"), "\(error)")
        }
    }
}

/// The journals a test opened, to close them at its end.
private final class Opened: Sendable {
    private let journals = Mutex<[PostgresJournal]>([])

    func add(_ journal: PostgresJournal) { journals.withLock { $0.append(journal) } }

    var all: [PostgresJournal] { journals.withLock { $0 } }
}
