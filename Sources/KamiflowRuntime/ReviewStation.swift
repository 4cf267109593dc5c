import Foundation
import GRDB
import KamiflowCore
import Logging

/// A record a person has to decide on, as the journal keeps it for the review station.
public struct ReviewRecordEntry: Sendable, Hashable {
    public enum Status: String, Sendable, Codable {
        /// Waiting for a person.
        case waiting
        /// Accepted and confirmed by every core system it goes to.
        case delivered
        /// Accepted, but a core system refused it for good (a person may correct it and accept it again).
        case rejected
        /// Accepted, but delivery failed after the connection's retries (accept it again to retry).
        case failed
        /// The reviewer rejected the form: it cannot be processed.
        case dismissed

        /// Still open: a person may accept it (again).
        public var isOpen: Bool { self == .waiting || self == .failed || self == .rejected }
    }

    public var scanRowID: Int64
    /// The record's index within its scan (part of its idempotency key).
    public var index: Int
    public var status: Status
    /// The record as read, sensitive values included, while it is open; `nil` once delivered or dismissed.
    public var record: FormRecord?
    public var updatedAt: Date
}

/// One field a reviewer changed, as the audit trail keeps it: sensitive values masked.
public struct ReviewChange: Sendable, Codable, Hashable {
    public var field: String
    public var before: String
    public var after: String

    public init(field: String, before: String, after: String) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// One decision of a reviewer: who, when, on which record, what changed and what came of it.
public struct ReviewAuditEntry: Sendable, Codable, Hashable {
    public enum Action: String, Sendable, Codable {
        case accept
        case reject
    }

