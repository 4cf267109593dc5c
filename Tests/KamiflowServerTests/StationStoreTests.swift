import Foundation
import KamiflowCore
import KamiflowServer
import Testing

/// The review station's accounts, sessions and record leases, on a real SQLite file.
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

    @Test("one reviewer holds a record at a time; the lease expires and is given back")
    func leases() throws {
        let (store, folder) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let now = Date()
        #expect(try store.claimRecord(scan: 7, index: 0, user: "a", duration: 600, now: now) == nil)
        #expect(try store.claimRecord(scan: 7, index: 0, user: "b", duration: 600, now: now) == "a")
        #expect(try store.claimRecord(scan: 7, index: 1, user: "b", duration: 600, now: now) == nil)
        #expect(try store.claimRecord(scan: 7, index: 0, user: "a", duration: 600, now: now) == nil)
        #expect(try store.otherHolder(scan: 7, index: 0, user: "b", now: now) == "a")
        #expect(
            try store.claimRecord(scan: 7, index: 0, user: "b", duration: 600, now: now.addingTimeInterval(601)) == nil)
        try store.releaseRecord(scan: 7, index: 0, user: "b")
        #expect(try store.claimRecord(scan: 7, index: 0, user: "a", duration: 600, now: now) == nil)
        try store.releaseRecords(of: "a")
        #expect(try store.otherHolder(scan: 7, index: 0, user: "b", now: now) == nil)
    }
}
