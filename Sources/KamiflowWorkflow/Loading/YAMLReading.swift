import Foundation
import KamiflowCore
package import Yams

/// Reads a YAML file as Yams' node tree, which keeps the line and column of every key and value, so that each
/// mistake is reported where it is and all of them in one round, like a compiler:
/// `kamiflow.yaml:7:5: error: unknown key 'skip_holiday' in schedule 'nightly' (did you mean 'skip_holidays'?)`.
///
/// The workflow loader and the deployment loader read their files this way and differ only in what they build:
/// `Codable` would stop at the first mistake and silently skip a misspelt key.
package protocol LocatedYAMLReader {
    /// The file named in every location.
    var file: String { get }
    /// What was found so far, in the order found.
    var diagnostics: [Diagnostic] { get set }
    /// Keys renamed to get past duplicate keys in the YAML parser (reported once, then skipped).
    var duplicateKeys: Set<String> { get set }
}

/// The suffix a duplicated key is renamed with so that the rest of the file can still be read.
let duplicateKeyMarker = "\u{2063}dup"

extension LocatedYAMLReader {
    // MARK: Diagnostics

    package func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file, line: 0, column: 0) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    package mutating func error(_ message: String, at node: Node?) {
        diagnostics.append(Diagnostic(.error, message, at: location(node)))
    }

    package mutating func warning(_ message: String, at node: Node?) {
        diagnostics.append(Diagnostic(.warning, message, at: location(node)))
    }

    package mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.error, message, at: location))
    }

    package mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.warning, message, at: location))
    }

    // MARK: Parsing

    /// Parses the text; YAML syntax errors become located diagnostics. Duplicate keys are renamed and reported so
    /// that the rest of the file can still be checked. An empty file is reported with `emptyMessage`.
    package mutating func compose(_ original: String, emptyMessage: String) -> Node? {
        var text = original
        for _ in 0..<50 {
            do {
                guard let node = try Yams.compose(yaml: text) else {
                    error(emptyMessage, at: SourceLocation(file: file, line: 1, column: 1))
                    return nil
                }
                return node
            } catch let yamlError as YamlError {
                switch yamlError {
                case .duplicatedKeysInMapping(let duplicates, let context):
                    guard let renamed = renameDuplicate(duplicates, after: context.mark.line, in: text) else {
                        error(
                            "duplicate key(s) \(duplicates.joined(separator: ", "))",
                            at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
                        return nil
                    }
                    text = renamed
                case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                    .composer(let context, let problem, let mark, _):
                    let detail = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
                    error(
                        "YAML syntax: \(problem)\(detail)",
                        at: SourceLocation(file: file, line: mark.line, column: mark.column))
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
                        lines[index] =
                            prefix + key + duplicateKeyMarker + String(index) + String(body.dropFirst(spelling.count))
                        duplicateKeys.insert(key + duplicateKeyMarker + String(index))
                        return lines.joined(separator: "\n")
                    }
                    seen[indent] = index + 1
                }
            }
        }
        return nil
    }

    package func isRenamedDuplicate(_ key: String) -> Bool { duplicateKeys.contains(key) }

    // MARK: Node helpers

    /// The entries of a mapping, reporting a non-mapping and unknown keys (with a suggestion).
    package mutating func entries(
        _ node: Node, _ what: String, allowed: [String]? = nil
    )
        -> [(key: String, keyNode: Node, value: Node)]?
    {
        guard case .mapping(let mapping) = node else {
            error("\(what) must be a mapping of 'key: value' lines, found \(describe(node))", at: node)
            return nil
        }
        var result: [(key: String, keyNode: Node, value: Node)] = []
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

    package func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): s.string.isEmpty ? "nothing" : "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    package mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            error("\(what) must be text, found \(describe(node))", at: node)
            return nil
        }
        return scalar.string
    }

    package mutating func number(_ node: Node, _ what: String) -> Double? {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string) else {
            error("\(what) must be a number, found \(describe(node))", at: node)
            return nil
        }
        return value
    }

    package mutating func integer(_ node: Node, _ what: String, minimum: Int = Int.min) -> Int? {
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

    package mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let value = node.bool else {
            error("\(what) must be true or false, found \(describe(node))", at: node)
            return nil
        }
        return value
    }

    package mutating func enumeration<E: RawRepresentable & CaseIterable>(
        _ node: Node, _ what: String, as: E.Type
    )
        -> E? where E.RawValue == String
    {
        guard let text = string(node, what) else { return nil }
        guard let value = E(rawValue: text) else {
            let names = E.allCases.map(\.rawValue)
            error(
                "unknown \(what) '\(text)'\(Suggestion.hint(for: text, in: names)); one of: "
                    + names.joined(separator: ", "),
                at: node)
            return nil
        }
        return value
    }

    package func sequenceText(_ sequence: Node.Sequence) -> String {
        "[" + sequence.map { $0.string ?? "…" }.joined(separator: ", ") + "]"
    }

    /// A list of texts, accepting a single text as a one-element list.
    package mutating func strings(_ node: Node, _ what: String) -> [(String, Node)] {
        switch node {
        case .sequence(let sequence):
            return sequence.compactMap { item in string(item, what).map { ($0, item) } }
        default:
            return string(node, what).map { [($0, node)] } ?? []
        }
    }
}
