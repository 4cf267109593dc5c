public import Foundation
import GRDB
public import KamiflowCore
import Synchronization

/// Settings of the journal. The embedded default keeps it beside the work, in `./.kamiflow/`.
public struct JournalConfiguration: Sendable, Hashable {
    public static let defaultPath = ".kamiflow/journal.sqlite"

    /// The SQLite file; its folder is created when missing.
    public var path: String
    /// How long a writer waits for another process (a second watcher, `kamiflow journal`) holding the lock.
    public var busyTimeout: TimeInterval

    public init(path: String = JournalConfiguration.defaultPath, busyTimeout: TimeInterval = 10) {
        self.path = path
        self.busyTimeout = busyTimeout
    }
}

/// The embedded journal: SQLite in WAL mode through GRDB, one file beside the work. The default when no shared
/// journal is configured; only the composition root (the executable) and tests name this type, everything else
/// speaks `any Journal`.
///
/// Writes are short synchronous transactions inside the async methods, on purpose: they must still happen while a
/// task is being cancelled (a scan handed back at shutdown is journaled as such), and GRDB's async API refuses to
/// start work then. Each is a few milliseconds of local I/O, as before the protocol existed.
///
/// Leases are a single-process lock, kept in memory and not in the file. On one machine the exclusive `flock` a
/// worker holds on the input file already keeps other processes off the scan, and the kernel drops it the moment
/// the process dies, so a crashed run is resumed at once. A lease column in the file would instead keep a killed
/// process's scans locked until the lease ran out. So `claim` only keeps two workers of this process (this journal
/// object) apart, expiry included; leases that coordinate machines belong to a shared journal.
public final class SQLiteJournal: Journal {
    private let pool: DatabasePool
    /// The SQLite file.
    public let path: String
    /// Leases by scan row, for this process only (see the type's comment).
    private let leases = Mutex<[Int64: ScanLease]>([:])

    public var location: String { path }

    /// Opens (creating if needed) the journal and brings its schema up to date.
    public init(configuration: JournalConfiguration) throws(KamiflowError) {
        let url = URL(fileURLWithPath: configuration.path)
        path = url.path
        do {
            try PrivateFiles.prepareDatabaseFile(atPath: url.path)
            var config = Configuration()
            config.busyMode = .timeout(configuration.busyTimeout)
            config.label = "kamiflow.journal"
            // WAL with synchronous=NORMAL: every commit survives a crash or kill of the process; a power cut may
            // lose the last commits, which is safe here because the journal is only ever behind the connectors
            // (a lost "delivered" means one redelivery with the same idempotency key, which the core system
            // recognises). FULL would cost one fsync per state change.
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            pool = try Self.open(url.path, configuration: config)
        } catch let error as DatabaseError {
            throw KamiflowError(
                .journal, "cannot open the journal: \(error.message ?? "\(error.resultCode)")", subject: url.path,
                cause: error)
        } catch {
            throw KamiflowError(.journal, "cannot open the journal", subject: url.path, cause: error)
        }
    }

