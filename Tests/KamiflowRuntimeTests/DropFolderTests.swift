import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowRuntimeFixtures
import Logging
import ServiceLifecycle
import Testing

@Suite("Drop folders")
struct DropFolderTests {
    struct Setup {
        let folder: TemporaryFolder
        let inbox: String
        let journalPath: String
        let core: String
        let redactor = Redactor()

        init(_ name: String = #function) throws {
            folder = try TemporaryFolder(name)
            inbox = folder.file("inbox")
            journalPath = folder.file("journal.sqlite")
            core = folder.file("core.jsonl")
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        }

        func watcher(
            detection: DropFolderConfiguration.Detection = .polling, settle: Duration = .zero,
            processor: any ScanProcessor = RecordFileProcessor(), concurrency: Int = 2,
            deadline: Duration = .seconds(30), poll: Duration = .milliseconds(50), logger: Logger = quietLogger
        ) throws -> DropFolderWatcher {
            DropFolderWatcher(
                configuration: DropFolderConfiguration(
                    inboxes: [.init(path: inbox, processor: processor, planner: fieldByFieldPlanner())],
                    detection: detection, pollInterval: poll, settleInterval: settle, maxConcurrentScans: concurrency,
                    shutdownDeadline: deadline),
                journal: try SQLiteJournal(configuration: JournalConfiguration(path: journalPath)),
                connectors: [JSONLinesCoreSystem(path: core)], redactor: redactor, logger: logger)
        }

        func reason(_ path: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path + ".reason.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }

    @Test("polling: settles each file into done/, review/ or failed/ with a reason file a person can read")
    func outcomesAndReasons() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        try ScanFiles.write(s.inbox + "/a.json", records: [[.init("name", "山田 太郎")]])
        try ScanFiles.write(s.inbox + "/b.json", records: [[.init("name", "佐藤")]], review: true)
        try Data("oops".utf8).write(to: URL(fileURLWithPath: s.inbox + "/c.json"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: s.inbox + "/d.json.part"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: s.inbox + "/~$e.json"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: s.inbox + "/Thumbs.db"))
        let watcher = try s.watcher()

        let outcomes = try await watcher.runPass()
        #expect(outcomes.count == 3)
        #expect(
            names(in: s.inbox) == ["Thumbs.db", "d.json.part", "done", "failed", "processing", "review", "~$e.json"])
        #expect(names(in: s.inbox + "/done") == ["a.json", "a.json.reason.json"])
        #expect(names(in: s.inbox + "/review") == ["b.json", "b.json.reason.json"])
        #expect(names(in: s.inbox + "/failed") == ["c.json", "c.json.reason.json"])
        #expect(names(in: s.inbox + "/processing").isEmpty)

        let review = try s.reason(s.inbox + "/review/b.json")
        #expect(review["state"] as? String == "in-review")
        #expect((review["message"] as? [String: String])?["ja"]?.contains("確認") == true)
        #expect((review["issues"] as? [[String: Any]])?.first?["code"] as? String == "lowConfidence")
        let failed = try s.reason(s.inbox + "/failed/c.json")
        #expect((failed["error"] as? String)?.contains("not a record file") == true)
        #expect((failed["message"] as? [String: String])?["en"]?.contains("retry") == true)

