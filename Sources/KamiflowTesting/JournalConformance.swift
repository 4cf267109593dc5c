import Foundation
public import KamiflowCore

/// The behaviour every `Journal` must show, checked against a real one (a SQLite file, a PostgreSQL database).
///
/// The runtime promises "nothing lost, nothing delivered twice" on top of the journal, so every implementation has
/// to keep the same state machine; a journal's test passes a factory of fresh, empty journals and calls ``run()``.
/// Each check gets a journal of its own and passes its own `now`, so the checks do not depend on each other or on
/// the wall clock. They cover what the runtime relies on:
/// - admission: new bytes are `claimed`; the same bytes at the same place are resumed, or found settled; under
///   another name they are one duplicate row pointing at the original; after a failure they are retried; a batch
///   re-run (`rerunResumes`) resumes the scan first seen at the same original path;
/// - claim and lease: one owner at a time, renewal by the holder, take-over after expiry, the old holder's renewal
///   then refused, settling ends the lease;
/// - the writes of a worker (`holding:`): made while its lease is its own (run out or not, while nobody took it),
///   refused with nothing changed once another owner took the scan over or it was settled;
/// - read → plan → deliver → settle, each state journaled, with one delivery row per connection and key, confirmed
///   deliveries reported as such when planning again after a crash, and never reset to pending;
/// - retry and requeue: which states they accept, attempts kept or reset, failed deliveries pending again;
/// - review: records kept whole for review, decisions settled with an audit trail and the scan's state following;
/// - the review queue: open records counted per workflow with the oldest's age, and listed oldest first, paged;
/// - the review station's record leases (two users racing for a record: one wins; expiry; the holder extends from
///   any node; release) and blind double entries (kept by round until the record is delivered, dismissed, cleared
///   or read again, then dropped);
/// - the queries: entry, entries(matching:), list, count, counts, stuck;
/// - input rows by path: one row per path and result, sightings counted, refused paths kept, rows following moves;
/// - scheduled job runs, and each tick of a job claimed by one node only;
/// - nodes: registered with their heartbeats and what they hold; the lease of a node that stopped, missed its
///   beats, or was restarted under the same name on the same host is free at once;
/// - the queue: scans under a spool offered oldest first, and taken with their leases in one step, different scans
///   for workers asking one after another, a lease given up or of a silent node free again;
/// - writes still happen from a cancelled task (a scan handed back at shutdown must be journaled).
public struct JournalConformance: Sendable {
    /// Everything that did not hold, one line each.
    public struct Failure: Error, CustomStringConvertible {
        /// One line per property that did not hold, prefixed with the check's name (`lease:`, `review:` …).
        public var failures: [String]
        public var description: String { "journal conformance failed:\n- " + failures.joined(separator: "\n- ") }
    }

    /// Opens a fresh, empty journal; called once per check.
    public let makeJournal: @Sendable () async throws -> any Journal

    /// A suite over journals made by `makeJournal`; nothing runs until ``run()``.
    public init(_ makeJournal: @escaping @Sendable () async throws -> any Journal) {
        self.makeJournal = makeJournal
    }

    /// Runs every check and throws a ``Failure`` listing what did not hold. An error thrown by the journal where
    /// none was expected is reported as a failure of the check it happened in.
    public func run() async throws {
        var failures: [String] = []
        let checks: [(String, (any Journal, Recorder) async throws -> Void)] = [
            ("admission", Self.admission),
            ("lease", Self.lease),
            ("writes holding a lease", Self.writesHoldingLease),
            ("delivery", Self.delivery),
            ("retry", Self.retryAndRequeue),
            ("review", Self.review),
            ("review queue", Self.reviewQueue),
            ("review leases", Self.reviewLeases),
            ("double entries", Self.doubleEntries),
            ("queries", Self.queries),
            ("inputs", Self.inputs),
            ("jobs", Self.jobs),
            ("cancelled", Self.cancelledWrites),
            ("nodes", Self.nodes),
            ("queue", Self.queue),
            ("queue taking", Self.queueTaking),
        ]
        for (name, check) in checks {
            let recorder = Recorder(name)
            do {
                try await check(try await makeJournal(), recorder)
            } catch {
                recorder.fail("unexpected error: \(error)")
            }
            failures += recorder.failures
        }
        if !failures.isEmpty { throw Failure(failures: failures) }
    }

    /// Collects the failures of one check.
    final class Recorder: @unchecked Sendable {
        // Used by one check at a time, sequentially: no lock needed.
        let name: String
        var failures: [String] = []

        init(_ name: String) { self.name = name }

        func check(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition { fail(message()) }
        }

        func fail(_ message: String) { failures.append("\(name): \(message)") }

        /// Whether `body` throws a `KamiflowError` (the journal refusing a request that does not fit the state).
        func refuses(_ body: () async throws -> Void) async -> Bool {
            do {
                try await body()
                return false
            } catch {
                return error is KamiflowError
            }
        }
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func hash(_ character: Character) -> String { String(repeating: character, count: 64) }

    static func same(_ a: Date?, _ b: Date?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a.timeIntervalSince(b)) < 0.001
    }

    /// Admits `hash` as new bytes at `path` and returns its row, or records a failure.
    static func admitNew(
        _ journal: any Journal, _ r: Recorder, _ hash: String, _ path: String, at now: Date = t0
    )
        async throws -> ScanEntry?
    {
        let admission = try await journal.admit(
            hash: hash, path: path, originalPath: path, rerunResumes: true, now: now)
        guard case .process(let entry) = admission else {
            r.fail("new bytes at \(path) were not admitted for processing: \(admission)")
            return nil
        }
        return entry
    }

    // MARK: Checks

