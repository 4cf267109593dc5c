import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A child `kamiflow` run to its end within a deadline: a hang is killed and reported, never waited out.
struct BoundedRun {
    var status: Int32
    /// Ended by a signal (a crash), not by exiting.
    var signalled: Bool
    /// Still running at the deadline, and killed.
    var timedOut: Bool
    var output: String
    var errors: String
}

/// A `kamiflow` child that runs until it is told to stop (`serve`, `watch`), its output in files.
final class Child {
    let process = Process()
    let outputFile = NSTemporaryDirectory() + "kamiflow-e2e-out-\(UUID().uuidString)"
    let errorFile = NSTemporaryDirectory() + "kamiflow-e2e-err-\(UUID().uuidString)"

    init(_ arguments: [String], in folder: String) throws {
        process.executableURL = URL(fileURLWithPath: KamiflowBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = KamiflowBinary.environment()
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: outputFile)
        process.standardError = FileHandle(forWritingAtPath: errorFile)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: outputFile)
        try? FileManager.default.removeItem(atPath: errorFile)
    }

    var output: String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? "" }

    /// Waits for the child to end, killing it at the deadline.
    func wait(timeout: Duration) async -> BoundedRun {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return BoundedRun(
            status: process.terminationStatus, signalled: !timedOut && process.terminationReason == .uncaughtSignal,
            timedOut: timedOut, output: output, errors: errors)
    }

    /// Asks the child to stop as an operator's service manager would, and waits for it.
    func stop(timeout: Duration = .seconds(60)) async -> BoundedRun {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        return await wait(timeout: timeout)
    }
}

/// Polls `condition` until it holds or `timeout` passes; the result says which (never a timing to pass on).
func eventually(timeout: Duration = .seconds(120), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return true
}

extension KamiflowBinary {
    static func run(_ arguments: [String], in folder: String, timeout: Duration) async throws -> BoundedRun {
        try await Child(arguments, in: folder).wait(timeout: timeout)
    }
}

