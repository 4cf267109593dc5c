import Foundation
import KamiflowServer
import KamiflowTesting

/// What the queue-worker tests share: a folder of submitted 証明書交付 requests (record files, read by sleeping, so
/// several workers fit on one machine), a deployment naming the journal, the queue, and the simulated core system
/// that the shipped `juminhyo-koufu` workflow delivers them to. Each request names its own 対象者 (``person(_:)``), so
/// that the core system's records say which scans arrived and how often.
struct QueueDrill {
    /// Where the workers' journal is.
    enum JournalPlace {
        /// A PostgreSQL database: its URL without the password, and the password (given to the workers in KF_PG).
        case postgres(url: String, password: String)
        /// The embedded SQLite journal in the drill's folder (`.kamiflow/journal.sqlite`): one `serve` process.
        case sqlite
    }

    let folder: URL
    let count: Int
    let journal: JournalPlace
    /// What a worker and `run --submit` need in their environment: the journal's password and the core's token.
    let secrets: [String: String]
    /// `serve --test-lease-seconds`, when the test shortens the lease.
    let leaseSeconds: Double?

    /// - Parameters:
    ///   - core: the simulator's API (`http://host:port/v1`).
    ///   - workers: scans each `serve` reads at once.
    ///   - folder: the folder to work in (made when missing); a new one under the temporary folder by default.
    init(
        _ name: String, count: Int, readSeconds: Double, journal: JournalPlace, core: String, token: String,
        workers: Int, heartbeat: String = "500ms", requestTimeout: Int = 3, leaseSeconds: Double? = nil,
        folder: URL? = nil
    ) throws {
        self.folder = folder ?? Self.newFolder(name)
        self.count = count
        self.journal = journal
        self.leaseSeconds = leaseSeconds
        let inputs = self.folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for n in 0..<count {
            try Self.request(n, readSeconds: readSeconds).write(
                to: inputs.appendingPathComponent("r\(n).json"), atomically: true, encoding: .utf8)
        }
        let workflow = PythonClient.repositoryRoot.appendingPathComponent("Workflows/juminhyo-koufu.yaml").path
        var journalLines = ""
        var secrets = ["KF_CORE": token]
        if case .postgres(let url, let password) = journal {
            journalLines = "journal: \"\(url)\"\njournal_password_env: KF_PG\n"
            secrets["KF_PG"] = password
        }
        self.secrets = secrets
        // Short connection timeouts: a worker cut off from the core system gives up within seconds, not minutes.
        try """
        kamiflow: 1
        \(journalLines)workers: \(workers)
        heartbeat: \(heartbeat)
        queue: {spool: spool, workflow: "\(workflow)", poll: 200ms}
        connections:
          juuki:
            type: http
            url: "\(core)"
            token_env: KF_CORE
            connect_timeout: 1
            request_timeout: \(requestTimeout)
            max_attempts: 2
        """.write(to: self.folder.appendingPathComponent("kamiflow.yaml"), atomically: true, encoding: .utf8)
    }

    static func newFolder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("kf-\(name)-\(UUID().uuidString.prefix(8))")
    }

    /// The set-up of the tests whose workers deliver on this machine: a folder (removed afterwards) holding the
    /// drill and the core system's database, the simulated core system running in this process on 127.0.0.1 with
    /// `faults` (a `latency` makes every POST slow), and `body` given both.
    static func withCoreSystem<T: Sendable>(
        _ name: String, count: Int, readSeconds: Double, journal: JournalPlace, workers: Int,
        heartbeat: String = "500ms", faults: FaultProfile = .none, requestTimeout: Int = 3,
        leaseSeconds: Double? = nil, _ body: (QueueDrill, CoreSimulator) async throws -> T
    ) async throws -> T {
        let folder = newFolder(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let token = "\(name)-token"
        let simulator = CoreSimulator.Configuration(
            databasePath: folder.appendingPathComponent("core.sqlite").path, token: token, faults: faults)
        return try await CoreSimulator.withRunning(simulator) { core, port in
            let drill = try QueueDrill(
                name, count: count, readSeconds: readSeconds, journal: journal, core: "http://127.0.0.1:\(port)/v1",
                token: token, workers: workers, heartbeat: heartbeat, requestTimeout: requestTimeout,
                leaseSeconds: leaseSeconds, folder: folder)
            return try await body(drill, core)
        }
    }

    /// The 対象者 of request `n`, as the core system stores it (`taishosha_shimei`).
    static func person(_ n: Int) -> String { "対象 \(n)" }

    /// A straight-through 証明書交付 request whose every required field the simulator's schema accepts.
    static func request(_ n: Int, readSeconds: Double) -> String {
        """
        {"read_seconds": \(readSeconds), "records": [{"workflow": "juminhyo-koufu", "fields": [
          {"path": "requested_on", "value": "2026-12-01"},
          {"path": "requester.name", "value": "山田 太郎"},
          {"path": "requester.address", "value": "東京都千代田区霞が関1-1"},
          {"path": "requester.relation", "value": "本人"},
          {"path": "target.name", "value": "\(person(n))"},
          {"path": "kind", "value": "住民票"},
          {"path": "scope", "value": "世帯全員"},
          {"path": "copies", "value": "1"}]}]}
        """
    }

    /// Starts `kamiflow serve --record-files` in the folder, through `launcher` when given (`ip netns exec NS`);
    /// its standard error goes to `log` (a file in the folder) or nowhere.
    func startWorker(through launcher: [String] = [], log: String? = nil) throws -> Process {
        let worker = Process()
        var command = launcher + [executable.path, "serve", "--record-files", "--log-format", "json"]
        if let leaseSeconds { command += ["--test-lease-seconds", String(leaseSeconds)] }
        worker.executableURL = URL(fileURLWithPath: command[0])
        worker.arguments = Array(command.dropFirst())
        worker.currentDirectoryURL = folder
        worker.environment = ProcessInfo.processInfo.environment.merging(secrets) { $1 }
        worker.standardOutput = FileHandle.nullDevice
        if let log {
            let path = folder.appendingPathComponent(log).path
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            worker.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } else {
            worker.standardError = FileHandle.nullDevice
        }
        try worker.run()
        return worker
    }

    /// `kamiflow run --submit` of every request, through `launcher` when given.
    func submit(through launcher: [String] = []) throws -> Run {
        try kamiflow(["run", "--submit", "--record-files", "in"], in: folder, environment: secrets, through: launcher)
    }

    /// One SQL query on the journal (`psql` or `sqlite3`, read-only), its rows as `a|b` lines, trimmed.
    func sql(_ query: String, server: PostgresServer? = nil, database: String = "") throws -> String {
        let text: String
        switch journal {
        case .postgres:
            guard let server else { throw PostgresServer.Failure("a PostgreSQL journal needs its server") }
            text = try server.psql(query, database: database)
        case .sqlite:
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            process.arguments = ["-readonly", folder.appendingPathComponent(".kamiflow/journal.sqlite").path, query]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            text = String(decoding: data, as: UTF8.self)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What the core system holds, as (対象者 → records with that name): each request should be there exactly once.
    func arrivals(_ names: [String]) -> (missing: [Int], twice: [Int], unknown: Int) {
        var seen: [String: Int] = [:]
        for name in names { seen[name, default: 0] += 1 }
        let expected = (0..<count).map(Self.person)
        return (
            (0..<count).filter { seen[Self.person($0)] == nil },
            (0..<count).filter { (seen[Self.person($0)] ?? 0) > 1 },
            seen.keys.filter { !expected.contains($0) }.count
        )
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
