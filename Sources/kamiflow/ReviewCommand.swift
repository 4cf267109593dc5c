import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowWorkflow
import Logging

/// `kamiflow review list|show|accept|reject`: the review station for counter staff. Records routed to a person
/// are kept whole in the journal; a person checks the flagged fields, corrects them and sends the record on (it is
/// checked again with the workflow's own rules and delivered the way `run` delivers), or rejects the form.
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Check the records that wait for a person, correct them and send them on, or reject them.",
        subcommands: [List.self, Show.self, Accept.self, Reject.self, ReviewServeCommand.self])

    /// Who decides: `--reviewer`, else the login name.
    static func reviewer(_ given: String?) -> String {
        if let given, !given.trimmingCharacters(in: .whitespaces).isEmpty { return given }
        let environment = ProcessInfo.processInfo.environment
        return environment["USER"] ?? environment["LOGNAME"] ?? "unknown"
    }

    /// A value as the terminal shows it: sensitive values masked unless the user asked to reveal them.
    static func shown(_ text: String?, sensitive: Bool, reveal: Bool, redactor: Redactor) -> String {
        guard let text, !text.isEmpty else { return "" }
        if sensitive && !reveal { return Redactor.mask }
        return reveal ? text : redactor.redact(text)
    }

    static func describe(_ issue: Issue, redactor: Redactor) -> String {
        "\(issue.code) (\(issue.severity.rawValue)): \(redactor.redact(issue.message))"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scans waiting for a person, with the flagged fields and why (sensitive values masked).")

        @OptionGroup var options: RuntimeOptions

        @Option(help: "At most this many scans.")
        var limit: Int = 100

        func run() async throws {
            let journal = try await options.openJournal()
            var entries = try await journal.list(state: .inReview, limit: limit)
            // Records accepted once whose delivery failed or was refused may be accepted again.
            for state in [ScanState.failed, .rejected] {
                for candidate in try await journal.list(state: state, limit: limit) {
                    let records = try await journal.reviewRecords(of: candidate.rowID)
                    if records.contains(where: { $0.status == .failed || $0.status == .rejected }) {
                        entries.append(candidate)
                    }
                }
            }
            let redactor = Redactor()
            if entries.isEmpty { print("nothing waits for review") }
            for entry in entries.prefix(limit) {
                let records = try await journal.reviewRecords(of: entry.rowID).filter(\.status.isOpen)
                if records.isEmpty {
                    print("\(entry.shortID)  \(entry.state)  \(entry.workflow ?? "-")  \(entry.path)")
                    print("    (records not kept: read before the review station existed; requeue it)")
                    continue
                }
                for item in records {
                    print(
                        "\(entry.shortID)  \(entry.state)  \(entry.workflow ?? "-")  record \(item.index)"
                            + (item.status == .waiting ? "" : " (\(item.status.rawValue): accept again)")
                            + "  \(entry.path)")
                    guard let record = item.record else { continue }
                    redactor.register([record], scope: entry.hash)
                    for field in record.fields where !field.issues.isEmpty {
                        let value = ReviewCommand.shown(
                            field.value.textValue, sensitive: field.sensitive, reveal: false, redactor: redactor)
                        print("    \(field.path)  \(value.isEmpty ? "(blank)" : value)")
                        for issue in field.issues {
                            print("        " + ReviewCommand.describe(issue, redactor: redactor))
                        }
                    }
                    for issue in record.issues {
                        print("    record: " + ReviewCommand.describe(issue, redactor: redactor))
                    }
                    redactor.release(entry.hash)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every field of a record waiting for review: raw, value, confidence, issues.",
            discussion: """
                Sensitive fields (マイナンバー, account numbers) are masked unless --reveal is given. With --crops DIR, \
                the flagged fields are cut out of the page image (the scan must still be where the journal saw it, \
                with the same bytes) and written there as PNG; crops of sensitive fields only with --reveal.
                """)

        @OptionGroup var options: RuntimeOptions

        @OptionGroup var target: ReviewTarget

        @Flag(help: "Show sensitive values in clear.")
        var reveal = false

        @Option(help: "Write a PNG crop of every flagged field into this folder.")
        var crops: String?

        func run() async throws {
            let journal = try await options.openJournal()
            let entry = try await JournalCommand.resolve(target.id, in: journal)
            let redactor = Redactor()
            let item = try await journal.reviewRecord(of: entry, index: target.record)
            print("scan        \(entry.hash)")
            print("state       \(entry.state)")
            print("file        \(entry.path)")
            if let workflow = entry.workflow { print("workflow    \(workflow)") }
            print("record      \(item.index) (\(item.status.rawValue))")
            if let error = entry.error { print("error       \(error)") }
            if let fields = item.record {
                redactor.register([fields], scope: entry.hash)
                let rows = fields.fields.map { field -> [String] in
                    [
                        (field.issues.isEmpty ? "  " : "! ") + field.path,
                        ReviewCommand.shown(
                            field.value.textValue, sensitive: field.sensitive, reveal: reveal,
                            redactor: redactor),
                        ReviewCommand.shown(field.raw, sensitive: field.sensitive, reveal: reveal, redactor: redactor),
                        field.confidence.map { String(Int($0.rounded())) } ?? "",
                    ]
                }
                let widths = (0..<4).map { column in
                    min(40, rows.map { $0[column].count }.max() ?? 0)
                }
                func pad(_ text: String, _ width: Int) -> String {
                    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
                }
                print(
                    ["  field", "value", "raw", "conf"].enumerated().map { pad($1, widths[$0]) }
                        .joined(separator: "  "))
                for (field, row) in zip(fields.fields, rows) {
                    print(row.enumerated().map { pad($1, widths[$0]) }.joined(separator: "  "))
                    for issue in field.issues { print("      " + ReviewCommand.describe(issue, redactor: redactor)) }
                }
                for issue in fields.issues { print("record: " + ReviewCommand.describe(issue, redactor: redactor)) }
                if let crops { try await writeCrops(of: fields, entry: entry, to: crops) }
            } else {
                print("(the record's values are no longer kept: it was \(item.status.rawValue))")
            }
            for audit in try await journal.reviewAudit(of: entry.rowID) where audit.recordIndex == item.index {
                var line =
                    "reviewed    \(ISO8601DateFormatter().string(from: audit.at)) by \(audit.reviewer): "
                    + "\(audit.action.rawValue) → \(audit.outcome.rawValue)"
                if !audit.changes.isEmpty {
                    line +=
                        "; changed "
                        + audit.changes.map { "\($0.field) (\($0.before) → \($0.after))" }
                        .joined(separator: ", ")
                }
                if let detail = audit.detail { line += " — \(detail)" }
                print(line)
            }
        }

        func writeCrops(of record: FormRecord, entry: ScanEntry, to folder: String) async throws {
            guard FileManager.default.fileExists(atPath: entry.path),
                (try? scanHash(entry.path)) == entry.hash
            else {
                print("crops       not written: the scan is no longer at \(entry.path) with the same bytes")
                return
            }
            let flagged = record.fields.filter { !$0.issues.isEmpty && $0.source != nil }
            let wanted = flagged.filter { reveal || !$0.sensitive }
            let skipped = flagged.count - wanted.count
            try PrivateFiles.createFolder(atPath: folder)  // crops show a person's handwriting: owner-only
            let redactor = Redactor()
            let composition = Composition(
                settings: Composition.Settings(deployment: nil, workers: 1, languages: "eng"),
                environment: [:], logger: options.logger("kamiflow.review", redactor: redactor))
            let images = try await composition.pageCrops(
                of: entry.path, regions: wanted.map { ($0.source!.page, $0.source!.zone) })
            await composition.shutdown()
            for (field, png) in zip(wanted, images) {
                guard let png else { continue }
                let name = "\(entry.shortID)-\(record.index)-\(field.path).png"
                let path = (folder as NSString).appendingPathComponent(name)
                try PrivateFiles.write(Data(png), toPath: path)
                print("crop        \(path)")
            }
            if skipped > 0 { print("crops       \(skipped) sensitive field(s) not cut out (add --reveal)") }
        }

        func scanHash(_ path: String) throws -> String {
            KamiflowCore.SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a record's fields and send it on: checked again, then delivered as 'run' delivers.",
            discussion: """
                Each --set FIELD=VALUE is interpreted as if it had been read from the form (dates as 令和7年4月1日 \
                or 2025-04-01, choices by the printed option, checkboxes true/false), then the workflow's \
                validators and rules run again on the whole record. If errors remain they are printed and nothing \
                is delivered (exit 1). Otherwise the record is delivered with the same idempotency key a run would \
                use (scan id + workflow + record index), so accepting twice never delivers twice. Who reviewed and \
                what changed is journaled (sensitive values masked).

                Exit status: 0 delivered (or already delivered), 1 errors remain or a core system refused the \
                record, 2 delivery failed (accept again later), 64 bad usage, 74 journal.
                """)

        @OptionGroup var options: RuntimeOptions

        @OptionGroup var target: ReviewTarget

        @Option(
            name: .customLong("set"),
            help: ArgumentHelp(
                "A corrected field: FIELD=VALUE (repeatable).",
                valueName: "field=value"))
        var corrections: [String] = []

        @Option(help: "Who reviewed (default: the login name).")
        var reviewer: String?

        @Option(help: "The workflow file (default: the one with the scan's workflow id in ./Workflows/).")
        var workflow: [String] = []

        @Option(
            help: """
                The deployment file with the connections (default: kamiflow.yaml if there is one, else the embedded \
                SQLite core system in .kamiflow/).
                """)
        var deployment: String?

        func validate() throws {
            for item in corrections where !item.contains("=") || item.hasPrefix("=") {
                throw ValidationError("--set takes FIELD=VALUE, e.g. --set claimant.name=山田太郎")
            }
        }

        func run() async throws {
            var changes: [String: String] = [:]
            for item in corrections {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                changes[String(parts[0]).trimmingCharacters(in: .whitespaces)] = parts.count > 1 ? String(parts[1]) : ""
            }
            let redactor = Redactor()
            let logger = options.logger("kamiflow.review", redactor: redactor)
            let journal: any Journal
            do {
                journal = try await options.openJournal()
            } catch {
                FileHandle.standardError.write(Data("kamiflow review accept: \(error)\n".utf8))
                throw ExitCode(74)
            }
            let entry: ScanEntry
            let station: ReviewStation
            let composition: Composition
            do {
                entry = try await JournalCommand.resolve(target.id, in: journal)
                guard let id = entry.workflow else {
                    throw KamiflowError(
                        .invalidArgument, "the journal does not say which workflow read this scan",
                        subject: entry.shortID)
                }
                let file = try ReviewCommand.workflowFile(id: id, given: workflow)
                let deploymentFile =
                    deployment
                    ?? (FileManager.default.fileExists(atPath: "kamiflow.yaml") ? "kamiflow.yaml" : nil)
                composition = Composition(
                    settings: Composition.Settings(deployment: deploymentFile, workers: 1),
                    environment: ProcessInfo.processInfo.environment, logger: logger)
                let wiring = try await composition.reviewWiring(workflowFiles: [file])
                // Corrections are checked against the same masters as the scan was.
                let masters = try MastersCommand.open(for: wiring.workflows)
                let interpreters = Dictionary(
                    wiring.workflows.map { ($0.id, RecordInterpreter(workflow: $0, today: .today, masters: masters)) },
                    uniquingKeysWith: { first, _ in first })
                station = ReviewStation(
                    journal: journal, planner: wiring.planner, connectors: wiring.connectors,
                    reinterpret: { record, corrections in
                        guard let interpreter = interpreters[record.workflow] else {
                            throw KamiflowError(.invalidArgument, "no workflow file for \(record.workflow)")
                        }
                        return try interpreter.review(record, corrections: corrections)
                    }, redactor: redactor, logger: logger)
            } catch {
                FileHandle.standardError.write(Data("kamiflow review accept: \(redactor.redact("\(error)"))\n".utf8))
                throw ExitCode(64)
            }
            let outcome: ReviewStation.Outcome
            do {
                outcome = try await station.accept(
                    entry, index: target.record, corrections: changes, reviewer: ReviewCommand.reviewer(reviewer))
            } catch {
                await composition.shutdown()
                FileHandle.standardError.write(Data("kamiflow review accept: \(redactor.redact("\(error)"))\n".utf8))
                throw ExitCode(error.code == .journal ? 74 : 64)
            }
            await composition.shutdown()
            switch outcome {
            case .refused(let issues):
                print("\(entry.shortID): not accepted, errors remain (nothing was delivered):")
                for issue in issues {
                    print(
                        "  \(issue.fields.joined(separator: ", ")): "
                            + ReviewCommand.describe(issue, redactor: redactor))
                }
                throw ExitCode(1)
            case .alreadySettled(let status):
                print("\(entry.shortID): nothing to do, the record was already \(status.rawValue)")
                throw ExitCode(status == .delivered ? 0 : 1)
            case .settled(let status, let state, let detail):
                print(
                    "\(entry.shortID): record \(status.rawValue); the scan is \(state)"
                        + (detail.map { " — \($0)" } ?? ""))
                throw ExitCode(status == .delivered ? 0 : status == .failed ? 2 : 1)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a form that cannot be processed: nothing is delivered, the scan becomes 'rejected'.")

        @OptionGroup var options: RuntimeOptions

        @OptionGroup var target: ReviewTarget

        @Option(help: "Why (kept in the journal's audit trail).")
        var reason: String

        @Option(help: "Who reviewed (default: the login name).")
        var reviewer: String?

        func run() async throws {
            let journal = try await options.openJournal()
            let entry = try await JournalCommand.resolve(target.id, in: journal)
            let redactor = Redactor()
            let station = ReviewStation(
                journal: journal, planner: { _ in [] }, connectors: [], reinterpret: { record, _ in record },
                redactor: redactor, logger: options.logger("kamiflow.review", redactor: redactor))
            let outcome = try await station.reject(
                entry, index: target.record, reason: reason, reviewer: ReviewCommand.reviewer(reviewer))
            switch outcome {
            case .alreadySettled(let status):
                print("\(entry.shortID): nothing to do, the record was already \(status.rawValue)")
            case .settled(_, let state, _):
                print("\(entry.shortID): rejected; the scan is \(state)")
            case .refused:
                break
            }
        }
    }

    /// `given`, else every workflow file in `./Workflows/`: where the review commands look for workflows.
    static func workflowFiles(given: [String]) -> [String] {
        guard given.isEmpty else { return given }
        let folder = "Workflows"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { folder + "/" + $0 }
    }

    /// The workflow file for `id`: one of `given`, else the one in `./Workflows/` whose `workflow:` is `id`.
    static func workflowFile(id: String, given: [String]) throws -> String {
        let candidates = workflowFiles(given: given)
        for file in candidates {
            if let workflow = try? Workflow.load(file: file), workflow.id == id { return file }
        }
        throw KamiflowError(
            .invalidArgument,
            "no workflow file with 'workflow: \(id)'" + (given.isEmpty ? " in ./Workflows/" : "")
                + "; name it with --workflow FILE")
    }
}

/// Which record a review subcommand acts on: the scan, and the form within it.
struct ReviewTarget: ParsableArguments {
    @Argument(help: "The scan: a hash prefix (4+ hex digits) or a path.")
    var id: String

    @Option(help: "The record within the scan (when a file holds several forms).")
    var record: Int?
}
