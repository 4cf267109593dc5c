import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowForms
import KamiflowOCR
import KamiflowWorkflow

/// `kamiflow bench-read WORKFLOW SCAN...` (hidden): the ceiling of `make bench`. Reads every scan's zones through
/// the engine pool — decode, register, read, interpret — with as many scans in flight as the pool can use, and
/// nothing around it: no hashing, no journal, no delivery. `kamiflow run` end to end is measured against this.
struct BenchReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-read",
        abstract: "Benchmark ceiling: extraction through the engine pool alone, no journal or delivery.",
        shouldDisplay: false)

    @Option(help: "Engines in the pool (default: one per core).")
    var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Argument(help: "A workflow file, then scan files.")
    var files: [String]

    func run() async throws {
        guard let workflowFile = files.first, files.count > 1 else {
            throw ValidationError("give a workflow file, then scans")
        }
        let workflow = try Workflow.load(file: workflowFile)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn"), workers: workers)
        // The same page preparation `kamiflow run` uses (deskew), or the ceiling would skip work the pipeline does.
        let preparation = Composition.Settings(deployment: nil, workers: workers).preparation
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(
                preparation: preparation, today: .today, typefaces: try TypefaceGlyphs(for: [workflow]),
                masters: try MastersCommand.open(for: [workflow])))
        let scans = Array(files.dropFirst())
        let started = ContinuousClock.now
        let (pages, fields) = await withTaskGroup(of: (Int, Int).self) { group in
            var next = 0
            var totals = (0, 0)
            // Two scans per engine keep every engine busy while the next scan is being decoded.
            for _ in 0..<min(scans.count, 2 * workers) {
                let scan = scans[next]
                next += 1
                group.addTask { await Self.read(scan, with: extractor) }
            }
            for await (p, f) in group {
                totals.0 += p
                totals.1 += f
                if next < scans.count {
                    let scan = scans[next]
                    next += 1
                    group.addTask { await Self.read(scan, with: extractor) }
                }
            }
            return totals
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        await pool.shutdown()
        print(
            String(
                format: "pages %d fields %d seconds %.2f pages/min %.1f", pages, fields, seconds,
                Double(pages) * 60 / seconds))
    }

    static func read(_ path: String, with extractor: Extractor) async -> (Int, Int) {
        do {
            let result = try await extractor.extract(.file(path: path), scanID: path)
            return (result.pages.count, result.records.reduce(0) { $0 + $1.fields.count })
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return (0, 0)
        }
    }
}