    /// Opens the journal and brings its schema up to date, also when other processes open the same new journal at
    /// the same moment.
    ///
    /// Two races. The migrator reads which migrations are applied before it takes the write lock: `kamiflow serve`
    /// and `kamiflow run --submit` started side by side on a new folder both applied v7, and the second failed with
    /// "table review_lease already exists" (the worker exited). And turning a new file to WAL takes a lock no busy
    /// timeout waits for ("database is locked", seen with four threads opening one new journal). Each migration is one transaction, so the
    /// loser's was rolled back whole; opened again a moment later, the other's migrations are skipped.
    static func open(_ path: String, configuration: Configuration) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try migrator.migrate(pool)
                return pool
            } catch let error as DatabaseError
                where [.SQLITE_ERROR, .SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && attempt < 8
            {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: scans, deliveries, job runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE scan (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        hash TEXT NOT NULL,
                        state TEXT NOT NULL,
                        path TEXT NOT NULL,
                        original_path TEXT NOT NULL,
                        workflow TEXT,
                        duplicate_of INTEGER REFERENCES scan(id),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        error TEXT,
                        pages INTEGER,
                        records TEXT,
                        timings TEXT NOT NULL DEFAULT '{}',
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        state_since REAL NOT NULL
                    );
                    CREATE UNIQUE INDEX scan_primary_hash ON scan(hash) WHERE state != 'duplicate';
                    CREATE INDEX scan_state ON scan(state);
                    CREATE INDEX scan_path ON scan(path);
                    CREATE INDEX scan_original_path ON scan(original_path);
                    CREATE TABLE delivery (
                        scan_id INTEGER NOT NULL REFERENCES scan(id),
                        connection TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        status TEXT NOT NULL,
                        receipt TEXT,
                        detail TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        updated_at REAL NOT NULL,
                        PRIMARY KEY (connection, idempotency_key)
                    );
                    CREATE INDEX delivery_scan ON delivery(scan_id);
                    CREATE TABLE job_run (
                        job TEXT PRIMARY KEY,
                        last_started REAL,
                        last_finished REAL,
                        last_status TEXT
                    );
                    """)
        }
        migrator.registerMigration("v2: records waiting for review, review audit trail") { db in
            // `record` holds the record as read, sensitive values included, for as long as a person has to decide
            // on it: the review station corrects and delivers it without reading the scan again. It is emptied
            // once the record is delivered or dismissed; `scan.records` keeps the masked copy.
            try db.execute(
                sql: """
                    CREATE TABLE review_record (
                        scan_id INTEGER NOT NULL REFERENCES scan(id),
                        record_index INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        record TEXT,
                        updated_at REAL NOT NULL,
                        PRIMARY KEY (scan_id, record_index)
                    );
                    CREATE TABLE review_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        scan_id INTEGER NOT NULL REFERENCES scan(id),
                        record_index INTEGER NOT NULL,
                        action TEXT NOT NULL,
                        reviewer TEXT NOT NULL,
                        changes TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        detail TEXT,
                        at REAL NOT NULL
                    );
                    CREATE INDEX review_audit_scan ON review_audit(scan_id);
                    """)
        }
        migrator.registerMigration("v3: every input path") { db in
            // One row per input path and result: files refused before they had a hash have a row too, and many
            // names for the same bytes each keep theirs, pointing at the one scan row. The scans journaled before
            // this table existed get one row each, from the paths their scan rows kept.
            try db.execute(
                sql: """
                    CREATE TABLE input (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        path TEXT NOT NULL,
                        location TEXT NOT NULL,
                        size INTEGER,
                        scan_id INTEGER REFERENCES scan(id),
                        outcome TEXT NOT NULL,
                        reason TEXT,
                        first_seen REAL NOT NULL,
                        last_seen REAL NOT NULL,
                        sightings INTEGER NOT NULL DEFAULT 1
                    );
                    CREATE INDEX input_path ON input(path);
                    CREATE INDEX input_location ON input(location);
                    CREATE INDEX input_scan ON input(scan_id);
                    CREATE INDEX input_last_seen ON input(last_seen);
                    INSERT INTO input (path, location, scan_id, outcome, reason, first_seen, last_seen)
                        SELECT original_path, path, COALESCE(duplicate_of, id), state, error, created_at, updated_at
                        FROM scan ORDER BY id;
                    """)
        }
        migrator.registerMigration("v4: the review queue, oldest first") { db in
            // The review station lists open records oldest first; only scans in these states can hold one.
            try db.execute(
                sql: """
                    CREATE INDEX scan_review_queue ON scan(state_since, id)
                        WHERE state IN ('in-review', 'failed', 'rejected');
                    """)
        }
        migrator.registerMigration("v5: nodes") { db in
            // The processes that used this journal, with their heartbeats: `kamiflow status` lists them, and a lease
            // whose node has stopped is free at once (see `Journal.claim`).
            try db.execute(
                sql: """
                    CREATE TABLE node (
                        id TEXT PRIMARY KEY,
                        name TEXT,
                        host TEXT NOT NULL,
                        pid INTEGER NOT NULL,
                        started REAL NOT NULL,
                        last_seen REAL NOT NULL,
                        heartbeat_interval REAL NOT NULL,
                        stopped REAL,
                        scans_done INTEGER NOT NULL DEFAULT 0,
                        holding INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX node_host_name ON node(host, name);
                    """)
        }
        migrator.registerMigration("v6: scheduled job ticks") { db in
            // One row per job and due time: the node that inserts it runs that tick, the others skip it.
            try db.execute(
                sql: """
                    CREATE TABLE job_tick (
                        job TEXT NOT NULL,
                        tick INTEGER NOT NULL,
                        node TEXT NOT NULL,
                        claimed_at REAL NOT NULL,
                        PRIMARY KEY (job, tick)
                    );
                    """)
        }
        migrator.registerMigration("v7: review leases and blind entries") { db in
            // The review station's record leases and blind double entries, in the journal so that every station
            // sharing it sees them (they were in review-station.sqlite before; open ones are not carried over).
            try db.execute(
                sql: """
                    CREATE TABLE review_lease (
                        scan_id INTEGER NOT NULL,
                        record_index INTEGER NOT NULL,
                        reviewer TEXT NOT NULL,
                        node TEXT NOT NULL,
                        expires_at REAL NOT NULL,
                        PRIMARY KEY (scan_id, record_index)
                    );
                    CREATE INDEX review_lease_reviewer ON review_lease(reviewer);
                    CREATE TABLE review_double_entry (
                        scan_id INTEGER NOT NULL,
                        record_index INTEGER NOT NULL,
                        round INTEGER NOT NULL,
                        reviewer TEXT NOT NULL,
                        keyed TEXT NOT NULL,
                        corrections TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (scan_id, record_index, round)
                    );
                    """)
        }
        return migrator
    }

    // MARK: Writing

    /// Records that a file with `hash` was seen at `path` (first seen at `originalPath`) and decides what to do.
    ///
    /// - Parameter rerunResumes: a batch re-run names the same input paths again: a scan first seen at the same
    ///   original path is the same scan (resumed or skipped). A drop folder sets this to `false`: a file dropped
    ///   again after it was settled is a duplicate.
    public func admit(
        hash: String, path: String, originalPath: String, rerunResumes: Bool, now: Date
    ) async throws(KamiflowError) -> Admission {
        try write { db in
            guard let primary = try Self.fetchEntry(db, "hash = ? AND state != 'duplicate'", [hash]) else {
                try db.execute(
                    sql: """
                        INSERT INTO scan (hash, state, path, original_path, created_at, updated_at, state_since)
                        VALUES (?, 'claimed', ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        hash, path, originalPath, now.timeIntervalSince1970, now.timeIntervalSince1970,
                        now.timeIntervalSince1970,
                    ])
                return .process(try Self.fetchEntry(db, "id = ?", [db.lastInsertedRowID])!)
            }
            // The same file where the journal last saw it (resumed after a crash, taken back from the inbox after a
            // hand-back or a requeue), or the same input of a re-run batch.
            let samePlace =
                primary.path == path || primary.path == originalPath
                || (rerunResumes && primary.originalPath == originalPath)
            if samePlace {
                if primary.state.isSettled { return .settled(primary) }
                if primary.path != path {
                    try db.execute(
                        sql: "UPDATE scan SET path = ?, updated_at = ? WHERE id = ?",
                        arguments: [path, now.timeIntervalSince1970, primary.rowID])
                }
                return .process(try Self.fetchEntry(db, "id = ?", [primary.rowID])!)
            }
            if primary.state == .failed {
                // The same bytes dropped again after a failure: that is a deliberate retry, not a duplicate.
                try db.execute(
                    sql: "UPDATE scan SET path = ?, original_path = ?, updated_at = ? WHERE id = ?",
                    arguments: [path, originalPath, now.timeIntervalSince1970, primary.rowID])
                return .process(try Self.fetchEntry(db, "id = ?", [primary.rowID])!)
            }
            if let existing = try Self.fetchEntry(
                db, "hash = ? AND state = 'duplicate' AND (original_path = ? OR path = ?)", [hash, originalPath, path])
            {
                return .duplicate(entry: existing, original: primary)
            }
            try db.execute(
                sql: """
                    INSERT INTO scan (hash, state, path, original_path, workflow, duplicate_of, created_at, updated_at,
                        state_since)
                    VALUES (?, 'duplicate', ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    hash, path, originalPath, primary.workflow, primary.rowID, now.timeIntervalSince1970,
                    now.timeIntervalSince1970, now.timeIntervalSince1970,
                ])
            return .duplicate(entry: try Self.fetchEntry(db, "id = ?", [db.lastInsertedRowID])!, original: primary)
        }
    }

    public func claim(
        _ rowID: Int64, owner: String, duration: TimeInterval, now: Date
    )
        async throws(KamiflowError) -> ScanLease?
    {
        guard try read({ db in try Self.fetchEntry(db, "id = ?", [rowID]) }) != nil else {
            throw KamiflowError(.invalidArgument, "no such scan", subject: String(rowID))
        }
        // A lease of a node that has stopped (or stopped beating) is free at once.
        let holder = leases.withLock { $0[rowID] }
        var holderGone = false
        if let holder, holder.owner != owner, holder.expires > now,
            let node = NodeIdentity.nodeID(ofOwner: holder.owner)
        {
            holderGone =
                try read { db in try Self.fetchNodes(db, "WHERE id = ?", [node], now: now) }.first
                .map { !$0.isAlive(at: now) } ?? false
        }
        return leases.withLock { leases in
            if let held = leases[rowID], held.owner != owner, held.expires > now,
                !(holderGone && held.owner == holder?.owner)
            {
                return nil
            }
            let lease = ScanLease(scanRowID: rowID, owner: owner, expires: now.addingTimeInterval(duration))
            leases[rowID] = lease
            return lease
        }
    }

    public func renewLease(
        _ lease: ScanLease, duration: TimeInterval, now: Date
    ) async throws(KamiflowError)
        -> ScanLease?
    {
        leases.withLock { leases in
            // Lost when settled (no lease), taken over by another owner, or run out: whoever claims next wins.
            guard let held = leases[lease.scanRowID], held.owner == lease.owner, held.expires > now else {
                return nil
            }
            let renewed = ScanLease(
                scanRowID: lease.scanRowID, owner: lease.owner, expires: now.addingTimeInterval(duration))
            leases[lease.scanRowID] = renewed
            return renewed
        }
    }

    /// Marks the start of an attempt at reading the scan.
    public func beginReading(_ rowID: Int64, now: Date) async throws(KamiflowError) {
        try beginReadingRow(rowID, now: now)
    }

    public func beginReading(holding lease: ScanLease, now: Date) async throws(KamiflowError) -> Bool {
        try ifHeld(lease) { () throws(KamiflowError) in try beginReadingRow(lease.scanRowID, now: now) } != nil
    }

    /// Runs `write` while `lease` is its owner's in this process (run out or not: nobody took it), the lease table
    /// locked meanwhile so that no worker of this process claims the scan between the check and the write; `nil`,
    /// with nothing written, when another owner took the scan or it was settled.
    private func ifHeld<T: Sendable>(
        _ lease: ScanLease, _ write: () throws(KamiflowError) -> T
    ) throws(KamiflowError) -> T? {
        try leases.withLock { (leases) throws(KamiflowError) -> T? in
            guard leases[lease.scanRowID]?.owner == lease.owner else { return nil }
            return try write()
        }
    }

    private func beginReadingRow(_ rowID: Int64, now: Date) throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE scan SET state = 'reading', attempts = attempts + 1, error = NULL, updated_at = ?,
                        state_since = ? WHERE id = ?
                    """,
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, rowID])
        }
    }

    /// Stores what was read (records already masked) and the time each stage took, and the records a person has
    /// to look at, whole (`forReview`: record index → FormRecord JSON), for the review station. Reading a scan
    /// again replaces what an earlier reading left for review.
    public func recordRead(
        _ rowID: Int64, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String], now: Date
    ) async throws(KamiflowError) {
        try recordReadRow(
            rowID, workflow: workflow, pages: pages, maskedRecords: maskedRecords, timings: timings,
            forReview: forReview, now: now)
    }

    public func recordRead(
        holding lease: ScanLease, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String], now: Date
    ) async throws(KamiflowError) -> Bool {
        try ifHeld(lease) { () throws(KamiflowError) in
            try recordReadRow(
                lease.scanRowID, workflow: workflow, pages: pages, maskedRecords: maskedRecords, timings: timings,
                forReview: forReview, now: now)
        } != nil
    }

    private func recordReadRow(
        _ rowID: Int64, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String], now: Date
    ) throws(KamiflowError) {
        let timingsJSON = Self.json(timings)
        try write { db in
            try db.execute(
                sql: """
                    UPDATE scan SET state = 'read', workflow = ?, pages = ?, records = ?, timings = ?, updated_at = ?,
                        state_since = ? WHERE id = ?
                    """,
                arguments: [
                    workflow, pages, maskedRecords, timingsJSON, now.timeIntervalSince1970,
                    now.timeIntervalSince1970, rowID,
                ])
            try db.execute(sql: "DELETE FROM review_record WHERE scan_id = ?", arguments: [rowID])
            try db.execute(sql: "DELETE FROM review_double_entry WHERE scan_id = ?", arguments: [rowID])
            for (index, record) in forReview.sorted(by: { $0.key < $1.key }) {
                try db.execute(
                    sql: """
                        INSERT INTO review_record (scan_id, record_index, status, record, updated_at)
                        VALUES (?, ?, 'waiting', ?, ?)
                        """,
                    arguments: [rowID, index, record, now.timeIntervalSince1970])
            }
        }
    }

    /// Journals the deliveries about to be made (status `pending` unless already known) and moves the scan to
    /// `delivering` (the review station passes `nil`: a reviewed scan stays where it is until the answers are in).
    /// Returns the deliveries the connector has already confirmed, which must not be sent again.
    public func planDeliveries(
        _ rowID: Int64, _ planned: [(connection: String, key: String)], movingTo state: ScanState?,
        now: Date
    ) async throws(KamiflowError) -> Set<String> {
        try planDeliveryRows(rowID, planned, movingTo: state, now: now)
    }

    public func planDeliveries(
        holding lease: ScanLease, _ planned: [(connection: String, key: String)], movingTo state: ScanState?,
        now: Date
    ) async throws(KamiflowError) -> Set<String>? {
        try ifHeld(lease) { () throws(KamiflowError) in
            try planDeliveryRows(lease.scanRowID, planned, movingTo: state, now: now)
        }
    }

    private func planDeliveryRows(
        _ rowID: Int64, _ planned: [(connection: String, key: String)], movingTo state: ScanState?, now: Date
    ) throws(KamiflowError) -> Set<String> {
        try write { db in
            for item in planned {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO delivery (scan_id, connection, idempotency_key, status, updated_at)
                        VALUES (?, ?, ?, 'pending', ?)
                        """,
                    arguments: [rowID, item.connection, item.key, now.timeIntervalSince1970])
            }
            if let state {
                try db.execute(
                    sql: "UPDATE scan SET state = ?, updated_at = ?, state_since = ? WHERE id = ?",
                    arguments: [state.rawValue, now.timeIntervalSince1970, now.timeIntervalSince1970, rowID])
            }
            let done = try Row.fetchAll(
                db, sql: "SELECT connection, idempotency_key FROM delivery WHERE scan_id = ? AND status = 'delivered'",
                arguments: [rowID])
            return Set(done.map { DeliveryEntry.identity(connection: $0["connection"], key: $0["idempotency_key"]) })
        }
    }

    public func recordDelivery(
        connection: String, key: String, status: DeliveryEntry.Status, receipt: String?, detail: String?, now: Date
    ) async throws(KamiflowError) {
        try recordDeliveryRow(
            of: nil, connection: connection, key: key, status: status, receipt: receipt, detail: detail, now: now)
    }

    public func recordDelivery(
        holding lease: ScanLease, connection: String, key: String, status: DeliveryEntry.Status, receipt: String?,
        detail: String?, now: Date
    ) async throws(KamiflowError) -> Bool {
        try ifHeld(lease) { () throws(KamiflowError) in
            try recordDeliveryRow(
                of: lease.scanRowID, connection: connection, key: key, status: status, receipt: receipt,
                detail: detail, now: now)
        } != nil
    }

    /// The delivery row of `connection` and `key` (of scan `rowID` when given) takes the connector's answer.
    private func recordDeliveryRow(
        of rowID: Int64?, connection: String, key: String, status: DeliveryEntry.Status, receipt: String?,
        detail: String?, now: Date
    ) throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE delivery SET status = ?, receipt = ?, detail = ?, attempts = attempts + 1, updated_at = ?
                    WHERE connection = ? AND idempotency_key = ? AND (? IS NULL OR scan_id = ?)
                    """,
                arguments: [status.rawValue, receipt, detail, now.timeIntervalSince1970, connection, key, rowID, rowID])
        }
    }

    /// Puts the scan in its final (or failed) state.
    public func settle(
        _ rowID: Int64, state: ScanState, error: String?, timings: [String: Double]?, now: Date
    ) async throws(KamiflowError) {
        leases.withLock { _ = $0.removeValue(forKey: rowID) }
        try write { db in
            if let timings {
                try db.execute(sql: "UPDATE scan SET timings = ? WHERE id = ?", arguments: [Self.json(timings), rowID])
            }
            try db.execute(
                sql: "UPDATE scan SET state = ?, error = ?, updated_at = ?, state_since = ? WHERE id = ?",
                arguments: [state.rawValue, error, now.timeIntervalSince1970, now.timeIntervalSince1970, rowID])
        }
    }

    /// Settles while `lease` is still its owner's in this process (run out or not: nobody took it).
    public func settle(
        holding lease: ScanLease, state: ScanState, error: String?, timings: [String: Double]?, now: Date
    ) async throws(KamiflowError) -> Bool {
        guard leases.withLock({ $0[lease.scanRowID]?.owner == lease.owner }) else { return false }
        try await settle(lease.scanRowID, state: state, error: error, timings: timings, now: now)
        return true
    }

    /// Records that the file moved (drop folders), so that `journal show` and resumption find it.
    public func move(_ rowID: Int64, to path: String, now: Date) async throws(KamiflowError) {
        try write { db in
            // The input that left the file at the scan's old place follows it.
            try db.execute(
                sql: "UPDATE input SET location = ? WHERE location = (SELECT path FROM scan WHERE id = ?)",
                arguments: [path, rowID])
            try db.execute(
                sql: "UPDATE scan SET path = ?, updated_at = ? WHERE id = ?",
                arguments: [path, now.timeIntervalSince1970, rowID])
        }
    }

    /// `journal retry`: a failed or unclassified scan goes back to `claimed`, to be taken by the next run or by the
    /// drop-folder watcher that has its file.
    public func retry(_ rowID: Int64, now: Date) async throws(KamiflowError) {
        try write { db in
            guard let entry = try Self.fetchEntry(db, "id = ?", [rowID]) else {
                throw KamiflowError(.invalidArgument, "no such scan", subject: String(rowID))
            }
            try entry.checkRetriable()
            try Self.reset(db, rowID, now: now, keepAttempts: true)
        }
    }

    /// `journal requeue`: any scan except a duplicate starts again from `claimed`, attempts counted from zero.
    /// Deliveries already confirmed stay recorded: a redelivery uses the same idempotency keys.
    public func requeue(_ rowID: Int64, now: Date) async throws(KamiflowError) {
        try write { db in
            guard let entry = try Self.fetchEntry(db, "id = ?", [rowID]) else {
                throw KamiflowError(.invalidArgument, "no such scan", subject: String(rowID))
            }
            guard entry.state != .duplicate else {
                throw KamiflowError(
                    .invalidArgument, "a duplicate is not processed; requeue its original instead",
                    subject: entry.path)
            }
            try Self.reset(db, rowID, now: now, keepAttempts: false)
        }
    }

    private static func reset(_ db: Database, _ rowID: Int64, now: Date, keepAttempts: Bool) throws {
        try db.execute(
            sql: """
                UPDATE scan SET state = 'claimed', error = NULL, attempts = \(keepAttempts ? "attempts" : "0"),
                    updated_at = ?, state_since = ? WHERE id = ?
                """,
            arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, rowID])
        try db.execute(
            sql: "UPDATE delivery SET status = 'pending' WHERE scan_id = ? AND status IN ('failed', 'rejected')",
            arguments: [rowID])
    }

    /// Records the start or end of a scheduled job's run (the missed-run policy reads it back).
    public func recordJobRun(
        _ job: String, started: Date?, finished: Date?, status: String?
    )
        async throws(KamiflowError)
    {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO job_run (job) VALUES (?)", arguments: [job])
            if let started {
                try db.execute(
                    sql: "UPDATE job_run SET last_started = ? WHERE job = ?",
                    arguments: [started.timeIntervalSince1970, job])
            }
            if let finished {
                try db.execute(
                    sql: "UPDATE job_run SET last_finished = ?, last_status = ? WHERE job = ?",
                    arguments: [finished.timeIntervalSince1970, status, job])
            }
        }
    }

    /// Journals that an input path was seen and what became of it. The same path seen again with the same result
    /// (the same scan, or refused again) updates its row; a new result (other bytes under the same name) gets a
    /// row of its own, so the history of a path stays readable.
    @discardableResult
    public func recordInput(_ sighting: InputSighting, now: Date) async throws(KamiflowError) -> InputEntry {
        try write { db in
            let at = now.timeIntervalSince1970
            if let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM input WHERE path = ? AND scan_id IS ? ORDER BY id DESC LIMIT 1",
                arguments: [sighting.path, sighting.scanRowID])
            {
                try db.execute(
                    sql: """
                        UPDATE input SET location = ?, size = ?, outcome = ?, reason = ?, last_seen = ?,
                            sightings = sightings + 1 WHERE id = ?
                        """,
                    arguments: [
                        sighting.location, sighting.size, sighting.outcome.rawValue, sighting.reason, at,
                        existing,
                    ])
                return try Self.fetchInputs(db, "input.id = ?", [existing]).first!
            }
            try db.execute(
                sql: """
                    INSERT INTO input (path, location, size, scan_id, outcome, reason, first_seen, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    sighting.path, sighting.location, sighting.size, sighting.scanRowID,
                    sighting.outcome.rawValue, sighting.reason, at, at,
                ])
            return try Self.fetchInputs(db, "input.id = ?", [db.lastInsertedRowID]).first!
        }
    }

    // MARK: Reading

    /// When the job last started, if ever.
    public func lastJobStart(_ job: String) async throws(KamiflowError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT last_started FROM job_run WHERE job = ?", arguments: [job])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func entry(rowID: Int64) async throws(KamiflowError) -> ScanEntry? {
        try read { db in try Self.fetchEntry(db, "id = ?", [rowID]) }
    }

    /// Finds scans named the way people name them: a hash prefix (at least 4 hex digits) or a path (current or
    /// original, relative paths taken from the current folder). The original comes before its duplicates.
    public func entries(matching reference: String) async throws(KamiflowError) -> [ScanEntry] {
        let lower = reference.lowercased()
        let isHex = lower.count >= 4 && lower.allSatisfy { $0.isHexDigit }
        let absolute = URL(fileURLWithPath: reference).standardizedFileURL.path
        return try read { db in
            var found: [ScanEntry] = []
            if isHex {
                found = try Self.fetchEntries(
                    db, "substr(hash, 1, ?) = ? ORDER BY (state = 'duplicate'), id", [lower.count, lower])
            }
            if found.isEmpty {
                found = try Self.fetchEntries(
                    db, "path IN (?, ?) OR original_path IN (?, ?) ORDER BY (state = 'duplicate'), id",
                    [reference, absolute, reference, absolute])
            }
            if found.isEmpty {
                // A path whose scan row has since been seen under another name (same bytes) keeps its input row.
                found = try Self.fetchEntries(
                    db,
                    """
                    id IN (SELECT scan_id FROM input WHERE path IN (?, ?) OR location IN (?, ?))
                    ORDER BY (state = 'duplicate'), id
                    """,
                    [reference, absolute, reference, absolute])
            }
            return found
        }
    }

    /// The input paths a reference names, newest first: by path (as given or where the file was left, relative
    /// paths taken from the current folder), or by a hash prefix (every path whose bytes are that scan).
    public func inputs(matching reference: String) async throws(KamiflowError) -> [InputEntry] {
        let lower = reference.lowercased()
        let isHex = lower.count >= 4 && lower.allSatisfy { $0.isHexDigit }
        let absolute = URL(fileURLWithPath: reference).standardizedFileURL.path
        return try read { db in
            var found = try Self.fetchInputs(
                db, "input.path IN (?, ?) OR input.location IN (?, ?) ORDER BY input.last_seen DESC, input.id DESC",
                [reference, absolute, reference, absolute])
            if found.isEmpty && isHex {
                found = try Self.fetchInputs(
                    db, "substr(scan.hash, 1, ?) = ? ORDER BY input.last_seen DESC, input.id DESC",
                    [lower.count, lower])
            }
            return found
        }
    }

    /// Every input path whose bytes are the scan `rowID` (taken, resumed, or seen as a duplicate), oldest first.
    public func inputs(ofScan rowID: Int64) async throws(KamiflowError) -> [InputEntry] {
        try read { db in try Self.fetchInputs(db, "input.scan_id = ? ORDER BY input.id", [rowID]) }
    }

    /// Input paths, most recently seen first, optionally of one outcome.
    public func listInputs(outcome: InputOutcome?, limit: Int) async throws(KamiflowError) -> [InputEntry] {
        try read { db in
            if let outcome {
                return try Self.fetchInputs(
                    db, "input.outcome = ? ORDER BY input.last_seen DESC, input.id DESC LIMIT ?",
                    [outcome.rawValue, limit])
            }
            return try Self.fetchInputs(db, "1 ORDER BY input.last_seen DESC, input.id DESC LIMIT ?", [limit])
        }
    }

    /// How many scans there are (of one state): `journal list` says when it shows only the first of them.
    public func count(state: ScanState?) async throws(KamiflowError) -> Int {
        try read { db in
            if let state {
                return try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM scan WHERE state = ?", arguments: [state.rawValue]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM scan") ?? 0
        }
    }

    /// How many input rows there are (of one outcome).
    public func countInputs(outcome: InputOutcome?) async throws(KamiflowError) -> Int {
        try read { db in
            if let outcome {
                return try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM input WHERE outcome = ?", arguments: [outcome.rawValue]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM input") ?? 0
        }
    }

    /// Scans, newest first, optionally of one state.
    public func list(state: ScanState?, limit: Int) async throws(KamiflowError) -> [ScanEntry] {
        try read { db in
            if let state {
                return try Self.fetchEntries(
                    db, "state = ? ORDER BY updated_at DESC, id DESC LIMIT ?",
                    [state.rawValue, limit])
            }
            return try Self.fetchEntries(db, "1 ORDER BY updated_at DESC, id DESC LIMIT ?", [limit])
        }
    }

    /// How many scans are in each state.
    public func counts() async throws(KamiflowError) -> [ScanState: Int] {
        try read { db in
            var counts: [ScanState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM scan GROUP BY state") {
                if let state = ScanState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// Scans that have been in an in-between state for longer than `threshold`: a crashed run, a hung connector.
    public func stuck(olderThan threshold: TimeInterval, now: Date) async throws(KamiflowError) -> [ScanEntry] {
        try read { db in
            try Self.fetchEntries(
                db, "state IN ('claimed', 'reading', 'read', 'delivering') AND state_since < ? ORDER BY state_since",
                [now.timeIntervalSince1970 - threshold])
        }
    }

    public func deliveries(of rowID: Int64) async throws(KamiflowError) -> [DeliveryEntry] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM delivery WHERE scan_id = ? ORDER BY connection, idempotency_key",
                arguments: [rowID]
            ).map { row in
                DeliveryEntry(
                    scanRowID: row["scan_id"], connection: row["connection"], idempotencyKey: row["idempotency_key"],
                    status: DeliveryEntry.Status(rawValue: row["status"]) ?? .pending, receipt: row["receipt"],
                    detail: row["detail"], attempts: row["attempts"],
                    updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
            }
        }
    }

    public func claimable(under folder: String, limit: Int, now: Date) async throws(KamiflowError) -> [ScanEntry] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let live = leases.withLock { leases in leases.values.filter { $0.expires > now } }
        // A lease of a node that stopped or fell silent holds nothing (as in `claim`).
        let gone = try read { db in
            try Self.fetchNodes(db, "", [], now: now).filter { !$0.isAlive(at: now) }.map(\.id)
        }
        let held = Set(
            live.filter { lease in NodeIdentity.nodeID(ofOwner: lease.owner).map { !gone.contains($0) } ?? true }
                .map(\.scanRowID))
        let found = try read { db in
            try Self.fetchEntries(
                db,
                """
                state IN ('claimed', 'reading', 'read', 'delivering') AND substr(path, 1, ?) = ?
                ORDER BY id LIMIT ?
                """, [prefix.unicodeScalars.count, prefix, limit + held.count])
        }
        return Array(found.filter { !held.contains($0.rowID) }.prefix(limit))
    }

    public func claimJobTick(_ job: String, tick: Date, node: String, now: Date) async throws(KamiflowError) -> Bool {
        try write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO job_tick (job, tick, node, claimed_at) VALUES (?, ?, ?, ?)",
                arguments: [job, Self.tickKey(tick), node, now.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    /// A due time as the key of its tick: whole milliseconds, the same on every node.
    static func tickKey(_ tick: Date) -> Int64 { Int64((tick.timeIntervalSince1970 * 1000).rounded()) }

    // MARK: Nodes

    public func registerNode(_ node: NodeIdentity, now: Date) async throws(KamiflowError) {
        try write { db in
            if let name = node.name {
                try db.execute(
                    sql: "UPDATE node SET stopped = ? WHERE host = ? AND name = ? AND id <> ? AND stopped IS NULL",
                    arguments: [now.timeIntervalSince1970, node.host, name, node.id])
            }
            try db.execute(
                sql: """
                    INSERT INTO node (id, name, host, pid, started, last_seen, heartbeat_interval)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, stopped = NULL,
                        heartbeat_interval = excluded.heartbeat_interval
                    """,
                arguments: [
                    node.id, node.name, node.host, node.pid, node.started.timeIntervalSince1970,
                    now.timeIntervalSince1970, node.heartbeatInterval,
                ])
        }
    }

    public func heartbeat(_ nodeID: String, scansDone: Int, holding: Int, now: Date) async throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: "UPDATE node SET last_seen = ?, stopped = NULL, scans_done = ?, holding = ? WHERE id = ?",
                arguments: [now.timeIntervalSince1970, scansDone, holding, nodeID])
        }
    }

    public func releaseLeases(ownedBy prefix: String, except working: Set<String>) async throws(KamiflowError) {
        leases.withLock { leases in
            leases = leases.filter { !$0.value.owner.hasPrefix(prefix) || working.contains($0.value.owner) }
        }
    }

    public func retireNode(_ nodeID: String, now: Date) async throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: "UPDATE node SET stopped = ?, holding = 0 WHERE id = ? AND stopped IS NULL",
                arguments: [now.timeIntervalSince1970, nodeID])
        }
    }

    public func nodes(now: Date) async throws(KamiflowError) -> [NodeEntry] {
        try read { db in try Self.fetchNodes(db, "ORDER BY last_seen DESC, id", [], now: now) }
    }

    /// Nodes as rows say; what they hold is what each said in its last heartbeat (the leases of this journal live
    /// in each process), none once stopped.
    private static func fetchNodes(
        _ db: Database, _ rest: String, _ arguments: StatementArguments, now: Date
    ) throws -> [NodeEntry] {
        let reviewLeases = Dictionary(
            try Row.fetchAll(
                db, sql: "SELECT node, count(*) AS n FROM review_lease WHERE expires_at > ? GROUP BY node",
                arguments: [now.timeIntervalSince1970]
            ).map { (row: Row) -> (String, Int) in (row["node"], row["n"]) }, uniquingKeysWith: +)
        return try Row.fetchAll(db, sql: "SELECT * FROM node " + rest, arguments: arguments).map { row in
            let stopped: Double? = row["stopped"]
            let id: String = row["id"]
            return NodeEntry(
                id: row["id"], name: row["name"], host: row["host"], pid: row["pid"],
                started: Date(timeIntervalSince1970: row["started"]),
                lastSeen: Date(timeIntervalSince1970: row["last_seen"]), heartbeatInterval: row["heartbeat_interval"],
                stopped: stopped.map(Date.init(timeIntervalSince1970:)), scansDone: row["scans_done"],
                leases: stopped == nil ? row["holding"] : 0,
                reviewLeases: stopped == nil ? reviewLeases[id] ?? 0 : 0)
        }
    }

    // MARK: Plumbing

    func write<T>(_ body: (Database) throws -> T) throws(KamiflowError) -> T {
        do {
            return try pool.write(body)
        } catch let error as KamiflowError {
            throw error
        } catch {
            throw KamiflowError(.journal, "journal write failed", subject: path, cause: error)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(KamiflowError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw KamiflowError(.journal, "journal read failed", subject: path, cause: error)
        }
    }

    static func fetchEntry(
        _ db: Database, _ condition: String, _ arguments: StatementArguments
    ) throws
        -> ScanEntry?
    {
        try fetchEntries(db, condition + (condition.contains("LIMIT") ? "" : " LIMIT 1"), arguments).first
    }

    private static func fetchEntries(
        _ db: Database, _ condition: String, _ arguments: StatementArguments
    ) throws
        -> [ScanEntry]
    {
        try Row.fetchAll(db, sql: "SELECT * FROM scan WHERE " + condition, arguments: arguments).map(scanEntry)
    }

    /// A scan from a row whose leftmost columns are the scan's.
    static func scanEntry(_ row: Row) -> ScanEntry {
        let timingsText: String = row["timings"]
        let timings = (try? JSONDecoder().decode([String: Double].self, from: Data(timingsText.utf8))) ?? [:]
        return ScanEntry(
            rowID: row["id"], hash: row["hash"], state: ScanState(rawValue: row["state"]) ?? .failed,
            path: row["path"], originalPath: row["original_path"], workflow: row["workflow"],
            duplicateOf: row["duplicate_of"], attempts: row["attempts"], error: row["error"], pages: row["pages"],
            records: row["records"], timings: timings,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            stateSince: Date(timeIntervalSince1970: row["state_since"]))
    }

    private static func fetchInputs(
        _ db: Database, _ condition: String, _ arguments: StatementArguments
    ) throws
        -> [InputEntry]
    {
        try Row.fetchAll(
            db,
            sql: "SELECT input.*, scan.hash AS hash FROM input LEFT JOIN scan ON scan.id = input.scan_id WHERE "
                + condition, arguments: arguments
        ).map { row in
            InputEntry(
                rowID: row["id"], path: row["path"], location: row["location"], size: row["size"],
                scanRowID: row["scan_id"], hash: row["hash"],
                outcome: InputOutcome(rawValue: row["outcome"]) ?? .refused, reason: row["reason"],
                firstSeen: Date(timeIntervalSince1970: row["first_seen"]),
                lastSeen: Date(timeIntervalSince1970: row["last_seen"]), sightings: row["sightings"])
        }
    }

    private static func json(_ timings: [String: Double]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(timings)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension SQLiteJournal {
    /// The records of a scan kept for review, by index.
    public func reviewRecords(of rowID: Int64) async throws(KamiflowError) -> [ReviewRecordEntry] {
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

    /// Which records are open, for `reviewQueues` and `openReviewRecords` (the scan's states use the index
    /// `scan_review_queue`).
    static let openReviewCondition = """
        scan.state IN ('in-review', 'failed', 'rejected') AND review_record.status IN ('waiting', 'failed', 'rejected')
            AND review_record.record IS NOT NULL
        """

    public func reviewQueues() async throws(KamiflowError) -> [ReviewQueue] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT COALESCE(scan.workflow, '') AS workflow, count(*) AS n, min(scan.state_since) AS oldest
                    FROM scan JOIN review_record ON review_record.scan_id = scan.id
                    WHERE \(Self.openReviewCondition)
                    GROUP BY 1 ORDER BY oldest, workflow
                    """
            ).map { row in
                ReviewQueue(
                    workflow: row["workflow"], count: row["n"], oldest: Date(timeIntervalSince1970: row["oldest"]))
            }
        }
    }

    public func openReviewRecords(
        workflow: String?, offset: Int, limit: Int
    ) async throws(KamiflowError) -> [OpenReviewRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT scan.*, review_record.record_index AS review_index, review_record.status AS review_status,
                        review_record.record AS review_record, review_record.updated_at AS review_updated
                    FROM scan JOIN review_record ON review_record.scan_id = scan.id
                    WHERE \(Self.openReviewCondition) AND (? IS NULL OR COALESCE(scan.workflow, '') = ?)
                    ORDER BY scan.state_since, scan.id, review_record.record_index LIMIT ? OFFSET ?
                    """, arguments: [workflow, workflow, max(0, limit), max(0, offset)]
            ).compactMap { row in
                let text: String = row["review_record"]
                guard let record = try? JSONDecoder().decode(FormRecord.self, from: Data(text.utf8)) else { return nil }
                return OpenReviewRecord(
                    scan: Self.scanEntry(row),
                    record: ReviewRecordEntry(
                        scanRowID: row["id"], index: row["review_index"],
                        status: ReviewRecordEntry.Status(rawValue: row["review_status"]) ?? .waiting, record: record,
                        updatedAt: Date(timeIntervalSince1970: row["review_updated"])))
            }
        }
    }

    /// Every decision taken on a scan's records, oldest first.
    public func reviewAudit(of rowID: Int64) async throws(KamiflowError) -> [ReviewAuditEntry] {
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

    /// Records a reviewer's decision in one transaction: the record's status, the audit entry, the masked copy of
    /// the record as delivered (`maskedRecord`), and the scan's state, which follows its records: in review while
    /// one waits, else failed, rejected or delivered. Returns the scan's new state.
    ///
    /// The record's clear copy is dropped once it is delivered or dismissed; it is kept while it may be accepted
    /// again (failed, rejected).
    public func settleReview(
        _ audit: ReviewAuditEntry, maskedRecord: FormRecord?, now: Date
    )
        async throws(KamiflowError) -> ScanState
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
            if !keep {
                // Settled for good: the blind entries (typed values, in clear) go with the clear copy.
                try db.execute(
                    sql: "DELETE FROM review_double_entry WHERE scan_id = ? AND record_index = ?",
                    arguments: [audit.scanRowID, audit.recordIndex])
            }
            try db.execute(
                sql: """
                    INSERT INTO review_audit (scan_id, record_index, action, reviewer, changes, outcome, detail, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    audit.scanRowID, audit.recordIndex, audit.action.rawValue, audit.reviewer, changes,
                    audit.outcome.rawValue, audit.detail, audit.at.timeIntervalSince1970,
                ])
            if let maskedRecord,
                let text = try String.fetchOne(
                    db, sql: "SELECT records FROM scan WHERE id = ?",
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
            let state = ReviewAuditEntry.scanState(after: statuses)
            let error = audit.scanError(leaving: state)
            try db.execute(
                sql: "UPDATE scan SET state = ?, error = ?, updated_at = ?, state_since = ? WHERE id = ?",
                arguments: [
                    state.rawValue, error, now.timeIntervalSince1970, now.timeIntervalSince1970,
                    audit.scanRowID,
                ])
            return state
        }
    }

    // MARK: Review station: record leases and blind entries

    public func claimReviewRecord(
        scan: Int64, index: Int, user: String, node: String, for duration: TimeInterval, now: Date
    ) async throws(KamiflowError) -> String? {
        let at = now.timeIntervalSince1970
        return try write { db -> String? in
            // One statement decides: the row is taken when it is new, run out, or already this user's.
            try db.execute(
                sql: """
                    INSERT INTO review_lease (scan_id, record_index, reviewer, node, expires_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (scan_id, record_index) DO UPDATE SET reviewer = excluded.reviewer,
                        node = excluded.node, expires_at = excluded.expires_at
                    WHERE review_lease.expires_at <= ? OR review_lease.reviewer = excluded.reviewer
                    """, arguments: [scan, index, user, node, at + duration, at])
            if db.changesCount > 0 { return nil }
            return try String.fetchOne(
                db, sql: "SELECT reviewer FROM review_lease WHERE scan_id = ? AND record_index = ?",
                arguments: [scan, index]) ?? ""
        }
    }

    public func releaseReviewRecord(scan: Int64, index: Int, user: String) async throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: "DELETE FROM review_lease WHERE scan_id = ? AND record_index = ? AND reviewer = ?",
                arguments: [scan, index, user])
        }
    }

    public func releaseReviewRecords(of user: String) async throws(KamiflowError) {
        try write { db in try db.execute(sql: "DELETE FROM review_lease WHERE reviewer = ?", arguments: [user]) }
    }

    public func reviewLeaseHolders(now: Date) async throws(KamiflowError) -> [ReviewRecordKey: String] {
        try read { db in
            var holders: [ReviewRecordKey: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT scan_id, record_index, reviewer FROM review_lease WHERE expires_at > ?",
                arguments: [now.timeIntervalSince1970])
            {
                holders[ReviewRecordKey(scan: row["scan_id"], index: row["record_index"])] = row["reviewer"]
            }
            return holders
        }
    }

    public func addDoubleEntry(
        _ entry: ReviewDoubleEntry, scan: Int64, index: Int, now: Date
    ) async throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO review_double_entry
                        (scan_id, record_index, round, reviewer, keyed, corrections, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    scan, index, entry.round, entry.user, ReviewDoubleEntry.text(entry.keyed),
                    ReviewDoubleEntry.text(entry.corrections), now.timeIntervalSince1970,
                ])
        }
    }

    public func doubleEntries(scan: Int64, index: Int) async throws(KamiflowError) -> [ReviewDoubleEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT round, reviewer, keyed, corrections FROM review_double_entry
                    WHERE scan_id = ? AND record_index = ? ORDER BY round
                    """, arguments: [scan, index]
            ).map { row in
                ReviewDoubleEntry(
                    round: row["round"], user: row["reviewer"], keyed: ReviewDoubleEntry.values(row["keyed"]),
                    corrections: ReviewDoubleEntry.values(row["corrections"]))
            }
        }
    }

    public func doubleEntryStates() async throws(KamiflowError) -> [ReviewRecordKey: ReviewDoubleEntryState] {
        try read { db in
            var states: [ReviewRecordKey: ReviewDoubleEntryState] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT scan_id, record_index, COUNT(*) AS n,
                        (SELECT reviewer FROM review_double_entry f WHERE f.scan_id = d.scan_id
                            AND f.record_index = d.record_index AND f.round = 1) AS first
                    FROM review_double_entry d GROUP BY scan_id, record_index
                    """)
            {
                states[ReviewRecordKey(scan: row["scan_id"], index: row["record_index"])] = ReviewDoubleEntryState(
                    count: row["n"], first: row["first"] ?? "")
            }
            return states
        }
    }

    public func clearDoubleEntries(scan: Int64, index: Int) async throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: "DELETE FROM review_double_entry WHERE scan_id = ? AND record_index = ?",
                arguments: [scan, index])
        }
    }
}
