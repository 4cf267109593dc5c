import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowRuntime
import KamiflowWorkflow
import Logging
import Yams

/// The deployment file `kamiflow.yaml` (DESIGN §3): the connections into core systems, the journal, the worker
/// count, the drop folders and the schedules of one site, read by one loader.
///
/// ```yaml
/// kamiflow: 1
/// connections:
///   jidou-teate:
///     type: http
///     url: http://127.0.0.1:8088/v1
///     resource: jidou-teate
///     token_env: KAMIFLOW_JIDOU_TOKEN     # the token itself stays in the environment
///   core:
///     type: sqlite
///     path: .kamiflow/core.sqlite         # relative to this file's folder
/// journal: /var/lib/kamiflow/journal.sqlite
/// workers: 2
/// watch:
///   inboxes:
///     - {path: /srv/scans/jidou-teate, workflow: Workflows/jidou-teate-nintei.yaml}
/// schedules:
///   - name: nightly-kokuho
///     cron: "0 2 * * mon-fri"
///     skip_holidays: true
///     run: {workflow: Workflows/kokuho-shutoku.yaml, inputs: [/srv/scans/kokuho/*.pdf]}
/// ```
///
/// Every key of the file is checked, in every section: a misspelt `skip_holiday: true` would otherwise make a
/// scheduled batch run on a holiday without a word. Errors are reported like a compiler's, all at once:
/// `kamiflow.yaml:7:5: error: connection 'core': unknown setting 'pth' (did you mean 'path'?)`.
struct Deployment {
    var connections: DeploymentConnections
    var runtime: RuntimeSettings

    /// Reads and checks `path`, throwing one `invalidDeployment` error that lists every error.
    static func load(path: String) throws -> Deployment {
        let (deployment, diagnostics) = try check(path: path)
        guard let deployment else {
            throw KamiflowError(
                .invalidDeployment, diagnostics.map(\.description).joined(separator: "\n"), subject: path)
        }
        return deployment
    }

    /// Reads and checks `path`: the deployment when it has no error, and every diagnostic in file order. Relative
    /// connection paths are taken relative to the file's folder. Throws only when the file cannot be read.
    static func check(path: String) throws -> (Deployment?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KamiflowError(
                FileManager.default.fileExists(atPath: path) ? .permissionDenied : .fileNotFound,
                "cannot read the deployment file", subject: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KamiflowError(.invalidDeployment, "the deployment file is not UTF-8 text", subject: path)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return check(text, file: path, folder: folder)
    }

    /// Checks deployment text; `file` is only used in locations.
    static func check(_ text: String, file: String, folder: String) -> (Deployment?, [Diagnostic]) {
        var reader = DeploymentReader(file: file, folder: folder)
        var deployment: Deployment?
        if let root = reader.compose(text, emptyMessage: "the deployment file is empty") {
            deployment = reader.read(root)
        }
        let diagnostics = reader.diagnostics.sorted {
            ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
        }
        return (diagnostics.contains { $0.severity == .error } ? nil : deployment, diagnostics)
    }
}

/// The keys the deployment file may use, by place: the loader's and the JSON Schema's one list. The runtime's come
/// from the settings' own coding keys and the connections' from each connector's, so no list can drift.
enum DeploymentKeys {
    static let top = ["kamiflow", "connections"] + RuntimeSettings.settingNames
    static let watch = RuntimeSettings.Watch.settingNames
    static let inbox = RuntimeSettings.Watch.Inbox.settingNames
    static let schedule = RuntimeSettings.Job.settingNames
    static let run = RuntimeSettings.Job.Run.settingNames
    static let queue = RuntimeSettings.Queue.settingNames
}

/// The connections of the deployment file: named ways into core systems.
struct DeploymentConnections {
    /// The connections in the order the file lists them.
    var connections: [(name: String, configuration: ConnectionConfiguration)]

    /// With no deployment file: one SQLite core-system database, `.kamiflow/core.sqlite`, named `core`.
    static func embeddedDefault(in folder: String) -> DeploymentConnections {
        DeploymentConnections(connections: [("core", .sqlite(.embeddedDefault(in: folder)))])
    }

    /// Reads and checks the whole file at `path` (not only its connections).
    static func load(path: String) throws -> DeploymentConnections {
        try Deployment.load(path: path).connections
    }

