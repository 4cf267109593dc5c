public import Foundation
public import KamiflowCore
import OpenAPIKit
import OpenAPIKit30
import OpenAPIKitCompat
import Yams

/// The request schemas of a core system's OpenAPI document: for every `POST`, the JSON object its body must be.
///
/// The one reader of OpenAPI documents in Kamiflow: the http connector's mapping contract and the simulated core
/// system's request validation both start here, so they cannot read one document two ways. The document is parsed
/// by OpenAPIKit: OpenAPI 3.0 or 3.1, JSON or YAML, every local `$ref` followed (inside properties too) and `allOf`
/// merged into one object, as vendors' documents write them.
public struct OpenAPIRequestSchemas: Sendable {
    /// What one property of a request body accepts, as the schema states it.
    public struct Property: Sendable, Hashable {
        /// `format:` (`date`, `date-time`, …).
        public var format: String?
        /// `enum:` values, as text.
        public var allowedValues: [String]?
        /// `pattern:` (ECMA-262, as JSON Schema writes it).
        public var pattern: String?
        public var minLength: Int?
        public var maxLength: Int?
        /// `description:`, the vendor's own words.
        public var summary: String?
        /// Vendor extensions with text values (`x-kamiflow-check: mynumber`).
        public var extensions: [String: String]
    }

    /// The body of one `POST`.
    public struct RequestBody: Sendable, Hashable {
        /// The path, e.g. `/v1/jidou-teate`.
        public var path: String
        /// The component name the body refers to (`JidouTeate`) when it is a `$ref`, else `nil`.
        public var schemaName: String?
        /// The schema's `title:`.
        public var title: String?
        public var required: [String]
        public var properties: [String: Property]
        /// `additionalProperties: false`: no other field is accepted.
        public var isClosed: Bool

        /// Where this contract comes from, for messages.
        public var source: String {
            schemaName.map { "the schema \($0) (POST \(path))" } ?? "the OpenAPI schema of POST \(path)"
        }
    }

    /// Every `POST` with a JSON body, by path.
    public let bodies: [String: RequestBody]

    /// Reads `data` (JSON or YAML, OpenAPI 3.0.x or 3.1.x); throws `invalidArgument` naming what is wrong.
    public init(data: Data, name: String = "the OpenAPI document") throws(KamiflowError) {
        let document: OpenAPIKit.OpenAPI.Document
        do {
            guard let text = String(data: data, encoding: .utf8) else {
                throw KamiflowError(.invalidArgument, "\(name) is not UTF-8 text", subject: name)
            }
            let version = try YAMLDecoder().decode(VersionOnly.self, from: text).openapi
            if version.hasPrefix("3.0") {
                document = try YAMLDecoder().decode(OpenAPIKit30.OpenAPI.Document.self, from: text)
                    .convert(to: .v3_1_0)
            } else if version.hasPrefix("3.1") {
                document = try YAMLDecoder().decode(OpenAPIKit.OpenAPI.Document.self, from: text)
            } else {
                throw KamiflowError(
                    .invalidArgument, "\(name) is OpenAPI \(version); Kamiflow reads OpenAPI 3.0 and 3.1",
                    subject: name)
            }
        } catch let error as KamiflowError {
            throw error
        } catch {
            throw KamiflowError(
                .invalidArgument, "\(name) is not an OpenAPI 3 document: \(Self.describe(error))", subject: name)
        }
        let resolved: OpenAPIKit.DereferencedDocument
        do { resolved = try document.locallyDereferenced() } catch {
            throw KamiflowError(
                .invalidArgument, "\(name) has a reference that cannot be followed: \(Self.describe(error))",
                subject: name)
        }
        var bodies: [String: RequestBody] = [:]
        for (path, item) in resolved.paths {
            guard let content = item.post?.requestBody?.content,
                let schema = content[OpenAPIKit.OpenAPI.ContentType.json]?.schema
                    ?? content.first(where: { $0.key.typeAndSubtype.hasSuffix("json") })?
                    .value.schema
            else { continue }
            let name = Self.componentName(of: path.rawValue, in: document)
            guard let body = Self.readBody(path: path.rawValue, schemaName: name, schema: schema) else {
                throw KamiflowError(
                    .invalidArgument,
                    "the request body of POST \(path.rawValue) in \(name.map { "the schema \($0) of " } ?? "")the document is not a JSON object",
                    subject: path.rawValue)
            }
            bodies[path.rawValue] = body
        }
        self.bodies = bodies
    }

