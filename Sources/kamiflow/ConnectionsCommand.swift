import ArgumentParser
import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowWorkflow

/// `kamiflow connections [list|check]`: the deployment's connections, and whether workflows can deliver to them.
struct ConnectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "List the connections of a deployment file, or check workflows' mappings against them.",
        subcommands: [ConnectionsListCommand.self, ConnectionsCheckCommand.self],
        defaultSubcommand: ConnectionsListCommand.self)
}

/// `kamiflow connections [list]`: lists the deployment's connections and checks them without touching any core
/// system.
struct ConnectionsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List and check the connections of a deployment file (kamiflow.yaml).",
        discussion: """
            Without --deployment, ./kamiflow.yaml is used when it exists, else the embedded default (a SQLite \
            core-system database at .kamiflow/core.sqlite). Checks that every connection parses and that every \
            token_env variable is set; it neither connects nor creates files.
            """
    )

    @Option(help: "The deployment file.") var deployment: String?

    func run() throws {
        if !Self.listAndCheck(deployment: deployment) { throw ExitCode.failure }
    }

    /// Prints the connections and checks every `token_env`; false when something is wrong.
    static func listAndCheck(deployment: String?) -> Bool {
        let path = deployment ?? (FileManager.default.fileExists(atPath: "kamiflow.yaml") ? "kamiflow.yaml" : nil)
        let loaded: DeploymentConnections
        do {
            loaded =
                try path.map(DeploymentConnections.load(path:))
                ?? .embeddedDefault(in: FileManager.default.currentDirectoryPath)
        } catch let error as KamiflowError {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            return false
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return false
        }
        let environment = ProcessInfo.processInfo.environment
        var problems = 0
        print(path.map { "connections in \($0):" } ?? "embedded default connections:")
        for (name, configuration) in loaded.connections {
            var note = ""
            if let http = configuration.settings as? HTTPConnectionConfiguration, let variable = http.tokenEnv {
                if environment[variable]?.isEmpty ?? true {
                    note = "  error: token_env \(variable) is not set"
                    problems += 1
                } else {
                    note = "  (token from \(variable))"
                }
            }
            print("  \(name): \(configuration.typeName) → \(configuration.destination)\(note)")
        }
        return problems == 0
    }
}

/// `kamiflow connections check WORKFLOW...`: every `deliver:` mapping of the workflows against the contract of the
/// connection it names (see ``MappingCheck``), plus the connection checks of `list`. Only an http connection's
/// `/openapi.json` is read; nothing is delivered or created.
struct ConnectionsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check workflows' deliver: mappings against the contracts of the deployment's connections.")

    @Option(help: "The deployment file (default: ./kamiflow.yaml if there is one, else the embedded default).")
    var deployment: String?

    @Argument(help: "Workflow files (.yaml) whose mappings are checked.")
    var workflows: [String]

    func run() async throws {
        let failed = !ConnectionsListCommand.listAndCheck(deployment: deployment)
        let connections = try MappingCheck.deploymentConnections(named: deployment)
        let loaded = workflows.map { (file: $0, result: WorkflowLoader().load(file: $0)) }
        let check = await MappingCheck.prepared(deployment: connections, for: loaded.compactMap(\.result.workflow))
        var errors = 0
        for (file, result) in loaded {
            let diagnostics = result.workflow.map(check.diagnostics(for:)) ?? result.errors
            for diagnostic in diagnostics { print(diagnostic) }
            let count = diagnostics.filter { $0.severity == .error }.count
            errors += count
            if count == 0 { print("\(file): every mapping fits its connection") }
        }
        if failed || errors > 0 { throw ExitCode.failure }
    }
}
