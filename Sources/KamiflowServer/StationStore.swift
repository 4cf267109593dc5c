public import Foundation
import GRDB
import HummingbirdBcrypt
public import KamiflowCore

/// What a person may do at the review station.
public enum StationRole: String, Sendable, Codable, CaseIterable {
    /// Checks and corrects flagged fields; never sees a sensitive value in clear.
    case reviewer
    /// A reviewer who may also reveal sensitive values (each reveal is audited).
    case supervisor
    /// A supervisor who also manages accounts.
    case admin

    /// Whether a sensitive value (マイナンバー, account number) may be shown to this role, on request.
    public var mayReveal: Bool { self != .reviewer }

    /// Whether the authoring view (a workflow's zones over its template and over scans) is open to this role:
    /// the workflow author's, so the administrator's.
    public var mayAuthor: Bool { self == .admin }
}

/// The review station's own SQLite file beside the journal (0600): local accounts (bcrypt), sessions (only a hash
/// of each token is kept), and the audit trail of who saw, revealed, corrected and decided what. The decisions
/// themselves (accept/reject, with the masked changes) are also in the journal's own review audit, written by the
/// review station of `KamiflowRuntime`. The lease that gives one reviewer a record at a time and the blind double
/// entries are the journal's too (`Journal.claimReviewRecord`, `Journal.addDoubleEntry`): every station node on a
/// shared journal sees them, while this file stays one node's (docs/operations.md, "Several machines").
public final class StationStore: Sendable {
    /// The file next to a journal at `journalPath`.
    public static func path(besideJournal journalPath: String) -> String {
        // A shared journal (`postgres://…`) has no folder: the station then keeps its file in this node's own
        // `.kamiflow/`, so its accounts, sessions and audit trail are this node's alone (docs/operations.md).
        if journalPath.contains("://") { return ".kamiflow/review-station.sqlite" }
        return ((journalPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
            "review-station.sqlite")
    }

    /// Failed logins in a row after which an account is locked, and for how long.
    public static let lockAfterFailures = 5
    public static let lockDuration: TimeInterval = 15 * 60

    private let database: DatabaseQueue
    /// Where the file is.
    public let path: String

    public init(path: String) throws(KamiflowError) {
        self.path = path
        do {
            try PrivateFiles.prepareDatabaseFile(atPath: path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS users (
                            name TEXT PRIMARY KEY,
                            role TEXT NOT NULL,
                            password_hash TEXT NOT NULL,
                            failures INTEGER NOT NULL DEFAULT 0,
                            locked_until REAL,
                            created_at REAL NOT NULL);
                        CREATE TABLE IF NOT EXISTS sessions (
                            token_sha256 TEXT PRIMARY KEY,
                            user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                            csrf TEXT NOT NULL,
                            expires_at REAL NOT NULL);
                        CREATE TABLE IF NOT EXISTS audit (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            at REAL NOT NULL,
                            user TEXT NOT NULL,
                            action TEXT NOT NULL,
                            scan_row INTEGER,
                            record_index INTEGER,
                            detail TEXT);
                        """)
                // Leases and blind entries moved to the journal. What an older station left here is dropped, not
                // carried over: a lease lasts minutes, and a first blind entry (typed values, in clear) must not
                // outlive its use; such a record simply waits for a first entry again.
                if try db.tableExists("double_entries") || db.tableExists("record_leases") {
                    try db.execute(sql: "PRAGMA secure_delete = ON")  // the freed pages are zeroed
                    try db.execute(sql: "DROP TABLE IF EXISTS record_leases; DROP TABLE IF EXISTS double_entries")
                    try db.execute(sql: "PRAGMA secure_delete = OFF")
                }
            }
        } catch let error as KamiflowError {
            throw error
        } catch {
            throw KamiflowError(.io, "cannot open the review station's database: \(error)", subject: path)
        }
    }

    // MARK: Accounts

    /// Adds an account, or replaces the password and role of an existing one (and ends its sessions).
    public func setUser(
        _ name: String, role: StationRole, password: String, now: Date = Date()
    )
        throws(KamiflowError)
    {
        guard !name.isEmpty, name.count <= 64, !name.contains(where: \.isNewline) else {
            throw KamiflowError(.invalidArgument, "a user name is 1–64 characters on one line")
        }
        guard password.count >= 8 else {
            throw KamiflowError(.invalidArgument, "the password is too short (8 characters at least)")
        }
        let hash = Bcrypt.hash(password, cost: 10)
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO users (name, role, password_hash, failures, locked_until, created_at)
                    VALUES (?, ?, ?, 0, NULL, ?)
                    ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
                        failures = 0, locked_until = NULL
                    """, arguments: [name, role.rawValue, hash, now.timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM sessions WHERE user = ?", arguments: [name])
        }
    }

    /// The outcome of a login attempt.
    public enum LoginResult: Sendable, Equatable {
        case success(StationSession)
        /// Wrong name or password (not told apart, so names cannot be probed).
        case refused
        /// Too many failures in a row: locked until the given time.
        case locked(until: Date)
    }

    /// Checks a password; on success opens a session (a fresh random token and CSRF token). A wrong password counts
    /// towards the lock, a right one resets the count.
    public func login(
        _ name: String, password: String, sessionLength: TimeInterval = 8 * 3600, now: Date = Date()
    )
        throws(KamiflowError) -> LoginResult
    {
        struct Account: Sendable {
            var role: String
            var hash: String
            var failures: Int
            var lockedUntil: Double?
        }
        let account = try read { db -> Account? in
            try Row.fetchOne(
                db, sql: "SELECT role, password_hash, failures, locked_until FROM users WHERE name = ?",
                arguments: [name]
            ).map {
                Account(
                    role: $0["role"], hash: $0["password_hash"], failures: $0["failures"],
                    lockedUntil: $0["locked_until"])
            }
        }
        guard let account else {
            _ = Bcrypt.verify(password, hash: Self.decoyHash)  // the same time whether the name exists or not
            return .refused
        }
        if let locked = account.lockedUntil, locked > now.timeIntervalSince1970 {
            return .locked(until: Date(timeIntervalSince1970: locked))
        }
        guard Bcrypt.verify(password, hash: account.hash), let role = StationRole(rawValue: account.role) else {
            let failures = account.failures + 1
            let lockedUntil = failures >= Self.lockAfterFailures ? now.addingTimeInterval(Self.lockDuration) : nil
            try write { db in
                try db.execute(
                    sql: "UPDATE users SET failures = ?, locked_until = ? WHERE name = ?",
                    arguments: [lockedUntil == nil ? failures : 0, lockedUntil?.timeIntervalSince1970, name])
            }
            try audit(user: name, action: lockedUntil == nil ? "login-failed" : "locked", now: now)
            return lockedUntil.map { .locked(until: $0) } ?? .refused
        }
        let session = StationSession(
            token: Self.randomToken(), user: name, role: role, csrf: Self.randomToken(),
            expires: now.addingTimeInterval(sessionLength))
        try write { db in
            try db.execute(sql: "UPDATE users SET failures = 0, locked_until = NULL WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [now.timeIntervalSince1970])
            try db.execute(
                sql: "INSERT INTO sessions (token_sha256, user, csrf, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [Self.digest(session.token), name, session.csrf, session.expires.timeIntervalSince1970])
        }
        try audit(user: name, action: "login", now: now)
        return .success(session)
    }

    /// The session a cookie's token opens, unless it expired or was ended.
    public func session(token: String, now: Date = Date()) throws(KamiflowError) -> StationSession? {
        let digest = Self.digest(token)
        return try read { db -> StationSession? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.user, s.csrf, s.expires_at, u.role FROM sessions s JOIN users u ON u.name = s.user
                        WHERE s.token_sha256 = ? AND s.expires_at > ?
                        """, arguments: [digest, now.timeIntervalSince1970]),
                let role = StationRole(rawValue: row["role"])
            else { return nil }
            return StationSession(
                token: token, user: row["user"], role: role, csrf: row["csrf"],
                expires: Date(timeIntervalSince1970: row["expires_at"]))
        }
    }

    /// Ends a session (logout).
    public func endSession(token: String) throws(KamiflowError) {
        try write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE token_sha256 = ?", arguments: [Self.digest(token)])
        }
    }

    // MARK: Audit

    /// One line of the audit trail: `action` is `login`, `login-failed`, `locked`, `view`, `reveal`, `accept`,
    /// `reject`, `refused`; `detail` never holds a sensitive value (field paths, outcomes).
    public func audit(
        user: String, action: String, scan: Int64? = nil, index: Int? = nil, detail: String? = nil, now: Date = Date()
    ) throws(KamiflowError) {
        try write { db in
            try db.execute(
                sql: "INSERT INTO audit (at, user, action, scan_row, record_index, detail) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [now.timeIntervalSince1970, user, action, scan, index, detail])
        }
    }

    /// One entry of the audit trail.
    public struct AuditLine: Sendable, Hashable {
        public var at: Date
        public var user: String
        public var action: String
        public var scan: Int64?
        public var index: Int?
        public var detail: String?
    }

    /// The audit trail, oldest first.
    public func auditTrail() throws(KamiflowError) -> [AuditLine] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id").map { row in
                AuditLine(
                    at: Date(timeIntervalSince1970: row["at"]), user: row["user"], action: row["action"],
                    scan: row["scan_row"], index: row["record_index"], detail: row["detail"])
            }
        }
    }

    // MARK: Helpers

    /// A bcrypt hash of nothing anyone types, checked when the user name is unknown.
    private static let decoyHash = Bcrypt.hash(randomToken(), cost: 10)

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func digest(_ token: String) -> String { KamiflowCore.SHA256.hex(Array(token.utf8)) }

    private func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(KamiflowError) -> T {
        do { return try database.read(body) } catch {
            throw KamiflowError(.journal, "the review station's database failed: \(error)", subject: path)
        }
    }

    private func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(KamiflowError) -> T {
        do { return try database.write(body) } catch {
            throw KamiflowError(.journal, "the review station's database failed: \(error)", subject: path)
        }
    }
}

/// A logged-in person: the cookie's token (kept only hashed in the store), who, the role, and the CSRF token every
/// form of this session must carry.
public struct StationSession: Sendable, Equatable {
    public var token: String
    public var user: String
    public var role: StationRole
    public var csrf: String
    public var expires: Date
}
