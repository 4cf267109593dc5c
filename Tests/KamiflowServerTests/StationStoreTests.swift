import Foundation
import KamiflowCore
import KamiflowServer
import KamiflowTesting
import Testing

/// The review station's accounts and sessions, on a real SQLite file (record leases are the journal's).
@Suite("review station accounts and leases")
struct StationStoreTests {
    static func store() throws -> (StationStore, String) {
        let folder = NSTemporaryDirectory() + "kamiflow-station-\(UUID().uuidString)"
        return (try StationStore(path: folder + "/review-station.sqlite"), folder)
    }

    @Test("a password is kept as a bcrypt hash in an owner-only file, and opens a session only when right")
    func passwords() throws {
        let (store, folder) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try store.setUser("yamada", role: .reviewer, password: "correct horse")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: store.path))
        #expect(bytes.range(of: Data("correct horse".utf8)) == nil)
        #expect(bytes.range(of: Data("$2b$".utf8)) != nil)
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.login("yamada", password: "wrong horse") == .refused)
        #expect(try store.login("nobody", password: "correct horse") == .refused)
        guard case .success(let session) = try store.login("yamada", password: "correct horse") else {
            Issue.record("the right password was refused")
            return
        }
        #expect(session.role == .reviewer && !session.role.mayReveal)
        #expect(session.csrf.count == 64 && session.token != session.csrf)
        #expect(try store.session(token: session.token)?.user == "yamada")
        #expect(try store.session(token: session.csrf) == nil)
        try store.endSession(token: session.token)
        #expect(try store.session(token: session.token) == nil)
        #expect(throws: KamiflowError.self) { try store.setUser("short", role: .admin, password: "1234567") }
    }

    @Test("five failed logins in a row lock the account, even against the right password, until the time passes")
    func locking() throws {
        let (store, folder) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try store.setUser("sato", role: .supervisor, password: "right password")
        let now = Date()
        for attempt in 1...StationStore.lockAfterFailures {
            let result = try store.login("sato", password: "guess \(attempt)", now: now)
            #expect(attempt < StationStore.lockAfterFailures ? result == .refused : result != .refused)
        }
        guard case .locked = try store.login("sato", password: "right password", now: now.addingTimeInterval(60)) else {
            Issue.record("a locked account opened")
            return
        }
        let later = now.addingTimeInterval(StationStore.lockDuration + 1)
        guard case .success = try store.login("sato", password: "right password", now: later) else {
            Issue.record("the lock did not end")
            return
        }
        let trail = try store.auditTrail().map(\.action)
        #expect(trail.filter { $0 == "login-failed" }.count == StationStore.lockAfterFailures - 1)
        #expect(trail.contains("locked") && trail.last == "login")
    }

    @Test("a station file from before leases moved to the journal loses its leases and blind entries, erased")
    func oldLeasesAndEntriesDropped() throws {
        let folder = NSTemporaryDirectory() + "kamiflow-station-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/review-station.sqlite"
        // The tables as the station kept them until leases and blind entries moved to the journal, with a first
        // entry still in them (an account number typed blind).
        let sql = """
            CREATE TABLE record_leases (scan_row INTEGER NOT NULL, record_index INTEGER NOT NULL,
                user TEXT NOT NULL, expires_at REAL NOT NULL, PRIMARY KEY (scan_row, record_index));
            CREATE TABLE double_entries (scan_row INTEGER NOT NULL, record_index INTEGER NOT NULL,
                round INTEGER NOT NULL, user TEXT NOT NULL, keyed TEXT NOT NULL, corrections TEXT NOT NULL,
                PRIMARY KEY (scan_row, record_index, round));
            INSERT INTO record_leases VALUES (1, 0, 'yamada', 4102444800);
            INSERT INTO double_entries VALUES (1, 0, 1, 'yamada', '{"account.number":"7654321"}', '{}');
            """
        let old = try PythonClient.run(
            script:
                "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\ndb.executescript(sys.argv[2])\ndb.commit()",
            arguments: [path, sql])
        try #require(old.status == 0, "\(old.errorOutput)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).range(of: Data("7654321".utf8)) != nil)

        let store = try StationStore(path: path)
        try store.setUser("yamada", role: .reviewer, password: "correct horse")
        let tables = try PythonClient.run(
            script: """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                print(" ".join(sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))))
                """, arguments: [path])
        #expect(tables.output.trimmingCharacters(in: .whitespacesAndNewlines) == "audit sessions sqlite_sequence users")
        // Erased, not only unlinked: the freed pages do not keep the typed number.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).range(of: Data("7654321".utf8)) == nil)
    }
}
