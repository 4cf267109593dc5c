import Foundation
public import KamiflowCore
public import Logging
public import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Settings of the staff drop folders (`kamiflow watch`, `kamiflow serve`).
public struct DropFolderConfiguration: Sendable {
    /// One watched folder and the workflow(s) behind it. Subfolders routed to different workflows are simply
    /// several inboxes.
    public struct Inbox: Sendable {
        public var path: String
        public var processor: any ScanProcessor
        public var planner: DeliveryPlanner

        public init(path: String, processor: any ScanProcessor, planner: @escaping DeliveryPlanner) {
            self.path = URL(fileURLWithPath: path).standardizedFileURL.path
            self.processor = processor
            self.planner = planner
        }
    }

    /// How new files are noticed.
    public enum Detection: String, Sendable, Codable, CaseIterable {
        /// inotify events, with a slow poll as a safety net. For local disks.
        case events
        /// Listing the folder every `pollInterval`. For NFS/SMB shares, where another machine's writes raise no
        /// events here.
        case polling
    }

    public var inboxes: [Inbox]
    public var detection: Detection
    /// How often the folders are listed (in `events` mode too, as a safety net).
    public var pollInterval: Duration
    /// A file is taken only once its size and modification time have not changed for this long: scanners and
    /// copy tools write files in pieces, and a half-written scan must never be read.
    public var settleInterval: Duration
    /// An empty file is taken (and refused, into `failed/` with a reason) only once it has stayed empty this long:
    /// copy tools and scanners create a file before they write it, often more than `settleInterval` before.
    public var emptyFileSettleInterval: Duration
    public var maxConcurrentScans: Int
    /// At shutdown, scans in flight get this long to finish; then they are handed back (left to be resumed).
    public var shutdownDeadline: Duration

    public init(
        inboxes: [Inbox], detection: Detection = .events, pollInterval: Duration = .seconds(2),
        settleInterval: Duration = .seconds(2), emptyFileSettleInterval: Duration = .seconds(60),
        maxConcurrentScans: Int = 2, shutdownDeadline: Duration = .seconds(30)
    ) {
        self.inboxes = inboxes
        self.detection = detection
        self.pollInterval = pollInterval
        self.settleInterval = settleInterval
        self.emptyFileSettleInterval = max(settleInterval, emptyFileSettleInterval)
        self.maxConcurrentScans = max(1, maxConcurrentScans)
        self.shutdownDeadline = shutdownDeadline
    }
}

/// The folders of one inbox: files are claimed into `processing/` and settle into `done/`, `review/` or `failed/`,
/// each with a `<file>.reason.json` a person can read.
package struct DropFolderLayout: Sendable {
    package let inbox: String
    package var processing: String { inbox + "/processing" }
    package var done: String { inbox + "/done" }
    package var review: String { inbox + "/review" }
    package var failed: String { inbox + "/failed" }

    package init(inbox: String) { self.inbox = inbox }

    /// Creates the folders that are missing, owner-only (they hold scans and reason files); folders an operator
    /// made keep their permissions.
    func create() throws(KamiflowError) {
        for folder in [inbox, processing, done, review, failed] {
            try PrivateFiles.createFolder(atPath: folder)
        }
    }

    func folder(for outcome: ScanOutcome) -> String {
        switch outcome.state {
        case .delivered, .duplicate: done
        case .inReview, .rejected, .unclassified: review
        default: failed
        }
    }

    /// When `folder` is the outcome folder of a drop folder, that drop folder's layout.
    package static func containing(_ path: String) -> DropFolderLayout? {
        let folder = (path as NSString).deletingLastPathComponent
        guard ["done", "review", "failed", "processing"].contains((folder as NSString).lastPathComponent) else {
            return nil
        }
        return DropFolderLayout(inbox: (folder as NSString).deletingLastPathComponent)
    }
}

/// Moves `source` into `folder` under its own name, or `name~2.ext`, `name~3.ext`… when that is taken. The rename
/// is atomic; when the source is gone (another watcher took it first) the result is `nil`.
func moveUnique(_ source: String, into folder: String) -> String? {
    let name = (source as NSString).lastPathComponent
    let stem = (name as NSString).deletingPathExtension
    let ext = (name as NSString).pathExtension
    for n in 1...10_000 {
        let candidate = n == 1 ? name : "\(stem)~\(n)" + (ext.isEmpty ? "" : ".\(ext)")
        let target = folder + "/" + candidate
        if access(target, F_OK) == 0 { continue }
        if rename(source, target) == 0 { return target }
        return nil
    }
    return nil
}

