public import Foundation
public import KamiflowCore
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// Where the shared journal is and how to reach it: a `postgres://user:password@host:port/database?sslmode=…` URL,
/// the password possibly kept out of it (in an environment variable the deployment file names).
///
/// `sslmode` follows libpq's meanings: `disable` (no TLS), `prefer` (TLS when the server offers it; the default, as
/// in libpq), `require` (TLS or nothing, the certificate not checked), `verify-ca` (TLS, the certificate checked
/// against the trusted roots) and `verify-full` (also the host name). `sslrootcert=/path/ca.pem` adds a private
/// certificate authority, as a municipal network's own CA.
public struct PostgresJournalConfiguration: Sendable {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    /// Never printed: `location` and every error leave it out.
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// A PEM file of root certificates to trust (`sslrootcert`).
    public var rootCertificate: String?
    /// Connections this process keeps to the server at most.
    public var maximumConnections: Int = 8
    /// How long a call waits for the database (no connection, a lock held by another node) before failing with a
    /// `.journal` error. A restart of the server fits in the default.
    public var timeout: Duration = .seconds(30)

    /// Whether `text` names a PostgreSQL journal rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a `postgres://` URL. A password missing from the URL is taken from the environment variable
    /// `passwordVariable` when one is named (the deployment file's `journal_password_env`), else from `PGPASSWORD`.
    public init(
        url text: String, passwordVariable: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KamiflowError) {
        // The URL may hold a password: errors quote what was given without it.
        let shown = Self.redact(text)
        guard Self.isURL(text), let components = URLComponents(string: text), let host = components.host,
            !host.isEmpty
        else {
            throw KamiflowError(
                .invalidArgument,
                "a PostgreSQL journal is named by a URL like postgres://user@host:5432/database?sslmode=require",
                subject: shown)
        }
        self.host = host
        port = components.port ?? 5432
        guard let user = components.user, !user.isEmpty else {
            throw KamiflowError(
                .invalidArgument, "the journal URL names no user (postgres://USER@host/db)", subject: shown)
        }
        self.user = user.removingPercentEncoding ?? user
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty else {
            throw KamiflowError(
                .invalidArgument, "the journal URL names no database (postgres://user@host/DATABASE)", subject: shown)
        }
        database = path.removingPercentEncoding ?? path
        if let given = components.password, !given.isEmpty {
            password = given.removingPercentEncoding ?? given
        } else if let variable = passwordVariable {
            guard let value = environment[variable], !value.isEmpty else {
                throw KamiflowError(
                    .invalidArgument,
                    "the journal's password is to come from the environment variable \(variable), which is not set",
                    subject: shown)
            }
            password = value
        } else {
            password = environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        }
        tls = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                let value = item.value ?? ""
                if value == "allow" {
                    tls = .prefer
                } else if let mode = TLSMode(rawValue: value) {
                    tls = mode
                } else {
                    throw KamiflowError(
                        .invalidArgument,
                        "unknown sslmode '\(value)' (disable, prefer, require, verify-ca or verify-full)",
                        subject: shown)
                }
            case "sslrootcert":
                rootCertificate = item.value
            case "pool_size":
                guard let value = item.value.flatMap(Int.init), value >= 1 else {
                    throw KamiflowError(.invalidArgument, "pool_size must be a whole number ≥ 1", subject: shown)
                }
                maximumConnections = value
            case "timeout":
                guard let value = item.value.flatMap(Double.init), value > 0 else {
                    throw KamiflowError(.invalidArgument, "timeout must be a number of seconds > 0", subject: shown)
                }
                timeout = .milliseconds(Int64(value * 1000))
            default:
                throw KamiflowError(
                    .invalidArgument,
                    "unknown journal URL setting '\(item.name)' (sslmode, sslrootcert, pool_size, timeout)",
                    subject: shown)
            }
        }
    }

    /// The URL without its password, for people and logs.
    public var location: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// `text` with any password replaced by `***`, for messages about a URL that may not parse.
    public static func redact(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://…"
    }

    /// The TLS settings `sslmode` asks for; `nil` for `disable`.
    func tlsSettings() throws(KamiflowError) -> TLSConfiguration? {
        guard tls != .disable else { return nil }
        var settings = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .prefer, .require: settings.certificateVerification = .none
        case .verifyCA: settings.certificateVerification = .noHostnameVerification
        default: settings.certificateVerification = .fullVerification
        }
        if let rootCertificate {
            guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                throw KamiflowError(
                    .invalidArgument, "cannot read the journal's sslrootcert file", subject: rootCertificate)
            }
            settings.trustRoots = .file(rootCertificate)
        }
        return settings
    }

    func clientConfiguration() throws(KamiflowError) -> PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS =
            if let settings = try tlsSettings() { tls == .prefer ? .prefer(settings) : .require(settings) } else {
                .disable
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = min(timeout, .seconds(10))
        return configuration
    }

    /// One connection's settings, for the check at opening (the pool retries a refused login quietly).
    func connectionConfiguration() throws(KamiflowError) -> PostgresConnection.Configuration {
        var tlsSetting = PostgresConnection.Configuration.TLS.disable
        if let settings = try tlsSettings() {
            do {
                let context = try NIOSSLContext(configuration: settings)
                tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
            } catch {
                throw KamiflowError(
                    .invalidArgument, "cannot set up TLS to the journal: \(String(describing: error))",
                    subject: location)
            }
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
    }
}

/// The shared journal of several machines: PostgreSQL through postgres-nio, with the same state machine as
/// ``SQLiteJournal`` (the conformance suite checks both) and leases that coordinate machines.
///
/// - Leases are columns of the scan row (owner, expiry). `claim` locks the row with `FOR UPDATE SKIP LOCKED`: a
///   row another node is claiming or changing at that moment is that node's, and the claim returns `nil` at once
///   instead of waiting. An expired lease is taken by the next claimant; the old holder's `renewLease` then fails,
///   and it must stop. Expiry is compared with the `now` the caller passes (the worker's clock): nodes sharing a
///   journal keep their clocks in step (NTP), and a lease should be much longer than any expected skew.
/// - Deliveries are keyed by (connection, idempotency key) exactly as in SQLite: a delivery confirmed by the core
///   system is never planned again, and one lost between the connector's answer and `recordDelivery` is resent
///   with the same key, which the core system recognises.
/// - Admission of the same bytes by two nodes at once is serialised by a transaction-scoped advisory lock on the
///   hash, so one of them makes the row and the other finds it.
/// - Migrations are numbered, recorded in `kamiflow_schema_migration`, and applied under an advisory lock, so
///   several nodes starting together apply each once. A database migrated by a newer Kamiflow is refused.
///
/// Every method is one transaction on a connection of the pool, run in a task of its own so that a write still
/// happens while the caller is being cancelled (a scan handed back at shutdown).
///
/// When the server is unreachable (restarting, the network cut), a call waits for a connection up to the
/// configuration's `timeout` and then fails with a `.journal` error that names the server; a call whose connection
/// breaks in the middle fails at once with such an error (its transaction is rolled back by the server, or was
/// committed). The pool reconnects by itself: once the server is back, the next calls go on. The runtime treats a
/// journal error as it always has: the scan is not settled and is resumed by the next attempt.
public final class PostgresJournal: Journal {
    public let configuration: PostgresJournalConfiguration
    private let client: PostgresClient
    private let runTask: Task<Void, Never>

    public var location: String { configuration.location }

    /// Connects, brings the schema up to date, and returns the journal. Fails with a `.journal` error naming the
    /// server (never the password) when it cannot.
    public static func open(
        _ configuration: PostgresJournalConfiguration
    ) async throws(KamiflowError)
        -> PostgresJournal
    {
        let journal = try PostgresJournal(configuration)
        do {
            try await journal.checkConnection()
            try await journal.migrate()
        } catch {
            await journal.close()
            throw error
        }
        return journal
    }

    private init(_ configuration: PostgresJournalConfiguration) throws(KamiflowError) {
        self.configuration = configuration
        // Query logging could carry records and binds: postgres-nio's logger says nothing.
        let client = PostgresClient(
            configuration: try configuration.clientConfiguration(), backgroundLogger: Self.quiet)
        self.client = client
        runTask = Task { await client.run() }
    }

    deinit { runTask.cancel() }

    /// Closes the connections. The journal cannot be used afterwards.
    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    /// Connects once, outside the pool, so that a wrong password, an unknown database or an unreachable server is
    /// reported at once with PostgreSQL's own words rather than as a pool that never gets a connection.
    private func checkConnection() async throws(KamiflowError) {
        let settings = try configuration.connectionConfiguration()
        let timeout = configuration.timeout
        do {
            try await Self.bounded(by: timeout) {
                let connection = try await PostgresConnection.connect(
                    configuration: settings, id: 0, logger: Self.quiet)
                try await connection.close()
            }
        } catch {
            throw describe(error, while: "open the shared journal")
        }
    }

