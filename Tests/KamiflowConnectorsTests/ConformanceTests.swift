import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowServer
import KamiflowTesting
import Logging
import Synchronization
import Testing

/// Moves a folder away and puts a plain file in its place, so every write into it fails; and back.
@Sendable func folderOutage(_ folder: URL, _ down: Bool) throws {
    let away = folder.appendingPathExtension("away")
    if down {
        try FileManager.default.moveItem(at: folder, to: away)
        try Data("not a folder".utf8).write(to: folder)
    } else {
        try FileManager.default.removeItem(at: folder)
        try FileManager.default.moveItem(at: away, to: folder)
    }
}

func batchFiles(_ folder: URL, _ suffix: String) throws -> [URL] {
    guard (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true else { return [] }
    return try files(in: folder, ending: suffix)
}

/// Splits a file into lines at CR LF or LF.
func lines(_ data: Data) -> [Data] {
    data.split(separator: 0x0A).map { $0.last == 0x0D ? Data($0.dropLast()) : Data($0) }
}

final class LockBox: Sendable {
    let lock = Mutex<SQLiteWriteLock?>(nil)
}

private var quiet: Logger {
    var logger = Logger(label: "conformance")
    logger.logLevel = .critical
    return logger
}

@Suite("Connector conformance")
struct ConformanceTests {
    @Test("http connector against the simulator")
    func http() async throws {
        let folder = temporaryFolder("conf-http")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = CoreSimulator.Configuration(
            databasePath: folder.appendingPathComponent("sim.sqlite").path, token: "t", logger: quiet)
        try await CoreSimulator.withRunning(configuration) { simulator, port in
            let http = HTTPConnectionConfiguration(
                url: "http://127.0.0.1:\(port)/v1", tokenEnv: "TOKEN", connectTimeout: 5, requestTimeout: 30,
                maxAttempts: 2, initialBackoff: 0.01, maxBackoff: 0.02)
            try await ConnectorConformance(
                .init(
                    open: {
                        try ConnectorFactory.makeConnector(
                            named: "jidou", configuration: .http(http), environment: ["TOKEN": "t"], logger: quiet)
                    },
                    storedKeys: { try simulator.records(in: "jidou-teate").map(\.idempotencyKey) },
                    record: { SampleRecords.jidouTeate($0, keyPrefix: "conf") },
                    invalidRecord: { SampleRecords.invalidJidouTeate($0, keyPrefix: "conf") },
                    setOutage: { down in
                        simulator.setFaultProfile(down ? FaultProfile(status503Rate: 1, retryAfter: 0) : .none)
                    }
                )
            ).run()
        }
    }

    @Test("sqlite connector")
    func sqlite() async throws {
        let folder = temporaryFolder("conf-sqlite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("core.sqlite").path
        let box = LockBox()
        try await ConnectorConformance(
            .init(
                open: {
                    try SQLiteConnector(
                        name: "core", configuration: .init(path: path, table: "records", busyTimeout: 0.1),
                        logger: quiet)
                },
                storedKeys: { try sqliteRows(path, "SELECT idempotency_key FROM records ORDER BY id") },
                record: { SampleRecords.jidouTeate($0, keyPrefix: "conf") },
                invalidRecord: { index in
                    var request = SampleRecords.jidouTeate(index, keyPrefix: "conf")
                    request.payload.append(PayloadField(name: "id", value: "1"))
                    return request
                },
                setOutage: { down in
                    if down {
                        let lock = try SQLiteWriteLock(path: path)
                        box.lock.withLock { $0 = lock }
                    } else {
                        try box.lock.withLock { lock in
                            try lock?.release()
                            lock = nil
                        }
                    }
                }
            )
        ).run()
    }

    @Test("csv connector (CP932, key column), read back by Python's csv module")
    func csv() async throws {
        let folder = temporaryFolder("conf-csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = CSVConnectionConfiguration(
            folder: folder.path, columns: ["shimei", "memo"], keyColumn: "key", encoding: .cp932)
        let script = """
            import csv, glob, json, os, sys
            keys = []
            if os.path.isdir(sys.argv[1]):
                for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.csv'))):
                    with open(path, encoding='cp932', newline='') as f:
                        keys += [row[0] for row in list(csv.reader(f))[1:]]
            print(json.dumps(keys))
            """
        try await ConnectorConformance(
            .init(
                open: {
                    try ConnectorFactory.makeConnector(
                        named: "csv", configuration: .csv(configuration), environment: [:])
                },
                storedKeys: {
                    let result = try PythonClient.run(script: script, arguments: [folder.path])
                    return try JSONDecoder().decode([String].self, from: Data(result.output.utf8))
                },
                record: { request("csv-\($0)", [("shimei", "山田 〜\($0)"), ("memo", "=\($0)")]) },
                invalidRecord: { request("csv-\($0)", [("shimei", "外字\u{E000}"), ("memo", "")]) },
                setOutage: { try folderOutage(folder, $0) }
            )
        ).run()
    }

    @Test("fixed-width connector")
    func fixedWidth() async throws {
        let folder = temporaryFolder("conf-fixed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = FixedWidthConnectionConfiguration(
            folder: folder.path,
            layout: [
                .init(field: "key", bytes: 20, kind: .character), .init(field: "code", bytes: 6, kind: .numeric),
                .init(field: "name", bytes: 20, kind: .character),
            ])
        try await ConnectorConformance(
            .init(
                open: {
                    try ConnectorFactory.makeConnector(
                        named: "fixed", configuration: .fixedWidth(configuration), environment: [:])
                },
                storedKeys: {
                    try batchFiles(folder, ".dat").flatMap { file in
                        lines(try Data(contentsOf: file)).map {
                            String(decoding: $0.prefix(20), as: UTF8.self).trimmingCharacters(in: .whitespaces)
                        }
                    }
                },
                record: { request("fw-\($0)", [("key", "fw-\($0)"), ("code", "\($0)"), ("name", "鈴木\($0)")]) },
                invalidRecord: { request("fw-\($0)", [("key", "fw-\($0)"), ("code", "x\($0)"), ("name", "")]) },
                setOutage: { try folderOutage(folder, $0) }
            )
        ).run()
    }

    @Test("zengin connector")
    func zengin() async throws {
        let folder = temporaryFolder("conf-zengin")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = ZenginConnectorTests.configuration(folder)
        @Sendable func record(_ index: Int, holder: String = "ヤマダ タロウ") -> DeliveryRequest {
            request(
                "z-\(index)",
                [
                    ("bank_code", "0005"), ("branch_code", "123"), ("account_type", "1"),
                    ("account_number", "\(index)"),
                    ("holder", holder), ("amount", "\(1000 + index)"), ("customer_code1", "\(index)"),
                ])
        }
        try await ConnectorConformance(
            .init(
                open: {
                    try ConnectorFactory.makeConnector(
                        named: "bank", configuration: .zengin(configuration), environment: [:])
                },
                storedKeys: {
                    try batchFiles(folder, ".txt").flatMap { file in
                        lines(try Data(contentsOf: file)).filter { $0.first == UInt8(ascii: "2") }.map {
                            "z-\(Int(String(decoding: $0.dropFirst(91).prefix(10), as: UTF8.self)) ?? -1)"
                        }
                    }
                },
                record: { record($0) },
                invalidRecord: { record($0, holder: "山田") },
                setOutage: { try folderOutage(folder, $0) }
            )
        ).run()
    }

    @Test("jsonl connector")
    func jsonLines() async throws {
        let folder = temporaryFolder("conf-jsonl")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await ConnectorConformance(
            .init(
                open: {
                    try ConnectorFactory.makeConnector(
                        named: "log", configuration: .jsonLines(.init(folder: folder.path)), environment: [:])
                },
                storedKeys: {
                    guard
                        let data = FileManager.default.contents(
                            atPath: folder.appendingPathComponent("records.jsonl").path)
                    else { return [] }
                    return try lines(data).map {
                        let object = try JSONSerialization.jsonObject(with: $0) as? [String: Any]
                        return object?["idempotency_key"] as? String ?? "?"
                    }
                },
                record: { request("j-\($0)", [("n", "\($0)")]) },
                setOutage: { try folderOutage(folder, $0) }
            )
        ).run()
    }
}

/// A connector that forgets what it delivered: the kind of bug the conformance suite exists to catch.
final class ForgetfulConnector: Connector {
    let name = "forgetful"
    let shared: SharedRows
    init(shared: SharedRows) { self.shared = shared }
    func deliver(_ requests: [DeliveryRequest]) async -> [DeliveryOutcome] {
        shared.rows.withLock { $0 += requests.map(\.idempotencyKey) }
        return requests.map { _ in .delivered(receipt: nil) }
    }
    func close() async throws {}
}

final class SharedRows: Sendable {
    let rows = Mutex<[String]>([])
}

@Suite("Connector conformance catches broken connectors")
struct ConformanceSelfTests {
    @Test("a connector that stores redeliveries twice and accepts key reuse fails the suite, naming why")
    func catchesDuplicates() async throws {
        let shared = SharedRows()
        let suite = ConnectorConformance(
            .init(
                open: { ForgetfulConnector(shared: shared) },
                storedKeys: { shared.rows.withLock { $0 } },
                record: { request("f-\($0)", [("n", "\($0)")]) }
            ))
        do {
            try await suite.run()
            Issue.record("the suite passed a connector that duplicates records")
        } catch let failure as ConnectorConformance.Failure {
            #expect(failure.failures.contains { $0.hasPrefix("redelivery:") })
            #expect(failure.failures.contains { $0.hasPrefix("key reuse:") })
            #expect(failure.failures.contains { $0.hasPrefix("close:") })
        }
    }
}
