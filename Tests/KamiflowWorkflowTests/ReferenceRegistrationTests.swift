import Foundation
import KamiflowCore
import KamiflowOCR
import KamiflowTesting
import Testing

@testable import KamiflowWorkflow

/// Registration of scans of the corpus layouts (forms Kamiflow did not print) to their blanks, by the blanks' own
/// printed rules. The scans are made by the corpus generator (Python: numpy, Pillow; pdftoppm) with the geometry
/// forced to the extremes the issue names; the truth is the generator's exact transform.
@Suite("Registration to a reference blank", .serialized)
struct ReferenceRegistrationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var layout: String
        var dpi: Int
        /// Skew in degrees, shift in mm, scale factor.
        var geometry: (Double, Double, Double, Double)
        var testDescription: String { "\(layout) at \(dpi) dpi, \(geometry)" }
    }

    static let cases: [Case] = corpusLayouts.flatMap { layout in
        [
            Case(layout: layout, dpi: 150, geometry: (3, 8, -8, 1.04)),
            Case(layout: layout, dpi: 400, geometry: (-3, -8, 8, 0.96)),
            // Sheared straight, a thin rule at 150 dpi and 1.5–2° is a staircase of steps shorter than the 6 mm a
            // rule must run: 就学援助 scans at 1.7° and 1.9° were unregistered (7–14 of 95 points matched).
            Case(layout: layout, dpi: 150, geometry: (1.9, 2, -3, 0.99)),
            Case(layout: layout, dpi: 150, geometry: (-1.7, 2, -3, 0.99)),
        ]
    }

    /// Makes one scan with the generator; returns its image path and the truth transform (mm → scan pixels).
    static func scan(_ c: Case, in folder: URL) throws -> (path: String, truth: KamiflowCore.AffineTransform) {
        let g = c.geometry
        let result = try PythonClient.run([
            corpusFolder.appendingPathComponent("corpus.py").path, "--layout", c.layout, "--dpi", "\(c.dpi)",
            "--count", "1", "--seed", "13", "--out", folder.path, "--geometry=\(g.0),\(g.1),\(g.2),\(g.3)",
        ])
        guard result.status == 0 else {
            throw KamiflowError(.invalidArgument, "corpus.py failed: \(result.errorOutput)")
        }
        let name = "\(c.layout)-\(c.dpi)-0001"
        struct Truth: Decodable {
            struct Form: Decodable {
                struct Geometry: Decodable { var transform: KamiflowCore.AffineTransform }
                var geometry: Geometry
            }
            var forms: [Form]
        }
        let truthData = try Data(contentsOf: folder.appendingPathComponent("\(name).truth.json"))
        let truth: Truth = try JSONDecoder().decode(Truth.self, from: truthData)
        guard let transform = truth.forms.first?.geometry.transform else {
            throw KamiflowError(.invalidArgument, "no form in \(name).truth.json")
        }
        return (folder.appendingPathComponent("\(name).jpg").path, transform)
    }

    @Test("each layout registers at ±3°, ±8 mm, ±4 % and 150/400 dpi with zones within 0.5 mm", arguments: cases)
    func registersAtTheExtremes(c: Case) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-reference-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, truth) = try Self.scan(c, in: folder)
        let workflow = try Workflow.load(file: corpusFolder.appendingPathComponent("workflows/\(c.layout).yaml").path)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "eng"), workers: 1)
        let structure = try await ReferenceCache().structures(of: [workflow], reader: pool).first ?? nil
        let reference = try #require(structure)
        let form = workflow.form
        let outcomes: [Outcome] = try await pool.withPages(
            of: .file(path: path), preparation: Preparation(deskew: true)
        ) {
            page in
            Outcome(
                result: Registrar(form: form, reference: reference).register(page),
                skew: page.report.skewAngle ?? 0, size: page.size)
        }
        await pool.shutdown()
        let outcome = try #require(outcomes.first)
        let registration = try outcome.result.get()
        let skew = outcome.skew, size = outcome.size
        #expect(registration.method == "reference")
        // The straightened page is the scan turned about its centre by the measured skew; carry the truth there.
        let turn = -skew * .pi / 180
        let cx = Double(size.width) / 2, cy = Double(size.height) / 2
        func straightened(_ q: Point) -> Point {
            let dx = q.x - cx, dy = q.y - cy
            return Point(x: cx + cos(turn) * dx - sin(turn) * dy, y: cy + sin(turn) * dx + cos(turn) * dy)
        }
        let pxPerMM = Double(c.dpi) / 25.4
        var worst = 0.0
        for placed in workflow.form.placedFields {
            for area in placed.spec.readAreas {
                for p in [Point(x: area.x, y: area.y), Point(x: area.maxX, y: area.maxY)] {
                    worst = max(
                        worst, distance(registration.transform.apply(p), straightened(truth.apply(p))) / pxPerMM)
                }
            }
        }
        let detail =
            "zones off by up to \(worst) mm; residual \(registration.residual) px, \(registration.found) of \(registration.expected) points"
        #expect(worst <= 0.5, "\(detail)")
    }

    struct Outcome: Sendable {
        var result: Result<RegistrationResult, KamiflowError>
        var skew: Double
        var size: PixelSize
    }

    @Test("a scan of another layout is unregistered, with the reason")
    func anotherLayoutIsRefused() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-reference-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, _) = try Self.scan(Case(layout: "kouza-furikae", dpi: 200, geometry: (1, 2, 2, 1)), in: folder)
        let workflow = try Workflow.load(file: corpusFolder.appendingPathComponent("workflows/shugaku-enjo.yaml").path)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "eng"), workers: 1)
        let reference = try #require(try await ReferenceCache().structures(of: [workflow], reader: pool).first ?? nil)
        let form = workflow.form
        let results: [Result<RegistrationResult, KamiflowError>] = try await pool.withPages(
            of: .file(path: path), preparation: Preparation(deskew: true)
        ) { page in
            Registrar(form: form, reference: reference).register(page)
        }
        await pool.shutdown()
        guard case .failure(let error) = try #require(results.first) else {
            Issue.record("a 口座振替 scan registered to the 就学援助 blank")
            return
        }
        let message: String = error.message
        #expect(message.hasPrefix("unregistered:"), "\(message)")
    }
}
