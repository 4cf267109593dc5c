import ArgumentParser
import KamiflowWorkflow

/// `kamiflow validate FILE...`: checks workflow files the way a compiler checks sources, printing every problem
/// with its location, and fails when any file has an error.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check workflow files and print every problem with its file:line:column.")

    @Argument(help: "Workflow files (.yaml) to check.")
    var files: [String]

    @Flag(help: "Treat warnings (such as overlapping zones) as errors.")
    var strict = false

    func run() throws {
        let loader = WorkflowLoader()
        var errors = 0
        var warnings = 0
        for file in files {
            let result = loader.load(file: file)
            for diagnostic in result.diagnostics { print(diagnostic) }
            errors += result.errors.count
            warnings += result.warnings.count
        }
        let noun = files.count == 1 ? "file" : "files"
        print("\(files.count) \(noun) checked: \(errors) error(s), \(warnings) warning(s)")
        if errors > 0 || (strict && warnings > 0) { throw ExitCode.failure }
    }
}
