public import KamiflowCore

/// The behaviour every connector must show, checked against a real target (a simulator, a database file, a folder).
///
/// A connector's test builds a ``Target`` (how to open connectors over the target, how to read back what the target
/// holds, and optionally a record the target refuses and a way to make it unavailable) and calls ``run()``. The
/// checks are those the runtime relies on to deliver every record exactly once:
/// - one outcome per request, in order, and the target holds the records in the order delivered;
/// - redelivery (same connector, or a new one after `close()`) is `delivered` again and stores nothing twice;
/// - the same key with different content is `rejected`, and the first content stays;
/// - a record the target refuses is `rejected` with reasons and its neighbours still go through (permanent);
/// - while the target is unavailable a delivery ends `failed`, and the same records go through afterwards
///   (retryable);
/// - a `close()` during a batch loses nothing that was reported `delivered`, and a later redelivery of the whole
///   batch completes it without duplicates; after `close()`, deliveries fail.
public struct ConnectorConformance: Sendable {
    /// A connector's target as the suite sees it: how to open connectors over it and how to read it back.
    public struct Target: Sendable {
        /// Opens a connector over the target. Called several times; each must see what earlier ones delivered.
        public var open: @Sendable () async throws -> any Connector
        /// The idempotency keys the target holds, in the order it holds them (a duplicate shows up twice).
        public var storedKeys: @Sendable () async throws -> [String]
        /// A valid record; each `index` gives a different key and different content.
        public var record: @Sendable (Int) -> DeliveryRequest
        /// A record the target refuses for good, if the target refuses anything besides a reused key.
        public var invalidRecord: (@Sendable (Int) -> DeliveryRequest)?
        /// Makes the target unavailable (`true`) and available again (`false`), if the test can.
        public var setOutage: (@Sendable (Bool) async throws -> Void)?

        /// A target; leave out `invalidRecord` or `setOutage` when the target has no such thing.
        public init(
            open: @escaping @Sendable () async throws -> any Connector,
            storedKeys: @escaping @Sendable () async throws -> [String],
            record: @escaping @Sendable (Int) -> DeliveryRequest,
            invalidRecord: (@Sendable (Int) -> DeliveryRequest)? = nil,
            setOutage: (@Sendable (Bool) async throws -> Void)? = nil
        ) {
            self.open = open
            self.storedKeys = storedKeys
            self.record = record
            self.invalidRecord = invalidRecord
            self.setOutage = setOutage
        }
    }

    /// Everything that did not hold, one line each.
    public struct Failure: Error, CustomStringConvertible {
        /// One line per property that did not hold, prefixed with the check's name (`order:`, `close:` …).
        public var failures: [String]
        public var description: String { "connector conformance failed:\n- " + failures.joined(separator: "\n- ") }
    }

    /// The target the checks run against.
    public let target: Target

    /// A suite for `target`; nothing runs until ``run()``.
    public init(_ target: Target) { self.target = target }

