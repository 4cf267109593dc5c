import ArgumentParser
import Foundation
import KamiflowConnectors
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowWorkflow

/// `kamiflow extract WORKFLOW... SCAN...`: reads scans with the workflows given and prints the records.
///
/// Files ending in `.yaml`/`.yml` are workflows, the rest scans; with several workflows each page is identified
/// among them, and a page that matches none is reported as unclassified.
struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract records from scans with one or more workflows.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv
    }

    @Argument(help: "Workflow files (.yaml), then scans (PNG, JPEG, TIFF, PDF).")
    var files: [String]

    @Option(help: "Output format: json or csv.")
    var format: Format = .json

    @Option(help: "Show what was read for FIELD, how it was normalised and why each check passed or failed.")
    var explain: String?

    @Flag(help: "Show sensitive values in --explain (masked by default).")
    var showSensitive = false

    @Option(
        help:
            "Tesseract models for reads that name none (identification, anchors); each field is read with its own `lang`, jpn by default."
    )
    var languages = "jpn"

    @Flag(
        inversion: .prefixedNo,
        help: "Deskew pages before reading (on by default: zones of a page skewed by 1.5° catch their cell borders).")
    var deskew = true

    @Flag(help: "Binarise and remove scanner specks before reading (office scanners, faxes).")
    var despeckle = false

    func run() async throws {
        let workflowFiles = files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        let scans = files.filter { !workflowFiles.contains($0) }
        guard !workflowFiles.isEmpty, !scans.isEmpty else {
            throw ValidationError("give at least one workflow (.yaml) and one scan")
        }
        var workflows: [Workflow] = []
        for file in workflowFiles {
            do {
                workflows.append(try Workflow.load(file: file))
            } catch let error as KamiflowError {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode.failure
            }
        }
        let now = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: Date())
        let today = CivilDate(year: now.year!, month: now.month!, day: now.day!)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: languages))
        let extractor = Extractor(
            workflows: workflows, reader: pool,
            configuration: ExtractionConfiguration(
                preparation: Preparation(deskew: deskew, despeckle: despeckle), today: today,
                typefaces: try TypefaceGlyphs(for: workflows), masters: try MastersCommand.open(for: workflows)))
        var records: [FormRecord] = []
        var failed = false
        for scan in scans {
            do {
                guard let data = FileManager.default.contents(atPath: scan) else {
                    throw KamiflowError(.fileNotFound, "cannot read the file", subject: scan)
                }
                let result = try await extractor.extract(.file(path: scan), scanID: SHA256.hex(data))
                for page in result.pages where page.workflow == nil {
                    FileHandle.standardError.write(
                        Data("\(scan): page \(page.page + 1) unclassified: \(page.problem ?? "")\n".utf8))
                }
                // A workflow author who named a typeface is told when a page was not read with its glyphs.
                for page in result.pages {
                    guard let check = page.typeface, !check.witnessed, let likeness = check.likeness,
                        let typeface = workflows.first(where: { $0.id == page.workflow })?.form.typeface
                    else { continue }
                    let note = String(
                        format: "%@: page %d: its values are not printed in %@ (glyph likeness %.2f, under %.2f): "
                            + "read without the glyph witness\n", scan, page.page + 1, typeface, likeness,
                        TypefaceCheck.threshold)
                    FileHandle.standardError.write(Data(note.utf8))
                }
                records += result.records
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                failed = true
            }
        }
        await pool.shutdown()
        if let explain {
            print(explanation(of: explain, in: records))
        } else {
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(records), as: UTF8.self))
            case .csv:
                print(csv(records), terminator: "")
            }
        }
        if failed { throw ExitCode.failure }
    }

    func explanation(of path: String, in records: [FormRecord]) -> String {
        var lines: [String] = []
        for record in records {
            let matches = record.fields.filter {
                $0.path == path
                    || $0.path.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "", options: .regularExpression) == path
            }
            for field in matches {
                let mask = field.sensitive && !showSensitive
                lines.append("\(record.workflow) record \(record.index) — \(field.path) (\(field.type))")
                lines.append(
                    "  read:        \(mask ? "●●●● (sensitive)" : (field.raw.map { "\"\($0)\"" } ?? "(marks only)"))")
                lines.append("  normalised:  \(mask ? "●●●●" : field.value.textValue)")
                lines.append("  confidence:  \(field.confidence.map { String(format: "%.1f", $0) } ?? "-")")
                if let source = field.source {
                    lines.append("  from:        page \(source.page + 1), pixels \(source.zone)")
                }
                if field.issues.isEmpty {
                    lines.append("  checks:      all passed")
                } else {
                    for issue in field.issues {
                        lines.append("  \(issue.severity.rawValue): [\(issue.code)] \(issue.message)")
                    }
                }
                lines.append("  route:       \(record.route.rawValue)")
            }
        }
        return lines.isEmpty ? "no field '\(path)' in the records" : lines.joined(separator: "\n")
    }

    /// Records as CSV, cells guarded against spreadsheet formulas as the csv connector guards them: a clerk opens
    /// this in Excel, and a value read from paper (`=HYPERLINK(…)`) must not run there.
    func csv(_ records: [FormRecord]) -> String {
        func cell(_ text: String) -> String { CSVCell.text(text, guardingFormulas: true) }
        var out = ""
        var lastHeader: [String] = []
        for record in records {
            let header = ["workflow", "scan", "index", "route"] + record.fields.map(\.path)
            if header != lastHeader {
                out += header.map(cell).joined(separator: ",") + "\r\n"
                lastHeader = header
            }
            let row =
                [record.workflow, record.scanID, String(record.index), record.route.rawValue]
                + record.fields.map { $0.value.textValue }
            out += row.map(cell).joined(separator: ",") + "\r\n"
        }
        return out
    }
}