/// Issue 18: every input path of `kamiflow run` can be found with `kamiflow journal show PATH`, with its outcome and
/// the reason, including files that never had a hash and many files with the same bytes.
@Suite("Every input of kamiflow run is in the journal", .serialized)
struct InputAccountingTests {
    @Test("zero-byte, extension-less, a pipe and repeated failing identical files in one run: each found by its path")
    func everyPathFindable() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let scans = folder.file("scans")
        try FileManager.default.createDirectory(atPath: scans, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: scans + "/empty.png"))
        try Data("fax 0001".utf8).write(to: URL(fileURLWithPath: scans + "/fax-0001"))
        // A named pipe with a scan's name: opening it to read must not wait for a writer that never comes.
        #expect(mkfifo(scans + "/pipe.png", 0o600) == 0)
        var generator = SeededBytes(seed: 18)
        let garbage = Data((0..<4096).map { _ in generator.next() })
        let copies = (0..<8).map { scans + "/copy-\($0).png" }
        for copy in copies { try garbage.write(to: URL(fileURLWithPath: copy)) }
        // Named on the command line, a file without an extension is read by its content (here: not a scan).
        let direct = folder.file("scan-without-extension")
        try Data("住所 氏名\n".utf8).write(to: URL(fileURLWithPath: direct))
        let journal = folder.file("journal.sqlite")

        let run = try await KamiflowBinary.run(
            ["run", "--journal", journal, shippedJidouTeate, scans, direct], in: folder.path, timeout: .seconds(300))
        #expect(!run.timedOut && !run.signalled)
        #expect(run.status == 2, "\(run.errors)")  // failures: the empty file, the garbage, the text file
        #expect(run.output.contains("not scan files, left alone"))

        func show(_ reference: String) async throws -> BoundedRun {
            try await KamiflowBinary.run(
                ["journal", "show", "--journal", journal, reference], in: folder.path, timeout: .seconds(60))
        }
        let empty = try await show(scans + "/empty.png")
        #expect(empty.status == 0, "\(empty.errors)")
        #expect(empty.output.contains("input       \(scans)/empty.png"))
        #expect(empty.output.contains("outcome     refused"))
        #expect(empty.output.contains("the file is empty"))
        #expect(empty.output.contains(", 0 bytes"))

        let noExtension = try await show(scans + "/fax-0001")
        #expect(noExtension.status == 0, "\(noExtension.errors)")
        #expect(noExtension.output.contains("outcome     refused"))
        #expect(noExtension.output.contains("no file extension"))

        let pipe = try await show(scans + "/pipe.png")
        #expect(pipe.status == 0, "\(pipe.errors)")
        #expect(pipe.output.contains("outcome     refused"))
        #expect(pipe.output.contains("not a regular file"))

        let id = String(try scanID(of: copies[0]).prefix(12))
        for copy in copies {
            // Each name, relative to the working folder too, finds its own row and the one scan behind all eight.
            let relative = "scans/" + (copy as NSString).lastPathComponent
            let shown = try await show(relative)
            #expect(shown.status == 0, "\(shown.errors)")
            #expect(shown.output.contains("input       \(copy)"))
            // Failed (read and failed), or a duplicate (seen while another name of the same bytes was being read).
            #expect(
                shown.output.contains("outcome     failed (scan \(id))")
                    || shown.output.contains("outcome     duplicate (scan \(id))"), "\(shown.output)")
            #expect(shown.output.contains("scan        \(id)"))
        }
        // The old way, by id: the scan, and every name its bytes were seen under.
        let byID = try await show(id)
        #expect(byID.status == 0, "\(byID.errors)")
        #expect(byID.output.contains("inputs      8 path(s) with these bytes"))
        for copy in copies { #expect(byID.output.contains(copy)) }

        let named = try await show(direct)
        #expect(named.status == 0, "\(named.errors)")
        #expect(named.output.contains("outcome     failed"))
        #expect(named.output.contains("text file, not a scan"))

        // A path nobody gave is not found, and says so.
        let unknown = try await show(scans + "/never-there.png")
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("no scan or input path in the journal matches"))

        // Lists say when they show only the first rows.
        let list = try await KamiflowBinary.run(
            ["journal", "list", "--journal", journal, "--limit", "1"], in: folder.path, timeout: .seconds(60))
        #expect(list.status == 0)
        #expect(list.output.split(separator: "\n").count == 1)
        // One scan for the eight copies (plus a row for each copy seen while it was being read), one for the text.
        let scanCount = try await SQLiteJournal(configuration: JournalConfiguration(path: journal)).count()
        #expect(scanCount >= 2)
        #expect(list.errors.contains("showing 1 of \(scanCount) scans; use --limit"))
        let refused = try await KamiflowBinary.run(
            ["journal", "list", "--journal", journal, "--inputs", "--state", "refused"], in: folder.path,
            timeout: .seconds(60))
        #expect(refused.status == 0)
        #expect(refused.output.contains(scans + "/empty.png") && refused.output.contains(scans + "/fax-0001"))
        #expect(!refused.errors.contains("showing"))
        let status = try await KamiflowBinary.run(
            ["status", "--journal", journal], in: folder.path, timeout: .seconds(60))
        #expect(status.output.contains("input paths refused before they became scans: 3"), "\(status.output)")
    }

    @Test("a few hundred damaged inputs in one run: no crash, no hang, every path journaled, the good scan read")
    func damagedCorpus() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let corpus = folder.file("corpus")
        let root = PythonClient.repositoryRoot
        let sources = [
            "Samples/forms/jidou-teate-nintei-0002.jpg", "Samples/forms/anketo-0001.jpg", "Samples/ocr/fax-bundle.tif",
            "Samples/ocr/jidou-teate-form.png", "Fixtures/ocr/english.pdf",
        ].map { root.appendingPathComponent($0).path }
        let generated = try PythonClient.run(
            [
                root.appendingPathComponent("Scripts/damaged-corpus.py").path, "--seed", "18", "--count", "240",
                "--out", corpus,
            ] + sources)
        try #require(generated.status == 0, "\(generated.errorOutput)")
        // A good scan among them, in the middle of the name order.
        let good = corpus + "/0120-good.jpg"
        try FileManager.default.copyItem(
            atPath: root.appendingPathComponent("Samples/forms/jidou-teate-nintei-0001.jpg").path, toPath: good)
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus).sorted()
        #expect(names.count > 200)
        let journalPath = folder.file("journal.sqlite")

        // The deadline only tells a hang from a slow run; it is far above what the run takes.
        let run = try await KamiflowBinary.run(
            ["run", "--journal", journalPath, shippedJidouTeate, corpus], in: folder.path, timeout: .seconds(1200))
        #expect(!run.timedOut, "kamiflow run hung over the damaged corpus")
        #expect(!run.signalled, "kamiflow run crashed: \(run.errors.suffix(2000))")
        // 2: some scans failed, which damaged files must; anything else (a crash, 74, 75) is a bug.
        #expect((0...2).contains(run.status), "exit \(run.status): \(run.errors.suffix(2000))")

        let journal = try SQLiteJournal(configuration: JournalConfiguration(path: journalPath))
        var unaccounted: [String] = []
        var outcomes: [String: Int] = [:]
        for name in names {
            let path = corpus + "/" + name
            guard let input = try await journal.inputs(matching: path).first else {
                unaccounted.append(name)
                continue
            }
            outcomes[input.outcome.rawValue, default: 0] += 1
            switch input.outcome {
            case .refused:
                #expect(input.reason?.isEmpty == false, "\(name) refused without a reason")
            case .scan(let state):
                #expect(!state.isInFlight, "\(name) left \(state)")
                if state == .failed { #expect(input.reason?.isEmpty == false, "\(name) failed without a reason") }
                #expect(try await journal.entries(matching: path).first != nil, "\(name) does not lead to its scan")
            }
        }
        #expect(unaccounted.isEmpty, "not in the journal: \(unaccounted)")
        #expect(outcomes["refused", default: 0] > 0 && outcomes["failed", default: 0] > 0, "\(outcomes)")
        let scan = try #require(try await journal.entries(matching: good).first)
        #expect([.delivered, .inReview].contains(scan.state), "the good scan ended \(scan.state): \(scan.error ?? "")")

        // And through the command, for one file of each kind.
        var seenKinds: Set<String> = []
        for name in names where name.hasPrefix("0") {
            let kind = name.split(separator: "-").dropFirst().first.map(String.init) ?? name
            guard seenKinds.insert(kind).inserted else { continue }
            let shown = try await KamiflowBinary.run(
                ["journal", "show", "--journal", journalPath, corpus + "/" + name], in: folder.path,
                timeout: .seconds(60))
            #expect(shown.status == 0, "\(name): \(shown.errors)")
            #expect(shown.output.contains("outcome     "), "\(name): \(shown.output)")
        }
    }
}