/// After a reviewer's decision, a file the watcher left in `review/` follows its scan: into `done/` once delivered,
/// into `failed/` when the reviewer dismissed the form, with a new reason file. While a record may still be accepted
/// (another waits, the core system refused it, delivery failed) the file stays in `review/`. Returns the new path,
/// or `nil` when nothing moved. The journal is already right; a file that cannot be moved is logged, not an error.
func followReviewDecision(
    _ entry: ScanEntry, to state: ScanState, dismissed: Bool = false, detail: String?, journal: any Journal,
    redactor: Redactor, logger: Logger
) async -> String? {
    guard let layout = DropFolderLayout.containing(entry.path),
        (entry.path as NSString).deletingLastPathComponent == layout.review
    else { return nil }
    let target: String
    switch state {
    case .delivered: target = layout.done
    case .rejected where dismissed: target = layout.failed
    default: return nil
    }
    guard let moved = moveUnique(entry.path, into: target) else {
        logger.warning("the reviewed file could not be moved out of review/", metadata: ["scan": "\(entry.shortID)"])
        return nil
    }
    try? FileManager.default.removeItem(atPath: entry.path + ".reason.json")
    do {
        try await journal.move(entry.rowID, to: moved)
    } catch {
        logger.warning(
            "the journal could not record the reviewed file's new place", metadata: ["scan": "\(entry.shortID)"])
    }
    var outcome = ScanOutcome(path: entry.originalPath, state: state)
    outcome.id = entry.hash
    outcome.rowID = entry.rowID
    outcome.error = detail
    var reason = ReasonFile(outcome: outcome, file: (moved as NSString).lastPathComponent, redactor: redactor)
    if dismissed && state == .rejected {
        reason.message = .init(
            ja: "確認担当者が処理できない帳票と判断しました。理由を確認してください。",
            en: "A reviewer decided this form cannot be processed; see the reason.")
    }
    reason.write(beside: moved)
    return moved
}

/// The reason file written beside a settled file, for the counter staff (Japanese first) and for operators.
struct ReasonFile: Encodable {
    struct Message: Encodable {
        var ja: String
        var en: String
    }
    struct Item: Encodable {
        var code: String
        var fields: [String]
        var message: String
    }
    var file: String
    var scan: String?
    var state: String
    var message: Message
    var error: String?
    var duplicateOf: String?
    var issues: [Item]
    var at: String

    init(outcome: ScanOutcome, file: String, redactor: Redactor) {
        self.file = file
        scan = outcome.id.isEmpty ? nil : String(outcome.id.prefix(12))
        state = outcome.state.rawValue
        message =
            switch outcome.state {
            case .delivered: Message(ja: "基幹系への登録が完了しました。", en: "Delivered to the core system.")
            case .inReview:
                Message(
                    ja: "確認が必要な項目があります。確認画面で内容を確認してください。",
                    en: "Some fields need a person to check them in the review station.")
            case .rejected:
                Message(
                    ja: "基幹系が登録を受け付けませんでした。内容を確認してください。",
                    en: "The core system refused the record; please check it.")
            case .unclassified:
                Message(
                    ja: "帳票の種類を判別できませんでした。正しい受付フォルダか確認してください。",
                    en:
                        "No form of this folder's workflow was recognised; check that it was dropped in the right folder."
                )
            case .duplicate:
                Message(
                    ja: "同じ内容のファイルが既に処理されています。再登録はしていません。",
                    en: "A file with the same content was already processed; it was not delivered again.")
            default:
                Message(
                    ja: "処理できませんでした。原因を確認し、`kamiflow journal retry` で再処理してください。",
                    en: "Could not be processed; see the error, then retry with `kamiflow journal retry`.")
            }
        error = outcome.error.map(redactor.redact)
        duplicateOf = outcome.duplicateOf
        issues = outcome.issues.map { Item(code: $0.code, fields: $0.fields, message: redactor.redact($0.message)) }
        let formatter = ISO8601DateFormatter()
        at = formatter.string(from: Date())
    }

    /// Writes `<path>.reason.json`, owner-only: it names the file and the problems found in a person's form.
    func write(beside path: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return }
        try? PrivateFiles.write(data, toPath: path + ".reason.json")
    }
}

/// Watches the staff drop folders and sends every scan dropped there through the pipeline.
///
/// A file is claimed by an atomic `rename` into `processing/` (of two watchers on one inbox only one rename
/// succeeds) and locked while it is handled; files left in `processing/` by a crash are resumed from the journal.
/// Drive it with `run()` under a `ServiceGroup`, or pass by pass with `runPass(now:)` (tests, one-shot tools).
public final class DropFolderWatcher: Service {
    private struct Observation {
        var size: Int64
        var modified: timespec
        var unchangedSince: ContinuousClock.Instant
    }
    private struct State {
        var observations: [String: Observation] = [:]
        var inFlight: Set<String> = []
    }

