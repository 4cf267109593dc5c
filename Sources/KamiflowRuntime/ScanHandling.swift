public import Foundation
public import KamiflowCore
import KamiflowWorkflow
package import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns one scan into records. The runtime never sees an engine: the composition root passes the workflow's
/// extraction pipeline (scan → pages → forms → records) behind this protocol.
public protocol ScanProcessor: Sendable {
    /// Reads every form in `scan`; `id` is the scan's hash, to be put in each record's `scanID`.
    /// Returning no records means no form of the workflow(s) was recognised (the scan is `unclassified`).
    /// Throws a `KamiflowError` naming the file for input that cannot be read.
    func process(_ scan: ScanSource, id: String) async throws -> [FormRecord]
}

/// One record on its way to one named connection.
public struct PlannedDelivery: Sendable, Hashable {
    public var connection: String
    public var request: DeliveryRequest

    public init(connection: String, request: DeliveryRequest) {
        self.connection = connection
        self.request = request
    }
}

/// Maps a straight-through record onto the deliveries its workflow's `deliver:` section asks for.
public typealias DeliveryPlanner = @Sendable (FormRecord) throws -> [PlannedDelivery]

/// What became of one input file in this run.
public struct ScanOutcome: Sendable, Codable, Hashable {
    /// The scan's hash (empty when the file could not even be read).
    public var id: String
    /// The file as given (batch) or as found in the inbox (drop folder).
    public var path: String
    public var state: ScanState
    /// Already settled before this run, nothing done.
    public var skipped: Bool
    /// Another worker or process holds the file; left alone.
    public var busy: Bool
    /// Interrupted by shutdown before it could settle; left `claimed` to be resumed.
    public var handedBack: Bool
    public var records: Int
    /// Records that wait for a person.
    public var review: Int
    public var pages: Int
    /// Why it failed, masked.
    public var error: String?
    /// For a duplicate: the id of the scan with the same bytes.
    public var duplicateOf: String?
    /// The journal's row (nil when the file could not be read).
    public var rowID: Int64?
    /// What reviewers and reason files show: the issues of records routed to review, masked.
    public var issues: [Issue]
    /// A folder walk did not take the file as a scan (its extension is not a scan's): journaled as refused, counted
    /// apart from the scans, no effect on the exit status.
    public var notTaken: Bool
    /// Where the file was left, when that is not `path` (a drop folder moves it to its outcome folder).
    public var location: String?

    /// In review only because the workflow's policy names one of its fields (`review.always`, `double_entry`):
    /// every issue on its review records is of those kinds.
    public var waitsOnlyByPolicy: Bool {
        state == .inReview && !issues.isEmpty
            && issues.allSatisfy { [IssueCode.alwaysReviewed, IssueCode.doubleEntry].contains($0.code) }
    }

    init(path: String, state: ScanState) {
        self.id = ""
        self.path = path
        self.state = state
        self.skipped = false
        self.busy = false
        self.handedBack = false
        self.records = 0
        self.review = 0
        self.pages = 0
        self.issues = []
        self.notTaken = false
    }
}

/// An input file held open with an exclusive advisory lock for as long as it is being handled, so that two
/// workers (two watchers on one inbox, a watcher resuming after a restart) never process it at the same time.
/// The lock is on the file itself, survives renames, and the kernel drops it when the process dies.
final class LockedFile {
    let path: String
    /// Bytes when the file was opened.
    let size: Int64
    private var descriptor: Int32

    enum Failure: Error {
        case busy
        case error(KamiflowError)
    }

