import Foundation
import KamiflowServer
import KamiflowTesting
import Testing

/// "Machines" of the test's own: network namespaces joined by veth pairs to a bridge, with addresses that exist only
/// inside them (10.213.16.0/24). PostgreSQL and the simulated core system run in one namespace, each worker in
/// another, so that cutting a worker's link (`ip link set … down`) cuts it off from both, as a pulled cable does.
///
/// Needs root (or CAP_NET_ADMIN) and iproute2; where `ip netns add` is not permitted the suite is skipped and says
/// why. Every namespace and link is named with a tag of the run and removed at the end, also after a failure.
final class TestNetwork {
    /// The `ip` program, or `nil` when iproute2 is not installed.
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether this process may make network namespaces; when not, prints why (once).
    static let permitted: Bool = {
        guard let ip else {
            print("NetworkNamespaceTests skipped: no 'ip' program (install iproute2)")
            return false
        }
        let probe = "kf16-probe-\(getpid())"
        let (status, output) = run([ip, "netns", "add", probe])
        guard status == 0 else {
            print("NetworkNamespaceTests skipped: 'ip netns add' is not permitted here: \(output)")
            return false
        }
        _ = run([ip, "netns", "del", probe])
        return true
    }()

    let tag = String(UUID().uuidString.lowercased().prefix(4))
    let subnet = "10.213.16"
    var serverAddress: String { subnet + ".1" }
    /// The server's namespace, and one per worker.
    var server: String { "kf16-\(tag)-db" }
    func worker(_ index: Int) -> String { "kf16-\(tag)-w\(index)" }
    func address(ofWorker index: Int) -> String { "\(subnet).\(11 + index)" }
    /// The worker's end of its link (in its namespace) and the bridge's end (in the server's).
    private func workerEnd(_ index: Int) -> String { "kf\(tag)w\(index)" }
    private func bridgeEnd(_ index: Int) -> String { "kf\(tag)s\(index)" }
    private var bridge: String { "kf\(tag)br" }
    private var made: [String] = []
    private let workers: Int

