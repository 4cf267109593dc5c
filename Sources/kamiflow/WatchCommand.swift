import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime
import Logging
import ServiceLifecycle
import UnixSignals

/// Options of the drop-folder watcher, shared by `watch` and `serve` (flags win over the deployment file).
struct WatchOptions: ParsableArguments {
    @Flag(help: "Find new files by listing the folders (for NFS/SMB shares) instead of file-system events.")
    var polling = false

    @Option(help: "Take a file once its size and time have not changed for this long (default 2s).")
    var settle: String?

    @Option(
        help: """
            Take an empty file (refused into failed/ with a reason) once it has stayed empty this long (default 60s): \
            copy tools create a file before they write it.
            """)
    var settleEmpty: String?

    @Option(help: "List the folders this often (default 2s; a safety net in events mode).")
    var poll: String?

    @Option(help: "At shutdown, give scans in flight this long before handing them back (default 30s).")
    var shutdownDeadline: String?

    @Option(name: .shortAndLong, help: "Scans in flight at once (default: one per core).")
    var jobs: Int?

    func configuration(
        inboxes: [DropFolderConfiguration.Inbox], settings: RuntimeSettings
    ) throws
        -> DropFolderConfiguration
    {
        let watch = settings.watch
        func duration(_ flag: String?, _ setting: SettingDuration?, _ fallback: Duration) throws -> Duration {
            if let flag { return try SettingDuration(parsing: flag).duration }
            return setting?.duration ?? fallback
        }
        return DropFolderConfiguration(
            inboxes: inboxes,
            detection: polling ? .polling : (watch?.detection ?? .events),
            pollInterval: try duration(poll, watch?.poll, .seconds(2)),
            settleInterval: try duration(settle, watch?.settle, .seconds(2)),
            emptyFileSettleInterval: try duration(settleEmpty, nil, .seconds(60)),
            maxConcurrentScans: jobs ?? settings.workers ?? max(1, ProcessInfo.processInfo.activeProcessorCount),
            shutdownDeadline: try duration(shutdownDeadline, watch?.shutdownDeadline, .seconds(30)))
    }
}

/// `kamiflow watch`: only the staff drop folders.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch drop folders and process every scan dropped into them, until SIGTERM/SIGINT.",
        discussion: """
            Each inbox gets processing/, done/, review/ and failed/ folders; every settled file gets a \
            <file>.reason.json beside it. Inboxes come from the deployment file's watch: section, or as \
            INBOX=WORKFLOW arguments. See docs/operations.md.
            """)

    @OptionGroup var options: RuntimeOptions
    @OptionGroup var watch: WatchOptions

    @Option(help: "The deployment file (its journal, workers and watch: sections are used).")
    var deployment: String?

    @Flag(help: ArgumentHelp("Inboxes hold record files (JSON), not scans.", visibility: .hidden))
    var recordFiles = false

    @Argument(help: "INBOX=WORKFLOW pairs (in addition to the deployment file's inboxes).")
    var inboxes: [String] = []

    func run() async throws {
        try await exitingOnConfigurationErrors { try await watchFolders() }
    }

    private func watchFolders() async throws {
        let settings = try deployment.map(DeploymentFile.load) ?? RuntimeSettings()
        var pairs = (settings.watch?.inboxes ?? []).map { ($0.path, $0.workflow) }
        for argument in inboxes {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 || recordFiles else {
                throw ValidationError("'\(argument)' is not INBOX=WORKFLOW")
            }
            pairs.append((parts[0], parts.count == 2 ? parts[1] : ""))
        }
        guard !pairs.isEmpty else { throw ValidationError("no inbox to watch: give INBOX=WORKFLOW or --deployment") }
        let redactor = Redactor()
        let logger = options.logger("kamiflow.watch", redactor: redactor, defaultLevel: .info)
        let journal = try await options.openJournal(
            at: settings.journal, passwordVariable: settings.journalPasswordEnvironment)
        let composition = Composition(
            settings: Composition.Settings(
                deployment: deployment,
                workers: settings.workers ?? max(1, ProcessInfo.processInfo.activeProcessorCount),
                pageMemoryBudget: options.pageMemoryBudget(deployment: settings)),
            environment: ProcessInfo.processInfo.environment, logger: logger)
        var boxes: [DropFolderConfiguration.Inbox] = []
        for (path, workflow) in pairs {
            let wiring = try await composition.wiring(
                workflowFiles: workflow.isEmpty ? [] : [workflow], recordFiles: recordFiles)
            boxes.append(
                DropFolderConfiguration.Inbox(path: path, processor: wiring.processor, planner: wiring.planner))
        }
        let watcher = DropFolderWatcher(
            configuration: try watch.configuration(inboxes: boxes, settings: settings), journal: journal,
            connectors: await composition.allConnectorsForRouting(), redactor: redactor, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [watcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await composition.shutdown()
    }
}
