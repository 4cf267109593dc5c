import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowServer
import KamiflowTesting
import Logging
import Testing

/// Delivery rates, printed, never asserted (timings belong in `make bench`, not in pass/fail tests). Runs only with
/// `KAMIFLOW_BENCH=1 swift test --filter ConnectorBenchmarks` (add `-c release` for representative figures).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["KAMIFLOW_BENCH"] == "1"))
struct ConnectorBenchmarks {
    func measure(_ label: String, records: Int, _ body: () async throws -> Void) async rethrows {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Int(Double(records) / seconds)
        print("bench \(label): \(records) records in \(String(format: "%.3f", seconds)) s (\(rate)/s)")
    }

    @Test("delivery rates of the http, sqlite, csv and zengin connectors")
    func rates() async throws {
        let folder = temporaryFolder("bench")
        defer { try? FileManager.default.removeItem(at: folder) }
        var quiet = Logger(label: "bench")
        quiet.logLevel = .critical
        let posts = (0..<500).map { SampleRecords.jidouTeate($0, keyPrefix: "http") }
        let simulator = CoreSimulator.Configuration(
            databasePath: folder.appendingPathComponent("sim.sqlite").path, token: "t", logger: quiet)
        try await CoreSimulator.withRunning(simulator) { _, port in
            let http = try HTTPConnector(
                name: "http", configuration: .init(url: "http://127.0.0.1:\(port)/v1"), token: "t", logger: quiet)
            await measure("http → core-sim, new records", records: posts.count) { _ = await http.deliver(posts) }
            await measure("http → core-sim, replayed keys", records: posts.count) { _ = await http.deliver(posts) }
            try await http.close()
        }
        let batch = (0..<5000).map { SampleRecords.jidouTeate($0, keyPrefix: "batch") }
        let sqlite = try SQLiteConnector(
            name: "sqlite", configuration: .init(path: folder.appendingPathComponent("core.sqlite").path),
            logger: quiet)
        await measure("sqlite, one batch", records: batch.count) { _ = await sqlite.deliver(batch) }
        await measure("sqlite, one batch of known keys", records: batch.count) { _ = await sqlite.deliver(batch) }
        try await sqlite.close()
        let csv = try ConnectorFactory.makeConnector(
            named: "csv",
            configuration: .csv(.init(folder: folder.appendingPathComponent("csv").path, encoding: .cp932)),
            environment: [:], logger: quiet)
        await measure("csv cp932, one batch", records: batch.count) { _ = await csv.deliver(batch) }
        try await csv.close()
        let zengin = try ConnectorFactory.makeConnector(
            named: "zengin",
            configuration: .zengin(ZenginConnectorTests.configuration(folder.appendingPathComponent("zengin"))),
            environment: [:], logger: quiet)
        let transfers = (0..<5000).map { index in
            request(
                "z-\(index)",
                [
                    ("bank_code", "0005"), ("branch_code", "123"), ("account_type", "1"),
                    ("account_number", "\(index)"),
                    ("holder", "ヤマダ タロウ"), ("amount", "\(1000 + index)"), ("customer_code1", "\(index)"),
                ])
        }
        await measure("zengin, one batch", records: transfers.count) { _ = await zengin.deliver(transfers) }
        try await zengin.close()
    }
}