    /// Makes the server's namespace with a bridge at ``serverAddress``, and `workers` namespaces linked to it.
    init(workers: Int) throws {
        self.workers = workers
        do {
            try namespace(server)
            try inside(server, ["link", "add", bridge, "type", "bridge"])
            try inside(server, ["addr", "add", serverAddress + "/24", "dev", bridge])
            try inside(server, ["link", "set", bridge, "up"])
            for index in 0..<workers {
                try namespace(worker(index))
                try command(["link", "add", workerEnd(index), "type", "veth", "peer", "name", bridgeEnd(index)])
                try command(["link", "set", workerEnd(index), "netns", worker(index)])
                try command(["link", "set", bridgeEnd(index), "netns", server])
                try inside(server, ["link", "set", bridgeEnd(index), "master", bridge])
                try inside(server, ["link", "set", bridgeEnd(index), "up"])
                try inside(worker(index), ["addr", "add", address(ofWorker: index) + "/24", "dev", workerEnd(index)])
                try inside(worker(index), ["link", "set", workerEnd(index), "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// `ip netns exec NS`: what runs a program in a namespace.
    func launcher(_ namespace: String) -> [String] { [Self.ip!, "netns", "exec", namespace] }

    /// Cuts worker `index` off: the bridge's end of its link goes down, and its packets go nowhere.
    func cut(_ index: Int) throws { try inside(server, ["link", "set", bridgeEnd(index), "down"]) }

    func restore(_ index: Int) throws { try inside(server, ["link", "set", bridgeEnd(index), "up"]) }

    /// Removes every namespace (which takes the links and the bridge in it along) and any link left outside.
    func remove() {
        for index in 0..<workers {
            _ = Self.run([Self.ip!, "link", "del", workerEnd(index)])
            _ = Self.run([Self.ip!, "link", "del", bridgeEnd(index)])
        }
        for name in made.reversed() { _ = Self.run([Self.ip!, "netns", "del", name]) }
        made = []
    }

    /// The namespaces of this run still present (for the check that none is left).
    var leftOver: [String] {
        let (_, listing) = Self.run([Self.ip!, "netns", "list"])
        return listing.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
            .filter { $0.hasPrefix("kf16-\(tag)-") }
    }

    private func namespace(_ name: String) throws {
        try command(["netns", "add", name])
        made.append(name)
        try inside(name, ["link", "set", "lo", "up"])
    }

    private func inside(_ namespace: String, _ arguments: [String]) throws {
        try command(["-n", namespace] + arguments)
    }

    private func command(_ arguments: [String]) throws {
        let (status, output) = Self.run([Self.ip!] + arguments)
        guard status == 0 else { throw PostgresServer.Failure("ip \(arguments.joined(separator: " ")): \(output)") }
    }

    static func run(_ command: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

@Suite(
    "serve workers on other machines (network namespaces)",
    .enabled(if: executableBuilt && TestNetwork.permitted, "needs the built executable and 'ip netns'"), .serialized)
struct NetworkNamespaceTests {
    @Test(
        "a worker's link cut mid-batch and restored: its scans taken over, none delivered twice or by it after the cut"
    )
    func linkCutMidBatch() async throws {
        let network = try TestNetwork(workers: 3)
        var processes: [Process] = []
        var server: PostgresServer?
        defer {
            for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
            for process in processes {
                for _ in 0..<100 where process.isRunning { usleep(50_000) }
            }
            server?.remove()
            network.remove()
        }
        let postgres = try PostgresServer.start(
            alsoListeningOn: [network.serverAddress], allowing: ["\(network.subnet).0/24"],
            through: network.launcher(network.server))
        server = postgres
        let database = try postgres.createDatabase()

        // The core system beside the database, reached by the workers over their links.
        let coreFolder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kf-netns-core-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: coreFolder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: coreFolder) }
        let coreLog = coreFolder.appendingPathComponent("core.log")
        _ = FileManager.default.createFile(atPath: coreLog.path, contents: nil)
        let core = Process()
        let coreCommand =
            network.launcher(network.server) + [
                executable.path, "core-sim", "serve", "--host", network.serverAddress, "--port", "0", "--db",
                coreFolder.appendingPathComponent("core.sqlite").path, "--token", "netns-token",
            ]
        core.executableURL = URL(fileURLWithPath: coreCommand[0])
        core.arguments = Array(coreCommand.dropFirst())
        let coreOutput = try FileHandle(forWritingTo: coreLog)
        core.standardOutput = coreOutput
        core.standardError = coreOutput
        try core.run()
        processes.append(core)
        let marker = "core-sim: http://\(network.serverAddress):"
        var corePort: Int?
        for _ in 0..<300 where corePort == nil {
            try await Task.sleep(for: .milliseconds(100))
            let text = (try? String(contentsOf: coreLog, encoding: .utf8)) ?? ""
            corePort = text.range(of: marker).flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
        }
        let port = try #require(corePort, "the core system did not start")

        let drill = try QueueDrill(
            "netns", count: 60, readSeconds: 1.5,
            journal: .postgres(
                url: postgres.urlWithoutPassword(database: database, host: network.serverAddress) + "&timeout=2",
                password: postgres.password), core: "http://\(network.serverAddress):\(port)/v1", token: "netns-token",
            workers: 2)
        defer { drill.remove() }
        for index in 0..<3 {
            processes.append(
                try drill.startWorker(through: network.launcher(network.worker(index)), log: "w\(index).log"))
        }
        let cutWorker = processes[1]
        let submit = try drill.submit(through: network.launcher(network.worker(2)))
        #expect(submit.output.contains("60 queued, 0 already known, 0 failed"), "\(submit.output)\(submit.errors)")

        func sql(_ text: String) throws -> String {
            try postgres.psql(text, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // The cut worker's node, then a moment when it has just begun reading a scan: cut there, mid-batch.
        var node = ""
        for _ in 0..<200 where node.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            node = try sql("SELECT id FROM node WHERE pid = \(cutWorker.processIdentifier) AND stopped IS NULL")
        }
        try #require(!node.isEmpty, "the worker never registered")
        var held: [String] = []
        for _ in 0..<300 where held.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            held = try sql(
                """
                SELECT id FROM scan WHERE state = 'reading' AND split_part(lease_owner, '#', 1) = '\(node)'
                AND state_since > extract(epoch FROM clock_timestamp()) - 0.7
                """
            ).split(separator: "\n").map(String.init)
        }
        try #require(!held.isEmpty, "the worker never read a scan")
        try network.cut(0)
        let deliveredAtCut = Int(try sql("SELECT count(*) FROM scan WHERE state = 'delivered'")) ?? 0
        let heldList = held.joined(separator: ",")

        // Cut off, it stops beating; after three missed beats (1.5 s) the others take what it held and deliver it.
        var takenOver = false
        for _ in 0..<200 where !takenOver {
            try await Task.sleep(for: .milliseconds(100))
            takenOver =
                try sql("SELECT count(*) FROM scan WHERE id IN (\(heldList)) AND state = 'delivered'")
                == "\(held.count)"
        }
        #expect(takenOver, "the cut worker's scans \(held) were not taken over")
        try network.restore(0)

        var delivered = 0
        for _ in 0..<360 where delivered < 60 {
            try await Task.sleep(for: .milliseconds(250))
            delivered = Int(try sql("SELECT count(*) FROM scan WHERE state = 'delivered'")) ?? 0
        }
        #expect(delivered == 60)
        #expect(deliveredAtCut < 60, "the batch was over before the cut")
        // Back on the network, it finds its scans taken and leaves them: each one it held says so in its log.
        let hashes = try sql("SELECT left(hash, 12) FROM scan WHERE id IN (\(heldList))").split(separator: "\n")
        var leftAlone: [Substring] = []
        for _ in 0..<160 where leftAlone.count < hashes.count {
            try await Task.sleep(for: .milliseconds(250))
            let log = (try? String(contentsOf: drill.folder.appendingPathComponent("w0.log"), encoding: .utf8)) ?? ""
            let lines = log.split(separator: "\n").filter { $0.contains("left to it") }
            leftAlone = hashes.filter { hash in lines.contains { $0.contains(hash) } }
        }
        #expect(leftAlone.count == hashes.count, "left alone: \(leftAlone) of \(hashes)")
        #expect(try sql("SELECT count(*) FROM scan WHERE lease_owner IS NOT NULL AND state <> 'claimed'") == "0")
        #expect(try sql("SELECT count(*) FROM scan WHERE state = 'delivered'") == "60", "a late write undid a scan")
        // Read twice each, by it and by the one that took it over: not a third time after a late write of the cut
        // worker had put it back in the queue.
        #expect(
            try sql("SELECT string_agg(attempts::text, ',') FROM scan WHERE id IN (\(heldList))")
                == held.map { _ in "2" }.joined(separator: ","))
        let heldKeys = Set(
            try sql("SELECT idempotency_key FROM delivery WHERE scan_id IN (\(heldList))").split(separator: "\n")
                .map(String.init))

        for process in processes { process.terminate() }
        for process in processes {
            for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        }
        try? coreOutput.close()

        // The core system's own records: each request once, none missing.
        let store = try CoreSimulator(
            configuration: .init(databasePath: coreFolder.appendingPathComponent("core.sqlite").path))
        let arrived = try store.records(in: "shomeisho")
        let check = drill.arrivals(arrived.compactMap { $0.fields["taishosha_shimei"] })
        #expect(check.missing.isEmpty && check.twice.isEmpty && check.unknown == 0, "\(check)")
        // Who posted what: the cut worker posted (so its address is seen) but never one of the scans it lost.
        let posts = try String(contentsOf: coreLog, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("POST answered") }
        func field(_ name: String, _ line: Substring) -> String? {
            line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        let cutAddress = network.address(ofWorker: 0)
        let byCut = posts.filter { field("client", $0) == cutAddress }
        #expect(!byCut.isEmpty, "no POST from the cut worker's address \(cutAddress) in \(posts.prefix(3))")
        let lost = byCut.filter { line in field("key", line).map(heldKeys.contains) ?? true }
        #expect(lost.isEmpty, "the cut worker posted scans it had lost: \(lost)")
        #expect(heldKeys.count == held.count)
        // Everything the test made goes: the server first (its namespace goes with the last process in it).
        postgres.remove()
        network.remove()
        #expect(network.leftOver.isEmpty, "\(network.leftOver)")
    }
}