    /// Builds every connector; secrets come from `environment`.
    func makeConnectors(environment: [String: String], logger: Logger) throws -> [String: any Connector] {
        var connectors: [String: any Connector] = [:]
        for (name, configuration) in connections {
            connectors[name] = try ConnectorFactory.makeConnector(
                named: name, configuration: configuration, environment: environment, logger: logger)
        }
        return connectors
    }
}

/// Walks the file's node tree: unknown keys and wrong shapes are located errors; values are then decoded section
/// by section with the settings' own `Decodable`, its errors located at the node they concern.
struct DeploymentReader: LocatedYAMLReader {
    let file: String
    let folder: String
    var diagnostics: [Diagnostic] = []
    var duplicateKeys: Set<String> = []

    init(file: String, folder: String) {
        self.file = file
        self.folder = folder
    }

    mutating func read(_ root: Node) -> Deployment? {
        guard let top = entries(root, "the deployment file", allowed: DeploymentKeys.top) else { return nil }
        var connections: [(name: String, configuration: ConnectionConfiguration)] = []
        var runtime = RuntimeSettings()
        for (key, _, value) in top {
            switch key {
            case "kamiflow":
                if let version = integer(value, "'kamiflow' (the format version)"), version != 1 {
                    error("this Kamiflow reads deployment files of version 1, not \(version)", at: value)
                }
            case "connections": connections = readConnections(value)
            case "journal":
                runtime.journal = string(value, "'journal' (the journal database's path or postgres:// URL)")
            case "journal_password_env":
                runtime.journalPasswordEnvironment = string(
                    value, "'journal_password_env' (the environment variable holding the journal's password)")
            case "workers": runtime.workers = integer(value, "'workers'", minimum: 1)
            case "memory_budget":
                runtime.memoryBudget = integer(
                    value, "'memory_budget' (mebibytes for the pages being read)", minimum: 16)
            case "watch": runtime.watch = readWatch(value)
            case "queue":
                if entries(value, "'queue'", allowed: DeploymentKeys.queue) != nil {
                    runtime.queue = decode(RuntimeSettings.Queue.self, from: value, what: "'queue'")
                }
            case "schedules": runtime.schedules = readSchedules(value)
            case "missed_run_grace": runtime.missedRunGrace = duration(value, "'missed_run_grace'")
            case "node":
                if let name = string(value, "'node' (this machine's name among the nodes sharing the journal)") {
                    if NodeIdentity.isValidName(name) {
                        runtime.node = name
                    } else {
                        error(
                            "'node' is 1 to 63 letters, digits, '.', '_' or '-', not '\(name)'", at: value)
                    }
                }
            case "heartbeat":
                runtime.heartbeat = duration(value, "'heartbeat'")
                if let beat = runtime.heartbeat, beat.duration < .milliseconds(100) {
                    error("'heartbeat' must be at least 100ms, not \(beat)", at: value)
                }
            default: break
            }
        }
        return Deployment(connections: DeploymentConnections(connections: connections), runtime: runtime)
    }

    // MARK: Sections

    mutating func readConnections(_ node: Node) -> [(name: String, configuration: ConnectionConfiguration)] {
        guard let named = entries(node, "'connections'") else { return [] }
        let types = "one of: " + ConnectionConfiguration.typeNames.joined(separator: ", ")
        var connections: [(name: String, configuration: ConnectionConfiguration)] = []
        for (name, _, settingsNode) in named {
            guard let settings = settingsNode.mapping else {
                error("connection '\(name)' must be a mapping of settings", at: settingsNode)
                continue
            }
            guard let type = settings["type"]?.string else {
                error("connection '\(name)' needs a 'type' (\(types))", at: settingsNode)
                continue
            }
            guard let known = ConnectionConfiguration.settingNames(forType: type) else {
                error("connection '\(name)': unknown type '\(type)' (\(types))", at: settings["type"])
                continue
            }
            let before = diagnostics.count
            for (keyNode, value) in settings {
                let setting = keyNode.string ?? "?"
                guard known.contains(setting) else {
                    error(
                        "connection '\(name)': unknown setting '\(setting)'\(Suggestion.hint(for: setting, in: known))",
                        at: keyNode)
                    continue
                }
                // Lists of mappings (a fixed-width file's `layout:`): each item's keys too.
                if let itemKeys = ConnectionConfiguration.itemSettingNames(forType: type)[setting],
                    let items = value.sequence
                {
                    for (index, item) in items.enumerated() {
                        _ = self.entries(item, "connection '\(name)': \(setting) item \(index + 1)", allowed: itemKeys)
                    }
                }
            }
            guard diagnostics.count == before else { continue }
            do {
                let configuration = try YAMLDecoder().decode(ConnectionConfiguration.self, from: settingsNode)
                try configuration.validate(connection: name)
                connections.append((name, configuration.resolvingPaths(relativeTo: folder)))
            } catch {
                report(error, in: settingsNode, what: "connection '\(name)'")
            }
        }
        return connections
    }

