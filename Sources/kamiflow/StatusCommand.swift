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
        if json {
            struct Report: Encodable {
                var journal: String
                var counts: [String: Int]
                var refusedInputs: Int
                var stuck: [Stuck]
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
                })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
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
        }
        if failIfStuck && !stuck.isEmpty { throw ExitCode(3) }
    }

    static func age(_ seconds: TimeInterval) -> String {
        let s = Int(seconds)
        if s >= 86_400 { return "\(s / 86_400)d \((s % 86_400) / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h \((s % 3600) / 60)m" }
        if s >= 60 { return "\(s / 60)m \(s % 60)s" }
        return "\(s)s"
    }
}
