public import Foundation
public import KamiflowCore
import KamiflowOCR
public import KamiflowWorkflow

/// Turns one scan into the records of the forms on it. The evaluator takes the extraction pipeline as this
/// closure, so it measures whatever the composition root wires in (the real pipeline, or a hand-made one in tests)
/// without KamiflowForms depending on how extraction is built.
public typealias RecordExtractor = @Sendable (ScanSource) async throws -> [FormRecord]

/// Right and wrong counts for one field, one type or everything.
public struct Tally: Hashable, Sendable, Codable {
    public var total: Int = 0
    public var correct: Int = 0

    public init(total: Int = 0, correct: Int = 0) {
        self.total = total
        self.correct = correct
    }

    /// `correct / total`, or 1 when nothing was counted.
    public var accuracy: Double { total == 0 ? 1 : Double(correct) / Double(total) }

    mutating func count(_ ok: Bool) {
        total += 1
        if ok { correct += 1 }
    }
}

/// How one field of one form came out.
public struct FieldOutcome: Hashable, Sendable, Codable {
    public var file: String
    public var page: Int
    public var path: String
    public var type: FieldType
    /// What was printed (normalised), and what extraction produced (`nil` when the field is missing from the record).
    public var expected: String
    public var read: String?
    public var raw: String?
    public var confidence: Double?
    public var correct: Bool
    /// Extraction raised an issue of warning or error severity on the field (a form that was not extracted at all
    /// counts as flagged on every field: a person keys it).
    public var flagged: Bool
    /// The record would have been delivered without a person looking.
    public var straightThrough: Bool
    public var issues: [String]
    /// A PNG crop of the field on the scan, base64, for the HTML report (only for wrong fields).
    public var crop: String?

    /// Wrong with no issue on the field itself: whatever happens to the form, a clerk is pointed at the flagged
    /// fields, so nobody looks at this one.
    public var isSilentError: Bool { !correct && !flagged }
    /// A silent error in a record that went straight through: delivered without a person at all.
    public var isDeliveredSilently: Bool { isSilentError && straightThrough }
}

/// One planted defect and whether extraction flagged it.
public struct DefectOutcome: Hashable, Sendable, Codable {
    public var file: String
    public var page: Int
    public var defect: PlantedDefect
    public var caught: Bool
}

/// The numbers `kamiflow eval` reports.
public struct EvaluationResult: Hashable, Sendable, Codable {
    public var workflow: String
    public var scans: Int = 0
    public var forms: Int = 0
    /// Forms for which extraction produced no record (or threw).
    public var formsNotExtracted: Int = 0
    public var failures: [String] = []
    /// Every field that carried no planted defect.
    public var overall = Tally()
    public var byField: [String: Tally] = [:]
    public var byType: [String: Tally] = [:]
    /// Checkbox and choice fields (read by marks, not OCR).
    public var marks = Tally()
    /// Text fields (read by OCR).
    public var printed = Tally()
    public var defects: [DefectOutcome] = []
    public var straightThroughForms: Int = 0
    /// Fields (without planted defect) in straight-through records.
    public var straightThroughFields: Int = 0
    /// Fields (without planted defect) with no issue of their own: what routing field by field lets through.
    public var unflaggedFields: Int = 0
    /// Wrong fields with no issue of their own, whatever happened to their form.
    public var silentErrors: Int = 0
    /// Of those, the ones in records that went straight through.
    public var silentErrorsDelivered: Int = 0
    /// Forms that would have gone straight through were the workflow's `review.always` empty: no issue of warning
    /// or error severity on any field or on the record.
    public var straightThroughFormsWithoutAlways: Int = 0
    /// Fields with something written in them (the truth is not blank).
    public var filledFields: Int = 0
    /// Of those, the ones with no issue of their own: the filled fields routing field by field lets through.
    public var unflaggedFilledFields: Int = 0
    /// Fields with an issue of their own, by path: what keeps the forms from going straight through.
    public var flaggedByField: [String: Int] = [:]
    /// Issues of warning or error severity on counted fields, by code.
    public var issuesByCode: [String: Int] = [:]
    /// Counted fields the reader put in doubt, by why (`Doubt`), and how many of them were right: the right ones
    /// are what the doubt costs in straight-through, the wrong ones what it keeps from passing silently.
    public var doubts: [String: Tally] = [:]
    /// Filled fields by type and by confidence (rounded down to a whole number): the material `kamiflow calibrate`
    /// chooses floors from.
    public var confidence: [String: [String: ConfidenceBin]] = [:]
    /// The wrong fields, with crops, for the report.
    public var wrong: [FieldOutcome] = []
    /// Right fields that still carry an issue of their own, without crops: the work a person is given for nothing,
    /// with the issues that gave it (what the next floor or witness could take off the clerk's desk).
    public var falseAlarms: [FieldOutcome] = []

