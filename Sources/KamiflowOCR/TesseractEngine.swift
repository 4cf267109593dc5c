internal import CTesseract
import Foundation
public import KamiflowCore
import Synchronization

/// One Tesseract instance: decodes scans, prepares their pages and reads them.
///
/// A `TessBaseAPI` is safe on one thread at a time and crashes when shared (DESIGN §4), so this class is not
/// Sendable: make it, use it and let it go on one thread. `EnginePool` owns one per worker thread and is the type to
/// use from concurrent code. The handle is ended and freed in `deinit`, which also silences Tesseract's
/// `ObjectCache … LEAK` warning at exit.
public final class TesseractEngine {
    public let configuration: OCRConfiguration
    /// The tessdata folder in use (the configured one, or the first of `OCRConfiguration.tessdataSearchPath` that
    /// holds every language).
    public let tessdataDirectory: String

    /// The instance loaded with `configuration.languages`, for reads that name no language.
    private let primary: ModelHandle
    /// Instances for the other language sets reads have asked for (`eng` for digits, `jpn` for names), each made
    /// the first time it is needed and kept for the engine's life.
    private var others: [String: ModelHandle] = [:]
    /// Language sets whose traineddata is missing, with the error: a second opinion asks for `Japanese` on every
    /// line in doubt, and a machine without it should not look for the file each time.
    private var unavailable: [String: KamiflowError] = [:]
    /// A second instance loaded with `osd`, made the first time a page asks to be oriented (≈ 0.3 s a page).
    private var orientationHandle: OpaquePointer?
    private var pageSerial = 0
    /// What this engine's pages may hold in memory, shared with the other engines of its pool.
    let budget: PageMemoryBudget

    /// Loads the languages. Throws `engineUnavailable` when a language's traineddata is missing or does not load.
    public convenience init(configuration: OCRConfiguration = OCRConfiguration()) throws {
        try self.init(configuration: configuration, budget: PageMemoryBudget(capacity: configuration.pageMemoryBudget))
    }

    init(configuration: OCRConfiguration, budget: PageMemoryBudget) throws {
        Leptonica.configure()
        self.configuration = configuration
        self.budget = budget
        let languages = try Self.languageList(configuration.languages)
        let directory = try Self.locateTessdata(for: languages, configured: configuration.tessdataDirectory)
        tessdataDirectory = directory
        primary = try ModelHandle(languages: configuration.languages, tessdata: directory)
    }

    deinit {
        if let orientationHandle {
            TessBaseAPIEnd(orientationHandle)
            TessBaseAPIDelete(orientationHandle)
        }
    }