/// Issue 18: every file Kamiflow writes that holds personal data is readable by its owner only.
@Suite("Files holding personal data are private", .serialized)
struct PrivateFileTests {
    static func mode(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return ((attributes?[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }

    /// Every file under `folder` must be 0600 and every folder 0700 (Kamiflow made them all).
    static func expectPrivate(under folder: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(mode(folder) == 0o700, "\(folder) is \(String(mode(folder), radix: 8))", sourceLocation: sourceLocation)
        let names = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? []
        #expect(!names.isEmpty, "nothing written under \(folder)", sourceLocation: sourceLocation)
        for name in names {
            let path = folder + "/" + name
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            let expected = isFolder.boolValue ? 0o700 : 0o600
            #expect(
                mode(path) == expected, "\(path) is \(String(mode(path), radix: 8))", sourceLocation: sourceLocation)
        }
    }

    @Test("run: the journal and the embedded core database, their WAL files and .kamiflow/; review crops; overlay")
    func runAndReviewFiles() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let scan = folder.file("jidou-teate-nintei-0001.jpg")
        try FileManager.default.copyItem(
            atPath: PythonClient.repositoryRoot.appendingPathComponent("Samples/forms/jidou-teate-nintei-0001.jpg")
                .path,
            toPath: scan)
        let run = try await KamiflowBinary.run(
            ["run", shippedJidouTeate, scan], in: folder.path, timeout: .seconds(300))
        #expect(!run.timedOut && !run.signalled && run.status <= 1, "\(run.errors)")
        #expect(FileManager.default.fileExists(atPath: folder.file(".kamiflow/journal.sqlite")))
        #expect(FileManager.default.fileExists(atPath: folder.file(".kamiflow/core.sqlite")))
        Self.expectPrivate(under: folder.file(".kamiflow"))

        // The shipped workflow sends every account number to a person: the scan waits in review.
        let crops = try await KamiflowBinary.run(
            ["review", "show", scan, "--reveal", "--crops", "crops/flagged"], in: folder.path, timeout: .seconds(300))
        #expect(crops.status == 0, "\(crops.errors)")
        #expect(crops.output.contains("crop        "), "no crop written: \(crops.output)")
        Self.expectPrivate(under: folder.file("crops"))

        let overlay = try await KamiflowBinary.run(
            ["overlay", shippedJidouTeate, scan, "--output", "overlays/page.png"], in: folder.path,
            timeout: .seconds(300))
        #expect(overlay.status == 0, "\(overlay.errors)")
        Self.expectPrivate(under: folder.file("overlays"))
    }

    @Test("eval: its JSON and HTML reports hold the values read, so they are private")
    func evalReports() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let samples = folder.file("samples")
        try FileManager.default.createDirectory(atPath: samples, withIntermediateDirectories: true)
        for name in ["anketo-0001.jpg", "anketo-0001.truth.json"] {
            try FileManager.default.copyItem(
                atPath: PythonClient.repositoryRoot.appendingPathComponent("Samples/forms/" + name).path,
                toPath: samples + "/" + name)
        }
        let workflow = PythonClient.repositoryRoot.appendingPathComponent("Workflows/anketo.yaml").path
        let eval = try await KamiflowBinary.run(
            ["eval", workflow, samples, "--json", "reports/eval.json", "--html", "reports/eval.html"],
            in: folder.path, timeout: .seconds(300))
        #expect(!eval.timedOut && !eval.signalled, "\(eval.errors)")
        #expect(FileManager.default.fileExists(atPath: folder.file("reports/eval.json")), "\(eval.errors)")
        Self.expectPrivate(under: folder.file("reports"))
    }

