public import Foundation

/// Where every scan is: the single source of truth of DESIGN §1, behind a protocol so that the runtime, the review
/// station and the commands work the same against the embedded SQLite journal (one machine) and a shared database
/// (several machines, issue 16).
///
/// The methods follow the life of one scan, and each is one transaction, so that a crash between two of them is
/// resumed by handling the same file again:
///
/// ```
/// admit ─► claim (lease) ─► beginReading ─► recordRead ─► planDeliveries ─► recordDelivery × n ─► settle
///                 └─ renewLease while working                      review station: settleReview ─┘
/// ```
///
/// Writes must still happen while the calling task is being cancelled: a scan handed back at shutdown is journaled
/// as such (`settle(…, state: .claimed)`). An implementation therefore never refuses work because the task is
/// cancelled.
///
/// Every error is a `KamiflowError` with code `.journal` (the database failed) or `.invalidArgument` (the request
/// does not fit the scan's state, such as retrying a delivered scan).
public protocol Journal: AnyObject, Sendable {
    /// Where the journal is, for people (`kamiflow status`): a file path, or a database address without secrets.
    var location: String { get }

    // MARK: The life of a scan

    /// Records that a file with `hash` was seen at `path` (first seen at `originalPath`) and decides, in one
    /// transaction, whether it is processed: new bytes get a `claimed` row; the same bytes at the same place are
    /// resumed or found settled; the same bytes under another name are a duplicate (a row of its own, pointing at
    /// the original), except after a failure, when dropping them again is a deliberate retry.
    ///
    /// - Parameter rerunResumes: a batch re-run names the same input paths again, so a scan first seen at the same
    ///   original path is the same scan. A drop folder passes `false`: a file dropped again after it was settled is
    ///   a duplicate.
    func admit(
        hash: String, path: String, originalPath: String, rerunResumes: Bool, now: Date
    )
        async throws(KamiflowError) -> Admission

    /// Takes the right to work on an admitted scan for `duration` seconds, as `owner` (a node id, `#`, a worker id:
    /// see `NodeIdentity`). Returns `nil` when another owner holds an unexpired lease of a node still running: that
    /// worker is on it, leave the scan alone. A lease whose node is stopped, or has missed
    /// `NodeIdentity.missedBeats` heartbeats, is free at once.
    /// Claiming again as the same owner extends the lease; an expired lease may be taken by anyone (its holder died
    /// or was cut off, and must stop: its `renewLease` now fails).
    ///
    /// How far a lease reaches is the implementation's to say: a shared database enforces it between machines.
    func claim(
        _ rowID: Int64, owner: String, duration: TimeInterval, now: Date
    )
        async throws(KamiflowError) -> ScanLease?

    /// Extends a lease the worker still holds (a worker renews it every third of its length while it works on the
    /// scan). Only an unexpired lease is renewed. `nil`: the lease was lost (it ran out, or another
    /// owner claimed the scan, or the scan was settled); the worker must not deliver anything more for it.
    func renewLease(_ lease: ScanLease, duration: TimeInterval, now: Date) async throws(KamiflowError) -> ScanLease?

    /// Marks the start of an attempt at reading the scan (`reading`, one more attempt, the last error cleared).
    func beginReading(_ rowID: Int64, now: Date) async throws(KamiflowError)

