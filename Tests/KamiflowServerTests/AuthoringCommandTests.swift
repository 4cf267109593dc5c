import Foundation
import KamiflowTesting
import Testing

/// `kamiflow inspect` and `kamiflow overlay` as an author runs them: the built executable on forms it rendered.
@Suite("kamiflow inspect and overlay", .enabled(if: executableBuilt), .serialized)
struct AuthoringCommandTests {
    static let workflow = Fixtures.repositoryRoot + "/Workflows/jidou-teate-nintei.yaml"

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kamiflow-authoring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("inspect of a blank form printed without marks: JSON with its cells, no marks, the resolution's source named")
    func inspect() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let render = try kamiflow(["render", Self.workflow, "--blank", "--no-marks", "-o", "blank.png"], in: folder)
        #expect(render.status == 0, "\(render.errors)")
        let run = try kamiflow(
            ["inspect", "blank.png", "--format", "json"], in: folder, environment: ["OMP_THREAD_LIMIT": "1"])
        #expect(run.status == 0, "\(run.errors)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        // Cairo's PNGs record no resolution: the default is assumed, and said so.
        #expect((json["resolution"] as? String)?.contains("300 dpi assumed") == true, "\(json["resolution"] ?? "")")
        let page = try #require((json["pages"] as? [[String: Any]])?.first)
        #expect((page["registrationMarks"] as? [Any])?.isEmpty == true)
        #expect(((page["boxes"] as? [Any])?.count ?? 0) > 50)
        #expect(((page["characterRows"] as? [Any])?.count ?? 0) >= 4)

        let missing = try kamiflow(["inspect", "no-such-form.png"], in: folder)
        #expect(missing.status != 0)
        #expect(
            missing.errors.contains("no-such-form.png") && missing.errors.contains("cannot read"), "\(missing.errors)")
    }

    @Test("inspect --format yaml on a blank Kamiflow did not print: saved as printed, kamiflow validate passes it")
    func inspectProposesAWorkflow() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blank = Fixtures.repositoryRoot + "/Corpus/existing-forms/blanks/kouza-furikae.png"
        try FileManager.default.copyItem(atPath: blank, toPath: folder.appendingPathComponent("kouza-furikae.png").path)
        let run = try kamiflow(
            ["inspect", "kouza-furikae.png", "--format", "yaml"], in: folder, environment: ["OMP_THREAD_LIMIT": "1"])
        #expect(run.status == 0, "\(run.errors)")
        try run.output.write(to: folder.appendingPathComponent("kouza.yaml"), atomically: true, encoding: .utf8)
        #expect(run.output.contains("\nform:\n  reference: \"kouza-furikae.png\""), "\(run.output)")
        #expect(run.output.contains("\n  identify: {zone: ["), "\(run.output)")
        #expect(!run.output.contains("printed cells themselves"), "\(run.output)")
        let validate = try kamiflow(["validate", "kouza.yaml"], in: folder)
        #expect(validate.status == 0, "\(validate.output)\(validate.errors)")
        #expect(validate.output.contains("0 error(s), 0 warning(s)"), "\(validate.output)\(validate.errors)")
        // The fields-only output of earlier versions is still there for pasting under an existing form:.
        let snippets = try kamiflow(
            ["inspect", "kouza-furikae.png", "--format", "yaml-snippets"], in: folder,
            environment: ["OMP_THREAD_LIMIT": "1"])
        #expect(snippets.status == 0, "\(snippets.errors)")
        #expect(snippets.output.contains("\nregister: lines") && snippets.output.contains("\nfields:\n"))
    }

    @Test(
        "overlay of a filled form writes a PNG and says how the page was registered; a page that is not there is an error"
    )
    func overlay() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let render = try kamiflow(
            ["render", Self.workflow, "--seed", "12", "--no-marks", "-o", "filled.png"], in: folder)
        #expect(render.status == 0, "\(render.errors)")
        let run = try kamiflow(
            ["overlay", Self.workflow, "filled.png", "-o", "overlay.png"], in: folder,
            environment: ["OMP_THREAD_LIMIT": "1"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("registered by lines"), "\(run.output)")
        let png = try #require(FileManager.default.contents(atPath: folder.appendingPathComponent("overlay.png").path))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // Without --reveal the individual number is masked in the picture too, not only in the words drawn on it.
        let revealed = try kamiflow(
            ["overlay", Self.workflow, "filled.png", "-o", "revealed.png", "--reveal"], in: folder,
            environment: ["OMP_THREAD_LIMIT": "1"])
        #expect(revealed.status == 0, "\(revealed.errors)")
        let brightness = try PythonClient.run(
            script: """
                import sys
                from PIL import Image
                for name in sys.argv[1:]:
                    # claimant.mynumber's cells (46-130 mm, 96-104 mm) at 300 dpi, inside the cell borders
                    box = Image.open(name).convert("L").crop((560, 1150, 1500, 1210))
                    print(sum(box.getdata()) / (box.width * box.height))
                """,
            arguments: ["overlay.png", "revealed.png"].map { folder.appendingPathComponent($0).path })
        let means = brightness.output.split(separator: "\n").compactMap { Double($0) }
        #expect(means.count == 2, "\(brightness.output) \(brightness.errorOutput)")
        if means.count == 2 {
            #expect(means[0] < 40, "masked: mean grey \(means[0])")
            #expect(means[1] > 150, "revealed: mean grey \(means[1])")
        }

        let wrongPage = try kamiflow(
            ["overlay", Self.workflow, "filled.png", "-o", "x.png", "--page", "3"], in: folder,
            environment: ["OMP_THREAD_LIMIT": "1"])
        #expect(wrongPage.status != 0)
        #expect(
            wrongPage.errors.contains("filled.png") && wrongPage.errors.contains("no page 3"), "\(wrongPage.errors)")
    }
}
