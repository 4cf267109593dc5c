import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowTesting
import Logging
import Testing

/// Reads a table back with the sqlite3 command-line shell, an independent client of the file.
func sqliteRows(_ path: String, _ sql: String) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", "-separator", "|", path, sql]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

@Suite("sqlite connector")
struct SQLiteConnectorTests {
    @Test("the same record delivered three times makes one row, with one column per payload field")
    func threeTimesOneRow() async throws {
        let folder = temporaryFolder("sqlite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = SQLiteConnectionConfiguration.embeddedDefault(in: folder.path)
        #expect(configuration.path.hasSuffix(".kamiflow/core.sqlite"))
        for _ in 0..<3 {
            let connector = try ConnectorFactory.makeConnector(
                named: "core", configuration: .sqlite(configuration), environment: [:])
            let outcomes = await connector.deliver([SampleRecords.jidouTeate(1), SampleRecords.jidouTeate(2)])
            #expect(outcomes.allSatisfy { $0.isDelivered })
            try await connector.close()
        }
        let rows = try sqliteRows(
            configuration.path,
            "SELECT idempotency_key, seikyusha_shimei, koza_meigi_kana FROM \"jidou-teate\" ORDER BY id")
        #expect(rows == ["scan-1|山田 花子1|ﾔﾏﾀﾞ ﾊﾅｺ", "scan-2|山田 花子2|ﾔﾏﾀﾞ ﾊﾅｺ"])
        #expect(try sqliteRows(configuration.path, "PRAGMA journal_mode") == ["wal"])
    }

    @Test("a key delivered before with other content is rejected; a reserved column name is rejected")
    func permanentRejections() async throws {
        let folder = temporaryFolder("sqlite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("core.sqlite").path
        let connector = try SQLiteConnector(
            name: "core", configuration: .init(path: path, table: "records"), logger: Logger(label: "test"))
        var changed = SampleRecords.jidouTeate(2)
        changed.idempotencyKey = "scan-1"
        var reserved = SampleRecords.jidouTeate(3)
        reserved.payload.append(PayloadField(name: "id", value: "7"))
        let outcomes = await connector.deliver([
            SampleRecords.jidouTeate(1), changed, reserved, SampleRecords.jidouTeate(4),
        ])
        try await connector.close()
        #expect(outcomes[0].isDelivered)
        #expect(outcomes[1].rejections?.first?.message.contains("different content") == true)
        #expect(outcomes[2].rejections?.first?.field == "id")
        #expect(outcomes[3].isDelivered)
        #expect(try sqliteRows(path, "SELECT idempotency_key FROM records ORDER BY id") == ["scan-1", "scan-4"])
    }

    @Test("a database locked by another writer fails the batch (retryable), and the batch goes through later")
    func lockedDatabaseFails() async throws {
        let folder = temporaryFolder("sqlite")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("core.sqlite").path
        let connector = try SQLiteConnector(
            name: "core", configuration: .init(path: path, busyTimeout: 0.1), logger: Logger(label: "test"))
        let lock = try SQLiteWriteLock(path: path)
        let failed = await connector.deliver([SampleRecords.jidouTeate(1)])
        #expect(failed.first?.failure?.reason.contains("SQLite error 5") == true)
        try lock.release()
        let delivered = await connector.deliver([SampleRecords.jidouTeate(1)])
        try await connector.close()
        #expect(delivered.first?.isDelivered == true)
    }
}