    /// Stores what was read (records already masked), the time each stage took, and the records a person has to
    /// look at, whole (`forReview`: record index → FormRecord JSON), so that the review station never reads the
    /// scan again. Reading a scan again replaces what an earlier reading left for review. The scan becomes `read`.
    func recordRead(
        _ rowID: Int64, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String], now: Date
    ) async throws(KamiflowError)

    /// Journals the deliveries about to be made (`pending` unless already known, keyed by connection and
    /// idempotency key) and moves the scan to `state` (the review station passes `nil`: a reviewed scan stays where
    /// it is until the answers are in). Returns the deliveries the connector has already confirmed, as
    /// `DeliveryEntry.identity(connection:key:)`: they must not be sent again.
    func planDeliveries(
        _ rowID: Int64, _ planned: [(connection: String, key: String)], movingTo state: ScanState?, now: Date
    ) async throws(KamiflowError) -> Set<String>

    /// Records what the connector said about one planned delivery (`receipt` and `detail` already masked). Called
    /// only after the connector returned; a delivery that was never planned is not recorded.
    func recordDelivery(
        connection: String, key: String, status: DeliveryEntry.Status, receipt: String?, detail: String?, now: Date
    ) async throws(KamiflowError)

    /// Puts the scan in its final (or failed, or handed-back `claimed`) state, with the last error, masked. Ends any
    /// lease on the scan: the work it covered is over.
    func settle(
        _ rowID: Int64, state: ScanState, error: String?, timings: [String: Double]?, now: Date)
        async throws(KamiflowError)

    /// `settle`, only while `lease` is still its owner's: a worker cut off from the journal that comes back must not
    /// undo what the worker that took its scan over did, or is doing. `false`, with nothing written, when another
    /// owner took the scan or it was settled meanwhile. A lease that ran out but that nobody took is still held.
    /// The default (in an extension) renews the lease and then settles, enough where no other machine can take a
    /// lease; a journal shared by several machines does both in one statement.
    func settle(
        holding lease: ScanLease, state: ScanState, error: String?, timings: [String: Double]?, now: Date
    ) async throws(KamiflowError) -> Bool

    /// `beginReading`, only while `lease` is still its owner's (run out or not: nobody took it). `false`, with
    /// nothing written, when another owner took the scan or it was settled meanwhile. This and the other `holding:`
    /// writes are what a worker uses: a worker that lost its scan must not change what the new holder does. A
    /// shared journal checks the owner and writes in one transaction, the scan's row locked by the check.
    func beginReading(holding lease: ScanLease, now: Date) async throws(KamiflowError) -> Bool

    /// `recordRead`, only while `lease` is still its owner's; `false`, with nothing written, when it is not.
    func recordRead(
        holding lease: ScanLease, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String], now: Date
    ) async throws(KamiflowError) -> Bool

    /// `planDeliveries`, only while `lease` is still its owner's; `nil`, with nothing written, when it is not.
    func planDeliveries(
        holding lease: ScanLease, _ planned: [(connection: String, key: String)], movingTo state: ScanState?,
        now: Date
    ) async throws(KamiflowError) -> Set<String>?

    /// `recordDelivery` of a delivery of the leased scan, only while `lease` is still its owner's; `false`, with
    /// nothing written, when it is not (the worker that took the scan over records its own answers).
    func recordDelivery(
        holding lease: ScanLease, connection: String, key: String, status: DeliveryEntry.Status, receipt: String?,
        detail: String?, now: Date
    ) async throws(KamiflowError) -> Bool

    /// Records that the file moved (drop folders), so that `journal show` and resumption find it; the input row
    /// that left the file at the old place follows it.
    func move(_ rowID: Int64, to path: String, now: Date) async throws(KamiflowError)

    /// `journal retry`: a failed, rejected or unclassified scan goes back to `claimed` (attempts kept); its failed
    /// and rejected deliveries become pending again, to be sent with the same keys.
    func retry(_ rowID: Int64, now: Date) async throws(KamiflowError)

    /// `journal requeue`: any scan except a duplicate starts again from `claimed`, attempts counted from zero.
    /// Deliveries already confirmed stay recorded.
    func requeue(_ rowID: Int64, now: Date) async throws(KamiflowError)

    // MARK: Review

    /// The records of a scan kept for review, by index.
    func reviewRecords(of rowID: Int64) async throws(KamiflowError) -> [ReviewRecordEntry]

    /// Every decision taken on a scan's records, oldest first.
    func reviewAudit(of rowID: Int64) async throws(KamiflowError) -> [ReviewAuditEntry]

    /// The review queues: for each workflow with open records, how many and since when the oldest has waited,
    /// the longest-waiting queue first. A record is open while a person may accept it: waiting, or accepted but
    /// failed or refused by a core system, with its clear copy still kept, in a scan that is in review, failed or
    /// rejected. A record waits since its scan entered that state.
    func reviewQueues() async throws(KamiflowError) -> [ReviewQueue]

    /// One page of the open records (as `reviewQueues` counts them) of one workflow, or of every workflow for
    /// `nil`, oldest first (then by scan row and record index, so that pages do not overlap): the review station's
    /// queue and its "next record" read only what they show, not the whole journal.
    func openReviewRecords(
        workflow: String?, offset: Int, limit: Int
    ) async throws(KamiflowError) -> [OpenReviewRecord]

    /// Records a reviewer's decision in one transaction: the record's status (its clear copy dropped once delivered
    /// or dismissed), the audit entry, the masked record as delivered, and the scan's state, which follows its
    /// records: in review while one waits, else failed, rejected or delivered. Returns the scan's new state.
    func settleReview(
        _ audit: ReviewAuditEntry, maskedRecord: FormRecord?, now: Date
    )
        async throws(KamiflowError) -> ScanState

    // MARK: Review station: record leases and blind entries

    // Every review station node sharing the journal sees the same leases and entries (issue 16): a record one
    // reviewer holds is taken for the others on every node, and a blind entry typed on one node is finished on
    // another.

    /// Gives `user`, working at station `node`, the record `index` of scan `scan` until `now + duration`, unless
    /// another user holds an unexpired lease on it: that user's name is returned then (`nil`: `user` has it now).
    /// One atomic step against every node: of two users asking at once, one gets it. The same user asking again
    /// (from any node) extends the lease; an expired lease goes to whoever asks.
    func claimReviewRecord(
        scan: Int64, index: Int, user: String, node: String, for duration: TimeInterval, now: Date
    ) async throws(KamiflowError) -> String?

    /// Gives the record back if `user` holds it (after a decision, or when the reviewer leaves it).
    func releaseReviewRecord(scan: Int64, index: Int, user: String) async throws(KamiflowError)

    /// Gives back every record `user` holds (at logout).
    func releaseReviewRecords(of user: String) async throws(KamiflowError)

    /// Who holds an unexpired lease, per record: the queue reads them all at once.
    func reviewLeaseHolders(now: Date) async throws(KamiflowError) -> [ReviewRecordKey: String]

    /// Keeps a reviewer's blind entry of a record (replacing one of the same round). Entries hold typed values in
    /// clear: they are dropped by `clearDoubleEntries`, by `settleReview` once the record is delivered or
    /// dismissed, and by `recordRead` when the scan is read again.
    func addDoubleEntry(_ entry: ReviewDoubleEntry, scan: Int64, index: Int, now: Date) async throws(KamiflowError)

    /// The blind entries kept for a record, by round: none, the first, or the first and a second that differed.
    func doubleEntries(scan: Int64, index: Int) async throws(KamiflowError) -> [ReviewDoubleEntry]

    /// Per record with blind entries: how many, and who made the first.
    func doubleEntryStates() async throws(KamiflowError) -> [ReviewRecordKey: ReviewDoubleEntryState]

    /// Forgets a record's blind entries (its decision is taken).
    func clearDoubleEntries(scan: Int64, index: Int) async throws(KamiflowError)

    // MARK: Scheduled jobs

    /// Records the start or end of a scheduled job's run (the missed-run policy reads it back).
    func recordJobRun(_ job: String, started: Date?, finished: Date?, status: String?) async throws(KamiflowError)

    /// When the job last started, if ever.
    func lastJobStart(_ job: String) async throws(KamiflowError) -> Date?

    /// Takes the run of `job` due at `tick` for `node`, in one insert under a unique (job, tick) key: true for the
    /// one node that gets it, false for every other node sharing the journal, so that a scheduled job runs on
    /// exactly one node per tick.
    func claimJobTick(_ job: String, tick: Date, node: String, now: Date) async throws(KamiflowError) -> Bool

    // MARK: Input paths

    /// Journals that an input path was seen and what became of it. The same path seen again with the same result
    /// updates its row (one more sighting); a new result (other bytes under the same name) gets a row of its own.
    @discardableResult
    func recordInput(_ sighting: InputSighting, now: Date) async throws(KamiflowError) -> InputEntry

    /// The input paths a reference names, newest first: by path (as given or where the file was left, relative
    /// paths taken from the current folder), or by a hash prefix (every path whose bytes are that scan).
    func inputs(matching reference: String) async throws(KamiflowError) -> [InputEntry]

    /// Every input path whose bytes are the scan `rowID`, oldest first.
    func inputs(ofScan rowID: Int64) async throws(KamiflowError) -> [InputEntry]

    /// Input paths, most recently seen first, optionally of one outcome.
    func listInputs(outcome: InputOutcome?, limit: Int) async throws(KamiflowError) -> [InputEntry]

    /// How many input rows there are (of one outcome).
    func countInputs(outcome: InputOutcome?) async throws(KamiflowError) -> Int

    // MARK: Queries

    func entry(rowID: Int64) async throws(KamiflowError) -> ScanEntry?

    /// Finds scans named the way people name them: a hash prefix (at least 4 hex digits) or a path (current or
    /// original, or one of its input paths; relative paths taken from the current folder). The original comes
    /// before its duplicates.
    func entries(matching reference: String) async throws(KamiflowError) -> [ScanEntry]

    /// Scans, most recently changed first, optionally of one state.
    func list(state: ScanState?, limit: Int) async throws(KamiflowError) -> [ScanEntry]

    /// How many scans there are (of one state): `journal list` says when it shows only the first of them.
    func count(state: ScanState?) async throws(KamiflowError) -> Int

    /// How many scans are in each state.
    func counts() async throws(KamiflowError) -> [ScanState: Int]

    /// Scans that have been in an in-between state for longer than `threshold`: a crashed run, a hung connector.
    func stuck(olderThan threshold: TimeInterval, now: Date) async throws(KamiflowError) -> [ScanEntry]

    /// The deliveries of a scan, by connection and key.
    func deliveries(of rowID: Int64) async throws(KamiflowError) -> [DeliveryEntry]

    /// Admitted scans waiting for a worker, oldest first: in flight (claimed … delivering), their file under
    /// `folder` (a spool every node reaches), and no lease a running node holds. A worker still has to `claim`
    /// each: another may take it first.
    func claimable(under folder: String, limit: Int, now: Date) async throws(KamiflowError) -> [ScanEntry]

    /// Takes queued scans under `folder`, oldest first, one per owner in `owners` at most, each with a lease of
    /// `duration` seconds: what `claimable` offers, claimed in the same step. Workers asking at once get different
    /// scans, none of them an empty hand while unclaimed scans remain: a queue taken from by many workers must not
    /// make them race for the same few candidates (a shared database skips the rows another worker is taking).
    func claimQueued(
        under folder: String, owners: [String], duration: TimeInterval, now: Date
    ) async throws(KamiflowError) -> [QueuedScan]

    /// Frees the leases whose owner begins with `prefix` (one queue worker's names), except those in `working` (the
    /// scans its slots are on). A journal that stops as it commits a `claimQueued` leaves scans leased to names
    /// whose answer never reached the worker, and a worker whose journal stopped right after a claim could not hand
    /// the lease back; either way nobody would take those scans until the lease ran out, with the node alive.
    func releaseLeases(ownedBy prefix: String, except working: Set<String>) async throws(KamiflowError)

    // MARK: Nodes

    /// Registers this process as a node (a row with its host, pid and start, seen `now`). Nodes that ran under the
    /// same deployment `name` on the same host and have not stopped are marked stopped: this is their restart, and
    /// their leases are free at once.
    func registerNode(_ node: NodeIdentity, now: Date) async throws(KamiflowError)

    /// Says the node is alive at `now`, with the scans it has settled since it started and those it holds. A node
    /// marked stopped that beats again (it was only cut off) counts as running again.
    func heartbeat(_ nodeID: String, scansDone: Int, holding: Int, now: Date) async throws(KamiflowError)

    /// Marks a node stopped (at its own exit, or by another node that found its process gone): the leases it held
    /// are free at once.
    func retireNode(_ nodeID: String, now: Date) async throws(KamiflowError)

    /// Every node the journal knows, the most recently seen first, with the leases each holds at `now`.
    func nodes(now: Date) async throws(KamiflowError) -> [NodeEntry]
}

