public import Foundation
public import KamiflowCore
public import Logging

/// What Kamiflow knows of one kind of connection, in one place: its `type:` name, its settings (decoded from the
/// deployment file, checked key by key there), how its connector is built, what a mapping delivering to it must
/// provide, and where it delivers. Adding a kind of connection is one conforming settings type and one line in
/// ``ConnectionConfiguration/kinds``.
public protocol ConnectionSettings: Codable, Hashable, Sendable {
    /// The `type:` value a deployment file names this kind by.
    static var typeName: String { get }
    /// The settings a deployment file may give, besides `type` (the settings type's coding keys).
    static var settingNames: [String] { get }
    /// The keys of each item of a setting that is a list of mappings (a fixed-width file's `layout:`), by setting.
    static var itemSettingNames: [String: [String]] { get }

    /// The connector, named `name` in outcomes and logs; `*_env` settings are resolved from `environment` here and
    /// nowhere else.
    func makeConnector(named name: String, environment: [String: String], logger: Logger) throws -> any Connector
    /// What a workflow mapping delivering `resource` here must and may provide.
    func contract(for resource: String?, openAPIDocument: Data?) throws -> MappingContract
    /// The same settings with relative file and folder paths passed through `resolve`.
    func resolvingPaths(_ resolve: (String) -> String) -> Self
    /// Checks what can be checked without touching the target (URL form, layouts, the 全銀 header).
    func validate(connection: String) throws
    /// Where it delivers to, for listings: a URL, a database file or a folder. Never a secret.
    var destination: String { get }
}

extension ConnectionSettings {
    public static var itemSettingNames: [String: [String]] { [:] }
    public func resolvingPaths(_ resolve: (String) -> String) -> Self { self }
    public func validate(connection: String) throws {}
}

/// A kind of connection that writes files into a folder: the folder is its path to resolve and where it delivers.
public protocol FolderConnectionSettings: ConnectionSettings {
    var folder: String { get set }
}

extension FolderConnectionSettings {
    public func resolvingPaths(_ resolve: (String) -> String) -> Self {
        var copy = self
        copy.folder = resolve(folder)
        return copy
    }

    public var destination: String { folder }
}

/// One entry of a deployment file's `connections:`: the settings of one of the ``kinds``, chosen by its `type:`.
///
/// Codable so that the executable can decode it straight from `kamiflow.yaml` (with Yams) or JSON. Secrets are never
/// part of it: entries name environment variables (`token_env`), and ``ConnectorFactory`` resolves them from the
/// environment it is handed.
public struct ConnectionConfiguration: Hashable, Sendable {
    /// The connection's settings; cast to a kind's type (`as? HTTPConnectionConfiguration`) for what only it has.
    public let settings: any ConnectionSettings

    public init(_ settings: any ConnectionSettings) {
        self.settings = settings
    }

    /// Every kind of connection, the one list the deployment loader, the schema and the decoder read.
    public static let kinds: [any ConnectionSettings.Type] = [
        HTTPConnectionConfiguration.self, SQLiteConnectionConfiguration.self, CSVConnectionConfiguration.self,
        FixedWidthConnectionConfiguration.self, ZenginConnectionConfiguration.self,
        JSONLinesConnectionConfiguration.self,
    ]

    public static func http(_ settings: HTTPConnectionConfiguration) -> Self { Self(settings) }
    public static func sqlite(_ settings: SQLiteConnectionConfiguration) -> Self { Self(settings) }
    public static func csv(_ settings: CSVConnectionConfiguration) -> Self { Self(settings) }
    public static func fixedWidth(_ settings: FixedWidthConnectionConfiguration) -> Self { Self(settings) }
    public static func zengin(_ settings: ZenginConnectionConfiguration) -> Self { Self(settings) }
    public static func jsonLines(_ settings: JSONLinesConnectionConfiguration) -> Self { Self(settings) }

    /// The `type:` value, as a deployment file spells it.
    public var typeName: String { type(of: settings).typeName }

    /// The types a deployment file may name, for error messages.
    public static var typeNames: [String] { kinds.map { $0.typeName } }

    public static func == (left: Self, right: Self) -> Bool {
        AnyHashable(left.settings) == AnyHashable(right.settings)
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(settings)) }
}

extension ConnectionConfiguration: Codable {
    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        guard let kind = Self.kinds.first(where: { $0.typeName == type }) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [TypeKey.type],
                    debugDescription: "unknown connection type '\(type)' (expected one of: "
                        + Self.typeNames.joined(separator: ", ") + ")"))
        }
        settings = try kind.init(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(typeName, forKey: .type)
        try settings.encode(to: encoder)
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
        try configuration.settings.makeConnector(named: name, environment: environment, logger: logger)
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
        try settings.contract(for: resource, openAPIDocument: openAPIDocument)
    }
}

extension ConnectionConfiguration {
    /// The resources an OpenAPI document accepts records for (the last path segment of every POST); none when the
    /// document cannot be read.
    public static func resources(inOpenAPI data: Data) -> [String] {
        (try? OpenAPIRequestSchemas(data: data))?.resources ?? []
    }

    static func contract(openAPI data: Data, resource: String) throws -> MappingContract {
        let schemas = try OpenAPIRequestSchemas(data: data)
        guard let body = schemas.body(forResource: resource) else {
            throw KamiflowError(
                .invalidWorkflow,
                "the core system's API has no POST for '\(resource)' (it has: \(schemas.resources.joined(separator: ", ")))",
                subject: resource)
        }
        var constraints: [String: FieldConstraint] = [:]
        for (name, property) in body.properties {
            constraints[name] = FieldConstraint(
                isDate: property.format == "date", allowedValues: property.allowedValues, pattern: property.pattern,
                maxLength: property.maxLength, summary: property.summary)
        }
        return MappingContract(
            requiredFields: body.required, knownFields: body.isClosed ? body.properties.keys.sorted() : nil,
            source: body.source, fields: constraints)
    }
}

extension ConnectionConfiguration {
    /// The settings a deployment file may give for a connection of `type`, `type` itself included; `nil` for an
    /// unknown type. Lets the deployment loader report a misspelt setting instead of silently ignoring it.
    public static func settingNames(forType type: String) -> [String]? {
        kinds.first { $0.typeName == type }.map { ["type"] + $0.settingNames }
    }

    /// The keys of each item of a setting that is a list of mappings (a fixed-width file's `layout:`), by setting,
    /// so that the deployment loader checks those keys too.
    public static func itemSettingNames(forType type: String) -> [String: [String]] {
        kinds.first { $0.typeName == type }?.itemSettingNames ?? [:]
    }

    /// The same connection with relative file and folder paths taken relative to `folder` (the deployment file's
    /// folder), so that a deployment behaves the same whatever the working directory.
    public func resolvingPaths(relativeTo folder: String) -> ConnectionConfiguration {
        ConnectionConfiguration(
            settings.resolvingPaths { path in
                path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).standardized.path
            })
    }

    /// Checks what can be checked without touching the target (URL form, layouts, the 全銀 header), so a
    /// deployment file's mistakes show up when it loads.
    public func validate(connection: String) throws {
        try settings.validate(connection: connection)
    }

    /// Where the connection delivers to, for listings: a URL, a database file or a folder. Never a secret.
    public var destination: String { settings.destination }
}