    /// The languages of a `+`-joined list, each checked to be a plain Tesseract language name.
    static func languageList(_ list: String) throws -> [String] {
        let languages = list.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        guard !languages.isEmpty, languages.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed.contains) }) else {
            throw KamiflowError(.invalidArgument, "'\(list)' is not a list of Tesseract languages such as jpn+eng")
        }
        return languages
    }

    /// The instance for `languages` (`nil`: the configured ones), loaded on first use from the engine's tessdata
    /// folder.
    private func model(for languages: String?) throws -> ModelHandle {
        guard let languages, languages != primary.languages else { return primary }
        if let model = others[languages] { return model }
        if let error = unavailable[languages] { throw error }
        do {
            try Self.requireModels(try Self.languageList(languages), in: tessdataDirectory)
        } catch let error as KamiflowError {
            unavailable[languages] = error
            throw error
        }
        let model = try ModelHandle(languages: languages, tessdata: tessdataDirectory)
        others[languages] = model
        return model
    }

    /// The Debian package that installs a language's traineddata: `tesseract-ocr-jpn` for `jpn`; script models,
    /// whose names are capitalised, come in `tesseract-ocr-script-*` (`Japanese` in `tesseract-ocr-script-jpan`).
    static func package(for language: String) -> String {
        if language == "Japanese" { return "tesseract-ocr-script-jpan" }
        guard let first = language.first, first.isUppercase else { return "tesseract-ocr-\(language)" }
        return "the tesseract-ocr-script-* package of \(language)"
    }

    /// Throws `engineUnavailable`, naming the Debian package, when `directory` lacks a language's traineddata.
    static func requireModels(_ languages: [String], in directory: String) throws {
        guard let missing = languages.first(where: { !holdsModel($0, in: directory) }) else { return }
        throw KamiflowError(
            .engineUnavailable,
            "\(missing).traineddata is not in the tessdata folder; install \(package(for: missing))",
            subject: directory)
    }

    static func holdsModel(_ language: String, in directory: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(directory)/\(language).traineddata")
    }

    static func locateTessdata(for languages: [String], configured: String?) throws -> String {
        func holdsAll(_ directory: String) -> Bool { languages.allSatisfy { holdsModel($0, in: directory) } }
        if let configured {
            try requireModels(languages, in: configured)
            return configured
        }
        guard let found = OCRConfiguration.tessdataSearchPath.first(where: holdsAll) else {
            let wanted = languages.map { "\($0).traineddata" }.joined(separator: ", ")
            throw KamiflowError(
                .engineUnavailable,
                "no tessdata folder holds \(wanted) (looked in "
                    + OCRConfiguration.tessdataSearchPath.joined(separator: ", ")
                    + "); install tesseract-ocr-<lang> or configure the tessdata folder")
        }
        return found
    }

    // MARK: Scans and pages

    /// Decodes `source`, prepares each page as `preparation` says and runs `body` on each page in order.
    ///
    /// Pages are decoded one at a time and freed after `body` returns, so a 300-page TIFF never sits in memory at
    /// once. The page passed to `body` must not outlive the call.
    public func withPages<T>(
        of source: ScanSource, preparation: Preparation = Preparation(), _ body: (any ReadablePage) throws -> T
    ) throws -> [T] {
        try withPages(of: source, preparation: preparation, isCancelled: { false }, body)
    }

    func withPages<T>(
        of source: ScanSource, preparation: Preparation, isCancelled: () -> Bool,
        _ body: (any ReadablePage) throws -> T
    ) throws -> [T] {
        OpenMP.confineToCallingThread()
        let decoder = try ScanDecoder(source: source, configuration: configuration)
        var results: [T] = []
        results.reserveCapacity(decoder.pageCount)
        // A page that is prepared is read in grey: decode it so (a colour page costs four times the memory).
        let prepared =
            preparation.deskew || preparation.orient || preparation.binarization != nil || preparation.despeckle
        for index in 0..<decoder.pageCount {
            if isCancelled() {
                throw KamiflowError(.cancelled, "reading was cancelled", subject: source.name)
            }
            // An unprepared page goes to Tesseract as the file holds it, as its command line does, unless that
            // cannot fit in the budget: then it is read in grey.
            let grey = prepared || decoder.memoryCost(ofPage: index, grey: false) > budget.capacity
            let cost = decoder.memoryCost(ofPage: index, grey: grey)
            let reservation = try budget.reserve(cost, page: index + 1, subject: source.name, isCancelled: isCancelled)
            defer { budget.release(reservation) }
            // Every image of the page, and Tesseract's copy, is freed when this call returns, before the reservation
            // is given back.
            results.append(
                try read(decoder, page: index, grey: grey, preparation: preparation, subject: source.name, body))
        }
        return results
    }

    private func read<T>(
        _ decoder: ScanDecoder, page index: Int, grey: Bool, preparation: Preparation, subject: String,
        _ body: (any ReadablePage) throws -> T
    ) throws -> T {
        defer { releaseImage() }
        // The decoded image is released once the prepared page exists (a deskewed page is a new image): one
        // full-resolution page fewer per engine while the zones are read.
        let page = try prepare(
            try decoder.page(at: index, grey: grey), index: index, preparation: preparation, subject: subject)
        return try body(page)
    }

    /// Lets Tesseract drop its copy of the last page (tens of megabytes at 300 dpi).
    private func releaseImage() {
        for model in [primary] + others.values where model.pageOnHandle != nil {
            TessBaseAPIClear(model.pointer)
            model.pageOnHandle = nil
        }
    }

    private func prepare(
        _ decoded: PixImage, index: Int, preparation: Preparation, subject: String
    ) throws
        -> PreparedPage
    {
        pageSerial += 1
        let resolution = Double(decoded.resolution)
        var report = PreparationReport(resolution: resolution)
        let binarization = preparation.binarization ?? (preparation.despeckle ? .otsu : nil)
        guard preparation.deskew || preparation.orient || binarization != nil else {
            // Untouched: Tesseract sees exactly what its own command line would, so the texts agree byte for byte.
            return PreparedPage(
                engine: self, subject: subject, serial: pageSerial, index: index, image: decoded, binary: nil,
                report: report)
        }
        func failed(_ step: String) -> KamiflowError {
            KamiflowError(.corruptImage, "page \(index + 1) could not be \(step)", subject: subject)
        }
        // A gray scan is used as decoded (every step below makes a new image); a full-page copy is 8.7 MB at A4/300.
        var page = try decoded.asGrayscale() ?? { throw failed("converted to grayscale") }()
        if preparation.orient, let degrees = try contentRotation(of: page, subject: subject) {
            // OSD reports how far the content is turned clockwise; turn it back the rest of the way round.
            let quarterTurns = ((360 - degrees) % 360) / 90
            if quarterTurns != 0 {
                page = try page.rotated(quarterTurns: quarterTurns) ?? { throw failed("turned upright") }()
            }
            report.rotation = quarterTurns * 90
        }
        var straightening: Double?
        if preparation.deskew {
            // Measured on the page thresholded at 130, as `pixFindSkewAndDeskew` does: measured on the Otsu ink
            // instead, 5 more of 4,789 printed fields were misread (200 office-scanner scans).
            let skewInk = try PixImage(pixConvertTo1(page.pointer, 130), orThrow: failed("binarised"))
            if let angle = skewCorrection(of: skewInk) {
                // Leptonica's angle is the clockwise rotation that removes the skew; the report gives the skew itself.
                report.skewAngle = -Double(angle)
                straightening = Double(angle) * .pi / 180
            }
        }
        var binary: PixImage?
        if let binarization {
            if let angle = straightening {
                // A binarised page is read as it is binarised: straighten the grey page first (area-mapped, as
                // `pixFindSkewAndDeskew` does), then threshold it.
                let source = page
                page = try withExtendedLifetime(source) {
                    try PixImage(
                        pixRotate(
                            source.pointer, Float(angle), Int32(L_ROTATE_AREA_MAP), Int32(L_BRING_IN_WHITE), 0, 0),
                        orThrow: failed("deskewed"))
                }
                straightening = nil
            }
            // A page that records no resolution (`ocr` leaves it to Tesseract) is treated as 300 dpi here.
            let working = resolution > 0 ? resolution : 300
            var image = try page.binarized(binarization, resolution: working) ?? { throw failed("binarised") }()
            if preparation.despeckle {
                image = try image.despeckled(resolution: working) ?? { throw failed("despeckled") }()
            }
            binary = image
            page = image
        }
        page.setResolution(resolution)
        // A skewed grey page is straightened where it is read (PreparedPage), not here. Its ink (one Otsu threshold,
        // on which marks, boxes and zones are found) is sheared straight now; a straight page's ink is made by the
        // page on first use.
        var inkThreshold: Int?
        if binary == nil, let angle = straightening {
            let ink = try page.globalOtsu() ?? { throw failed("binarised") }()
            binary = try PixImage(
                pixRotate(ink.image.pointer, Float(angle), Int32(L_ROTATE_SHEAR), Int32(L_BRING_IN_WHITE), 0, 0),
                orThrow: failed("deskewed"))
            inkThreshold = ink.threshold
        }
        return PreparedPage(
            engine: self, subject: subject, serial: pageSerial, index: index, image: page, binary: binary,
            report: report, straightening: straightening, inkThreshold: inkThreshold)
    }

    /// The rotation in degrees that straightens the page whose ink is `binary`, or `nil` when it is straight or its
    /// skew is not known: Leptonica's sweep-and-search, as `pixFindSkewAndDeskew` runs it, with its limits (no turn
    /// under 0.1°, none on a confidence under 3).
    private func skewCorrection(of binary: PixImage) -> Float? {
        var angle: Float = 0
        var confidence: Float = 0
        guard pixFindSkewSweepAndSearch(binary.pointer, &angle, &confidence, 4, 2, 7, 1, 0.01) == 0,
            confidence >= 3, abs(angle) >= 0.1
        else { return nil }
        return angle
    }

    /// The clockwise rotation (0, 90, 180, 270) of the text on `page` according to Tesseract OSD, or `nil` when
    /// OSD is unsure (too little text).
    private func contentRotation(of page: PixImage, subject: String) throws -> Int? {
        let osd = try orientationEngine()
        TessBaseAPISetImage2(osd, page.pointer)
        defer { TessBaseAPIClear(osd) }
        var degrees: Int32 = 0
        var confidence: Float = 0
        var script: UnsafePointer<CChar>?
        var scriptConfidence: Float = 0
        let found = TessBaseAPIDetectOrientationScript(osd, &degrees, &confidence, &script, &scriptConfidence)
        // DESIGN §4: `script` points into Tesseract's own tables. capi.h says to free it; doing so corrupts the heap.
        guard found != 0, confidence >= Self.minimumOrientationConfidence else { return nil }
        return (Int(degrees) % 360 + 360) % 360
    }

    /// Below this OSD confidence a page is left as it is: turning a good page the wrong way is worse than not
    /// turning a bad one. Real text pages score 15–20, pages with a few words around 3.
    static let minimumOrientationConfidence: Float = 2

    private func orientationEngine() throws -> OpaquePointer {
        if let orientationHandle { return orientationHandle }
        guard FileManager.default.fileExists(atPath: tessdataDirectory + "/osd.traineddata"),
            let osd = TessBaseAPICreate()
        else {
            throw KamiflowError(
                .engineUnavailable,
                "osd.traineddata is missing, so pages cannot be oriented; install tesseract-ocr-osd",
                subject: tessdataDirectory)
        }
        let status = EngineStartup.lock.withLock { _ in TessBaseAPIInit3(osd, tessdataDirectory, "osd") }
        guard status == 0 else {
            TessBaseAPIDelete(osd)
            throw KamiflowError(.engineUnavailable, "Tesseract could not load osd", subject: tessdataDirectory)
        }
        orientationHandle = osd
        return osd
    }

    // MARK: Recognition

    private struct Pass {
        var text: String
        var confidence: Double
        var words: [RecognizedWord]
        var characters: [RecognizedWord] = []
    }

    func recognize(_ page: PreparedPage, zone: PixelRect?, options: RecognitionOptions) throws -> Reading {
        let rect: PixelRect
        if let zone {
            rect = page.clamp(zone)
            guard !rect.isEmpty else {
                throw KamiflowError(
                    .invalidArgument,
                    "zone \(zone) lies outside page \(page.index + 1) (\(page.size.width)×\(page.size.height) pixels)",
                    subject: page.subject)
            }
        } else {
            rect = page.bounds
        }
        let model = try model(for: options.language)
        let whitelist = options.whitelist ?? ""
        let blacklist = options.blacklist ?? ""
        let segmentation = effectiveSegmentation(options.segmentation, blacklist: blacklist, languages: model.languages)
        // A zone is read as an image of its own, its writing on white (PreparedPage.writing), one line of it at the
        // height the caller asks for (Self.lineScale); the whole page, or a zone whose writing cannot be isolated,
        // as a rectangle of the page.
        var writing =
            zone == nil || !options.isolatesWriting
            ? nil
            : page.writing(
                in: rect, keepingFaintStrokes: options.keepsFaintStrokes,
                keepingSpecksBesideWriting: options.keepsSpecksBesideWriting)
        var scale = 1.0
        if let isolated = writing, let height = options.lineHeight,
            let factor = Self.lineScale(
                ink: isolated.ink, to: height, segmentation, loneCharacter: options.shrinksLoneCharacter),
            let smaller = isolated.image.scaled(by: factor)
        {
            writing?.image = smaller
            scale = factor
        }
        let target: PixelRect
        if let writing {
            TessBaseAPISetImage2(model.pointer, writing.image.pointer)
            model.pageOnHandle = -1  // no page's serial: the next page read sets its image again
            target = writing.image.bounds
        } else {
            if model.pageOnHandle != page.serial {
                TessBaseAPISetImage2(model.pointer, page.image.pointer)
                model.pageOnHandle = page.serial
            }
            target = rect
        }
        var result = try pass(
            model, target, segmentation, whitelist: whitelist, blacklist: blacklist, subject: page.subject,
            characters: options.reportsCharacters)
        if options.measuresConfidence && !(whitelist.isEmpty && blacklist.isEmpty) && !result.text.isEmpty
            && (result.confidence <= 0 || result.words.contains { $0.confidence <= 0 })
        {
            // DESIGN §4: when a whitelist changes the LSTM's decode, its confidences drop to 0; the confidence then
            // comes from a pass without the whitelist (the validators check what the whitelist let through).
            let plain = try pass(model, target, segmentation, whitelist: "", blacklist: "", subject: page.subject)
            result.confidence = plain.confidence
            for index in result.words.indices where result.words[index].confidence <= 0 {
                let box = result.words[index].box
                let overlapping = plain.words.max { $0.box.intersection(box).area < $1.box.intersection(box).area }
                if let overlapping, !overlapping.box.intersection(box).isEmpty {
                    result.words[index].confidence = overlapping.confidence
                }
            }
        }
        if zone == nil {
            var reading = Reading(text: result.text, confidence: result.confidence, words: result.words, zone: nil)
            reading.characters = result.characters
            return reading
        }
        if let writing {
            // Word and character boxes back in page coordinates, inside the zone (the white border holds no ink).
            withExtendedLifetime(writing.image) {}
            func onPage(_ word: RecognizedWord) -> RecognizedWord {
                var moved = word
                func page(_ value: Int) -> Int { Int((Double(value) / scale).rounded()) }
                moved.box = PixelRect(
                    x: page(word.box.x) + writing.originX, y: page(word.box.y) + writing.originY,
                    width: page(word.box.width), height: page(word.box.height)
                ).intersection(rect)
                return moved
            }
            result.words = result.words.map(onPage)
            result.characters = result.characters.map(onPage)
        }
        let text = TextCleanup.zoneText(result.text)
        var reading = Reading(text: text, confidence: result.confidence, words: result.words, zone: rect)
        reading.characters = result.characters
        return reading
    }

    /// The mode a read really runs in. libtesseract 5.3.0 segfaults in `PAGE_RES_IT::ReplaceCurrentWord` on some
    /// single-word (PSM 8) reads with a character blacklist on a multi-language engine: the first language's word is
    /// rejected, the retry in the next language replaces it and walks a row that holds no word. The `tesseract` CLI
    /// dies the same way on the same crop (`Fixtures/ocr/single-word-blacklist.png`), so no caller can be trusted to
    /// avoid it: such reads run as one line (PSM 7), which reads one word's ink the same way and does not crash.
    func effectiveSegmentation(_ requested: PageSegmentation, blacklist: String, languages: String) -> PageSegmentation
    {
        guard requested == .singleWord, !blacklist.isEmpty, languages.contains("+") else {
            return requested
        }
        return .singleLine
    }

    /// The factor one line of writing is scaled by so that its ink is `height` pixels high, or `nil` to read it as
    /// scanned: writing within 20 % below and 15 % above that height is left alone. Blocks of several lines are read
    /// as they are (their ink height is not a text height), and so is a lone character (ink less than twice as wide
    /// as high) unless `loneCharacter` says otherwise: 妻 alone in a 続柄 cell read as 雪 on 14 of 200 idou forms when
    /// shrunk.
    ///
    /// Small writing is enlarged as tall writing is shrunk, whatever the dpi, from the line's own ink: 10–13 pt
    /// typed at 150 dpi arrives with 17–24 pixels of ink, and the model reads it better brought up to `height`
    /// (Corpus/existing-forms/README.md, "Typed text"). Writing at 300 dpi is never enlarged, so what already read
    /// well costs nothing more.
    static func lineScale(
        ink: PixelSize, to height: Double, _ segmentation: PageSegmentation, loneCharacter: Bool = false
    ) -> Double? {
        guard [.singleLine, .rawLine, .singleWord, .singleCharacter].contains(segmentation), ink.height > 0,
            loneCharacter || ink.width >= 2 * ink.height
        else { return nil }
        let inkHeight = Double(ink.height)
        guard inkHeight > height * 1.15 || inkHeight < height * Self.enlargedBelow else { return nil }
        return height / inkHeight
    }

    /// Writing whose ink is under this share of the reading height is enlarged to it (`lineScale`).
    static let enlargedBelow = 0.8

    private func pass(
        _ model: ModelHandle, _ rect: PixelRect, _ segmentation: PageSegmentation, whitelist: String,
        blacklist: String, subject: String, characters: Bool = false
    ) throws -> Pass {
        let handle = model.pointer
        if whitelist != model.whitelist {
            guard TessBaseAPISetVariable(handle, "tessedit_char_whitelist", whitelist) != 0 else {
                throw KamiflowError(.invalidArgument, "Tesseract refused the character whitelist", subject: subject)
            }
            model.whitelist = whitelist
        }
        if blacklist != model.blacklist {
            guard TessBaseAPISetVariable(handle, "tessedit_char_blacklist", blacklist) != 0 else {
                throw KamiflowError(.invalidArgument, "Tesseract refused the character blacklist", subject: subject)
            }
            model.blacklist = blacklist
        }
        // Each SetRectangle clears the previous results, so every pass starts from the same state.
        TessBaseAPISetRectangle(handle, Int32(rect.x), Int32(rect.y), Int32(rect.width), Int32(rect.height))
        TessBaseAPISetPageSegMode(handle, TessPageSegMode(UInt32(segmentation.rawValue)))
        guard TessBaseAPIRecognize(handle, nil) == 0 else {
            throw KamiflowError(.recognitionFailed, "Tesseract could not recognise the area \(rect)", subject: subject)
        }
        var text = ""
        if let pointer = TessBaseAPIGetUTF8Text(handle) {
            text = String(cString: pointer)
            TessDeleteText(pointer)
        }
        let confidence = text.isEmpty ? 0 : Double(max(0, TessBaseAPIMeanTextConf(handle)))
        return Pass(
            text: text, confidence: confidence, words: boxes(of: handle, level: RIL_WORD),
            characters: characters ? boxes(of: handle, level: RIL_SYMBOL) : [])
    }

    /// The words, or the characters (`RIL_SYMBOL`), of the last recognition, with their boxes and confidences.
    private func boxes(of handle: OpaquePointer, level: TessPageIteratorLevel) -> [RecognizedWord] {
        guard let iterator = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        let pageIterator = TessResultIteratorGetPageIterator(iterator)
        var words: [RecognizedWord] = []
        repeat {
            guard let pointer = TessResultIteratorGetUTF8Text(iterator, level) else { continue }
            let text = String(cString: pointer)
            TessDeleteText(pointer)
            var left: Int32 = 0
            var top: Int32 = 0
            var right: Int32 = 0
            var bottom: Int32 = 0
            guard TessPageIteratorBoundingBox(pageIterator, level, &left, &top, &right, &bottom) != 0 else {
                continue
            }
            let confidence = Double(TessResultIteratorConfidence(iterator, level))
            let box = PixelRect(
                x: Int(left), y: Int(top), width: Int(right - left), height: Int(bottom - top))
            words.append(RecognizedWord(text: text, box: box, confidence: max(0, confidence)))
        } while TessResultIteratorNext(iterator, level) != 0
        return words
    }
}

