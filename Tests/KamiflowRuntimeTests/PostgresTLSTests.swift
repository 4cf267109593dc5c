import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The shared journal over TLS, set up as a municipal network would: a PostgreSQL server with `ssl = on`, a
/// certificate signed by a certificate authority of the test's own (openssl), and a pg_hba.conf that lets in TLS
/// connections only (`hostssl`). A worker that checks the server against that authority (`verify-full`) connects,
/// and its connections are encrypted; one that trusts another authority, expects another host name, or asks for no
/// TLS is refused with an error that says why.
@Suite("PostgreSQL journal over TLS", .serialized)
struct PostgresTLSTests {
    /// A server taking TLS connections only, with a certificate for 127.0.0.1 signed by `city-ca`; `stranger-ca`
    /// is another authority. Both authorities' certificates are `NAME.pem` in `folder`.
    struct TLSServer {
        let server: PostgresServer
        let folder: TemporaryFolder

        var authority: String { folder.file("city-ca.pem") }
        var stranger: String { folder.file("stranger-ca.pem") }

        func url(database: String, _ settings: String) -> String {
            server.url(database: database).replacingOccurrences(of: "sslmode=disable", with: settings)
        }

        func remove() {
            server.remove()
            folder.remove()
        }
    }

    static func start(_ name: String = #function) throws -> TLSServer {
        let folder = try TemporaryFolder(name)
        let server = try PostgresServer.start()
        do {
            try makeAuthority("city-ca", in: folder.path)
            try makeAuthority("stranger-ca", in: folder.path)
            try makeServerCertificate(signedBy: "city-ca", for: "IP:127.0.0.1", in: folder.path)
            try installCertificate(on: server, from: folder.path)
            try requireTLS(on: server)
        } catch {
            server.remove()
            folder.remove()
            throw error
        }
        return TLSServer(server: server, folder: folder)
    }

    @Test(
        "verify-full with the authority that signed the server's certificate connects, and the journal's connections are encrypted"
    )
    func verifiedConnection() async throws {
        let tls = try Self.start()
        defer { tls.remove() }
        let database = try tls.server.createDatabase()
        let journal = try await PostgresJournal.open(
            PostgresJournalConfiguration(
                url: tls.url(database: database, "sslmode=verify-full&sslrootcert=\(tls.authority)")))
        let admission = try await journal.admit(
            hash: String(repeating: "a", count: 64), path: "/in/a.png", originalPath: "/in/a.png", rerunResumes: true)
        guard case .process = admission else {
            Issue.record("\(admission)")
            return
        }
        // The pool keeps its connections open: every one of them to this database is a TLS session.
        let sessions = try tls.server.psql(
            """
            SELECT count(*) FILTER (WHERE s.ssl) || '/' || count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a
            ON a.pid = s.pid WHERE a.datname = '\(database)'
            """)
        let parts = sessions.split(separator: "/").compactMap { Int($0) }
        #expect(parts.count == 2 && parts[1] > 0 && parts[0] == parts[1], "TLS sessions of all: \(sessions)")
        await journal.close()
    }

    @Test("a server whose certificate another authority signed is refused, the error naming the certificate")
    func untrustedCertificate() async throws {
        let tls = try Self.start()
        defer { tls.remove() }
        let database = try tls.server.createDatabase()
        for mode in ["verify-full", "verify-ca"] {
            do {
                let journal = try await PostgresJournal.open(
                    PostgresJournalConfiguration(
                        url: tls.url(database: database, "sslmode=\(mode)&sslrootcert=\(tls.stranger)")))
                await journal.close()
                Issue.record("\(mode): a certificate signed by another authority was accepted")
            } catch {
                #expect(error.code == .journal)
                #expect(error.description.contains("certificate is not trusted"), "\(mode): \(error)")
                #expect(error.description.contains("sslrootcert"), "\(mode): \(error)")
                #expect(!error.description.contains(tls.server.password), "the error shows the password")
            }
        }
    }