    static func admission(_ journal: any Journal, _ r: Recorder) async throws {
        let hash = hash("a")
        guard let entry = try await admitNew(journal, r, hash, "/in/a.png") else { return }
        r.check(entry.state == .claimed, "a new scan is \(entry.state), not claimed")
        r.check(
            entry.hash == hash && entry.path == "/in/a.png" && entry.originalPath == "/in/a.png",
            "a new scan does not keep its hash and paths: \(entry)")
        r.check(entry.attempts == 0, "a new scan has \(entry.attempts) attempts")
        r.check(same(entry.stateSince, t0), "a new scan's stateSince is not the admission time")

        // The same file again, mid-way (a crash): resumed, same row.
        let resumed = try await journal.admit(
            hash: hash, path: "/in/a.png", originalPath: "/in/a.png", rerunResumes: false, now: t0)
        if case .process(let again) = resumed {
            r.check(again.rowID == entry.rowID, "the same file in flight got a new row")
        } else {
            r.fail("the same file in flight was not resumed: \(resumed)")
        }

        // The same bytes under another name: a duplicate row pointing at the original, made once.
        let duplicate = try await journal.admit(
            hash: hash, path: "/in/b.png", originalPath: "/in/b.png", rerunResumes: false, now: t0)
        guard case .duplicate(let dup, let original) = duplicate else {
            r.fail("the same bytes under another name are not a duplicate: \(duplicate)")
            return
        }
        r.check(original.rowID == entry.rowID, "a duplicate names the wrong original")
        r.check(
            dup.state == .duplicate && dup.duplicateOf == entry.rowID && dup.rowID != entry.rowID,
            "a duplicate's own row is wrong: \(dup)")
        let twice = try await journal.admit(
            hash: hash, path: "/in/b.png", originalPath: "/in/b.png", rerunResumes: false, now: t0)
        if case .duplicate(let dupAgain, _) = twice {
            r.check(dupAgain.rowID == dup.rowID, "the same duplicate seen again got a new row")
        } else {
            r.fail("the same duplicate seen again is \(twice)")
        }
        r.check(try await journal.count(state: .duplicate) == 1, "a duplicate seen twice is counted twice")

        // A batch re-run names the same input: with `rerunResumes` the scan first seen there is the same scan.
        let rerun = try await journal.admit(
            hash: hash, path: "/elsewhere/a.png", originalPath: "/in/a.png", rerunResumes: true, now: t0)
        if case .process(let again) = rerun {
            r.check(
                again.rowID == entry.rowID && again.path == "/elsewhere/a.png",
                "a re-run did not resume the scan at its new path: \(again)")
        } else {
            r.fail("a re-run of the same input was not resumed: \(rerun)")
        }

        // Settled: a re-run skips it.
        try await journal.settle(entry.rowID, state: .delivered, error: nil, timings: nil, now: t0)
        let settled = try await journal.admit(
            hash: hash, path: "/elsewhere/a.png", originalPath: "/in/a.png", rerunResumes: true, now: t0)
        if case .settled(let done) = settled {
            r.check(done.rowID == entry.rowID && done.state == .delivered, "a settled scan comes back wrong: \(done)")
        } else {
            r.fail("a settled scan seen again is \(settled)")
        }

        // Failed, then dropped again under another name: a deliberate retry of the same row, not a duplicate.
        guard let failing = try await admitNew(journal, r, Self.hash("b"), "/x/processing/c.png") else { return }
        try await journal.settle(failing.rowID, state: .failed, error: "connector down", timings: nil, now: t0)
        let dropped = try await journal.admit(
            hash: Self.hash("b"), path: "/x/processing/c2.png", originalPath: "/x/c2.png", rerunResumes: false,
            now: t0)
        if case .process(let again) = dropped {
            r.check(
                again.rowID == failing.rowID && again.path == "/x/processing/c2.png",
                "a failed scan dropped again was not taken at its new path: \(again)")
        } else {
            r.fail("a failed scan dropped again is \(dropped)")
        }
    }

    static func lease(_ journal: any Journal, _ r: Recorder) async throws {
        guard let entry = try await admitNew(journal, r, hash("c"), "/in/c.png") else { return }
        guard let a = try await journal.claim(entry.rowID, owner: "node-a", duration: 60, now: t0) else {
            r.fail("the first claim of a scan was refused")
            return
        }
        r.check(
            a.owner == "node-a" && a.scanRowID == entry.rowID && same(a.expires, t0 + 60),
            "the lease is not the one asked for: \(a)")
        r.check(
            try await journal.claim(entry.rowID, owner: "node-b", duration: 60, now: t0 + 1) == nil,
            "a second owner claimed a scan under a live lease")
        let again = try await journal.claim(entry.rowID, owner: "node-a", duration: 60, now: t0 + 2)
        r.check(again != nil && same(again?.expires, t0 + 62), "the holder could not claim its scan again")
        guard let renewed = try await journal.renewLease(a, duration: 60, now: t0 + 30) else {
            r.fail("the holder could not renew its live lease")
            return
        }
        r.check(same(renewed.expires, t0 + 90), "a renewed lease does not run from the renewal")
        r.check(
            try await journal.claim(entry.rowID, owner: "node-b", duration: 60, now: t0 + 80) == nil,
            "a renewed lease was taken before it ran out")

        // Run out: another owner takes it, and the old holder's renewal is refused.
        guard let b = try await journal.claim(entry.rowID, owner: "node-b", duration: 60, now: t0 + 91) else {
            r.fail("an expired lease could not be taken over")
            return
        }
        r.check(
            try await journal.renewLease(renewed, duration: 60, now: t0 + 92) == nil,
            "a worker renewed a lease another owner had taken over")
        r.check(try await journal.renewLease(b, duration: 60, now: t0 + 93) != nil, "the new holder cannot renew")
        // Nor can it settle: a worker cut off and back must not undo what the new holder does.
        r.check(
            try await !journal.settle(holding: renewed, state: .failed, error: "late", timings: nil, now: t0 + 93),
            "a worker whose lease was taken over settled the scan")
        r.check(
            try await journal.entry(rowID: entry.rowID)?.state != .failed, "a refused settle changed the scan's state")

        // Settling ends the lease: the work it covered is over.
        try await journal.settle(entry.rowID, state: .claimed, error: "handed back", timings: nil, now: t0 + 94)
        r.check(try await journal.renewLease(b, duration: 60, now: t0 + 95) == nil, "a lease outlived settling")
        r.check(
            try await journal.claim(entry.rowID, owner: "node-a", duration: 60, now: t0 + 96) != nil,
            "a handed-back scan cannot be claimed again")

        // Leases are per scan.
        guard let other = try await admitNew(journal, r, hash("d"), "/in/d.png") else { return }
        r.check(
            try await journal.claim(other.rowID, owner: "node-b", duration: 60, now: t0 + 97) != nil,
            "a lease on one scan kept another scan from being claimed")
        r.check(
            await r.refuses { _ = try await journal.claim(987_654, owner: "node-a", duration: 60, now: t0) },
            "claiming a scan that does not exist did not fail")
    }