extension Journal {
    /// `claimable` then `claim`, one scan at a time: right for a journal only one process writes (SQLite), where
    /// nobody else can take a candidate between the two.
    public func claimQueued(
        under folder: String, owners: [String], duration: TimeInterval, now: Date
    ) async throws(KamiflowError) -> [QueuedScan] {
        guard !owners.isEmpty else { return [] }
        var taken: [QueuedScan] = []
        for entry in try await claimable(under: folder, limit: owners.count, now: now) {
            if let lease = try await claim(entry.rowID, owner: owners[taken.count], duration: duration, now: now) {
                taken.append(QueuedScan(entry: entry, lease: lease))
            }
        }
        return taken
    }
}

/// The defaults callers use: the current time, the usual arguments. Protocol requirements cannot have default
/// arguments, and tests pass their own `now` to make time explicit.
extension Journal {
    public func admit(
        hash: String, path: String, originalPath: String, rerunResumes: Bool
    )
        async throws(KamiflowError) -> Admission
    {
        try await admit(hash: hash, path: path, originalPath: originalPath, rerunResumes: rerunResumes, now: Date())
    }

    public func claim(
        _ rowID: Int64, owner: String, duration: TimeInterval
    ) async throws(KamiflowError)
        -> ScanLease?
    {
        try await claim(rowID, owner: owner, duration: duration, now: Date())
    }