    /// - Parameter exclusive: take the lock; `false` only opens the file (a queued scan, whose journal lease alone
    ///   decides who works on it).
    init(path: String, exclusive: Bool = true) throws(Failure) {
        self.path = path
        // Non-blocking: opening a FIFO someone put among the scans must not wait for a writer forever.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            throw .error(
                KamiflowError(
                    code == ENOENT ? .fileNotFound : code == EACCES ? .permissionDenied : .io,
                    "cannot open the file: \(String(cString: strerror(code)))", subject: path))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .error(
                KamiflowError(
                    .unsupportedFormat, "is not a regular file (a folder, device or pipe), so not a scan", subject: path
                ))
        }
        size = Int64(info.st_size)
        // Another holder: busy. Other failures (NFS emulates flock with POSIX locks, which refuse an exclusive
        // lock on a read-only descriptor) leave the file unlocked: the atomic rename claim still protects drop
        // folders there.
        if exclusive && flock(fd, LOCK_EX | LOCK_NB) != 0 && (errno == EWOULDBLOCK || errno == EAGAIN) {
            close(fd)
            throw .busy
        }
        descriptor = fd
    }

    deinit { unlock() }

    /// Closes the file, which drops the lock.
    func unlock() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    /// Whether the path still names the file we hold (a watcher elsewhere may have moved it before we locked it).
    var isStillAtPath: Bool {
        var held = stat()
        var named = stat()
        guard fstat(descriptor, &held) == 0, stat(path, &named) == 0 else { return false }
        return held.st_ino == named.st_ino && held.st_dev == named.st_dev
    }

    /// SHA-256 of the content, read in 1 MiB pieces: never the whole file in memory.
    func sha256() throws(KamiflowError) -> String {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        lseek(descriptor, 0, SEEK_SET)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw KamiflowError(.io, "cannot read the file: \(String(cString: strerror(errno)))", subject: path)
            }
            if n == 0 { break }
            total += n
            hasher.update(buffer[0..<n])
        }
        guard total > 0 else { throw KamiflowError(.emptyFile, "the file is empty", subject: path) }
        let digits = Array("0123456789abcdef")
        return String(hasher.finalize().flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }
}