    static func writesHoldingLease(_ journal: any Journal, _ r: Recorder) async throws {
        guard let entry = try await admitNew(journal, r, hash("h"), "/in/h.png") else { return }
        guard let a = try await journal.claim(entry.rowID, owner: "node-a#1", duration: 60, now: t0) else {
            r.fail("the first claim of a scan was refused")
            return
        }
        r.check(try await journal.beginReading(holding: a, now: t0 + 1), "the holder could not begin reading")
        r.check(
            try await journal.recordRead(
                holding: a, workflow: "w", pages: 1, maskedRecords: "[\"a\"]", timings: ["read": 5], forReview: [:],
                now: t0 + 2), "the holder could not record what it read")
        let planned = [(connection: "core", key: "h-0"), (connection: "core", key: "h-1")]
        let first = try await journal.planDeliveries(holding: a, planned, movingTo: .delivering, now: t0 + 3)
        r.check(
            first == [], "the holder's plan was refused or reports confirmed deliveries: \(String(describing: first))")
        r.check(
            try await journal.recordDelivery(
                holding: a, connection: "core", key: "h-0", status: .delivered, receipt: "r-0", detail: nil,
                now: t0 + 4), "the holder could not record a delivery")
        var scan = try await journal.entry(rowID: entry.rowID)
        r.check(
            scan?.state == .delivering && scan?.attempts == 1 && scan?.records == "[\"a\"]",
            "the holder's writes did not all land: \(String(describing: scan))")

        // The lease runs out and another worker takes the scan over: every late write of the old holder is refused
        // and changes nothing.
        guard let b = try await journal.claim(entry.rowID, owner: "node-b#1", duration: 60, now: t0 + 61) else {
            r.fail("an expired lease could not be taken over")
            return
        }
        r.check(
            try await !journal.beginReading(holding: a, now: t0 + 62),
            "a worker whose lease was taken over began reading again")
        r.check(
            try await !journal.recordRead(
                holding: a, workflow: "late", pages: 9, maskedRecords: "[\"late\"]", timings: [:], forReview: [:],
                now: t0 + 63), "a worker whose lease was taken over recorded what it read")
        let late = try await journal.planDeliveries(
            holding: a, [(connection: "core", key: "h-9")], movingTo: .delivering, now: t0 + 64)
        r.check(late == nil, "a worker whose lease was taken over planned deliveries: \(String(describing: late))")
        r.check(
            try await !journal.recordDelivery(
                holding: a, connection: "core", key: "h-1", status: .failed, receipt: nil, detail: "late", now: t0 + 65),
            "a worker whose lease was taken over recorded a delivery")
        scan = try await journal.entry(rowID: entry.rowID)
        r.check(
            scan?.state == .delivering && scan?.attempts == 1 && scan?.records == "[\"a\"]" && scan?.workflow == "w"
                && same(scan?.updatedAt, t0 + 3), "refused late writes changed the scan: \(String(describing: scan))")
        var rows = try await journal.deliveries(of: entry.rowID)
        r.check(
            rows.map(\.idempotencyKey) == ["h-0", "h-1"] && rows.map(\.status) == [.delivered, .pending]
                && rows.last?.attempts == 0, "refused late writes changed the deliveries: \(rows)")

        // The new holder goes on: it finds the confirmed delivery and records its own answer.
        r.check(try await journal.beginReading(holding: b, now: t0 + 66), "the new holder could not begin reading")
        let again = try await journal.planDeliveries(holding: b, planned, movingTo: .delivering, now: t0 + 67)
        r.check(
            again == [DeliveryEntry.identity(connection: "core", key: "h-0")],
            "the new holder's plan does not report the confirmed delivery: \(String(describing: again))")
        r.check(
            try await journal.recordDelivery(
                holding: b, connection: "core", key: "h-1", status: .delivered, receipt: "r-1", detail: nil,
                now: t0 + 68), "the new holder could not record its delivery")
        rows = try await journal.deliveries(of: entry.rowID)
        r.check(rows.map(\.status) == [.delivered, .delivered], "the new holder's delivery was not recorded: \(rows)")

        // Settled: nobody's lease holds any more.
        r.check(
            try await journal.settle(holding: b, state: .delivered, error: nil, timings: nil, now: t0 + 69),
            "the new holder could not settle")
        r.check(
            try await !journal.beginReading(holding: b, now: t0 + 70), "a worker began reading a scan settled since")
        let afterSettling = try await journal.planDeliveries(holding: b, planned, movingTo: .delivering, now: t0 + 70)
        r.check(afterSettling == nil, "a worker planned deliveries of a scan settled since")
        r.check(try await journal.entry(rowID: entry.rowID)?.state == .delivered, "a refused write undid settling")

        // A lease that ran out but that nobody took is still its owner's (as for `settle(holding:)`).
        guard let other = try await admitNew(journal, r, hash("i"), "/in/i.png"),
            let c = try await journal.claim(other.rowID, owner: "node-c#1", duration: 10, now: t0 + 100)
        else {
            r.fail("a second scan could not be claimed")
            return
        }
        r.check(
            try await journal.beginReading(holding: c, now: t0 + 200),
            "a lease that ran out but that nobody took does not hold")
    }

    static func delivery(_ journal: any Journal, _ r: Recorder) async throws {
        guard let entry = try await admitNew(journal, r, hash("e"), "/in/e.png") else { return }
        try await journal.beginReading(entry.rowID, now: t0 + 1)
        var now = try await journal.entry(rowID: entry.rowID)
        r.check(now?.state == .reading && now?.attempts == 1, "beginReading: \(String(describing: now))")
        r.check(same(now?.stateSince, t0 + 1), "beginReading does not move stateSince")

        try await journal.recordRead(
            entry.rowID, workflow: "w", pages: 2, maskedRecords: "[]", timings: ["read": 12], forReview: [:],
            now: t0 + 2)
        now = try await journal.entry(rowID: entry.rowID)
        r.check(
            now?.state == .read && now?.workflow == "w" && now?.pages == 2 && now?.records == "[]"
                && now?.timings == ["read": 12], "recordRead: \(String(describing: now))")

        let planned = [(connection: "core", key: "k-0"), (connection: "core", key: "k-1")]
        let first = try await journal.planDeliveries(entry.rowID, planned, movingTo: .delivering, now: t0 + 3)
        r.check(first.isEmpty, "a first plan reports deliveries as confirmed: \(first)")
        r.check(try await journal.entry(rowID: entry.rowID)?.state == .delivering, "planning does not move on")
        var rows = try await journal.deliveries(of: entry.rowID)
        r.check(
            rows.map(\.status) == [.pending, .pending] && rows.map(\.idempotencyKey) == ["k-0", "k-1"],
            "planned deliveries are not pending, by key: \(rows)")

        try await journal.recordDelivery(
            connection: "core", key: "k-0", status: .delivered, receipt: "r-1", detail: nil, now: t0 + 4)
        // A crash here: the scan is planned again on resumption, and the confirmed delivery must not be resent.
        let again = try await journal.planDeliveries(entry.rowID, planned, movingTo: .delivering, now: t0 + 5)
        r.check(
            again == [DeliveryEntry.identity(connection: "core", key: "k-0")],
            "planning again does not report exactly the confirmed delivery: \(again)")
        rows = try await journal.deliveries(of: entry.rowID)
        r.check(rows.count == 2, "planning again made \(rows.count) delivery rows for 2 keys")
        r.check(
            rows.first?.status == .delivered && rows.first?.receipt == "r-1" && rows.first?.attempts == 1,
            "a confirmed delivery was changed by planning again: \(String(describing: rows.first))")

        try await journal.recordDelivery(
            connection: "core", key: "k-1", status: .rejected, receipt: nil, detail: "bad kana", now: t0 + 6)
        try await journal.recordDelivery(
            connection: "core", key: "never-planned", status: .delivered, receipt: nil, detail: nil, now: t0 + 6)
        rows = try await journal.deliveries(of: entry.rowID)
        r.check(
            rows.map(\.status) == [.delivered, .rejected] && rows.last?.detail == "bad kana",
            "recorded answers are not kept per key: \(rows)")

        // The review station plans without moving the scan.
        _ = try await journal.planDeliveries(entry.rowID, [("other", "k-2")], movingTo: nil, now: t0 + 7)
        r.check(try await journal.entry(rowID: entry.rowID)?.state == .delivering, "movingTo: nil moved the scan")

        try await journal.settle(
            entry.rowID, state: .rejected, error: "core rejected", timings: ["read": 12, "deliver": 3], now: t0 + 8)
        now = try await journal.entry(rowID: entry.rowID)
        r.check(
            now?.state == .rejected && now?.error == "core rejected" && now?.timings["deliver"] == 3
                && same(now?.stateSince, t0 + 8), "settle: \(String(describing: now))")
        try await journal.settle(entry.rowID, state: .delivered, error: nil, timings: nil, now: t0 + 9)
        now = try await journal.entry(rowID: entry.rowID)
        r.check(now?.error == nil && now?.timings["deliver"] == 3, "settling without timings lost them or the error")
    }