    public func renewLease(_ lease: ScanLease, duration: TimeInterval) async throws(KamiflowError) -> ScanLease? {
        try await renewLease(lease, duration: duration, now: Date())
    }

    public func beginReading(_ rowID: Int64) async throws(KamiflowError) {
        try await beginReading(rowID, now: Date())
    }

    public func recordRead(
        _ rowID: Int64, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String] = [:]
    ) async throws(KamiflowError) {
        try await recordRead(
            rowID, workflow: workflow, pages: pages, maskedRecords: maskedRecords, timings: timings,
            forReview: forReview, now: Date())
    }

    public func planDeliveries(
        _ rowID: Int64, _ planned: [(connection: String, key: String)], movingTo state: ScanState? = .delivering
    ) async throws(KamiflowError) -> Set<String> {
        try await planDeliveries(rowID, planned, movingTo: state, now: Date())
    }

    public func recordDelivery(
        connection: String, key: String, status: DeliveryEntry.Status, receipt: String? = nil, detail: String? = nil
    ) async throws(KamiflowError) {
        try await recordDelivery(
            connection: connection, key: key, status: status, receipt: receipt, detail: detail, now: Date())
    }

    public func settle(
        _ rowID: Int64, state: ScanState, error: String? = nil, timings: [String: Double]? = nil
    ) async throws(KamiflowError) {
        try await settle(rowID, state: state, error: error, timings: timings, now: Date())
    }

    public func settle(
        holding lease: ScanLease, state: ScanState, error: String?, timings: [String: Double]?, now: Date
    ) async throws(KamiflowError) -> Bool {
        guard try await renewLease(lease, duration: 60, now: now) != nil else { return false }
        try await settle(lease.scanRowID, state: state, error: error, timings: timings, now: now)
        return true
    }

    public func settle(
        holding lease: ScanLease, state: ScanState, error: String? = nil, timings: [String: Double]? = nil
    ) async throws(KamiflowError) -> Bool {
        try await settle(holding: lease, state: state, error: error, timings: timings, now: Date())
    }

    public func move(_ rowID: Int64, to path: String) async throws(KamiflowError) {
        try await move(rowID, to: path, now: Date())
    }

    public func retry(_ rowID: Int64) async throws(KamiflowError) { try await retry(rowID, now: Date()) }

    public func requeue(_ rowID: Int64) async throws(KamiflowError) { try await requeue(rowID, now: Date()) }

    public func settleReview(
        _ audit: ReviewAuditEntry, maskedRecord: FormRecord?
    ) async throws(KamiflowError)
        -> ScanState
    {
        try await settleReview(audit, maskedRecord: maskedRecord, now: Date())
    }

    public func recordJobRun(_ job: String, started: Date) async throws(KamiflowError) {
        try await recordJobRun(job, started: started, finished: nil, status: nil)
    }

    public func recordJobRun(_ job: String, finished: Date, status: String?) async throws(KamiflowError) {
        try await recordJobRun(job, started: nil, finished: finished, status: status)
    }

    @discardableResult
    public func recordInput(_ sighting: InputSighting) async throws(KamiflowError) -> InputEntry {
        try await recordInput(sighting, now: Date())
    }

    public func listInputs(outcome: InputOutcome? = nil) async throws(KamiflowError) -> [InputEntry] {
        try await listInputs(outcome: outcome, limit: 1000)
    }

    public func countInputs() async throws(KamiflowError) -> Int { try await countInputs(outcome: nil) }

    public func list(state: ScanState? = nil) async throws(KamiflowError) -> [ScanEntry] {
        try await list(state: state, limit: 1000)
    }

    public func count() async throws(KamiflowError) -> Int { try await count(state: nil) }

    public func stuck(olderThan threshold: TimeInterval) async throws(KamiflowError) -> [ScanEntry] {
        try await stuck(olderThan: threshold, now: Date())
    }

    /// The record of `entry` a decision is about: `index` when given, else the only open one (or, when none is
    /// open, the last one, to say it is settled). Built on `reviewRecords(of:)`, so every journal answers alike.
    public func reviewRecord(of entry: ScanEntry, index: Int?) async throws(KamiflowError) -> ReviewRecordEntry {
        let records = try await reviewRecords(of: entry.rowID)
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
}

