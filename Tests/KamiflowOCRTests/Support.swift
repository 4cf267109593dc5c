import Foundation
import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowOCR

/// What `make_fixtures.py` wrote beside each image.
struct FixtureManifest: Decodable {
    struct Zone: Decodable {
        var field: String
        var label: String
        var value: String
        var zone: [Int]
        var whitelist: String?
        var rect: PixelRect { PixelRect(x: zone[0], y: zone[1], width: zone[2], height: zone[3]) }
    }
    struct Checkbox: Decodable {
        var label: String
        var box: [Int]
        var ticked: Bool
        var rect: PixelRect { PixelRect(x: box[0], y: box[1], width: box[2], height: box[3]) }
    }
    var lang: String
    var psm: Int
    var lines: [String]?
    var pages: [[String]]?
    var zones: [Zone]?
    var checkboxes: [Checkbox]?
    var skew: Double?
    var turnedCounterClockwise: Int?
    var upright: String?

    static func load(_ name: String) throws -> FixtureManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.ocr(name)))
        return try JSONDecoder().decode(FixtureManifest.self, from: data)
    }
}

/// Runs a program and returns its standard output; standard error is discarded.
func runProgram(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:]
) throws -> (
    status: Int32, output: [UInt8]
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, [UInt8](data))
}

/// The `tesseract` command line's text for an image, run the way a person would, with one OpenMP thread.
func tesseractCLI(_ image: String, lang: String, psm: Int) throws -> String {
    let result = try runProgram(
        "/usr/bin/tesseract", [image, "-", "-l", lang, "--psm", String(psm)],
        environment: ["OMP_THREAD_LIMIT": "1"])
    #expect(result.status == 0, "tesseract failed on \(image)")
    return String(decoding: result.output, as: UTF8.self)
}

/// Makes each engine once per test process: loading jpn+eng costs about 100 ms.
func makeEngine(
    _ languages: String = "jpn+eng", _ configure: (inout OCRConfiguration) -> Void = { _ in }
) throws
    -> TesseractEngine
{
    var configuration = OCRConfiguration(languages: languages)
    configure(&configuration)
    return try TesseractEngine(configuration: configuration)
}

/// Full-page texts of every page of a file, as Kamiflow reads them with `psm`.
func pageTexts(
    _ engine: TesseractEngine, _ path: String, psm: Int, preparation: Preparation = Preparation()
)
    throws -> [String]
{
    let options = RecognitionOptions(segmentation: PageSegmentation(rawValue: psm)!)
    return try engine.withPages(of: .file(path: path), preparation: preparation) { page in
        try page.recognize(nil, options: options).text
    }
}

/// Text with every run of whitespace made one space, for comparing readings of different renderings.
func collapsed(_ text: String) -> String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// The share of `expected`'s characters found in order in `actual` (a longest-common-subsequence ratio), ignoring
/// whitespace: a plain measure of how much of the printed text was read.
func recall(of expected: String, in actual: String) -> Double {
    let a = Array(expected.filter { !$0.isWhitespace })
    let b = Array(actual.filter { !$0.isWhitespace })
    guard !a.isEmpty else { return 1 }
    var previous = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        var current = [Int](repeating: 0, count: b.count + 1)
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : max(previous[j], current[j - 1])
        }
        previous = current
    }
    return Double(previous[b.count]) / Double(a.count)
}

/// Asserts that `body` throws a `KamiflowError` with `code` whose subject is `subject`.
@discardableResult
func expectKamiflowError<T>(
    _ code: KamiflowError.Code, subject: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) -> KamiflowError? {
    do {
        _ = try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as KamiflowError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let subject {
            #expect(error.subject == subject, sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected a KamiflowError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
