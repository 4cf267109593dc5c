import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms

/// `kamiflow render`: the printable blank form, or one form filled in for a fake person.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print a workflow's form: blank for the printer, or filled in for one fake household.",
        discussion: "The output format follows the file name: .pdf (vector, one page) or .png (at --dpi).")

    @Argument(help: "The workflow file.")
    var workflow: String

    @Flag(help: "The blank form, as the municipality prints it (the default unless --seed is given).")
    var blank = false

    @Option(name: .shortAndLong, help: "The file to write (.pdf or .png).")
    var output: String

    @Option(help: "Resolution of a PNG.")
    var dpi: Double = 300

    @Option(help: "Fill the form in for the fake household of this seed.")
    var seed: UInt64?

    @Option(help: "Which sample of the seed to fill in.")
    var sample: Int = 0

    @Option(help: "Share (0–1) of forms with a planted defect; with 1 the form carries one.")
    var defects: Double = 0

    @Flag(
        help:
            "Leave out the registration marks, as most existing municipal forms are printed (scans then register by the printed cells)."
    )
    var noMarks = false

    func validate() throws {
        if blank && seed != nil { throw ValidationError("--blank and --seed exclude each other") }
        guard dpi >= 50 && dpi <= 1200 else { throw ValidationError("--dpi must lie between 50 and 1200") }
        guard output.hasSuffix(".pdf") || output.hasSuffix(".png") else {
            throw ValidationError("the output must be a .pdf or .png file")
        }
    }

    func run() async throws {
        var layout = FormLayout(workflow: try FormsWorkflowFile.loadPrintable(workflow))
        if noMarks { layout = layout.withoutRegistrationMarks() }
        let renderer = FormRenderer()
        var filled: FilledForm?
        if let seed, !blank {
            filled = FormFiller(configuration: FillConfiguration(defectRate: defects))
                .fill(layout, seed: seed, index: sample)
        }
        let bytes: [UInt8] =
            output.hasSuffix(".pdf")
            ? try renderer.pdf(layout, forms: [filled], seed: seed ?? 0)
            : try renderer.png(layout, filled: filled, dpi: dpi, seed: seed ?? 0)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output))
        } catch {
            throw KamiflowError(.io, "cannot write the form", subject: output, cause: error)
        }
        print("wrote \(output) (\(filled == nil ? "blank" : "filled, seed \(seed!) sample \(sample)"))")
    }
}
