internal import CCairo
import KamiflowCore
import KamiflowOCR
import Synchronization

/// Where the renderer finds its fonts. The defaults are where Debian's fonts-ipafont-mincho and
/// fonts-ipafont-gothic put them; fonts are opened by path (not by fontconfig name) so that the same form renders
/// to the same pixels on every machine with those packages.
public struct FontConfiguration: Hashable, Sendable {
    /// The face printed labels, titles and notes use (明朝, as municipalities print their forms).
    public var printedFontPath: String
    /// The face filled-in values use (Pゴシック, as typed or neatly written in block letters). The proportional
    /// face is what 申請書作成支援 systems print with, and Tesseract's jpn model reads it best: on clean 300 dpi
    /// renders it misread 2 of 72 zones against 5 for the fixed-pitch IPAゴシック and 13 for 明朝.
    public var filledFontPath: String
    /// The face of the title and bold section headings (見出しゴシック). Tesseract misreads bold 明朝 titles
    /// (認 → 説), and the title is what identifies the form.
    public var headingFontPath: String

    public init(
        printedFontPath: String = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
        filledFontPath: String = "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
        headingFontPath: String = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
    ) {
        self.printedFontPath = printedFontPath
        self.filledFontPath = filledFontPath
        self.headingFontPath = headingFontPath
    }
}

/// A FreeType face wrapped as a Cairo font face. Faces are loaded once per path and live as long as the process:
/// Cairo serialises its own use of a face, and forms are rendered from many tasks, so sharing one is both safe and
/// the cheapest choice.
final class LoadedFont: @unchecked Sendable {
    let face: OpaquePointer  // cairo_font_face_t
    private init(face: OpaquePointer) { self.face = face }

    private static let library = Mutex<(ft: FT_Library?, fonts: [String: LoadedFont])>((nil, [:]))

    static func load(_ path: String) throws -> LoadedFont {
        try library.withLock { state in
            if let font = state.fonts[path] { return font }
            if state.ft == nil {
                var ft: FT_Library?
                guard FT_Init_FreeType(&ft) == 0, ft != nil else {
                    throw KamiflowError(.io, "cannot initialise FreeType", subject: path)
                }
                state.ft = ft
            }
            var ftFace: FT_Face?
            let error = FT_New_Face(state.ft, path, 0, &ftFace)
            guard error == 0, let ftFace else {
                throw KamiflowError(
                    .fileNotFound,
                    "cannot open the font (FreeType error \(error)); install fonts-ipafont-mincho and "
                        + "fonts-ipafont-gothic or set the font path", subject: path)
            }
            guard let cairoFace = cairo_ft_font_face_create_for_ft_face(ftFace, 0) else {
                throw KamiflowError(.io, "Cairo cannot use the font", subject: path)
            }
            let font = LoadedFont(face: cairoFace)
            state.fonts[path] = font
            return font
        }
    }
}

/// Collects the bytes Cairo writes to a stream (PNG, PDF).
final class ByteSink {
    var bytes: [UInt8] = []
}

let byteSinkWriter: cairo_write_func_t = { closure, data, length in
    guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    if let data, length > 0 {
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    }
    return CAIRO_STATUS_SUCCESS
}

/// A Cairo drawing context working in millimetres, with the two fonts of a form. Not Sendable: one per render.
final class PaperCanvas {
    let cr: OpaquePointer
    let printed: LoadedFont
    let filled: LoadedFont
    let heading: LoadedFont

    init(context: OpaquePointer, scale: Double, fonts: FontConfiguration) throws {
        cr = context
        printed = try LoadedFont.load(fonts.printedFontPath)
        filled = try LoadedFont.load(fonts.filledFontPath)
        heading = try LoadedFont.load(fonts.headingFontPath)
        cairo_scale(cr, scale, scale)
        // Unhinted outlines and metrics: glyph shapes and advances scale exactly with the dpi.
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
        cairo_set_source_rgba(cr, 0, 0, 0, 1)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
    }

    func fillRect(_ r: PaperRect) {
        cairo_rectangle(cr, r.x, r.y, r.width, r.height)
        cairo_fill(cr)
    }

