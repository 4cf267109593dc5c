import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowServer
import KamiflowTesting
import Logging
import Testing

func temporaryFolder(_ label: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-\(label)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs `body` against a real simulator on an ephemeral 127.0.0.1 port, with a connector configured for it.
func withSimulatorAndConnector<T: Sendable>(
    faults: FaultProfile = .none,
    requestTimeout: Double = 30,
    maxAttempts: Int = 20,
    maxRetryAfter: Double = 5,
    _ body: (CoreSimulator, HTTPConnector) async throws -> T
) async throws -> T {
    let folder = temporaryFolder("http")
    defer { try? FileManager.default.removeItem(at: folder) }
    var quiet = Logger(label: "test")
    quiet.logLevel = .warning
    let configuration = CoreSimulator.Configuration(
        databasePath: folder.appendingPathComponent("sim.sqlite").path, token: "s3cret", faults: faults, logger: quiet)
    return try await CoreSimulator.withRunning(configuration) { simulator, port in
        let http = HTTPConnectionConfiguration(
            url: "http://127.0.0.1:\(port)/v1", tokenEnv: "KAMIFLOW_TEST_TOKEN", connectTimeout: 5,
            requestTimeout: requestTimeout, maxAttempts: maxAttempts, initialBackoff: 0.01, maxBackoff: 0.05,
            maxRetryAfter: maxRetryAfter)
        let connector = try ConnectorFactory.makeConnector(
            named: "jidou", configuration: .http(http), environment: ["KAMIFLOW_TEST_TOKEN": "s3cret"], logger: quiet)
        let http1 = try #require(connector as? HTTPConnector)
        do {
            let result = try await body(simulator, http1)
            try await connector.close()
            return result
        } catch {
            try? await connector.close()
            throw error
        }
    }
}

extension DeliveryOutcome {
    var isDelivered: Bool { if case .delivered = self { true } else { false } }
    var rejections: [Rejection]? { if case .rejected(let r) = self { r } else { nil } }
    var failure: (reason: String, attempts: Int)? {
        if case .failed(let reason, let attempts) = self { (reason, attempts) } else { nil }
    }
}

@Suite("http connector against the simulator")
struct HTTPConnectorTests {
    @Test("the same record delivered three times makes one row")
    func threeTimesOneRow() async throws {
        try await withSimulatorAndConnector { simulator, connector in
            let request = SampleRecords.jidouTeate(7)
            var receipts: [DeliveryOutcome] = []
            for _ in 0..<3 { receipts += await connector.deliver([request]) }
            #expect(receipts.allSatisfy { $0.isDelivered })
            #expect(Set(receipts).count == 1, "every delivery reports the same receipt")
            let rows = try simulator.records(in: "jidou-teate")
            #expect(rows.count == 1)
            #expect(rows.first?.idempotencyKey == "scan-7")
            #expect(rows.first?.fields["kojin_bango"] == "023456789013")
        }
    }

    @Test("with 30% 503 and some 429, every record of a batch arrives exactly once and in order")
    func exactlyOnceUnderFaults() async throws {
        try await withSimulatorAndConnector(
            faults: FaultProfile(status503Rate: 0.3, status429Rate: 0.1, retryAfter: 0)
        ) { simulator, connector in
            simulator.enqueueFaults([.status(429, retryAfter: 1), .status(503, retryAfter: 0), .drop])
            let requests = (0..<25).map { SampleRecords.jidouTeate($0, keyPrefix: "batch") }
            let outcomes = await connector.deliver(requests)
            #expect(outcomes.count == 25)
            #expect(outcomes.allSatisfy { $0.isDelivered }, "\(outcomes.filter { !$0.isDelivered })")
            let rows = try simulator.records(in: "jidou-teate")
            #expect(rows.map(\.idempotencyKey) == requests.map(\.idempotencyKey))
            #expect(simulator.postCount > 25, "faults were injected, so some requests were retried")
        }
    }

    @Test("a stalled server times out and the retry succeeds, without a second row")
    func stallThenRetry() async throws {
        try await withSimulatorAndConnector(requestTimeout: 1) { simulator, connector in
            simulator.enqueueFaults([.stall(seconds: 4)])
            let outcomes = await connector.deliver([SampleRecords.jidouTeate(1)])
            #expect(outcomes.first?.isDelivered == true)
            // At least the stalled attempt and the one that succeeded (a loaded machine may time out once more).
            #expect(simulator.postCount >= 2)
            let rows = try simulator.records(in: "jidou-teate")
            #expect(rows.count == 1)
        }
    }

    @Test("a record the simulator rejects comes back rejected with its field errors and is not retried")
    func rejectedNotRetried() async throws {
        try await withSimulatorAndConnector { simulator, connector in
            let outcomes = await connector.deliver([
                SampleRecords.jidouTeate(1), SampleRecords.invalidJidouTeate(2), SampleRecords.jidouTeate(3),
            ])
            #expect(outcomes[0].isDelivered)
            #expect(outcomes[2].isDelivered)
            let rejections = try #require(outcomes[1].rejections)
            #expect(Set(rejections.compactMap(\.field)) == ["kojin_bango", "seibetsu_code"])
            #expect(rejections.first { $0.field == "kojin_bango" }?.message.hasPrefix("check_digit") == true)
            #expect(!rejections.map(\.message).joined().contains("123456789012"))
            #expect(simulator.postCount == 3)
            #expect(try simulator.records(in: "jidou-teate").map(\.idempotencyKey) == ["scan-1", "scan-3"])
        }
    }

    @Test("the same key with different content is rejected (409), not retried")
    func conflictRejected() async throws {
        try await withSimulatorAndConnector { simulator, connector in
            _ = await connector.deliver([SampleRecords.jidouTeate(1)])
            var changed = SampleRecords.jidouTeate(2)
            changed.idempotencyKey = "scan-1"
            let outcome = try #require(await connector.deliver([changed]).first)
            #expect(outcome.rejections?.first?.message.contains("409") == true)
            #expect(simulator.postCount == 2)
        }
    }

    @Test("a wrong token fails at once without retries; the record stays deliverable")
    func wrongToken() async throws {
        let folder = temporaryFolder("http-token")
        defer { try? FileManager.default.removeItem(at: folder) }
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let configuration = CoreSimulator.Configuration(
            databasePath: folder.appendingPathComponent("sim.sqlite").path, token: "right", logger: quiet)
        try await CoreSimulator.withRunning(configuration) { simulator, port in
            let connector = try HTTPConnector(
                name: "wrong", configuration: .init(url: "http://127.0.0.1:\(port)/v1", maxAttempts: 5),
                token: "wrong", logger: quiet)
            let outcome = try #require(await connector.deliver([SampleRecords.jidouTeate(1)]).first)
            try await connector.close()
            #expect(outcome.failure?.attempts == 1)
            #expect(outcome.failure?.reason.contains("401") == true)
            #expect(try simulator.records(in: "jidou-teate").isEmpty)
        }
    }

    @Test("a Retry-After longer than max_retry_after ends the delivery as failed")
    func retryAfterTooLong() async throws {
        try await withSimulatorAndConnector(maxRetryAfter: 1) { simulator, connector in
            simulator.enqueueFaults([.status(503, retryAfter: 120)])
            let outcome = try #require(await connector.deliver([SampleRecords.jidouTeate(1)]).first)
            #expect(outcome.failure?.attempts == 1)
            #expect(outcome.failure?.reason.contains("120") == true)
        }
    }

    @Test("a server that never answers well ends as failed after max_attempts")
    func failsAfterRetries() async throws {
        try await withSimulatorAndConnector(maxAttempts: 3) { simulator, connector in
            simulator.enqueueFaults(Array(repeating: .status(500, retryAfter: nil), count: 3))
            let outcome = try #require(await connector.deliver([SampleRecords.jidouTeate(1)]).first)
            #expect(outcome.failure?.attempts == 3)
            #expect(outcome.failure?.reason.contains("500") == true)
            #expect(simulator.postCount == 3)
            // After the outage the same record goes through.
            #expect(await connector.deliver([SampleRecords.jidouTeate(1)]).first?.isDelivered == true)
        }
    }

    @Test("a connection refused is retried, then failed")
    func connectionRefused() async throws {
        let connector = try HTTPConnector(
            name: "nobody",
            configuration: .init(
                url: "http://127.0.0.1:9/v1", resource: "jidou-teate",
                connectTimeout: 0.5, maxAttempts: 2, initialBackoff: 0.01),
            token: nil, logger: Logger(label: "test"))
        let outcome = try #require(await connector.deliver([SampleRecords.jidouTeate(1)]).first)
        try await connector.close()
        #expect(outcome.failure?.attempts == 2)
        #expect(await connector.deliver([SampleRecords.jidouTeate(1)]).first?.failure?.attempts == 0)
    }

    @Test("a connector dropped without close() releases its client")
    func droppedWithoutClose() async throws {
        var connector: HTTPConnector? = try HTTPConnector(
            name: "dropped", configuration: .init(url: "http://127.0.0.1:9/v1"), token: nil, logger: Logger(label: "t"))
        #expect(connector?.name == "dropped")
        connector = nil
        #expect(connector == nil)
    }

    @Test("Retry-After is read as seconds or as an HTTP date")
    func retryAfterParsing() {
        #expect(HTTPConnector.parseRetryAfter("3") == 3)
        #expect(HTTPConnector.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == 0)
        #expect(HTTPConnector.parseRetryAfter("soon") == nil)
    }

    @Test("a missing token variable is a deployment error naming the connection and the variable")
    func missingToken() {
        #expect {
            _ = try ConnectorFactory.makeConnector(
                named: "jidou", configuration: .http(.init(url: "http://127.0.0.1:1/v1", tokenEnv: "NOPE_TOKEN")),
                environment: [:])
        } throws: { error in
            let error = error as? KamiflowError
            return error?.code == .invalidDeployment && error?.subject == "jidou"
                && error?.message.contains("NOPE_TOKEN") == true
        }
    }
}

@Suite("http connector batches")
struct HTTPBatchTests {
    @Test("a failed record stops the batch so that no later record overtakes it; a rejected one does not")
    func failureStopsBatch() async throws {
        try await withSimulatorAndConnector(maxAttempts: 2) { simulator, connector in
            simulator.enqueueFaults([.status(500, retryAfter: nil), .status(500, retryAfter: nil)])
            let outcomes = await connector.deliver([
                SampleRecords.jidouTeate(1), SampleRecords.jidouTeate(2), SampleRecords.jidouTeate(3),
            ])
            #expect(outcomes[0].failure?.attempts == 2)
            #expect(outcomes[1].failure?.attempts == 0)
            #expect(outcomes[2].failure?.attempts == 0)
            #expect(simulator.postCount == 2)
            let mixed = await connector.deliver([
                SampleRecords.invalidJidouTeate(4), SampleRecords.jidouTeate(1), SampleRecords.jidouTeate(2),
            ])
            #expect(mixed[0].rejections != nil)
            #expect(mixed[1].isDelivered && mixed[2].isDelivered)
            let rows = try simulator.records(in: "jidou-teate")
            #expect(rows.map(\.idempotencyKey) == ["scan-1", "scan-2"])
        }
    }
}
