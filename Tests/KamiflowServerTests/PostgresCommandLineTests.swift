import Foundation
import KamiflowTesting
import Testing

/// The commands wired to the shared journal, through the built executable and a PostgreSQL server of the test's own.
@Suite("kamiflow with a PostgreSQL journal", .enabled(if: executableBuilt))
struct PostgresCommandLineTests {
    @Test(
        "journal migrate copies a SQLite journal into PostgreSQL, which journal list and status then read; no password shown"
    )
    func migrateThenRead() throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let database = try server.createDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kf-pgcli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // An empty file is refused before it is read: one input row in the SQLite journal.
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("empty.png").path, contents: Data())
        let workflow = PythonClient.repositoryRoot.appendingPathComponent("Workflows/jidou-teate-nintei.yaml").path
        _ = try kamiflow(["run", workflow, "empty.png"], in: folder)
        let url = server.urlWithoutPassword(database: database)
        let secret = ["KF_JOURNAL_PASSWORD": server.password]

        let migrate = try kamiflow(
            ["journal", "migrate", "--to", url, "--password-env", "KF_JOURNAL_PASSWORD"], in: folder,
            environment: secret)
        #expect(migrate.status == 0, "\(migrate.errors)")
        #expect(migrate.output.contains("1 input paths"), "\(migrate.output)")
        let again = try kamiflow(
            ["journal", "migrate", "--to", url, "--password-env", "KF_JOURNAL_PASSWORD"], in: folder,
            environment: secret)
        #expect(again.status == 0, "\(again.errors)")

        let pg = ["PGPASSWORD": server.password]
        let list = try kamiflow(["journal", "list", "--inputs", "--journal", url], in: folder, environment: pg)
        #expect(
            list.status == 0 && list.output.contains("empty.png") && list.output.contains("refused"),
            "\(list.output)\(list.errors)")
        let status = try kamiflow(["status", "--journal", url], in: folder, environment: pg)
        #expect(status.status == 0 && status.output.contains("127.0.0.1:\(server.port)"), "\(status.errors)")
        #expect(!(status.output + status.errors + list.output + migrate.output).contains(server.password))

        let refused = try kamiflow(["status", "--journal", url], in: folder, environment: ["PGPASSWORD": "wrong"])
        #expect(refused.status != 0 && refused.errors.contains("password authentication failed"), "\(refused.errors)")
    }
}
