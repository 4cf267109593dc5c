import Foundation
import KamiflowConnectors
import KamiflowCore
import Testing

/// Issue 18: record files hold whole records, so each file connector writes them owner-only (0600) in folders it
/// creates owner-only (0700), whatever the process's umask lets through by default.
@Suite("File connectors write private files")
struct PrivateFileModeTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }

    /// Every file and folder under `folder` (the ledger's too), with its mode.
    static func modes(under folder: URL) throws -> [(path: String, mode: Int, isFolder: Bool)] {
        var found: [(String, Int, Bool)] = []
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder.path))
        while let relative = enumerator.nextObject() as? String {
            let path = folder.appendingPathComponent(relative).path
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            found.append((path, try mode(path), isFolder.boolValue))
        }
        return found
    }

    @Test(
        "csv, fixed-width, zengin and jsonl: record files and ledger 0600, new folders 0700",
        arguments: ["csv", "fixed-width", "zengin", "jsonl"])
    func recordFilesArePrivate(kind: String) async throws {
        let root = temporaryFolder("modes-\(kind)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("new/out")  // two folders the connector creates
        let configuration: ConnectionConfiguration
        var records = [request("k1", [("code", "1"), ("name", "山田")])]
        switch kind {
        case "csv":
            configuration = .csv(.init(folder: folder.path))
        case "fixed-width":
            configuration = .fixedWidth(
                FixedWidthConnectionConfiguration(
                    folder: folder.path,
                    layout: [
                        .init(field: "code", bytes: 4, kind: .numeric),
                        .init(field: "name", bytes: 8, kind: .character),
                    ]))
        case "zengin":
            configuration = .zengin(ZenginConnectorTests.configuration(folder))
            records = ZenginConnectorTests.records()
        default:
            configuration = .jsonLines(.init(folder: folder.path))
        }
        let connector = try ConnectorFactory.makeConnector(named: kind, configuration: configuration, environment: [:])
        let outcomes = await connector.deliver(records)
        // A second batch: appended (jsonl) or a second file.
        records = records.map {
            var r = $0
            r.idempotencyKey += "-2"
            return r
        }
        _ = await connector.deliver(records)
        try await connector.close()
        #expect(outcomes.allSatisfy { $0.isDelivered })

        #expect(try Self.mode(root.appendingPathComponent("new").path) == 0o700)
        let entries = try Self.modes(under: folder)
        #expect(entries.contains { !$0.isFolder && !$0.path.contains(".kamiflow-ledger") }, "no record file written")
        #expect(entries.contains { $0.path.hasSuffix("ledger.jsonl") })
        for entry in entries {
            #expect(entry.mode == (entry.isFolder ? 0o700 : 0o600), "\(entry.path) is \(String(entry.mode, radix: 8))")
        }
        #expect(try Self.mode(folder.path) == 0o700)
    }
}