    // MARK: Schema

    /// The schema, one step per version. A step is never changed once released; a change is a new step.
    static let migrations: [(version: Int, description: String, sql: [String])] = [
        (
            1, "scans, deliveries, job runs, review records and audit, input paths, leases",
            [
                """
                CREATE TABLE scan (
                    id BIGSERIAL PRIMARY KEY,
                    hash TEXT NOT NULL,
                    state TEXT NOT NULL,
                    path TEXT NOT NULL,
                    original_path TEXT NOT NULL,
                    workflow TEXT,
                    duplicate_of BIGINT REFERENCES scan(id),
                    attempts BIGINT NOT NULL DEFAULT 0,
                    error TEXT,
                    pages BIGINT,
                    records TEXT,
                    timings TEXT NOT NULL DEFAULT '{}',
                    created_at DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL,
                    state_since DOUBLE PRECISION NOT NULL,
                    lease_owner TEXT,
                    lease_expires DOUBLE PRECISION
                )
                """,
                "CREATE UNIQUE INDEX scan_primary_hash ON scan(hash) WHERE state <> 'duplicate'",
                "CREATE INDEX scan_hash_prefix ON scan(hash text_pattern_ops)",
                "CREATE INDEX scan_state ON scan(state, state_since)",
                "CREATE INDEX scan_updated ON scan(updated_at)",
                "CREATE INDEX scan_path ON scan(path)",
                "CREATE INDEX scan_original_path ON scan(original_path)",
                """
                CREATE TABLE delivery (
                    scan_id BIGINT NOT NULL REFERENCES scan(id),
                    connection TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    status TEXT NOT NULL,
                    receipt TEXT,
                    detail TEXT,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (connection, idempotency_key)
                )
                """,
                "CREATE INDEX delivery_scan ON delivery(scan_id)",
                """
                CREATE TABLE job_run (
                    job TEXT PRIMARY KEY,
                    last_started DOUBLE PRECISION,
                    last_finished DOUBLE PRECISION,
                    last_status TEXT
                )
                """,
                """
                CREATE TABLE review_record (
                    scan_id BIGINT NOT NULL REFERENCES scan(id),
                    record_index BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    record TEXT,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (scan_id, record_index)
                )
                """,
                """
                CREATE TABLE review_audit (
                    id BIGSERIAL PRIMARY KEY,
                    scan_id BIGINT NOT NULL REFERENCES scan(id),
                    record_index BIGINT NOT NULL,
                    action TEXT NOT NULL,
                    reviewer TEXT NOT NULL,
                    changes TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT,
                    at DOUBLE PRECISION NOT NULL
                )
                """,
                "CREATE INDEX review_audit_scan ON review_audit(scan_id)",
                """
                CREATE TABLE input (
                    id BIGSERIAL PRIMARY KEY,
                    path TEXT NOT NULL,
                    location TEXT NOT NULL,
                    size BIGINT,
                    scan_id BIGINT REFERENCES scan(id),
                    outcome TEXT NOT NULL,
                    reason TEXT,
                    first_seen DOUBLE PRECISION NOT NULL,
                    last_seen DOUBLE PRECISION NOT NULL,
                    sightings BIGINT NOT NULL DEFAULT 1
                )
                """,
                "CREATE INDEX input_path ON input(path)",
                "CREATE INDEX input_location ON input(location)",
                "CREATE INDEX input_scan ON input(scan_id)",
                "CREATE INDEX input_last_seen ON input(last_seen)",
            ]
        ),
        (
            2, "the review queue, oldest first",
            [
                """
                CREATE INDEX scan_review_queue ON scan(state_since, id)
                WHERE state IN ('in-review', 'failed', 'rejected')
                """
            ]
        ),
        (
            3, "nodes: the processes sharing the journal, with their heartbeats",
            [
                """
                CREATE TABLE node (
                    id TEXT PRIMARY KEY,
                    name TEXT,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    started DOUBLE PRECISION NOT NULL,
                    last_seen DOUBLE PRECISION NOT NULL,
                    heartbeat_interval DOUBLE PRECISION NOT NULL,
                    stopped DOUBLE PRECISION,
                    scans_done BIGINT NOT NULL DEFAULT 0,
                    holding INTEGER NOT NULL DEFAULT 0
                )
                """,
                "CREATE INDEX node_host_name ON node(host, name)",
                "CREATE INDEX scan_lease_owner ON scan(lease_owner) WHERE lease_owner IS NOT NULL",
            ]
        ),
        (
            4, "scheduled job ticks: one row per job and due time, run by the node that inserted it",
            [
                """
                CREATE TABLE job_tick (
                    job TEXT NOT NULL,
                    tick BIGINT NOT NULL,
                    node TEXT NOT NULL,
                    claimed_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (job, tick)
                )
                """
            ]
        ),
        (
            5, "review station: record leases and blind double entries, shared by every station node",
            [
                """
                CREATE TABLE review_lease (
                    scan_id BIGINT NOT NULL,
                    record_index INTEGER NOT NULL,
                    reviewer TEXT NOT NULL,
                    node TEXT NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (scan_id, record_index)
                )
                """,
                "CREATE INDEX review_lease_reviewer ON review_lease(reviewer)",
                """
                CREATE TABLE review_double_entry (
                    scan_id BIGINT NOT NULL,
                    record_index INTEGER NOT NULL,
                    round INTEGER NOT NULL,
                    reviewer TEXT NOT NULL,
                    keyed TEXT NOT NULL,
                    corrections TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (scan_id, record_index, round)
                )
                """,
            ]
        ),
        (
            6, "the queue: scans in flight by id, so that taking work does not walk the settled ones",
            [
                """
                CREATE INDEX scan_in_flight ON scan(id)
                WHERE state IN ('claimed', 'reading', 'read', 'delivering')
                """
            ]
        ),
    ]

    /// The schema versions this Kamiflow knows, oldest first.
    public static var knownMigrations: [Int] { migrations.map(\.version) }

    /// The advisory lock classes (first key) of this schema's locks.
    static let migrationLock: Int32 = 0x4B46_0001
    static let admissionLock: Int32 = 0x4B46_0002

    /// The versions applied, oldest first.
    public func appliedMigrations() async throws(KamiflowError) -> [Int] {
        try await transaction("read the schema version") { connection in
            try await Self.versions(connection)
        }
    }

    private static func versions(_ connection: PostgresConnection) async throws -> [Int] {
        let exists =
            try await connection.query(
                "SELECT to_regclass('kamiflow_schema_migration') IS NOT NULL", logger: quiet
            ).collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        var versions: [Int] = []
        for try await version in try await connection.query(
            "SELECT version FROM kamiflow_schema_migration ORDER BY version", logger: quiet
        ).decode(Int.self) {
            versions.append(version)
        }
        return versions
    }

