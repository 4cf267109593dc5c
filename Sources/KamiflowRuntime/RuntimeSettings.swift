import Foundation
public import KamiflowCore

#if canImport(Glibc)
import Glibc
#endif

/// The runtime's part of the deployment file (`kamiflow.yaml`): the journal, workers, drop folders and schedules.
/// Decoded by the executable's deployment loader (which owns reading files, checks every key against
/// ``settingNames`` and its nested lists, and locates each error); connections are another part of the file.
///
/// ```yaml
/// journal: /var/lib/kamiflow/journal.sqlite
/// workers: 2
/// watch:
///   detection: polling          # events (default) or polling (NFS/SMB shares)
///   settle: 3s                  # a file is taken once unchanged this long
///   poll: 2s
///   shutdown_deadline: 30s
///   inboxes:
///     - {path: /srv/scans/jidou-teate, workflow: Workflows/jidou-teate-nintei.yaml}
/// schedules:
///   - name: nightly-kokuho
///     cron: "0 2 * * mon-fri"
///     time_zone: Asia/Tokyo     # the default
///     skip_weekends: true
///     skip_holidays: true
///     run: {workflow: Workflows/kokuho-shikaku.yaml, inputs: [/srv/scans/kokuho/*.pdf]}
/// missed_run_grace: 1h
/// ```
public struct RuntimeSettings: Sendable, Decodable {
    public struct Watch: Sendable, Decodable {
        public struct Inbox: Sendable, Decodable {
            public var path: String
            public var workflow: String

            enum CodingKeys: String, CodingKey, CaseIterable { case path, workflow }
            /// The keys an inbox may have in the deployment file.
            package static let settingNames = CodingKeys.allCases.map(\.rawValue)
        }
        public var detection: DropFolderConfiguration.Detection?
        public var settle: SettingDuration?
        public var poll: SettingDuration?
        public var shutdownDeadline: SettingDuration?
        public var inboxes: [Inbox]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case detection, settle, poll, inboxes
            case shutdownDeadline = "shutdown_deadline"
        }
        /// The keys `watch:` may have in the deployment file.
        package static let settingNames = CodingKeys.allCases.map(\.rawValue)
    }

    /// Work submitted to the shared journal (`kamiflow run --submit`) and taken by every `serve` (`queue:`).
    public struct Queue: Sendable, Decodable {
        /// A folder every node reaches (NFS/SMB): submitted scans are copied here, named by their hash.
        public var spool: String
        /// The workflow the workers read submitted scans with.
        public var workflow: String
        /// How often an idle worker looks for queued scans (default 1s).
        public var poll: SettingDuration?

        enum CodingKeys: String, CodingKey, CaseIterable { case spool, workflow, poll }
        /// The keys `queue:` may have in the deployment file.
        package static let settingNames = CodingKeys.allCases.map(\.rawValue)
    }

    public struct Job: Sendable, Decodable {
        public struct Run: Sendable, Decodable {
            public var workflow: String
            public var inputs: [String]

            enum CodingKeys: String, CodingKey, CaseIterable { case workflow, inputs }
            /// The keys a job's `run:` may have in the deployment file.
            package static let settingNames = CodingKeys.allCases.map(\.rawValue)
        }
        public var name: String
        public var cron: String
        public var timeZone: String?
        public var skipWeekends: Bool?
        public var skipHolidays: Bool?
        public var run: Run

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, cron, run
            case timeZone = "time_zone"
            case skipWeekends = "skip_weekends"
            case skipHolidays = "skip_holidays"
        }
        /// The keys a job of `schedules:` may have in the deployment file.
        package static let settingNames = CodingKeys.allCases.map(\.rawValue)

        /// The job's schedule, checked: a bad cron field or an unknown time zone is an error naming the job.
        public func schedule() throws(KamiflowError) -> Schedule {
            let zone: TimeZone
            if let name = timeZone {
                guard let z = TimeZone(identifier: name) else {
                    throw KamiflowError(
                        .invalidDeployment, "unknown time zone '\(name)'", subject: "schedules.\(self.name)")
                }
                zone = z
            } else {
                zone = TimeZone(identifier: "Asia/Tokyo")!
            }
            let cron: CronExpression
            do {
                cron = try CronExpression(self.cron)
            } catch {
                throw KamiflowError(.invalidDeployment, error.message, subject: "schedules.\(name)")
            }
            return Schedule(
                cron: cron, timeZone: zone, skipWeekends: skipWeekends ?? false, skipHolidays: skipHolidays ?? false)
        }
    }

    /// The SQLite file, or a `postgres://` URL for a journal shared by several machines.
    public var journal: String?
    /// The environment variable holding the PostgreSQL journal's password, so that it stays out of the file.
    public var journalPasswordEnvironment: String?
    public var workers: Int?
    /// Mebibytes that the pages being read may hold at once (`--memory-budget`); `nil` for the default.
    public var memoryBudget: Int?
    public var watch: Watch?
    public var schedules: [Job]?
    public var missedRunGrace: SettingDuration?
    /// This machine's name among the nodes sharing the journal (`node:`); a process started again under the same
    /// name on the same host frees the leases of the one before at once.
    public var node: String?
    /// How often the node says it is alive in the journal (`heartbeat:`, default 10s); after three missed beats
    /// the other nodes take its scans.
    public var heartbeat: SettingDuration?
    /// Submitted work shared by the nodes (`queue:`).
    public var queue: Queue?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case journal, workers, watch, schedules, node, heartbeat, queue
        case journalPasswordEnvironment = "journal_password_env"
        case memoryBudget = "memory_budget"
        case missedRunGrace = "missed_run_grace"
    }
    /// The runtime's top-level keys of the deployment file (the loader checks every key against these lists).
    package static let settingNames = CodingKeys.allCases.map(\.rawValue)

    public init() {}
}

/// A duration as people write it in settings: `500ms`, `30s`, `5m`, `1h` (a bare number is seconds).
public struct SettingDuration: Sendable, Hashable, Decodable, CustomStringConvertible {
    public var duration: Duration
    public let description: String

    public init(parsing text: String) throws(KamiflowError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            if let n = Double(trimmed.dropLast(suffix.count)), n >= 0 {
                duration = .milliseconds(Int64(n * factor * 1000))
                description = text
                return
            }
        }
        if let n = Double(trimmed), n >= 0 {
            duration = .milliseconds(Int64(n * 1000))
            description = text
            return
        }
        throw KamiflowError(
            .invalidDeployment, "'\(text)' is not a duration (write e.g. 500ms, 30s, 5m, 1h)", subject: text)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else {
            text = String(try container.decode(Double.self))
        }
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }
}

/// Puts a settled scan's file back into its drop folder's inbox (for `journal retry` / `requeue`), where the
/// watcher takes it again as the same scan. Returns the new path, or `nil` when the file is not in a drop folder.
public func returnToInbox(_ entry: ScanEntry, journal: any Journal) async throws(KamiflowError) -> String? {
    guard let layout = DropFolderLayout.containing(entry.path), access(entry.path, F_OK) == 0 else { return nil }
    guard let moved = moveUnique(entry.path, into: layout.inbox) else {
        throw KamiflowError(.io, "cannot move the file back into the inbox", subject: entry.path)
    }
    try? FileManager.default.removeItem(atPath: entry.path + ".reason.json")
    try await journal.move(entry.rowID, to: moved)
    return moved
}
