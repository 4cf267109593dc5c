import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowRuntime
import Logging

/// Options every runtime command shares: where the journal is and how to log.
struct RuntimeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            The journal: a SQLite file (default: \(JournalConfiguration.defaultPath)), or a PostgreSQL database \
            shared by several machines, postgres://USER@HOST:5432/DATABASE?sslmode=require (the password in \
            PGPASSWORD, or in the variable the deployment file's journal_password_env names).
            """)
    var journal: String = JournalConfiguration.defaultPath

    @Option(name: .long, help: "Log lines as 'text' or 'json' (one object per line), on standard error.")
    var logFormat: String = "text"

    @Flag(name: .shortAndLong, help: "Log every scan, not only problems.")
    var verbose = false

    @Option(
        name: .long,
        help: """
            Mebibytes that the pages being read may hold at once, across all engines (default: the deployment \
            file's memory_budget, else \(OCRConfiguration.defaultPageMemoryBudget >> 20)); a larger page waits for \
            room, one that cannot fit alone fails with the figures.
            """)
    var memoryBudget: Int?

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be 'text' or 'json', not '\(logFormat)'")
        }
        if let memoryBudget, memoryBudget < 16 {
            throw ValidationError("--memory-budget is in MiB and must be at least 16, not \(memoryBudget)")
        }
    }

    /// The page memory budget in bytes: `--memory-budget`, else the deployment file's `memory_budget`, else the
    /// default.
    func pageMemoryBudget(deployment: RuntimeSettings?) -> Int {
        (memoryBudget ?? deployment?.memoryBudget).map { $0 << 20 } ?? OCRConfiguration.defaultPageMemoryBudget
    }

    /// A logger writing through the masking handler: no sensitive value reaches a log line.
    func logger(_ label: String, redactor: Redactor, defaultLevel: Logger.Level = .notice) -> Logger {
        let format = LogFormat(rawValue: logFormat) ?? .text
        let level: Logger.Level = verbose ? .info : defaultLevel
        return Logger(label: label) { label in
            KamiflowLogHandler(label: label, format: format, redactor: redactor, level: level)
        }
    }

    /// The composition root's one choice of journal, at `location` (the deployment file's `journal:`) or
    /// `--journal`: a `postgres://` URL opens the shared PostgreSQL journal (its password from the URL, the variable
    /// `passwordVariable` names, or `PGPASSWORD`), anything else is the embedded SQLite file. Everything past this
    /// point speaks `any Journal`.
    func openJournal(at location: String? = nil, passwordVariable: String? = nil) async throws -> any Journal {
        let chosen = location ?? journal
        if PostgresJournalConfiguration.isURL(chosen) {
            return try await PostgresJournal.open(
                try PostgresJournalConfiguration(url: chosen, passwordVariable: passwordVariable))
        }
        return try SQLiteJournal(configuration: JournalConfiguration(path: chosen))
    }
}

extension LocalNode {
    /// This process as a node, named and beating as the deployment file says (`node:`, `heartbeat:`).
    static func thisProcess(_ settings: RuntimeSettings?) -> LocalNode {
        thisProcess(
            name: settings?.node, heartbeatInterval: settings?.heartbeat.map { $0.duration.secondsValue } ?? 10)
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// `kamiflow run WORKFLOW... INPUT...`
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Read scans (files, folders, globs) with workflows and deliver the records, resumably.",
        discussion: """
            Workflow files (.yaml/.yml) come first, then inputs. Every scan is journaled by the hash of its bytes \
            before it is read: run the same command again after a crash (even a kill) and it finishes the rest, \
            delivering every record exactly once; the same file under another name is recorded as a duplicate. \
            Every input path is journaled, including files refused before they were read (empty, unreadable, not \
            a scan file in a folder): 'kamiflow journal show PATH' says what became of each.

            Exit status: 0 everything went straight through (or was already done), 1 some scans wait for a person \
            (review, rejected, form not recognised), 2 some scans failed, 64 bad usage, 74 the journal cannot be \
            used, 75 interrupted (run again to finish). See docs/operations.md.
            """)

    @OptionGroup var options: RuntimeOptions

    @Option(name: .shortAndLong, help: "Scans in flight at once (default: twice the cores; engines bound the reading).")
    var jobs: Int = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Option(help: "Tesseract engines reading at once (default: one per core; each is ≈ 45 MB and one thread).")
    var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Flag(help: "Print the summary and every scan's outcome as JSON on standard output.")
    var json = false

    @Flag(
        help: ArgumentHelp(
            "Inputs are record files (JSON), not scans: for drills and migrations (delivered by the workflows given, if their files exist).",
            visibility: .hidden))
    var recordFiles = false

    @Option(
        help:
            "The deployment file with the connections (default: kamiflow.yaml if there is one, else the embedded SQLite core system in .kamiflow/)."
    )
    var deployment: String?

    @Flag(
        help: """
            Submit the inputs to the shared queue instead of reading them: each is copied into the deployment's \
            queue spool and journaled as queued, and every 'kamiflow serve' with that queue takes them. Needs the \
            deployment's 'queue:' (the workers read with its workflow); exit 0 when every input was queued or was \
            already done, 2 when one could not be.
            """)
    var submit = false

    @Argument(help: "Workflow files, then scan files, folders or glob patterns.")
    var arguments: [String] = []

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
    }

    func run() async throws {
        let workflows = arguments.prefix { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        let inputs = Array(arguments.dropFirst(workflows.count))
        guard !inputs.isEmpty else {
            FileHandle.standardError.write(Data("kamiflow run: no inputs given\n".utf8))
            throw ExitCode(64)
        }
        let redactor = Redactor()
        let logger = options.logger("kamiflow.run", redactor: redactor)
        let deploymentFile =
            deployment ?? (FileManager.default.fileExists(atPath: "kamiflow.yaml") ? "kamiflow.yaml" : nil)
        let settings = try deploymentFile.map(DeploymentFile.load)
        let composition = Composition(
            // Engines per core, not per scan in flight: `jobs` engines (twice the cores) fought over the cores
            // and held twice the engine memory (peak 470 MB for 2 cores) while reading no faster.
            settings: Composition.Settings(
                deployment: deploymentFile, workers: workers,
                pageMemoryBudget: options.pageMemoryBudget(deployment: settings)),
            environment: ProcessInfo.processInfo.environment, logger: logger)
        if submit {
            try await submitToQueue(inputs, workflows: Array(workflows), settings: settings, logger: logger)
            return
        }
        let wiring: RuntimeWiring
        let journal: any Journal
        do {
            wiring = try await composition.wiring(workflowFiles: Array(workflows), recordFiles: recordFiles)
        } catch {
            FileHandle.standardError.write(Data("kamiflow run: \(error)\n".utf8))
            throw ExitCode(64)
        }
        do {
            journal = try await options.openJournal()
        } catch {
            FileHandle.standardError.write(Data("kamiflow run: \(error)\n".utf8))
            throw ExitCode(74)
        }
        let files = InputFiles(inputs, extensions: recordFiles ? ["json"] : InputFiles.scanExtensions)
        let expected = files.reduce(0) { n, _ in n + 1 }  // names only: cheap, and gives the ETA
        let progress = ConsoleProgress(expected: expected, redactor: redactor)
        let node = LocalNode.thisProcess(settings)
        let runner = BatchRunner(
            journal: journal, processor: wiring.processor, planner: wiring.planner, connectors: wiring.connectors,
            configuration: BatchConfiguration(maxConcurrentScans: jobs, keepAllOutcomes: json), redactor: redactor,
            logger: logger, node: node)

        // SIGINT/SIGTERM: stop taking scans, hand back the ones in flight, exit 75 (run again to finish).
        let task = Task {
            await node.whileRegistered(in: journal, logger: logger) { await runner.run(files, progress: progress) }
        }
        let signals = SignalCancellation(task: task)
        let summary = await task.value
        signals.stop()
        progress.finish(summary)
        await composition.shutdown()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(summary) + Data("\n".utf8))
        } else {
            print(summary.table)
        }
        throw ExitCode(summary.exitStatus)
    }
}

extension RunCommand {
    /// `run --submit`: the inputs into the deployment's queue, unread; one line per input.
    func submitToQueue(
        _ inputs: [String], workflows: [String], settings: RuntimeSettings?, logger: Logger
    ) async throws {
        guard let queue = settings?.queue else {
            FileHandle.standardError.write(
                Data(
                    "kamiflow run: --submit needs a deployment file with 'queue: {spool: FOLDER, workflow: FILE}'\n"
                        .utf8))
            throw ExitCode(64)
        }
        guard workflows.isEmpty else {
            FileHandle.standardError.write(
                Data(
                    ("kamiflow run: with --submit, name only the inputs: the workers read them with the queue's "
                        + "workflow (\(queue.workflow))\n").utf8))
            throw ExitCode(64)
        }
        let journal: any Journal
        do {
            journal = try await options.openJournal(
                at: settings?.journal, passwordVariable: settings?.journalPasswordEnvironment)
        } catch {
            FileHandle.standardError.write(Data("kamiflow run: \(error)\n".utf8))
            throw ExitCode(74)
        }
        let redactor = Redactor()
        let results = await WorkSubmitter(journal: journal, spool: queue.spool, redactor: redactor).submit(
            InputFiles(inputs, extensions: recordFiles ? ["json"] : InputFiles.scanExtensions))
        for result in results {
            print(
                "\(result.result.padding(toLength: 9, withPad: " ", startingAt: 0)) \(result.id.isEmpty ? "-" : result.id)"
                    + "  \(result.path)" + (result.detail.map { "  (\($0))" } ?? ""))
        }
        let queued = results.filter { $0.result == "queued" }.count
        let failed = results.filter { $0.result == "failed" }.count
        print("\(queued) queued, \(results.count - queued - failed) already known, \(failed) failed")
        throw ExitCode(failed > 0 ? 2 : 0)
    }
}

/// Cancels a task on SIGINT or SIGTERM (a batch run then hands back what is in flight and exits 75).
final class SignalCancellation {
    private let sources: [any DispatchSourceSignal]

    init(task: Task<BatchSummary, Never>) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
    }

    func stop() {
        for source in sources { source.cancel() }
    }
}