/// A worker's right to work on one scan until `expires`. Several machines on one journal need it: the lock on the
/// input file that one machine's kernel drops when a process dies means nothing to another machine, so a worker
/// that dies or is cut off must lose the scan by time instead.
public struct ScanLease: Sendable, Hashable {
    public var scanRowID: Int64
    /// Who holds it: a node and worker id, unique among the processes sharing the journal.
    public var owner: String
    public var expires: Date

    public init(scanRowID: Int64, owner: String, expires: Date) {
        self.scanRowID = scanRowID
        self.owner = owner
        self.expires = expires
    }
}

/// A queued scan a worker took (`Journal.claimQueued`): its row as it was when taken, and the worker's lease on it.
public struct QueuedScan: Sendable, Hashable {
    public var entry: ScanEntry
    public var lease: ScanLease

    public init(entry: ScanEntry, lease: ScanLease) {
        self.entry = entry
        self.lease = lease
    }
}

/// Where a scan is in its life. The journal is the single source of truth for this (DESIGN §1); folders follow it.
///
/// ```
/// claimed ─► reading ─► read ─► delivering ─► delivered | in-review | rejected | failed
///    │          └──────────────────────────────► failed | unclassified
///    └─► duplicate (same bytes already journaled under another file)
/// ```
/// `reading`, `read` and `delivering` are the in-between states a crash can leave behind; a scan found in one of
/// them is resumed (read again, and only the deliveries the connector has not confirmed are sent again).
public enum ScanState: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case claimed
    case reading
    case read
    case delivering
    case inReview = "in-review"
    case delivered
    case rejected
    case failed
    case duplicate
    case unclassified

    /// A settled scan needs nothing more from the runtime; a person or `journal retry/requeue` may move it on.
    public var isSettled: Bool {
        switch self {
        case .claimed, .reading, .read, .delivering, .failed: false
        case .inReview, .delivered, .rejected, .duplicate, .unclassified: true
        }
    }

    /// In-between states: a scan that stays in one of these for long is stuck (a crash, a hung connector).
    public var isInFlight: Bool {
        switch self {
        case .claimed, .reading, .read, .delivering: true
        default: false
        }
    }

    public var description: String { rawValue }
}

