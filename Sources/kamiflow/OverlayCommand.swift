import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowWorkflow

/// `kamiflow overlay WORKFLOW SCAN -o out.png`: runs the real extraction and draws what landed where.
struct OverlayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlay",
        abstract: "Draw every zone, box and mark of a workflow onto a scan, with what was read, coloured by status.")

    @Argument(help: "The workflow file (.yaml).")
    var workflow: String

    @Argument(help: "The scan (PNG, JPEG, TIFF, PDF).")
    var scan: String

    @Option(name: .shortAndLong, help: "The PNG to write.")
    var output: String

    @Option(help: "Which page of the scan (1-based).")
    var page: Int = 1

    @Flag(help: "Show sensitive values (マイナンバー, account numbers) instead of masking them.")
    var reveal = false

    @Flag(inversion: .prefixedNo, help: "Deskew the page before reading (on by default, as extract does).")
    var deskew = true

    @Option(
        help:
            "Tesseract models for reads that name none (identification, anchors); each field is read with its own `lang`, jpn by default."
    )
    var languages = "jpn"

    func validate() throws {
        guard page >= 1 else { throw ValidationError("--page counts from 1") }
        guard output.lowercased().hasSuffix(".png") else { throw ValidationError("the output must be a .png file") }
    }

    func run() async throws {
        let loaded: Workflow
        do {
            loaded = try Workflow.load(file: workflow)
        } catch let error as KamiflowError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        guard let data = FileManager.default.contents(atPath: scan) else {
            throw KamiflowError(.fileNotFound, "cannot read the file", subject: scan)
        }
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: languages), workers: 1)
        let drawn: (png: [UInt8], plan: OverlayPlan)
        do {
            drawn = try await OverlayDrawing.scan(
                .file(path: scan), hash: SHA256.hex(data), page: page - 1, workflow: loaded, reveal: reveal,
                preparation: Preparation(deskew: deskew), masters: try MastersCommand.open(for: [loaded]), pool: pool)
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        let plan = drawn.plan
        // The page of a person's form with the values read on it: owner-only (see PrivateFiles).
        try PrivateFiles.write(Data(drawn.png), toPath: output)
        let counts = Dictionary(grouping: plan.notes, by: \.status).mapValues(\.count)
        print(
            "wrote \(output): \(plan.title); fields: \(counts[.straightThrough] ?? 0) straight through (green), "
                + "\(counts[.review] ?? 0) to review (amber), \(counts[.invalid] ?? 0) invalid (red)")
    }
}
