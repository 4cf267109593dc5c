public import Foundation
public import KamiflowCore
package import Logging
public import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// This process as a node of the journal: its identity, what it has done, and the heartbeat that tells the other
/// nodes it is alive (see `NodeIdentity`).
///
/// Every scan handler of the process names its leases after the node, so that a lease says which process holds it,
/// and a lease whose process has gone is free at once instead of when it runs out: a batch re-run after a crash
/// takes its scans back immediately, and other machines take a dead machine's scans after a few missed beats.
public final class LocalNode: Sendable {
    public let identity: NodeIdentity
    private struct Counters {
        var done = 0
        var holding = 0
    }
    private let counters = Mutex(Counters())

    public init(identity: NodeIdentity) {
        self.identity = identity
    }

    /// This process: the host name, the process id, now; `name` from the deployment's `node:` key.
    public static func thisProcess(name: String? = nil, heartbeatInterval: TimeInterval = 10) -> LocalNode {
        LocalNode(
            identity: NodeIdentity(
                name: name, host: hostName, pid: getpid(), started: Date(), heartbeatInterval: heartbeatInterval))
    }

    /// The node of handlers made without one (tests, tools): never registered, so its leases run out by time only.
    public static let process = LocalNode.thisProcess()

    /// `gethostname`, without Foundation's name resolution.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Scans this node settled since it started.
    public var scansDone: Int { counters.withLock { $0.done } }

    /// Scans this node holds a lease on right now.
    public var holding: Int { counters.withLock { $0.holding } }

    func took() { counters.withLock { $0.holding += 1 } }
    func released() { counters.withLock { $0.holding -= 1 } }
    func settledOne() { counters.withLock { $0.done += 1 } }

    /// Whether a process with this id runs on this machine (`kill(pid, 0)`: only "no such process" says gone).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    /// Registers the node, marks stopped the nodes of this host whose process is gone (a crashed run: their leases
    /// are free at once), beats while `body` runs, and marks the node stopped when it returns. A journal that does
    /// not answer is logged and tried again at the next beat: the work goes on, and the journal's own errors
    /// surface where scans are handled.
    package func whileRegistered<T: Sendable>(
        in journal: any Journal, logger: Logger, _ body: () async -> T
    ) async -> T {
        // Registered, and the gone neighbours' leases freed, before the first scan is claimed.
        let registered = await register(in: journal, logger: logger)
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.beat(journal, registered: registered, logger: logger) }
            let value = await body()
            group.cancelAll()
            await group.waitForAll()
            do {
                // The last count first, so that `kamiflow status` says what the finished node did.
                try await journal.heartbeat(identity.id, scansDone: scansDone, holding: 0, now: Date())
                try await journal.retireNode(identity.id, now: Date())
            } catch {
                logger.warning(
                    "cannot mark this node stopped in the journal", metadata: ["error": "\(error)"])
            }
            return value
        }
    }

    /// Registers the node and frees what gone nodes of this host held; false when the journal did not answer.
    private func register(in journal: any Journal, logger: Logger) async -> Bool {
        do {
            try await journal.registerNode(identity, now: Date())
            try await retireGoneNeighbours(journal, logger: logger)
            return true
        } catch {
            logger.warning(
                "cannot register this node in the journal; trying again at the next heartbeat",
                metadata: ["error": "\(error)"])
            return false
        }
    }

    private func beat(_ journal: any Journal, registered: Bool, logger: Logger) async {
        var registered = registered
        var warned = false
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(identity.heartbeatInterval * 1000)))
            if Task.isCancelled { break }
            if !registered {
                registered = await register(in: journal, logger: logger)
                continue
            }
            do {
                try await journal.heartbeat(identity.id, scansDone: scansDone, holding: holding, now: Date())
                warned = false
            } catch {
                if !warned {
                    logger.warning(
                        "cannot record this node's heartbeat in the journal; trying again",
                        metadata: ["error": "\(error)"])
                    warned = true
                }
            }
        }
    }

    /// Nodes of this host whose process no longer exists: they crashed, and what they held is free.
    private func retireGoneNeighbours(_ journal: any Journal, logger: Logger) async throws(KamiflowError) {
        let now = Date()
        for node in try await journal.nodes(now: now)
        where node.host == identity.host && node.id != identity.id && node.stopped == nil
            && !Self.processExists(node.pid)
        {
            try await journal.retireNode(node.id, now: now)
            logger.notice(
                "a node of this host is gone; its scans are free",
                metadata: ["node": "\(node.id)", "leases": "\(node.leases)"])
        }
    }
}

/// `kamiflow serve`'s node registration as a service: beats until the group shuts down.
public struct NodeHeartbeat: Service {
    let node: LocalNode
    let journal: any Journal
    let logger: Logger

    package init(node: LocalNode, journal: any Journal, logger: Logger) {
        self.node = node
        self.journal = journal
        self.logger = logger
    }

    public func run() async throws {
        await node.whileRegistered(in: journal, logger: logger) {
            try? await gracefulShutdown()
        }
    }
}