/// One scan as the journal knows it.
public struct ScanEntry: Sendable, Codable, Hashable {
    /// Row number in the journal; stable, but users name scans by hash prefix or path.
    public var rowID: Int64
    /// SHA-256 of the file's bytes, hex: the scan's identity.
    public var hash: String
    public var state: ScanState
    /// Where the file is now (drop folders move it: inbox → processing → done/review/failed).
    public var path: String
    /// Where the file was first seen.
    public var originalPath: String
    public var workflow: String?
    /// For a `duplicate`: the row of the scan with the same bytes.
    public var duplicateOf: Int64?
    public var attempts: Int
    /// The last error, already masked; never a sensitive value.
    public var error: String?
    public var pages: Int?
    /// The records read, as JSON, with sensitive fields kept out (see `Redactor.maskedForJournal`).
    public var records: String?
    /// Milliseconds spent per stage (`hash`, `read`, `deliver`) in the last attempt.
    public var timings: [String: Double]
    public var createdAt: Date
    public var updatedAt: Date
    /// When the scan entered its current state; `kamiflow status` measures "stuck for how long" from this.
    public var stateSince: Date

    /// Every field, for journal implementations outside this module.
    public init(
        rowID: Int64, hash: String, state: ScanState, path: String, originalPath: String, workflow: String?,
        duplicateOf: Int64?, attempts: Int, error: String?, pages: Int?, records: String?, timings: [String: Double],
        createdAt: Date, updatedAt: Date, stateSince: Date
    ) {
        self.rowID = rowID
        self.hash = hash
        self.state = state
        self.path = path
        self.originalPath = originalPath
        self.workflow = workflow
        self.duplicateOf = duplicateOf
        self.attempts = attempts
        self.error = error
        self.pages = pages
        self.records = records
        self.timings = timings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.stateSince = stateSince
    }

