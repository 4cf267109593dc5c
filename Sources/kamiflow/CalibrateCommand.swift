import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowWorkflow

/// `kamiflow calibrate`: runs a workflow over labelled scans and chooses, per field type, the confidence floor that
/// keeps silent errors under the author's target.
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Choose a workflow's review floors from labelled scans (images with their .truth.json).",
        discussion: "Extracts every labelled scan of the folder as `eval` does, then reports per field type how often "
            + "a value read with each confidence is wrong, and the lowest floor that keeps the type's silent errors "
            + "(wrong, and flagged by nothing else) at most the target share of its filled fields. The target is "
            + "--target, else the workflow's `review.silent_errors`, else 0.05%. --write puts the floors into the "
            + "workflow's `review:` section; --html draws the curve. See docs/samples-and-eval.md, \"Calibrating a workflow\"."
    )

    @Argument(help: "The workflow file.")
    var workflow: String

    @Argument(help: "The folder of labelled scans (`kamiflow samples` output, or real scans with truth files).")
    var directory: String

    @Option(help: "The accepted share of silent errors, as a percentage (e.g. 0.05%).")
    var target: String?

    @Flag(help: "Write `silent_errors` and the floors into the workflow file's `review:` section.")
    var write = false

    @Option(help: "Write the calibration (every confidence met, per type) as JSON here.")
    var json: String?

    @Option(help: "Write the curve (errors against confidence per type, the floors marked) as an HTML page here.")
    var html: String?

    @Option(help: "Tesseract models for reads that name none (identification, anchors).")
    var languages = "jpn"

    @Option(help: "Engines to run in parallel (default: one per core).")
    var workers: Int?

    @Flag(inversion: .prefixedNo, help: "Deskew pages before reading.")
    var deskew = true

    @Flag(help: "Binarise and remove scanner specks before reading.")
    var despeckle = false

    func run() async throws {
        var loaded = try FormsWorkflowFile.load(workflow)
        let share = try target.map(Self.share) ?? loaded.review.silentErrorTarget ?? 0.0005
        // Floors are chosen on the confidences themselves: the workflow's present floors must not hide a field's
        // confidence behind an issue of its own, so they are taken off for the run.
        loaded.review.floors = [:]
        let result = try await EvaluationRun(
            workflow: loaded, directory: directory, languages: languages, workers: workers, deskew: deskew,
            despeckle: despeckle, today: nil
        ).evaluate()
        let calibration = Calibration.choose(
            from: result, target: share, defaultFloor: loaded.review.confidenceFloor)
        print("workflow \(result.workflow): \(result.scans) scans, \(result.filledFields) filled fields")
        print(calibration.table)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try PrivateFiles.write(try encoder.encode(calibration), toPath: json)
        }
        if let html {
            let page = CalibrationReport.page(calibration, workflow: result.workflow, scans: result.scans)
            try PrivateFiles.write(Data(page.utf8), toPath: html)
        }
        if write {
            try Self.writeFloors(calibration, into: workflow)
            print("wrote the floors into \(workflow)")
        }
    }

    /// `0.05%` → 0.0005.
    static func share(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast()), (0...100).contains(value) else {
            throw ValidationError("--target must be a percentage such as 0.05%, found '\(text)'")
        }
        return value / 100
    }

    /// Replaces `silent_errors` and `floors` in the file's top-level `review:` section (added when missing),
    /// keeping every other line and comment; the file is loaded again afterwards and restored if it no longer loads.
    static func writeFloors(_ calibration: Calibration, into path: String) throws {
        let original = try String(contentsOfFile: path, encoding: .utf8)
        let updated = rewritten(original, with: calibration)
        try updated.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try FormsWorkflowFile.load(path)
        } catch {
            try original.write(toFile: path, atomically: true, encoding: .utf8)
            throw error
        }
    }

    /// The workflow text with the calibration's `silent_errors` and `floors` in its `review:` section.
    static func rewritten(_ text: String, with calibration: Calibration) -> String {
        var lines = text.components(separatedBy: "\n")
        let inserted = Array(calibration.yaml.components(separatedBy: "\n").dropFirst())
        func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        func isContent(_ line: String) -> Bool {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return !trimmed.isEmpty && !trimmed.hasPrefix("#")
        }
        guard let start = lines.firstIndex(where: { $0.hasPrefix("review:") }) else {
            if lines.last == "" { lines.removeLast() }
            return (lines + ["review:"] + inserted).joined(separator: "\n") + "\n"
        }
        var end = start + 1
        while end < lines.count, !isContent(lines[end]) || indent(lines[end]) > 0 { end += 1 }
        var section = Array(lines[(start + 1)..<end])
        var i = 0
        while i < section.count {
            let trimmed = section[i].trimmingCharacters(in: .whitespaces)
            if indent(section[i]) == 2, trimmed.hasPrefix("silent_errors:") || trimmed.hasPrefix("floors:") {
                section.remove(at: i)
                while i < section.count, isContent(section[i]), indent(section[i]) > 2 { section.remove(at: i) }
            } else {
                i += 1
            }
        }
        lines.replaceSubrange((start + 1)..<end, with: inserted + section)
        return lines.joined(separator: "\n")
    }
}
