import Foundation
public import KamiflowCore
package import Logging
public import ServiceLifecycle

/// `kamiflow run --submit`: scans admitted into the shared journal as queued work, without being read.
///
/// The bytes are copied into the spool, a folder every node reaches (NFS/SMB), under the scan's hash: a worker on
/// any machine then finds the file the journal row names. The journal keeps rows and states, not scan images: a
/// 300 dpi page is megabytes, and a database that must be backed up and restored whole is the wrong place for a
/// day's 6,000 of them (the spool is ordinary storage, and the files can be removed once their scans settled).
public struct WorkSubmitter: Sendable {
    let journal: any Journal
    let spool: String
    let redactor: Redactor

    /// - Parameter spool: the shared folder (made 0700 when missing).
    public init(journal: any Journal, spool: String, redactor: Redactor) {
        self.journal = journal
        self.spool = URL(fileURLWithPath: spool).standardizedFileURL.path
        self.redactor = redactor
    }

    /// What became of one submitted path.
    public struct Submitted: Sendable, Hashable {
        public var path: String
        /// The scan id (empty when the file could not be read).
        public var id: String
        /// `queued` (new or waiting), `settled` (already done: its state), `duplicate`, or `failed`.
        public var result: String
        /// Why it failed, or the settled state; masked.
        public var detail: String?
    }

    /// Copies each file into the spool and admits it. A file that cannot be read is reported, never fatal to the
    /// others; a file submitted again is found queued or settled, not queued twice.
    public func submit(_ inputs: InputFiles) async -> [Submitted] {
        var results: [Submitted] = []
        var iterator = inputs.makeIterator()
        while let input = iterator.nextInput() {
            let original = URL(fileURLWithPath: input.path).standardizedFileURL.path
            if let reason = input.notTaken {
                if input.isFailure {
                    results.append(Submitted(path: original, id: "", result: "failed", detail: redactor.redact(reason)))
                }
                continue
            }
            results.append(await submit(original))
        }
        return results
    }

    private func submit(_ original: String) async -> Submitted {
        do throws(KamiflowError) {
            let hash: String
            let size: Int64
            let file: LockedFile
            do {
                file = try LockedFile(path: original)
            } catch {
                switch error {
                case .busy:
                    throw KamiflowError(
                        .io, "another process holds the file; submit it again later", subject: original)
                case .error(let error): throw error
                }
            }
            defer { file.unlock() }
            hash = try file.sha256()
            size = file.size
            let ext = (original as NSString).pathExtension
            let target = spool + "/" + hash + (ext.isEmpty ? "" : "." + ext.lowercased())
            if !FileManager.default.fileExists(atPath: target) {
                let bytes: Data
                do {
                    bytes = try Data(contentsOf: URL(fileURLWithPath: original))
                } catch {
                    throw KamiflowError(.io, "cannot read the file", subject: original, cause: error)
                }
                try PrivateFiles.write(bytes, toPath: target)
            }
            let admission = try await journal.admit(
                hash: hash, path: target, originalPath: original, rerunResumes: true)
            let submitted: Submitted
            let sighting: InputSighting
            switch admission {
            case .process(let entry):
                submitted = Submitted(path: original, id: entry.shortID, result: "queued")
                sighting = InputSighting(
                    path: original, location: target, size: size, scanRowID: entry.rowID, outcome: .scan(entry.state),
                    reason: "submitted to the queue in \(spool)")
            case .settled(let entry):
                submitted = Submitted(
                    path: original, id: entry.shortID, result: "settled", detail: entry.state.rawValue)
                sighting = InputSighting(
                    path: original, location: target, size: size, scanRowID: entry.rowID, outcome: .scan(entry.state),
                    reason: "already \(entry.state) in an earlier run")
            case .duplicate(let entry, let first):
                submitted = Submitted(path: original, id: entry.shortID, result: "duplicate", detail: first.shortID)
                sighting = InputSighting(
                    path: original, location: original, size: size, scanRowID: first.rowID, outcome: .scan(.duplicate),
                    reason: "the same bytes as scan \(first.shortID), taken under another name; not processed again")
            }
            try await journal.recordInput(sighting)
            return submitted
        } catch {
            return Submitted(path: original, id: "", result: "failed", detail: redactor.redact(error.description))
        }
    }
}