    /// The id shown to people: the first 12 hex digits of the hash.
    public var shortID: String { String(hash.prefix(12)) }
}

/// One delivery of one record to one connection.
public struct DeliveryEntry: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable {
        /// Planned, not yet confirmed by the connector. After a crash it is sent again with the same key.
        case pending
        case delivered
        case rejected
        case failed
    }

    public var scanRowID: Int64
    public var connection: String
    public var idempotencyKey: String
    public var status: Status
    public var receipt: String?
    /// The rejection reasons or failure cause, masked.
    public var detail: String?
    public var attempts: Int
    public var updatedAt: Date

    /// Every field, for journal implementations outside this module.
    public init(
        scanRowID: Int64, connection: String, idempotencyKey: String, status: Status, receipt: String?, detail: String?,
        attempts: Int, updatedAt: Date
    ) {
        self.scanRowID = scanRowID
        self.connection = connection
        self.idempotencyKey = idempotencyKey
        self.status = status
        self.receipt = receipt
        self.detail = detail
        self.attempts = attempts
        self.updatedAt = updatedAt
    }

    /// How `Journal.planDeliveries` names a confirmed delivery: a delivery is one per connection and key.
    public static func identity(connection: String, key: String) -> String { connection + "\u{1F}" + key }
}

/// What became of one input path. A path whose bytes became a scan shares that scan's state (as it was when the
/// path was last seen); a path refused before it had a hash (empty, unreadable, not a scan file) has no scan.
public enum InputOutcome: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Never became a scan: the reason says why.
    case refused
    /// Its bytes are a scan (or, for `.duplicate`, the same bytes as a scan taken under another name).
    case scan(ScanState)

    public init?(rawValue: String) {
        if rawValue == "refused" {
            self = .refused
        } else if let state = ScanState(rawValue: rawValue) {
            self = .scan(state)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .refused: "refused"
        case .scan(let state): state.rawValue
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = InputOutcome(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown input outcome '\(text)'"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// One input path as a run or a drop folder met it, and what became of it.
///
/// Scans are keyed by the hash of their bytes (delivering once is the point), so a scan row alone cannot answer
/// "what happened to this file?" for a file that never had a hash (empty, unreadable, not a scan file) or for the
/// second of two files with the same bytes. Every path therefore gets a row of its own that points at the one scan
/// its bytes resolved to, or says why it was refused.
public struct InputEntry: Sendable, Codable, Hashable {
    public var rowID: Int64
    /// The path as the run was given it (absolute), or where it was dropped in an inbox.
    public var path: String
    /// Where the file was left: the same path for a run; `done/`, `review/` or `failed/` for a drop folder.
    public var location: String
    /// Bytes when it was seen; nil when the file could not even be looked at.
    public var size: Int64?
    /// The scan its bytes resolved to (for a duplicate: the scan with the same bytes); nil when refused.
    public var scanRowID: Int64?
    /// That scan's hash, for showing its id.
    public var hash: String?
    public var outcome: InputOutcome
    /// Why it was refused or failed, or whose bytes it repeats; already masked.
    public var reason: String?
    public var firstSeen: Date
    public var lastSeen: Date
    /// How many times this path was seen with the same result (a re-run of a batch sees every path again).
    public var sightings: Int

    /// Every field, for journal implementations outside this module.
    public init(
        rowID: Int64, path: String, location: String, size: Int64?, scanRowID: Int64?, hash: String?,
        outcome: InputOutcome, reason: String?, firstSeen: Date, lastSeen: Date, sightings: Int
    ) {
        self.rowID = rowID
        self.path = path
        self.location = location
        self.size = size
        self.scanRowID = scanRowID
        self.hash = hash
        self.outcome = outcome
        self.reason = reason
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.sightings = sightings
    }

    /// The scan id shown to people, when the path became a scan.
    public var shortID: String? { hash.map { String($0.prefix(12)) } }
}

/// What a run or a drop folder reports about one input path (see `Journal.recordInput`).
public struct InputSighting: Sendable, Hashable {
    public var path: String
    public var location: String
    public var size: Int64?
    public var scanRowID: Int64?
    public var outcome: InputOutcome
    public var reason: String?

    public init(
        path: String, location: String? = nil, size: Int64?, scanRowID: Int64?, outcome: InputOutcome,
        reason: String?
    ) {
        self.path = path
        self.location = location ?? path
        self.size = size
        self.scanRowID = scanRowID
        self.outcome = outcome
        self.reason = reason
    }
}

/// The answer to "may this file be processed?", decided in one transaction so that two workers (or two watcher
/// processes) never both start the same scan.
public enum Admission: Sendable, Hashable {
    /// Process it: new, or found mid-way (after a crash), or failed before and seen again.
    case process(ScanEntry)
    /// Already settled (a re-run of the same batch): nothing to do.
    case settled(ScanEntry)
    /// The same bytes are journaled under another file; `entry` is the duplicate's own row.
    case duplicate(entry: ScanEntry, original: ScanEntry)
}

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

    /// Every field, for journal implementations outside this module.
    public init(
        scanRowID: Int64, index: Int, status: Status, record: FormRecord?, updatedAt: Date
    ) {
        self.scanRowID = scanRowID
        self.index = index
        self.status = status
        self.record = record
        self.updatedAt = updatedAt
    }
}

/// The records waiting for a person in one workflow (see `Journal.reviewQueues`).
public struct ReviewQueue: Sendable, Hashable {
    /// The workflow's id, as the journal has it for the scan.
    public var workflow: String
    /// How many open records it holds.
    public var count: Int
    /// Since when the oldest of them has waited.
    public var oldest: Date

    public init(workflow: String, count: Int, oldest: Date) {
        self.workflow = workflow
        self.count = count
        self.oldest = oldest
    }
}

/// One open record with its scan, as the review station lists it (see `Journal.openReviewRecords`).
public struct OpenReviewRecord: Sendable, Hashable {
    public var scan: ScanEntry
    /// Open, with its clear copy.
    public var record: ReviewRecordEntry
    /// Since when it has waited: when its scan entered its state.
    public var since: Date { scan.stateSince }

    public init(scan: ScanEntry, record: ReviewRecordEntry) {
        self.scan = scan
        self.record = record
    }
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

    /// Every field, for journal implementations outside this module.
    public init(
        scanRowID: Int64, recordIndex: Int, action: Action, reviewer: String, changes: [ReviewChange],
        outcome: ReviewRecordEntry.Status, detail: String?, at: Date
    ) {
        self.scanRowID = scanRowID
        self.recordIndex = recordIndex
        self.action = action
        self.reviewer = reviewer
        self.changes = changes
        self.outcome = outcome
        self.detail = detail
        self.at = at
    }
}

extension ReviewAuditEntry {
    /// The state a scan is left in once this decision is recorded and its records have `statuses`: in review while
    /// one still waits, failed when a delivery failed, rejected when one was rejected or dismissed, else delivered.
    /// Every journal settles a review decision by it.
    public static func scanState(after statuses: [ReviewRecordEntry.Status]) -> ScanState {
        if statuses.contains(.waiting) { return .inReview }
        if statuses.contains(.failed) { return .failed }
        if statuses.contains(.rejected) || statuses.contains(.dismissed) { return .rejected }
        return .delivered
    }

    /// The scan's error text once this decision leaves it in `state`: none while it is delivered or still in
    /// review, who dismissed it and why, or the decision's own detail.
    public func scanError(leaving state: ScanState) -> String? {
        if state == .delivered || state == .inReview { return nil }
        return outcome == .dismissed ? "rejected by \(reviewer): \(detail ?? "")" : detail
    }
}

extension ScanEntry {
    /// Throws unless this scan may be read again from the start (`journal retry`): only a failed, rejected or
    /// unclassified scan may. Every journal asks it before resetting a scan.
    public func checkRetriable() throws(KamiflowError) {
        guard [.failed, .unclassified, .rejected].contains(state) else {
            throw KamiflowError(
                .invalidArgument, "only failed, rejected or unclassified scans can be retried (this one is \(state))",
                subject: shortID)
        }
    }
}