    func strokeRect(_ r: PaperRect, width: Double) {
        cairo_set_line_width(cr, width)
        cairo_rectangle(cr, r.x, r.y, r.width, r.height)
        cairo_stroke(cr)
    }

    func line(from a: (Double, Double), to b: (Double, Double), width: Double) {
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, a.0, a.1)
        cairo_line_to(cr, b.0, b.1)
        cairo_stroke(cr)
    }

    /// The width of `text` at `size` millimetres in `font`.
    func width(of text: String, size: Double, font: LoadedFont, bold: Bool = false) -> Double {
        cairo_set_font_face(cr, font.face)
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Draws `text` in `box`: em size `size` (shrunk until it fits the box's width), vertically centred.
    func draw(
        _ text: String, in box: PaperRect, size: Double, font: LoadedFont, alignment: PaperText.Alignment = .left,
        bold: Bool = false, padding: Double = 0
    ) {
        guard !text.isEmpty else { return }
        var size = size
        let room = max(0.5, box.width - 2 * padding)
        let natural = width(of: text, size: size, font: font)
        if natural > room { size *= room / natural }
        cairo_set_font_face(cr, font.face)
        cairo_set_font_size(cr, size)
        let advance = width(of: text, size: size, font: font)
        let x: Double
        switch alignment {
        case .left: x = box.x + padding
        case .center: x = box.midX - advance / 2
        case .right: x = box.maxX - padding - advance
        }
        // CJK glyphs in the IPA fonts sit between about -0.88 em and +0.12 em of the baseline.
        let baseline = box.midY + size * 0.38
        cairo_move_to(cr, x, baseline)
        cairo_text_path(cr, text)
        if bold {
            cairo_fill_preserve(cr)
            cairo_set_line_width(cr, size * 0.035)
            cairo_stroke(cr)
        } else {
            cairo_fill(cr)
        }
    }

    /// An ellipse around `rect` as a pen draws it: slightly tilted, the stroke overrunning its start.
    func handCircle(around rect: PaperRect, tilt: Double, overrun: Double, start: Double, width: Double) {
        cairo_save(cr)
        cairo_translate(cr, rect.midX, rect.midY)
        cairo_rotate(cr, tilt)
        cairo_scale(cr, rect.width / 2, rect.height / 2)
        cairo_new_path(cr)
        cairo_arc(cr, 0, 0, 1, start, start + 2 * Double.pi + overrun)
        cairo_restore(cr)
        cairo_set_line_width(cr, width)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        cairo_stroke(cr)
    }

    /// A tick (✓) drawn in `box`.
    func tick(in box: PaperRect, jitter: (Double, Double)) {
        let w = box.width, h = box.height
        cairo_set_line_width(cr, max(0.45, min(w, h) * 0.16))
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_move_to(cr, box.x + 0.18 * w + jitter.0, box.y + 0.52 * h + jitter.1)
        cairo_line_to(cr, box.x + 0.42 * w + jitter.0, box.y + 0.82 * h)
        cairo_line_to(cr, box.x + 0.86 * w, box.y + 0.16 * h + jitter.1)
        cairo_stroke(cr)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
    }
}

/// Cairo surfaces to and from `GrayImage`, and their PNG/PDF bytes.
enum CairoSurfaces {
    /// Draws with `body` on a white page of `widthMM` × `heightMM` at `dpi` and returns the grey page.
    static func rasterize(
        widthMM: Double, heightMM: Double, dpi: Double, fonts: FontConfiguration, _ body: (PaperCanvas) throws -> Void
    ) throws -> GrayImage {
        let width = Int((widthMM / 25.4 * dpi).rounded())
        let height = Int((heightMM / 25.4 * dpi).rounded())
        guard width > 0, height > 0, width * height <= 400_000_000 else {
            throw KamiflowError(.invalidArgument, "page of \(width)×\(height) pixels at \(dpi) dpi is not drawable")
        }
        // A8: every pixel is the ink's coverage; white paper is 0 coverage.
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_A8, Int32(width), Int32(height)) else {
            throw KamiflowError(.io, "Cairo could not create a \(width)×\(height) surface")
        }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw KamiflowError(.io, "Cairo could not create a context") }
        defer { cairo_destroy(cr) }
        let canvas = try PaperCanvas(context: cr, scale: dpi / 25.4, fonts: fonts)
        try body(canvas)
        guard cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            throw KamiflowError(
                .io, "Cairo failed to draw: \(String(cString: cairo_status_to_string(cairo_status(cr))))")
        }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        var pixels = [UInt8](repeating: 255, count: width * height)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let row = data + y * stride
                for x in 0..<width { out[y * width + x] = 255 &- row[x] }
            }
        }
        return GrayImage(width: width, height: height, resolution: dpi, pixels: pixels)
    }

    /// An 8-bit greyscale PNG of `image`.
    static func png(_ image: GrayImage) throws -> [UInt8] {
        try withSurface(of: image, coverage: false) { surface in
            let sink = ByteSink()
            let status = withExtendedLifetime(sink) {
                cairo_surface_write_to_png_stream(surface, byteSinkWriter, Unmanaged.passUnretained(sink).toOpaque())
            }
            guard status == CAIRO_STATUS_SUCCESS else { throw KamiflowError(.io, "Cairo could not write a PNG") }
            return sink.bytes
        }
    }

    /// An A8 surface holding `image` either as grey levels (for PNG) or as ink coverage (for masking onto PDF).
    static func withSurface<T>(of image: GrayImage, coverage: Bool, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_A8, Int32(image.width), Int32(image.height))
        else { throw KamiflowError(.io, "Cairo could not create a surface") }
        defer { cairo_surface_destroy(surface) }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                let row = data + y * stride
                for x in 0..<image.width {
                    let v = src[y * image.width + x]
                    row[x] = coverage ? 255 &- v : v
                }
            }
        }
        cairo_surface_mark_dirty(surface)
        return try body(surface)
    }

    /// A PDF document, one page per call of `pages`' closures, each page `widthMM` × `heightMM`. The creation date
    /// is fixed so that the same pages give the same bytes.
    static func pdf(
        widthMM: Double, heightMM: Double, pageCount: Int, fonts: FontConfiguration,
        _ drawPage: (Int, PaperCanvas) throws -> Void
    ) throws -> [UInt8] {
        let sink = ByteSink()
        return try withExtendedLifetime(sink) {
            let points = 72 / 25.4
            guard
                let surface = cairo_pdf_surface_create_for_stream(
                    byteSinkWriter, Unmanaged.passUnretained(sink).toOpaque(), widthMM * points, heightMM * points)
            else { throw KamiflowError(.io, "Cairo could not create a PDF surface") }
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "2020-01-01T00:00:00Z")
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Kamiflow")
            guard let cr = cairo_create(surface) else {
                cairo_surface_destroy(surface)
                throw KamiflowError(.io, "Cairo could not create a context")
            }
            let canvas = try PaperCanvas(context: cr, scale: points, fonts: fonts)
            for page in 0..<pageCount {
                cairo_save(cr)
                try drawPage(page, canvas)
                cairo_restore(cr)
                cairo_show_page(cr)
            }
            let status = cairo_status(cr)
            cairo_destroy(cr)
            cairo_surface_finish(surface)
            cairo_surface_destroy(surface)
            guard status == CAIRO_STATUS_SUCCESS else { throw KamiflowError(.io, "Cairo failed to write the PDF") }
            return sink.bytes
        }
    }

    /// Paints a scanned page into a PDF page drawn in millimetres, as a scanner's PDF holds its images.
    static func paint(_ image: GrayImage, on canvas: PaperCanvas, widthMM: Double, heightMM: Double) throws {
        try withSurface(of: image, coverage: true) { surface in
            let cr = canvas.cr
            cairo_save(cr)
            cairo_scale(cr, widthMM / Double(image.width), heightMM / Double(image.height))
            cairo_set_source_rgba(cr, 0, 0, 0, 1)
            cairo_mask_surface(cr, surface, 0, 0)
            cairo_restore(cr)
        }
    }
}