/// `kamiflow serve` with a `queue:`: takes submitted scans from the shared journal, as many at once as it has
/// workers, and handles each as `run` does (lease, read, deliver, settle). Every node runs one; the lease decides
/// who reads a scan, so two nodes never both do, and a node that dies leaves its scans to the others.
public struct QueueWorker: Service {
    let handler: ScanHandler
    let spool: String
    let poll: Duration
    let concurrency: Int
    let logger: Logger

    package init(
        journal: any Journal, spool: String, processor: any ScanProcessor, planner: @escaping DeliveryPlanner,
        connectors: [any Connector], redactor: Redactor, logger: Logger, node: LocalNode, concurrency: Int,
        poll: Duration, leaseDuration: Double = 600
    ) {
        var byName: [String: any Connector] = [:]
        for connector in connectors { byName[connector.name] = connector }
        handler = ScanHandler(
            journal: journal, processor: processor, planner: planner, connectors: byName, redactor: redactor,
            logger: logger, node: node, leaseDuration: leaseDuration)
        self.spool = URL(fileURLWithPath: spool).standardizedFileURL.path
        self.poll = poll
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    public func run() async throws {
        // This worker's lease owners all begin with `tag`: the leases under it that no slot works on can then be
        // found and freed (see `Journal.releaseLeases`), and no other worker of this process has one.
        let tag = handler.node.identity.ownerPrefix + "queue-" + UUID().uuidString.prefix(6) + "-"
        // Each worker slot takes the next scan as soon as it is free: a slot never waits for the others' scans.
        await withTaskGroup(of: SlotEnd.self) { group in
            var working: Set<String> = []
            var ticking = false
            var warned = false
            // Leases of this worker may be held with no slot on them: the journal failed as a claim was committed
            // (the answer lost) or before a slot could hand its scan back. Freed once the journal answers again.
            var strays = false
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if working.count < concurrency {
                    let taken: [QueuedScan]
                    let owners = (working.count..<concurrency).map { _ in tag + UUID().uuidString.prefix(8) }
                    do throws(KamiflowError) {
                        if strays {
                            try await handler.journal.releaseLeases(ownedBy: tag, except: working)
                            strays = false
                        }
                        // Scans and their leases in one step: workers of every node asking at once get different
                        // scans (see `Journal.claimQueued`).
                        taken = try await handler.journal.claimQueued(
                            under: spool, owners: owners, duration: handler.leaseDuration, now: Date())
                        warned = false
                    } catch {
                        // PostgreSQL restarting or out of reach: wait and look again.
                        if !warned {
                            logger.warning(
                                "cannot read the queue; trying again", metadata: ["error": "\(error.message)"])
                            warned = true
                        }
                        strays = true
                        taken = []
                    }
                    for scan in taken {
                        working.insert(scan.lease.owner)
                        group.addTask { .scan(owner: scan.lease.owner, settled: await handle(scan)) }
                    }
                    if working.count < concurrency && !ticking {
                        // Not enough work: look again after `poll`, or as soon as a slot frees.
                        ticking = true
                        group.addTask {
                            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
                            return .tick
                        }
                    }
                }
                switch await group.next() {
                case nil: return
                case .tick: ticking = false
                case .scan(let owner, let settled):
                    working.remove(owner)
                    if !settled { strays = true }
                }
            }
            // Shutting down: the scans in flight finish (or are handed back when the deadline cancels them).
        }
    }

    /// How a task of the worker's group ended: the poll's tick, or a slot's scan.
    private enum SlotEnd: Sendable {
        case tick
        /// `settled`: the scan ended here (settled or skipped); false when it was left (its file busy or missing,
        /// the journal failing), in which case its lease may still be held.
        case scan(owner: String, settled: Bool)
    }

    /// Handles one taken scan. A scan that could not be handled here (its file busy or missing) holds its slot for
    /// one `poll`, so that a slot never spins on it.
    private func handle(_ scan: QueuedScan) async -> Bool {
        let outcome = await handler.handle(
            path: scan.entry.path, originalPath: scan.entry.originalPath, rerunResumes: true, queued: true,
            lease: scan.lease)
        if outcome.busy || outcome.rowID == nil {
            try? await Task.sleep(for: poll)
            return false
        }
        logger.info(
            "queued scan handled", metadata: ["scan": "\(outcome.id.prefix(12))", "state": "\(outcome.state)"])
        return !outcome.handedBack
    }
}
