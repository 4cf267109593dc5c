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
    case csv(CSVConnectionConfiguration)
    case fixedWidth(FixedWidthConnectionConfiguration)
    case zengin(ZenginConnectionConfiguration)
    case jsonLines(JSONLinesConnectionConfiguration)

    /// The `type:` value of each case, as a deployment file spells it.
    public var typeName: String {
        switch self {
        case .http: "http"
        case .sqlite: "sqlite"
        case .csv: "csv"
        case .fixedWidth: "fixed-width"
        case .zengin: "zengin"
        case .jsonLines: "jsonl"
        }
    }

    /// The types a deployment file may name, for error messages.
    public static let typeNames = ["http", "sqlite", "csv", "fixed-width", "zengin", "jsonl"]
}

extension ConnectionConfiguration: Codable {
    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "http": self = .http(try HTTPConnectionConfiguration(from: decoder))
        case "sqlite": self = .sqlite(try SQLiteConnectionConfiguration(from: decoder))
        case "csv": self = .csv(try CSVConnectionConfiguration(from: decoder))
        case "fixed-width": self = .fixedWidth(try FixedWidthConnectionConfiguration(from: decoder))
        case "zengin": self = .zengin(try ZenginConnectionConfiguration(from: decoder))
        case "jsonl": self = .jsonLines(try JSONLinesConnectionConfiguration(from: decoder))
        default:
            throw DecodingError.dataCorrupted(
                .init(
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
        case .csv(let c): try c.encode(to: encoder)
        case .fixedWidth(let c): try c.encode(to: encoder)
        case .zengin(let c): try c.encode(to: encoder)
        case .jsonLines(let c): try c.encode(to: encoder)
        }
    }
}

/// Builds the connector a configuration describes. The only place that turns `*_env` names into secrets, from the
/// `environment` it is given (the executable passes `ProcessInfo.processInfo.environment`, tests pass a literal).
public enum ConnectorFactory {
    /// A connector for `configuration`, named `name` in outcomes and logs; throws `invalidDeployment` naming the
    /// connection when a `*_env` variable is missing or the settings are wrong, `io`/`delivery` when the target
    /// (folder, database) cannot be opened.
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
        case .csv(let csv):
            return try FileConnector(
                name: name, folder: csv.folder, format: CSVFormat(configuration: csv), logger: logger)
        case .fixedWidth(let fixed):
            try fixed.validate(connection: name)
            return try FileConnector(
                name: name, folder: fixed.folder, format: FixedWidthFormat(configuration: fixed), logger: logger)
        case .zengin(let zengin):
            return try FileConnector(
                name: name, folder: zengin.folder, format: ZenginFormat(configuration: zengin, connection: name),
                logger: logger)
        case .jsonLines(let jsonl):
            return try FileConnector(
                name: name, folder: jsonl.folder, format: JSONLinesFormat(configuration: jsonl), logger: logger)
        }
    }
}

extension ConnectionConfiguration {
    /// The contract for `resource` (or the connection's fixed resource): what a workflow mapping delivering here
    /// must and may provide.
    ///
    /// - Parameter openAPIDocument: for `http`, the core system's OpenAPI 3 document (the simulator's is
    ///   `CoreSimulator.openAPIDocument`, also served at `/openapi.json`); fields, required fields, code lists,
    ///   patterns and dates are read from the POST request schema of the path that ends in `/<resource>`. Without
    ///   a document an http connection accepts any field.
    public func contract(for resource: String?, openAPIDocument: Data? = nil) throws -> MappingContract {
        switch self {
        case .http(let http):
            guard let openAPIDocument else {
                return MappingContract(requiredFields: [], knownFields: nil, source: "an API without a known schema")
            }
            guard let resource = http.resource ?? resource else {
                throw KamiflowError(.invalidWorkflow, "no resource: neither the connection nor the mapping names one")
            }
            return try Self.contract(openAPI: openAPIDocument, resource: resource)
        case .sqlite(let sqlite):
            return MappingContract(
                requiredFields: [], knownFields: nil, source: "the database \(sqlite.path)",
                reservedFields: SQLiteConnector.reservedColumns.sorted())
        case .jsonLines:
            return MappingContract(requiredFields: [], knownFields: nil, source: "a JSON Lines file")
        case .csv(let csv):
            return MappingContract(
                requiredFields: [], knownFields: csv.columns,
                source: csv.columns == nil ? "a CSV file" : "the CSV layout",
                reservedFields: csv.keyColumn.map { [$0] } ?? [])
        case .fixedWidth(let fixed):
            var constraints: [String: FieldConstraint] = [:]
            for column in fixed.layout {
                guard let field = column.field else { continue }
                constraints[field] =
                    column.kind == .numeric
                    ? FieldConstraint(pattern: "^[0-9]{0,\(column.bytes)}$", summary: "N\(column.bytes): digits only")
                    : FieldConstraint(summary: "C\(column.bytes): text of at most \(column.bytes) bytes")
            }
            return MappingContract(
                requiredFields: [], knownFields: fixed.layout.compactMap(\.field), source: "the fixed-width layout",
                fields: constraints)
        case .zengin:
            return MappingContract(
                requiredFields: ZenginConnectionConfiguration.requiredRecordFields,
                knownFields: ZenginConnectionConfiguration.recordFields,
                source: "a 全銀 総合振込 data record", fields: ZenginConnectionConfiguration.recordConstraints)
        }
    }

