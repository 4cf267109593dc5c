public import Foundation
public import KamiflowCore
public import KamiflowWorkflow

/// What was printed on one form of a sample file: the values by field path (normalised the way extraction should
/// produce them), the defects planted, and where the template landed on the scan.
public struct FormTruth: Hashable, Sendable, Codable {
    /// 0-based page of the file the form is on.
    public var page: Int
    /// The sample's number in its batch (with the batch seed it regenerates the same person).
    public var sample: Int
    /// Field path → value as `FieldValue.textValue` spells it (`""` for a field left blank).
    public var values: [String: String]
    /// Field path → field type name, for accuracy per type.
    public var types: [String: FieldType]
    public var defects: [PlantedDefect]
    /// The resolution the page was scanned at.
    public var dpi: Double
    /// Skew, shift, scale and the affine map template millimetres → scan pixels.
    public var geometry: ScanGeometry

    public init(
        page: Int, sample: Int, values: [String: String], types: [String: FieldType], defects: [PlantedDefect],
        dpi: Double, geometry: ScanGeometry
    ) {
        self.page = page
        self.sample = sample
        self.values = values
        self.types = types
        self.defects = defects
        self.dpi = dpi
        self.geometry = geometry
    }
}

/// The `<name>.truth.json` written beside every sample image.
public struct GroundTruth: Hashable, Sendable, Codable {
    public var workflow: String
    /// The image file's name (in the same folder).
    public var image: String
    public var format: String
    public var profile: ScanProfile
    public var seed: UInt64
    /// The forms' "today" (the reference date of the fake data); extraction's date rules must use the same day.
    public var today: CivilDate?
    public var forms: [FormTruth]

    public init(
        workflow: String, image: String, format: String, profile: ScanProfile, seed: UInt64, today: CivilDate? = nil,
        forms: [FormTruth]
    ) {
        self.workflow = workflow
        self.image = image
        self.format = format
        self.profile = profile
        self.seed = seed
        self.today = today
        self.forms = forms
    }

    /// Stable JSON (sorted keys) so that the same batch gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a `.truth.json`; errors name the file.
    public static func load(from url: URL) throws -> GroundTruth {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw KamiflowError(.fileNotFound, "cannot read the ground truth file", subject: url.path)
        }
        do { return try JSONDecoder().decode(GroundTruth.self, from: data) } catch {
            throw KamiflowError(
                .invalidArgument, "not a Kamiflow ground truth file: \(Self.describe(error))", subject: url.path)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            return "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default:
            return "\(error)"
        }
    }
}

extension FormTruth {
    /// The truth of a filled form.
    init(form: FilledForm, page: Int, sample: Int, dpi: Double, geometry: ScanGeometry) {
        var values: [String: String] = [:]
        var types: [String: FieldType] = [:]
        for field in form.fields {
            values[field.path] = field.truth
            types[field.path] = field.type
        }
        self.init(
            page: page, sample: sample, values: values, types: types, defects: form.defects, dpi: dpi,
            geometry: geometry)
    }
}
