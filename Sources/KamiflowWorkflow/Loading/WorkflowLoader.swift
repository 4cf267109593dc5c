import Foundation
import KamiflowCore
import Yams

/// Reads `kamiflow: 1` workflow files into a ``Workflow``, reporting every problem at once.
///
/// The loader walks Yams' `Node` tree (which keeps line and column marks) rather than decoding with `Codable`, so
/// that it can keep going after the first mistake and point at each one — an author fixes five mistakes in one
/// round, not five.
public struct WorkflowLoader: Sendable {
    public init() {}

    /// Loads the file at `path`. A file that cannot be read is an error diagnostic, not a thrown error.
    public func load(file path: String) -> LoadResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            let cause = exists ? "cannot read the file (permission denied?)" : "no such file"
            return LoadResult(
                workflow: nil, diagnostics: [.init(.error, cause, at: .init(file: path, line: 0, column: 0))])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return LoadResult(
                workflow: nil,
                diagnostics: [.init(.error, "the file is not UTF-8 text", at: .init(file: path, line: 0, column: 0))])
        }
        return load(yaml: text, file: path)
    }

    /// Loads workflow text; `file` is only used in locations.
    public func load(yaml text: String, file: String) -> LoadResult {
        var builder = WorkflowBuilder(file: file)
        let root = builder.compose(text, emptyMessage: "the file is empty; a workflow starts with 'kamiflow: 1'")
        var workflow: Workflow?
        if let root { workflow = builder.build(root) }
        let diagnostics = builder.diagnostics.sorted {
            ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return LoadResult(workflow: hasErrors ? nil : workflow, diagnostics: diagnostics)
    }
}

extension Workflow {
    /// Loads and validates the workflow at `path`, throwing one `invalidWorkflow` error that lists every error
    /// diagnostic. Use ``WorkflowLoader`` to get warnings too.
    public static func load(file path: String) throws -> Workflow {
        let result = WorkflowLoader().load(file: path)
        guard let workflow = result.workflow else {
            let lines = result.errors.map(\.description).joined(separator: "\n")
            throw KamiflowError(
                .invalidWorkflow, "\(result.errors.count) error(s) in the workflow:\n\(lines)", subject: path)
        }
        return workflow
    }
}

/// Walks a composed YAML tree, building the model and collecting diagnostics (the reading of nodes, keys and
/// scalars with located errors is ``LocatedYAMLReader``'s, shared with the deployment loader).
struct WorkflowBuilder: LocatedYAMLReader {
    let file: String
    var diagnostics: [Diagnostic] = []
    var duplicateKeys: Set<String> = []
    /// Fields declared with errors: rules and mappings naming them are not reported a second time.
    var brokenFields: Set<String> = []

    init(file: String) { self.file = file }

    typealias Entry = (key: String, keyNode: Node, value: Node)

    /// `[x, y, w, h]` in millimetres with a positive width and height.
    mutating func rect(_ node: Node, _ what: String) -> TemplateRect? {
        guard case .sequence(let sequence) = node, sequence.count == 4 else {
            error("\(what) must be [x, y, width, height] in millimetres, found \(describe(node))", at: node)
            return nil
        }
        let values = sequence.map { Double($0.string ?? "") }
        guard values.allSatisfy({ $0 != nil }) else {
            error("\(what) must be four numbers [x, y, width, height], found \(sequenceText(sequence))", at: node)
            return nil
        }
        let v = values.map { $0! }
        guard v[2] > 0, v[3] > 0 else {
            error("\(what) must have a positive width and height, found \(sequenceText(sequence))", at: node)
            return nil
        }
        return TemplateRect(x: v[0], y: v[1], width: v[2], height: v[3])
    }
}