    private let configuration: DropFolderConfiguration
    private let handlers: [(layout: DropFolderLayout, handler: ScanHandler)]
    private let redactor: Redactor
    private let logger: Logger
    private let state = Mutex(State())

    public init(
        configuration: DropFolderConfiguration, journal: any Journal, connectors: [any Connector], redactor: Redactor,
        logger: Logger, node: LocalNode = .process
    ) {
        self.configuration = configuration
        var byName: [String: any Connector] = [:]
        for connector in connectors { byName[connector.name] = connector }
        handlers = configuration.inboxes.map { inbox in
            (
                DropFolderLayout(inbox: inbox.path),
                ScanHandler(
                    journal: journal, processor: inbox.processor, planner: inbox.planner, connectors: byName,
                    redactor: redactor, logger: logger, node: node)
            )
        }
        self.redactor = redactor
        self.logger = logger
    }

    // MARK: Passes

    /// A file to handle: where it is now and where it was dropped.
    struct Claim: Sendable {
        var inbox: Int
        var path: String
        var originalPath: String
    }

    /// Lists the folders once: files left in `processing/` (resumed), then inbox files that have settled, claimed
    /// by rename, at most `limit` in all.
    func claim(now: ContinuousClock.Instant, limit: Int) throws(KamiflowError) -> [Claim] {
        var claims: [Claim] = []
        for (index, entry) in handlers.enumerated() {
            let layout = entry.layout
            try layout.create()
            // Files in processing/ that nobody here is handling: a crash or a hand-back left them. The lock taken
            // when handling tells whether another process has them.
            for name in Self.names(in: layout.processing) where claims.count < limit {
                let path = layout.processing + "/" + name
                let taken = state.withLock { $0.inFlight.contains(path) }
                if !taken { claims.append(Claim(inbox: index, path: path, originalPath: layout.inbox + "/" + name)) }
            }
            for name in Self.names(in: layout.inbox) {
                let path = layout.inbox + "/" + name
                var info = stat()
                guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                // An empty file is taken too (to be refused with a reason, so that it is journaled and a person
                // sees it in failed/), but only after a longer wait: it is most likely still being written.
                let wait = info.st_size > 0 ? configuration.settleInterval : configuration.emptyFileSettleInterval
                let settled = state.withLock { state -> Bool in
                    let seen = Observation(size: Int64(info.st_size), modified: info.st_mtim, unchangedSince: now)
                    guard let previous = state.observations[path], previous.size == seen.size,
                        previous.modified.tv_sec == seen.modified.tv_sec,
                        previous.modified.tv_nsec == seen.modified.tv_nsec
                    else {
                        state.observations[path] = seen
                        return wait == .zero
                    }
                    return now - previous.unchangedSince >= wait
                }
                guard settled, claims.count < limit else { continue }
                state.withLock { _ = $0.observations.removeValue(forKey: path) }
                if let claimed = moveUnique(path, into: layout.processing) {
                    claims.append(Claim(inbox: index, path: claimed, originalPath: path))
                }
            }
        }
        // Forget files that have gone (taken by another watcher, deleted by a person).
        state.withLock { state in
            state.observations = state.observations.filter { access($0.key, F_OK) == 0 }
        }
        return claims
    }

