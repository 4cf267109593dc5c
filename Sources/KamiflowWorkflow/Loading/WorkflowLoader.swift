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
            return LoadResult(workflow: nil, diagnostics: [.init(.error, cause, at: .init(file: path, line: 0, column: 0))])
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
        let root = builder.compose(text)
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

/// Walks a composed YAML tree, building the model and collecting diagnostics.
struct WorkflowBuilder {
    let file: String
    var diagnostics: [Diagnostic] = []
    /// Keys renamed to get past duplicate keys in the YAML parser: renamed text → (original, first line).
    private var duplicateKeys: Set<String> = []
    /// Fields declared with errors: rules and mappings naming them are not reported a second time.
    var brokenFields: Set<String> = []
    static let duplicateMarker = "\u{2063}dup"

    init(file: String) { self.file = file }

    // MARK: Diagnostics

    func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file, line: 0, column: 0) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    mutating func error(_ message: String, at node: Node?) {
        diagnostics.append(Diagnostic(.error, message, at: location(node)))
    }

    mutating func warning(_ message: String, at node: Node?) {
        diagnostics.append(Diagnostic(.warning, message, at: location(node)))
    }

    mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.error, message, at: location))
    }

    mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.warning, message, at: location))
    }

    // MARK: Parsing

    /// Parses the text; YAML syntax errors become located diagnostics. Duplicate keys are renamed and reported so
    /// that the rest of the file can still be checked.
    mutating func compose(_ original: String) -> Node? {
        var text = original
        for _ in 0..<50 {
            do {
                guard let node = try Yams.compose(yaml: text) else {
                    error("the file is empty; a workflow starts with 'kamiflow: 1'", at: SourceLocation(file: file, line: 1, column: 1))
                    return nil
                }
                return node
            } catch let yamlError as YamlError {
                switch yamlError {
                case .duplicatedKeysInMapping(let duplicates, let context):
                    guard let renamed = renameDuplicate(duplicates, after: context.mark.line, in: text) else {
                        error("duplicate key(s) \(duplicates.joined(separator: ", "))", at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
                        return nil
                    }
                    text = renamed
                case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                    .composer(let context, let problem, let mark, _):
                    let detail = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
                    error("YAML syntax: \(problem)\(detail)", at: SourceLocation(file: file, line: mark.line, column: mark.column))
                    return nil
                default:
                    error("YAML: \(yamlError)", at: SourceLocation(file: file, line: 1, column: 1))
                    return nil
                }
            } catch {
                self.error("YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
                return nil
            }
        }
        return nil
    }

    /// Renames the second occurrence of a duplicated block-style key at or after `line`, reporting it.
    private mutating func renameDuplicate(_ keys: [String], after line: Int, in text: String) -> String? {
        var lines = text.components(separatedBy: "\n")
        for key in keys {
            var seen: [Int: Int] = [:]  // indentation → first line (1-based)
            for index in max(0, line - 1)..<lines.count {
                let current = lines[index]
                let body = current.drop { $0 == " " || $0 == "-" }
                let indent = current.count - body.count
                for spelling in [key, "\"\(key)\"", "'\(key)'"] where body.hasPrefix(spelling + ":") {
                    if let first = seen[indent] {
                        let column = indent + 1
                        error(
                            "duplicate key '\(key)' (first defined at line \(first))",
                            at: SourceLocation(file: file, line: index + 1, column: column))
                        let prefix = String(current.prefix(indent))
                        lines[index] = prefix + key + Self.duplicateMarker + String(index) + String(body.dropFirst(spelling.count))
                        duplicateKeys.insert(key + Self.duplicateMarker + String(index))
                        return lines.joined(separator: "\n")
                    }
                    seen[indent] = index + 1
                }
            }
        }
        return nil
    }

    func isRenamedDuplicate(_ key: String) -> Bool { duplicateKeys.contains(key) }

    // MARK: Node helpers

    typealias Entry = (key: String, keyNode: Node, value: Node)

    /// The entries of a mapping, reporting a non-mapping and unknown keys (with a suggestion).
    mutating func entries(_ node: Node, _ what: String, allowed: [String]? = nil) -> [Entry]? {
        guard case .mapping(let mapping) = node else {
            error("\(what) must be a mapping of 'key: value' lines, found \(describe(node))", at: node)
            return nil
        }
        var result: [Entry] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                error("keys in \(what) must be plain names", at: keyNode)
                continue
            }
            if isRenamedDuplicate(key) { continue }
            if let allowed, !allowed.contains(key) {
                error("unknown key '\(key)' in \(what)\(Suggestion.hint(for: key, in: allowed))", at: keyNode)
                continue
            }
            result.append((key, keyNode, value))
        }
        return result
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): s.string.isEmpty ? "nothing" : "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            error("\(what) must be text, found \(describe(node))", at: node)
            return nil
        }
        return scalar.string
    }

    mutating func number(_ node: Node, _ what: String) -> Double? {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string) else {
            error("\(what) must be a number, found \(describe(node))", at: node)
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ what: String, minimum: Int = Int.min) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            error("\(what) must be a whole number, found \(describe(node))", at: node)
            return nil
        }
        guard value >= minimum else {
            error("\(what) must be at least \(minimum), found \(value)", at: node)
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let value = node.bool else {
            error("\(what) must be true or false, found \(describe(node))", at: node)
            return nil
        }
        return value
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, as: E.Type) -> E?
    where E.RawValue == String {
        guard let text = string(node, what) else { return nil }
        guard let value = E(rawValue: text) else {
            let names = E.allCases.map(\.rawValue)
            error(
                "unknown \(what) '\(text)'\(Suggestion.hint(for: text, in: names)); one of: \(names.joined(separator: ", "))",
                at: node)
            return nil
        }
        return value
    }

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

    func sequenceText(_ sequence: Node.Sequence) -> String {
        "[" + sequence.map { $0.string ?? "…" }.joined(separator: ", ") + "]"
    }

    /// A list of texts, accepting a single text as a one-element list.
    mutating func strings(_ node: Node, _ what: String) -> [(String, Node)] {
        switch node {
        case .sequence(let sequence):
            return sequence.compactMap { item in string(item, what).map { ($0, item) } }
        default:
            return string(node, what).map { [($0, node)] } ?? []
        }
    }
}
