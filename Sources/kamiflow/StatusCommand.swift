import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime

/// `kamiflow status`: where every scan is, and what is stuck.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Count the journal's scans per state and list the ones stuck mid-way.",
        discussion: """
            A scan is stuck when it has stayed in an in-between state (claimed, reading, read, delivering) for \
            longer than --stuck-after: a run that crashed, a connector that hangs. Running the same batch again, or \
            restarting the watcher, resumes it. Exit status 0; 3 with --fail-if-stuck when something is stuck.
            """)

    @OptionGroup var options: RuntimeOptions

    @Option(help: "How long a scan may stay in an in-between state before it counts as stuck (e.g. 15m, 2h).")
    var stuckAfter: String = "15m"

    @Flag(help: "Exit with status 3 when something is stuck (for monitoring).")
    var failIfStuck = false

    @Flag(help: "Print as JSON.")
    var json = false

    func run() async throws {
        let threshold = try SettingDuration(parsing: stuckAfter).duration
        let journal = try await options.openJournal()
        let counts = try await journal.counts()
        let seconds = Double(threshold.components.seconds)
        let stuck = try await journal.stuck(olderThan: seconds)
        // Files that never became scans (empty, unreadable, not scan files): no state above counts them.
        let refused = try await journal.countInputs(outcome: .refused)
        let now = Date()
        let nodes = try await journal.nodes(now: now)
        if json {
            struct Report: Encodable {
                var journal: String
                var counts: [String: Int]
                var refusedInputs: Int
                var stuck: [Stuck]
                var nodes: [Node]
            }
            struct Node: Encodable {
                var id: String
                var name: String?
                var host: String
                var pid: Int32
                var state: String
                var leases: Int
                var reviewLeases: Int
                var scansDone: Int
                var scansPerMinute: Double
                var started: Date
                var lastSeen: Date
                var lastSeenSecondsAgo: Int
            }
            struct Stuck: Encodable {
                var id: String
                var state: String
                var seconds: Int
                var path: String
                var attempts: Int
            }
            let report = Report(
                journal: journal.location,
                counts: Dictionary(uniqueKeysWithValues: ScanState.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
                refusedInputs: refused,
                stuck: stuck.map {
                    Stuck(
                        id: $0.shortID, state: $0.state.rawValue, seconds: Int(now.timeIntervalSince($0.stateSince)),
                        path: $0.path, attempts: $0.attempts)
                },
                nodes: nodes.map {
                    Node(
                        id: $0.id, name: $0.name, host: $0.host, pid: $0.pid, state: Self.nodeState($0, now: now),
                        leases: $0.leases, reviewLeases: $0.reviewLeases, scansDone: $0.scansDone,
                        scansPerMinute: ($0.scansPerMinute * 100).rounded() / 100, started: $0.started,
                        lastSeen: $0.lastSeen, lastSeenSecondsAgo: Int(now.timeIntervalSince($0.lastSeen)))
                })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("journal \(journal.location)")
            let total = counts.values.reduce(0, +)
            for state in ScanState.allCases {
                let n = counts[state] ?? 0
                let name = state.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                print("  \(name) \(String(format: "%7d", n))")
            }
            print("  \("total".padding(toLength: 13, withPad: " ", startingAt: 0)) \(String(format: "%7d", total))")
            if refused > 0 {
                print(
                    "input paths refused before they became scans: \(refused)"
                        + " (kamiflow journal list --inputs --state refused)")
            }
            if stuck.isEmpty {
                print("nothing stuck (longer than \(stuckAfter))")
            } else {
                print("stuck (longer than \(stuckAfter)):")
                for entry in stuck {
                    let state = entry.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                    print(
                        "  \(entry.shortID)  \(state)"
                            + "  for \(Self.age(now.timeIntervalSince(entry.stateSince)))  \(entry.path)")
                }
            }
            printNodes(nodes, now: now)
        }
        if failIfStuck && !stuck.isEmpty { throw ExitCode(3) }
    }

    /// Running (beating), silent (missed its beats: crashed or cut off; its leases are free) or stopped.
    static func nodeState(_ node: NodeEntry, now: Date) -> String {
        node.stopped != nil ? "stopped" : node.isAlive(at: now) ? "running" : "silent"
    }

    /// The nodes that used the journal: every one still running or silent, and the last few stopped.
    private func printNodes(_ nodes: [NodeEntry], now: Date) {
        let shown = nodes.filter { $0.stopped == nil } + nodes.filter { $0.stopped != nil }.prefix(5)
        guard !shown.isEmpty else { return }
        let running = nodes.filter { $0.isAlive(at: now) }.count
        print("nodes (\(running) running):")
        let width = max(4, shown.map(\.id.count).max() ?? 4)
        print(
            "  " + "NODE".padding(toLength: width, withPad: " ", startingAt: 0)
                + "  STATE    LEASES  REVIEW  SCANS  PER MIN  LAST SEEN")
        for node in shown {
            print(
                "  " + node.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + Self.nodeState(node, now: now).padding(toLength: 7, withPad: " ", startingAt: 0)
                    + String(
                        format: "  %6d  %6d  %5d  %7.1f", node.leases, node.reviewLeases, node.scansDone,
                        node.scansPerMinute)
                    + "  \(Self.age(now.timeIntervalSince(node.lastSeen))) ago")
        }
    }

    static func age(_ seconds: TimeInterval) -> String {
        let s = Int(seconds)
        if s >= 86_400 { return "\(s / 86_400)d \((s % 86_400) / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h \((s % 3600) / 60)m" }
        if s >= 60 { return "\(s / 60)m \(s % 60)s" }
        return "\(s)s"
    }
}
