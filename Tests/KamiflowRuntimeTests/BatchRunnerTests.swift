import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowRuntimeFixtures
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Batch runs")
struct BatchRunnerTests {
    struct Setup {
        let folder: TemporaryFolder
        let journal: SQLiteJournal
        let core: String
        let redactor = Redactor()

        init(_ name: String = #function) throws {
            folder = try TemporaryFolder(name)
            journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("journal.sqlite")))
            core = folder.file("core.jsonl")
        }

        func runner(concurrency: Int = 3, processor: any ScanProcessor = RecordFileProcessor()) -> BatchRunner {
            BatchRunner(
                journal: journal, processor: processor, planner: fieldByFieldPlanner(),
                connectors: [JSONLinesCoreSystem(path: core)],
                configuration: BatchConfiguration(maxConcurrentScans: concurrency), redactor: redactor,
                logger: quietLogger)
        }
    }

    @Test("settles every kind of scan, delivers each record once, and a re-run changes nothing")
    func mixedBatch() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        let inbox = s.folder.file("in")
        let good = try ScanFiles.batch(in: inbox, count: 5)
        try FileManager.default.copyItem(atPath: good[0], toPath: inbox + "/zz-same-bytes.json")
        try ScanFiles.write(inbox + "/review.json", records: [[.init("name", "確認 太郎")]], review: true)
        try ScanFiles.write(
            inbox + "/always.json", records: [[.init("name", "常時 花子")]], review: true,
            reviewIssue: ("alwaysReviewed", "info", "always checked by a person"))
        try ScanFiles.write(inbox + "/rejected.json", records: [[.init("name", "")]])
        try ScanFiles.write(inbox + "/two-forms.json", records: [[.init("name", "甲")], [.init("name", "乙")]])
        try Data("{\"records\": [".utf8).write(to: URL(fileURLWithPath: inbox + "/corrupt.json"))
        try Data("{\"records\": []}".utf8).write(to: URL(fileURLWithPath: inbox + "/blank.json"))
        try Data().write(to: URL(fileURLWithPath: inbox + "/empty.json"))
        try Data("partial".utf8).write(to: URL(fileURLWithPath: inbox + "/upload.json.part"))
        try Data("system".utf8).write(to: URL(fileURLWithPath: inbox + "/.DS_Store"))

        let summary = await s.runner().run(InputFiles([inbox], extensions: ["json"]))
        #expect(summary.scans == 13)
        #expect(summary.delivered == 6)  // five singles and the two-form scan
        #expect(summary.duplicates == 1)
        #expect(summary.inReview == 2)
        // The one that waits only because the workflow sends that field to a person every time is told apart.
        #expect(summary.inReviewByPolicy == 1)
        #expect(summary.table.contains("only for review.always fields           1  うち常時確認の項目のみ"))
        #expect(summary.rejected == 1)
        #expect(summary.unclassified == 1)
        #expect(summary.failed == 2)  // corrupt JSON, empty file
        #expect(summary.exitStatus == 2)
        let failures = summary.outcomes.filter { $0.state == .failed }.compactMap(\.error)
        #expect(failures.contains { $0.contains("corrupt.json") && $0.contains("not a record file") })
        #expect(failures.contains { $0.contains("empty.json") && $0.contains("empty") })

        let lines = JSONLinesCoreSystem.lines(at: s.core)
        #expect(lines.count == 7)
        #expect(Set(lines.compactMap { $0["key"] as? String }).count == 7)

        let rerun = await s.runner().run(InputFiles([inbox], extensions: ["json"]))
        #expect(rerun.skipped == 10)
        #expect(rerun.duplicates == 1)
        #expect(rerun.failed == 2)  // failed scans are tried again on a re-run
        #expect(JSONLinesCoreSystem.lines(at: s.core).count == 7)
        #expect(try await s.journal.counts()[.delivered] == 6)
    }

    @Test("takes files, folders and glob patterns, and names a missing input in its error")
    func inputs() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        let paths = try ScanFiles.batch(in: s.folder.file("a"), count: 3)
        _ = try ScanFiles.batch(in: s.folder.file("b/deeper"), count: 2, prefix: "deep")
        let expanded = Array(
            InputFiles([paths[0], s.folder.file("b"), s.folder.file("a/scan-00[12].json")], extensions: ["json"]))
        #expect(
            expanded.map { ($0 as NSString).lastPathComponent }
                == ["scan-000.json", "deep-000.json", "deep-001.json", "scan-001.json", "scan-002.json"])

        let summary = await s.runner().run(
            InputFiles([s.folder.file("a"), s.folder.file("nowhere.png")], extensions: ["json"]))
        #expect(summary.delivered == 3 && summary.failed == 1)
        let missing = try #require(summary.outcomes.first { $0.path.hasSuffix("nowhere.png") })
        #expect(missing.error?.contains("nowhere.png") == true)
    }

    @Test(
        "exit status: 0 all straight through, 1 some wait for a person, 2 some failed",
        arguments: [
            ("straight", 0), ("review", 1), ("failed", 2),
        ])
    func exitStatus(kind: String, expected: Int32) async throws {
        let s = try Setup("exitStatus\(kind)")
        defer { s.folder.remove() }
        let path = s.folder.file("scan.json")
        switch kind {
        case "straight": try ScanFiles.write(path, records: [[.init("name", "山田")]])
        case "review": try ScanFiles.write(path, records: [[.init("name", "山田")]], review: true)
        default: try Data("[]".utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(await s.runner().run(InputFiles([path], extensions: ["json"])).exitStatus == expected)
    }

    @Test("never has more scans in flight than configured")
    func boundedConcurrency() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        _ = try ScanFiles.batch(in: s.folder.file("in"), count: 12)
        let gauge = ConcurrencyGauge()
        let summary = await s.runner(concurrency: 3, processor: gauge).run(
            InputFiles([s.folder.file("in")], extensions: ["json"]))
        #expect(summary.delivered == 12)
        #expect(gauge.peak == 3)
    }

    @Test("cancelling a run hands the scans in flight back, and the next run finishes them exactly once")
    func cancelledRunResumes() async throws {
        let s = try Setup()
        defer { s.folder.remove() }
        _ = try ScanFiles.batch(in: s.folder.file("in"), count: 6)
        let runner = s.runner(concurrency: 2, processor: PacedProcessor(delay: .seconds(30)))
        let task = Task { await runner.run(InputFiles([s.folder.file("in")], extensions: ["json"])) }
        while try await s.journal.counts()[.reading, default: 0] < 2 { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let interrupted = await task.value
        #expect(interrupted.handedBack == 2)
        #expect(interrupted.exitStatus == 75)
        #expect(try await s.journal.counts() == [.claimed: 2])

        let finished = await s.runner().run(InputFiles([s.folder.file("in")], extensions: ["json"]))
        #expect(finished.delivered == 6)
        #expect(JSONLinesCoreSystem.lines(at: s.core).count == 6)
    }
}

/// A real processor (record files) that measures how many calls overlap.
final class ConcurrencyGauge: ScanProcessor {
    private let counts = Mutex((current: 0, peak: 0))
    var peak: Int { counts.withLock { $0.peak } }

    func process(_ scan: ScanSource, id: String) async throws -> [FormRecord] {
        counts.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
        }
        defer { counts.withLock { $0.current -= 1 } }
        try await Task.sleep(for: .milliseconds(30))
        return try await RecordFileProcessor().process(scan, id: id)
    }
}