    static func retryAndRequeue(_ journal: any Journal, _ r: Recorder) async throws {
        guard let entry = try await admitNew(journal, r, hash("f"), "/in/f.png") else { return }
        try await journal.beginReading(entry.rowID, now: t0)
        r.check(await r.refuses { try await journal.retry(entry.rowID, now: t0) }, "a scan in flight was retried")
        _ = try await journal.planDeliveries(
            entry.rowID, [("core", "k-0"), ("core", "k-1")], movingTo: .delivering, now: t0)
        try await journal.recordDelivery(
            connection: "core", key: "k-0", status: .delivered, receipt: nil, detail: nil, now: t0)
        try await journal.recordDelivery(
            connection: "core", key: "k-1", status: .failed, receipt: nil, detail: "down", now: t0)
        try await journal.settle(entry.rowID, state: .failed, error: "down", timings: nil, now: t0)

        try await journal.retry(entry.rowID, now: t0 + 1)
        var now = try await journal.entry(rowID: entry.rowID)
        r.check(
            now?.state == .claimed && now?.error == nil && now?.attempts == 1,
            "retry: \(String(describing: now))")
        let rows = try await journal.deliveries(of: entry.rowID)
        r.check(rows.map(\.status) == [.delivered, .pending], "retry did not make only the failed delivery pending")

        try await journal.settle(entry.rowID, state: .delivered, error: nil, timings: nil, now: t0 + 2)
        r.check(await r.refuses { try await journal.retry(entry.rowID, now: t0 + 3) }, "a delivered scan was retried")
        try await journal.requeue(entry.rowID, now: t0 + 3)
        now = try await journal.entry(rowID: entry.rowID)
        r.check(now?.state == .claimed && now?.attempts == 0, "requeue: \(String(describing: now))")
        r.check(
            try await journal.deliveries(of: entry.rowID).first?.status == .delivered,
            "requeue forgot a confirmed delivery")

        let dup = try await journal.admit(
            hash: hash("f"), path: "/in/f2.png", originalPath: "/in/f2.png", rerunResumes: false, now: t0)
        if case .duplicate(let row, _) = dup {
            r.check(await r.refuses { try await journal.requeue(row.rowID, now: t0) }, "a duplicate was requeued")
        }
        r.check(await r.refuses { try await journal.retry(987_654, now: t0) }, "retrying no scan did not fail")
    }

