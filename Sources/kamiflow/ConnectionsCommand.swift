import ArgumentParser
import Foundation
import KamiflowConnectors
import KamiflowCore

/// `kamiflow connections`: lists the deployment's connections and checks them without touching any core system.
struct ConnectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "List and check the connections of a deployment file (kamiflow.yaml).",
        discussion: """
            Without --deployment, ./kamiflow.yaml is used when it exists, else the embedded default (a SQLite \
            core-system database at .kamiflow/core.sqlite). Checks that every connection parses and that every \
            token_env variable is set; it neither connects nor creates files.
            """
    )

    @Option(help: "The deployment file.") var deployment: String?

    func run() throws {
        let path = deployment ?? (FileManager.default.fileExists(atPath: "kamiflow.yaml") ? "kamiflow.yaml" : nil)
        let loaded: DeploymentConnections
        do {
            loaded =
                try path.map(DeploymentConnections.load(path:))
                ?? .embeddedDefault(in: FileManager.default.currentDirectoryPath)
        } catch let error as KamiflowError {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            throw ExitCode.failure
        }
        let environment = ProcessInfo.processInfo.environment
        var problems = 0
        print(path.map { "connections in \($0):" } ?? "embedded default connections:")
        for (name, configuration) in loaded.connections {
            var note = ""
            if case .http(let http) = configuration, let variable = http.tokenEnv {
                if environment[variable]?.isEmpty ?? true {
                    note = "  error: token_env \(variable) is not set"
                    problems += 1
                } else {
                    note = "  (token from \(variable))"
                }
            }
            print("  \(name): \(configuration.typeName) → \(configuration.destination)\(note)")
        }
        if problems > 0 { throw ExitCode.failure }
    }
}
