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
        poll: Duration
    ) {
        var byName: [String: any Connector] = [:]
        for connector in connectors { byName[connector.name] = connector }
        handler = ScanHandler(
            journal: journal, processor: processor, planner: planner, connectors: byName, redactor: redactor,
            logger: logger, node: node)
        self.spool = URL(fileURLWithPath: spool).standardizedFileURL.path
        self.poll = poll
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    public func run() async throws {
        var warned = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let queued: [ScanEntry]
            do {
                // More candidates than workers, shuffled: nodes asking at once would otherwise all try the
                // oldest scan, and all but one would find it taken.
                queued = Array(
                    try await handler.journal.claimable(under: spool, limit: concurrency * 4, now: Date()).shuffled()
                        .prefix(concurrency))
                warned = false
            } catch {
                // PostgreSQL restarting or out of reach: wait and look again.
                if !warned {
                    logger.warning("cannot read the queue; trying again", metadata: ["error": "\(error.message)"])
                    warned = true
                }
                queued = []
            }
            if queued.isEmpty {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
                } catch {
                    return
                }
                continue
            }
            await withTaskGroup(of: ScanOutcome.self) { group in
                for entry in queued {
                    group.addTask {
                        await handler.handle(
                            path: entry.path, originalPath: entry.originalPath, rerunResumes: true, queued: true)
                    }
                }
                for await outcome in group where !outcome.busy {
                    logger.info(
                        "queued scan handled",
                        metadata: ["scan": "\(outcome.id.prefix(12))", "state": "\(outcome.state)"])
                }
            }
        }
    }
}