    public init(workflow: String) { self.workflow = workflow }

    public var defectsCaught: Int { defects.filter(\.caught).count }
    public var defectsMissed: Int { defects.count - defectsCaught }
    /// Share of forms that would have gone straight through.
    public var straightThroughRate: Double { forms == 0 ? 0 : Double(straightThroughForms) / Double(forms) }
    /// Silent errors as a share of all counted fields (the issue's target: ≤ 0.1%).
    public var silentErrorRate: Double { overall.total == 0 ? 0 : Double(silentErrors) / Double(overall.total) }
    /// Silent errors in straight-through records as a share of the fields that went straight through.
    public var silentErrorRateAmongStraightThrough: Double {
        straightThroughFields == 0 ? 0 : Double(silentErrorsDelivered) / Double(straightThroughFields)
    }
    /// Share of the fields that carry no issue of their own.
    public var unflaggedFieldRate: Double { overall.total == 0 ? 0 : Double(unflaggedFields) / Double(overall.total) }
    /// Share of the filled fields that carry no issue of their own (the issue's target: ≥ 90%).
    public var unflaggedFilledFieldRate: Double {
        filledFields == 0 ? 0 : Double(unflaggedFilledFields) / Double(filledFields)
    }
    /// Share of forms that would have gone straight through without `review.always`.
    public var straightThroughRateWithoutAlways: Double {
        forms == 0 ? 0 : Double(straightThroughFormsWithoutAlways) / Double(forms)
    }
}

/// Filled fields of one type read with one confidence, and how they came out.
public struct ConfidenceBin: Hashable, Sendable, Codable {
    /// Fields read with this confidence.
    public var fields: Int = 0
    /// Of those, the wrong ones.
    public var wrong: Int = 0
    /// Fields with an issue other than their confidence (a validator, a rule): a person sees them whatever the floor.
    public var otherwiseFlagged: Int = 0
    /// Wrong fields no other issue flags: the silent errors a floor at or below this confidence lets through.
    public var wrongNotOtherwiseFlagged: Int = 0

    public init(fields: Int = 0, wrong: Int = 0, otherwiseFlagged: Int = 0, wrongNotOtherwiseFlagged: Int = 0) {
        self.fields = fields
        self.wrong = wrong
        self.otherwiseFlagged = otherwiseFlagged
        self.wrongNotOtherwiseFlagged = wrongNotOtherwiseFlagged
    }
}

