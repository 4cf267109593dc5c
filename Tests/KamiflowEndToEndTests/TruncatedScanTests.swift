import Foundation
import KamiflowCore
import KamiflowTesting
import Testing

/// A scan cut short (an interrupted copy, a full disk) fails with the reason; it is never read as a shorter document.
@Suite("Truncated scans in kamiflow run and ocr", .enabled(if: KamiflowBinary.isBuilt))
struct TruncatedScanTests {
    @Test("a three-form TIFF cut inside its third page fails in run, names the page, and delivers nothing")
    func truncatedTIFFInRun() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let samples = try KamiflowBinary.run(
            [
                "samples", shippedJidouTeate, "--count", "3", "--out", folder.file("samples"), "--seed", "4242",
                "--format", "tiff", "--pages-per-file", "3",
            ], in: folder.path)
        #expect(samples.status == 0, "\(samples.errors)")
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder.file("samples/jidou-teate-nintei-0001.tiff")))
        // 88 % of the file: inside the third page's pixels, whose directory libtiff writes after them.
        let cut = folder.file("inbox/cut.tiff")
        try FileManager.default.createDirectory(atPath: folder.file("inbox"), withIntermediateDirectories: true)
        try whole.prefix(whole.count * 88 / 100).write(to: URL(fileURLWithPath: cut))

        let run = try KamiflowBinary.run(["run", shippedJidouTeate, "inbox"], in: folder.path)
        #expect(run.status == 2, "\(run.output)\n\(run.errors)")
        let show = try KamiflowBinary.run(["journal", "show", String(try scanID(of: cut).prefix(12))], in: folder.path)
        #expect(show.output.contains("failed"), "\(show.output)")
        #expect(show.output.contains("page 3 of the TIFF file is cut off"), "\(show.output)")
        // Not one record of the two whole pages went to the core system: the scan is one document.
        let core = folder.file(".kamiflow/core.sqlite")
        if FileManager.default.fileExists(atPath: core) {
            let count = try KamiflowBinary.sqlite(core, "select count(*) from \"jidou-teate\"")
            #expect(count.isEmpty || count == "0", "\(count)")
        }
    }

    @Test("ocr on a cut fax bundle names the file and the page, and exits 1")
    func truncatedTIFFInOCR() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.samples + "/ocr/fax-bundle.tif"))
        let cut = folder.file("fax.tif")
        try whole.prefix(12_000).write(to: URL(fileURLWithPath: cut))
        let run = try KamiflowBinary.run(["ocr", "--lang", "eng", cut], in: folder.path)
        #expect(run.status == 1)
        #expect(run.output.isEmpty, "no page of a cut file is printed: \(run.output)")
        #expect(run.errors.contains("\(cut): page 2 of the TIFF file is cut off"), "\(run.errors)")
    }
}

extension KamiflowBinary {
    /// One value from a SQLite file through the sqlite3 command line (as an operator would look).
    static func sqlite(_ database: String, _ query: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database, query]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