@available(*, unavailable, message: "a TessBaseAPI must stay on one thread; use EnginePool from concurrent code")
extension TesseractEngine: Sendable {}

/// One `TessBaseAPI` loaded with one set of languages, and the state last given to it (so that zones of one page
/// share a single `SetImage`, and a whitelist is set only when it changes). Ended and freed with the object.
private final class ModelHandle {
    let languages: String
    let pointer: OpaquePointer
    /// Which page's image the instance holds (-1: a zone's own image).
    var pageOnHandle: Int?
    var whitelist = ""
    var blacklist = ""

    init(languages: String, tessdata: String) throws {
        guard let pointer = TessBaseAPICreate() else {
            throw KamiflowError(.engineUnavailable, "Tesseract could not create an engine")
        }
        let status = EngineStartup.lock.withLock { _ in
            EngineStartup.configureProcessOnce(pointer)
            return TessBaseAPIInit3(pointer, tessdata, languages)
        }
        guard status == 0 else {
            TessBaseAPIDelete(pointer)
            throw KamiflowError(.engineUnavailable, "Tesseract could not load '\(languages)'", subject: tessdata)
        }
        self.languages = languages
        self.pointer = pointer
    }

    deinit {
        TessBaseAPIEnd(pointer)
        TessBaseAPIDelete(pointer)
    }
}

