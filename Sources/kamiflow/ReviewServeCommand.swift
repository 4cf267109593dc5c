import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowServer
import KamiflowWorkflow
import Logging

/// `kamiflow review serve`: the review station in the browser, on the journal and connectors the runner uses.
struct ReviewServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the review station in the browser (log in with an account from 'kamiflow users add').",
        discussion: """
            Listens on 127.0.0.1 unless --host says otherwise. Accounts, sessions and the audit trail of views and \
            reveals are kept in review-station.sqlite beside the journal (0600); record leases and blind double \
            entries are in the journal, shared by every station on it; accepts and rejects are journaled and \
            delivered exactly as 'kamiflow review accept|reject' does it. Pages are in \
            Japanese; --language en for English. When other machines reach it, give it a certificate and key \
            (--tls-certificate, --tls-key: it then speaks HTTPS only and its cookies are Secure), or serve it behind \
            a TLS-terminating proxy with --secure-cookies.
            """)

    @OptionGroup var options: RuntimeOptions
    @OptionGroup var station: ReviewStationOptions

    func run() async throws {
        try await exitingOnConfigurationErrors {
            let redactor = Redactor()
            let logger = options.logger("kamiflow.review-web", redactor: redactor, defaultLevel: .notice)
            let journal = try await options.openJournal()
            // A node of the journal like `run` and `serve`: `kamiflow status` and `/metrics` show the review
            // records it holds for its reviewers, and when it was last seen.
            let node = LocalNode.thisProcess()
            let made = try await station.make(
                journal: journal, journalPath: options.journal, logger: logger,
                redactor: redactor, node: node.identity.id)
            let host = station.host
            let served: Result<Void, any Error> = await node.whileRegistered(in: journal, logger: logger) {
                do {
                    try await made.web.runUntilSignalled { port in
                        FileHandle.standardOutput.write(
                            Data("review station: \(made.web.scheme)://\(host):\(port)/\n".utf8))
                    }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            await made.composition.shutdown()
            try served.get()
        }
    }
}

/// The review station's settings, shared by `review serve` and `serve --review-port`.
struct ReviewStationOptions: ParsableArguments {
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8090
    @Option(help: "The pages' language: ja or en.") var language = "ja"
    @Flag(help: "Mark cookies Secure (the station is reached over TLS, e.g. through a proxy).")
    var secureCookies = false
    @Option(help: "Serve HTTPS with this certificate (PEM, the chain in order); needs --tls-key.")
    var tlsCertificate: String?
    @Option(help: "The certificate's private key (PEM, not encrypted; keep it owner-only).")
    var tlsKey: String?
    @Option(name: .customLong("workflow"), help: "Workflow files (default: every one in ./Workflows/).")
    var workflows: [String] = []
    @Option(
        help: """
            The deployment file with the connections (default: kamiflow.yaml if there is one, else the embedded SQLite \
            core system in .kamiflow/).
            """)
    var deployment: String?

    func validate() throws {
        guard StationLanguage(rawValue: language) != nil else { throw ValidationError("--language is ja or en") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        _ = try Self.tls(certificate: tlsCertificate, key: tlsKey, flags: ("--tls-certificate", "--tls-key"))
    }

    /// The TLS files when both are given, `nil` when neither is; one without the other is a mistake.
    static func tls(
        certificate: String?, key: String?, flags: (certificate: String, key: String)
    ) throws(ValidationError) -> ReviewWebStation.TLSFiles? {
        switch (certificate, key) {
        case (nil, nil): return nil
        case (let certificate?, let key?): return ReviewWebStation.TLSFiles(certificate: certificate, key: key)
        case (nil, _?): throw ValidationError("\(flags.key) needs \(flags.certificate) (the certificate it belongs to)")
        case (_?, nil): throw ValidationError("\(flags.certificate) needs \(flags.key) (its private key)")
        }
    }

    func make(
        journal: any Journal, journalPath: String, logger: Logger, redactor: Redactor, node: String
    ) async throws
        -> (web: ReviewWebStation, composition: Composition)
    {
        try await Self.make(
            host: host, port: port, language: StationLanguage(rawValue: language) ?? .ja, secureCookies: secureCookies,
            tls: try Self.tls(certificate: tlsCertificate, key: tlsKey, flags: ("--tls-certificate", "--tls-key")),
            workflows: workflows, deployment: deployment, journal: journal, journalPath: journalPath, logger: logger,
            redactor: redactor, node: node)
    }

    /// The station wired to the journal, the workflows' interpreters, the connectors and the page images: the
    /// runtime's `ReviewStation` decides and delivers, the web side only shows and asks.
    static func make(
        host: String, port: Int, language: StationLanguage, secureCookies: Bool, tls: ReviewWebStation.TLSFiles?,
        workflows: [String],
        deployment: String?, journal: any Journal, journalPath: String, logger: Logger, redactor: Redactor,
        node: String
    ) async throws -> (web: ReviewWebStation, composition: Composition) {
        let files = ReviewCommand.workflowFiles(given: workflows)
        guard !files.isEmpty else {
            throw KamiflowError(.invalidArgument, "no workflow files: name them with --workflow FILE")
        }
        let deploymentFile =
            deployment
            ?? (FileManager.default.fileExists(atPath: "kamiflow.yaml") ? "kamiflow.yaml" : nil)
        let composition = Composition(
            settings: Composition.Settings(deployment: deploymentFile, workers: 1),
            environment: ProcessInfo.processInfo.environment, logger: logger)
        let wiring = try await composition.reviewWiring(workflowFiles: files)
        let byID = Dictionary(wiring.workflows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Corrections are checked against the same masters as the scan was.
        let masters = try MastersCommand.open(for: wiring.workflows)
        let interpreters = byID.mapValues { RecordInterpreter(workflow: $0, today: .today, masters: masters) }
        let reinterpret: ReviewStation.Reinterpreter = { record, corrections in
            guard let interpreter = interpreters[record.workflow] else {
                throw KamiflowError(.invalidArgument, "no workflow file for \(record.workflow)")
            }
            return try interpreter.review(record, corrections: corrections)
        }
        let station = ReviewStation(
            journal: journal, planner: wiring.planner, connectors: wiring.connectors, reinterpret: reinterpret,
            redactor: redactor, logger: logger)
        let labels = byID.mapValues { workflow in
            Dictionary(
                workflow.form.placedFields.map { ($0.path, $0.spec.label ?? $0.path) },
                uniquingKeysWith: { first, _ in first })
        }
        let titles = byID.mapValues(\.title)
        let authored = zip(files, wiring.workflows).map { file, workflow in
            AuthoringWorkflow(id: workflow.id, title: workflow.title, file: file)
        }
        let fileOf = Dictionary(authored.map { ($0.id, $0.file) }, uniquingKeysWith: { first, _ in first })
        let backend = ReviewBackend(
            check: reinterpret,
            accept: { entry, index, corrections, reviewer in
                Self.decision(
                    try await station.accept(entry, index: index, corrections: corrections, reviewer: reviewer))
            },
            reject: { entry, index, reason, reviewer in
                Self.decision(try await station.reject(entry, index: index, reason: reason, reviewer: reviewer))
            },
            images: { path, page, regions, hidden in
                try await composition.pageImages(of: path, page: page, regions: regions, blackingOut: hidden)
            },
            label: { workflow, path in labels[workflow]?[path] },
            title: { workflow in titles[workflow] },
            workflows: authored,
            authoring: { id, scan in
                guard let workflow = byID[id] else { return nil }
                let drawn = try await composition.overlay(of: workflow, scan: scan)
                return OverlayDrawing.sheet(drawn, workflow: workflow, file: fileOf[id] ?? "", scanRead: scan != nil)
            })
        let store = try StationStore(path: StationStore.path(besideJournal: journalPath))
        let web = try await ReviewWebStation(
            configuration: ReviewWebStation.Configuration(
                host: host, port: port, language: language, secureCookies: secureCookies, logger: logger, tls: tls,
                node: node),
            journal: journal, store: store, backend: backend)
        return (web, composition)
    }

    static func decision(_ outcome: ReviewStation.Outcome) -> ReviewBackend.Decision {
        switch outcome {
        case .refused(let issues): .refused(issues)
        case .settled(let record, _, let detail): .settled(status: record.rawValue, detail: detail)
        case .alreadySettled(let status): .alreadySettled(status: status.rawValue)
        }
    }
}

/// `kamiflow users add NAME --role reviewer|supervisor|admin`: local accounts of the review station.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Accounts of the review station in the browser.",
        subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account (or set a new password and role); the password is read from standard input.",
            discussion: """
                The password is asked for twice on a terminal, or read as the first line of standard input \
                (never from the command line, where other users and the shell history would see it). It is kept \
                as a bcrypt hash in review-station.sqlite beside the journal (0600). Roles: reviewer (corrects, \
                never sees sensitive values in clear), supervisor (may reveal them, audited), admin.
                """)

        @OptionGroup var options: RuntimeOptions

        @Argument(help: "The user name.") var name: String

        @Option(help: "reviewer, supervisor or admin.") var role: String = "reviewer"

        func validate() throws {
            guard StationRole(rawValue: role) != nil else {
                throw ValidationError("--role is reviewer, supervisor or admin")
            }
        }

        func run() async throws {
            let password: String
            if isatty(STDIN_FILENO) == 1 {
                guard let first = getpass("password for \(name): ").map({ String(cString: $0) }),
                    let second = getpass("again: ").map({ String(cString: $0) }), first == second
                else {
                    FileHandle.standardError.write(Data("kamiflow users add: the passwords differ\n".utf8))
                    throw ExitCode(64)
                }
                password = first
            } else {
                password = readLine(strippingNewline: true) ?? ""
            }
            do {
                let store = try StationStore(path: StationStore.path(besideJournal: options.journal))
                try store.setUser(name, role: StationRole(rawValue: role) ?? .reviewer, password: password)
                print("\(name): \(role) (\(store.path))")
            } catch {
                FileHandle.standardError.write(Data("kamiflow users add: \(error)\n".utf8))
                throw ExitCode(64)
            }
        }
    }
}
