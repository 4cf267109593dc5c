import Foundation
import KamiflowServer
import KamiflowTesting
import Testing

/// Queue workers hold their lease on a scan for as long as they work on it, through `kamiflow serve` with a lease of
/// seconds (`--test-lease-seconds`), a reader and a core system each slower than the lease.
@Suite("queue workers hold their leases while they work", .enabled(if: executableBuilt), .serialized)
struct LeaseRenewalTests {
    /// The journal of a test: SQLite in the drill's folder, or a database of a PostgreSQL server of the test's own.
    struct Place {
        var journal: QueueDrill.JournalPlace
        var server: PostgresServer?
        var database = ""

        init(_ kind: String) throws {
            guard kind == "postgres" else {
                journal = .sqlite
                return
            }
            let server = try PostgresServer.start()
            database = try server.createDatabase()
            journal = .postgres(url: server.urlWithoutPassword(database: database), password: server.password)
            self.server = server
        }
    }

    @Test(
        "a read and a delivery each longer than the lease: no scan is taken from its live worker, each read and posted once",
        arguments: ["sqlite", "postgres"])
    func renewedWhileWorking(_ kind: String) async throws {
        let place = try Place(kind)
        defer { place.server?.remove() }
        // A lease of 4 s (renewed every 1.3 s), each read 6 s and each POST 5 s: without renewal, the idle worker
        // would take every scan over mid-read, and again mid-delivery. SQLite: one process with two worker slots
        // (its leases live in the process); PostgreSQL: two processes with one slot each.
        try await QueueDrill.withCoreSystem(
            "renew-\(kind)", count: 4, readSeconds: 6, journal: place.journal, workers: kind == "sqlite" ? 2 : 1,
            heartbeat: "1s", faults: FaultProfile(latency: 5), requestTimeout: 15, leaseSeconds: 4
        ) { drill, core in
            let count = drill.count
            func sql(_ query: String) throws -> String {
                try drill.sql(query, server: place.server, database: place.database)
            }
            var workers: [Process] = []
            defer { for worker in workers where worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
            for index in 0..<(kind == "sqlite" ? 1 : 2) { workers.append(try drill.startWorker(log: "w\(index).log")) }
            let submit = try drill.submit()
            #expect(submit.output.contains("\(count) queued, 0 already known, 0 failed"), "\(submit.output)")

            var delivered = 0
            for _ in 0..<240 where delivered < count {
                try await Task.sleep(for: .milliseconds(500))
                delivered = Int(try sql("SELECT count(*) FROM scan WHERE state = 'delivered'")) ?? 0
            }
            #expect(delivered == count)
            // Each scan read once: never taken over from the worker renewing its lease.
            #expect(try sql("SELECT count(*), count(*) FILTER (WHERE attempts <> 1) FROM scan") == "\(count)|0")
            // Posted once each, by the worker that read it: no second worker posted it again.
            #expect(core.postCount == count, "\(core.postCount) POSTs for \(count) scans")
            let check = drill.arrivals(try core.records(in: "shomeisho").compactMap { $0.fields["taishosha_shimei"] })
            #expect(check.missing.isEmpty && check.twice.isEmpty && check.unknown == 0, "\(check)")
            for worker in workers { worker.terminate() }
            for worker in workers {
                for _ in 0..<200 where worker.isRunning { try await Task.sleep(for: .milliseconds(50)) }
                #expect(!worker.isRunning && worker.terminationStatus == 0)
            }
            for index in workers.indices {
                let log = try String(contentsOf: drill.folder.appendingPathComponent("w\(index).log"), encoding: .utf8)
                #expect(!log.contains("left the scan"), "a worker lost a lease it was renewing")
            }
        }
    }

    @Test(
        "a worker stopped (SIGSTOP) past its heartbeats and lease loses its scan; continued, it leaves the scan and posts nothing for it"
    )
    func stoppedWorkerLeavesItsScan() async throws {
        let place = try Place("postgres")
        defer { place.server?.remove() }
        try await QueueDrill.withCoreSystem(
            "pgstop", count: 4, readSeconds: 6, journal: place.journal, workers: 1, heartbeat: "1s", leaseSeconds: 4
        ) { drill, core in
            let count = drill.count
            func sql(_ query: String) throws -> String {
                try drill.sql(query, server: place.server, database: place.database)
            }
            var workers: [Process] = []
            defer {
                for worker in workers where worker.isRunning {
                    kill(worker.processIdentifier, SIGCONT)
                    kill(worker.processIdentifier, SIGKILL)
                }
            }
            workers.append(try drill.startWorker(log: "stopped.log"))
            workers.append(try drill.startWorker(log: "other.log"))
            let stopped = workers[0]
            let submit = try drill.submit()
            #expect(submit.output.contains("\(count) queued, 0 already known, 0 failed"), "\(submit.output)")

            // The worker's node, then a scan it is reading: stopped there, for longer than its heartbeats allow.
            var node = ""
            for _ in 0..<200 where node.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                node = try sql("SELECT id FROM node WHERE pid = \(stopped.processIdentifier) AND stopped IS NULL")
            }
            try #require(!node.isEmpty, "the worker never registered")
            var scan = ""
            for _ in 0..<300 where scan.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                scan = try sql(
                    "SELECT id FROM scan WHERE state = 'reading' AND split_part(lease_owner, '#', 1) = '\(node)' LIMIT 1"
                )
            }
            try #require(!scan.isEmpty, "the worker never read a scan")
            kill(stopped.processIdentifier, SIGSTOP)

            // Silent after three missed beats, its lease free: the other worker takes the scan, reads and posts it.
            var takenOver = false
            for _ in 0..<600 where !takenOver {
                try await Task.sleep(for: .milliseconds(100))
                takenOver = try sql("SELECT state FROM scan WHERE id = \(scan)") == "delivered"
            }
            #expect(takenOver, "scan \(scan) was not taken over from the stopped worker")
            kill(stopped.processIdentifier, SIGCONT)

            var delivered = 0
            for _ in 0..<240 where delivered < count {
                try await Task.sleep(for: .milliseconds(500))
                delivered = Int(try sql("SELECT count(*) FROM scan WHERE state = 'delivered'")) ?? 0
            }
            #expect(delivered == count)
            // Continued, it finds its lease taken over and leaves the scan, saying so with the scan's id only.
            let hash = try sql("SELECT left(hash, 12) FROM scan WHERE id = \(scan)")
            var left: [Substring] = []
            for _ in 0..<120 where left.isEmpty {
                try await Task.sleep(for: .milliseconds(250))
                let log = (try? String(contentsOf: drill.folder.appendingPathComponent("stopped.log"), encoding: .utf8))
                left = (log ?? "").split(separator: "\n").filter { $0.contains("left the scan") && $0.contains(hash) }
            }
            #expect(left.count == 1, "\(left)")
            #expect(!left.contains { $0.contains(".json") || $0.contains("\"file\"") || $0.contains("対象") })
            // Nothing posted again: one POST per request (the stopped worker's would be a replay with the same key),
            // each request in the core system once, the scan read twice (by it, then by the other), not a third time.
            #expect(core.postCount == count, "\(core.postCount) POSTs for \(count) scans")
            let check = drill.arrivals(try core.records(in: "shomeisho").compactMap { $0.fields["taishosha_shimei"] })
            #expect(check.missing.isEmpty && check.twice.isEmpty && check.unknown == 0, "\(check)")
            #expect(try sql("SELECT attempts FROM scan WHERE id = \(scan)") == "2")
            #expect(try sql("SELECT count(*) FROM scan WHERE lease_owner IS NOT NULL") == "0")
            for worker in workers { worker.terminate() }
            for worker in workers {
                for _ in 0..<200 where worker.isRunning { try await Task.sleep(for: .milliseconds(50)) }
                #expect(!worker.isRunning && worker.terminationStatus == 0)
            }
        }
    }
}
