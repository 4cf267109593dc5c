import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowRuntimeFixtures
import Logging
import Synchronization
import Testing

@Suite("Sensitive values never in clear")
struct MaskingTests {
    static let myNumber = "123456789018"
    static let account = "7654321"

    @Test(
        "free-standing 12-digit groups are masked in any spelling; ids, dates and other numbers are not",
        arguments: [
            ("個人番号 123456789018 を確認", "個人番号 [masked] を確認"),
            ("number=1234-5678-9018,", "number=[masked],"),
            ("１２３４ ５６７８ ９０１８", "[masked]"),
            ("scan ab123456789018cd", "scan ab123456789018cd"),
            ("on 2026-05-06 at 09:30", "on 2026-05-06 at 09:30"),
            ("corporate 7123456789012", "corporate 7123456789012"),
            ("key 10322c8c5959393b9fb8bd49dcb98b77-w-0", "key 10322c8c5959393b9fb8bd49dcb98b77-w-0"),
        ])
    func digitGroups(input: String, expected: String) {
        #expect(Redactor().redact(input) == expected)
    }

    @Test("registered values are masked until released")
    func registeredValues() {
        let redactor = Redactor()
        let record = FormRecord(
            workflow: "w", scanID: "s", index: 0, pages: [0],
            fields: [
                FieldResult(
                    path: "account.number", type: "account", raw: "７６５４３２１", value: .text(Self.account),
                    sensitive: true),
                FieldResult(path: "name", type: "text", value: .text("山田")),
            ])
        redactor.register([record], scope: "s")
        #expect(redactor.redact("account 7654321 of 山田") == "account [masked] of 山田")
        #expect(redactor.redact("read ７６５４３２１") == "read [masked]")
        let journaled = redactor.maskedForJournal([record])[0]
        #expect(journaled["account.number"]?.raw == nil)
        #expect(journaled["account.number"]?.value == .text(Redactor.mask))
        #expect(journaled["name"]?.value == .text("山田"))
        redactor.release("s")
        #expect(redactor.redact("account 7654321") == "account 7654321")
    }

    @Test("a value holding quotes, newlines or control characters cannot forge a log line or a field")
    func logLinesCannotBeForged() {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "kamiflow.test") { label in
            KamiflowLogHandler(label: label, format: .text, redactor: Redactor(), level: .info) { line in
                lines.withLock { $0.append(line) }
            }
        }
        let forged = "a.png\" state=done\n2026-12-02T00:00:00.000Z NOTICE kamiflow.run: scan delivered\u{7}"
        logger.warning("scan \(forged) failed", metadata: ["file": "\(forged)", "error": "bad\rdata\\x"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = written[0]
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{7}"))
        // The forged text stays inside the quoted value: the line has exactly the fields it was given.
        #expect(
            line.contains(
                #"file="a.png\" state=done\n2026-12-02T00:00:00.000Z NOTICE kamiflow.run: scan delivered\u{7}""#))
        #expect(line.contains(#"error=bad\rdata\\x"#))
        #expect(line.hasSuffix(#"delivered\u{7}""#))
    }

    @Test(
        "a log capture, the journal file, the summary and reason files of a real run hold no sensitive value",
        arguments: [LogFormat.text, .json])
    func endToEnd(format: LogFormat) async throws {
        let folder = try TemporaryFolder("endToEnd\(format)")
        defer { folder.remove() }
        let redactor = Redactor()
        let capture = LogCapture(redactor: redactor)
        let logger = capture.logger(format: format)
        let journalPath = folder.file("journal.sqlite")
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: journalPath))
        let fields: [ScanFiles.Field] = [
            .init("number", Self.myNumber, sensitive: true), .init("account", Self.account, sensitive: true),
        ]
        // Rejected by the core system, which quotes the record back: the error travels into logs and the journal.
        let inbox = folder.file("inbox")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try ScanFiles.write(inbox + "/rejected.json", records: [[.init("name", "")] + fields])
        try ScanFiles.write(inbox + "/fine.json", records: [[.init("name", "山田")] + fields])
        let runner = BatchRunner(
            journal: journal, processor: RecordFileProcessor(), planner: fieldByFieldPlanner(),
            connectors: [JSONLinesCoreSystem(path: folder.file("core.jsonl"))],
            configuration: BatchConfiguration(maxConcurrentScans: 1), redactor: redactor, logger: logger)
        let summary = await runner.run(InputFiles([inbox + "/rejected.json"], extensions: ["json"]))
        #expect(summary.rejected == 1)
        logger.error("a careless line", metadata: ["payload": "number=\(Self.myNumber)"])

        // The same through a drop folder, for the reason file.
        let watcher = DropFolderWatcher(
            configuration: DropFolderConfiguration(
                inboxes: [.init(path: inbox, processor: RecordFileProcessor(), planner: fieldByFieldPlanner())],
                detection: .polling, settleInterval: .zero),
            journal: journal, connectors: [JSONLinesCoreSystem(path: folder.file("core.jsonl"))], redactor: redactor,
            logger: logger)
        let outcomes = try await watcher.runPass()
        #expect(outcomes.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.delivered, .rejected])

        let lines = capture.lines
        #expect(lines.contains { $0.contains("rejected") && $0.contains(Redactor.mask) })
        for line in lines {
            #expect(!line.contains(Self.myNumber) && !line.contains(Self.account), "leaked: \(line)")
            if format == .json {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
            }
        }
        let reason = try String(contentsOfFile: inbox + "/review/rejected.json.reason.json", encoding: .utf8)
        #expect(reason.contains(Redactor.mask))
        #expect(!reason.contains(Self.myNumber) && !reason.contains(Self.account))
        let summaryJSON = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        #expect(!summaryJSON.contains(Self.myNumber) && !summaryJSON.contains(Self.account))
        for suffix in ["", "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: journalPath + suffix) else { continue }
            #expect(bytes.range(of: Data(Self.myNumber.utf8)) == nil, "journal\(suffix) holds the number")
            #expect(bytes.range(of: Data(Self.account.utf8)) == nil, "journal\(suffix) holds the account")
        }
        // The core system itself got the real values: masking is for logs, not for deliveries.
        let delivered = try String(contentsOfFile: folder.file("core.jsonl"), encoding: .utf8)
        #expect(delivered.contains(Self.myNumber))
    }
}
