public import Foundation
public import KamiflowCore
import KamiflowOCR

/// The file format samples are written in.
public enum SampleFormat: String, CaseIterable, Sendable, Codable {
    case png, jpeg, tiff, pdf

    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .tiff: "tiff"
        case .pdf: "pdf"
        }
    }
}

/// What `kamiflow samples` makes: how many, from which seed, scanned how, written as what.
public struct SampleBatchConfiguration: Sendable {
    public var count: Int
    public var seed: UInt64
    public var profile: ScanProfile
    public var format: SampleFormat
    /// Share of forms with one planted defect.
    public var defectRate: Double
    /// Forms per file (TIFF and PDF hold several pages; PNG and JPEG one).
    public var pagesPerFile: Int
    public var referenceDate: CivilDate
    public var fonts: FontConfiguration
    /// How many samples are rendered at the same time.
    public var parallelism: Int

    public init(
        count: Int, seed: UInt64 = 1, profile: ScanProfile = .officeScanner, format: SampleFormat = .png,
        defectRate: Double = 0, pagesPerFile: Int = 1,
        referenceDate: CivilDate = CivilDate(year: 2026, month: 10, day: 1), fonts: FontConfiguration = .init(),
        parallelism: Int = 2
    ) {
        self.count = count
        self.seed = seed
        self.profile = profile
        self.format = format
        self.defectRate = defectRate
        self.pagesPerFile = pagesPerFile
        self.referenceDate = referenceDate
        self.fonts = fonts
        self.parallelism = parallelism
    }
}

/// One sample file in memory: its bytes and its ground truth.
public struct SampleFile: Sendable {
    public var name: String
    public var bytes: [UInt8]
    public var truth: GroundTruth
}

/// Makes sample scans of a form: fake households, filled in, printed, scanned, with ground truth.
public struct SampleBatch: Sendable {
    public var layout: FormLayout
    public var configuration: SampleBatchConfiguration

    public init(layout: FormLayout, configuration: SampleBatchConfiguration) {
        self.layout = layout
        self.configuration = configuration
    }

    /// The name of file `number` (0-based): `<workflow>-0001.png`.
    public func fileName(_ number: Int) -> String {
        let digits = String(number + 1)
        return "\(layout.workflow)-\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits)."
            + configuration.format.fileExtension
    }

    public var fileCount: Int {
        let perFile = max(1, configuration.pagesPerFile)
        return (configuration.count + perFile - 1) / perFile
    }

    /// One scanned page and its truth.
    package func page(_ sample: Int, pageInFile: Int) throws -> (GrayImage, FormTruth) {
        let filler = FormFiller(
            configuration: FillConfiguration(
                defectRate: configuration.defectRate, referenceDate: configuration.referenceDate))
        let form = filler.fill(layout, seed: configuration.seed, index: sample)
        let renderer = FormRenderer(fonts: configuration.fonts)
        let sampleSeed = configuration.seed &+ UInt64(sample) &* 0x9E37_79B9
        let printed = try renderer.image(layout, filled: form, dpi: configuration.profile.dpi, seed: sampleSeed)
        let (scanned, geometry) = ScanSimulator(profile: configuration.profile).scan(printed, seed: sampleSeed)
        var image = scanned
        if let quality = configuration.profile.jpegQuality, configuration.format != .jpeg {
            // The scanner compressed it: keep its artefacts even when the file is written losslessly.
            image = try ImageFiles.jpegRoundTrip(image, quality: quality)
        }
        let truth = FormTruth(
            form: form, page: pageInFile, sample: sample, dpi: configuration.profile.dpi, geometry: geometry)
        return (image, truth)
    }

    /// File `number` with its pages, encoded, and its ground truth.
    public func file(_ number: Int) throws -> SampleFile {
        let perFile = max(1, configuration.pagesPerFile)
        if perFile > 1, configuration.format == .png || configuration.format == .jpeg {
            throw KamiflowError(
                .invalidArgument, "\(configuration.format.rawValue) holds one page; use tiff or pdf for several")
        }
        let samples = (number * perFile)..<min(configuration.count, (number + 1) * perFile)
        var pages: [GrayImage] = []
        var truths: [FormTruth] = []
        for (i, sample) in samples.enumerated() {
            let (image, truth) = try page(sample, pageInFile: i)
            pages.append(image)
            truths.append(truth)
        }
        let bytes = try ImageFiles.encode(
            pages, as: configuration.format, profile: configuration.profile, layout: layout,
            fonts: configuration.fonts)
        let name = fileName(number)
        let truth = GroundTruth(
            workflow: layout.workflow, image: name, format: configuration.format.rawValue,
            profile: configuration.profile, seed: configuration.seed, today: configuration.referenceDate,
            forms: truths)
        return SampleFile(name: name, bytes: bytes, truth: truth)
    }

    /// Writes every file and its `.truth.json` into `directory` (created if needed), `parallelism` at a time.
    /// Returns the file names in order.
    public func write(to directory: URL) async throws -> [String] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw KamiflowError(.io, "cannot create the output folder", subject: directory.path, cause: error)
        }
        let batch = self
        var names: [String] = []
        try await withThrowingTaskGroup(of: String.self) { group in
            var next = 0
            func add() {
                let number = next
                next += 1
                group.addTask {
                    let file = try batch.file(number)
                    let imageURL = directory.appendingPathComponent(file.name)
                    let truthURL = directory.appendingPathComponent(GroundTruth.fileName(forImage: file.name))
                    do {
                        try Data(file.bytes).write(to: imageURL)
                        try file.truth.jsonData().write(to: truthURL)
                    } catch {
                        throw KamiflowError(.io, "cannot write the sample", subject: imageURL.path, cause: error)
                    }
                    return file.name
                }
            }
            for _ in 0..<min(max(1, configuration.parallelism), fileCount) { add() }
            while let name = try await group.next() {
                names.append(name)
                if next < fileCount { add() }
            }
        }
        return names.sorted()
    }
}

extension GroundTruth {
    /// `form-0001.png` → `form-0001.truth.json`.
    public static func fileName(forImage name: String) -> String {
        let stem = name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name
        return stem + ".truth.json"
    }
}