/// Compares what extraction produced with the ground truth.
public enum TruthComparison {
    /// Whether `value` is the value `expected` (from a `.truth.json`) for a field of type `type`. Whitespace is
    /// ignored (Tesseract drops the space between a surname and a given name), account kana are compared after
    /// 全銀 folding, choice lists as sets, and a ゆうちょ 記号番号 either as its digits or as converted parts.
    public static func matches(type: FieldType, expected: String, value: FieldValue) -> Bool {
        let read = value.textValue
        switch type {
        case .choice:
            return Set(split(expected)) == Set(split(read))
        case .accountKana:
            return squeeze(ZenginKana.standard.fold(expected).text) == squeeze(ZenginKana.standard.fold(read).text)
        case .yucho:
            if case .parts(let parts) = value, expected.count >= 7 {
                let symbol = Array(expected.prefix(5)), number = String(expected.dropFirst(5))
                let branch = String(symbol[1...2]) + "8"
                let account = String(number.dropLast())
                let padded = String(repeating: "0", count: max(0, 7 - account.count)) + account
                let values = Set(parts.values)
                return values.contains(branch) && (values.contains(padded) || values.contains(account))
            }
            return digits(read) == digits(expected) && !expected.isEmpty || (expected.isEmpty && value.isEmpty)
        case _ where digitTypes.contains(type):
            return digits(expected) == digits(read) && squeeze(read).allSatisfy { $0.isNumber || $0 == "-" }
        default:
            return squeeze(expected) == squeeze(read)
        }
    }

    /// Types whose value is a string of digits, compared digit for digit (postal codes keep a hyphen).
    static let digitTypes: Set<FieldType> = [
        .phone, .postal, .mynumber, .bankCode, .branchCode, .accountNumber, .digits, .corporateNumber, .lgCode,
    ]

    static func split(_ s: String) -> [String] {
        s.split(separator: ",").map { squeeze(String($0)) }.filter { !$0.isEmpty }
    }

    static func squeeze(_ s: String) -> String {
        String(s.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init))
    }

    static func digits(_ s: String) -> String { s.filter { $0.isASCII && $0.isNumber } }
}

/// Runs extraction over a folder of samples and scores it against their ground truth.
public struct Evaluator: Sendable {
    public var layout: FormLayout?
    public var extract: RecordExtractor
    /// Attach crops of wrong fields (needs the image decoded; PDFs are skipped).
    public var includeCrops: Bool
    /// At most this many wrong fields get a crop (silent errors first within a file), so that a report of a bad run stays a
    /// file a browser opens: a noisy 300 dpi crop is about 100 KB.
    public var maximumCrops: Int

    public init(
        layout: FormLayout?, includeCrops: Bool = true, maximumCrops: Int = 300, extract: @escaping RecordExtractor
    ) {
        self.layout = layout
        self.extract = extract
        self.includeCrops = includeCrops
        self.maximumCrops = maximumCrops
    }

