import Foundation
import KamiflowCore
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// The ground truth speaks the language of extraction: a perfect reading of what was drawn, interpreted by the
/// workflow's own normalisers, validators and rules, gives exactly the truth's values, and every planted defect is
/// flagged. (OCR errors are what `kamiflow eval` measures; this test takes them out to check the conventions.)
@Suite("Ground truth agrees with the workflow's interpretation")
struct InterpretationAgreementTests {
    /// What a flawless reader would report for the ink of `filled`.
    static func perfectReadings(_ filled: FilledForm, layout: FormLayout) -> [String: FieldReading] {
        var readings: [String: FieldReading] = [:]
        for field in layout.fields {
            guard let ink = filled.field(field.path)?.ink else { continue }
            let names = field.optionNames
            switch ink {
            case .blank:
                if case .checkbox = field.marking { readings[field.path] = .checkbox(0) }
                if !names.isEmpty {
                    readings[field.path] = FieldReading(
                        marks: Dictionary(uniqueKeysWithValues: names.map { ($0, 0.0) }))
                }
            case .text(let text): readings[field.path] = FieldReading(text: text, confidence: 96)
            case .characters(let characters):
                readings[field.path] = FieldReading(text: characters.joined(), confidence: 96)
            case .marks(let marked):
                readings[field.path] = FieldReading(
                    marks: Dictionary(uniqueKeysWithValues: names.map { ($0, marked.contains($0) ? 0.5 : 0.0) }))
            case .tick(let on): readings[field.path] = .checkbox(on ? 0.5 : 0)
            case .eraParts(let era, let year, let month, let day):
                readings[field.path] = FieldReading(
                    confidence: 96, marks: Dictionary(uniqueKeysWithValues: names.map { ($0, $0 == era ? 0.5 : 0.0) }),
                    parts: ["year": year, "month": month, "day": day])
            }
        }
        return readings
    }

    @Test(
        "perfect readings of every shipped workflow give the truth, and flag every planted defect",
        arguments: ShippedWorkflows.files)
    func agreement(file: String) throws {
        let result = WorkflowLoader().load(file: ShippedWorkflows.directory.appendingPathComponent(file).path)
        let workflow = try #require(result.workflow)
        let layout = FormLayout(workflow: workflow)
        let configuration = FillConfiguration(defectRate: 0.4)
        let interpreter = RecordInterpreter(workflow: workflow, today: configuration.referenceDate)
        let evaluator = Evaluator(layout: layout, includeCrops: false) { _ in [] }
        var scored = EvaluationResult(workflow: workflow.id)
        let geometry = ScanGeometry(skewDegrees: 0, shiftMM: Point(x: 0, y: 0), scale: 1, transform: .identity)
        for index in 0..<60 {
            let filled = FormFiller(configuration: configuration).fill(layout, seed: 2718, index: index)
            let record = interpreter.interpret(Self.perfectReadings(filled, layout: layout), scanID: "s\(index)")
            let truth = GroundTruth(
                workflow: workflow.id, image: "sample-\(index).png", format: "png", profile: .clean, seed: 2718,
                forms: [FormTruth(form: filled, page: 0, sample: index, dpi: 300, geometry: geometry)])
            evaluator.score(truth: truth, records: [record], into: &scored)
        }
        for wrong in scored.wrong.prefix(15) {
            Issue.record(
                "\(file) \(wrong.path) (\(wrong.type)): truth \(wrong.expected), interpreted \(wrong.read ?? "nil") \(wrong.issues)"
            )
        }
        #expect(scored.overall.correct == scored.overall.total)
        for missed in scored.defects.filter({ !$0.caught }).prefix(10) {
            Issue.record("\(file): \(missed.defect.kind) in \(missed.defect.field) not flagged")
        }
        #expect(!scored.defects.isEmpty)
        #expect(scored.defectsMissed == 0)
    }
}

@Suite("Evaluating a folder of samples")
struct EvaluateFolderTests {
    @Test("eval walks a folder, scores every file, and crops each wrong field from its scan")
    func folder() async throws {
        let file = "jidou-teate-nintei.yaml"
        let workflow = try #require(
            WorkflowLoader().load(file: ShippedWorkflows.directory.appendingPathComponent(file).path).workflow)
        let layout = FormLayout(workflow: workflow)
        var profile = ScanProfile.officeScanner
        profile.dpi = 100
        let configuration = SampleBatchConfiguration(count: 4, seed: 99, profile: profile, defectRate: 0.5)
        let directory = TestLayouts.scratchDirectory.appendingPathComponent("eval-\(UUID().uuidString)")
        let names = try await SampleBatch(layout: layout, configuration: configuration).write(to: directory)
        #expect(names.count == 4)
        let interpreter = RecordInterpreter(workflow: workflow, today: configuration.referenceDate)
        // A reader that reads perfectly except the claimant's name on the second file, which it gets silently
        // wrong: the evaluator must count exactly that field as a silent error (if the record went straight
        // through) and crop it from the scan.
        let evaluator = Evaluator(layout: layout) { source in
            let name = URL(fileURLWithPath: source.name).lastPathComponent
            let truth = try GroundTruth.load(
                from: directory.appendingPathComponent(GroundTruth.fileName(forImage: name)))
            let sample = truth.forms[0].sample
            let filled = FormFiller(configuration: FillConfiguration(defectRate: 0.5)).fill(
                layout, seed: 99, index: sample)
            var readings = InterpretationAgreementTests.perfectReadings(filled, layout: layout)
            if sample == 1 { readings["claimant.name"] = FieldReading(text: "誤読 太郎", confidence: 97) }
            return [interpreter.interpret(readings, scanID: name)]
        }
        let result = try await evaluator.evaluate(directory: directory, workflow: workflow.id)
        #expect(result.scans == 4 && result.forms == 4 && result.formsNotExtracted == 0)
        #expect(result.wrong.map(\.path) == ["claimant.name"])
        let wrong = try #require(result.wrong.first)
        #expect(wrong.file == names[1] && wrong.read?.filter { !$0.isWhitespace } == "誤読太郎")
        let crop = try #require(wrong.crop.flatMap { Data(base64Encoded: $0) })
        #expect(Array(crop.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(result.silentErrors == (wrong.flagged ? 0 : 1))
        #expect(result.silentErrorsDelivered == (!wrong.flagged && wrong.straightThrough ? 1 : 0))
        #expect(result.overall.total - result.overall.correct == 1)
        #expect(result.defectsMissed == 0)
        let other = try await Evaluator(layout: layout) { _ in [] }.evaluate(
            directory: directory, workflow: workflow.id)
        #expect(other.formsNotExtracted == 4 && other.defectsCaught == 0)
        await #expect(throws: KamiflowError.self) {
            try await evaluator.evaluate(directory: directory, workflow: "no-such-workflow")
        }
    }
}