        // The journal follows the files.
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: s.journalPath))
        let a = try #require(try await journal.entries(matching: s.inbox + "/a.json").first)
        #expect(a.state == .delivered && a.path == s.inbox + "/done/a.json")
    }

    @Test("a file still being written is not taken until its size and time stop changing")
    func waitsForWritesToSettle() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        let watcher = try s.watcher(settle: .seconds(5))
        let path = s.inbox + "/growing.json"
        try Data().write(to: URL(fileURLWithPath: path))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let full = try JSONSerialization.data(withJSONObject: [
            "records": [
                [
                    "workflow": "w",
                    "fields": [
                        ["path": "name", "value": "書きかけ"]
                    ],
                ]
            ]
        ])
        let t0 = ContinuousClock.now
        var written = 0
        // The writer adds a piece between passes that are 10 (injected) seconds apart: never taken.
        for pass in 0..<4 {
            let piece = full[written..<min(full.count, written + full.count / 4 + 1)]
            handle.write(piece)
            written += piece.count
            #expect(try await watcher.runPass(now: t0 + .seconds(10 * pass)).isEmpty)
            #expect(FileManager.default.fileExists(atPath: path))
        }
        try handle.close()
        #expect(written == full.count)
        // Finished (last changed as seen at the pass of t0 + 30 s): unchanged, but not yet for the settle interval.
        #expect(try await watcher.runPass(now: t0 + .seconds(32)).isEmpty)
        let outcomes = try await watcher.runPass(now: t0 + .seconds(36))
        #expect(outcomes.map(\.state) == [.delivered])
        #expect(FileManager.default.fileExists(atPath: s.inbox + "/done/growing.json"))
    }

    @Test("two watchers racing on one inbox process every file exactly once")
    func twoWatchersRace() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        _ = try ScanFiles.batch(in: s.inbox, count: 30)
        let first = try s.watcher()
        let second = try s.watcher()  // its own journal connection, as a second process would have
        async let a = drain(first, inbox: s.inbox)
        async let b = drain(second, inbox: s.inbox)
        let (fromFirst, fromSecond) = try await (a, b)
        #expect(fromFirst.count + fromSecond.count == 30)
        #expect(Set((fromFirst + fromSecond).map(\.id)).count == 30)
        let lines = JSONLinesCoreSystem.lines(at: s.core)
        #expect(lines.count == 30)
        #expect(Set(lines.compactMap { $0["key"] as? String }).count == 30)
        #expect(names(in: s.inbox + "/done").count == 60)  // 30 scans and their reason files
    }

    func drain(_ watcher: DropFolderWatcher, inbox: String) async throws -> [ScanOutcome] {
        var all: [ScanOutcome] = []
        for _ in 0..<200 {
            all += try await watcher.runPass()
            let left = names(in: inbox).filter { $0.hasSuffix(".json") }
            let processing = names(in: inbox + "/processing")
            if left.isEmpty && processing.isEmpty { break }
            await Task.yield()
        }
        return all
    }

    @Test("a restart picks up files left in processing/ from the journal, and files dropped again are duplicates")
    func resumeAfterRestart() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        // A crash mid-way: the file was claimed into processing/ and journaled as being read.
        let stranded = s.inbox + "/processing/stranded.json"
        try FileManager.default.createDirectory(atPath: s.inbox + "/processing", withIntermediateDirectories: true)
        try ScanFiles.write(stranded, records: [[.init("name", "再開")]])
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: s.journalPath))
        let hash = SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: stranded)))
        guard
            case .process(let entry) = try await journal.admit(
                hash: hash, path: stranded,
                originalPath: s.inbox + "/stranded.json", rerunResumes: false)
        else {
            Issue.record("new")
            return
        }
        try await journal.beginReading(entry.rowID)

        let watcher = try s.watcher()
        let outcomes = try await watcher.runPass()
        #expect(outcomes.map(\.state) == [.delivered])
        #expect(try await journal.entry(rowID: entry.rowID)?.attempts == 2)
        #expect(try await journal.entry(rowID: entry.rowID)?.path == s.inbox + "/done/stranded.json")

        // The same paper scanned again and dropped under the same name: recorded, not delivered twice.
        try FileManager.default.copyItem(atPath: s.inbox + "/done/stranded.json", toPath: s.inbox + "/stranded.json")
        let again = try await watcher.runPass()
        #expect(again.map(\.state) == [.duplicate])
        #expect(names(in: s.inbox + "/done").contains("stranded~2.json"))
        #expect(try s.reason(s.inbox + "/done/stranded~2.json")["duplicateOf"] as? String == entry.shortID)
        #expect(JSONLinesCoreSystem.lines(at: s.core).count == 1)
    }

    @Test("events mode notices a dropped file without waiting for the poll")
    func inotifyEvents() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        let watcher = try s.watcher(detection: .events, poll: .seconds(3600))
        let group = ServiceGroup(services: [watcher], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(300))  // the first (start-up) pass has run on the empty inbox
            try ScanFiles.write(s.inbox + "/late.json", records: [[.init("name", "遅れて")]])
            let done = try await waitFor(seconds: 30) {
                FileManager.default.fileExists(atPath: s.inbox + "/done/late.json")
            }
            #expect(done)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("graceful shutdown lets scans in flight finish within the deadline and takes no new ones")
    func shutdownFinishesInFlight() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        _ = try ScanFiles.batch(in: s.inbox, count: 5)
        let watcher = try s.watcher(processor: PacedProcessor(delay: .seconds(2)), concurrency: 2)
        let group = ServiceGroup(services: [watcher], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await waitFor(seconds: 30) { names(in: s.inbox + "/processing").count == 2 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(names(in: s.inbox + "/done").count == 4)  // the two in flight, with their reason files
        #expect(names(in: s.inbox).filter { $0.hasSuffix(".json") }.count == 3)
        #expect(names(in: s.inbox + "/processing").isEmpty)
    }

    @Test("past the shutdown deadline, scans in flight are handed back to the inbox and resumed later")
    func shutdownHandsBack() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        _ = try ScanFiles.batch(in: s.inbox, count: 2)
        let slow = try s.watcher(
            processor: PacedProcessor(delay: .seconds(60)), concurrency: 2, deadline: .milliseconds(200))
        let group = ServiceGroup(services: [slow], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await waitFor(seconds: 30) { names(in: s.inbox + "/processing").count == 2 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(names(in: s.inbox).filter { $0.hasSuffix(".json") }.count == 2)
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: s.journalPath))
        #expect(try await journal.counts() == [.claimed: 2])
        #expect(JSONLinesCoreSystem.lines(at: s.core).isEmpty)

        let outcomes = try await s.watcher().runPass()
        #expect(outcomes.map(\.state) == [.delivered, .delivered])
        #expect(try await journal.counts() == [.delivered: 2])
    }
}

