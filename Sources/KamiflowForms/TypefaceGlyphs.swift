internal import CCairo
import Foundation
import KamiflowCore
public import KamiflowWorkflow
import Synchronization

/// The glyphs of the typefaces workflows name (`form.typeface`), drawn with FreeType once, when the workflows are
/// loaded, for the glyph witness that reads free text a second time (`GlyphWitness` in KamiflowWorkflow).
///
/// Every character of JIS X 0213's first plane that is a kanji or kana, with Latin letters and digits, that the
/// font has a glyph for: about 8,800 with IPA P Gothic, 36 MB of shapes, drawn in about a second.
public final class TypefaceGlyphs: TypefaceLibrary {
    private let drawn: [String: GlyphTemplates]

    /// Draws the typeface of every workflow that names one. Throws, naming the workflow's file, when a font cannot
    /// be found or opened: a workflow that expects its witness must not run without it unnoticed.
    public init(for workflows: [Workflow]) throws {
        var drawn: [String: GlyphTemplates] = [:]
        for workflow in workflows {
            guard let typeface = workflow.form.typeface, drawn[typeface] == nil else { continue }
            let subject = workflow.file
            let path = try Self.requirePath(of: typeface, subject: subject)
            if let known = Self.drawnByPath.withLock({ $0[path] }) {
                drawn[typeface] = known
            } else {
                let templates = try Self.draw(path, subject: subject)
                Self.drawnByPath.withLock { $0[path] = templates }
                drawn[typeface] = templates
            }
        }
        self.drawn = drawn
    }

    /// Every typeface drawn in this process, by font file: drawing one takes about a second, and every command
    /// that builds extraction (and every test) would otherwise draw it again.
    private static let drawnByPath = Mutex<[String: GlyphTemplates]>([:])

    public func templates(for typeface: String) -> GlyphTemplates? { drawn[typeface] }

    /// Where a font file name is looked for.
    static let fontFolders = ["/usr/share/fonts", "/usr/local/share/fonts"]

    /// The font file `typeface` names: itself when a path to a file, else the first file of that name under the
    /// font folders.
    public static func path(of typeface: String) -> String? {
        let files = FileManager.default
        if typeface.contains("/") { return files.fileExists(atPath: typeface) ? typeface : nil }
        if let known = found.withLock({ $0[typeface] }) { return known }
        for folder in fontFolders {
            guard let walk = files.enumerator(atPath: folder) else { continue }
            while let relative = walk.nextObject() as? String {
                guard (relative as NSString).lastPathComponent == typeface else { continue }
                found.withLock { $0[typeface] = folder + "/" + relative }
                return folder + "/" + relative
            }
        }
        return nil
    }

    /// The font file `typeface` names (`path(of:)`), or an error saying where it was looked for, about `subject`.
    static func requirePath(of typeface: String, subject: String) throws -> String {
        guard let path = path(of: typeface) else {
            throw KamiflowError(
                .fileNotFound,
                "typeface \(typeface) is not a font file under \(fontFolders.joined(separator: " or ")); "
                    + "install its package (ipagp.ttf: fonts-ipafont-gothic) or give its full path",
                subject: subject)
        }
        return path
    }

    /// Font files already found by name (every sample page asks).
    private static let found = Mutex<[String: String]>([:])