    mutating func readWatch(_ node: Node) -> RuntimeSettings.Watch? {
        guard let settings = entries(node, "'watch'", allowed: DeploymentKeys.watch) else { return nil }
        let before = diagnostics.count
        for (key, _, value) in settings where key == "inboxes" {
            guard let inboxes = value.sequence else {
                error("'inboxes' must be a list of {path, workflow}, found \(describe(value))", at: value)
                continue
            }
            for (index, inbox) in inboxes.enumerated() {
                _ = self.entries(inbox, "inbox \(index + 1) of 'watch'", allowed: DeploymentKeys.inbox)
            }
        }
        guard diagnostics.count == before else { return nil }
        return decode(RuntimeSettings.Watch.self, from: node, what: "'watch'")
    }

    mutating func readSchedules(_ node: Node) -> [RuntimeSettings.Job]? {
        guard let items = node.sequence else {
            error("'schedules' must be a list of jobs, found \(describe(node))", at: node)
            return nil
        }
        var jobs: [RuntimeSettings.Job] = []
        for (index, item) in items.enumerated() {
            let name = item.mapping?["name"]?.string ?? "\(index + 1)"
            let what = "schedule '\(name)'"
            guard let settings = entries(item, what, allowed: DeploymentKeys.schedule) else { continue }
            let before = diagnostics.count
            for (key, _, value) in settings where key == "run" {
                _ = self.entries(value, "'run' of \(what)", allowed: DeploymentKeys.run)
            }
            guard diagnostics.count == before, let job = decode(RuntimeSettings.Job.self, from: item, what: what) else {
                continue
            }
            do {
                _ = try job.schedule()
                jobs.append(job)
            } catch {
                // The two things a schedule checks beyond shapes: the cron fields and the time zone's name.
                let mapping = item.mapping
                let at = error.message.hasPrefix("unknown time zone") ? mapping?["time_zone"] : mapping?["cron"]
                self.error("\(what): \(error.message)", at: at ?? item)
            }
        }
        return jobs
    }

    mutating func duration(_ node: Node, _ what: String) -> SettingDuration? {
        guard let text = node.string, !text.isEmpty else {
            error("\(what) must be a duration (e.g. 30s, 5m, 1h), found \(describe(node))", at: node)
            return nil
        }
        do {
            return try SettingDuration(parsing: text)
        } catch {
            self.error("\(what): \(error.message)", at: node)
            return nil
        }
    }

    // MARK: Decoding

    mutating func decode<T: Decodable>(_ type: T.Type, from node: Node, what: String) -> T? {
        do {
            return try YAMLDecoder().decode(type, from: node)
        } catch {
            report(error, in: node, what: what)
            return nil
        }
    }

    mutating func report(_ error: any Error, in node: Node, what: String) {
        switch error {
        case let error as KamiflowError:
            self.error("\(what): \(error.message)", at: node)
        case let error as DecodingError:
            let (path, message) = Self.describe(error)
            self.error("\(what): \(message)", at: Self.locate(path, in: node) ?? node)
        default:
            self.error("\(what): \(error)", at: node)
        }
    }

    private static func describe(_ error: DecodingError) -> ([any CodingKey], String) {
        func where_(_ path: [any CodingKey]) -> String {
            path.isEmpty
                ? ""
                : " at '" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (context.codingPath, "missing setting '\(key.stringValue)'\(where_(context.codingPath))")
        case .typeMismatch(let type, let context):
            return (context.codingPath, "'\(context.codingPath.last?.stringValue ?? "?")' must be \(typeName(type))")
        case .valueNotFound(let type, let context):
            return (context.codingPath, "'\(context.codingPath.last?.stringValue ?? "?")' must be \(typeName(type))")
        case .dataCorrupted(let context):
            return (context.codingPath, context.debugDescription + where_(context.codingPath))
        @unknown default:
            return ([], "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [String].Type: "a list of texts"
        default: "a \(type)"
        }
    }

    /// The deepest node along `path`.
    private static func locate(_ path: [any CodingKey], in node: Node) -> Node? {
        var current = node
        for key in path {
            if let index = key.intValue, let sequence = current.sequence, index < sequence.count {
                current = sequence[index]
            } else if let mapping = current.mapping, let next = mapping[key.stringValue] {
                current = next
            } else {
                break
            }
        }
        return current
    }
}
