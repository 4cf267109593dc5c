import Foundation
import KamiflowTesting

/// What the queue-worker tests share: a folder of submitted 証明書交付 requests (record files, read by sleeping, so
/// several workers fit on one machine), a deployment naming the PostgreSQL journal, the queue, and the simulated
/// core system that the shipped `juminhyo-koufu` workflow delivers them to. Each request names its own 対象者
/// (``person(_:)``), so that the core system's records say which scans arrived and how often.
struct QueueDrill {
    let folder: URL
    let count: Int
    /// What a worker and `run --submit` need in their environment: the journal's password and the core's token.
    let secrets: [String: String]

    /// - Parameters:
    ///   - journal: the journal's URL without its password.
    ///   - core: the simulator's API (`http://host:port/v1`).
    ///   - workers: scans each `serve` reads at once.
    init(
        _ name: String, count: Int, readSeconds: Double, journal: String, password: String, core: String,
        token: String, workers: Int
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kf-\(name)-\(UUID().uuidString.prefix(8))")
        self.count = count
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for n in 0..<count {
            try Self.request(n, readSeconds: readSeconds).write(
                to: inputs.appendingPathComponent("r\(n).json"), atomically: true, encoding: .utf8)
        }
        let workflow = PythonClient.repositoryRoot.appendingPathComponent("Workflows/juminhyo-koufu.yaml").path
        // Short connection timeouts: a worker cut off from the core system gives up within seconds, not minutes.
        try """
        kamiflow: 1
        journal: "\(journal)"
        journal_password_env: KF_PG
        workers: \(workers)
        heartbeat: 500ms
        queue: {spool: spool, workflow: "\(workflow)", poll: 200ms}
        connections:
          juuki:
            type: http
            url: "\(core)"
            token_env: KF_CORE
            connect_timeout: 1
            request_timeout: 3
            max_attempts: 2
        """.write(to: folder.appendingPathComponent("kamiflow.yaml"), atomically: true, encoding: .utf8)
        secrets = ["KF_PG": password, "KF_CORE": token]
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
        let command = launcher + [executable.path, "serve", "--record-files", "--log-format", "json"]
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