    /// The glyph shapes of every character of `repertoire` the font at `path` has.
    static func draw(_ path: String, subject: String) throws -> GlyphTemplates {
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library else {
            throw KamiflowError(.io, "cannot initialise FreeType", subject: subject)
        }
        defer { FT_Done_FreeType(library) }
        var opened: FT_Face?
        let error = FT_New_Face(library, path, 0, &opened)
        guard error == 0, let face = opened else {
            throw KamiflowError(.io, "cannot open the typeface \(path) (FreeType error \(error))", subject: subject)
        }
        defer { FT_Done_Face(face) }
        let emPixels = 64
        guard FT_Set_Pixel_Sizes(face, 0, FT_UInt(emPixels)) == 0 else {
            throw KamiflowError(.io, "cannot size the typeface \(path)", subject: subject)
        }
        var glyphs = GlyphTemplates.Builder()
        for (scalar, common) in repertoire where FT_Get_Char_Index(face, FT_ULong(scalar.value)) != 0 {
            // Unhinted, as the forms are drawn (Cairo, hinting off).
            guard FT_Load_Char(face, FT_ULong(scalar.value), Int32(FT_LOAD_RENDER | FT_LOAD_NO_HINTING)) == 0,
                let slot = face.pointee.glyph
            else { continue }
            let bitmap = slot.pointee.bitmap
            let width = Int(bitmap.width), height = Int(bitmap.rows), pitch = Int(bitmap.pitch)
            guard width > 0, height > 0, let buffer = bitmap.buffer else { continue }
            var ink = [Float](repeating: 0, count: width * height)
            for y in 0..<height {
                for x in 0..<width { ink[y * width + x] = Float(buffer[y * pitch + x]) / 255 }
            }
            glyphs.add(Character(scalar), ink: ink, width: width, height: height, em: emPixels, rare: !common)
        }
        return glyphs.build()
    }

    /// The characters a typeface is drawn for: JIS X 0213 plane 1 (through glibc's EUC-JISX0213 converter) less
    /// its symbols, which look like strokes of kanji (― for 一), with ASCII letters and digits (`isWritten`); each
    /// with whether it is in common use (kana, Latin, JIS level 1 kanji: EUC rows 0xB0–0xCF).
    static let repertoire: [(scalar: Unicode.Scalar, common: Bool)] = {
        var scalars =
            ((0x30...0x39).compactMap(Unicode.Scalar.init) + (0x41...0x5A).compactMap(Unicode.Scalar.init)
            + (0x61...0x7A).compactMap(Unicode.Scalar.init)).map { (scalar: $0, common: true) }
        let converter = iconv_open("UTF-8", "EUC-JISX0213")
        guard converter != iconv_t(bitPattern: -1) else { return scalars }
        defer { iconv_close(converter) }
        var seen = Set(scalars.map(\.scalar))
        for high in 0xA1...0xFE {
            for low in 0xA1...0xFE {
                var input: [CChar] = [CChar(bitPattern: UInt8(high)), CChar(bitPattern: UInt8(low))]
                var output = [CChar](repeating: 0, count: 16)
                let converted: Int = input.withUnsafeMutableBufferPointer { inBuffer in
                    output.withUnsafeMutableBufferPointer { outBuffer in
                        var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                        var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                        var inLeft = 2, outLeft = 16
                        // Reset the converter's state: a failed code leaves it mid-character.
                        _ = iconv(converter, nil, nil, nil, nil)
                        guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1 else { return 0 }
                        return 16 - outLeft
                    }
                }
                let bytes = output.prefix(converted).map { UInt8(bitPattern: $0) }
                let text = String(decoding: bytes, as: UTF8.self)
                guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first,
                    isWritten(scalar), seen.insert(scalar).inserted
                else { continue }
                let kanji = scalar.value >= 0x3400
                scalars.append((scalar, !kanji || (0xB0...0xCF).contains(high)))
            }
        }
        return scalars
    }()

    /// Kanji (with 々 and 〆), hiragana, katakana and ー; not the kanji that are single strokes (丨 丶 丿 乀 乁 亅),
    /// radicals no name or address is written with, which the witness would see in every I, l and 1.
    static func isWritten(_ scalar: Unicode.Scalar) -> Bool {
        guard !"丨丶丿乀乁亅".unicodeScalars.contains(scalar) else { return false }
        switch scalar.value {
        // Not the compatibility ideographs (U+F900–FAFF): each is canonically its unified kanji (神 for 神), which
        // Swift's Character equality would mix up with it.
        case 0x3041...0x3096, 0x30A1...0x30FA, 0x30FC, 0x3005, 0x3006, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0x20000...0x2FFFF:
            return true
        default:
            return false
        }
    }
}
