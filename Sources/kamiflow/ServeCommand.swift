import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowServer
import Logging
import ServiceLifecycle
import UnixSignals

/// Reads the runtime's part of `kamiflow.yaml`, through the one deployment loader (which checks the whole file).
enum DeploymentFile {
    static func load(_ path: String) throws -> RuntimeSettings {
        try Deployment.load(path: path).runtime
    }
}

/// `kamiflow serve`: drop folders and scheduled jobs in one long-running process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Run the deployment's drop folders, scheduled jobs and (--review-port) review station until SIGTERM/SIGINT.",
        discussion: """
            On SIGTERM or SIGINT: no new scans are taken, scans in flight get the shutdown deadline to finish and \
            are otherwise handed back (resumed at the next start), and the process exits 0. Missed runs: a job \
            whose run was due within missed_run_grace (default 1h) before start-up, after its last run, runs once \
            at start-up; older or repeated misses are not caught up. See docs/operations.md.
            """)

    @OptionGroup var options: RuntimeOptions
    @OptionGroup var watch: WatchOptions

    @Option(help: "The deployment file.")
    var deployment: String = "kamiflow.yaml"

    @Option(
        help: """
            Also serve the review station in the browser on this port (as 'kamiflow review serve' does), for the \
            deployment's workflows.
            """)
    var reviewPort: Int?

    @Option(help: "The review station's address (with --review-port).") var reviewHost = "127.0.0.1"

    @Option(help: "The review station's language, ja or en (with --review-port).") var reviewLanguage = "ja"

    @Flag(help: "Mark the review station's cookies Secure (it is reached over TLS).") var reviewSecureCookies = false

    @Option(help: "Serve the review station over HTTPS with this certificate (PEM); needs --review-tls-key.")
    var reviewTlsCertificate: String?

    @Option(help: "The review station certificate's private key (PEM, not encrypted).") var reviewTlsKey: String?

    @Flag(
        help: ArgumentHelp(
            "Inboxes, the queue and scheduled inputs hold record files (JSON), not scans (delivered by their workflow, if its file exists).",
            visibility: .hidden))
    var recordFiles = false

    @Option(
        help: ArgumentHelp(
            """
            For tests only: the schedules' clock runs this many times faster than the wall clock, from \
            --test-clock-origin on, so that a test sees an every-minute job tick every second. Never in production.
            """, visibility: .hidden))
    var testClockSpeed: Int?

    @Option(
        help: ArgumentHelp(
            """
            For tests only (with --test-clock-speed): the wall-clock instant, in Unix seconds, at which the fast \
            clock reads the same as the wall clock. Processes given the same origin agree on the time.
            """, visibility: .hidden))
    var testClockOrigin: Double?

    @Option(
        help: ArgumentHelp(
            """
            For tests only: the queue workers' lease on a scan lasts this many seconds (default 600), renewed every \
            third of it, so that a test sees a take-over within seconds. Never in production.
            """, visibility: .hidden))
    var testLeaseSeconds: Double?

    func validate() throws {
        guard testLeaseSeconds.map({ $0 >= 0.3 }) ?? true else {
            throw ValidationError("--test-lease-seconds is at least 0.3")
        }
        guard testClockSpeed.map({ $0 >= 1 }) ?? true else { throw ValidationError("--test-clock-speed is at least 1") }
        guard (testClockSpeed == nil) == (testClockOrigin == nil) else {
            throw ValidationError("--test-clock-speed and --test-clock-origin go together")
        }
    }

    /// The schedules' clock: the wall clock, or for tests one running `speed` times faster from `origin`.
    private func schedulerClock() -> (
        now: @Sendable () -> Date, sleep: @Sendable (Duration) async throws -> Void
    ) {
        guard let speed = testClockSpeed, let origin = testClockOrigin else {
            return ({ Date() }, { try await Task.sleep(for: $0) })
        }
        return (
            { Date(timeIntervalSince1970: origin + (Date().timeIntervalSince1970 - origin) * Double(speed)) },
            { try await Task.sleep(for: $0 / speed) }
        )
    }

    func run() async throws {
        try await exitingOnConfigurationErrors { try await serve() }
    }

    private func serve() async throws {
        let settings = try DeploymentFile.load(deployment)
        let redactor = Redactor()
        let logger = options.logger("kamiflow.serve", redactor: redactor, defaultLevel: .info)
        let journal = try await options.openJournal(
            at: settings.journal, passwordVariable: settings.journalPasswordEnvironment)
        let node = LocalNode.thisProcess(settings)
        // First in the group, so last to stop: the node says it is alive until its scans are handed back.
        var services: [any Service] = [NodeHeartbeat(node: node, journal: journal, logger: logger)]
        let workers = settings.workers ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        let composition = Composition(
            settings: Composition.Settings(
                deployment: deployment, workers: workers,
                pageMemoryBudget: options.pageMemoryBudget(deployment: settings)),
            environment: ProcessInfo.processInfo.environment, logger: logger)

        if let inboxes = settings.watch?.inboxes, !inboxes.isEmpty {
            var boxes: [DropFolderConfiguration.Inbox] = []
            for inbox in inboxes {
                let wiring = try await composition.wiring(workflowFiles: [inbox.workflow], recordFiles: recordFiles)
                boxes.append(
                    DropFolderConfiguration.Inbox(
                        path: inbox.path, processor: wiring.processor, planner: wiring.planner))
            }
            services.append(
                DropFolderWatcher(
                    configuration: try watch.configuration(inboxes: boxes, settings: settings), journal: journal,
                    connectors: await composition.allConnectorsForRouting(), redactor: redactor, logger: logger,
                    node: node))
        }

        if let queue = settings.queue {
            let wiring = try await composition.wiring(workflowFiles: [queue.workflow], recordFiles: recordFiles)
            services.append(
                QueueWorker(
                    journal: journal, spool: queue.spool, processor: wiring.processor, planner: wiring.planner,
                    connectors: wiring.connectors, redactor: redactor, logger: logger, node: node,
                    concurrency: workers, poll: queue.poll?.duration ?? .seconds(1),
                    leaseDuration: testLeaseSeconds ?? 600))
        }

        var jobs: [ScheduledJob] = []
        for job in settings.schedules ?? [] {
            let wiring = try await composition.wiring(workflowFiles: [job.run.workflow], recordFiles: recordFiles)
            let runner = BatchRunner(
                journal: journal, processor: wiring.processor, planner: wiring.planner,
                connectors: wiring.connectors, configuration: BatchConfiguration(maxConcurrentScans: workers),
                redactor: redactor, logger: logger, node: node)
            let inputs = job.run.inputs
            jobs.append(
                ScheduledJob(name: job.name, schedule: try job.schedule()) {
                    let summary = await runner.run(InputFiles(inputs))
                    logger.notice(
                        "scheduled run finished",
                        metadata: [
                            "job": "\(job.name)", "scans": "\(summary.scans)", "delivered": "\(summary.delivered)",
                            "review": "\(summary.inReview)", "failed": "\(summary.failed)",
                        ])
                })
        }
        if !jobs.isEmpty {
            let clock = schedulerClock()
            services.append(
                Scheduler(
                    jobs: jobs, journal: journal,
                    configuration: SchedulerConfiguration(
                        missedRunGrace: settings.missedRunGrace?.duration ?? .seconds(3600)),
                    logger: logger, now: clock.now, sleep: clock.sleep, node: node.identity.id))
        }
        var reviewComposition: Composition?
        if let reviewPort {
            guard let language = StationLanguage(rawValue: reviewLanguage), (0...65535).contains(reviewPort) else {
                throw KamiflowError(.invalidArgument, "--review-language is ja or en; --review-port is 0–65535")
            }
            var workflows =
                (settings.watch?.inboxes ?? []).map(\.workflow) + (settings.schedules ?? []).map(\.run.workflow)
            workflows = Array(Set(workflows)).sorted()
            let station = try await ReviewStationOptions.make(
                host: reviewHost, port: reviewPort, language: language, secureCookies: reviewSecureCookies,
                tls: try ReviewStationOptions.tls(
                    certificate: reviewTlsCertificate, key: reviewTlsKey,
                    flags: ("--review-tls-certificate", "--review-tls-key")),
                workflows: workflows, deployment: deployment, journal: journal,
                journalPath: settings.journal ?? options.journal, logger: logger, redactor: redactor,
                node: node.identity.id)
            reviewComposition = station.composition
            let (host, scheme) = (reviewHost, station.web.scheme)
            services.append(
                try station.web.service { port in
                    logger.notice("review station listening", metadata: ["url": "\(scheme)://\(host):\(port)/"])
                })
        }
        guard services.count > 1 else {
            throw KamiflowError(
                .invalidDeployment, "nothing to serve: no watch inboxes, no queue, no schedules, no review station",
                subject: deployment)
        }
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Past the deadline, what is still running (a scheduled batch's scans) is cancelled and handed back.
        let deadline =
            try watch.shutdownDeadline.map { try SettingDuration(parsing: $0).duration }
            ?? settings.watch?.shutdownDeadline?.duration ?? .seconds(30)
        configuration.maximumGracefulShutdownDuration = deadline + .seconds(2)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
        await composition.shutdown()
        await reviewComposition?.shutdown()
        logger.notice("stopped")
    }
}

/// Runs `body`; an error in the deployment file or workflow wiring exits 78 (EX_CONFIG), a journal that cannot be
/// used exits 74 (EX_IOERR), each after printing the error (documented in docs/operations.md).
func exitingOnConfigurationErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as KamiflowError {
        FileHandle.standardError.write(Data("kamiflow: \(error)\n".utf8))
        switch error.code {
        case .journal: throw ExitCode(74)
        case .invalidDeployment, .invalidWorkflow, .fileNotFound, .permissionDenied, .engineUnavailable,
            .invalidArgument:
            throw ExitCode(78)
        default: throw ExitCode(1)
        }
    }
}
