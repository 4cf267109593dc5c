import Foundation
import KamiflowTesting
import Synchronization
import Testing

/// `kamiflow ocr` as a person runs it: the built executable in a child process.
@Suite("kamiflow ocr")
struct CLITests {
    /// The `kamiflow` built beside this test bundle (`swift build --build-tests` builds it too).
    static var executable: String? {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("kamiflow").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "kamiflow"
            )
            .path,
            Fixtures.repositoryRoot + "/.build/debug/kamiflow",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ arguments: [String], asUser user: String? = nil, executable: String? = nil) throws -> Run {
        let path = try #require(executable ?? Self.executable, "the kamiflow executable was not built")
        let process = Process()
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        // As a user runs it: without OMP_THREAD_LIMIT, which kamiflow sets for itself.
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "OMP_THREAD_LIMIT")
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorData = Mutex<Data>(Data())
        let reader = Thread { errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Run(
            status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
            errors: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }

    @Test("text output is the tesseract command line's, byte for byte")
    func textMatchesTesseract() throws {
        let image = Fixtures.ocr("multipage.tif")
        let run = try Self.run(["ocr", "--lang", "jpn+eng", image])
        #expect(run.status == 0)
        #expect(run.output == (try tesseractCLI(image, lang: "jpn+eng", psm: 3)))
        // Engines are ended before exit, so Tesseract's cache reports no leak; its chatter goes nowhere.
        #expect(run.errors.isEmpty, "\(run.errors)")
    }

    @Test("an image that records no resolution reads as the tesseract command line reads it")
    func imageWithoutResolution() throws {
        // The sample notice with its JFIF density made "no unit, 1:1", as many phone and MFP JPEGs are: Tesseract
        // then estimates the resolution from the text, and so must `kamiflow ocr`.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.samples + "/ocr/tennyu-notice.jpg")))
        let jfif = try #require(
            (0..<(bytes.count - 12)).first { bytes[$0..<$0 + 5].elementsEqual(Array("JFIF\0".utf8)) })
        bytes.replaceSubrange(jfif + 7..<jfif + 12, with: [0, 0, 1, 0, 1])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-nodpi-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = directory.appendingPathComponent("notice.jpg").path
        try Data(bytes).write(to: URL(fileURLWithPath: image))

        let run = try Self.run(["ocr", "--lang", "jpn", image])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output == (try tesseractCLI(image, lang: "jpn", psm: 3)))
        // Told the resolution, it reads at that resolution instead.
        let told = try Self.run(["ocr", "--lang", "jpn", "--format", "json", "--dpi", "300", image])
        #expect(told.output.contains("\"resolution\":300") || told.output.contains("\"resolution\" : 300"))
    }

    @Test("bad files are named on stderr with the cause, the others are read, the status is 1")
    func badFilesDoNotStopTheOthers() throws {
        let files = [
            Fixtures.ocr("bad/bomb.png"), Fixtures.ocr("english.png"), "/nonexistent/scan.png",
            Fixtures.ocr("bad/corrupt.pdf"),
        ]
        let run = try Self.run(["ocr", "--lang", "eng", "--format", "json"] + files)
        #expect(run.status == 1)
        #expect(run.errors.contains("\(files[0]): a page declares 60000×60000 pixels"))
        #expect(run.errors.contains("/nonexistent/scan.png: no such file"))
        #expect(run.errors.contains("\(files[3]): the PDF cannot be read"))

        struct Output: Decodable {
            struct File: Decodable {
                struct Failure: Decodable { var code: String }
                struct Page: Decodable {
                    struct Reading: Decodable {
                        struct Word: Decodable {
                            var text: String
                            var confidence: Double
                        }
                        var text: String
                        var confidence: Double
                        var words: [Word]
                    }
                    var page: Int
                    var readings: [Reading]
                }
                var file: String
                var pages: [Page]?
                var error: Failure?
            }
            var files: [File]
        }
        let output = try JSONDecoder().decode(Output.self, from: Data(run.output.utf8))
        #expect(output.files.map(\.file) == files)
        #expect(output.files.map { $0.error?.code } == ["imageTooLarge", nil, "fileNotFound", "corruptPDF"])
        let page = try #require(output.files[1].pages?.first)
        #expect(page.readings[0].text == (try tesseractCLI(files[1], lang: "eng", psm: 3)))
        #expect(page.readings[0].confidence > 80)
        #expect(page.readings[0].words.first?.text == "Notice")
    }

    @Test("a file the user may not read is refused as permission denied")
    func permissionDenied() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-denied-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let scan = directory.appendingPathComponent("locked.png").path
        try FileManager.default.copyItem(atPath: Fixtures.ocr("english.png"), toPath: scan)
        #expect(chmod(scan, 0) == 0)
        let run: Run
        if getuid() != 0 {
            run = try Self.run(["ocr", "--lang", "eng", "--format", "json", scan])
        } else {
            // Root reads any file whatever its mode, so the reader runs as `nobody`, from a copy of the executable
            // that `nobody` can reach (the build folder may sit in root's home).
            let executable = directory.appendingPathComponent("kamiflow").path
            try FileManager.default.copyItem(atPath: try #require(Self.executable), toPath: executable)
            run = try Self.run(
                ["ocr", "--lang", "eng", "--format", "json", scan], asUser: "nobody", executable: executable)
        }
        #expect(run.status == 1)
        #expect(run.errors.contains("\(scan): permission denied"))
        #expect(run.output.contains("\"code\":\"permissionDenied\""))
    }

    @Test("zones with a whitelist, in TSV")
    func zonesInTSV() throws {
        let run = try Self.run([
            "ocr", "--lang", "jpn", "--psm", "7", "--format", "tsv", "--whitelist", "0123456789-",
            "--zone", "820,1660,1360,130", "--zone", "820,1920,1360,130", Fixtures.ocr("form.png"),
        ])
        #expect(run.status == 0)
        let rows = run.output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.first?.last == "text")
        #expect(rows.dropFirst().map { String($0.last ?? "") } == ["03-1234-5678", "100-0001"])
        #expect(rows.dropFirst().map { String($0[2]) } == ["820,1660,1360,130", "820,1920,1360,130"])
    }

    @Test(
        "bad options are refused before anything is read",
        arguments: [
            ["--zone", "1,2,3"], ["--psm", "14"], ["--binarize", "median"], ["--dpi", "0"],
        ])
    func badOptions(options: [String]) throws {
        let run = try Self.run(["ocr"] + options + [Fixtures.ocr("english.png")])
        #expect(run.status != 0)
        #expect(run.output.isEmpty)
        #expect(!run.errors.isEmpty)
    }
}