    static func review(_ journal: any Journal, _ r: Recorder) async throws {
        guard let entry = try await admitNew(journal, r, hash("1"), "/in/r.png") else { return }
        func record(_ index: Int, _ name: String) -> FormRecord {
            FormRecord(
                workflow: "w", scanID: hash("1"), index: index, pages: [0],
                fields: [FieldResult(path: "claimant.name", type: "text", raw: name, value: .text(name))])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        try await journal.beginReading(entry.rowID, now: t0)
        try await journal.recordRead(
            entry.rowID, workflow: "w", pages: 1, maskedRecords: try json([record(0, "*"), record(1, "*")]),
            timings: [:], forReview: [0: try json(record(0, "山田")), 1: try json(record(1, "佐藤"))], now: t0)
        try await journal.settle(entry.rowID, state: .inReview, error: nil, timings: nil, now: t0)

        let kept = try await journal.reviewRecords(of: entry.rowID)
        r.check(
            kept.map(\.index) == [0, 1] && kept.allSatisfy { $0.status == .waiting },
            "records for review are not kept waiting, by index: \(kept)")
        r.check(kept.first?.record == record(0, "山田"), "a record for review is not kept whole")
        let inReview = try await journal.entry(rowID: entry.rowID)!
        r.check(
            await r.refuses { _ = try await journal.reviewRecord(of: inReview, index: nil) },
            "two open records did not ask for a choice")
        r.check(try await journal.reviewRecord(of: inReview, index: 1).index == 1, "record 1 not found by index")

        let accepted = ReviewAuditEntry(
            scanRowID: entry.rowID, recordIndex: 0, action: .accept, reviewer: "tanaka",
            changes: [ReviewChange(field: "claimant.name", before: "山田", after: "山田太郎")], outcome: .delivered,
            detail: nil, at: t0 + 10)
        let afterAccept = try await journal.settleReview(accepted, maskedRecord: record(0, "masked"), now: t0 + 10)
        r.check(afterAccept == .inReview, "with a record still waiting the scan is \(afterAccept)")
        var records = try await journal.reviewRecords(of: entry.rowID)
        r.check(
            records.first?.status == .delivered && records.first?.record == nil,
            "a delivered record keeps its clear copy or status: \(String(describing: records.first))")
        let masked = try await journal.entry(rowID: entry.rowID)?.records ?? ""
        r.check(masked.contains("masked"), "the masked copy of the delivered record was not stored")

        let dismissed = ReviewAuditEntry(
            scanRowID: entry.rowID, recordIndex: 1, action: .reject, reviewer: "suzuki", changes: [],
            outcome: .dismissed, detail: "not a claim", at: t0 + 11)
        let afterReject = try await journal.settleReview(dismissed, maskedRecord: nil, now: t0 + 11)
        r.check(afterReject == .rejected, "a scan with a dismissed record is \(afterReject), not rejected")
        let scan = try await journal.entry(rowID: entry.rowID)
        r.check(
            scan?.state == .rejected && (scan?.error ?? "").contains("suzuki"),
            "the scan does not say who rejected it: \(String(describing: scan))")
        records = try await journal.reviewRecords(of: entry.rowID)
        r.check(records.last?.status == .dismissed && records.last?.record == nil, "a dismissed record is kept")
        let audit = try await journal.reviewAudit(of: entry.rowID)
        r.check(
            audit.map(\.reviewer) == ["tanaka", "suzuki"] && audit.first?.changes == accepted.changes
                && audit.last?.outcome == .dismissed && same(audit.first?.at, t0 + 10),
            "the audit trail is not every decision, oldest first: \(audit)")
    }

    static func reviewLeases(_ journal: any Journal, _ r: Recorder) async throws {
        // Two users racing for one record, many times over: exactly one gets it each time.
        for scan in Int64(1)...Int64(20) {
            async let a = journal.claimReviewRecord(
                scan: scan, index: 0, user: "yamada", node: "node-a", for: 600, now: t0)
            async let b = journal.claimReviewRecord(
                scan: scan, index: 0, user: "suzuki", node: "node-b", for: 600, now: t0)
            let (forA, forB) = try await (a, b)
            r.check(
                (forA == nil) != (forB == nil) && (forA ?? forB).map { ["yamada", "suzuki"].contains($0) } == true,
                "two users racing for record \(scan)/0: \(String(describing: forA)), \(String(describing: forB))")
        }
        let key = ReviewRecordKey(scan: 100, index: 1)
        var holder = try await journal.claimReviewRecord(
            scan: 100, index: 1, user: "yamada", node: "node-a", for: 600, now: t0)
        r.check(holder == nil, "a free record was not given: \(String(describing: holder))")
        holder = try await journal.claimReviewRecord(
            scan: 100, index: 1, user: "suzuki", node: "node-b", for: 600, now: t0 + 10)
        r.check(holder == "yamada", "another user's live lease does not name its holder: \(String(describing: holder))")
        r.check(
            try await journal.claimReviewRecord(
                scan: 100, index: 2, user: "suzuki", node: "node-b", for: 600, now: t0 + 10) == nil,
            "another record of the same scan is not free")
        // The same user, from another node, extends it.
        holder = try await journal.claimReviewRecord(
            scan: 100, index: 1, user: "yamada", node: "node-b", for: 600, now: t0 + 500)
        r.check(holder == nil, "the holder could not extend the lease: \(String(describing: holder))")
        holder = try await journal.claimReviewRecord(
            scan: 100, index: 1, user: "suzuki", node: "node-b", for: 600, now: t0 + 650)
        r.check(holder == "yamada", "an extended lease ran out at its first expiry: \(String(describing: holder))")
        var holders = try await journal.reviewLeaseHolders(now: t0 + 650)
        r.check(holders[key] == "yamada", "the lease holders do not list the lease: \(holders)")
        // Expired: whoever asks gets it, and the old holder is no longer listed.
        holders = try await journal.reviewLeaseHolders(now: t0 + 1101)
        r.check(holders[key] == nil, "an expired lease is still listed: \(holders)")
        holder = try await journal.claimReviewRecord(
            scan: 100, index: 1, user: "suzuki", node: "node-b", for: 600, now: t0 + 1101)
        r.check(holder == nil, "an expired lease was not taken over: \(String(describing: holder))")
        // Released by its holder only; at logout, every record of the user.
        try await journal.releaseReviewRecord(scan: 100, index: 1, user: "yamada")
        holders = try await journal.reviewLeaseHolders(now: t0 + 1102)
        r.check(holders[key] == "suzuki", "a user released another's lease: \(holders)")
        try await journal.releaseReviewRecord(scan: 100, index: 1, user: "suzuki")
        holders = try await journal.reviewLeaseHolders(now: t0 + 1102)
        r.check(holders[key] == nil, "a released lease is still held: \(holders)")
        r.check(
            try await journal.claimReviewRecord(
                scan: 100, index: 1, user: "yamada", node: "node-a", for: 600, now: t0 + 1103) == nil,
            "a released record is not free")
        try await journal.releaseReviewRecords(of: "suzuki")
        holders = try await journal.reviewLeaseHolders(now: t0 + 1104)
        r.check(
            holders[ReviewRecordKey(scan: 100, index: 2)] == nil && holders[key] == "yamada",
            "logging out did not give back exactly the user's records: \(holders)")
    }

    static func doubleEntries(_ journal: any Journal, _ r: Recorder) async throws {
        guard let entry = try await admitNew(journal, r, hash("d"), "/in/d.png") else { return }
        let records = (0..<3).map { index in
            FormRecord(
                workflow: "w", scanID: hash("d"), index: index, pages: [0],
                fields: [FieldResult(path: "account.number", type: "text", raw: "1234567", value: .text("1234567"))])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        try await journal.beginReading(entry.rowID, now: t0)
        try await journal.recordRead(
            entry.rowID, workflow: "w", pages: 1, maskedRecords: try json(records), timings: [:],
            forReview: [0: try json(records[0]), 1: try json(records[1]), 2: try json(records[2])], now: t0)
        try await journal.settle(entry.rowID, state: .inReview, error: nil, timings: nil, now: t0)
        let row = entry.rowID

        let first = ReviewDoubleEntry(
            round: 1, user: "yamada", keyed: ["account.number": "7654321"], corrections: ["claimant.name": "山田"])
        let second = ReviewDoubleEntry(round: 2, user: "suzuki", keyed: ["account.number": "7654320"], corrections: [:])
        try await journal.addDoubleEntry(first, scan: row, index: 0, now: t0 + 1)
        try await journal.addDoubleEntry(second, scan: row, index: 0, now: t0 + 2)
        try await journal.addDoubleEntry(first, scan: row, index: 1, now: t0 + 3)
        try await journal.addDoubleEntry(first, scan: row, index: 2, now: t0 + 3)
        var kept = try await journal.doubleEntries(scan: row, index: 0)
        r.check(kept == [first, second], "the blind entries are not kept whole, by round: \(kept)")
        let states = try await journal.doubleEntryStates()
        r.check(
            states[ReviewRecordKey(scan: row, index: 0)] == ReviewDoubleEntryState(count: 2, first: "yamada")
                && states[ReviewRecordKey(scan: row, index: 1)] == ReviewDoubleEntryState(count: 1, first: "yamada"),
            "where the blind entries stand: \(states)")

        // Accepted and delivered: the entries (typed values in clear) are dropped with the decision.
        _ = try await journal.settleReview(
            ReviewAuditEntry(
                scanRowID: row, recordIndex: 0, action: .accept, reviewer: "sato", changes: [], outcome: .delivered,
                detail: nil, at: t0 + 5), maskedRecord: nil, now: t0 + 5)
        kept = try await journal.doubleEntries(scan: row, index: 0)
        r.check(kept.isEmpty, "a delivered record keeps its blind entries: \(kept)")
        // A delivery that failed leaves the record open: its entries stay until it is settled or cleared.
        _ = try await journal.settleReview(
            ReviewAuditEntry(
                scanRowID: row, recordIndex: 1, action: .accept, reviewer: "suzuki", changes: [], outcome: .failed,
                detail: "timeout", at: t0 + 6), maskedRecord: nil, now: t0 + 6)
        r.check(
            try await journal.doubleEntries(scan: row, index: 1).count == 1,
            "an open record lost its blind entry")
        try await journal.clearDoubleEntries(scan: row, index: 1)
        r.check(try await journal.doubleEntries(scan: row, index: 1).isEmpty, "cleared blind entries are kept")
        // Dismissed: dropped too.
        try await journal.addDoubleEntry(first, scan: row, index: 1, now: t0 + 7)
        _ = try await journal.settleReview(
            ReviewAuditEntry(
                scanRowID: row, recordIndex: 1, action: .reject, reviewer: "sato", changes: [], outcome: .dismissed,
                detail: "not a claim", at: t0 + 8), maskedRecord: nil, now: t0 + 8)
        r.check(try await journal.doubleEntries(scan: row, index: 1).isEmpty, "a dismissed record keeps its entries")
        // Read again (requeued): what was left for review is replaced, and the entries for it go.
        r.check(try await journal.doubleEntries(scan: row, index: 2).count == 1, "an entry of record 2 was lost")
        try await journal.recordRead(
            row, workflow: "w", pages: 1, maskedRecords: try json(records), timings: [:],
            forReview: [2: try json(records[2])], now: t0 + 9)
        r.check(try await journal.doubleEntries(scan: row, index: 2).isEmpty, "a scan read again keeps old entries")
        r.check(try await journal.doubleEntryStates().isEmpty, "blind entries left over")
    }

    static func reviewQueue(_ journal: any Journal, _ r: Recorder) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func record(_ workflow: String, _ scan: String, _ index: Int) -> FormRecord {
            FormRecord(
                workflow: workflow, scanID: scan, index: index, pages: [0],
                fields: [FieldResult(path: "claimant.name", type: "text", raw: "山田", value: .text("山田"))])
        }
        /// A scan read by `workflow` whose records `indexes` wait for review since `since`.
        func inReview(_ character: Character, _ workflow: String, _ indexes: [Int], since: Date) async throws -> Int64 {
            let hash = hash(character)
            guard let entry = try await admitNew(journal, r, hash, "/in/q\(character).png", at: since - 1) else {
                return -1
            }
            try await journal.beginReading(entry.rowID, now: since - 1)
            var forReview: [Int: String] = [:]
            for index in indexes {
                forReview[index] = String(decoding: try encoder.encode(record(workflow, hash, index)), as: UTF8.self)
            }
            try await journal.recordRead(
                entry.rowID, workflow: workflow, pages: 1, maskedRecords: "[]", timings: [:], forReview: forReview,
                now: since - 1)
            try await journal.settle(entry.rowID, state: .inReview, error: nil, timings: nil, now: since)
            return entry.rowID
        }
        func settle(_ scan: Int64, outcome: ReviewRecordEntry.Status, at: Date) async throws {
            _ = try await journal.settleReview(
                ReviewAuditEntry(
                    scanRowID: scan, recordIndex: 0, action: .accept, reviewer: "tanaka", changes: [],
                    outcome: outcome, detail: nil, at: at),
                maskedRecord: nil, now: at)
        }
        let b = try await inReview("b", "w2", [0], since: t0 + 10)
        let a = try await inReview("a", "w1", [0, 1], since: t0 + 20)
        let c = try await inReview("c", "w1", [0], since: t0 + 30)
        let delivered = try await inReview("e", "w1", [0], since: t0 + 5)
        try await settle(delivered, outcome: .delivered, at: t0 + 40)
        // A scan that failed before anything was kept for review is not in the queue.
        if let failed = try await admitNew(journal, r, hash("f"), "/in/qf.png", at: t0) {
            try await journal.settle(failed.rowID, state: .failed, error: "unreadable", timings: nil, now: t0 + 1)
        }
        // An accepted record whose delivery failed may be accepted again: it stays open, since its scan failed.
        try await settle(c, outcome: .failed, at: t0 + 50)

        let queues = try await journal.reviewQueues()
        r.check(
            queues.map(\.workflow) == ["w2", "w1"] && queues.map(\.count) == [1, 3]
                && same(queues.first?.oldest, t0 + 10) && same(queues.last?.oldest, t0 + 20),
            "the queues are not w2 (1, since t0+10) then w1 (3, since t0+20): \(queues)")
        func keys(_ page: [OpenReviewRecord]) -> [String] { page.map { "\($0.scan.rowID)/\($0.record.index)" } }
        let all = try await journal.openReviewRecords(workflow: nil, offset: 0, limit: 10)
        r.check(
            keys(all) == ["\(b)/0", "\(a)/0", "\(a)/1", "\(c)/0"],
            "the open records are not listed oldest first, by scan and index: \(keys(all))")
        r.check(
            all.first?.record.record == record("w2", hash("b"), 0) && all.first?.record.status == .waiting
                && same(all.first?.since, t0 + 10) && all.last?.record.status == .failed
                && all.last?.scan.state == .failed,
            "an open record does not come whole, with its status and its scan: \(String(describing: all.first))")
        let first = try await journal.openReviewRecords(workflow: "w1", offset: 0, limit: 2)
        let second = try await journal.openReviewRecords(workflow: "w1", offset: 2, limit: 2)
        r.check(
            keys(first) == ["\(a)/0", "\(a)/1"] && keys(second) == ["\(c)/0"],
            "w1's records are not paged oldest first: \(keys(first)) then \(keys(second))")
        r.check(
            try await journal.openReviewRecords(workflow: "none", offset: 0, limit: 10).isEmpty,
            "a workflow without open records lists some")
        try await settle(b, outcome: .dismissed, at: t0 + 60)
        r.check(
            try await journal.reviewQueues().map(\.workflow) == ["w1"],
            "a queue whose last record was dismissed is still listed")
    }

    static func queries(_ journal: any Journal, _ r: Recorder) async throws {
        guard let old = try await admitNew(journal, r, hash("2"), "/in/old.png", at: t0),
            let fresh = try await admitNew(journal, r, hash("3"), "/in/fresh.png", at: t0 + 3000),
            let done = try await admitNew(journal, r, hash("4"), "/in/done.png", at: t0)
        else { return }
        try await journal.beginReading(old.rowID, now: t0)
        try await journal.beginReading(fresh.rowID, now: t0 + 3000)
        try await journal.settle(done.rowID, state: .delivered, error: nil, timings: nil, now: t0 + 3500)
        _ = try await journal.admit(
            hash: hash("4"), path: "/in/done-copy.png", originalPath: "/in/done-copy.png", rerunResumes: false,
            now: t0 + 3600)

        let counts = try await journal.counts()
        r.check(counts == [.reading: 2, .delivered: 1, .duplicate: 1], "counts: \(counts)")
        let all = try await journal.count(state: nil)
        let reading = try await journal.count(state: .reading)
        r.check(all == 4 && reading == 2, "count is not per state: \(all) in all, \(reading) reading")
        let stuck = try await journal.stuck(olderThan: 3600, now: t0 + 4000)
        r.check(stuck.map(\.rowID) == [old.rowID], "stuck is not exactly the old in-flight scan: \(stuck)")
        r.check(
            try await journal.list(state: .reading, limit: 10).map(\.rowID) == [fresh.rowID, old.rowID],
            "list of a state is not newest first")
        r.check(try await journal.list(state: nil, limit: 2).count == 2, "list ignores its limit")
        r.check(try await journal.entry(rowID: 987_654) == nil, "an unknown row has an entry")

        let byHash = try await journal.entries(matching: String(hash("4").prefix(6)))
        r.check(
            byHash.map(\.state) == [.delivered, .duplicate], "by hash prefix, the original is not first: \(byHash)")
        r.check(try await journal.entries(matching: "/in/old.png").map(\.rowID) == [old.rowID], "by path")
        r.check(try await journal.entries(matching: "/in/nothing.png").isEmpty, "an unknown path names a scan")
    }

    static func inputs(_ journal: any Journal, _ r: Recorder) async throws {
        guard let scan = try await admitNew(journal, r, hash("5"), "/inbox/processing/a.png") else { return }
        let first = try await journal.recordInput(
            InputSighting(
                path: "/inbox/a.png", location: "/inbox/processing/a.png", size: 10, scanRowID: scan.rowID,
                outcome: .scan(.claimed), reason: nil),
            now: t0)
        r.check(
            first.sightings == 1 && first.scanRowID == scan.rowID && first.hash == hash("5"),
            "a first sighting: \(first)")
        let second = try await journal.recordInput(
            InputSighting(
                path: "/inbox/a.png", location: "/inbox/processing/a.png", size: 10, scanRowID: scan.rowID,
                outcome: .scan(.delivered), reason: nil),
            now: t0 + 1)
        r.check(
            second.rowID == first.rowID && second.sightings == 2 && second.outcome == .scan(.delivered)
                && same(second.firstSeen, t0) && same(second.lastSeen, t0 + 1),
            "the same path with the same scan is not one row seen twice: \(second)")
        let refused = try await journal.recordInput(
            InputSighting(path: "/inbox/empty.png", size: 0, scanRowID: nil, outcome: .refused, reason: "empty"),
            now: t0 + 2)
        r.check(
            refused.scanRowID == nil && refused.outcome == .refused && refused.reason == "empty"
                && refused.location == "/inbox/empty.png", "a refused path: \(refused)")

        // The file moves to its outcome folder; the input that left it there follows.
        try await journal.move(scan.rowID, to: "/inbox/done/a.png", now: t0 + 3)
        r.check(try await journal.entry(rowID: scan.rowID)?.path == "/inbox/done/a.png", "move did not move the scan")
        let named = try await journal.inputs(matching: "/inbox/a.png")
        r.check(named.map(\.location) == ["/inbox/done/a.png"], "the input row did not follow the move: \(named)")
        r.check(
            try await journal.inputs(matching: "/inbox/done/a.png").map(\.rowID) == [first.rowID],
            "an input is not found where its file was left")
        r.check(
            try await journal.inputs(matching: String(hash("5").prefix(8))).map(\.rowID) == [first.rowID],
            "inputs are not found by hash prefix")
        r.check(try await journal.inputs(ofScan: scan.rowID).map(\.rowID) == [first.rowID], "inputs(ofScan:)")
        r.check(
            try await journal.entries(matching: "/inbox/a.png").map(\.rowID) == [scan.rowID],
            "a scan is not found by the path it was dropped at")
        r.check(
            try await journal.listInputs(outcome: .refused, limit: 10).map(\.rowID) == [refused.rowID],
            "listInputs of refused")
        r.check(
            try await journal.listInputs(outcome: nil, limit: 10).map(\.rowID) == [refused.rowID, first.rowID],
            "listInputs is not most recently seen first")
        let inputCount = try await journal.countInputs(outcome: nil)
        let refusedCount = try await journal.countInputs(outcome: .refused)
        r.check(inputCount == 2 && refusedCount == 1, "countInputs: \(inputCount) in all, \(refusedCount) refused")
    }

    static func jobs(_ journal: any Journal, _ r: Recorder) async throws {
        r.check(try await journal.lastJobStart("nightly") == nil, "a job never run has a last start")
        try await journal.recordJobRun("nightly", started: t0, finished: nil, status: nil)
        try await journal.recordJobRun("nightly", started: nil, finished: t0 + 5, status: "ok")
        r.check(same(try await journal.lastJobStart("nightly"), t0), "the last start is not the one recorded")
        try await journal.recordJobRun("nightly", started: t0 + 86_400, finished: nil, status: nil)
        r.check(same(try await journal.lastJobStart("nightly"), t0 + 86_400), "a later start does not replace it")
        r.check(try await journal.lastJobStart("other") == nil, "job runs are not per job")

        // A tick goes to one node: the first to claim it.
        let tick = t0 + 3600
        r.check(try await journal.claimJobTick("nightly", tick: tick, node: "a", now: t0), "a new tick was refused")
        r.check(
            try await journal.claimJobTick("nightly", tick: tick, node: "b", now: t0) == false,
            "a second node got a tick already claimed")
        r.check(
            try await journal.claimJobTick("nightly", tick: tick, node: "a", now: t0) == false,
            "a tick was claimed twice by its node")
        r.check(
            try await journal.claimJobTick("nightly", tick: tick + 86_400, node: "b", now: t0),
            "the next tick was refused")
        r.check(try await journal.claimJobTick("other", tick: tick, node: "b", now: t0), "ticks are not per job")
    }

    static func cancelledWrites(_ journal: any Journal, _ r: Recorder) async throws {
        guard let entry = try await admitNew(journal, r, hash("6"), "/in/g.png") else { return }
        try await journal.beginReading(entry.rowID, now: t0)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await journal.settle(
                entry.rowID, state: .claimed, error: "interrupted by shutdown; will be resumed", timings: nil,
                now: t0 + 1)
        }
        do {
            try await task.value
        } catch {
            r.fail("a write from a cancelled task failed: \(error)")
        }
        r.check(
            try await journal.entry(rowID: entry.rowID)?.state == .claimed,
            "a scan handed back from a cancelled task was not journaled")
    }

