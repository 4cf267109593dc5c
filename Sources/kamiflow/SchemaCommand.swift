import ArgumentParser
import KamiflowWorkflow

/// `kamiflow schema`: prints the JSON Schema (draft 2020-12) of workflow files, for editors to validate and
/// complete them (e.g. `# yaml-language-server: $schema=workflow.schema.json`).
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of workflow files.")

    func run() throws {
        print(WorkflowSchema.json)
    }
}
