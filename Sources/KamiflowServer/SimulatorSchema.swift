public import Foundation
import KamiflowConnectors
import KamiflowCore

/// One field error of a 422 answer, as the OpenAPI document's `FieldError` schema describes it.
///
/// `message` never repeats the submitted value: the simulator stands for a system that holds 特定個人情報, and its
/// answers end up in runner logs.
public struct FieldError: Hashable, Sendable, Codable {
    public var field: String
    public var code: String
    public var message: String

    /// An error about `field`; `code` is one of the document's `FieldError.code` values.
    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// NSRegularExpression is immutable after creation and documented thread-safe; this box says so to the compiler.
struct CompiledPattern: @unchecked Sendable {
    let source: String
    let regex: NSRegularExpression

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// The rules of one property of a resource, read from the OpenAPI document (a JSON Schema subset).
struct PropertyRule: Sendable {
    var pattern: CompiledPattern?
    var allowed: [String]?
    var minLength: Int?
    var maxLength: Int?
    var format: String?
    /// `x-kamiflow-check`: `mynumber` (check digit) or `wareki` (元号コード + YYMMDD inside the era).
    var check: String?
}

/// The request schema of one resource: what the simulator enforces, taken from the committed OpenAPI document so
/// that the document and the server cannot drift apart.
struct ResourceSchema: Sendable {
    var name: String
    var title: String
    var required: [String]
    /// In the document's order of declaration is not preserved by JSON objects; sorted for stable output.
    var properties: [String: PropertyRule]
    var allowsUnknownFields: Bool

    /// Every problem with `body` at once, in a stable order (required first, then by field name).
    func validate(_ body: [String: JSONValue]) -> [FieldError] {
        var errors: [FieldError] = []
        for field in required {
            let value = body[field]
            if value == nil || value == .null || value == .string("") {
                errors.append(FieldError(field: field, code: "required", message: "is required"))
            }
        }
        for key in body.keys.sorted() {
            let value = body[key]!
            guard let rule = properties[key] else {
                if !allowsUnknownFields {
                    errors.append(FieldError(field: key, code: "unknown_field", message: "is not a field of \(name)"))
                }
                continue
            }
            switch value {
            case .null: continue
            case .string(let text):
                if text.isEmpty { continue }
                errors += Self.check(text, against: rule, field: key)
            default:
                errors.append(FieldError(field: key, code: "type", message: "must be a string"))
            }
        }
        return errors
    }

    private static func check(_ text: String, against rule: PropertyRule, field: String) -> [FieldError] {
        var errors: [FieldError] = []
        let length = text.unicodeScalars.count
        if let min = rule.minLength, length < min {
            errors.append(FieldError(field: field, code: "min_length", message: "must have at least \(min) characters"))
        }
        if let max = rule.maxLength, length > max {
            errors.append(FieldError(field: field, code: "max_length", message: "must have at most \(max) characters"))
        }
        if let allowed = rule.allowed, !allowed.contains(text) {
            errors.append(
                FieldError(
                    field: field, code: "enum", message: "must be one of \(allowed.joined(separator: ", "))"))
        }
        if let pattern = rule.pattern, !pattern.matches(text) {
            errors.append(FieldError(field: field, code: "pattern", message: "must match \(pattern.source)"))
        }
        if rule.format == "date", ISODate.parse(text) == nil {
            errors.append(FieldError(field: field, code: "format", message: "must be a real day written YYYY-MM-DD"))
        }
        if errors.isEmpty, rule.check == "mynumber", !CheckDigit.isValidMyNumber(text) {
            errors.append(FieldError(field: field, code: "check_digit", message: "個人番号の検査用数字が一致しません"))
        }
        if errors.isEmpty, rule.check == "wareki", Wareki.date(fromCode: text) == nil {
            errors.append(
                FieldError(
                    field: field, code: "era_range", message: "is not a day of the era its 元号コード names"))
        }
        return errors
    }
}

/// The committed OpenAPI document and the resource schemas read from it.
public struct SimulatorDocument: Sendable {
    /// The bytes of `openapi.json` as committed and served at `/openapi.json`.
    public let data: Data
    let resources: [String: ResourceSchema]

    /// Resource names in path order, e.g. `jidou-teate`.
    public var resourceNames: [String] { resources.keys.sorted() }

    /// The document shipped in this module's bundle.
    public static let bundled: SimulatorDocument = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { fatalError("openapi.json is missing from the KamiflowServer bundle: the package is broken") }
        do { return try SimulatorDocument(data: data) } catch {
            fatalError("the bundled openapi.json is invalid: \(error)")
        }
    }()

    init(data: Data) throws {
        self.data = data
        let schemas = try OpenAPIRequestSchemas(data: data, name: "openapi.json")
        var resources: [String: ResourceSchema] = [:]
        for (path, body) in schemas.bodies where path.hasPrefix("/v1/") {
            let name = String(path.dropFirst(4))
            var properties: [String: PropertyRule] = [:]
            for (field, property) in body.properties {
                var rule = PropertyRule()
                if let pattern = property.pattern {
                    rule.pattern = CompiledPattern(source: pattern, regex: try NSRegularExpression(pattern: pattern))
                }
                rule.allowed = property.allowedValues
                rule.minLength = property.minLength
                rule.maxLength = property.maxLength
                rule.format = property.format
                rule.check = property.extensions["x-kamiflow-check"]
                properties[field] = rule
            }
            resources[name] = ResourceSchema(
                name: name, title: body.title ?? name, required: body.required, properties: properties,
                allowsUnknownFields: !body.isClosed)
        }
        self.resources = resources
    }
}

enum ISODate {
    static func parse(_ text: String) -> CivilDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        return CivilDate(validYear: y, month: m, day: d)
    }
}

/// 和暦 as legacy files hold it: 元号コード (1–5) + YYMMDD (DOMAIN §4.5).
enum Wareki {
    static func date(fromCode text: String) -> CivilDate? {
        let digits = text.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == 7, text.count == 7, let era = Era.allCases.first(where: { $0.code == digits[0] })
        else { return nil }
        let year = digits[1] * 10 + digits[2]
        guard year >= 1,
            let date = CivilDate(
                validYear: era.gregorianYear(year), month: digits[3] * 10 + digits[4], day: digits[5] * 10 + digits[6]),
            date >= era.firstDay, era.lastDay.map({ date <= $0 }) ?? true
        else { return nil }
        return date
    }
}
