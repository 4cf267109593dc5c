import Foundation
import GRDB
import KamiflowCore
import KamiflowRuntime
import KamiflowRuntimeFixtures
import Testing

/// Issue 18: every input path a run or a drop folder meets can be found in the journal, with what became of it.
@Suite("Every input path journaled")
struct InputJournalTests {
    func journal(in folder: TemporaryFolder) throws -> SQLiteJournal {
        try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("journal.sqlite")))
    }

    func runner(_ journal: any Journal, core: String, concurrentScans: Int = 3) -> BatchRunner {
        BatchRunner(
            journal: journal, processor: RecordFileProcessor(), planner: fieldByFieldPlanner(),
            connectors: [JSONLinesCoreSystem(path: core)],
            configuration: BatchConfiguration(maxConcurrentScans: concurrentScans), redactor: Redactor(),
            logger: quietLogger)
    }

    @Test("a batch journals empty files, files a folder walk does not take, and every name of repeated failing bytes")
    func batchInputs() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try journal(in: folder)
        let inbox = folder.file("in")
        let good = try ScanFiles.batch(in: inbox, count: 2)
        try Data().write(to: URL(fileURLWithPath: inbox + "/empty.json"))
        try Data("no extension".utf8).write(to: URL(fileURLWithPath: inbox + "/README"))
        try Data("a note".utf8).write(to: URL(fileURLWithPath: inbox + "/note.txt"))
        let repeated = (0..<7).map { inbox + "/broken-\($0).json" }
        for path in repeated { try Data("{\"records\": [".utf8).write(to: URL(fileURLWithPath: path)) }

        // One scan at a time: a copy handled while another copy of the same bytes is being read is journaled as a
        // duplicate of it (the scan's lease), one handled after the failure reads the bytes again; taken in turn,
        // every copy is a retry, and the counts below do not depend on timing.
        let summary = await runner(journal, core: folder.file("core.jsonl"), concurrentScans: 1)
            .run(InputFiles([inbox, folder.file("nowhere.json")], extensions: ["json"]))
        #expect(summary.delivered == 2)
        #expect(summary.notTaken == 2)
        #expect(summary.failed == 1 + 7 + 1)  // empty, the seven broken copies, the missing file
        #expect(summary.exitStatus == 2)

        // The empty file and the missing one never had a hash: refused, with the reason.
        let empty = try #require(try await journal.inputs(matching: inbox + "/empty.json").first)
        #expect(empty.outcome == .refused && empty.size == 0 && empty.scanRowID == nil)
        #expect(empty.reason?.contains("empty") == true)
        let missing = try #require(try await journal.inputs(matching: folder.file("nowhere.json")).first)
        #expect(missing.outcome == .refused && missing.size == nil)
        // Files the walk did not take, with or without an extension.
        for name in ["README", "note.txt"] {
            let input = try #require(try await journal.inputs(matching: inbox + "/" + name).first)
            #expect(input.outcome == .refused)
            #expect(input.reason?.contains(name == "README" ? "no file extension" : ".txt") == true)
        }
        // Seven names for the same failing bytes: seven input rows, one scan row, each name resolving to it.
        var rows: [InputEntry] = []
        for path in repeated { rows.append(try #require(try await journal.inputs(matching: path).first)) }
        #expect(Set(rows.map(\.path)) == Set(repeated))
        #expect(Set(rows.compactMap(\.scanRowID)).count == 1)
        #expect(rows.allSatisfy { $0.outcome != .refused && $0.reason?.isEmpty == false })
        let scan = try #require(rows.first?.scanRowID)
        #expect(try await journal.inputs(ofScan: scan).count == 7)
        for path in repeated { #expect(try await journal.entries(matching: path).first?.rowID == scan) }
        for path in good {
            #expect(try await journal.inputs(matching: path).first?.outcome == .scan(.delivered))
        }

        // A re-run sees every path again: the same rows, seen twice, nothing new.
        let before = try await journal.countInputs()
        _ = await runner(journal, core: folder.file("core.jsonl")).run(InputFiles([inbox], extensions: ["json"]))
        #expect(try await journal.countInputs() == before)
        #expect(try await journal.inputs(matching: inbox + "/README").first?.sightings == 2)
        #expect(try await journal.inputs(matching: good[0]).first?.outcome == .scan(.delivered))
    }

    @Test("a drop folder refuses a file that stays empty into failed/, journaled by the path it was dropped at")
    func dropFolderInputs() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let inbox = folder.file("inbox")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let journal = try journal(in: folder)
        func watcher(emptySettle: Duration) -> DropFolderWatcher {
            DropFolderWatcher(
                configuration: DropFolderConfiguration(
                    inboxes: [.init(path: inbox, processor: RecordFileProcessor(), planner: fieldByFieldPlanner())],
                    detection: .polling, settleInterval: .zero, emptyFileSettleInterval: emptySettle),
                journal: journal, connectors: [JSONLinesCoreSystem(path: folder.file("core.jsonl"))],
                redactor: Redactor(), logger: quietLogger)
        }
        try Data().write(to: URL(fileURLWithPath: inbox + "/blank.json"))
        try ScanFiles.write(inbox + "/a.json", records: [[.init("name", "山田")]])
        try FileManager.default.copyItem(atPath: inbox + "/a.json", toPath: inbox + "/a-again.json")

        // An empty file waits (it may still be being written) …
        let t0 = ContinuousClock.now
        let slow = watcher(emptySettle: .seconds(60))
        #expect(try await slow.runPass(now: t0).count == 2)
        #expect(FileManager.default.fileExists(atPath: inbox + "/blank.json"))
        #expect(try await slow.runPass(now: t0 + .seconds(30)).isEmpty)
        // … and once it has stayed empty long enough it is refused into failed/ with a reason.
        let refused = try await slow.runPass(now: t0 + .seconds(61))
        #expect(refused.map(\.state) == [.failed])
        #expect(FileManager.default.fileExists(atPath: inbox + "/failed/blank.json.reason.json"))

        let blank = try #require(try await journal.inputs(matching: inbox + "/blank.json").first)
        #expect(blank.outcome == .refused && blank.size == 0)
        #expect(blank.location == inbox + "/failed/blank.json")
        // Found by where it was left, too.
        #expect(try await journal.inputs(matching: inbox + "/failed/blank.json").first?.rowID == blank.rowID)

        let first = try #require(try await journal.inputs(matching: inbox + "/a.json").first)
        let second = try #require(try await journal.inputs(matching: inbox + "/a-again.json").first)
        #expect(first.scanRowID == second.scanRowID)
        #expect(Set([first.outcome, second.outcome]) == [.scan(.delivered), .scan(.duplicate)])
        #expect(first.location.hasPrefix(inbox + "/done/") && second.location.hasPrefix(inbox + "/done/"))
    }

    @Test("a journal from before the input table is upgraded: each scan it knew gets its input row")
    func upgradeBackfillsInputs() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("old.sqlite")
        try JournalUpgradeTests.writeFirstReleaseJournal(at: path)
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: path))
        let input = try #require(try await journal.inputs(matching: "/in/old.png").first)
        #expect(input.outcome == .scan(.inReview))
        let newest = try await journal.list().first?.rowID
        #expect(input.scanRowID == newest)
        #expect(try await journal.inputs(matching: "cccccc").map(\.rowID) == [input.rowID])
        let migrations = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        #expect(migrations.contains("v3: every input path") && migrations.last == "v7: review leases and blind entries")
    }

    @Test("counts say how many scans and inputs there are beyond what a list shows")
    func counts() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try journal(in: folder)
        for n in 0..<5 {
            _ = try await journal.admit(
                hash: String(repeating: String(n), count: 64), path: "/s/\(n)", originalPath: "/s/\(n)",
                rerunResumes: true)
            try await journal.recordInput(
                InputSighting(path: "/s/\(n)", size: 1, scanRowID: nil, outcome: .refused, reason: "test"))
        }
        #expect(try await journal.list(state: nil, limit: 2).count == 2)
        #expect(try await journal.count() == 5)
        #expect(try await journal.count(state: .claimed) == 5)
        #expect(try await journal.count(state: .failed) == 0)
        #expect(try await journal.listInputs(outcome: .refused, limit: 3).count == 3)
        #expect(try await journal.countInputs(outcome: .refused) == 5)
    }
}