    /// The `.truth.json` files of `directory`, sorted by name.
    public static func truthFiles(in directory: URL) throws -> [URL] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw KamiflowError(.fileNotFound, "cannot list the samples folder", subject: directory.path)
        }
        let truths = names.filter { $0.hasSuffix(".truth.json") }.sorted()
        guard !truths.isEmpty else {
            throw KamiflowError(
                .fileNotFound, "no .truth.json files: make samples with `kamiflow samples` first",
                subject: directory.path)
        }
        return truths.map { directory.appendingPathComponent($0) }
    }

    /// Evaluates every sample of `directory` whose truth names `workflow`, extracting up to `parallelism` files
    /// at a time (the engine pool decides how many really run at once) and scoring them in file order.
    public func evaluate(directory: URL, workflow: String, parallelism: Int = 2) async throws -> EvaluationResult {
        var truths: [GroundTruth] = []
        for url in try Self.truthFiles(in: directory) {
            let truth = try GroundTruth.load(from: url)
            if truth.workflow == workflow { truths.append(truth) }
        }
        guard !truths.isEmpty else {
            throw KamiflowError(
                .fileNotFound, "no samples of workflow '\(workflow)' (their .truth.json name another workflow)",
                subject: directory.path)
        }
        let extract = self.extract
        let sources = truths.map { ScanSource.file(path: directory.appendingPathComponent($0.image).path) }
        // Each child task returns plain values (records, or the error's text): a `Result<_, any Error>` carried
        // through the task group came back corrupted from Swift 6.3's optimiser (release builds only).
        let finished = await withTaskGroup(
            of: Extracted.self, returning: [Int: Extracted].self
        ) { group in
            var collected: [Int: Extracted] = [:]
            var next = 0
            func start(_ index: Int) {
                let source = sources[index]
                group.addTask {
                    do {
                        return Extracted(index: index, records: try await extract(source), failure: nil)
                    } catch {
                        return Extracted(index: index, records: [], failure: "\(error)")
                    }
                }
            }
            while next < min(max(1, parallelism), sources.count) {
                start(next)
                next += 1
            }
            while let done = await group.next() {
                collected[done.index] = done
                if next < sources.count {
                    start(next)
                    next += 1
                }
            }
            return collected
        }
        var result = EvaluationResult(workflow: workflow)
        for (index, truth) in truths.enumerated() {
            result.scans += 1
            let records = finished[index]?.records ?? []
            if let failure = finished[index]?.failure { result.failures.append("\(truth.image): \(failure)") }
            let firstNew = result.wrong.count
            score(truth: truth, records: records, pages: nil, into: &result)
            let cropped = result.wrong.prefix(firstNew).filter { $0.crop != nil }.count
            if includeCrops, result.wrong.count > firstNew, cropped < maximumCrops {
                let pages = try? ImageFiles.decodePages(of: directory.appendingPathComponent(truth.image))
                // Silent errors first: they are what a reader of the report must see.
                let order = (firstNew..<result.wrong.count).sorted {
                    (result.wrong[$0].isSilentError ? 0 : 1, $0) < (result.wrong[$1].isSilentError ? 0 : 1, $1)
                }
                for i in order.prefix(maximumCrops - cropped) {
                    result.wrong[i].crop = crop(result.wrong[i], truth: truth, pages: pages)
                }
            }
        }
        return result
    }

    /// What extracting one sample gave.
    struct Extracted: Sendable {
        var index: Int
        var records: [FormRecord]
        var failure: String?
    }

    /// The wrong field's area on its scan (where the truth's transform put it), as a base64 PNG.
    func crop(_ outcome: FieldOutcome, truth: GroundTruth, pages: [GrayImage]?) -> String? {
        guard let pages, pages.indices.contains(outcome.page), let layout,
            let area = layout.field(outcome.path)?.area,
            let form = truth.forms.first(where: { $0.page == outcome.page })
        else { return nil }
        return ImageFiles.cropBase64PNG(
            pages[outcome.page],
            rect: form.geometry.transform.boundingRect(
                x: area.x - 4, y: area.y - 3, width: area.width + 8, height: area.height + 6))
    }

    /// Scores one file's records against its truth (public so the arithmetic can be checked on hand-made cases).
    public func score(truth: GroundTruth, records: [FormRecord], into result: inout EvaluationResult) {
        score(truth: truth, records: records, pages: nil, into: &result)
    }

    func score(truth: GroundTruth, records: [FormRecord], pages: [GrayImage]?, into result: inout EvaluationResult) {
        for (position, form) in truth.forms.enumerated() {
            result.forms += 1
            let record =
                records.first { $0.pages.contains(form.page) } ?? records.first { $0.index == position }
            guard let record else {
                result.formsNotExtracted += 1
                for defect in form.defects {
                    result.defects.append(
                        DefectOutcome(file: truth.image, page: form.page, defect: defect, caught: false))
                }
                for (path, expected) in form.values where !form.defects.contains(where: { $0.field == path }) {
                    count(
                        FieldOutcome(
                            file: truth.image, page: form.page, path: path, type: form.types[path] ?? .text,
                            expected: expected, read: nil, raw: nil, confidence: nil, correct: false, flagged: true,
                            straightThrough: false, issues: ["not extracted"], crop: nil), into: &result)
                }
                continue
            }
            let straight = record.route == .straightThrough
            if straight { result.straightThroughForms += 1 }
            let anyIssue =
                record.issues.contains { $0.severity >= .warning }
                || record.fields.contains { $0.issues.contains { $0.severity >= .warning } }
            if !anyIssue && record.issues.allSatisfy({ $0.code != IssueCode.rejected }) {
                result.straightThroughFormsWithoutAlways += 1
            }
            func issues(of path: String) -> [Issue] {
                (record[path]?.issues ?? []) + record.issues.filter { $0.fields.contains(path) }
            }
            for defect in form.defects {
                let caught = issues(of: defect.field).contains { $0.severity >= .warning }
                result.defects.append(DefectOutcome(file: truth.image, page: form.page, defect: defect, caught: caught))
            }
            for path in form.values.keys.sorted() where !form.defects.contains(where: { $0.field == path }) {
                let expected = form.values[path] ?? ""
                let type = form.types[path] ?? .text
                let field = record[path]
                let value = field?.value ?? .empty
                let correct =
                    field != nil && TruthComparison.matches(type: type, expected: expected, value: value)
                    || field == nil && expected.isEmpty
                let fieldIssues = issues(of: path)
                var outcome = FieldOutcome(
                    file: truth.image, page: form.page, path: path, type: type, expected: expected,
                    read: field?.value.textValue, raw: field?.raw, confidence: field?.confidence, correct: correct,
                    flagged: fieldIssues.contains { $0.severity >= .warning }, straightThrough: straight,
                    issues: fieldIssues.map { "\($0.code): \($0.message)" }, crop: nil)
                if !correct { outcome.crop = crop(outcome, truth: truth, pages: pages) }
                count(outcome, into: &result)
                let serious = fieldIssues.filter { $0.severity >= .warning }
                for code in Set(serious.map(\.code)) { result.issuesByCode[code, default: 0] += 1 }
                for code in Set(fieldIssues.map(\.code)) where Doubt(rawValue: code) != nil {
                    result.doubts[code, default: Tally()].count(correct)
                }
                if !serious.isEmpty { result.flaggedByField[path, default: 0] += 1 }
                if !expected.isEmpty {
                    result.filledFields += 1
                    if serious.isEmpty { result.unflaggedFilledFields += 1 }
                    if let confidence = field?.confidence, let value = field?.value, !value.isEmpty {
                        let other = serious.contains { $0.code != IssueCode.lowConfidence }
                        var bin = result.confidence[type.rawValue, default: [:]][
                            Self.binKey(confidence), default: ConfidenceBin()]
                        bin.fields += 1
                        if !correct { bin.wrong += 1 }
                        if other { bin.otherwiseFlagged += 1 }
                        if !correct && !other { bin.wrongNotOtherwiseFlagged += 1 }
                        result.confidence[type.rawValue, default: [:]][Self.binKey(confidence)] = bin
                    }
                }
            }
        }
    }

    /// A confidence as the key of its bin: rounded down to a whole number, three digits so the keys sort.
    public static func binKey(_ confidence: Double) -> String {
        String(format: "%03d", Int(max(0, min(100, confidence)).rounded(.down)))
    }

    func count(_ outcome: FieldOutcome, into result: inout EvaluationResult) {
        result.overall.count(outcome.correct)
        result.byField[outcome.path, default: Tally()].count(outcome.correct)
        result.byType[outcome.type.rawValue, default: Tally()].count(outcome.correct)
        if outcome.type.isMarked {
            result.marks.count(outcome.correct)
        } else {
            result.printed.count(outcome.correct)
        }
        if outcome.straightThrough { result.straightThroughFields += 1 }
        if !outcome.flagged { result.unflaggedFields += 1 }
        if outcome.isSilentError { result.silentErrors += 1 }
        if outcome.isDeliveredSilently { result.silentErrorsDelivered += 1 }
        if !outcome.correct { result.wrong.append(outcome) }
        if outcome.correct && outcome.flagged { result.falseAlarms.append(outcome) }
    }
}