/// The life of one scan, shared by the batch runner and the drop-folder watcher: lock, hash, journal, read,
/// deliver, settle. Every step is journaled before the next starts, so a crash anywhere is resumed by handling the
/// same file again: reading is repeated, and only deliveries the connector has not confirmed are sent again, with
/// the same idempotency keys.
package struct ScanHandler: Sendable {
    package let journal: any Journal
    package let processor: any ScanProcessor
    package let planner: DeliveryPlanner
    package let connectors: [String: any Connector]
    package let redactor: Redactor
    package let logger: Logger
    /// This process among those sharing the journal; each handling adds its own suffix to make the lease owner.
    package let node: LocalNode
    /// How long a claim on a scan lasts without renewal. The worker renews it every third of this while it reads
    /// and delivers (see `LeaseKeeper`); a worker that dies, or is cut off from the journal, holds its scans at most
    /// this long (less when its node's missed heartbeats free them first).
    package let leaseDuration: TimeInterval

    package init(
        journal: any Journal, processor: any ScanProcessor, planner: @escaping DeliveryPlanner,
        connectors: [String: any Connector], redactor: Redactor, logger: Logger, node: LocalNode = .process,
        leaseDuration: TimeInterval = 600
    ) {
        self.journal = journal
        self.processor = processor
        self.planner = planner
        self.connectors = connectors
        self.redactor = redactor
        self.logger = logger
        self.node = node
        self.leaseDuration = leaseDuration
    }

    /// Handles the file at `path`. Never throws: every failure is journaled (when the file could be hashed) and
    /// returned in the outcome, so one bad scan never stops the others.
    ///
    /// - Parameter lease: a lease the caller already holds on the scan's row (a queue worker takes scans and their
    ///   leases in one step); used instead of claiming, and given up at once when the scan is not processed here.
    /// - Parameter finish: runs with the outcome while the file is still locked (a drop folder moves the file to
    ///   its outcome folder here, so that nobody else can take it between settling and moving).
    package func handle(
        path: String, originalPath: String, rerunResumes: Bool, queued: Bool = false, lease: ScanLease? = nil,
        finish: (inout ScanOutcome) async -> Void = { _ in }
    ) async -> ScanOutcome {
        var outcome = ScanOutcome(path: originalPath, state: .failed)
        let file: LockedFile
        do {
            // A queued scan in the shared spool is not locked: the lease in the journal decides who works on it.
            // A file lock would be held by a node cut off from the network (on NFS until the server's own lease of
            // that client runs out, on one machine for as long as the process lives) and keep the others off the
            // scan that the journal has already given them.
            file = try LockedFile(path: path, exclusive: !queued)
        } catch {
            await giveUp(lease)
            switch error {
            case .busy:
                outcome.busy = true
                outcome.state = .claimed
            case .error(let e):
                outcome.error = redactor.redact(e.description)
            }
            let size = Self.size(ofFileAt: path)  // before `finish` moves it
            await finish(&outcome)
            await journalInput(outcome, at: path, size: size, scan: nil)
            return outcome
        }
        guard file.isStillAtPath else {
            await giveUp(lease)
            outcome.busy = true
            outcome.state = .claimed
            file.unlock()
            return outcome
        }
        let (processed, scanRow) = await process(
            file, originalPath: originalPath, rerunResumes: rerunResumes, queued: queued, lease: lease)
        outcome = processed
        if !outcome.busy, !outcome.handedBack, !outcome.skipped, outcome.state != .duplicate, scanRow != nil {
            node.settledOne()
        }
        await finish(&outcome)
        await journalInput(outcome, at: path, size: file.size, scan: scanRow)
        file.unlock()
        return outcome
    }

    /// Ends a lease taken for a scan that is not processed after all (its file busy or gone, its bytes settled or
    /// another scan's), so that it is free again now rather than when the lease runs out. Renewing for no time
    /// changes nothing when the lease was already lost or ended by settling.
    private func giveUp(_ lease: ScanLease?) async {
        guard let lease else { return }
        _ = try? await journal.renewLease(lease, duration: 0)
    }

    /// Journals a file a folder walk does not take as a scan (`reason` says why), so that its path can be found.
    /// `failed`: the run could not look at it (a folder that cannot be listed), which counts as a failed scan.
    package func refuse(path: String, reason: String, failed: Bool = false) async -> ScanOutcome {
        var outcome = ScanOutcome(path: path, state: .failed)
        outcome.notTaken = !failed
        outcome.error = redactor.redact(reason)
        await journalInput(outcome, at: path, size: Self.size(ofFileAt: path), scan: nil)
        return outcome
    }

    /// Writes the input row of one path: the scan its bytes resolved to, or why it was refused. A busy file is
    /// another worker's to journal. A journal that cannot be written is logged, never fatal to the scan.
    private func journalInput(_ outcome: ScanOutcome, at path: String, size: Int64?, scan: Int64?) async {
        guard !outcome.busy else { return }
        let reason =
            outcome.handedBack
            ? "interrupted by shutdown; will be resumed"
            : outcome.state == .duplicate && scan != nil
                ? "the same bytes as scan \(outcome.duplicateOf ?? "?"), taken under another name; not processed again"
                : outcome.skipped
                    ? "already \(outcome.state) in an earlier run" + (outcome.error.map { ": \($0)" } ?? "")
                    : outcome.error
        let sighting = InputSighting(
            path: outcome.path, location: outcome.location ?? path, size: size, scanRowID: scan,
            outcome: scan == nil ? .refused : .scan(outcome.state), reason: reason)
        do {
            try await journal.recordInput(sighting)
        } catch {
            logger.error(
                "cannot journal the input", metadata: ["file": "\(outcome.path)", "error": "\(error.message)"])
        }
    }

    static func size(ofFileAt path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Hashes, admits and reads the file; returns the outcome and the scan row its bytes resolved to (nil when it
    /// never had a hash or the journal refused it).
    private func process(
        _ file: LockedFile, originalPath: String, rerunResumes: Bool, queued: Bool, lease given: ScanLease?
    ) async
        -> (ScanOutcome, Int64?)
    {
        let path = file.path
        var outcome = ScanOutcome(path: originalPath, state: .failed)
        let clock = ContinuousClock()
        var timings: [String: Double] = [:]
        func milliseconds(_ d: Duration) -> Double {
            Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        // The time this scan waited for the journal (`journal` among the timings), from admission up to the
        // settling write, which stores the figure and so cannot count itself: what coordination costs a scan.
        var journalTime = Duration.zero
        func journaled<T, E: Error>(_ call: () async throws(E) -> T) async throws(E) -> T {
            let start = clock.now
            defer {
                journalTime += clock.now - start
                timings["journal"] = milliseconds(journalTime)
            }
            return try await call()
        }

        // 1. Hash and journal before anything else.
        let hash: String
        let admission: Admission
        do {
            let start = clock.now
            hash = try file.sha256()
            timings["hash"] = milliseconds(clock.now - start)
            outcome.id = hash
            admission = try await journaled { () throws(KamiflowError) in
                try await journal.admit(hash: hash, path: path, originalPath: originalPath, rerunResumes: rerunResumes)
            }
        } catch {
            await giveUp(given)
            outcome.error = redactor.redact(error.description)
            logger.error("cannot take scan", metadata: ["file": "\(path)", "error": "\(outcome.error!)"])
            return (outcome, nil)
        }

        let entry: ScanEntry
        if let given {
            var ours = false
            if case .process(let admitted) = admission { ours = admitted.rowID == given.scanRowID }
            if !ours { await giveUp(given) }
        }
        switch admission {
        case .settled(let settled):
            outcome.rowID = settled.rowID
            outcome.state = settled.state
            outcome.skipped = true
            outcome.pages = settled.pages ?? 0
            outcome.error = settled.error
            return (outcome, settled.rowID)
        case .duplicate(let duplicate, let original):
            outcome.rowID = duplicate.rowID
            outcome.state = .duplicate
            outcome.duplicateOf = original.shortID
            logger.notice(
                "duplicate scan: same bytes as an earlier file, not processed again",
                metadata: ["file": "\(originalPath)", "scan": "\(hash.prefix(12))", "original": "\(original.shortID)"])
            return (outcome, original.rowID)
        case .process(let e):
            entry = e
        }
        outcome.rowID = entry.rowID
        let scanLogger = {
            var l = logger
            l[metadataKey: "scan"] = "\(hash.prefix(12))"
            return l
        }()
        if entry.state != .claimed {
            scanLogger.notice("resuming scan", metadata: ["file": "\(originalPath)", "from": "\(entry.state)"])
        }
        defer { redactor.release(hash) }

        // The lease as last claimed or renewed: every write that ends the work (settle, hand back) is made only
        // while it is still this worker's, so a worker cut off and back cannot undo what another did meanwhile.
        var held: ScanLease?
        do {
            // The claim. The file lock above keeps other processes off this file; the lease keeps every other
            // worker off this scan, whatever name its bytes came under, including workers on other machines
            // sharing the journal.
            let claimed: ScanLease?
            if let given, given.scanRowID == entry.rowID {
                claimed = given
            } else {
                claimed = try await journaled {
                    try await journal.claim(
                        entry.rowID, owner: node.identity.ownerPrefix + UUID().uuidString.prefix(8),
                        duration: leaseDuration)
                }
            }
            guard let lease = claimed else { throw LeaseNotHeld(atClaim: true) }
            held = lease
            node.took()
            defer { node.released() }
            if Task.isCancelled { throw CancellationError() }
            // From here on, every write that changes the scan is made only while the lease is this worker's, and
            // the long steps (reading, delivering) run while the lease is renewed: a step whose lease is lost is
            // cancelled, and nothing it did is journaled.
            let keeper = LeaseKeeper(lease, journal: journal, duration: leaseDuration)
            // 2. Read.
            guard try await journaled({ try await journal.beginReading(holding: lease, now: Date()) }) else {
                throw LeaseNotHeld(atClaim: false)
            }
            let readStart = clock.now
            let processor = processor
            let records = try await keeper.whileRenewing { try await processor.process(.file(path: path), id: hash) }
            timings["read"] = milliseconds(clock.now - readStart)
            redactor.register(records, scope: hash)
            outcome.records = records.count
            outcome.pages = max(1, Set(records.flatMap(\.pages)).count)
            outcome.review = records.filter { $0.route == .review }.count
            outcome.issues = reviewIssues(records)
            let masked = redactor.maskedForJournal(records)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            // Records for a person are kept whole, so that the review station never has to read the scan again.
            var forReview: [Int: String] = [:]
            for record in records where record.route == .review {
                forReview[record.index] = String(decoding: try encoder.encode(record), as: UTF8.self)
            }
            let maskedRecords = String(decoding: try encoder.encode(masked), as: UTF8.self)
            let (pages, readTimings) = (outcome.pages, timings)
            guard
                try await journaled({
                    try await journal.recordRead(
                        holding: lease, workflow: records.first?.workflow, pages: pages, maskedRecords: maskedRecords,
                        timings: readTimings, forReview: forReview, now: Date())
                })
            else { throw LeaseNotHeld(atClaim: false) }
            guard !records.isEmpty else {
                outcome.state = .unclassified
                outcome.error = "no form of the workflow was recognised in this scan"
                guard
                    try await journal.settle(
                        holding: lease, state: .unclassified, error: outcome.error, timings: timings)
                else { throw LeaseNotHeld(atClaim: false) }
                scanLogger.warning("scan unclassified", metadata: ["file": "\(originalPath)"])
                return (outcome, entry.rowID)
            }

            // 3. Plan and journal the deliveries before any is made.
            var planned: [PlannedDelivery] = []
            for record in records where record.route == .straightThrough {
                planned += try planner(record)
            }
            redactor.register(planned.map(\.request), scope: hash)
            for item in planned where connectors[item.connection] == nil {
                throw KamiflowError(
                    .delivery, "the workflow delivers to '\(item.connection)', which the deployment does not define",
                    subject: item.connection)
            }
            let toDeliver = planned
            guard
                let confirmed = try await journaled({
                    try await journal.planDeliveries(
                        holding: lease, toDeliver.map { ($0.connection, $0.request.idempotencyKey) },
                        movingTo: .delivering, now: Date())
                })
            else { throw LeaseNotHeld(atClaim: false) }

            // 4. Deliver, connection by connection, journaling each answer as it comes.
            let deliverStart = clock.now
            let deliverer = Deliverer(journal: journal, connectors: connectors, redactor: redactor, lease: lease)
            let delivery = try await keeper.whileRenewing {
                try await deliverer.deliver(toDeliver, confirmed: confirmed)
            }
            let statuses = delivery.statuses
            if let error = delivery.error { outcome.error = error }
            timings["deliver"] = milliseconds(clock.now - deliverStart)

            // 5. Settle.
            if statuses.contains(.failed) && Task.isCancelled { throw CancellationError() }
            outcome.state =
                statuses.contains(.rejected)
                ? .rejected
                : statuses.contains(.failed)
                    ? .failed
                    : outcome.review > 0 ? .inReview : .delivered
            guard
                try await journal.settle(holding: lease, state: outcome.state, error: outcome.error, timings: timings)
            else { throw LeaseNotHeld(atClaim: false) }
            var metadata: Logger.Metadata = [
                "file": "\(originalPath)", "state": "\(outcome.state)", "records": "\(records.count)",
            ]
            if let error = outcome.error { metadata["error"] = "\(error)" }
            scanLogger.log(level: outcome.error == nil ? .info : .warning, "scan settled", metadata: metadata)
        } catch let refused as LeaseNotHeld {
            if refused.atClaim && queued && entry.path == path {
                // A queued scan claimed by another node first (a queue several nodes take from): theirs. Not for
                // other inputs: a failed scan dropped again under two names points the journal at the newer one,
                // and that name is a duplicate of the scan being read, to be journaled as such.
                outcome.state = .claimed
                outcome.busy = true
                outcome.rowID = nil
                return (outcome, nil)
            }
            if refused.atClaim {
                // The same bytes, admitted under another name (a failed scan dropped again twice), are being read
                // by another worker right now: this name is a duplicate of that scan, and its path is journaled as
                // such. The scan's row is the other worker's, so this outcome names none (nothing moves it).
                outcome.state = .duplicate
                outcome.duplicateOf = entry.shortID
                outcome.rowID = nil
                scanLogger.notice(
                    "the same bytes are being read under another name; not processed again",
                    metadata: ["file": "\(originalPath)"])
                return (outcome, entry.rowID)
            }
            // Another worker took the scan over after this one's lease ran out (or this worker could not renew it in
            // time): it journals the rest. Said with the scan id only.
            outcome.state = .claimed
            outcome.busy = true
            scanLogger.warning(
                refused.unreachable
                    ? "left the scan: the journal did not answer before its lease ran out; left to the other workers"
                    : "left the scan: its lease was taken over by another worker; left to it")
            return (outcome, nil)
        } catch let error where error is CancellationError || (error as? KamiflowError)?.code == .cancelled {
            outcome.state = .claimed
            outcome.handedBack = true
            if let held {
                _ = try? await journal.settle(
                    holding: held, state: .claimed, error: "interrupted by shutdown; will be resumed")
            }
            scanLogger.notice("scan handed back at shutdown", metadata: ["file": "\(originalPath)"])
        } catch let error as KamiflowError where error.code == .journal {
            // The journal went away mid-scan (a shared database restarting, the network cut): the scan is not the
            // problem. Hand it back once the journal answers again, which also ends this worker's lease, so that
            // it is resumed (by this worker's next pass, another node, or a re-run) rather than failed or held.
            outcome.state = .claimed
            outcome.handedBack = true
            outcome.error = redactor.redact(error.description)
            scanLogger.warning(
                "the journal failed mid-scan; handing the scan back", metadata: ["error": "\(outcome.error!)"])
            // Only while the lease is still this worker's: cut off long enough, its scan was taken over, and what
            // the other worker journaled (read, delivered) must stand.
            for attempt in 0..<30 where held != nil {
                do {
                    if try await !journal.settle(
                        holding: held!, state: .claimed, error: "the journal was unreachable; will be resumed")
                    {
                        outcome.busy = true
                        scanLogger.warning(
                            "scan taken over by another worker while the journal was unreachable; left to it",
                            metadata: ["file": "\(originalPath)"])
                    }
                    break
                } catch {
                    if attempt == 29 || Task.isCancelled { break }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        } catch {
            outcome.state = .failed
            outcome.error = redactor.redact(describe(error))
            if let held {
                _ = try? await journal.settle(holding: held, state: .failed, error: outcome.error, timings: timings)
            }
            scanLogger.error("scan failed", metadata: ["file": "\(originalPath)", "error": "\(outcome.error!)"])
        }
        return (outcome, entry.rowID)
    }

    private func describe(_ error: any Error) -> String {
        if let error = error as? KamiflowError { return error.description }
        return "\(error)"
    }

    private func reviewIssues(_ records: [FormRecord]) -> [Issue] {
        records.filter { $0.route == .review }.flatMap { record in
            record.issues + record.fields.flatMap(\.issues)
        }.map { issue in
            var issue = issue
            issue.message = redactor.redact(issue.message)
            return issue
        }
    }
}

/// Sends planned deliveries, connection by connection, and journals each answer as it comes: the one way records
/// reach core systems, for scans straight through and for records a person has reviewed.
package struct Deliverer: Sendable {
    package let journal: any Journal
    package let connectors: [String: any Connector]
    package let redactor: Redactor
    /// The worker's lease on the scan (none for the review station): each answer is journaled only while it holds.
    package let lease: ScanLease?

    package init(
        journal: any Journal, connectors: [String: any Connector], redactor: Redactor, lease: ScanLease? = nil
    ) {
        self.journal = journal
        self.connectors = connectors
        self.redactor = redactor
        self.lease = lease
    }

    /// Delivers `planned`, except what `confirmed` (from `Journal.planDeliveries`) says the connector already
    /// took. Returns one status per planned delivery, and the last rejection or failure, masked.
    package func deliver(
        _ planned: [PlannedDelivery], confirmed: Set<String>
    ) async throws
        -> (statuses: [DeliveryEntry.Status], error: String?)
    {
        var statuses: [DeliveryEntry.Status] = []
        var error: String?
        var connectionOrder: [String] = []
        for item in planned where !connectionOrder.contains(item.connection) {
            connectionOrder.append(item.connection)
        }
        for name in connectionOrder {
            guard let connector = connectors[name] else {
                throw KamiflowError(
                    .delivery, "the workflow delivers to '\(name)', which the deployment does not define",
                    subject: name)
            }
            let requests = planned.filter {
                $0.connection == name
                    && !confirmed.contains(DeliveryEntry.identity(connection: name, key: $0.request.idempotencyKey))
            }.map(\.request)
            statuses += Array(
                repeating: .delivered,
                count: planned.filter { $0.connection == name }.count
                    - requests.count)
            guard !requests.isEmpty else { continue }
            let outcomes = await connector.deliver(requests)
            guard outcomes.count == requests.count else {
                throw KamiflowError(
                    .delivery, "the connector answered \(outcomes.count) times for \(requests.count) records",
                    subject: name)
            }
            for (request, result) in zip(requests, outcomes) {
                if let lease {
                    // Taken over meanwhile: the new holder sends and records this delivery itself (same key).
                    guard
                        try await journal.recordDelivery(
                            holding: lease, connection: name, key: request.idempotencyKey, outcome: result,
                            redactor: redactor)
                    else { throw LeaseNotHeld(atClaim: false) }
                } else {
                    try await journal.recordDelivery(
                        connection: name, key: request.idempotencyKey, outcome: result, redactor: redactor)
                }
                switch result {
                case .delivered: statuses.append(.delivered)
                case .rejected(let reasons):
                    statuses.append(.rejected)
                    error = redactor.redact(
                        "\(name) rejected the record: " + reasons.map(\.message).joined(separator: "; "))
                case .failed(let reason, let attempts):
                    statuses.append(.failed)
                    error = redactor.redact(
                        "\(name) could not take the record after \(attempts) attempt(s): \(reason)")
                }
            }
        }
        return (statuses, error)
    }
}

extension Journal {
    /// Records a connector's answer with its receipt and reasons masked by `redactor`: the one place where a
    /// `DeliveryOutcome` becomes a delivery row, so that no journal implementation ever sees a clear value.
    public func recordDelivery(
        connection: String, key: String, outcome: DeliveryOutcome, redactor: Redactor, now: Date = Date()
    ) async throws(KamiflowError) {
        let (status, receipt, detail) = Self.row(of: outcome, redactor: redactor)
        try await recordDelivery(
            connection: connection, key: key, status: status, receipt: receipt, detail: detail, now: now)
    }

    /// The same, only while `lease` is its owner's (see `Journal.recordDelivery(holding:…)`); false when not.
    public func recordDelivery(
        holding lease: ScanLease, connection: String, key: String, outcome: DeliveryOutcome, redactor: Redactor,
        now: Date = Date()
    ) async throws(KamiflowError) -> Bool {
        let (status, receipt, detail) = Self.row(of: outcome, redactor: redactor)
        return try await recordDelivery(
            holding: lease, connection: connection, key: key, status: status, receipt: receipt, detail: detail,
            now: now)
    }

    private static func row(
        of outcome: DeliveryOutcome, redactor: Redactor
    ) -> (DeliveryEntry.Status, receipt: String?, detail: String?) {
        let status: DeliveryEntry.Status
        var receipt: String?
        var detail: String?
        switch outcome {
        case .delivered(let r):
            status = .delivered
            receipt = r.map(redactor.redact)
        case .rejected(let reasons):
            status = .rejected
            detail = redactor.redact(
                reasons.map { ($0.field.map { "\($0): " } ?? "") + $0.message }.joined(separator: "; "))
        case .failed(let reason, _):
            status = .failed
            detail = redactor.redact(reason)
        }
        return (status, receipt, detail)
    }
}

/// Thrown while a scan is handled when another worker holds its lease (`atClaim`), or took it over later, or the
/// lease ran out while the journal did not answer (`unreachable`): the scan is theirs to journal.
struct LeaseNotHeld: Error {
    var atClaim: Bool
    var unreachable = false
}

/// Holds a worker's lease on one scan for as long as a long step (reading, delivering) runs: it renews the lease
/// every third of its length, so that a scan is never taken over from a worker that is alive and reaches the
/// journal, however long the step takes. When a renewal is refused (another worker took the scan over: this
/// process was stopped, or cut off, for longer than its node's heartbeats allow) or the journal has not answered
/// until the lease ran out, the step is cancelled and `LeaseNotHeld` thrown: the worker then neither delivers nor
/// journals anything more for the scan.
final class LeaseKeeper: Sendable {
    private let journal: any Journal
    private let duration: TimeInterval
    private let current: Mutex<ScanLease>

    init(_ lease: ScanLease, journal: any Journal, duration: TimeInterval) {
        self.journal = journal
        self.duration = duration
        self.current = Mutex(lease)
    }

    /// The lease as last claimed or renewed.
    var lease: ScanLease { current.withLock { $0 } }

    /// How often the lease is renewed: a third of its length, so that one renewal can fail (a journal restarting)
    /// and the next still comes before the lease runs out.
    var interval: TimeInterval { duration / 3 }

    private enum Finished<T: Sendable>: Sendable {
        case step(T)
        case renewalStopped
    }

    /// Runs `step` while renewing the lease; throws `LeaseNotHeld` (after `step` was cancelled and has returned)
    /// when the lease was lost meanwhile.
    func whileRenewing<T: Sendable>(_ step: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Finished<T>.self) { group in
            group.addTask { .step(try await step()) }
            group.addTask {
                try await self.renewUntilLost()
                return .renewalStopped
            }
            defer { group.cancelAll() }
            while let finished = try await group.next() {
                if case .step(let value) = finished { return value }
            }
            throw CancellationError()
        }
    }

    /// Renews every `interval` until cancelled (returns) or the lease is lost (throws).
    private func renewUntilLost() async throws {
        while true {
            do {
                try await Task.sleep(for: .seconds(interval))
            } catch {
                return
            }
            let held = lease
            let renewed: ScanLease?
            do {
                renewed = try await journal.renewLease(held, duration: duration, now: Date())
            } catch {
                if Task.isCancelled { return }
                // The journal did not answer: try again at the next interval, unless the lease has run out by now,
                // and another worker may have the scan.
                if Date() >= held.expires { throw LeaseNotHeld(atClaim: false, unreachable: true) }
                continue
            }
            guard let renewed else { throw LeaseNotHeld(atClaim: false) }
            current.withLock { $0 = renewed }
        }
    }
}