    static func nodes(_ journal: any Journal, _ r: Recorder) async throws {
        let a = NodeIdentity(name: nil, host: "host-a", pid: 101, started: t0, heartbeatInterval: 10)
        let b = NodeIdentity(name: nil, host: "host-b", pid: 202, started: t0, heartbeatInterval: 10)
        try await journal.registerNode(a, now: t0)
        try await journal.registerNode(b, now: t0)
        guard let first = try await admitNew(journal, r, hash("n"), "/in/n1.png") else { return }
        guard let held = try await journal.claim(first.rowID, owner: a.ownerPrefix + "w1", duration: 600, now: t0)
        else {
            r.fail("a registered node could not claim a scan")
            return
        }
        try await journal.heartbeat(a.id, scansDone: 3, holding: 1, now: t0 + 5)
        let listed = try await journal.nodes(now: t0 + 6)
        r.check(Set(listed.map(\.id)) == [a.id, b.id], "the nodes listed are not the two registered: \(listed)")
        if let seenA = listed.first(where: { $0.id == a.id }) {
            r.check(
                seenA.host == "host-a" && seenA.pid == 101 && same(seenA.started, t0) && same(seenA.lastSeen, t0 + 5)
                    && seenA.scansDone == 3 && seenA.leases == 1 && seenA.isAlive(at: t0 + 6),
                "a node is not listed as it beat, holding its lease: \(seenA)")
        }
        r.check(
            try await journal.claim(first.rowID, owner: b.ownerPrefix + "w1", duration: 600, now: t0 + 20) == nil,
            "another node took the lease of a node that beats")
        // The review records its station holds, per node, beside its scans.
        _ = try await journal.claimReviewRecord(scan: 1, index: 0, user: "yamada", node: b.id, for: 30, now: t0 + 6)
        _ = try await journal.claimReviewRecord(scan: 1, index: 1, user: "yamada", node: b.id, for: 30, now: t0 + 6)
        _ = try await journal.claimReviewRecord(scan: 2, index: 0, user: "suzuki", node: a.id, for: 5, now: t0 + 6)
        var review = try await journal.nodes(now: t0 + 7)
        r.check(
            review.first { $0.id == b.id }?.reviewLeases == 2 && review.first { $0.id == a.id }?.reviewLeases == 1,
            "the review leases per node are not the ones held: \(review.map { ($0.id, $0.reviewLeases) })")
        review = try await journal.nodes(now: t0 + 12)
        r.check(
            review.first { $0.id == b.id }?.reviewLeases == 2 && review.first { $0.id == a.id }?.reviewLeases == 0,
            "an expired review lease is still counted: \(review.map { ($0.id, $0.reviewLeases) })")

        // Stopped (at its exit, or found gone by a neighbour): its lease is free at once.
        try await journal.retireNode(a.id, now: t0 + 21)
        let taken = try await journal.claim(first.rowID, owner: b.ownerPrefix + "w1", duration: 600, now: t0 + 22)
        r.check(taken != nil, "the lease of a stopped node was not free")
        r.check(
            try await journal.renewLease(held, duration: 600, now: t0 + 23) == nil,
            "a stopped node renewed a lease taken over")
        let afterStop = try await journal.nodes(now: t0 + 24).first { $0.id == a.id }
        r.check(
            afterStop?.stopped != nil && afterStop?.leases == 0 && afterStop?.isAlive(at: t0 + 24) == false,
            "a stopped node is not listed as stopped, holding nothing: \(String(describing: afterStop))")
        // A node found stopped that beats again was only cut off: it counts as running.
        try await journal.heartbeat(a.id, scansDone: 3, holding: 0, now: t0 + 25)
        r.check(
            try await journal.nodes(now: t0 + 26).first { $0.id == a.id }?.isAlive(at: t0 + 26) == true,
            "a node that beat again after being marked stopped is not running")

        // Silent: three beats missed (30 s at a 10 s beat), and its leases are free, long before they run out.
        guard let second = try await admitNew(journal, r, hash("m"), "/in/n2.png") else { return }
        try await journal.heartbeat(b.id, scansDone: 0, holding: 1, now: t0 + 30)
        _ = try await journal.claim(second.rowID, owner: b.ownerPrefix + "w2", duration: 600, now: t0 + 30)
        try await journal.heartbeat(a.id, scansDone: 3, holding: 0, now: t0 + 55)
        r.check(
            try await journal.claim(second.rowID, owner: a.ownerPrefix + "w2", duration: 600, now: t0 + 55) == nil,
            "a lease was taken from a node within its allowed missed beats")
        r.check(
            try await journal.claim(second.rowID, owner: a.ownerPrefix + "w2", duration: 600, now: t0 + 61) != nil,
            "the lease of a node silent for more than three beats was not free")

        // Restarted under the same name on the same host: the earlier process is stopped, its leases free.
        let old = NodeIdentity(name: "scanner-1", host: "host-c", pid: 300, started: t0, heartbeatInterval: 10)
        let new = NodeIdentity(name: "scanner-1", host: "host-c", pid: 301, started: t0 + 70, heartbeatInterval: 10)
        let other = NodeIdentity(name: "scanner-1", host: "host-d", pid: 300, started: t0, heartbeatInterval: 10)
        r.check(old.id != new.id, "two starts of one named node have the same id: \(old.id)")
        try await journal.registerNode(old, now: t0 + 60)
        try await journal.registerNode(other, now: t0 + 60)
        guard let third = try await admitNew(journal, r, hash("l"), "/in/n3.png") else { return }
        _ = try await journal.claim(third.rowID, owner: old.ownerPrefix + "w1", duration: 600, now: t0 + 60)
        try await journal.registerNode(new, now: t0 + 70)
        r.check(
            try await journal.claim(third.rowID, owner: new.ownerPrefix + "w1", duration: 600, now: t0 + 71) != nil,
            "a node restarted under its name did not get the lease of its earlier process at once")
        let afterRestart = try await journal.nodes(now: t0 + 72)
        r.check(
            afterRestart.first { $0.id == old.id }?.stopped != nil
                && afterRestart.first { $0.id == other.id }?.stopped == nil,
            "a restart stopped the wrong nodes: \(afterRestart)")
        r.check(
            NodeIdentity.nodeID(ofOwner: new.ownerPrefix + "x") == new.id
                && NodeIdentity.nodeID(ofOwner: "no-node") == nil,
            "a lease owner does not name its node")
    }