    private static func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            !InputFiles.isIgnored($0) && !["processing", "done", "review", "failed"].contains($0)
        }.sorted()
    }

    /// Handles one claimed file and moves it to its outcome folder with a reason file, while still holding it.
    func handle(_ claim: Claim) async -> ScanOutcome {
        let (layout, handler) = handlers[claim.inbox]
        state.withLock { _ = $0.inFlight.insert(claim.path) }
        defer { state.withLock { _ = $0.inFlight.remove(claim.path) } }
        return await handler.handle(path: claim.path, originalPath: claim.originalPath, rerunResumes: false) {
            outcome in
            if outcome.busy { return }
            if outcome.rowID == nil && access(claim.path, F_OK) != 0 {
                outcome.busy = true  // moved away by another watcher between listing and opening
                return
            }
            if outcome.handedBack {
                // Back into the inbox, so that this or another watcher takes it again.
                if let back = moveUnique(claim.path, into: layout.inbox) {
                    outcome.location = back
                    if let row = outcome.rowID { try? await handler.journal.move(row, to: back) }
                }
                return
            }
            let folder = layout.folder(for: outcome)
            guard let settled = moveUnique(claim.path, into: folder) else {
                logger.error(
                    "cannot move the scan to its outcome folder",
                    metadata: ["file": "\(claim.path)", "folder": "\(folder)"])
                return
            }
            outcome.location = settled
            if let row = outcome.rowID { try? await handler.journal.move(row, to: settled) }
            ReasonFile(outcome: outcome, file: (claim.originalPath as NSString).lastPathComponent, redactor: redactor)
                .write(beside: settled)
            logger.info(
                "drop-folder scan settled",
                metadata: ["file": "\(claim.originalPath)", "state": "\(outcome.state)", "moved_to": "\(settled)"])
        }
    }

    /// One pass: list, claim what has settled, handle the claims (concurrently, at most `maxConcurrentScans`) and
    /// return their outcomes. The settle interval is measured between passes, with the `now` each is given.
    public func runPass(now: ContinuousClock.Instant = .now) async throws(KamiflowError) -> [ScanOutcome] {
        let claims = try claim(now: now, limit: .max)
        return await withTaskGroup(of: ScanOutcome.self) { group in
            var outcomes: [ScanOutcome] = []
            var next = 0
            while next < claims.count, next < configuration.maxConcurrentScans {
                let claim = claims[next]
                group.addTask { await self.handle(claim) }
                next += 1
            }
            while let outcome = await group.next() {
                if !outcome.busy { outcomes.append(outcome) }
                if next < claims.count {
                    let claim = claims[next]
                    group.addTask { await self.handle(claim) }
                    next += 1
                }
            }
            return outcomes
        }
    }

    // MARK: Service

    /// Watches until graceful shutdown (SIGTERM/SIGINT under `kamiflow serve`), then stops taking files, gives the
    /// scans in flight `shutdownDeadline` to finish and hands back the rest.
    public func run() async throws {
        for entry in handlers { try entry.layout.create() }
        let (triggers, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let monitor: InotifyMonitor?
        if configuration.detection == .events {
            monitor = InotifyMonitor(folders: handlers.map(\.layout.inbox)) { continuation.yield() }
            if monitor == nil {
                logger.warning("file-system events unavailable; watching by polling only")
            }
        } else {
            monitor = nil
        }
        defer { monitor?.stop() }
        let inFlight = SharedCounter()
        let stopping = SharedCounter()
        let deadline = configuration.shutdownDeadline
        logger.info(
            "watching drop folders",
            metadata: ["inboxes": "\(handlers.map(\.layout.inbox))", "detection": "\(configuration.detection)"])

        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                let interval = configuration.pollInterval
                group.addTask {
                    continuation.yield()
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        continuation.yield()
                    }
                }
                for await _ in triggers {
                    if stopping.value > 0 { break }
                    let free = configuration.maxConcurrentScans - inFlight.value
                    guard free > 0 else { continue }
                    let claims: [Claim]
                    do {
                        claims = try claim(now: .now, limit: free)
                    } catch {
                        logger.error("cannot list the drop folder", metadata: ["error": "\(error)"])
                        continue
                    }
                    for claim in claims {
                        inFlight.add(1)
                        group.addTask {
                            _ = await self.handle(claim)
                            inFlight.add(-1)
                            continuation.yield()  // a slot is free: look again
                        }
                    }
                }
                // Shutdown: no new files; let the scans in flight finish, up to the deadline.
                let stopBy = ContinuousClock.now + deadline
                while inFlight.value > 0, ContinuousClock.now < stopBy {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                if inFlight.value > 0 {
                    logger.notice("shutdown deadline reached; handing back the scans in flight")
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.add(1)
            continuation.finish()
        }
        logger.info("drop-folder watcher stopped")
    }
}

/// A counter shared between tasks.
final class SharedCounter: Sendable {
    private let atomic = Atomic<Int>(0)
    var value: Int { atomic.load(ordering: .sequentiallyConsistent) }
    func add(_ n: Int) { atomic.add(n, ordering: .sequentiallyConsistent) }
}

/// inotify on the inbox folders, read on a thread of its own; each batch of events calls `onChange`.
final class InotifyMonitor: Sendable {
    private final class Flag: Sendable {
        let atomic = Atomic<Bool>(true)
    }
    private let running = Flag()

    init?(folders: [String], onChange: @escaping @Sendable () -> Void) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB)
        for folder in folders where inotify_add_watch(fd, folder, mask) < 0 {
            close(fd)
            return nil
        }
        let running = running
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while running.atomic.load(ordering: .relaxed) {
                guard poll(&poller, 1, 200) > 0 else { continue }
                var any = false
                while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 { any = true }
                if any { onChange() }
            }
            close(fd)
        }
    }

    /// Ends the reading thread (within 0.2 s); it closes the inotify descriptor.
    func stop() {
        running.atomic.store(false, ordering: .relaxed)
    }
}