    func migrate() async throws(KamiflowError) {
        let known = Self.migrations.map(\.version).max() ?? 0
        try await transaction("bring the journal's schema up to date") { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock), 0)", logger: Self.quiet)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS kamiflow_schema_migration (
                    version INTEGER PRIMARY KEY,
                    description TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: Self.quiet)
            let applied = Set(try await Self.versions(connection))
            if let newest = applied.max(), newest > known {
                throw KamiflowError(
                    .journal,
                    "this journal's schema is version \(newest), newer than this Kamiflow knows (\(known)); "
                        + "upgrade Kamiflow on this machine")
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.quiet)
                }
                try await connection.query(
                    """
                    INSERT INTO kamiflow_schema_migration (version, description)
                    VALUES (\(migration.version), \(migration.description))
                    """, logger: Self.quiet)
            }
        }
    }

    // MARK: The life of a scan

    public func admit(
        hash: String, path: String, originalPath: String, rerunResumes: Bool, now: Date
    )
        async throws(KamiflowError) -> Admission
    {
        let at = now.timeIntervalSince1970
        return try await transaction("admit a scan") { c in
            // Two nodes seeing the same bytes at once: one makes the row, the other finds it.
            try await c.query(
                "SELECT pg_advisory_xact_lock(\(Self.admissionLock), hashtext(\(hash)))", logger: Self.quiet)
            guard
                let primary = try await Self.fetchEntry(
                    c, "WHERE hash = \(hash) AND state <> 'duplicate'")
            else {
                let id = try await Self.insertedID(
                    c,
                    """
                    INSERT INTO scan (hash, state, path, original_path, created_at, updated_at, state_since)
                    VALUES (\(hash), 'claimed', \(path), \(originalPath), \(at), \(at), \(at)) RETURNING id
                    """)
                return .process(try await Self.fetchEntry(c, "WHERE id = \(id)")!)
            }
            let samePlace =
                primary.path == path || primary.path == originalPath
                || (rerunResumes && primary.originalPath == originalPath)
            if samePlace {
                if primary.state.isSettled { return .settled(primary) }
                if primary.path != path {
                    try await c.query(
                        "UPDATE scan SET path = \(path), updated_at = \(at) WHERE id = \(primary.rowID)",
                        logger: Self.quiet)
                }
                return .process(try await Self.fetchEntry(c, "WHERE id = \(primary.rowID)")!)
            }
            if primary.state == .failed {
                // The same bytes dropped again after a failure: a deliberate retry, not a duplicate.
                try await c.query(
                    """
                    UPDATE scan SET path = \(path), original_path = \(originalPath), updated_at = \(at)
                    WHERE id = \(primary.rowID)
                    """, logger: Self.quiet)
                return .process(try await Self.fetchEntry(c, "WHERE id = \(primary.rowID)")!)
            }
            if let existing = try await Self.fetchEntry(
                c,
                """
                WHERE hash = \(hash) AND state = 'duplicate' AND (original_path = \(originalPath) OR path = \(path))
                ORDER BY id
                """)
            {
                return .duplicate(entry: existing, original: primary)
            }
            let id = try await Self.insertedID(
                c,
                """
                INSERT INTO scan (hash, state, path, original_path, workflow, duplicate_of, created_at, updated_at,
                    state_since)
                VALUES (\(hash), 'duplicate', \(path), \(originalPath), \(primary.workflow), \(primary.rowID), \(at),
                    \(at), \(at))
                RETURNING id
                """)
            return .duplicate(entry: try await Self.fetchEntry(c, "WHERE id = \(id)")!, original: primary)
        }
    }

    public func claim(
        _ rowID: Int64, owner: String, duration: TimeInterval, now: Date
    )
        async throws(KamiflowError) -> ScanLease?
    {
        let at = now.timeIntervalSince1970
        let expires = at + duration
        return try await transaction("claim a scan") { c in
            // SKIP LOCKED: a row another node is claiming or changing right now is that node's business. The
            // holder's node decides too: one that stopped, or missed its heartbeats, holds nothing any more.
            let rows = try await c.query(
                """
                SELECT s.lease_owner, s.lease_expires,
                    COALESCE(n.stopped IS NOT NULL OR n.last_seen + \(NodeIdentity.missedBeats) * n.heartbeat_interval
                        < \(at), false)
                FROM scan s LEFT JOIN node n ON n.id = split_part(s.lease_owner, '#', 1)
                WHERE s.id = \(rowID) FOR UPDATE OF s SKIP LOCKED
                """,
                logger: Self.quiet
            ).collect()
            guard let row = rows.first else {
                let exists =
                    try await c.query("SELECT 1 FROM scan WHERE id = \(rowID)", logger: Self.quiet)
                    .collect().isEmpty == false
                if exists { return nil }
                throw KamiflowError(.invalidArgument, "no such scan", subject: String(rowID))
            }
            let (holder, heldUntil, holderGone) = try row.decode((String?, Double?, Bool).self)
            if let holder, let heldUntil, holder != owner, heldUntil > at, !holderGone { return nil }
            try await c.query(
                "UPDATE scan SET lease_owner = \(owner), lease_expires = \(expires) WHERE id = \(rowID)",
                logger: Self.quiet)
            return ScanLease(scanRowID: rowID, owner: owner, expires: Date(timeIntervalSince1970: expires))
        }
    }

    public func renewLease(
        _ lease: ScanLease, duration: TimeInterval, now: Date
    ) async throws(KamiflowError)
        -> ScanLease?
    {
        let at = now.timeIntervalSince1970
        let expires = at + duration
        return try await transaction("renew a lease") { c in
            // Lost when settled (no owner), taken over by another owner, or run out.
            let renewed = try await c.query(
                """
                UPDATE scan SET lease_expires = \(expires)
                WHERE id = \(lease.scanRowID) AND lease_owner = \(lease.owner) AND lease_expires > \(at)
                RETURNING id
                """, logger: Self.quiet
            ).collect()
            guard !renewed.isEmpty else { return nil }
            return ScanLease(
                scanRowID: lease.scanRowID, owner: lease.owner, expires: Date(timeIntervalSince1970: expires))
        }
    }

    public func beginReading(_ rowID: Int64, now: Date) async throws(KamiflowError) {
        _ = try await beginReading(rowID, holding: nil, now: now)
    }

    public func beginReading(holding lease: ScanLease, now: Date) async throws(KamiflowError) -> Bool {
        try await beginReading(lease.scanRowID, holding: lease, now: now)
    }

    private func beginReading(_ rowID: Int64, holding lease: ScanLease?, now: Date) async throws(KamiflowError) -> Bool
    {
        let at = now.timeIntervalSince1970
        return try await transaction("begin reading a scan") { c in
            guard try await Self.lockHeld(c, lease) else { return false }
            _ = try await c.query(
                """
                UPDATE scan SET state = 'reading', attempts = attempts + 1, error = NULL, updated_at = \(at),
                    state_since = \(at) WHERE id = \(rowID)
                """, logger: Self.quiet)
            return true
        }
    }

    /// The guard of every `holding:` write, first in its transaction: one UPDATE of the scan's row that matches
    /// only while `lease`'s owner holds it, and locks the row until the transaction ends, so that no other node can
    /// claim the scan between this check and the write. True when there is no lease to check.
    private static func lockHeld(_ c: PostgresConnection, _ lease: ScanLease?) async throws -> Bool {
        guard let lease else { return true }
        return try await c.query(
            """
            UPDATE scan SET lease_owner = lease_owner
            WHERE id = \(lease.scanRowID) AND lease_owner = \(lease.owner)
            RETURNING id
            """, logger: Self.quiet
        ).collect().isEmpty == false
    }

    public func recordRead(
        _ rowID: Int64, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String], now: Date
    ) async throws(KamiflowError) {
        _ = try await recordRead(
            rowID, holding: nil, workflow: workflow, pages: pages, maskedRecords: maskedRecords, timings: timings,
            forReview: forReview, now: now)
    }

    public func recordRead(
        holding lease: ScanLease, workflow: String?, pages: Int, maskedRecords: String, timings: [String: Double],
        forReview: [Int: String], now: Date
    ) async throws(KamiflowError) -> Bool {
        try await recordRead(
            lease.scanRowID, holding: lease, workflow: workflow, pages: pages, maskedRecords: maskedRecords,
            timings: timings, forReview: forReview, now: now)
    }

    private func recordRead(
        _ rowID: Int64, holding lease: ScanLease?, workflow: String?, pages: Int, maskedRecords: String,
        timings: [String: Double], forReview: [Int: String], now: Date
    ) async throws(KamiflowError) -> Bool {
        let at = now.timeIntervalSince1970
        let timingsJSON = Self.json(timings)
        return try await transaction("record what was read") { c in
            guard try await Self.lockHeld(c, lease) else { return false }
            try await c.query(
                """
                UPDATE scan SET state = 'read', workflow = \(workflow), pages = \(pages), records = \(maskedRecords),
                    timings = \(timingsJSON), updated_at = \(at), state_since = \(at) WHERE id = \(rowID)
                """, logger: Self.quiet)
            try await c.query("DELETE FROM review_record WHERE scan_id = \(rowID)", logger: Self.quiet)
            try await c.query("DELETE FROM review_double_entry WHERE scan_id = \(rowID)", logger: Self.quiet)
            for (index, record) in forReview.sorted(by: { $0.key < $1.key }) {
                try await c.query(
                    """
                    INSERT INTO review_record (scan_id, record_index, status, record, updated_at)
                    VALUES (\(rowID), \(index), 'waiting', \(record), \(at))
                    """, logger: Self.quiet)
            }
            return true
        }
    }

    public func planDeliveries(
        _ rowID: Int64, _ planned: [(connection: String, key: String)], movingTo state: ScanState?, now: Date
    ) async throws(KamiflowError) -> Set<String> {
        try await planDeliveries(rowID, holding: nil, planned, movingTo: state, now: now) ?? []
    }

    public func planDeliveries(
        holding lease: ScanLease, _ planned: [(connection: String, key: String)], movingTo state: ScanState?,
        now: Date
    ) async throws(KamiflowError) -> Set<String>? {
        try await planDeliveries(lease.scanRowID, holding: lease, planned, movingTo: state, now: now)
    }

    private func planDeliveries(
        _ rowID: Int64, holding lease: ScanLease?, _ planned: [(connection: String, key: String)],
        movingTo state: ScanState?, now: Date
    ) async throws(KamiflowError) -> Set<String>? {
        let at = now.timeIntervalSince1970
        let items = planned.map { [$0.connection, $0.key] }
        return try await transaction("plan deliveries") { c -> Set<String>? in
            guard try await Self.lockHeld(c, lease) else { return nil }
            for item in items {
                try await c.query(
                    """
                    INSERT INTO delivery (scan_id, connection, idempotency_key, status, updated_at)
                    VALUES (\(rowID), \(item[0]), \(item[1]), 'pending', \(at))
                    ON CONFLICT (connection, idempotency_key) DO NOTHING
                    """, logger: Self.quiet)
            }
            if let state {
                try await c.query(
                    "UPDATE scan SET state = \(state.rawValue), updated_at = \(at), state_since = \(at) WHERE id = \(rowID)",
                    logger: Self.quiet)
            }
            var done: Set<String> = []
            for try await (connection, key) in try await c.query(
                "SELECT connection, idempotency_key FROM delivery WHERE scan_id = \(rowID) AND status = 'delivered'",
                logger: Self.quiet
            ).decode((String, String).self) {
                done.insert(DeliveryEntry.identity(connection: connection, key: key))
            }
            return done
        }
    }

    public func recordDelivery(
        connection: String, key: String, status: DeliveryEntry.Status, receipt: String?, detail: String?, now: Date
    ) async throws(KamiflowError) {
        let at = now.timeIntervalSince1970
        try await transaction("record a delivery") { c in
            _ = try await c.query(
                """
                UPDATE delivery SET status = \(status.rawValue), receipt = \(receipt), detail = \(detail),
                    attempts = attempts + 1, updated_at = \(at)
                WHERE connection = \(connection) AND idempotency_key = \(key)
                """, logger: Self.quiet)
        }
    }

    public func recordDelivery(
        holding lease: ScanLease, connection: String, key: String, status: DeliveryEntry.Status, receipt: String?,
        detail: String?, now: Date
    ) async throws(KamiflowError) -> Bool {
        let at = now.timeIntervalSince1970
        return try await transaction("record a delivery") { c in
            guard try await Self.lockHeld(c, lease) else { return false }
            _ = try await c.query(
                """
                UPDATE delivery SET status = \(status.rawValue), receipt = \(receipt), detail = \(detail),
                    attempts = attempts + 1, updated_at = \(at)
                WHERE connection = \(connection) AND idempotency_key = \(key) AND scan_id = \(lease.scanRowID)
                """, logger: Self.quiet)
            return true
        }
    }

    public func settle(
        _ rowID: Int64, state: ScanState, error: String?, timings: [String: Double]?, now: Date
    )
        async throws(KamiflowError)
    {
        let at = now.timeIntervalSince1970
        let timingsJSON = timings.map(Self.json)
        try await transaction("settle a scan") { c in
            _ = try await c.query(
                """
                UPDATE scan SET state = \(state.rawValue), error = \(error), timings = COALESCE(\(timingsJSON), timings),
                    updated_at = \(at), state_since = \(at), lease_owner = NULL, lease_expires = NULL
                WHERE id = \(rowID)
                """, logger: Self.quiet)
        }
    }

    public func settle(
        holding lease: ScanLease, state: ScanState, error: String?, timings: [String: Double]?, now: Date
    ) async throws(KamiflowError) -> Bool {
        let at = now.timeIntervalSince1970
        let timingsJSON = timings.map(Self.json)
        return try await transaction("settle a scan") { c in
            // One statement: no other node can take the scan between the check of the owner and the write.
            try await c.query(
                """
                UPDATE scan SET state = \(state.rawValue), error = \(error), timings = COALESCE(\(timingsJSON), timings),
                    updated_at = \(at), state_since = \(at), lease_owner = NULL, lease_expires = NULL
                WHERE id = \(lease.scanRowID) AND lease_owner = \(lease.owner)
                RETURNING id
                """, logger: Self.quiet
            ).collect().isEmpty == false
        }
    }

    public func move(_ rowID: Int64, to path: String, now: Date) async throws(KamiflowError) {
        let at = now.timeIntervalSince1970
        try await transaction("record a move") { c in
            try await c.query(
                "UPDATE input SET location = \(path) WHERE location = (SELECT path FROM scan WHERE id = \(rowID))",
                logger: Self.quiet)
            try await c.query(
                "UPDATE scan SET path = \(path), updated_at = \(at) WHERE id = \(rowID)", logger: Self.quiet)
        }
    }

    public func retry(_ rowID: Int64, now: Date) async throws(KamiflowError) {
        try await transaction("retry a scan") { c in
            guard let entry = try await Self.fetchEntry(c, "WHERE id = \(rowID) FOR UPDATE") else {
                throw KamiflowError(.invalidArgument, "no such scan", subject: String(rowID))
            }
            try entry.checkRetriable()
            try await Self.reset(c, rowID, now: now, keepAttempts: true)
        }
    }

    public func requeue(_ rowID: Int64, now: Date) async throws(KamiflowError) {
        try await transaction("requeue a scan") { c in
            guard let entry = try await Self.fetchEntry(c, "WHERE id = \(rowID) FOR UPDATE") else {
                throw KamiflowError(.invalidArgument, "no such scan", subject: String(rowID))
            }
            guard entry.state != .duplicate else {
                throw KamiflowError(
                    .invalidArgument, "a duplicate is not processed; requeue its original instead", subject: entry.path)
            }
            try await Self.reset(c, rowID, now: now, keepAttempts: false)
        }
    }

    private static func reset(_ c: PostgresConnection, _ rowID: Int64, now: Date, keepAttempts: Bool) async throws {
        let at = now.timeIntervalSince1970
        try await c.query(
            """
            UPDATE scan SET state = 'claimed', error = NULL, attempts = \(unescaped: keepAttempts ? "attempts" : "0"),
                updated_at = \(at), state_since = \(at) WHERE id = \(rowID)
            """, logger: quiet)
        try await c.query(
            "UPDATE delivery SET status = 'pending' WHERE scan_id = \(rowID) AND status IN ('failed', 'rejected')",
            logger: quiet)
    }

    // MARK: Review

    public func reviewRecords(of rowID: Int64) async throws(KamiflowError) -> [ReviewRecordEntry] {
        try await transaction("read the records for review") { c in
            var found: [ReviewRecordEntry] = []
            for try await (scan, index, status, text, updated) in try await c.query(
                """
                SELECT scan_id, record_index, status, record, updated_at FROM review_record
                WHERE scan_id = \(rowID) ORDER BY record_index
                """, logger: Self.quiet
            ).decode((Int64, Int, String, String?, Double).self) {
                found.append(
                    ReviewRecordEntry(
                        scanRowID: scan, index: index, status: ReviewRecordEntry.Status(rawValue: status) ?? .waiting,
                        record: text.flatMap { try? JSONDecoder().decode(FormRecord.self, from: Data($0.utf8)) },
                        updatedAt: Date(timeIntervalSince1970: updated)))
            }
            return found
        }
    }

    /// Which records are open, for `reviewQueues` and `openReviewRecords` (the scan's states use the index
    /// `scan_review_queue`).
    static let openReviewCondition = """
        scan.state IN ('in-review', 'failed', 'rejected') AND review_record.status IN ('waiting', 'failed', 'rejected')
            AND review_record.record IS NOT NULL
        """

    public func reviewQueues() async throws(KamiflowError) -> [ReviewQueue] {
        try await transaction("read the review queues") { c in
            var found: [ReviewQueue] = []
            for try await (workflow, count, oldest) in try await c.query(
                """
                SELECT COALESCE(scan.workflow, ''), count(*), min(scan.state_since) AS oldest
                FROM scan JOIN review_record ON review_record.scan_id = scan.id
                WHERE \(unescaped: Self.openReviewCondition)
                GROUP BY 1 ORDER BY oldest, 1
                """, logger: Self.quiet
            ).decode((String, Int, Double).self) {
                found.append(ReviewQueue(workflow: workflow, count: count, oldest: Date(timeIntervalSince1970: oldest)))
            }
            return found
        }
    }

    public func openReviewRecords(
        workflow: String?, offset: Int, limit: Int
    ) async throws(KamiflowError) -> [OpenReviewRecord] {
        let (offset, limit) = (max(0, offset), max(0, limit))
        return try await transaction("read the open review records") { c in
            let columns = Self.scanColumns.split(separator: ",").map {
                "scan." + $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            var query: PostgresQuery = """
                SELECT \(unescaped: columns.joined(separator: ", ")), review_record.record_index AS review_index,
                    review_record.status AS review_status, review_record.record AS review_record,
                    review_record.updated_at AS review_updated
                FROM scan JOIN review_record ON review_record.scan_id = scan.id
                WHERE \(unescaped: Self.openReviewCondition)
                """
            if let workflow {
                query.sql += " AND COALESCE(scan.workflow, '') = $1"
                query.binds.append(workflow, context: .default)
            }
            query.sql +=
                " ORDER BY scan.state_since, scan.id, review_record.record_index LIMIT \(limit) OFFSET \(offset)"
            var found: [OpenReviewRecord] = []
            for try await row in try await c.query(query, logger: Self.quiet) {
                let r = row.makeRandomAccess()
                let text = try r["review_record"].decode(String.self)
                guard let record = try? JSONDecoder().decode(FormRecord.self, from: Data(text.utf8)) else { continue }
                let scan = try Self.scanEntry(r)
                found.append(
                    OpenReviewRecord(
                        scan: scan,
                        record: ReviewRecordEntry(
                            scanRowID: scan.rowID, index: try r["review_index"].decode(Int.self),
                            status: ReviewRecordEntry.Status(rawValue: try r["review_status"].decode(String.self))
                                ?? .waiting,
                            record: record,
                            updatedAt: Date(timeIntervalSince1970: try r["review_updated"].decode(Double.self)))))
            }
            return found
        }
    }

    public func reviewAudit(of rowID: Int64) async throws(KamiflowError) -> [ReviewAuditEntry] {
        try await transaction("read the review audit") { c in
            var found: [ReviewAuditEntry] = []
            for try await (scan, index, action, reviewer, changes, outcome, detail, at) in try await c.query(
                """
                SELECT scan_id, record_index, action, reviewer, changes, outcome, detail, at FROM review_audit
                WHERE scan_id = \(rowID) ORDER BY id
                """, logger: Self.quiet
            ).decode((Int64, Int, String, String, String, String, String?, Double).self) {
                found.append(
                    ReviewAuditEntry(
                        scanRowID: scan, recordIndex: index,
                        action: ReviewAuditEntry.Action(rawValue: action) ?? .accept, reviewer: reviewer,
                        changes: (try? JSONDecoder().decode([ReviewChange].self, from: Data(changes.utf8))) ?? [],
                        outcome: ReviewRecordEntry.Status(rawValue: outcome) ?? .failed, detail: detail,
                        at: Date(timeIntervalSince1970: at)))
            }
            return found
        }
    }

    public func settleReview(
        _ audit: ReviewAuditEntry, maskedRecord: FormRecord?, now: Date
    )
        async throws(KamiflowError) -> ScanState
    {
        let at = now.timeIntervalSince1970
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let changes = String(decoding: (try? encoder.encode(audit.changes)) ?? Data("[]".utf8), as: UTF8.self)
        return try await transaction("record a review decision") { c in
            let scanID = audit.scanRowID
            // The scan row first: two reviewers deciding on records of one scan take turns.
            let current = try await c.query(
                "SELECT records FROM scan WHERE id = \(scanID) FOR UPDATE", logger: Self.quiet
            ).collect()
            guard let row = current.first else {
                throw KamiflowError(.invalidArgument, "no such scan", subject: String(scanID))
            }
            let keep = audit.outcome.isOpen
            try await c.query(
                """
                UPDATE review_record SET status = \(audit.outcome.rawValue),
                    record = \(unescaped: keep ? "record" : "NULL"), updated_at = \(at)
                WHERE scan_id = \(scanID) AND record_index = \(audit.recordIndex)
                """, logger: Self.quiet)
            if !keep {
                // Settled for good: the blind entries (typed values, in clear) go with the clear copy.
                try await c.query(
                    """
                    DELETE FROM review_double_entry WHERE scan_id = \(scanID) AND record_index = \(audit.recordIndex)
                    """, logger: Self.quiet)
            }
            try await c.query(
                """
                INSERT INTO review_audit (scan_id, record_index, action, reviewer, changes, outcome, detail, at)
                VALUES (\(scanID), \(audit.recordIndex), \(audit.action.rawValue), \(audit.reviewer), \(changes),
                    \(audit.outcome.rawValue), \(audit.detail), \(audit.at.timeIntervalSince1970))
                """, logger: Self.quiet)
            if let maskedRecord, let text = try row.decode(String?.self),
                var records = try? JSONDecoder().decode([FormRecord].self, from: Data(text.utf8)),
                let position = records.firstIndex(where: { $0.index == audit.recordIndex })
            {
                records[position] = maskedRecord
                let updated = String(decoding: try encoder.encode(records), as: UTF8.self)
                try await c.query("UPDATE scan SET records = \(updated) WHERE id = \(scanID)", logger: Self.quiet)
            }
            var statuses: [ReviewRecordEntry.Status] = []
            for try await status in try await c.query(
                "SELECT status FROM review_record WHERE scan_id = \(scanID)", logger: Self.quiet
            ).decode(String.self) {
                if let known = ReviewRecordEntry.Status(rawValue: status) { statuses.append(known) }
            }
            let state = ReviewAuditEntry.scanState(after: statuses)
            let error = audit.scanError(leaving: state)
            try await c.query(
                """
                UPDATE scan SET state = \(state.rawValue), error = \(error), updated_at = \(at), state_since = \(at)
                WHERE id = \(scanID)
                """, logger: Self.quiet)
            return state
        }
    }

    // MARK: Review station: record leases and blind entries

    public func claimReviewRecord(
        scan: Int64, index: Int, user: String, node: String, for duration: TimeInterval, now: Date
    ) async throws(KamiflowError) -> String? {
        let at = now.timeIntervalSince1970
        let expires = at + duration
        return try await transaction("claim a record for review") { c in
            // One statement decides, under the row's lock: of two nodes asking at once, one inserts or updates, the
            // other waits for it and then finds the row taken (its WHERE fails, nothing is returned).
            let taken = try await c.query(
                """
                INSERT INTO review_lease (scan_id, record_index, reviewer, node, expires_at)
                VALUES (\(scan), \(index), \(user), \(node), \(expires))
                ON CONFLICT (scan_id, record_index) DO UPDATE SET reviewer = excluded.reviewer, node = excluded.node,
                    expires_at = excluded.expires_at
                WHERE review_lease.expires_at <= \(at) OR review_lease.reviewer = excluded.reviewer
                RETURNING reviewer
                """, logger: Self.quiet
            ).collect()
            if !taken.isEmpty { return nil }
            let holder = try await c.query(
                "SELECT reviewer FROM review_lease WHERE scan_id = \(scan) AND record_index = \(index)",
                logger: Self.quiet
            ).collect()
            return try holder.first?.decode(String.self) ?? ""
        }
    }

    public func releaseReviewRecord(scan: Int64, index: Int, user: String) async throws(KamiflowError) {
        try await transaction("give a record back") { c in
            _ = try await c.query(
                """
                DELETE FROM review_lease WHERE scan_id = \(scan) AND record_index = \(index) AND reviewer = \(user)
                """, logger: Self.quiet)
        }
    }

    public func releaseReviewRecords(of user: String) async throws(KamiflowError) {
        try await transaction("give a reviewer's records back") { c in
            _ = try await c.query("DELETE FROM review_lease WHERE reviewer = \(user)", logger: Self.quiet)
        }
    }

    public func reviewLeaseHolders(now: Date) async throws(KamiflowError) -> [ReviewRecordKey: String] {
        let at = now.timeIntervalSince1970
        return try await transaction("list the review leases") { c in
            var holders: [ReviewRecordKey: String] = [:]
            for try await (scan, index, user) in try await c.query(
                "SELECT scan_id, record_index, reviewer FROM review_lease WHERE expires_at > \(at)", logger: Self.quiet
            ).decode((Int64, Int, String).self) {
                holders[ReviewRecordKey(scan: scan, index: index)] = user
            }
            return holders
        }
    }

    public func addDoubleEntry(
        _ entry: ReviewDoubleEntry, scan: Int64, index: Int, now: Date
    ) async throws(KamiflowError) {
        let (keyed, corrections) = (ReviewDoubleEntry.text(entry.keyed), ReviewDoubleEntry.text(entry.corrections))
        let at = now.timeIntervalSince1970
        try await transaction("keep a blind entry") { c in
            _ = try await c.query(
                """
                INSERT INTO review_double_entry (scan_id, record_index, round, reviewer, keyed, corrections, created_at)
                VALUES (\(scan), \(index), \(entry.round), \(entry.user), \(keyed), \(corrections), \(at))
                ON CONFLICT (scan_id, record_index, round) DO UPDATE SET reviewer = excluded.reviewer,
                    keyed = excluded.keyed, corrections = excluded.corrections, created_at = excluded.created_at
                """, logger: Self.quiet)
        }
    }

    public func doubleEntries(scan: Int64, index: Int) async throws(KamiflowError) -> [ReviewDoubleEntry] {
        try await transaction("read the blind entries") { c in
            var entries: [ReviewDoubleEntry] = []
            for try await (round, user, keyed, corrections) in try await c.query(
                """
                SELECT round, reviewer, keyed, corrections FROM review_double_entry
                WHERE scan_id = \(scan) AND record_index = \(index) ORDER BY round
                """, logger: Self.quiet
            ).decode((Int, String, String, String).self) {
                entries.append(
                    ReviewDoubleEntry(
                        round: round, user: user, keyed: ReviewDoubleEntry.values(keyed),
                        corrections: ReviewDoubleEntry.values(corrections)))
            }
            return entries
        }
    }

    public func doubleEntryStates() async throws(KamiflowError) -> [ReviewRecordKey: ReviewDoubleEntryState] {
        try await transaction("read where the blind entries stand") { c in
            var states: [ReviewRecordKey: ReviewDoubleEntryState] = [:]
            for try await (scan, index, count, first) in try await c.query(
                """
                SELECT scan_id, record_index, count(*),
                    min(CASE WHEN round = 1 THEN reviewer END)
                FROM review_double_entry GROUP BY scan_id, record_index
                """, logger: Self.quiet
            ).decode((Int64, Int, Int, String?).self) {
                states[ReviewRecordKey(scan: scan, index: index)] = ReviewDoubleEntryState(
                    count: count, first: first ?? "")
            }
            return states
        }
    }

    public func clearDoubleEntries(scan: Int64, index: Int) async throws(KamiflowError) {
        try await transaction("drop the blind entries") { c in
            _ = try await c.query(
                "DELETE FROM review_double_entry WHERE scan_id = \(scan) AND record_index = \(index)",
                logger: Self.quiet)
        }
    }

    // MARK: Scheduled jobs

    public func recordJobRun(
        _ job: String, started: Date?, finished: Date?, status: String?
    )
        async throws(KamiflowError)
    {
        let startedAt = started?.timeIntervalSince1970
        let finishedAt = finished?.timeIntervalSince1970
        try await transaction("record a job run") { c in
            try await c.query(
                "INSERT INTO job_run (job) VALUES (\(job)) ON CONFLICT (job) DO NOTHING", logger: Self.quiet)
            if let startedAt {
                try await c.query(
                    "UPDATE job_run SET last_started = \(startedAt) WHERE job = \(job)", logger: Self.quiet)
            }
            if let finishedAt {
                try await c.query(
                    "UPDATE job_run SET last_finished = \(finishedAt), last_status = \(status) WHERE job = \(job)",
                    logger: Self.quiet)
            }
        }
    }

    public func lastJobStart(_ job: String) async throws(KamiflowError) -> Date? {
        try await transaction("read a job's last run") { c in
            let rows = try await c.query("SELECT last_started FROM job_run WHERE job = \(job)", logger: Self.quiet)
                .collect()
            return try rows.first?.decode(Double?.self).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func claimable(under folder: String, limit: Int, now: Date) async throws(KamiflowError) -> [ScanEntry] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let at = now.timeIntervalSince1970
        return try await transaction("list queued scans") { c in
            try await Self.fetchEntries(
                c,
                """
                WHERE state IN ('claimed', 'reading', 'read', 'delivering') AND starts_with(path, \(prefix))
                AND (lease_owner IS NULL OR lease_expires <= \(at) OR EXISTS (
                    SELECT 1 FROM node n WHERE n.id = split_part(scan.lease_owner, '#', 1)
                    AND (n.stopped IS NOT NULL OR n.last_seen + \(NodeIdentity.missedBeats) * n.heartbeat_interval < \(at))))
                ORDER BY id LIMIT \(limit)
                """)
        }
    }

    public func claimQueued(
        under folder: String, owners: [String], duration: TimeInterval, now: Date
    ) async throws(KamiflowError) -> [QueuedScan] {
        guard !owners.isEmpty else { return [] }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let at = now.timeIntervalSince1970
        let expires = at + duration
        return try await transaction("take queued scans") { c in
            // One statement: the oldest free rows, locked as they are found, rows another worker is locking right
            // now skipped (SKIP LOCKED), and leased, so that workers asking at once each get different scans
            // instead of all trying the same oldest few. A row changed since the statement's snapshot is checked
            // again once locked (PostgreSQL re-evaluates the condition), so a lease taken meanwhile is respected.
            var taken: [QueuedScan] = []
            for try await row in try await c.query(
                """
                WITH free AS (
                    SELECT id AS free_id, row_number() OVER (ORDER BY id) AS n FROM (
                        SELECT id FROM scan
                        WHERE state IN ('claimed', 'reading', 'read', 'delivering') AND starts_with(path, \(prefix))
                        AND (lease_owner IS NULL OR lease_expires <= \(at) OR EXISTS (
                            SELECT 1 FROM node n WHERE n.id = split_part(scan.lease_owner, '#', 1)
                            AND (n.stopped IS NOT NULL
                                OR n.last_seen + \(NodeIdentity.missedBeats) * n.heartbeat_interval < \(at))))
                        ORDER BY id LIMIT \(owners.count)
                        FOR UPDATE SKIP LOCKED
                    ) picked
                )
                UPDATE scan SET lease_owner = (\(owners)::text[])[free.n], lease_expires = \(expires)
                FROM free WHERE scan.id = free.free_id
                RETURNING \(unescaped: Self.scanColumns), lease_owner
                """, logger: Self.quiet
            ) {
                let r = row.makeRandomAccess()
                let entry = try Self.scanEntry(r)
                let owner = try r["lease_owner"].decode(String.self)
                taken.append(
                    QueuedScan(
                        entry: entry,
                        lease: ScanLease(
                            scanRowID: entry.rowID, owner: owner, expires: Date(timeIntervalSince1970: expires))))
            }
            return taken.sorted { $0.entry.rowID < $1.entry.rowID }
        }
    }

    public func claimJobTick(_ job: String, tick: Date, node: String, now: Date) async throws(KamiflowError) -> Bool {
        let key = SQLiteJournal.tickKey(tick)
        let at = now.timeIntervalSince1970
        return try await transaction("claim a scheduled run") { c in
            // The primary key decides: of nodes inserting the same tick at once, one commits, the others find it.
            try await c.query(
                """
                INSERT INTO job_tick (job, tick, node, claimed_at) VALUES (\(job), \(key), \(node), \(at))
                ON CONFLICT (job, tick) DO NOTHING RETURNING job
                """, logger: Self.quiet
            ).collect().isEmpty == false
        }
    }

    // MARK: Input paths

    @discardableResult
    public func recordInput(_ sighting: InputSighting, now: Date) async throws(KamiflowError) -> InputEntry {
        let at = now.timeIntervalSince1970
        return try await transaction("record an input path") { c in
            let existing = try await c.query(
                """
                SELECT id FROM input WHERE path = \(sighting.path) AND scan_id IS NOT DISTINCT FROM \(sighting.scanRowID)
                ORDER BY id DESC LIMIT 1 FOR UPDATE
                """, logger: Self.quiet
            ).collect().first?.decode(Int64.self)
            if let existing {
                try await c.query(
                    """
                    UPDATE input SET location = \(sighting.location), size = \(sighting.size),
                        outcome = \(sighting.outcome.rawValue), reason = \(sighting.reason), last_seen = \(at),
                        sightings = sightings + 1 WHERE id = \(existing)
                    """, logger: Self.quiet)
                return try await Self.fetchInputs(c, "WHERE input.id = \(existing)").first!
            }
            let id = try await Self.insertedID(
                c,
                """
                INSERT INTO input (path, location, size, scan_id, outcome, reason, first_seen, last_seen)
                VALUES (\(sighting.path), \(sighting.location), \(sighting.size), \(sighting.scanRowID),
                    \(sighting.outcome.rawValue), \(sighting.reason), \(at), \(at))
                RETURNING id
                """)
            return try await Self.fetchInputs(c, "WHERE input.id = \(id)").first!
        }
    }

    public func inputs(matching reference: String) async throws(KamiflowError) -> [InputEntry] {
        let lower = reference.lowercased()
        let isHex = lower.count >= 4 && lower.allSatisfy { $0.isHexDigit }
        let absolute = URL(fileURLWithPath: reference).standardizedFileURL.path
        return try await transaction("find input paths") { c in
            var found = try await Self.fetchInputs(
                c,
                """
                WHERE input.path IN (\(reference), \(absolute)) OR input.location IN (\(reference), \(absolute))
                ORDER BY input.last_seen DESC, input.id DESC
                """)
            if found.isEmpty && isHex {
                found = try await Self.fetchInputs(
                    c, "WHERE starts_with(scan.hash, \(lower)) ORDER BY input.last_seen DESC, input.id DESC")
            }
            return found
        }
    }

    public func inputs(ofScan rowID: Int64) async throws(KamiflowError) -> [InputEntry] {
        try await transaction("list a scan's input paths") { c in
            try await Self.fetchInputs(c, "WHERE input.scan_id = \(rowID) ORDER BY input.id")
        }
    }

    public func listInputs(outcome: InputOutcome?, limit: Int) async throws(KamiflowError) -> [InputEntry] {
        try await transaction("list input paths") { c in
            if let outcome {
                return try await Self.fetchInputs(
                    c,
                    """
                    WHERE input.outcome = \(outcome.rawValue) ORDER BY input.last_seen DESC, input.id DESC
                    LIMIT \(limit)
                    """)
            }
            return try await Self.fetchInputs(c, "ORDER BY input.last_seen DESC, input.id DESC LIMIT \(limit)")
        }
    }

    public func countInputs(outcome: InputOutcome?) async throws(KamiflowError) -> Int {
        try await transaction("count input paths") { c in
            let query: PostgresQuery =
                if let outcome { "SELECT count(*) FROM input WHERE outcome = \(outcome.rawValue)" } else {
                    "SELECT count(*) FROM input"
                }
            return try await c.query(query, logger: Self.quiet).collect().first?.decode(Int.self) ?? 0
        }
    }

    // MARK: Queries

    public func entry(rowID: Int64) async throws(KamiflowError) -> ScanEntry? {
        try await transaction("read a scan") { c in try await Self.fetchEntry(c, "WHERE id = \(rowID)") }
    }

    public func entries(matching reference: String) async throws(KamiflowError) -> [ScanEntry] {
        let lower = reference.lowercased()
        let isHex = lower.count >= 4 && lower.allSatisfy { $0.isHexDigit }
        let absolute = URL(fileURLWithPath: reference).standardizedFileURL.path
        return try await transaction("find scans") { c in
            var found: [ScanEntry] = []
            if isHex {
                found = try await Self.fetchEntries(
                    c, "WHERE starts_with(hash, \(lower)) ORDER BY (state = 'duplicate'), id")
            }
            if found.isEmpty {
                found = try await Self.fetchEntries(
                    c,
                    """
                    WHERE path IN (\(reference), \(absolute)) OR original_path IN (\(reference), \(absolute))
                    ORDER BY (state = 'duplicate'), id
                    """)
            }
            if found.isEmpty {
                found = try await Self.fetchEntries(
                    c,
                    """
                    WHERE id IN (SELECT scan_id FROM input WHERE path IN (\(reference), \(absolute))
                        OR location IN (\(reference), \(absolute)))
                    ORDER BY (state = 'duplicate'), id
                    """)
            }
            return found
        }
    }

    public func list(state: ScanState?, limit: Int) async throws(KamiflowError) -> [ScanEntry] {
        try await transaction("list scans") { c in
            if let state {
                return try await Self.fetchEntries(
                    c, "WHERE state = \(state.rawValue) ORDER BY updated_at DESC, id DESC LIMIT \(limit)")
            }
            return try await Self.fetchEntries(c, "ORDER BY updated_at DESC, id DESC LIMIT \(limit)")
        }
    }

    public func count(state: ScanState?) async throws(KamiflowError) -> Int {
        try await transaction("count scans") { c in
            let query: PostgresQuery =
                if let state { "SELECT count(*) FROM scan WHERE state = \(state.rawValue)" } else {
                    "SELECT count(*) FROM scan"
                }
            return try await c.query(query, logger: Self.quiet).collect().first?.decode(Int.self) ?? 0
        }
    }

    public func counts() async throws(KamiflowError) -> [ScanState: Int] {
        try await transaction("count scans by state") { c in
            var counts: [ScanState: Int] = [:]
            for try await (state, n) in try await c.query(
                "SELECT state, count(*) FROM scan GROUP BY state", logger: Self.quiet
            ).decode((String, Int).self) {
                if let known = ScanState(rawValue: state) { counts[known] = n }
            }
            return counts
        }
    }

    public func stuck(olderThan threshold: TimeInterval, now: Date) async throws(KamiflowError) -> [ScanEntry] {
        let before = now.timeIntervalSince1970 - threshold
        return try await transaction("find stuck scans") { c in
            try await Self.fetchEntries(
                c,
                """
                WHERE state IN ('claimed', 'reading', 'read', 'delivering') AND state_since < \(before)
                ORDER BY state_since
                """)
        }
    }

    public func deliveries(of rowID: Int64) async throws(KamiflowError) -> [DeliveryEntry] {
        try await transaction("read a scan's deliveries") { c in
            var found: [DeliveryEntry] = []
            for try await (scan, connection, key, status, receipt, detail, attempts, updated) in try await c.query(
                """
                SELECT scan_id, connection, idempotency_key, status, receipt, detail, attempts, updated_at
                FROM delivery WHERE scan_id = \(rowID) ORDER BY connection, idempotency_key
                """, logger: Self.quiet
            ).decode((Int64, String, String, String, String?, String?, Int, Double).self) {
                found.append(
                    DeliveryEntry(
                        scanRowID: scan, connection: connection, idempotencyKey: key,
                        status: DeliveryEntry.Status(rawValue: status) ?? .pending, receipt: receipt, detail: detail,
                        attempts: attempts, updatedAt: Date(timeIntervalSince1970: updated)))
            }
            return found
        }
    }

    // MARK: Nodes

    public func registerNode(_ node: NodeIdentity, now: Date) async throws(KamiflowError) {
        let at = now.timeIntervalSince1970
        try await transaction("register this node") { c in
            if let name = node.name {
                try await c.query(
                    """
                    UPDATE node SET stopped = \(at), holding = 0
                    WHERE host = \(node.host) AND name = \(name) AND id <> \(node.id) AND stopped IS NULL
                    """, logger: Self.quiet)
            }
            try await c.query(
                """
                INSERT INTO node (id, name, host, pid, started, last_seen, heartbeat_interval)
                VALUES (\(node.id), \(node.name), \(node.host), \(Int(node.pid)), \(node.started.timeIntervalSince1970),
                    \(at), \(node.heartbeatInterval))
                ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, stopped = NULL,
                    heartbeat_interval = excluded.heartbeat_interval
                """, logger: Self.quiet)
        }
    }

    public func heartbeat(_ nodeID: String, scansDone: Int, holding: Int, now: Date) async throws(KamiflowError) {
        let at = now.timeIntervalSince1970
        try await transaction("record a heartbeat") { c in
            _ = try await c.query(
                """
                UPDATE node SET last_seen = \(at), stopped = NULL, scans_done = \(scansDone), holding = \(holding)
                WHERE id = \(nodeID)
                """, logger: Self.quiet)
        }
    }

    public func releaseLeases(ownedBy prefix: String, except working: Set<String>) async throws(KamiflowError) {
        let kept = Array(working)
        try await transaction("free leases nobody works on") { c in
            _ = try await c.query(
                """
                UPDATE scan SET lease_owner = NULL, lease_expires = NULL
                WHERE starts_with(lease_owner, \(prefix)) AND NOT (lease_owner = ANY(\(kept)::text[]))
                """, logger: Self.quiet)
        }
    }

    public func retireNode(_ nodeID: String, now: Date) async throws(KamiflowError) {
        let at = now.timeIntervalSince1970
        try await transaction("mark a node stopped") { c in
            _ = try await c.query(
                "UPDATE node SET stopped = \(at), holding = 0 WHERE id = \(nodeID) AND stopped IS NULL",
                logger: Self.quiet)
        }
    }

    public func nodes(now: Date) async throws(KamiflowError) -> [NodeEntry] {
        let at = now.timeIntervalSince1970
        return try await transaction("list the nodes") { c in
            // Leases are counted from the scans themselves: unexpired, not settled, owned by the node.
            var found: [NodeEntry] = []
            for try await (id, name, host, pid, started, lastSeen, interval, stopped, done, leases, reviewLeases)
                in try await c.query(
                    """
                    SELECT n.id, n.name, n.host, n.pid, n.started, n.last_seen, n.heartbeat_interval, n.stopped,
                        n.scans_done,
                        (SELECT count(*) FROM scan s WHERE split_part(s.lease_owner, '#', 1) = n.id
                            AND s.lease_expires > \(at)),
                        (SELECT count(*) FROM review_lease r WHERE r.node = n.id AND r.expires_at > \(at))
                    FROM node n ORDER BY n.last_seen DESC, n.id
                    """, logger: Self.quiet
                ).decode((String, String?, String, Int, Double, Double, Double, Double?, Int, Int, Int).self)
            {
                found.append(
                    NodeEntry(
                        id: id, name: name, host: host, pid: Int32(truncatingIfNeeded: pid),
                        started: Date(timeIntervalSince1970: started), lastSeen: Date(timeIntervalSince1970: lastSeen),
                        heartbeatInterval: interval, stopped: stopped.map(Date.init(timeIntervalSince1970:)),
                        scansDone: done, leases: stopped == nil ? leases : 0,
                        reviewLeases: stopped == nil ? reviewLeases : 0))
            }
            return found
        }
    }

    // MARK: Plumbing

    /// postgres-nio's own logging stays off: queries and binds may carry records.
    static let quiet = Logger(label: "kamiflow.journal.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` in one transaction on a pooled connection, in a task of its own (a cancelled caller's write still
    /// happens), waiting at most the configured timeout; every failure becomes a `KamiflowError`.
    func transaction<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(KamiflowError) -> T {
        let client = self.client
        let timeout = configuration.timeout
        do {
            return try await Self.bounded(by: timeout) {
                try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: Self.quiet)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: Self.quiet)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: Self.quiet)
                        throw error
                    }
                }
            }
        } catch {
            throw describe(error, while: what)
        }
    }

    private struct TimedOut: Error {}

    /// Runs `work` in a task of its own and waits for it at most `timeout`; then throws `TimedOut`, cancels the
    /// task, and leaves it to end by itself. The caller is never held longer than that, even by work that does not
    /// heed its cancellation: waiting for a timed-out child, as a task group does, let one query that never came
    /// back hold a worker's scan for the whole lease while PostgreSQL restarted (the three-worker drill: calls hung
    /// in 4 runs of 30, and 2 runs of 9 failed so before this). The task is not the caller's child either, so that a caller being cancelled (a scan
    /// handed back at shutdown) does not cancel its write.
    package static func bounded<T: Sendable>(
        by timeout: Duration, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let task = Task {
                do {
                    race.finish(.success(try await work()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            race.arm(
                Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    task.cancel()
                    race.finish(.failure(TimedOut()))
                })
        }
    }

    /// The first of a piece of work and its timer to finish resumes the waiting caller; the other finds it gone.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var waiting: CheckedContinuation<T, any Error>?
            var timer: Task<Void, Never>?
            var over = false
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLock { $0.waiting = continuation }
        }

        /// Keeps the timer, to stop it once the work is over (at once, when it is over already).
        func arm(_ timer: Task<Void, Never>) {
            let over = state.withLock { state in
                state.timer = timer
                return state.over
            }
            if over { timer.cancel() }
        }

        func finish(_ result: Result<T, any Error>) {
            let (waiting, timer) = state.withLock { state in
                defer { state = State(over: true) }
                return (state.waiting, state.timer)
            }
            timer?.cancel()
            waiting?.resume(with: result)
        }
    }

    /// A journal error that says what failed and why, naming the server and never the password.
    func describe(_ error: any Error, while what: String) -> KamiflowError {
        if let known = error as? KamiflowError { return known }
        if error is TimedOut {
            let seconds = Double(configuration.timeout.components.seconds)
            return KamiflowError(
                .journal,
                "cannot \(what): the shared journal did not answer within \(Int(seconds)) s "
                    + "(is PostgreSQL running and reachable from this machine?)",
                subject: location)
        }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .server:
                let message = psql.serverInfo?[.message] ?? "an error"
                let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                // pg_hba.conf with `hostssl` lines only: the way in is TLS.
                let hint =
                    configuration.tls == .disable && message.contains("no encryption")
                    ? "; the server takes TLS connections only: use sslmode=verify-full (with sslrootcert)" : ""
                return KamiflowError(
                    .journal, "cannot \(what): PostgreSQL said: \(message)\(state)\(hint)", subject: location)
            case .connectionError:
                if let refusal = psql.underlying.flatMap(tlsRefusal) {
                    return KamiflowError(.journal, "cannot \(what): \(refusal)", subject: location)
                }
                let reason = psql.underlying.map { " (\(String(describing: $0)))" } ?? ""
                return KamiflowError(
                    .journal, "cannot \(what): cannot connect to PostgreSQL\(reason)", subject: location)
            case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
                let reason = psql.underlying.map { ": \(String(describing: $0))" } ?? ""
                return KamiflowError(
                    .journal,
                    "cannot \(what): the connection to the shared journal was lost\(reason); "
                        + "the call may be retried once PostgreSQL is reachable",
                    subject: location)
            case .sslUnsupported:
                return KamiflowError(
                    .journal, "cannot \(what): the server does not offer TLS, and sslmode asks for it",
                    subject: location)
            default:
                return KamiflowError(.journal, "cannot \(what): \(psql.code)", subject: location)
            }
        }
        if error is CancellationError {
            return KamiflowError(.journal, "cannot \(what): the journal was closed", subject: location)
        }
        return KamiflowError(.journal, "cannot \(what): \(String(describing: error))", subject: location)
    }

    /// What a failed TLS handshake means for the person setting the journal up, or nil for other failures.
    private func tlsRefusal(_ error: any Error) -> String? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "the server's certificate is not made out to \(configuration.host) (sslmode=verify-full checks the "
                + "host name the journal URL gives against the certificate's names; verify-ca does not)"
        }
        guard let ssl = error as? NIOSSLError, case .handshakeFailed(let cause) = ssl else { return nil }
        let roots = configuration.rootCertificate.map { "sslrootcert (\($0))" } ?? "the system's roots (no sslrootcert)"
        if "\(cause)".contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate is not trusted: it is not signed by a certificate authority in \(roots)"
        }
        return "the TLS handshake with the server failed (\(cause))"
    }

    static let scanColumns = """
        id, hash, state, path, original_path, workflow, duplicate_of, attempts, error, pages, records, timings,
        created_at, updated_at, state_since
        """

    static func fetchEntry(_ c: PostgresConnection, _ rest: PostgresQuery) async throws -> ScanEntry? {
        try await fetchEntries(c, rest).first
    }

    static func fetchEntries(_ c: PostgresConnection, _ rest: PostgresQuery) async throws -> [ScanEntry] {
        var query: PostgresQuery = "SELECT \(unescaped: scanColumns) FROM scan "
        query.sql += rest.sql
        query.binds = rest.binds
        var found: [ScanEntry] = []
        for try await row in try await c.query(query, logger: quiet) {
            found.append(try scanEntry(row.makeRandomAccess()))
        }
        return found
    }

    /// A scan from a row holding the columns of `scanColumns`.
    static func scanEntry(_ r: PostgresRandomAccessRow) throws -> ScanEntry {
        let timingsText = try r["timings"].decode(String.self)
        let timings = (try? JSONDecoder().decode([String: Double].self, from: Data(timingsText.utf8))) ?? [:]
        return ScanEntry(
            rowID: try r["id"].decode(Int64.self), hash: try r["hash"].decode(String.self),
            state: ScanState(rawValue: try r["state"].decode(String.self)) ?? .failed,
            path: try r["path"].decode(String.self), originalPath: try r["original_path"].decode(String.self),
            workflow: try r["workflow"].decode(String?.self),
            duplicateOf: try r["duplicate_of"].decode(Int64?.self),
            attempts: try r["attempts"].decode(Int.self), error: try r["error"].decode(String?.self),
            pages: try r["pages"].decode(Int?.self), records: try r["records"].decode(String?.self),
            timings: timings,
            createdAt: Date(timeIntervalSince1970: try r["created_at"].decode(Double.self)),
            updatedAt: Date(timeIntervalSince1970: try r["updated_at"].decode(Double.self)),
            stateSince: Date(timeIntervalSince1970: try r["state_since"].decode(Double.self)))
    }

    static func fetchInputs(_ c: PostgresConnection, _ rest: PostgresQuery) async throws -> [InputEntry] {
        var query: PostgresQuery = """
            SELECT input.id, input.path, input.location, input.size, input.scan_id, scan.hash, input.outcome,
                input.reason, input.first_seen, input.last_seen, input.sightings
            FROM input LEFT JOIN scan ON scan.id = input.scan_id 
            """
        query.sql += rest.sql
        query.binds = rest.binds
        var found: [InputEntry] = []
        for try await row in try await c.query(query, logger: quiet) {
            let r = row.makeRandomAccess()
            found.append(
                InputEntry(
                    rowID: try r[0].decode(Int64.self), path: try r[1].decode(String.self),
                    location: try r[2].decode(String.self), size: try r[3].decode(Int64?.self),
                    scanRowID: try r[4].decode(Int64?.self), hash: try r[5].decode(String?.self),
                    outcome: InputOutcome(rawValue: try r[6].decode(String.self)) ?? .refused,
                    reason: try r[7].decode(String?.self),
                    firstSeen: Date(timeIntervalSince1970: try r[8].decode(Double.self)),
                    lastSeen: Date(timeIntervalSince1970: try r[9].decode(Double.self)),
                    sightings: try r[10].decode(Int.self)))
        }
        return found
    }

    private static func insertedID(_ c: PostgresConnection, _ query: PostgresQuery) async throws -> Int64 {
        guard let id = try await c.query(query, logger: quiet).collect().first?.decode(Int64.self) else {
            throw KamiflowError(.journal, "an insert returned no row id")
        }
        return id
    }

    private static func json(_ timings: [String: Double]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(timings)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
