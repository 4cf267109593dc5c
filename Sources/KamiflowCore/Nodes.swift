public import Foundation

/// One Kamiflow process among those sharing a journal: a `run`, a `serve`, a review station.
///
/// A node's id is unique per process start, so that a lease names the process that took it: a lease owner is the
/// node id, `#`, and a suffix per handling (see ``ownerPrefix``). The journal keeps a row per node with a heartbeat;
/// a lease whose node has stopped (or stopped beating) is free at once, without waiting for the lease to run out.
public struct NodeIdentity: Sendable, Hashable, Codable {
    /// Unique per process start: `[name@]host/pid/start` (start in milliseconds since 1970).
    public var id: String
    /// The deployment's `node:` name, when it gives one. A process starting under the same name on the same host
    /// replaces the earlier one: that one has restarted, and its leases are free.
    public var name: String?
    public var host: String
    public var pid: Int32
    public var started: Date
    /// How often the node says it is alive. Three beats missed: the node is taken for stopped.
    public var heartbeatInterval: TimeInterval

    public init(
        name: String?, host: String, pid: Int32, started: Date, heartbeatInterval: TimeInterval
    ) {
        self.name = name
        self.host = host
        self.pid = pid
        self.started = started
        self.heartbeatInterval = heartbeatInterval
        id =
            (name.map { "\($0)@" } ?? "") + "\(host)/\(pid)/\(Int64((started.timeIntervalSince1970 * 1000).rounded()))"
    }

    /// What every lease owner of this node starts with.
    public var ownerPrefix: String { id + "#" }

    /// The node a lease owner names (the part before `#`), or nil for an owner that names none.
    public static func nodeID(ofOwner owner: String) -> String? {
        guard let hash = owner.firstIndex(of: "#") else { return nil }
        return String(owner[..<hash])
    }

    /// Whether `text` may be a deployment's `node:` name: letters, digits, `.`, `_` and `-`, 1 to 63 of them
    /// (it becomes part of every lease owner, which `@`, `#` and `/` delimit).
    public static func isValidName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63
            && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "._-".unicodeScalars
                        .contains($0)
            }
    }

    /// How many heartbeats a node may miss before its leases are free.
    public static let missedBeats: Double = 3
}

/// A node as the journal knows it, for `kamiflow status` and `/metrics`.
public struct NodeEntry: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var host: String
    public var pid: Int32
    public var started: Date
    public var lastSeen: Date
    public var heartbeatInterval: TimeInterval
    /// When it stopped (it said so at exit, or another node found it dead); nil while it runs.
    public var stopped: Date?
    /// Scans it settled since it started.
    public var scansDone: Int
    /// Scans it holds now: unexpired leases (a shared journal), or scans in hand (it says so in its heartbeat).
    public var leases: Int
    /// Review records its review station holds for a reviewer now (unexpired record leases naming this node).
    public var reviewLeases: Int

    public init(
        id: String, name: String?, host: String, pid: Int32, started: Date, lastSeen: Date,
        heartbeatInterval: TimeInterval, stopped: Date?, scansDone: Int, leases: Int, reviewLeases: Int = 0
    ) {
        self.reviewLeases = reviewLeases
        self.id = id
        self.name = name
        self.host = host
        self.pid = pid
        self.started = started
        self.lastSeen = lastSeen
        self.heartbeatInterval = heartbeatInterval
        self.stopped = stopped
        self.scansDone = scansDone
        self.leases = leases
    }

    /// Whether the node counts as running at `now`: not stopped, and it has beaten within the allowed misses.
    public func isAlive(at now: Date) -> Bool {
        stopped == nil && now.timeIntervalSince(lastSeen) <= heartbeatInterval * NodeIdentity.missedBeats
    }

    /// Scans settled per minute between its start and when it was last seen.
    public var scansPerMinute: Double {
        let seconds = lastSeen.timeIntervalSince(started)
        return seconds > 0 ? Double(scansDone) * 60 / seconds : 0
    }
}

extension Journal {
    public func nodes() async throws(KamiflowError) -> [NodeEntry] { try await nodes(now: Date()) }
}