    public var scanRowID: Int64
    public var recordIndex: Int
    public var action: Action
    public var reviewer: String
    public var changes: [ReviewChange]
    /// What became of the record: `delivered`, `rejected`, `failed` or `dismissed`.
    public var outcome: ReviewRecordEntry.Status
    /// The reviewer's reason, or the core system's answer; masked.
    public var detail: String?
    public var at: Date
}

extension Journal {
    /// The records of a scan kept for review, by index.
    public func reviewRecords(of rowID: Int64) throws(KamiflowError) -> [ReviewRecordEntry] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM review_record WHERE scan_id = ? ORDER BY record_index", arguments: [rowID]
            ).map { row in
                let text: String? = row["record"]
                return ReviewRecordEntry(
                    scanRowID: row["scan_id"], index: row["record_index"],
                    status: ReviewRecordEntry.Status(rawValue: row["status"]) ?? .waiting,
                    record: text.flatMap { try? JSONDecoder().decode(FormRecord.self, from: Data($0.utf8)) },
                    updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
            }
        }
    }

    /// Every decision taken on a scan's records, oldest first.
    public func reviewAudit(of rowID: Int64) throws(KamiflowError) -> [ReviewAuditEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM review_audit WHERE scan_id = ? ORDER BY id", arguments: [rowID])
                .map { row in
                    let changes: String = row["changes"]
                    return ReviewAuditEntry(
                        scanRowID: row["scan_id"], recordIndex: row["record_index"],
                        action: ReviewAuditEntry.Action(rawValue: row["action"]) ?? .accept,
                        reviewer: row["reviewer"],
                        changes: (try? JSONDecoder().decode([ReviewChange].self, from: Data(changes.utf8))) ?? [],
                        outcome: ReviewRecordEntry.Status(rawValue: row["outcome"]) ?? .failed,
                        detail: row["detail"], at: Date(timeIntervalSince1970: row["at"]))
                }
        }
    }

    /// The record of `entry` a decision is about: `index` when given, else the only open one (or, when none is
    /// open, the last one, to say it is settled).
    public func reviewRecord(of entry: ScanEntry, index: Int?) throws(KamiflowError) -> ReviewRecordEntry {
        let records = try reviewRecords(of: entry.rowID)
        guard !records.isEmpty else {
            if entry.state == .inReview {
                throw KamiflowError(
                    .invalidArgument,
                    "the journal did not keep this scan's records (read before the review station existed); "
                        + "requeue it with 'kamiflow journal requeue \(entry.shortID)' and run it again",
                    subject: entry.shortID)
            }
            throw KamiflowError(
                .invalidArgument, "this scan has no record for review (it is \(entry.state))", subject: entry.shortID)
        }
        if let index {
            guard let found = records.first(where: { $0.index == index }) else {
                throw KamiflowError(
                    .invalidArgument,
                    "no record \(index) for review in this scan (records: "
                        + records.map { String($0.index) }.joined(separator: ", ") + ")",
                    subject: entry.shortID)
            }
            return found
        }
        let open = records.filter(\.status.isOpen)
        if open.count > 1 {
            throw KamiflowError(
                .invalidArgument,
                "records " + open.map { String($0.index) }.joined(separator: ", ")
                    + " of this scan wait for review; choose one with --record",
                subject: entry.shortID)
        }
        return open.first ?? records.last!
    }

    /// Records a reviewer's decision in one transaction: the record's status, the audit entry, the masked copy of
    /// the record as delivered (`maskedRecord`), and the scan's state, which follows its records: in review while
    /// one waits, else failed, rejected or delivered. Returns the scan's new state.
    ///
    /// The record's clear copy is dropped once it is delivered or dismissed; it is kept while it may be accepted
    /// again (failed, rejected).
    public func settleReview(_ audit: ReviewAuditEntry, maskedRecord: FormRecord?, now: Date = Date())
        throws(KamiflowError) -> ScanState
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let changes = String(decoding: (try? encoder.encode(audit.changes)) ?? Data("[]".utf8), as: UTF8.self)
        return try write { db in
            let keep = audit.outcome.isOpen
            try db.execute(
                sql: """
                    UPDATE review_record SET status = ?, record = \(keep ? "record" : "NULL"), updated_at = ?
                    WHERE scan_id = ? AND record_index = ?
                    """,
                arguments: [audit.outcome.rawValue, now.timeIntervalSince1970, audit.scanRowID, audit.recordIndex])
            try db.execute(
                sql: """
                    INSERT INTO review_audit (scan_id, record_index, action, reviewer, changes, outcome, detail, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [audit.scanRowID, audit.recordIndex, audit.action.rawValue, audit.reviewer, changes,
                    audit.outcome.rawValue, audit.detail, audit.at.timeIntervalSince1970])
            if let maskedRecord,
                let text = try String.fetchOne(db, sql: "SELECT records FROM scan WHERE id = ?",
                    arguments: [audit.scanRowID]),
                var records = try? JSONDecoder().decode([FormRecord].self, from: Data(text.utf8)),
                let position = records.firstIndex(where: { $0.index == audit.recordIndex })
            {
                records[position] = maskedRecord
                try db.execute(
                    sql: "UPDATE scan SET records = ? WHERE id = ?",
                    arguments: [String(decoding: try encoder.encode(records), as: UTF8.self), audit.scanRowID])
            }
            let statuses = try String.fetchAll(
                db, sql: "SELECT status FROM review_record WHERE scan_id = ?", arguments: [audit.scanRowID]
            ).compactMap(ReviewRecordEntry.Status.init(rawValue:))
            let state: ScanState =
                statuses.contains(.waiting) ? .inReview
                : statuses.contains(.failed) ? .failed
                : statuses.contains(.rejected) || statuses.contains(.dismissed) ? .rejected
                : .delivered
            let error: String? =
                state == .delivered || state == .inReview
                ? nil
                : audit.outcome == .dismissed ? "rejected by \(audit.reviewer): \(audit.detail ?? "")" : audit.detail
            try db.execute(
                sql: "UPDATE scan SET state = ?, error = ?, updated_at = ?, state_since = ? WHERE id = ?",
                arguments: [state.rawValue, error, now.timeIntervalSince1970, now.timeIntervalSince1970,
                    audit.scanRowID])
            return state
        }
    }
}

/// The counter staff's side of review: records routed to a person are corrected, checked again with the
/// workflow's own normalisers, validators and rules, and delivered the way `run` delivers (same connectors, same
/// idempotency keys: scan id + workflow + record index), or rejected. Every decision is journaled with who took it
/// and what changed, sensitive values masked.
public struct ReviewStation: Sendable {
    /// Interprets a record again with a person's corrections (by field path); the workflow's `review(_:…)`.
    public typealias Reinterpreter = @Sendable (FormRecord, [String: String]) throws -> FormRecord

    /// What came of a decision.
    public enum Outcome: Sendable, Hashable {
        /// Errors remain after the corrections (masked messages): nothing was delivered or changed.
        case refused([Issue])
        /// The record was settled; the scan is now in `scan`.
        case settled(record: ReviewRecordEntry.Status, scan: ScanState, detail: String?)
        /// The record had already been settled earlier (accepting twice delivers once).
        case alreadySettled(ReviewRecordEntry.Status)
    }

    let journal: Journal
    let planner: DeliveryPlanner
    let connectors: [String: any Connector]
    let reinterpret: Reinterpreter
    let redactor: Redactor
    let logger: Logger

    public init(
        journal: Journal, planner: @escaping DeliveryPlanner, connectors: [any Connector],
        reinterpret: @escaping Reinterpreter, redactor: Redactor, logger: Logger
    ) {
        self.journal = journal
        self.planner = planner
        self.connectors = Dictionary(connectors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.reinterpret = reinterpret
        self.redactor = redactor
        self.logger = logger
    }

    /// Applies `corrections`, checks the record again and, when no error remains, delivers it and journals the
    /// decision. Refuses (changing nothing) while errors remain.
    public func accept(
        _ entry: ScanEntry, index: Int? = nil, corrections: [String: String], reviewer: String
    ) async throws(KamiflowError) -> Outcome {
        let target = try journal.reviewRecord(of: entry, index: index)
        guard target.status.isOpen else { return .alreadySettled(target.status) }
        guard let record = target.record else {
            throw KamiflowError(.journal, "the journal holds no copy of this record", subject: entry.shortID)
        }
        redactor.register([record], scope: entry.hash)
        redactor.register(Set(corrections.filter { path, _ in record[path]?.sensitive == true }.map(\.value)),
            scope: entry.hash)
        defer { redactor.release(entry.hash) }

        let corrected: FormRecord
        do {
            corrected = try reinterpret(record, corrections)
        } catch let error as KamiflowError {
            throw KamiflowError(error.code, redactor.redact(error.message), subject: error.subject)
        } catch {
            throw KamiflowError(.invalidArgument, redactor.redact("\(error)"), subject: entry.shortID)
        }
        redactor.register([corrected], scope: entry.hash)
        guard corrected.route == .straightThrough else {
            let errors = (corrected.issues + corrected.fields.flatMap(\.issues)).filter { $0.severity == .error }
            var seen: Set<Issue> = []
            return .refused(errors.filter { seen.insert($0).inserted }.map { issue in
                var issue = issue
                issue.message = redactor.redact(issue.message)
                return issue
            })
        }

        let outcome: ReviewRecordEntry.Status
        var detail: String?
        do {
            let planned = try planner(corrected)
            redactor.register(planned.map(\.request), scope: entry.hash)
            let confirmed = try journal.planDeliveries(
                entry.rowID, planned.map { ($0.connection, $0.request.idempotencyKey) }, movingTo: nil)
            let delivery = try await Deliverer(journal: journal, connectors: connectors, redactor: redactor)
                .deliver(planned, confirmed: confirmed)
            outcome =
                delivery.statuses.contains(.rejected) ? .rejected
                : delivery.statuses.contains(.failed) ? .failed : .delivered
            detail = delivery.error
        } catch let error as KamiflowError {
            outcome = .failed
            detail = redactor.redact(error.description)
        } catch {
            outcome = .failed
            detail = redactor.redact("\(error)")
        }

        let changes = corrections.keys.sorted().map { path in
            let before = record[path], after = corrected[path]
            let sensitive = before?.sensitive == true || after?.sensitive == true
            func shown(_ field: FieldResult?) -> String {
                guard let field else { return "" }
                return sensitive && !field.value.isEmpty ? Redactor.mask : redactor.redact(field.value.textValue)
            }
            return ReviewChange(field: path, before: shown(before), after: shown(after))
        }
        let audit = ReviewAuditEntry(
            scanRowID: entry.rowID, recordIndex: target.index, action: .accept, reviewer: reviewer,
            changes: changes, outcome: outcome, detail: detail, at: Date())
        let state = try journal.settleReview(audit, maskedRecord: redactor.maskedForJournal([corrected]).first)
        _ = followReviewDecision(entry, to: state, detail: detail, journal: journal, redactor: redactor, logger: logger)
        logger.log(
            level: outcome == .delivered ? .info : .warning, "record reviewed",
            metadata: [
                "scan": "\(entry.shortID)", "record": "\(target.index)", "reviewer": "\(reviewer)",
                "outcome": "\(outcome.rawValue)", "changed": "\(changes.map(\.field).joined(separator: ","))",
            ])
        return .settled(record: outcome, scan: state, detail: detail)
    }

    /// The reviewer rejects the form (unreadable, not a claim, withdrawn …): nothing is delivered.
    public func reject(_ entry: ScanEntry, index: Int? = nil, reason: String, reviewer: String)
        throws(KamiflowError) -> Outcome
    {
        let target = try journal.reviewRecord(of: entry, index: index)
        guard target.status.isOpen else { return .alreadySettled(target.status) }
        if let record = target.record { redactor.register([record], scope: entry.hash) }
        defer { redactor.release(entry.hash) }
        let audit = ReviewAuditEntry(
            scanRowID: entry.rowID, recordIndex: target.index, action: .reject, reviewer: reviewer, changes: [],
            outcome: .dismissed, detail: redactor.redact(reason), at: Date())
        let state = try journal.settleReview(audit, maskedRecord: nil)
        _ = followReviewDecision(
            entry, to: state, dismissed: true, detail: audit.detail, journal: journal, redactor: redactor,
            logger: logger)
        logger.notice(
            "record rejected by a reviewer",
            metadata: ["scan": "\(entry.shortID)", "record": "\(target.index)", "reviewer": "\(reviewer)"])
        return .settled(record: .dismissed, scan: state, detail: audit.detail)
    }
}