    @Test("verify-full refuses a trusted certificate made out to another host name, which verify-ca accepts")
    func hostNameChecked() async throws {
        let tls = try Self.start()
        defer { tls.remove() }
        try Self.makeServerCertificate(signedBy: "city-ca", for: "DNS:journal.example.lg.jp", in: tls.folder.path)
        try Self.installCertificate(on: tls.server, from: tls.folder.path)
        try tls.server.psql("SELECT pg_reload_conf()")
        let database = try tls.server.createDatabase()
        // The reload is asynchronous: a connection may still get the old certificate for a moment.
        var refusal: KamiflowError?
        for _ in 0..<50 where refusal == nil {
            do {
                let journal = try await PostgresJournal.open(
                    PostgresJournalConfiguration(
                        url: tls.url(database: database, "sslmode=verify-full&sslrootcert=\(tls.authority)")))
                await journal.close()
            } catch {
                refusal = error
            }
            if refusal == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let error = try #require(refusal, "verify-full accepted a certificate made out to another host")
        #expect(error.code == .journal)
        #expect(error.description.contains("127.0.0.1"), "\(error)")
        #expect(error.description.contains("host name"), "\(error)")
        let journal = try await PostgresJournal.open(
            PostgresJournalConfiguration(
                url: tls.url(database: database, "sslmode=verify-ca&sslrootcert=\(tls.authority)")))
        await journal.close()
    }

    @Test("sslmode=disable against a server that takes TLS connections only is refused, the error saying so")
    func plainConnectionRefused() async throws {
        let tls = try Self.start()
        defer { tls.remove() }
        let database = try tls.server.createDatabase()
        do {
            let journal = try await PostgresJournal.open(
                PostgresJournalConfiguration(url: tls.url(database: database, "sslmode=disable")))
            await journal.close()
            Issue.record("a connection without TLS was let in")
        } catch {
            #expect(error.code == .journal)
            #expect(error.description.contains("no encryption"), "\(error)")
            #expect(error.description.contains("sslmode=verify-full"), "\(error)")
            #expect(!error.description.contains(tls.server.password), "the error shows the password")
        }
    }

    // MARK: Certificates and the server's settings

    private static func openssl(_ arguments: [String], in folder: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PostgresServer.Failure(
                "openssl \(arguments.prefix(1).joined()) failed (\(process.terminationStatus))")
        }
    }

    /// A certificate authority: `NAME.pem` and its key `NAME.key`.
    static func makeAuthority(_ name: String, in folder: String) throws {
        try openssl(
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem",
                "-days", "2", "-subj", "/CN=\(name)", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], in: folder)
    }

    /// `server.crt` and `server.key`, made out to `altName` (`IP:…` or `DNS:…`) and signed by authority `ca`.
    static func makeServerCertificate(signedBy ca: String, for altName: String, in folder: String) throws {
        try "subjectAltName=\(altName)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".write(
            toFile: folder + "/server.ext", atomically: true, encoding: .utf8)
        try openssl(
            [
                "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                "/CN=kamiflow-journal",
            ], in: folder)
        try openssl(
            [
                "x509", "-req", "-in", "server.csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "server.ext",
            ], in: folder)
    }

    /// Copies `server.crt` and `server.key` into the cluster (its default `ssl_cert_file` and `ssl_key_file`),
    /// readable by the server's user alone, as PostgreSQL requires of a key.
    static func installCertificate(on server: PostgresServer, from folder: String) throws {
        for name in ["server.crt", "server.key"] {
            let target = server.folder + "/data/" + name
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: target)
            var attributes: [FileAttributeKey: Any] = [.posixPermissions: 0o600]
            if getuid() == 0 { attributes.merge([.ownerAccountID: 65534, .groupOwnerAccountID: 65534]) { $1 } }
            try FileManager.default.setAttributes(attributes, ofItemAtPath: target)
        }
    }

    /// `ssl = on`, and a pg_hba.conf that takes TCP connections over TLS only (the socket stays open to the
    /// fixture's own administration); applied by a reload, waited for.
    static func requireTLS(on server: PostgresServer) throws {
        // Written in place: the file keeps its owner (the server's user).
        try "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n".write(
            toFile: server.folder + "/data/pg_hba.conf", atomically: false, encoding: .utf8)
        try server.psql("ALTER SYSTEM SET ssl = on")
        try server.psql("SELECT pg_reload_conf()")
        for _ in 0..<100 {
            if (try? server.psql("SHOW ssl")) == "on" { return }
            usleep(100_000)
        }
        throw PostgresServer.Failure("PostgreSQL did not turn TLS on\n\(server.log)")
    }
}