    /// Runs every check (against one target, with disjoint keys) and throws a ``Failure`` listing what did not hold.
    public func run() async throws {
        var failures: [String] = []
        func check(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition { failures.append(message()) }
        }
        func delivered(_ outcome: DeliveryOutcome) -> Bool { if case .delivered = outcome { true } else { false } }
        func failed(_ outcome: DeliveryOutcome) -> Bool { if case .failed = outcome { true } else { false } }
        func rejections(_ outcome: DeliveryOutcome) -> [Rejection]? {
            if case .rejected(let r) = outcome { r } else { nil }
        }
        func stored(_ keys: [String]) async throws -> [String] {
            let wanted = Set(keys)
            return try await target.storedKeys().filter { wanted.contains($0) }
        }
        let record = target.record

        // Order kept.
        var connector = try await target.open()
        let ordered = (0..<6).map(record)
        let orderOutcomes = await connector.deliver(ordered)
        check(
            orderOutcomes.count == ordered.count, "order: \(orderOutcomes.count) outcomes for \(ordered.count) requests"
        )
        check(orderOutcomes.allSatisfy(delivered), "order: not all delivered: \(orderOutcomes)")
        let orderedKeys = ordered.map(\.idempotencyKey)
        let orderStored = try await stored(orderedKeys)
        check(orderStored == orderedKeys, "order: target holds \(orderStored), expected \(orderedKeys)")

        // Redelivery is idempotent, on the same connector and on a new one.
        let again = (10..<13).map(record)
        let first = await connector.deliver(again)
        let second = await connector.deliver(again)
        try await connector.close()
        connector = try await target.open()
        let third = await connector.deliver(again)
        for (label, outcomes) in [("first", first), ("second", second), ("after reopening", third)] {
            check(outcomes.count == again.count && outcomes.allSatisfy(delivered), "redelivery \(label): \(outcomes)")
        }
        let againKeys = again.map(\.idempotencyKey)
        let againStored = try await stored(againKeys)
        check(againStored == againKeys, "redelivery: target holds \(againStored), expected each of \(againKeys) once")

        // The same key with different content is refused; the first content stays.
        let original = record(20)
        var altered = record(21)
        altered.idempotencyKey = original.idempotencyKey
        let reuse = await connector.deliver([original, altered])
        check(reuse.count == 2 && delivered(reuse[0]), "key reuse: the first delivery did not go through: \(reuse)")
        check(
            reuse.count == 2 && !(rejections(reuse[1]) ?? []).isEmpty, "key reuse: not rejected with reasons: \(reuse)")
        let reuseStored = try await stored([original.idempotencyKey])
        check(reuseStored.count == 1, "key reuse: target holds the key \(reuseStored.count) times")

        // Permanent errors: rejected with reasons, neighbours delivered, never stored, rejected again on redelivery.
        if let invalidRecord = target.invalidRecord {
            let batch = [record(30), invalidRecord(31), record(32)]
            let outcomes = await connector.deliver(batch)
            check(outcomes.count == 3, "permanent: \(outcomes.count) outcomes for 3 requests")
            if outcomes.count == 3 {
                check(
                    delivered(outcomes[0]) && delivered(outcomes[2]), "permanent: neighbours not delivered: \(outcomes)"
                )
                check(
                    !(rejections(outcomes[1]) ?? []).isEmpty, "permanent: invalid record not rejected: \(outcomes[1])")
            }
            let retry = await connector.deliver([batch[1]])
            check(!(retry.first.flatMap(rejections) ?? []).isEmpty, "permanent: redelivery not rejected: \(retry)")
            let invalidStored = try await stored([batch[1].idempotencyKey])
            check(invalidStored.isEmpty, "permanent: the rejected record was stored")
        }

        // Retryable errors: failed while the target is down, delivered once afterwards.
        if let setOutage = target.setOutage {
            let batch = [record(40), record(41)]
            try await setOutage(true)
            let during = await connector.deliver(batch)
            try await setOutage(false)
            check(during.count == 2 && during.allSatisfy(failed), "retryable: not failed during the outage: \(during)")
            let after = await connector.deliver(batch)
            check(after.count == 2 && after.allSatisfy(delivered), "retryable: not delivered afterwards: \(after)")
            let keys = batch.map(\.idempotencyKey)
            let retryStored = try await stored(keys)
            check(retryStored == keys, "retryable: target holds \(retryStored), expected \(keys)")
        }
        try await connector.close()

        // A close in the middle of a batch loses nothing reported delivered.
        let closing = try await target.open()
        let batch = (50..<70).map(record)
        let keys = batch.map(\.idempotencyKey)
        let delivery = Task { await closing.deliver(batch) }
        await Task.yield()
        try await closing.close()
        let outcomes = await delivery.value
        check(outcomes.count == batch.count, "close: \(outcomes.count) outcomes for \(batch.count) requests")
        check(outcomes.allSatisfy { delivered($0) || failed($0) }, "close: an outcome neither delivered nor failed")
        let reported = Set(zip(keys, outcomes).filter { delivered($0.1) }.map(\.0))
        let afterClose = Set(try await stored(keys))
        check(
            reported.isSubset(of: afterClose), "close: reported delivered but lost: \(reported.subtracting(afterClose))"
        )
        let late = await closing.deliver([record(80)])
        check(late.count == 1 && failed(late[0]), "close: a delivery after close() did not fail: \(late)")
        let reopened = try await target.open()
        let completion = await reopened.deliver(batch)
        try await reopened.close()
        check(completion.allSatisfy(delivered), "close: redelivery after reopening not delivered: \(completion)")
        let finalStored = try await stored(keys)
        check(
            finalStored.count == keys.count && Set(finalStored) == Set(keys),
            "close: after redelivery the target holds \(finalStored.count) records for \(keys.count) keys")
        let lateStored = try await stored([record(80).idempotencyKey])
        check(lateStored.isEmpty, "close: a record delivered after close() was stored")

        if !failures.isEmpty { throw Failure(failures: failures) }
    }
}