/// Polls `condition` until it holds or `seconds` pass (a bound, not a timing assertion).
func waitFor(seconds: Double, _ condition: @Sendable () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

@Suite("Drop folders: retry and routing")
struct DropFolderRetryTests {
    @Test("subfolders routed to workflows; a delivery failure is retried from failed/ once the core system is back")
    func retryAfterOutage() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("journal.sqlite")))
        let kokuho = folder.file("inbox/kokuho")
        let jidou = folder.file("inbox/jidou")
        for inbox in [kokuho, jidou] {
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        }
        try ScanFiles.write(kokuho + "/kokuho-a.json", workflow: "kokuho", records: [[.init("name", "国保 一郎")]])
        try ScanFiles.write(jidou + "/jidou-b.json", workflow: "jidou", records: [[.init("name", "児童 花子")]])
        // The core system's folder does not exist yet: every delivery fails.
        let core = folder.file("core-system/records.jsonl")
        func watcher() -> DropFolderWatcher {
            DropFolderWatcher(
                configuration: DropFolderConfiguration(
                    inboxes: [
                        .init(path: kokuho, processor: RecordFileProcessor(), planner: fieldByFieldPlanner()),
                        .init(path: jidou, processor: RecordFileProcessor(), planner: fieldByFieldPlanner()),
                    ],
                    detection: .polling, settleInterval: .zero),
                journal: journal, connectors: [JSONLinesCoreSystem(path: core)], redactor: Redactor(),
                logger: quietLogger)
        }
        let first = try await watcher().runPass()
        #expect(first.map(\.state) == [.failed, .failed])
        #expect(names(in: kokuho + "/failed") == ["kokuho-a.json", "kokuho-a.json.reason.json"])
        #expect(names(in: jidou + "/failed") == ["jidou-b.json", "jidou-b.json.reason.json"])

        // The core system is back; an operator retries one scan (what `kamiflow journal retry` does).
        try FileManager.default.createDirectory(atPath: folder.file("core-system"), withIntermediateDirectories: true)
        let failed = try #require(try await journal.entries(matching: kokuho + "/failed/kokuho-a.json").first)
        try await journal.retry(failed.rowID)
        let back = try await returnToInbox(failed, journal: journal)
        #expect(back == kokuho + "/kokuho-a.json")
        #expect(names(in: kokuho + "/failed").isEmpty)

        let second = try await watcher().runPass()
        #expect(second.map(\.state) == [.delivered])
        #expect(second.first?.rowID == failed.rowID)
        #expect(try await journal.entry(rowID: failed.rowID)?.attempts == 2)
        let lines = JSONLinesCoreSystem.lines(at: core)
        #expect(lines.map { $0["workflow"] as? String } == ["kokuho"])
        #expect(names(in: jidou + "/failed").count == 2)  // not retried: still waits for an operator
    }
}