    static func queue(_ journal: any Journal, _ r: Recorder) async throws {
        let node = NodeIdentity(name: nil, host: "host-q", pid: 7, started: t0, heartbeatInterval: 10)
        try await journal.registerNode(node, now: t0)
        guard let queued = try await admitNew(journal, r, hash("q"), "/spool/q.png"),
            let elsewhere = try await admitNew(journal, r, hash("p"), "/in/p.png"),
            try await admitNew(journal, r, hash("o"), "/spool-other/o.png") != nil
        else { return }
        r.check(
            try await journal.claimable(under: "/spool", limit: 10, now: t0).map(\.rowID) == [queued.rowID],
            "the queue does not hold exactly the scan under the spool")
        _ = try await journal.claim(queued.rowID, owner: node.ownerPrefix + "w", duration: 600, now: t0)
        r.check(
            try await journal.claimable(under: "/spool", limit: 10, now: t0 + 1).isEmpty,
            "a scan a running node holds is still offered")
        r.check(
            try await journal.claimable(under: "/spool", limit: 10, now: t0 + 31).map(\.rowID) == [queued.rowID],
            "a scan held by a node silent for three beats is not offered again")
        try await journal.settle(queued.rowID, state: .delivered, error: nil, timings: nil, now: t0 + 32)
        r.check(
            try await journal.claimable(under: "/spool", limit: 10, now: t0 + 33).isEmpty,
            "a settled scan is still offered")
        r.check(
            try await journal.claimable(under: "/in/", limit: 10, now: t0 + 33).map(\.rowID) == [elsewhere.rowID],
            "the queue does not follow the folder it is asked for")
    }