    @Test("core-sim serve: its database (default and --db), WAL and shared-memory files, and the folder it makes")
    func simulatorDatabase() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for (arguments, database) in [
            (["core-sim", "serve", "--port", "0"], ".kamiflow/core-sim.sqlite"),
            (["core-sim", "serve", "--port", "0", "--db", "sim/x.db"], "sim/x.db"),
        ] {
            let child = try Child(arguments + ["--token", "t"], in: folder.path)
            let listening = await eventually { child.output.contains("core-sim: http://") }
            #expect(listening, "\(child.errors)")
            // While it runs: the database with its WAL and shared-memory files (SQLite removes them at close).
            let path = folder.file(database)
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(FileManager.default.fileExists(atPath: path + "-shm"))
            Self.expectPrivate(under: (path as NSString).deletingLastPathComponent)
            let stopped = await child.stop()
            #expect(!stopped.timedOut && !stopped.signalled)
            Self.expectPrivate(under: (path as NSString).deletingLastPathComponent)
        }
    }

    @Test("watch: the outcome folders it makes and the reason files in failed/ and review/")
    func reasonFiles() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let inbox = folder.file("inbox")
        let child = try Child(
            [
                "watch", "--journal", "journal.sqlite", "--record-files", "--polling", "--poll", "0.2s", "--settle",
                "0s",
                "--settle-empty", "0s", inbox,
            ],
            in: folder.path)
        // The watcher makes the inbox and its folders; then a person drops three files.
        let started = await eventually { FileManager.default.fileExists(atPath: inbox + "/failed") }
        #expect(started, "\(child.errors)")
        // Written beside the inbox and renamed in, as a finished file arrives (the settle intervals are zero).
        let review = #"{"records": [{"workflow": "w", "route": "review", "fields": [{"path": "name", "value": "山"}]}]}"#
        for (name, content) in [
            ("review-me.json", Data(review.utf8)), ("broken.json", Data("{\"records\": [".utf8)),
            ("empty.json", Data()),
        ] {
            try content.write(to: URL(fileURLWithPath: folder.file(name)))
            try FileManager.default.moveItem(atPath: folder.file(name), toPath: inbox + "/" + name)
        }
        let expected = ["review/review-me.json", "failed/broken.json", "failed/empty.json"].map {
            inbox + "/" + $0 + ".reason.json"
        }
        let settled = await eventually { expected.allSatisfy { FileManager.default.fileExists(atPath: $0) } }
        let stopped = await child.stop()
        #expect(settled, "\(stopped.errors)")
        #expect(!stopped.timedOut && !stopped.signalled)
        for folderName in ["processing", "done", "review", "failed"] {
            #expect(Self.mode(inbox + "/" + folderName) == 0o700, "\(folderName)/")
        }
        for path in expected { #expect(Self.mode(path) == 0o600, "\(path)") }
        for journalFile in ["journal.sqlite", "journal.sqlite-wal"]
        where
            FileManager.default.fileExists(atPath: folder.file(journalFile))
        {
            #expect(Self.mode(folder.file(journalFile)) == 0o600, "\(journalFile)")
        }

        // The empty file, refused before it had a hash, is found by the path it was dropped at.
        let shown = try await KamiflowBinary.run(
            ["journal", "show", "--journal", "journal.sqlite", inbox + "/empty.json"], in: folder.path,
            timeout: .seconds(60))
        #expect(shown.status == 0, "\(shown.errors)")
        #expect(shown.output.contains("outcome     refused"))
        #expect(shown.output.contains("left at     \(inbox)/failed/empty.json"))
    }
}

/// Bytes from a seed (SplitMix64), so that a failing input can be made again.
struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt8 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}
