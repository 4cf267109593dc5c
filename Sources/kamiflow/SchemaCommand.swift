import ArgumentParser
import KamiflowWorkflow

/// `kamiflow schema [--deployment]`: prints the JSON Schema (draft 2020-12) of workflow files, or of the deployment
/// file, for editors to validate and complete them (e.g. `# yaml-language-server: $schema=workflow.schema.json`).
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of workflow files (or, with --deployment, of kamiflow.yaml).")

    @Flag(help: "The schema of the deployment file (kamiflow.yaml) instead of workflow files.")
    var deployment = false

    func run() throws {
        print(deployment ? DeploymentSchema.json : WorkflowSchema.json)
    }
}