    static func queueTaking(_ journal: any Journal, _ r: Recorder) async throws {
        let node = NodeIdentity(name: nil, host: "host-t", pid: 8, started: t0, heartbeatInterval: 10)
        try await journal.registerNode(node, now: t0)
        var queued: [ScanEntry] = []
        for (n, letter) in ["r", "s", "t"].enumerated() {
            guard let entry = try await admitNew(journal, r, hash(Character(letter)), "/spool/\(n).png") else { return }
            queued.append(entry)
        }
        guard let elsewhere = try await admitNew(journal, r, hash("u"), "/in/u.png") else { return }
        let owners = (0..<7).map { node.ownerPrefix + "w\($0)" }
        let first = try await journal.claimQueued(
            under: "/spool", owners: Array(owners[0..<2]), duration: 600, now: t0)
        r.check(
            first.map(\.entry.rowID) == [queued[0].rowID, queued[1].rowID],
            "two owners were not given the two oldest queued scans: \(first.map(\.entry.rowID))")
        r.check(
            first.map(\.lease.owner) == Array(owners[0..<2]) && first.map(\.lease.scanRowID) == first.map(\.entry.rowID)
                && first.allSatisfy { abs($0.lease.expires.timeIntervalSince(t0 + 600)) < 0.001 },
            "the taken scans' leases are not one per owner for the duration: \(first.map(\.lease))")
        r.check(
            first.first?.entry.path == "/spool/0.png" && first.first?.entry.state == .claimed,
            "a taken scan's row is not given as it is: \(String(describing: first.first?.entry))")
        let second = try await journal.claimQueued(
            under: "/spool", owners: Array(owners[2..<4]), duration: 600, now: t0 + 1)
        r.check(
            second.map(\.entry.rowID) == [queued[2].rowID],
            "a second worker was offered scans another holds: \(second.map(\.entry.rowID))")
        r.check(
            try await journal.claim(queued[0].rowID, owner: "another#w", duration: 600, now: t0 + 2) == nil,
            "a taken scan could be claimed by another owner")
        r.check(
            try await journal.renewLease(first[0].lease, duration: 600, now: t0 + 2) != nil,
            "the lease of a taken scan cannot be renewed by its owner")
        // Given up (renewed for no time): free at once.
        _ = try await journal.renewLease(first[1].lease, duration: 0, now: t0 + 3)
        let third = try await journal.claimQueued(under: "/spool", owners: [owners[4]], duration: 600, now: t0 + 4)
        r.check(
            third.map(\.entry.rowID) == [queued[1].rowID],
            "a scan whose lease was given up is not offered again: \(third.map(\.entry.rowID))")
        let none = try await journal.claimQueued(under: "/spool", owners: [], duration: 600, now: t0 + 5)
        let held = try await journal.claimQueued(under: "/spool", owners: [owners[5]], duration: 600, now: t0 + 5)
        r.check(none.isEmpty && held.isEmpty, "a queue whose scans are all held still gave one: \(none + held)")
        // A worker frees the leases under its names that none of its slots is on (a claim whose answer was lost):
        // w2's scan; not w0's or w4's, and not another node's.
        _ = try await journal.claim(elsewhere.rowID, owner: "another#w1", duration: 600, now: t0 + 5)
        try await journal.releaseLeases(ownedBy: node.ownerPrefix + "w", except: [owners[0], owners[4]])
        let freed = try await journal.claimQueued(under: "/spool", owners: [owners[5]], duration: 600, now: t0 + 6)
        r.check(
            freed.map(\.entry.rowID) == [queued[2].rowID],
            "a lease no slot works on was not freed, or one a slot works on was: \(freed.map(\.entry.rowID))")
        r.check(
            try await journal.claim(elsewhere.rowID, owner: owners[6], duration: 600, now: t0 + 6) == nil,
            "freeing a worker's leases freed another node's")
        r.check(
            try await journal.renewLease(first[0].lease, duration: 600, now: t0 + 6) != nil,
            "freeing a worker's stray leases took the one a slot works on")
        // The node falls silent for three beats: everything it held is offered again.
        let fourth = try await journal.claimQueued(
            under: "/spool", owners: ["other#1", "other#2", "other#3", "other#4"], duration: 600, now: t0 + 31)
        r.check(
            fourth.map(\.entry.rowID) == queued.map(\.rowID),
            "the scans of a silent node were not all offered again: \(fourth.map(\.entry.rowID))")
    }
}