    /// The resources an OpenAPI document accepts records for (the last path segment of every POST).
    public static func resources(inOpenAPI data: Data) -> [String] {
        guard let paths = JSONValue.parse(data)?["paths"]?.objectValue else { return [] }
        return paths.keys.filter { paths[$0]?["post"] != nil }.compactMap { $0.split(separator: "/").last.map(String.init) }
            .sorted()
    }

    static func contract(openAPI data: Data, resource: String) throws -> MappingContract {
        guard let root = JSONValue.parse(data), let paths = root["paths"]?.objectValue else {
            throw KamiflowError(.invalidArgument, "the OpenAPI document is not JSON with `paths`", subject: resource)
        }
        guard let path = paths.keys.sorted().first(where: { $0.hasSuffix("/" + resource) }),
            var schema = paths[path]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]
        else {
            let known = resources(inOpenAPI: data)
            throw KamiflowError(
                .invalidWorkflow,
                "the core system's API has no POST for '\(resource)' (it has: \(known.joined(separator: ", ")))",
                subject: resource)
        }
        var source = "the OpenAPI schema of POST \(path)"
        if let ref = schema["$ref"]?.stringValue, ref.hasPrefix("#/components/schemas/") {
            let name = String(ref.dropFirst("#/components/schemas/".count))
            schema = root["components"]?["schemas"]?[name] ?? .null
            source = "the schema \(name) (POST \(path))"
        }
        let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let properties = schema["properties"]?.objectValue ?? [:]
        let closed = schema["additionalProperties"] == .bool(false)
        var constraints: [String: FieldConstraint] = [:]
        for (name, property) in properties {
            constraints[name] = FieldConstraint(
                isDate: property["format"]?.stringValue == "date",
                allowedValues: property["enum"]?.arrayValue?.compactMap(\.stringValue),
                pattern: property["pattern"]?.stringValue,
                maxLength: property["maxLength"]?.intValue,
                summary: property["description"]?.stringValue)
        }
        return MappingContract(
            requiredFields: required, knownFields: closed ? properties.keys.sorted() : nil, source: source,
            fields: constraints)
    }
}

extension ConnectionConfiguration {
    /// The settings a deployment file may give for a connection of `type`, `type` itself included; `nil` for an
    /// unknown type. Lets the deployment loader report a misspelt setting instead of silently ignoring it.
    public static func settingNames(forType type: String) -> [String]? {
        let names: [String]
        switch type {
        case "http": names = HTTPConnectionConfiguration.CodingKeys.allCases.map(\.stringValue)
        case "sqlite": names = SQLiteConnectionConfiguration.CodingKeys.allCases.map(\.stringValue)
        case "csv": names = CSVConnectionConfiguration.CodingKeys.allCases.map(\.stringValue)
        case "fixed-width": names = FixedWidthConnectionConfiguration.CodingKeys.allCases.map(\.stringValue)
        case "zengin": names = ZenginConnectionConfiguration.CodingKeys.allCases.map(\.stringValue)
        case "jsonl": names = JSONLinesConnectionConfiguration.CodingKeys.allCases.map(\.stringValue)
        default: return nil
        }
        return ["type"] + names
    }

    /// The keys of each item of a setting that is a list of mappings (a fixed-width file's `layout:`), by setting,
    /// so that the deployment loader checks those keys too.
    public static func itemSettingNames(forType type: String) -> [String: [String]] {
        switch type {
        case "fixed-width": ["layout": FixedWidthConnectionConfiguration.Column.CodingKeys.allCases.map(\.stringValue)]
        default: [:]
        }
    }

    /// The same connection with relative file and folder paths taken relative to `folder` (the deployment file's
    /// folder), so that a deployment behaves the same whatever the working directory.
    public func resolvingPaths(relativeTo folder: String) -> ConnectionConfiguration {
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).standardized.path
        }
        switch self {
        case .http: return self
        case .sqlite(var c):
            c.path = resolve(c.path)
            return .sqlite(c)
        case .csv(var c):
            c.folder = resolve(c.folder)
            return .csv(c)
        case .fixedWidth(var c):
            c.folder = resolve(c.folder)
            return .fixedWidth(c)
        case .zengin(var c):
            c.folder = resolve(c.folder)
            return .zengin(c)
        case .jsonLines(var c):
            c.folder = resolve(c.folder)
            return .jsonLines(c)
        }
    }

    /// Checks what can be checked without touching the target (URL form, layouts, the 全銀 header), so a
    /// deployment file's mistakes show up when it loads.
    public func validate(connection: String) throws {
        switch self {
        case .http(let c): try c.validate(connection: connection)
        case .fixedWidth(let c): try c.validate(connection: connection)
        case .zengin(let c): _ = try c.headerRecord(connection: connection)
        case .sqlite, .csv, .jsonLines: break
        }
    }

    /// Where the connection delivers to, for listings: a URL, a database file or a folder. Never a secret.
    public var destination: String {
        switch self {
        case .http(let c): c.url + (c.resource.map { "/" + $0 } ?? "/<resource>")
        case .sqlite(let c): c.path
        case .csv(let c): c.folder
        case .fixedWidth(let c): c.folder
        case .zengin(let c): c.folder
        case .jsonLines(let c): c.folder + "/" + c.file
        }
    }
}
