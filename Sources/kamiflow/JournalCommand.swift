import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime

/// `kamiflow journal list|show|retry|requeue`: the answer to "where is this scan?", and the way to send it again.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Look into the scan journal, and retry or requeue scans.",
        subcommands: [List.self, Show.self, Retry.self, Requeue.self, Migrate.self])

    /// Finds the one scan `reference` names (a hash prefix of 4+ hex digits, or a path).
    static func resolve(_ reference: String, in journal: any Journal) async throws -> ScanEntry {
        let found = try await journal.entries(matching: reference)
        guard let first = found.first else {
            if let refused = try await journal.inputs(matching: reference).first(where: { $0.outcome == .refused }) {
                throw KamiflowError(
                    .invalidArgument,
                    "this file never became a scan: it was refused (\(refused.reason ?? "no reason recorded"))",
                    subject: reference)
            }
            throw KamiflowError(.invalidArgument, "no scan in the journal matches", subject: reference)
        }
        let originals = Set(found.filter { $0.state != .duplicate }.map(\.hash))
        guard originals.count <= 1 else {
            throw KamiflowError(
                .invalidArgument,
                "ambiguous: \(found.map(\.shortID).joined(separator: ", ")); give more of the hash",
                subject: reference)
        }
        return first
    }

    /// Whether a reference reads as a hash prefix (4+ hex digits) rather than a path.
    static func isHashPrefix(_ reference: String) -> Bool {
        reference.count >= 4 && reference.lowercased().allSatisfy(\.isHexDigit)
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List scans (or, with --inputs, every input path), newest first.",
            discussion: """
                When more rows match than --limit, the first rows are listed and a line on standard error says \
                how many there are.
                """)

        @OptionGroup var options: RuntimeOptions

        @Option(
            help: """
                Only scans in this state (\(ScanState.allCases.map(\.rawValue).joined(separator: ", "))); with \
                --inputs also 'refused'.
                """)
        var state: String?

        @Option(help: "At most this many.")
        var limit: Int = 100

        @Flag(help: "List input paths instead of scans: every file a run or a drop folder met, refused ones too.")
        var inputs = false

        @Flag(help: "Print as JSON.")
        var json = false

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
            if let state, ScanState(rawValue: state) == nil, !(inputs && state == "refused") {
                throw ValidationError(
                    "unknown state '\(state)'; one of \(ScanState.allCases.map(\.rawValue).joined(separator: ", "))"
                        + (inputs ? ", refused" : ""))
            }
        }

        func run() async throws {
            let journal = try await options.openJournal()
            let formatter = ISO8601DateFormatter()
            let shown: Int
            let total: Int
            if inputs {
                let outcome = state.flatMap(InputOutcome.init(rawValue:))
                let entries = try await journal.listInputs(outcome: outcome, limit: limit)
                (shown, total) = (entries.count, try await journal.countInputs(outcome: outcome))
                if json {
                    print(String(decoding: try JournalCommand.encoder().encode(entries), as: UTF8.self))
                } else {
                    for entry in entries {
                        let outcome = entry.outcome.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                        let id = entry.shortID ?? "-".padding(toLength: 12, withPad: " ", startingAt: 0)
                        var line = "\(id)  \(outcome)  \(formatter.string(from: entry.lastSeen))  \(entry.path)"
                        if entry.outcome == .refused, let reason = entry.reason { line += " — \(reason)" }
                        print(line)
                    }
                }
            } else {
                let scanState = state.flatMap(ScanState.init)
                let entries = try await journal.list(state: scanState, limit: limit)
                (shown, total) = (entries.count, try await journal.count(state: scanState))
                if json {
                    print(
                        String(decoding: try JournalCommand.encoder().encode(entries.map(Summary.init)), as: UTF8.self))
                } else {
                    for entry in entries {
                        let state = entry.state.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                        let updated = formatter.string(from: entry.updatedAt)
                        print("\(entry.shortID)  \(state)  \(entry.attempts)  \(updated)  " + entry.path)
                    }
                }
            }
            // On standard error, so that scripts reading the rows (`| awk '{print $1}'`) are not disturbed.
            if total > shown {
                FileHandle.standardError.write(
                    Data(
                        "showing \(shown) of \(total) \(inputs ? "input paths" : "scans"); use --limit to see more\n"
                            .utf8))
            }
        }

        struct Summary: Encodable {
            var id: String
            var state: String
            var attempts: Int
            var updated: Date
            var path: String
            var error: String?
            init(_ e: ScanEntry) {
                id = e.shortID
                state = e.state.rawValue
                attempts = e.attempts
                updated = e.updatedAt
                path = e.path
                error = e.error
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything the journal knows about one scan, or about one input path.",
            discussion: """
                Named by a path, it answers for every file a run or a drop folder met: what became of that path \
                (refused, and why; or the scan its bytes are, with that scan's state), then the scan itself. Named \
                by a hash prefix, it shows the scan and every path its bytes were seen under.
                """)

        @OptionGroup var options: RuntimeOptions

        @Argument(help: "A hash prefix (4+ hex digits) or a path.")
        var id: String

        @Flag(help: "Print as JSON.")
        var json = false

        func run() async throws {
            let journal = try await options.openJournal()
            let scans = try await journal.entries(matching: id)
            // The rows of the path named; none when the reference is a scan's hash prefix.
            var named: [InputEntry] = []
            if !(JournalCommand.isHashPrefix(id) && !scans.isEmpty) { named = try await journal.inputs(matching: id) }
            guard !scans.isEmpty || !named.isEmpty else {
                throw KamiflowError(.invalidArgument, "no scan or input path in the journal matches", subject: id)
            }
            // A path refused before it had a hash has input rows only.
            let entry: ScanEntry? = if scans.isEmpty { nil } else { try await JournalCommand.resolve(id, in: journal) }
            var deliveries: [DeliveryEntry] = []
            var inputs: [InputEntry] = []
            if let entry {
                deliveries = try await journal.deliveries(of: entry.rowID)
                inputs = try await journal.inputs(ofScan: entry.duplicateOf ?? entry.rowID)
            }
            if json {
                struct Detail: Encodable {
                    /// The path named: each time it was seen with another result, newest first.
                    var input: [InputEntry]
                    var scan: ScanEntry?
                    var deliveries: [DeliveryEntry]
                    /// Every path the scan's bytes were seen under.
                    var inputs: [InputEntry]
                }
                let detail = Detail(input: named, scan: entry, deliveries: deliveries, inputs: inputs)
                print(String(decoding: try JournalCommand.encoder().encode(detail), as: UTF8.self))
                return
            }
            let formatter = ISO8601DateFormatter()
            for input in named {
                print("input       \(input.path)")
                if input.location != input.path { print("left at     \(input.location)") }
                var seen = "seen        \(formatter.string(from: input.lastSeen))"
                if input.sightings > 1 {
                    seen += " (\(input.sightings) times since \(formatter.string(from: input.firstSeen)))"
                }
                if let size = input.size { seen += ", \(size) bytes" }
                print(seen)
                var outcome = "outcome     \(input.outcome)"
                if let id = input.shortID { outcome += " (scan \(id))" }
                if let reason = input.reason { outcome += " — \(reason)" }
                print(outcome)
            }
            guard let entry else { return }
            if !named.isEmpty { print("") }
            print("scan        \(entry.hash)")
            print("state       \(entry.state) (since \(entry.stateSince), \(entry.attempts) attempt(s))")
            print("file        \(entry.path)")
            if entry.originalPath != entry.path { print("first seen  \(entry.originalPath)") }
            if let workflow = entry.workflow { print("workflow    \(workflow)") }
            if let pages = entry.pages { print("pages       \(pages)") }
            if let original = entry.duplicateOf, let of = try await journal.entry(rowID: original) {
                print("duplicate of \(of.shortID) \(of.path)")
            }
            if let error = entry.error { print("error       \(error)") }
            if !entry.timings.isEmpty {
                print(
                    "timings     "
                        + entry.timings.keys.sorted().map {
                            "\($0) \(String(format: "%.0f", entry.timings[$0]!)) ms"
                        }.joined(separator: ", "))
            }
            for delivery in deliveries {
                var line = "delivery    \(delivery.connection) \(delivery.idempotencyKey) \(delivery.status.rawValue)"
                if let receipt = delivery.receipt { line += " receipt \(receipt)" }
                if let detail = delivery.detail { line += " — \(detail)" }
                print(line)
            }
            if let records = entry.records { print("records     \(records)") }
            // Other names of the same bytes: many files may share one scan, each keeping its own name.
            if Set(inputs.map(\.path)).subtracting([entry.originalPath]).count > 0 {
                print("inputs      \(inputs.count) path(s) with these bytes:")
                for input in inputs {
                    let outcome = input.outcome.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                    print("  \(outcome)  \(input.path)")
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a failed, rejected or unclassified scan through again.",
            discussion: """
                The scan goes back to 'claimed'. A drop-folder file goes back into its inbox, where the watcher \
                takes it; for a batch, run the same 'kamiflow run' again. Deliveries already confirmed are not \
                repeated.
                """)

        @OptionGroup var options: RuntimeOptions

        @Argument(help: "A hash prefix (4+ hex digits) or a path.")
        var id: String

        func run() async throws {
            let journal = try await options.openJournal()
            let entry = try await JournalCommand.resolve(id, in: journal)
            try await journal.retry(entry.rowID)
            report(entry, moved: try await returnToInbox(entry, journal: journal))
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Process a scan again from the start, whatever its state (e.g. after fixing a workflow).",
            discussion: """
                Attempts are counted from zero. Deliveries already confirmed keep their idempotency keys, so the \
                core system does not receive a record twice.
                """)

        @OptionGroup var options: RuntimeOptions

        @Argument(help: "A hash prefix (4+ hex digits) or a path.")
        var id: String

        func run() async throws {
            let journal = try await options.openJournal()
            let entry = try await JournalCommand.resolve(id, in: journal)
            try await journal.requeue(entry.rowID)
            report(entry, moved: try await returnToInbox(entry, journal: journal))
        }
    }

    /// `journal migrate --from SQLITE --to postgres://…`: the step from one machine to several.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the embedded SQLite journal into a PostgreSQL journal that several machines share.",
            discussion: """
                Every scan, delivery, review decision, input path and job run is copied with its own id, in one \
                transaction: a copy cut off half-way leaves the target as it was. Run it again and it says the \
                copy is already there; a target holding anything else is refused unless --replace. Stop every \
                Kamiflow process using the SQLite journal first, and point them at the URL afterwards.
                """)

        @Option(help: "The SQLite journal to copy.")
        var from: String = JournalConfiguration.defaultPath

        @Option(
            help: """
                The PostgreSQL journal, postgres://USER@HOST:5432/DATABASE?sslmode=require (the password in \
                --password-env's variable or PGPASSWORD rather than in the URL).
                """)
        var to: String

        @Option(help: "The environment variable holding the PostgreSQL password.")
        var passwordEnv: String?

        @Flag(help: "Empty a target that holds another journal's rows, then copy.")
        var replace = false

        func validate() throws {
            guard PostgresJournalConfiguration.isURL(to) else {
                throw ValidationError(
                    "--to must be a postgres:// URL, not '\(PostgresJournalConfiguration.redact(to))'")
            }
        }

        func run() async throws {
            let target = try await PostgresJournal.open(
                try PostgresJournalConfiguration(url: to, passwordVariable: passwordEnv))
            let report: PostgresJournal.CopyReport
            do {
                report = try await target.copy(fromSQLite: from, replace: replace)
            } catch {
                await target.close()
                throw error
            }
            await target.close()
            if report.alreadyCopied {
                print("\(target.location) already holds this journal's scans; nothing copied")
            } else {
                print(
                    "copied \(report.scans) scans, \(report.deliveries) deliveries, \(report.reviewRecords) records "
                        + "for review, \(report.reviewDecisions) review decisions, \(report.inputs) input paths and "
                        + "\(report.jobs) job runs from \(from) to \(target.location)")
            }
        }
    }
}

private func report(_ entry: ScanEntry, moved: String?) {
    if let moved {
        print("\(entry.shortID) claimed again; moved back into the inbox: \(moved)")
    } else {
        print("\(entry.shortID) claimed again; run the batch that names \(entry.originalPath) to process it")
    }
}