/// Serialises engine start-up: `Init` writes process-wide parameters, and two threads doing so at once race.
enum EngineStartup {
    static let lock = Mutex(())
    private nonisolated(unsafe) static var configured = false

    /// Sets Tesseract's process-wide parameters, once, before the first engine loads (call with `lock` held).
    ///
    /// Tesseract's diagnostics (`tprintf`: "Empty page!!", row statistics on blank zones …) go to stderr by
    /// default and mean nothing to a person running Kamiflow, whose own errors say what went wrong; they go to
    /// /dev/null instead. `debug_file` is a global parameter, so it is set before any engine exists, never again.
    static func configureProcessOnce(_ handle: OpaquePointer) {
        guard !configured else { return }
        configured = true
        _ = TessBaseAPISetVariable(handle, "debug_file", "/dev/null")
    }
}

/// Text fix-ups for zone reads.
enum TextCleanup {
    /// The text of a zone: spaces Tesseract puts between two CJK characters removed (jpn emits them between most
    /// characters; Japanese has no spaces between words), surrounding whitespace trimmed. Whole-page text is left
    /// exactly as Tesseract produced it.
    static func zoneText(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var kept = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == " " {
                var end = index
                while end < scalars.count && scalars[end] == " " { end += 1 }
                let before = index > 0 ? scalars[index - 1] : nil
                let after = end < scalars.count ? scalars[end] : nil
                if let before, let after, isCJK(before), isCJK(after) {
                    index = end
                    continue
                }
                kept.append(contentsOf: scalars[index..<end])
                index = end
                continue
            }
            kept.append(scalar)
            index += 1
        }
        return String(kept).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3000...0x303F,  // CJK symbols and punctuation (、。「」々〆)
            0x3040...0x309F,  // hiragana
            0x30A0...0x30FF,  // katakana
            0x31F0...0x31FF,  // katakana phonetic extensions
            0x3400...0x4DBF,  // CJK extension A
            0x4E00...0x9FFF,  // CJK unified ideographs
            0xF900...0xFAFF,  // CJK compatibility ideographs
            0xFF01...0xFF60,  // full-width forms (ＡＢ１２（）)
            0xFF61...0xFF9F,  // half-width katakana
            0x20000...0x3134F:  // CJK extensions B–G
            return true
        default:
            return false
        }
    }
}
