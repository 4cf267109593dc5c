import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime

/// `kamiflow journal list|show|retry|requeue`: the answer to "where is this scan?", and the way to send it again.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Look into the scan journal, and retry or requeue scans.",
        subcommands: [List.self, Show.self, Retry.self, Requeue.self])

    /// Finds the one scan `reference` names (a hash prefix of 4+ hex digits, or a path).
    static func resolve(_ reference: String, in journal: Journal) throws -> ScanEntry {
        let found = try journal.entries(matching: reference)
        guard let first = found.first else {
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

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List scans, newest first.")

        @OptionGroup var options: RuntimeOptions

        @Option(help: "Only scans in this state (\(ScanState.allCases.map(\.rawValue).joined(separator: ", "))).")
        var state: String?

        @Option(help: "At most this many.")
        var limit: Int = 100

        @Flag(help: "Print as JSON.")
        var json = false

        func validate() throws {
            if let state, ScanState(rawValue: state) == nil {
                throw ValidationError(
                    "unknown state '\(state)'; one of \(ScanState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let entries = try options.openJournal().list(state: state.flatMap(ScanState.init), limit: limit)
            if json {
                print(String(decoding: try JournalCommand.encoder().encode(entries.map(Summary.init)), as: UTF8.self))
                return
            }
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                let state = entry.state.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                print("\(entry.shortID)  \(state)  \(entry.attempts)  \(formatter.string(from: entry.updatedAt))  "
                    + entry.path)
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
        static let configuration = CommandConfiguration(abstract: "Everything the journal knows about one scan.")

        @OptionGroup var options: RuntimeOptions

        @Argument(help: "A hash prefix (4+ hex digits) or a path.")
        var id: String

        @Flag(help: "Print as JSON.")
        var json = false

        func run() async throws {
            let journal = try options.openJournal()
            let entry = try JournalCommand.resolve(id, in: journal)
            let deliveries = try journal.deliveries(of: entry.rowID)
            if json {
                struct Detail: Encodable {
                    var scan: ScanEntry
                    var deliveries: [DeliveryEntry]
                }
                print(String(decoding: try JournalCommand.encoder().encode(Detail(scan: entry, deliveries: deliveries)),
                    as: UTF8.self))
                return
            }
            print("scan        \(entry.hash)")
            print("state       \(entry.state) (since \(entry.stateSince), \(entry.attempts) attempt(s))")
            print("file        \(entry.path)")
            if entry.originalPath != entry.path { print("first seen  \(entry.originalPath)") }
            if let workflow = entry.workflow { print("workflow    \(workflow)") }
            if let pages = entry.pages { print("pages       \(pages)") }
            if let original = entry.duplicateOf, let of = try journal.entry(rowID: original) {
                print("duplicate of \(of.shortID) \(of.path)")
            }
            if let error = entry.error { print("error       \(error)") }
            if !entry.timings.isEmpty {
                print("timings     " + entry.timings.keys.sorted().map {
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
            let journal = try options.openJournal()
            let entry = try JournalCommand.resolve(id, in: journal)
            try journal.retry(entry.rowID)
            report(entry, moved: try returnToInbox(entry, journal: journal))
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
            let journal = try options.openJournal()
            let entry = try JournalCommand.resolve(id, in: journal)
            try journal.requeue(entry.rowID)
            report(entry, moved: try returnToInbox(entry, journal: journal))
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
