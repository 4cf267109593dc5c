import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowWorkflow

/// `kamiflow samples`: fake households, filled in, printed, scanned, each with its ground truth.
struct SamplesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Make sample scans of a workflow's form, each with a <name>.truth.json beside it.",
        discussion: "Deterministic: the same workflow, seed, profile and format give the same files. See "
            + "docs/samples-and-eval.md for the profiles, the sample: hints and the truth format.")

    @Argument(help: "The workflow file.")
    var workflow: String

    @Option(help: "How many forms to make.")
    var count: Int

    @Option(help: "The folder to write into (created if needed).")
    var out: String

    @Option(help: "Seed of the fake people and the scan effects.")
    var seed: UInt64 = 1

    @Option(help: "Scan profile: clean, office-scanner or fax.")
    var profile: String = "office-scanner"

    @Option(help: "File format: png, jpeg, tiff or pdf.")
    var format: String = "png"

    @Option(help: "Share (0–1) of forms with one planted defect.")
    var defects: Double = 0

    @Option(help: "Forms per file (tiff and pdf only).")
    var pagesPerFile: Int = 1

    @Option(help: "Override the profile's resolution.")
    var dpi: Double?

    @Option(help: "Override the profile's largest skew, in degrees.")
    var skew: Double?

    @Option(help: "Override the profile's largest shift, in millimetres.")
    var shift: Double?

    @Option(help: "Override the profile's noise (standard deviation in grey levels).")
    var noise: Double?

    @Option(help: "Override the profile's JPEG quality (0 for none).")
    var jpegQuality: Int?

    @Option(help: "The forms' \"today\" (YYYY-MM-DD).")
    var today: String = "2026-10-01"

    @Option(help: "How many forms are rendered at once.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print the forms without registration marks (scans then register by the printed cells).")
    var noMarks = false

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1") }
        guard (0...1).contains(defects) else { throw ValidationError("--defects is a share between 0 and 1") }
        guard ScanProfile.named[profile] != nil else {
            throw ValidationError(
                "unknown profile '\(profile)' (known: \(ScanProfile.named.keys.sorted().joined(separator: ", ")))")
        }
        guard pagesPerFile >= 1 else { throw ValidationError("--pages-per-file must be at least 1") }
        guard let fileFormat = SampleFormat(rawValue: format) else {
            throw ValidationError("unknown format '\(format)' (known: png, jpeg, tiff, pdf)")
        }
        if pagesPerFile > 1 && (fileFormat == .png || fileFormat == .jpeg) {
            throw ValidationError("\(format) holds one page; use --format tiff or pdf for several")
        }
        if let dpi, !(50...1200).contains(dpi) { throw ValidationError("--dpi must lie between 50 and 1200") }
        guard referenceDate != nil else { throw ValidationError("--today must be a date as YYYY-MM-DD") }
    }

    var referenceDate: CivilDate? {
        let parts = today.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return CivilDate(validYear: parts[0], month: parts[1], day: parts[2])
    }

    func run() async throws {
        var layout = FormLayout(workflow: try FormsWorkflowFile.loadPrintable(workflow))
        if noMarks { layout = layout.withoutRegistrationMarks() }
        var scan = ScanProfile.named[profile]!
        if let dpi { scan.dpi = dpi }
        if let skew { scan.maxSkewDegrees = skew }
        if let shift { scan.maxShiftMM = shift }
        if let noise { scan.noise = noise }
        if let jpegQuality { scan.jpegQuality = jpegQuality > 0 ? jpegQuality : nil }
        let batch = SampleBatch(
            layout: layout,
            configuration: SampleBatchConfiguration(
                count: count, seed: seed, profile: scan, format: SampleFormat(rawValue: format)!, defectRate: defects,
                pagesPerFile: pagesPerFile, referenceDate: referenceDate!, parallelism: max(1, jobs)))
        let names = try await batch.write(to: URL(fileURLWithPath: out))
        print("wrote \(names.count) \(format) files (\(count) forms, profile \(scan.name), seed \(seed)) to \(out)")
    }
}
/// Loads a workflow file for the forms commands, printing its diagnostics compiler-style on standard error.
enum FormsWorkflowFile {
    static func load(_ path: String) throws -> Workflow {
        let result = WorkflowLoader().load(file: path)
        for diagnostic in result.diagnostics {
            FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
        }
        guard let workflow = result.workflow, result.errors.isEmpty else {
            throw KamiflowError(.invalidWorkflow, "the workflow has errors (listed above)", subject: path)
        }
        return workflow
    }

    /// A workflow Kamiflow prints itself: `render` and `samples` refuse a form given by its `reference` image
    /// (Kamiflow did not print it and cannot fill it yet), naming the generator that fills such forms instead.
    static func loadPrintable(_ path: String) throws -> Workflow {
        let workflow = try load(path)
        if workflow.form.reference != nil {
            throw KamiflowError(
                .invalidArgument,
                "this form is given by its reference image, which Kamiflow did not print and does not fill; fill and scan such forms with a generator of your own (Corpus/existing-forms/corpus.py does so for the corpus layouts)",
                subject: path)
        }
        return workflow
    }
}
