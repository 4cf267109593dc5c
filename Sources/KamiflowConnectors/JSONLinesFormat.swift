public import Foundation
public import KamiflowCore
public import Logging

/// JSON Lines appended to one file (the `type: jsonl` entry): one object per record, each batch appended
/// atomically, for log-shipping tools and for people who want to `jq` what was delivered.
public struct JSONLinesConnectionConfiguration: Hashable, Sendable, Codable {
    /// The folder the file is in.
    public var folder: String
    /// The one file batches are appended to.
    public var file: String

    /// Settings with the defaults a deployment file gets when it leaves them out.
    public init(folder: String, file: String = "records.jsonl") {
        self.folder = folder
        self.file = file
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case folder, file }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            folder: try c.decode(String.self, forKey: .folder),
            file: try c.decodeIfPresent(String.self, forKey: .file) ?? "records.jsonl")
    }
}

struct JSONLinesFormat: RecordFileFormat {
    let configuration: JSONLinesConnectionConfiguration

    func encode(_ request: DeliveryRequest) throws(RecordProblem) -> Data {
        var line = "{\"idempotency_key\":"
        JSONValue.appendQuoted(request.idempotencyKey, to: &line)
        line += ",\"workflow\":"
        JSONValue.appendQuoted(request.workflow, to: &line)
        line += ",\"resource\":"
        if let resource = request.resource { JSONValue.appendQuoted(resource, to: &line) } else { line += "null" }
        line += ",\"record\":" + DeliveryRequestBody.json(for: request.payload) + "}\n"
        return Data(line.utf8)
    }

    func file(records: [(request: DeliveryRequest, bytes: Data)]) throws(RecordProblem) -> Data {
        records.reduce(into: Data()) { $0 += $1.bytes }
    }

    func placement(stamp: String) -> BatchFileStore.Placement { .append(configuration.file) }
}

extension JSONLinesConnectionConfiguration: FolderConnectionSettings {
    public static let typeName = "jsonl"
    public static var settingNames: [String] { CodingKeys.allCases.map(\.stringValue) }

    public func makeConnector(
        named name: String, environment: [String: String], logger: Logger
    ) throws
        -> any Connector
    {
        try FileConnector(name: name, folder: folder, format: JSONLinesFormat(configuration: self), logger: logger)
    }

    public func contract(for resource: String?, openAPIDocument: Data?) throws -> MappingContract {
        MappingContract(requiredFields: [], knownFields: nil, source: "a JSON Lines file")
    }

    public var destination: String { folder + "/" + file }
}
