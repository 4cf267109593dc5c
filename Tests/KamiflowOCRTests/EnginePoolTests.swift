import Dispatch
import KamiflowCore
import KamiflowTesting
import Testing

@testable import KamiflowOCR

@Suite("The engine pool")
struct EnginePoolTests {
    static let files = ["english.png", "japanese.png", "multipage.tif", "form.png", "english.jpg", "turned-90.png"]

    /// What one page gives: its whole text and two zones, all Sendable.
    static let readPage: @Sendable (any ReadablePage) throws -> [Reading] = { page in
        [
            try page.recognize(nil, options: RecognitionOptions(segmentation: .auto)),
            try page.recognize(PixelRect(x: 200, y: 200, width: 1200, height: 200), options: RecognitionOptions()),
            try page.recognize(
                PixelRect(x: 820, y: 1640, width: 1360, height: 130),
                options: RecognitionOptions(segmentation: .singleLine, whitelist: "0123456789-")),
        ]
    }

    @Test("many pages through two workers give exactly the sequential results")
    func concurrentEqualsSequential() async throws {
        let engine = try makeEngine("jpn+eng")
        let sequential = try Self.files.map { file in
            try engine.withPages(of: .file(path: Fixtures.ocr(file)), preparation: Preparation(), Self.readPage)
        }

        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn+eng"), workers: 2)
        // Every file twice, all submitted at once, so both workers read and each reads after the other's pages.
        let jobs = Array((Self.files + Self.files.reversed()).enumerated())
        let concurrent = try await withThrowingTaskGroup(of: (Int, [[Reading]]).self) { group in
            for (index, file) in jobs {
                group.addTask {
                    (
                        index,
                        try await pool.withPages(
                            of: .file(path: Fixtures.ocr(file)), preparation: Preparation(), Self.readPage)
                    )
                }
            }
            var results: [Int: [[Reading]]] = [:]
            for try await (index, result) in group { results[index] = result }
            return results
        }
        for (index, file) in jobs {
            let expected = sequential[Self.files.firstIndex(of: file)!]
            #expect(concurrent[index] == expected, "\(file)")
        }
        await pool.shutdown()
    }

    @Test("errors come back per file and the pool keeps working")
    func errorsAreIsolated() async throws {
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "eng"), workers: 2)
        let bad = Fixtures.ocr("bad/truncated.png")
        await #expect(throws: KamiflowError.self) {
            try await pool.withPages(of: .file(path: bad), preparation: Preparation()) { _ in 0 }
        }
        let sizes = try await pool.withPages(of: .file(path: Fixtures.ocr("english.png")), preparation: Preparation()) {
            $0.size
        }
        #expect(sizes == [PixelSize(width: 1748, height: 2480)])
        await pool.shutdown()
        do {
            _ = try await pool.withPages(of: .file(path: Fixtures.ocr("english.png")), preparation: Preparation()) {
                _ in 0
            }
            Issue.record("a shut-down pool read a page")
        } catch let error as KamiflowError {
            #expect(error.code == .engineUnavailable)
        }
    }

    @Test("a job cancelled while it waits in the queue never reads, and the pool goes on")
    func cancellationInTheQueue() async throws {
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "eng"), workers: 1)
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        // The only worker is held inside the first job until the second has been cancelled.
        let first = Task {
            try await pool.withPages(of: .file(path: Fixtures.ocr("english.png")), preparation: Preparation()) { _ in
                started.signal()
                release.wait()
                return 1
            }
        }
        await Task.detached { started.wait() }.value
        let second = Task {
            try await pool.withPages(of: .file(path: Fixtures.ocr("english.png")), preparation: Preparation()) { _ in 2
            }
        }
        second.cancel()
        release.signal()
        #expect(try await first.value == [1])
        do {
            _ = try await second.value
            Issue.record("a cancelled job read its pages")
        } catch let error as KamiflowError {
            #expect(error.code == .cancelled)
        }
        let after = try await pool.withPages(of: .file(path: Fixtures.ocr("english.png")), preparation: Preparation()) {
            $0.index
        }
        #expect(after == [0])
        await pool.shutdown()
    }

    @Test("a language without traineddata fails at start-up, naming it")
    func missingLanguage() async throws {
        do {
            _ = try await EnginePool(configuration: OCRConfiguration(languages: "eng+xyz"), workers: 2)
            Issue.record("a pool started without xyz.traineddata")
        } catch let error as KamiflowError {
            #expect(error.code == .engineUnavailable)
            #expect(error.message.contains("xyz.traineddata"))
        }
        do {
            _ = try await EnginePool(
                configuration: OCRConfiguration(languages: "eng", tessdataDirectory: "/nonexistent"))
            Issue.record("a pool started without a tessdata folder")
        } catch let error as KamiflowError {
            #expect(error.code == .engineUnavailable)
            #expect(error.subject == "/nonexistent")
        }
    }
}
