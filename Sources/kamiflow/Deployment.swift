import Foundation
import KamiflowConnectors
import KamiflowCore
import Logging
import Yams

/// The `connections:` part of the deployment file `kamiflow.yaml` (DESIGN §3): named ways into core systems.
///
/// ```yaml
/// connections:
///   jidou-teate:
///     type: http
///     url: http://127.0.0.1:8088/v1
///     resource: jidou-teate
///     token_env: KAMIFLOW_JIDOU_TOKEN     # the token itself stays in the environment
///   core:
///     type: sqlite
///     path: .kamiflow/core.sqlite         # relative to this file's folder
/// ```
///
/// Errors are reported like a compiler's, all at once: `kamiflow.yaml:7:5: error: connection 'core': unknown
/// setting 'pth' (did you mean 'path'?)`.
struct DeploymentConnections {
    /// The connections in the order the file lists them.
    var connections: [(name: String, configuration: ConnectionConfiguration)]

    /// With no deployment file: one SQLite core-system database, `.kamiflow/core.sqlite`, named `core`.
    static func embeddedDefault(in folder: String) -> DeploymentConnections {
        DeploymentConnections(connections: [("core", .sqlite(.embeddedDefault(in: folder)))])
    }

    /// Reads `path`; relative paths inside are taken relative to the file's folder.
    static func load(path: String) throws -> DeploymentConnections {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KamiflowError(.fileNotFound, "cannot read the deployment file", subject: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KamiflowError(.invalidDeployment, "the deployment file is not UTF-8 text", subject: path)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, file: path, folder: folder)
    }

    static func parse(_ text: String, file: String, folder: String) throws -> DeploymentConnections {
        var diagnostics: [String] = []
        func report(_ mark: Mark?, _ message: String) {
            let location = mark.map { "\(file):\($0.line):\($0.column)" } ?? file
            diagnostics.append("\(location): error: \(message)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw KamiflowError(.invalidDeployment, "\(file): error: not valid YAML: \(error)", subject: file)
        }
        guard let root, let top = root.mapping else {
            throw KamiflowError(.invalidDeployment, "\(file): error: the file must be a mapping", subject: file)
        }
        guard let section = top["connections"] else { return DeploymentConnections(connections: []) }
        guard let entries = section.mapping else {
            report(section.mark, "'connections' must map connection names to their settings")
            throw KamiflowError(.invalidDeployment, diagnostics.joined(separator: "\n"), subject: file)
        }
        let types = "one of: " + ConnectionConfiguration.typeNames.joined(separator: ", ")
        var connections: [(String, ConnectionConfiguration)] = []
        for (key, node) in entries {
            let name = key.string ?? "?"
            guard let settings = node.mapping else {
                report(node.mark, "connection '\(name)' must be a mapping of settings")
                continue
            }
            guard let type = settings["type"]?.string else {
                report(node.mark, "connection '\(name)' needs a 'type' (\(types))")
                continue
            }
            guard let known = ConnectionConfiguration.settingNames(forType: type) else {
                report(settings["type"]?.mark, "connection '\(name)': unknown type '\(type)' (\(types))")
                continue
            }
            var bad = false
            for (settingKey, _) in settings {
                let setting = settingKey.string ?? "?"
                if !known.contains(setting) {
                    let hint = closest(to: setting, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                    report(settingKey.mark, "connection '\(name)': unknown setting '\(setting)'\(hint)")
                    bad = true
                }
            }
            if bad { continue }
            do {
                let configuration = try YAMLDecoder().decode(ConnectionConfiguration.self, from: node)
                try configuration.validate(connection: name)
                connections.append((name, configuration.resolvingPaths(relativeTo: folder)))
            } catch let error as KamiflowError {
                report(node.mark, "connection '\(name)': \(error.message)")
            } catch let error as DecodingError {
                let (path, message) = describe(error)
                report(locate(path, in: node), "connection '\(name)': \(message)")
            } catch {
                report(node.mark, "connection '\(name)': \(error)")
            }
        }
        if !diagnostics.isEmpty {
            throw KamiflowError(.invalidDeployment, diagnostics.joined(separator: "\n"), subject: file)
        }
        return DeploymentConnections(connections: connections)
    }

    /// Builds every connector; secrets come from `environment`.
    func makeConnectors(environment: [String: String], logger: Logger) throws -> [String: any Connector] {
        var connectors: [String: any Connector] = [:]
        for (name, configuration) in connections {
            connectors[name] = try ConnectorFactory.makeConnector(
                named: name, configuration: configuration, environment: environment, logger: logger)
        }
        return connectors
    }

    // MARK: Diagnostics

    private static func describe(_ error: DecodingError) -> ([any CodingKey], String) {
        func where_(_ path: [any CodingKey]) -> String {
            path.isEmpty
                ? ""
                : " at '" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (context.codingPath, "missing setting '\(key.stringValue)'\(where_(context.codingPath))")
        case .typeMismatch(let type, let context):
            return (context.codingPath, "'\(context.codingPath.last?.stringValue ?? "?")' must be \(typeName(type))")
        case .valueNotFound(let type, let context):
            return (context.codingPath, "'\(context.codingPath.last?.stringValue ?? "?")' must be \(typeName(type))")
        case .dataCorrupted(let context):
            return (context.codingPath, context.debugDescription + where_(context.codingPath))
        @unknown default:
            return ([], "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "a \(type)"
        }
    }

    /// The mark of the deepest node along `path`.
    private static func locate(_ path: [any CodingKey], in node: Node) -> Mark? {
        var current = node
        for key in path {
            if let index = key.intValue, let sequence = current.sequence, index < sequence.count {
                current = sequence[index]
            } else if let mapping = current.mapping, let next = mapping[key.stringValue] {
                current = next
            } else {
                break
            }
        }
        return current.mark
    }

    private static func closest(to word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var row = [i + 1]
                for (j, y) in b.enumerated() {
                    row.append(min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1)))
                }
                previous = row
            }
            return previous[b.count]
        }
        let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.min { $0.1 < $1.1 }
        return scored.flatMap { $0.1 <= max(2, word.count / 3) ? $0.0 : nil }
    }
}
