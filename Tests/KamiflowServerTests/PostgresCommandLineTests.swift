import Foundation
import KamiflowServer
import KamiflowTesting
import Testing

/// The commands wired to the shared journal, through the built executable and a PostgreSQL server of the test's own.
@Suite("kamiflow with a PostgreSQL journal", .enabled(if: executableBuilt))
struct PostgresCommandLineTests {
    @Test(
        "journal migrate copies a SQLite journal into PostgreSQL, which journal list and status then read; no password shown"
    )
    func migrateThenRead() throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let database = try server.createDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kf-pgcli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // An empty file is refused before it is read: one input row in the SQLite journal.
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("empty.png").path, contents: Data())
        let workflow = PythonClient.repositoryRoot.appendingPathComponent("Workflows/jidou-teate-nintei.yaml").path
        _ = try kamiflow(["run", workflow, "empty.png"], in: folder)
        let url = server.urlWithoutPassword(database: database)
        let secret = ["KF_JOURNAL_PASSWORD": server.password]

        let migrate = try kamiflow(
            ["journal", "migrate", "--to", url, "--password-env", "KF_JOURNAL_PASSWORD"], in: folder,
            environment: secret)
        #expect(migrate.status == 0, "\(migrate.errors)")
        #expect(migrate.output.contains("1 input paths"), "\(migrate.output)")
        let again = try kamiflow(
            ["journal", "migrate", "--to", url, "--password-env", "KF_JOURNAL_PASSWORD"], in: folder,
            environment: secret)
        #expect(again.status == 0, "\(again.errors)")

        let pg = ["PGPASSWORD": server.password]
        let list = try kamiflow(["journal", "list", "--inputs", "--journal", url], in: folder, environment: pg)
        #expect(
            list.status == 0 && list.output.contains("empty.png") && list.output.contains("refused"),
            "\(list.output)\(list.errors)")
        let status = try kamiflow(["status", "--journal", url], in: folder, environment: pg)
        #expect(status.status == 0 && status.output.contains("127.0.0.1:\(server.port)"), "\(status.errors)")
        #expect(!(status.output + status.errors + list.output + migrate.output).contains(server.password))

        let refused = try kamiflow(["status", "--journal", url], in: folder, environment: ["PGPASSWORD": "wrong"])
        #expect(refused.status != 0 && refused.errors.contains("password authentication failed"), "\(refused.errors)")
    }

    @Test(
        "a run killed mid-batch is run again at once: the dead run's leases are free; status lists both runs as nodes")
    func killedRunTakenBackAtOnce() async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let database = try server.createDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kf-pgnode-\(UUID().uuidString.prefix(8))")
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Record files whose reading sleeps: the first run is surely mid-way when it is killed.
        for n in 0..<6 {
            try """
            {"read_seconds": 1.5, "records": [{"workflow": "w", "fields": [{"path": "n", "value": "\(n)"}]}]}
            """.write(to: inputs.appendingPathComponent("r\(n).json"), atomically: true, encoding: .utf8)
        }
        let url = server.urlWithoutPassword(database: database)
        let pg = ["PGPASSWORD": server.password]
        let arguments = ["run", "--record-files", "--journal", url, "--jobs", "3", "in"]

        let first = Process()
        first.executableURL = executable
        first.arguments = arguments
        first.currentDirectoryURL = folder
        first.environment = ProcessInfo.processInfo.environment.merging(pg) { $1 }
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        var reading = false
        for _ in 0..<200 where !reading {
            try await Task.sleep(for: .milliseconds(100))
            let list = try kamiflow(
                ["journal", "list", "--journal", url, "--state", "reading"], in: folder, environment: pg)
            reading = list.status == 0 && list.output.contains(".json")
        }
        #expect(reading, "the first run never started reading")
        kill(first.processIdentifier, SIGKILL)
        for _ in 0..<100 where first.isRunning { try await Task.sleep(for: .milliseconds(50)) }

        // The re-run takes the killed run's scans at once (its leases would otherwise hold them for ten minutes).
        let again = try kamiflow(arguments, in: folder, environment: pg)
        #expect(again.status == 0, "\(again.output)\(again.errors)")
        let status = try kamiflow(["status", "--json", "--journal", url], in: folder, environment: pg)
        struct Report: Decodable {
            struct Node: Decodable {
                var id: String
                var state: String
                var pid: Int32
                var scansDone: Int
                var leases: Int
            }
            var counts: [String: Int]
            var nodes: [Node]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(status.output.utf8))
        #expect(report.counts["delivered"] == 6, "\(report.counts)")
        #expect(report.nodes.count == 2, "\(report.nodes)")
        #expect(report.nodes.allSatisfy { $0.state == "stopped" && $0.leases == 0 }, "\(report.nodes)")
        #expect(report.nodes.map(\.scansDone).sorted() == [0, 6], "\(report.nodes)")
        let killed = report.nodes.first { $0.pid == first.processIdentifier }
        #expect(killed != nil && killed!.scansDone == 0, "\(report.nodes)")
        let text = try kamiflow(["status", "--journal", url], in: folder, environment: pg)
        #expect(text.output.contains("nodes (0 running):") && text.output.contains(killed?.id ?? "?"), "\(text.output)")
    }

    @Test(
        "run --submit queues scans unread; two serve workers on one PostgreSQL take them all, each read and posted once"
    )
    func submittedScansTakenByWorkers() async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let database = try server.createDatabase()
        let journal = QueueDrill.JournalPlace.postgres(
            url: server.urlWithoutPassword(database: database), password: server.password)
        try await QueueDrill.withCoreSystem("pgqueue", count: 30, readSeconds: 0.3, journal: journal, workers: 3) {
            drill, core in
            let count = drill.count
            var workers: [Process] = []
            defer { for worker in workers where worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
            for _ in 0..<2 { workers.append(try drill.startWorker()) }
            let submit = try drill.submit()
            #expect(submit.status == 0, "\(submit.output)\(submit.errors)")
            #expect(submit.output.contains("\(count) queued, 0 already known, 0 failed"), "\(submit.output)")

            struct Report: Decodable {
                struct Node: Decodable {
                    var state: String
                    var scansDone: Int
                }
                var counts: [String: Int]
                var nodes: [Node]
            }
            let url = server.urlWithoutPassword(database: database)
            let pg = ["PGPASSWORD": server.password]
            var report: Report?
            for _ in 0..<240 {
                try await Task.sleep(for: .milliseconds(250))
                let status = try kamiflow(["status", "--json", "--journal", url], in: drill.folder, environment: pg)
                report = try? JSONDecoder().decode(Report.self, from: Data(status.output.utf8))
                if let report, report.counts["delivered"] == count,
                    report.nodes.filter({ $0.state == "running" }).map(\.scansDone).reduce(0, +) == count
                {
                    break
                }
            }
            #expect(report?.counts["delivered"] == count, "\(String(describing: report?.counts))")
            let running = report?.nodes.filter { $0.state == "running" } ?? []
            #expect(running.count == 2, "\(String(describing: report?.nodes))")
            // Each scan read once: one attempt each, and the nodes' counts add up to the scans.
            #expect(running.map(\.scansDone).reduce(0, +) == count, "\(running.map(\.scansDone))")
            let attempts = try server.psql(
                "SELECT count(*), count(*) FILTER (WHERE attempts <> 1) FROM scan", database: database)
            #expect(attempts.trimmingCharacters(in: .whitespacesAndNewlines) == "\(count)|0", "\(attempts)")
            // In the core system: every request once, and nothing was even posted twice (no worker died, so no
            // delivery had to be sent again).
            let arrived = try core.records(in: "shomeisho")
            let check = drill.arrivals(arrived.compactMap { $0.fields["taishosha_shimei"] })
            #expect(check.missing.isEmpty && check.twice.isEmpty && check.unknown == 0, "\(check)")
            #expect(Set(arrived.map(\.idempotencyKey)).count == count)
            #expect(core.postCount == count, "\(core.postCount) POSTs for \(count) scans")
            // Submitted again once done: found settled, never queued twice.
            let again = try drill.submit()
            #expect(again.output.contains("0 queued, \(count) already known, 0 failed"), "\(again.output)")
            for worker in workers {
                worker.terminate()
                for _ in 0..<200 where worker.isRunning { try await Task.sleep(for: .milliseconds(50)) }
                #expect(!worker.isRunning && worker.terminationStatus == 0)
            }
        }
    }

    @Test(
        "three serve workers, 60 submitted scans, one SIGKILLed five times, PostgreSQL restarted: each scan in the core system once"
    )
    func workerKilledFiveTimes() async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let database = try server.createDatabase()
        let journal = QueueDrill.JournalPlace.postgres(
            url: server.urlWithoutPassword(database: database), password: server.password)
        try await QueueDrill.withCoreSystem("pgkill", count: 60, readSeconds: 0.5, journal: journal, workers: 2) {
            drill, core in
            let count = drill.count
            var workers = try (0..<3).map { _ in try drill.startWorker() }
            defer { for worker in workers where worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
            let submit = try drill.submit()
            #expect(submit.output.contains("\(count) queued, 0 already known, 0 failed"), "\(submit.output)")

            // Five kills of the first worker at seeded random points once it is at work (registered as a node), each
            // followed by a fresh start on this host; after the third kill, PostgreSQL is stopped for two seconds and
            // started again: the two other workers wait and go on.
            var random = SeededRandom(seed: 16)
            var killed: [Int32] = []
            // Registered as a node: it has opened the journal and is at work (and has marked stopped the nodes of
            // this host whose process is gone).
            func registered(_ worker: Process) async throws -> Bool {
                for _ in 0..<300 {
                    let rows = try? server.psql(
                        "SELECT count(*) FROM node WHERE pid = \(worker.processIdentifier)", database: database)
                    if rows?.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return false
            }
            for round in 0..<5 {
                #expect(try await registered(workers[0]), "worker \(round) never registered")
                try await Task.sleep(for: .milliseconds(300 + Int(random.next() % 900)))
                killed.append(workers[0].processIdentifier)
                kill(workers[0].processIdentifier, SIGKILL)
                // Not waitUntilExit: it was seen to spin forever on a child already reaped. The kill is certain.
                for _ in 0..<100 where workers[0].isRunning { try await Task.sleep(for: .milliseconds(50)) }
                if round == 2 {
                    // While the other two are at work. The fresh worker starts after: a `serve` that cannot open
                    // its journal at start-up exits (74) rather than waiting.
                    try server.stop()
                    try await Task.sleep(for: .seconds(2))
                    try server.startAgain()
                }
                workers[0] = try drill.startWorker()
            }

            let url = server.urlWithoutPassword(database: database)
            let pg = ["PGPASSWORD": server.password]
            var delivered = 0
            for _ in 0..<240 where delivered < count {
                try await Task.sleep(for: .milliseconds(250))
                let rows = try server.psql("SELECT count(*) FROM scan WHERE state = 'delivered'", database: database)
                delivered = Int(rows.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
            if delivered != count {
                // What holds the rest, and whether the node named in its lease still lives.
                let held = try server.psql(
                    """
                    SELECT s.id, s.state, s.attempts, s.lease_owner, s.lease_expires - extract(epoch from now()), \
                    n.pid, n.stopped FROM scan s LEFT JOIN node n ON n.id = split_part(s.lease_owner, '#', 1) \
                    WHERE s.state <> 'delivered'
                    """, database: database)
                Issue.record("\(delivered) of \(count) delivered; killed \(killed); not delivered: \(held)")
            }
            #expect(try await registered(workers[0]), "the last worker never registered")
            let rows = try server.psql(
                "SELECT count(*), count(DISTINCT hash), count(*) FILTER (WHERE lease_owner IS NOT NULL) FROM scan",
                database: database)
            #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "\(count)|\(count)|0", "\(rows)")
            // In the core system's own records: each of the 60 requests exactly once, none missing. A worker killed
            // between its POST and the journal's record of it leaves the delivery to be sent again with the same
            // key, which the core system answers as a replay: more POSTs than scans are allowed, more records not.
            let arrived = try core.records(in: "shomeisho")
            let check = drill.arrivals(arrived.compactMap { $0.fields["taishosha_shimei"] })
            #expect(check.missing.isEmpty && check.twice.isEmpty && check.unknown == 0, "\(check)")
            #expect(arrived.count == count && Set(arrived.map(\.idempotencyKey)).count == count)
            #expect(core.postCount >= count)
            let deliveries = try server.psql(
                "SELECT count(*), count(*) FILTER (WHERE status = 'delivered') FROM delivery", database: database)
            #expect(deliveries.trimmingCharacters(in: .whitespacesAndNewlines) == "\(count)|\(count)", "\(deliveries)")
            // The killed processes are not running nodes any more (found gone by the next start on this host), and
            // the three live workers are. A live worker may be silent for a moment after the restart: its pool
            // waits out a back-off (100 ms growing by a quarter per failed connection) before it connects again,
            // and a node that misses three beats is silent until its next beat. So the live ones are waited for;
            // a killed one is never seen running.
            struct Report: Decodable {
                struct Node: Decodable {
                    var pid: Int32
                    var state: String
                }
                var nodes: [Node]
            }
            var nodes: [Report.Node] = []
            for _ in 0..<120 {
                let status = try kamiflow(["status", "--json", "--journal", url], in: drill.folder, environment: pg)
                nodes = try JSONDecoder().decode(Report.self, from: Data(status.output.utf8)).nodes
                for pid in killed { #expect(nodes.first { $0.pid == pid }?.state != "running", "\(pid): \(nodes)") }
                if nodes.filter({ $0.state == "running" }).count == 3 { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(nodes.filter { killed.contains($0.pid) }.count == killed.count, "\(nodes)")
            let live = Set(workers.map(\.processIdentifier))
            #expect(Set(nodes.filter { $0.state == "running" }.map(\.pid)) == live, "\(nodes)")
            for worker in workers { worker.terminate() }
            for worker in workers {
                for _ in 0..<200 where worker.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            }
        }
    }

    @Test("three serve processes on one PostgreSQL run an every-minute job once per tick (a clock 30 times faster)")
    func scheduledTicksAcrossThreeProcesses() async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let database = try server.createDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kf-pgtick-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("in"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The job reads an empty folder: what counts is which node ran which tick, each saying so in its log.
        try """
        kamiflow: 1
        journal: "\(server.urlWithoutPassword(database: database))"
        journal_password_env: KF_PG
        heartbeat: 500ms
        schedules:
          - {name: every-minute, cron: "* * * * *", time_zone: UTC, run: {workflow: none.yaml, inputs: [in]}}
        """.write(to: folder.appendingPathComponent("kamiflow.yaml"), atomically: true, encoding: .utf8)
        // A minute every two seconds, the same on the three processes (one origin).
        let origin = (Date().timeIntervalSince1970).rounded(.down)
        var nodes: [Process] = []
        defer { for node in nodes where node.isRunning { kill(node.processIdentifier, SIGKILL) } }
        for index in 0..<3 {
            let node = Process()
            node.executableURL = executable
            node.arguments = [
                "serve", "--record-files", "--log-format", "json", "--test-clock-speed", "30",
                "--test-clock-origin", String(origin),
            ]
            node.currentDirectoryURL = folder
            node.environment = ProcessInfo.processInfo.environment.merging(["KF_PG": server.password]) { $1 }
            let log = folder.appendingPathComponent("node\(index).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            node.standardOutput = FileHandle.nullDevice
            node.standardError = try FileHandle(forWritingTo: log)
            try node.run()
            nodes.append(node)
        }
        // Until 24 ticks were claimed in the journal (48 s of the wall clock, with the start-up), at most 3 minutes.
        let wanted = 24
        var claimed = 0
        for _ in 0..<360 where claimed < wanted {
            try await Task.sleep(for: .milliseconds(500))
            // (No table until the first process has brought the schema up.)
            let rows = try? server.psql("SELECT count(*) FROM job_tick", database: database)
            claimed = Int(rows?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }
        for node in nodes { node.terminate() }
        for node in nodes {
            for _ in 0..<200 where node.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!node.isRunning && node.terminationStatus == 0)
        }
        #expect(claimed >= wanted, "\(claimed) ticks claimed")

        // What each process says it ran, from its own log.
        struct Line: Decodable {
            var message: String
            var tick: String?
        }
        var ranBy: [Int64: [Int]] = [:]
        for index in 0..<3 {
            let text = try String(contentsOf: folder.appendingPathComponent("node\(index).log"), encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let parsed = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)),
                    parsed.message == "running a scheduled tick", let tick = parsed.tick.flatMap({ Int64($0) })
                else { continue }
                ranBy[tick, default: []].append(index)
            }
        }
        // Each tick run once over the three, by the node the journal gave it to; every claimed tick run.
        #expect(ranBy.values.allSatisfy { $0.count == 1 }, "\(ranBy.filter { $0.value.count > 1 })")
        let journalRows = try server.psql("SELECT tick, node FROM job_tick ORDER BY tick", database: database)
        let ticks = journalRows.split(separator: "\n").compactMap { Int64($0.split(separator: "|").first ?? "") }
        #expect(Set(ticks) == Set(ranBy.keys), "journal \(ticks.sorted()), logs \(ranBy.keys.sorted())")
        // On the minute, and spread over more than one node (else one process alone would pass).
        #expect(ticks.allSatisfy { $0 % 60_000 == 0 })
        #expect(Set(ranBy.values.joined()).count >= 2, "\(ranBy)")
        // Ticks missed by all three (a stall of the machine longer than two seconds) are not run late: reported.
        if let first = ticks.min(), let last = ticks.max() {
            let missed = Int((last - first) / 60_000) + 1 - ticks.count
            #expect(missed <= ticks.count / 4, "\(missed) ticks missed by every node")
        }
    }
}

/// Numbers from a seed (SplitMix64), so that a failing order of kills can be made again.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
