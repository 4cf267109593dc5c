import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowWorkflow

/// `kamiflow validate FILE... [--deployment kamiflow.yaml]`: checks workflow files and the deployment file the way a
/// compiler checks sources, printing every problem with its location, and fails when any file has an error. The
/// `deliver:` mappings are checked against the contracts of the connections they deliver to: the deployment's, or
/// with none the simulated core systems' OpenAPI document.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check workflow files and the deployment file; print every problem with its file:line:column.",
        discussion: """
            Delivery mappings are checked against what their connections accept: with --deployment (or a \
            kamiflow.yaml here) each connection's contract (an API's OpenAPI schema, served at /openapi.json or the \
            simulator's committed copy; a CSV's columns; a fixed-width or 全銀 layout; a database's reserved \
            columns); with none, the simulated core systems' OpenAPI document for the resources it has.
            """)

    @Argument(help: "Workflow files (.yaml) to check.")
    var files: [String] = []

    @Option(
        help: """
            The deployment file: every key of it is checked, and the mappings are checked against its connections.
            """)
    var deployment: String?

    @Flag(help: "Treat warnings (such as overlapping zones) as errors.")
    var strict = false

    func validate() throws {
        guard !files.isEmpty || deployment != nil else {
            throw ValidationError("give workflow files to check, --deployment FILE, or both")
        }
    }

    func run() async throws {
        var errors = 0
        var warnings = 0
        func count(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics { print(diagnostic) }
            errors += diagnostics.filter { $0.severity == .error }.count
            warnings += diagnostics.filter { $0.severity == .warning }.count
        }
        // The deployment file first, all of it; its connections are what the mappings are checked against.
        let connections: DeploymentConnections?
        var deploymentUsable = true
        if let deployment {
            let (loaded, diagnostics) = try Deployment.check(path: deployment)
            count(diagnostics)
            connections = loaded?.connections
            deploymentUsable = loaded != nil
        } else {
            connections = try MappingCheck.deploymentConnections(named: nil)
        }
        let loader = WorkflowLoader()
        let results = files.map { (file: $0, result: loader.load(file: $0)) }
        let check = await MappingCheck.prepared(
            deployment: connections, for: results.compactMap(\.result.workflow))
        for (_, result) in results {
            var diagnostics = result.diagnostics
            // Mappings are not checked against a deployment file that has errors of its own.
            if let workflow = result.workflow, deploymentUsable {
                diagnostics += check.diagnostics(for: workflow)
            }
            if let workflow = result.workflow {
                if let typeface = workflow.form.typeface, TypefaceGlyphs.path(of: typeface) == nil {
                    // Extraction refuses to start without it; say so before anything runs.
                    diagnostics.append(
                        Diagnostic(
                            .error,
                            "typeface \(typeface) is not installed (ipagp.ttf: apt install fonts-ipafont-gothic)",
                            at: SourceLocation(file: workflow.file, line: 0, column: 0)))
                }
                diagnostics.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
            }
            count(diagnostics)
        }
        let checked = files.count + (deployment == nil ? 0 : 1)
        let noun = checked == 1 ? "file" : "files"
        print("\(checked) \(noun) checked: \(errors) error(s), \(warnings) warning(s)")
        if errors > 0 || (strict && warnings > 0) { throw ExitCode.failure }
    }
}