@Suite("Progress")
struct ProgressTests {
    final class Sink: Sendable {
        let text = Mutex("")
        func write(_ s: String) { text.withLock { $0 += s } }
    }

    @Test(
        "a terminal gets a redrawn bar with pages/s, ETA and counts; a pipe gets one line per scan",
        arguments: [
            true, false,
        ])
    func progress(terminal: Bool) async throws {
        let folder = try TemporaryFolder("progress\(terminal)")
        defer { folder.remove() }
        _ = try ScanFiles.batch(in: folder.file("in"), count: 4)
        try ScanFiles.write(folder.file("in/zz-review.json"), records: [[.init("name", "確認")]], review: true)
        let sink = Sink()
        let progress = ConsoleProgress(expected: 5, redactor: Redactor(), isTerminal: terminal) { sink.write($0) }
        let runner = BatchRunner(
            journal: try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite"))),
            processor: RecordFileProcessor(), planner: fieldByFieldPlanner(),
            connectors: [JSONLinesCoreSystem(path: folder.file("core.jsonl"))],
            configuration: BatchConfiguration(maxConcurrentScans: 1, keepAllOutcomes: false), redactor: Redactor(),
            logger: quietLogger)
        let summary = await runner.run(InputFiles([folder.file("in")], extensions: ["json"]), progress: progress)
        progress.finish(summary)
        #expect(summary.outcomes.map(\.state) == [.inReview])  // only what needs attention is kept
        let text = sink.text.withLock { $0 }
        if terminal {
            #expect(text.contains("\r\u{1B}[2K"))
            #expect(text.contains("5/5") && text.contains("pages/s") && text.contains("straight-through 4"))
            #expect(text.contains("review 1") && text.hasSuffix("\n"))
        } else {
            let lines = text.split(separator: "\n")
            #expect(lines.count == 5)
            #expect(lines.last?.hasPrefix("[5/5] ") == true && lines.last?.contains("in-review") == true)
        }
        #expect(summary.table.contains("waiting for review") && summary.table.contains("確認待ち"))
    }
}

@Suite("Batch runs under a service group")
struct BatchShutdownTests {
    /// A scheduled batch, as `kamiflow serve` runs one.
    final class BatchService: Service {
        let runner: BatchRunner
        let inputs: InputFiles
        let result = Mutex<BatchSummary?>(nil)
        init(runner: BatchRunner, inputs: InputFiles) {
            self.runner = runner
            self.inputs = inputs
        }
        func run() async throws {
            let summary = await runner.run(inputs)
            result.withLock { $0 = summary }
        }
    }

    @Test("graceful shutdown stops taking inputs and lets the scans in flight finish; a re-run takes the rest")
    func gracefulShutdown() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try ScanFiles.batch(in: folder.file("in"), count: 8)
        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: folder.file("j.sqlite")))
        let core = folder.file("core.jsonl")
        func runner(delay: Duration) -> BatchRunner {
            BatchRunner(
                journal: journal, processor: PacedProcessor(delay: delay), planner: fieldByFieldPlanner(),
                connectors: [JSONLinesCoreSystem(path: core)], configuration: BatchConfiguration(maxConcurrentScans: 2),
                redactor: Redactor(), logger: quietLogger)
        }
        let service = BatchService(
            runner: runner(delay: .seconds(1)), inputs: InputFiles([folder.file("in")], extensions: ["json"]))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await waitFor(seconds: 30) { (try? await journal.counts()[.reading, default: 0]) == 2 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let summary = try #require(service.result.withLock { $0 })
        #expect(summary.scans == 2 && summary.delivered == 2)
        #expect(JSONLinesCoreSystem.lines(at: core).count == 2)

        let rest = await runner(delay: .zero).run(InputFiles([folder.file("in")], extensions: ["json"]))
        #expect(rest.skipped == 2 && rest.delivered == 6)
        #expect(JSONLinesCoreSystem.lines(at: core).count == 8)
    }
}
