import ArgumentParser
import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowServer
import KamiflowWorkflow

/// Checks the `deliver:` mappings of workflows against the contracts of the connections they deliver to, when the
/// workflows are loaded together with a deployment (`validate`, `run`, `watch`, `serve`, `connections check`).
///
/// Where each contract comes from:
/// - `http`: the OpenAPI document the API serves at `/openapi.json` (fetched once per connection); when it serves
///   none, the simulated core systems' committed document if it has the resource; else nothing to check against.
/// - `sqlite`: its reserved columns; `csv`: its `columns:`; `fixed-width`: its layout; `zengin`: the data record.
/// - no deployment file (the embedded SQLite core system): the committed OpenAPI document for every mapping whose
///   resource is one of the simulated core systems', so that the shipped workflows stay honest about them.
struct MappingCheck {
    /// The deployment's connections; `nil` for the embedded default.
    var deployment: DeploymentConnections?
    /// OpenAPI documents served by http connections, by connection name.
    var servedDocuments: [String: Data] = [:]

    /// The connections of the deployment file a command names, or of `./kamiflow.yaml` when there is one; `nil` for
    /// the embedded default. A file that does not load ends the command (its message on standard error, exit 1).
    static func deploymentConnections(named deployment: String?) throws -> DeploymentConnections? {
        let path = deployment ?? (FileManager.default.fileExists(atPath: "kamiflow.yaml") ? "kamiflow.yaml" : nil)
        do {
            return try path.map(DeploymentConnections.load(path:))
        } catch let error as KamiflowError {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            throw ExitCode.failure
        }
    }

    /// The check for `deployment`, with the documents its http connections serve fetched first: those the
    /// `workflows` deliver to, or all of them when `workflows` is `nil` (a long-running process checks every
    /// workflow it will load against one fetch).
    static func prepared(deployment: DeploymentConnections?, for workflows: [Workflow]?) async -> MappingCheck {
        var check = MappingCheck(deployment: deployment)
        let used = workflows.map { Set($0.flatMap { $0.deliveries.map(\.connection) }) }
        for (name, configuration) in deployment?.connections ?? [] where used?.contains(name) ?? true {
            if let http = configuration.settings as? HTTPConnectionConfiguration,
                let document = await http.fetchOpenAPIDocument()
            {
                check.servedDocuments[name] = document
            }
        }
        return check
    }

    /// Every problem of `workflow`'s mappings, located at the mapping entries.
    func diagnostics(for workflow: Workflow) -> [Diagnostic] {
        var result: [Diagnostic] = []
        let committed = CoreSimulator.openAPIDocument
        let simulated = ConnectionConfiguration.resources(inOpenAPI: committed)
        for mapping in workflow.deliveries {
            do {
                let contract: MappingContract?
                if let deployment {
                    let names = deployment.connections.map(\.name)
                    guard
                        let configuration = deployment.connections.first(where: { $0.name == mapping.connection })?
                            .configuration
                    else {
                        result.append(
                            Diagnostic(
                                .error,
                                "'\(mapping.connection)' is not a connection of the deployment file"
                                    + Suggestion.hint(for: mapping.connection, in: names),
                                at: mapping.location))
                        continue
                    }
                    var document: Data?
                    if let http = configuration.settings as? HTTPConnectionConfiguration {
                        document = servedDocuments[mapping.connection]
                        if document == nil, let resource = http.resource ?? mapping.resource,
                            simulated.contains(resource)
                        {
                            document = committed
                        }
                    }
                    contract = try configuration.contract(for: mapping.resource, openAPIDocument: document)
                } else if let resource = mapping.resource, simulated.contains(resource) {
                    contract = try ConnectionConfiguration.http(.init(url: "http://127.0.0.1/v1"))
                        .contract(for: resource, openAPIDocument: committed)
                } else {
                    contract = nil
                }
                if let contract { result += mapping.diagnostics(against: contract, in: workflow) }
            } catch let error as KamiflowError {
                result.append(
                    Diagnostic(.error, "connection '\(mapping.connection)': \(error.message)", at: mapping.location))
            } catch {
                result.append(Diagnostic(.error, "connection '\(mapping.connection)': \(error)", at: mapping.location))
            }
        }
        return result
    }

    /// Throws one `invalidWorkflow` error listing every problem, for commands that must not start with a mapping
    /// the core system would refuse.
    func requireValid(_ workflow: Workflow) throws {
        let errors = diagnostics(for: workflow).filter { $0.severity == .error }
        guard !errors.isEmpty else { return }
        throw KamiflowError(
            .invalidWorkflow,
            "\(errors.count) delivery mapping error(s):\n" + errors.map(\.description).joined(separator: "\n"),
            subject: workflow.file)
    }
}