    /// The resources records can be posted to: the last segment of every `POST` path, sorted.
    public var resources: [String] {
        bodies.keys.compactMap { $0.split(separator: "/").last.map(String.init) }.sorted()
    }

    /// The body of the `POST` whose path ends in `/<resource>` (the first such path in sorted order).
    public func body(forResource resource: String) -> RequestBody? {
        bodies.keys.sorted().first { $0.hasSuffix("/" + resource) }.flatMap { bodies[$0] }
    }

    private struct VersionOnly: Decodable {
        var openapi: String
    }

    private static func readBody(
        path: String, schemaName: String?, schema: OpenAPIKit.DereferencedJSONSchema
    )
        -> RequestBody?
    {
        guard let object = objectParts(of: schema) else { return nil }
        var properties: [String: Property] = [:]
        for (field, property) in object.properties {
            // A property written as `allOf: [$ref, {description: …}]` is merged into one schema where OpenAPIKit can;
            // where it cannot, the property's own words are read as they stand.
            let simple = (try? property.simplified()) ?? property
            let text = simple.jsonSchema.stringContext
            properties[field] = Property(
                format: simple.formatString.flatMap { $0.isEmpty ? nil : $0 },
                allowedValues: simple.allowedValues?.map { "\($0.value)" },
                pattern: text?.pattern,
                minLength: text.flatMap { OpenAPIKit.JSONSchema.StringContext._minLength($0) },
                maxLength: text?.maxLength,
                summary: simple.description,
                extensions: simple.vendorExtensions.compactMapValues { $0.value as? String })
        }
        return RequestBody(
            path: path, schemaName: schemaName, title: schema.title ?? object.title,
            required: Array(Set(object.required)).sorted(), properties: properties, isClosed: object.closed)
    }

    /// The object a schema describes, with an `allOf` merged by hand: the union of its parts' properties and
    /// required fields, closed when a part says `additionalProperties: false` (what vendors mean by it when they
    /// extend a shared base). OpenAPIKit's own merge refuses parts whose `required` lists differ, which is the
    /// usual way a vendor extends a base schema.
    private static func objectParts(
        of schema: OpenAPIKit.DereferencedJSONSchema
    )
        -> (
            properties: [(String, OpenAPIKit.DereferencedJSONSchema)], required: [String], closed: Bool, title: String?
        )?
    {
        switch schema {
        case .object(_, let object):
            let closed: Bool
            if case .a(false) = object.additionalProperties { closed = true } else { closed = false }
            return (object.properties.map { ($0.key, $0.value) }, object.requiredProperties, closed, schema.title)
        case .all(let parts, _):
            let objects = parts.compactMap(objectParts(of:))
            guard !objects.isEmpty else { return nil }
            var seen: Set<String> = []
            var properties: [(String, OpenAPIKit.DereferencedJSONSchema)] = []
            for part in objects {
                for property in part.properties where seen.insert(property.0).inserted { properties.append(property) }
            }
            return (
                properties, objects.flatMap(\.required), objects.contains(where: \.closed),
                schema.title ?? objects.compactMap(\.title).first
            )
        default:
            return nil
        }
    }

    /// The component a path's POST body names by `$ref`, read from the document before references are followed.
    private static func componentName(of path: String, in document: OpenAPIKit.OpenAPI.Document) -> String? {
        guard let item = document.paths[OpenAPIKit.OpenAPI.Path(rawValue: path)]?.pathItemValue,
            let body = item.post?.requestBody?.requestValue,
            let entry = body.content.first(where: { $0.key.typeAndSubtype.hasSuffix("json") })?.value,
            case .b(let content) = entry, let schema = content.schema
        else { return nil }
        if case .reference(let reference, _) = schema.value { return reference.name }
        return nil
    }

    /// An OpenAPIKit or decoding error as one line a user can act on.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? DecodingError {
            switch error {
            case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
                .valueNotFound(_, let context):
                let at = context.codingPath.map(\.stringValue).joined(separator: ".")
                return at.isEmpty ? context.debugDescription : "at \(at): \(context.debugDescription)"
            @unknown default: break
            }
        }
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }
}
