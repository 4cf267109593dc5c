import Foundation
import KamiflowCore
import Logging

/// One entry of a deployment file's `connections:`, decoded from its `type:` and that type's settings.
///
/// Codable so that the executable can decode it straight from `kamiflow.yaml` (with Yams) or JSON. Secrets are never
/// part of it: entries name environment variables (`token_env`), and ``ConnectorFactory`` resolves them from the
/// environment it is handed.
public enum ConnectionConfiguration: Hashable, Sendable {
    case http(HTTPConnectionConfiguration)
    case sqlite(SQLiteConnectionConfiguration)

    /// The `type:` value of each case, as a deployment file spells it.
    public var typeName: String {
        switch self {
        case .http: "http"
        case .sqlite: "sqlite"
        }
    }

    /// The types a deployment file may name, for error messages.
    public static let typeNames = ["http", "sqlite"]
}

extension ConnectionConfiguration: Codable {
    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "http": self = .http(try HTTPConnectionConfiguration(from: decoder))
        case "sqlite": self = .sqlite(try SQLiteConnectionConfiguration(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [TypeKey.type],
                debugDescription: "unknown connection type '\(type)' (expected one of: "
                    + Self.typeNames.joined(separator: ", ") + ")"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .http(let c): try c.encode(to: encoder)
        case .sqlite(let c): try c.encode(to: encoder)
        }
    }
}

/// Builds the connector a configuration describes. The only place that turns `*_env` names into secrets, from the
/// `environment` it is given (the executable passes `ProcessInfo.processInfo.environment`, tests pass a literal).
public enum ConnectorFactory {
    public static func makeConnector(
        named name: String,
        configuration: ConnectionConfiguration,
        environment: [String: String],
        logger: Logger = Logger(label: "kamiflow.connectors")
    ) throws -> any Connector {
        switch configuration {
        case .http(let http):
            var token: String?
            if let variable = http.tokenEnv {
                guard let value = environment[variable], !value.isEmpty else {
                    throw KamiflowError(
                        .invalidDeployment, "token_env names \(variable), but that environment variable is not set",
                        subject: name)
                }
                token = value
            }
            return try HTTPConnector(name: name, configuration: http, token: token, logger: logger)
        case .sqlite(let sqlite):
            return try SQLiteConnector(name: name, configuration: sqlite, logger: logger)
        }
    }
}
