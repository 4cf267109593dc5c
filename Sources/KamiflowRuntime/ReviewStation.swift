import Foundation
public import KamiflowCore
public import Logging

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

    let journal: any Journal
    let planner: DeliveryPlanner
    let connectors: [String: any Connector]
    let reinterpret: Reinterpreter
    let redactor: Redactor
    let logger: Logger

    public init(
        journal: any Journal, planner: @escaping DeliveryPlanner, connectors: [any Connector],
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
        let target = try await journal.reviewRecord(of: entry, index: index)
        guard target.status.isOpen else { return .alreadySettled(target.status) }
        guard let record = target.record else {
            throw KamiflowError(.journal, "the journal holds no copy of this record", subject: entry.shortID)
        }
        redactor.register([record], scope: entry.hash)
        redactor.register(
            Set(corrections.filter { path, _ in record[path]?.sensitive == true }.map(\.value)),
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
            return .refused(
                errors.filter { seen.insert($0).inserted }.map { issue in
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
            let confirmed = try await journal.planDeliveries(
                entry.rowID, planned.map { ($0.connection, $0.request.idempotencyKey) }, movingTo: nil)
            let delivery = try await Deliverer(journal: journal, connectors: connectors, redactor: redactor)
                .deliver(planned, confirmed: confirmed)
            outcome =
                delivery.statuses.contains(.rejected)
                ? .rejected
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
        let state = try await journal.settleReview(audit, maskedRecord: redactor.maskedForJournal([corrected]).first)
        _ = await followReviewDecision(
            entry, to: state, detail: detail, journal: journal, redactor: redactor, logger: logger)
        logger.log(
            level: outcome == .delivered ? .info : .warning, "record reviewed",
            metadata: [
                "scan": "\(entry.shortID)", "record": "\(target.index)", "reviewer": "\(reviewer)",
                "outcome": "\(outcome.rawValue)", "changed": "\(changes.map(\.field).joined(separator: ","))",
            ])
        return .settled(record: outcome, scan: state, detail: detail)
    }

    /// The reviewer rejects the form (unreadable, not a claim, withdrawn …): nothing is delivered.
    public func reject(
        _ entry: ScanEntry, index: Int? = nil, reason: String, reviewer: String
    )
        async throws(KamiflowError) -> Outcome
    {
        let target = try await journal.reviewRecord(of: entry, index: index)
        guard target.status.isOpen else { return .alreadySettled(target.status) }
        if let record = target.record { redactor.register([record], scope: entry.hash) }
        defer { redactor.release(entry.hash) }
        let audit = ReviewAuditEntry(
            scanRowID: entry.rowID, recordIndex: target.index, action: .reject, reviewer: reviewer, changes: [],
            outcome: .dismissed, detail: redactor.redact(reason), at: Date())
        let state = try await journal.settleReview(audit, maskedRecord: nil)
        _ = await followReviewDecision(
            entry, to: state, dismissed: true, detail: audit.detail, journal: journal, redactor: redactor,
            logger: logger)
        logger.notice(
            "record rejected by a reviewer",
            metadata: ["scan": "\(entry.shortID)", "record": "\(target.index)", "reviewer": "\(reviewer)"])
        return .settled(record: .dismissed, scan: state, detail: audit.detail)
    }
}
