internal import CCairo
import Foundation
package import KamiflowCore
import KamiflowOCR
public import KamiflowWorkflow

/// An RGB picture (8 bits a channel, row by row), what an overlay is drawn into.
package struct ColorImage: Sendable, Hashable {
    package var width: Int
    package var height: Int
    /// `width × height × 3` bytes: red, green, blue.
    package var pixels: [UInt8]

    package func rgb(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}

/// Draws an ``OverlayPlan`` onto a page with Cairo: zones, boxes and options as coloured outlines (green straight
/// through, amber review, red invalid), fill ratios under boxes, what was read above each field on a pale band,
/// registration points as blue crosses, and a title line.
public struct OverlayRenderer: Sendable {
    public var fonts: FontConfiguration

    public init(fonts: FontConfiguration = FontConfiguration()) {
        self.fonts = fonts
    }

    static func color(_ status: OverlayPlan.Status) -> (Double, Double, Double) {
        switch status {
        case .straightThrough: (0.0, 0.62, 0.15)
        case .review: (0.95, 0.6, 0.0)
        case .invalid: (0.9, 0.05, 0.05)
        }
    }

    /// The overlay as an RGB PNG at the page's size.
    public func png(_ plan: OverlayPlan, on page: [UInt8], name: String) throws -> [UInt8] {
        guard let gray = try ImageCodec.decode(page, name: name).first else {
            throw KamiflowError(.corruptImage, "the page image holds no page", subject: name)
        }
        return try draw(plan, on: gray) { surface in
            let sink = ByteSink()
            let status = withExtendedLifetime(sink) {
                cairo_surface_write_to_png_stream(surface, byteSinkWriter, Unmanaged.passUnretained(sink).toOpaque())
            }
            guard status == CAIRO_STATUS_SUCCESS else {
                throw KamiflowError(.io, "Cairo could not write the PNG", subject: name)
            }
            return sink.bytes
        }
    }

    /// The overlay's pixels, for tests and previews.
    package func image(_ plan: OverlayPlan, on page: GrayImage) throws -> ColorImage {
        try draw(plan, on: page) { surface in
            let stride = Int(cairo_image_surface_get_stride(surface))
            let data = cairo_image_surface_get_data(surface)!
            var pixels = [UInt8](repeating: 0, count: page.width * page.height * 3)
            for y in 0..<page.height {
                let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<page.width {
                    let v = row[x]
                    let i = (y * page.width + x) * 3
                    pixels[i] = UInt8((v >> 16) & 0xFF)
                    pixels[i + 1] = UInt8((v >> 8) & 0xFF)
                    pixels[i + 2] = UInt8(v & 0xFF)
                }
            }
            return ColorImage(width: page.width, height: page.height, pixels: pixels)
        }
    }

    func draw<T>(_ plan: OverlayPlan, on page: GrayImage, _ finish: (OpaquePointer) throws -> T) throws -> T {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(page.width), Int32(page.height)) else {
            throw KamiflowError(.io, "Cairo could not create a \(page.width)×\(page.height) surface")
        }
        defer { cairo_surface_destroy(surface) }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        page.pixels.withUnsafeBufferPointer { src in
            for y in 0..<page.height {
                let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<page.width {
                    let v = UInt32(src[y * page.width + x])
                    row[x] = 0xFF00_0000 | (v << 16) | (v << 8) | v
                }
            }
        }
        cairo_surface_mark_dirty(surface)
        guard let cr = cairo_create(surface) else { throw KamiflowError(.io, "Cairo could not create a context") }
        defer { cairo_destroy(cr) }
        let font = try LoadedFont.load(fonts.filledFontPath)
        cairo_set_font_face(cr, font.face)
        let mm = plan.pixelsPerMillimetre

        // Outlines.
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
        for shape in plan.shapes {
            let (r, g, b) = Self.color(shape.status)
            cairo_set_source_rgba(cr, r, g, b, 0.9)
            cairo_set_line_width(cr, max(1.5, 0.35 * mm))
            guard let first = shape.corners.first else { continue }
            cairo_move_to(cr, first.x, first.y)
            for corner in shape.corners.dropFirst() { cairo_line_to(cr, corner.x, corner.y) }
            cairo_close_path(cr)
            cairo_stroke(cr)
            // The fill under the box, where it hides neither the tick nor the option's caption.
            if let fill = shape.fill, shape.corners.count == 4 {
                let bottomLeft = shape.corners[3]
                label(
                    String(format: "%.0f%%", fill * 100), at: Point(x: bottomLeft.x, y: bottomLeft.y + 1.9 * mm),
                    size: 1.8 * mm, color: (r * 0.8, g * 0.8, b * 0.8), cr: cr)
            }
        }
        // What was read, on a pale band above each field.
        for note in plan.notes {
            let (r, g, b) = Self.color(note.status)
            label(note.text, at: note.origin, size: 2.4 * mm, color: (r * 0.75, g * 0.75, b * 0.75), cr: cr)
        }
        // Registration points.
        cairo_set_source_rgba(cr, 0.1, 0.3, 0.95, 0.9)
        cairo_set_line_width(cr, max(1.5, 0.3 * mm))
        for point in plan.registrationPoints {
            let arm = 2.0 * mm
            cairo_move_to(cr, point.x - arm, point.y)
            cairo_line_to(cr, point.x + arm, point.y)
            cairo_move_to(cr, point.x, point.y - arm)
            cairo_line_to(cr, point.x, point.y + arm)
            cairo_stroke(cr)
        }
        label(plan.title, at: Point(x: 4 * mm, y: 5 * mm), size: 3 * mm, color: (0.1, 0.2, 0.6), cr: cr)
        guard cairo_status(cr) == CAIRO_STATUS_SUCCESS else {
            throw KamiflowError(
                .io, "Cairo failed to draw: \(String(cString: cairo_status_to_string(cairo_status(cr))))")
        }
        cairo_surface_flush(surface)
        return try finish(surface)
    }

    /// `text` with its baseline at `origin`, on a white band so it stays legible over the scan's ink.
    func label(_ text: String, at origin: Point, size: Double, color: (Double, Double, Double), cr: OpaquePointer) {
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        cairo_set_source_rgba(cr, 1, 1, 1, 0.82)
        cairo_rectangle(cr, origin.x - 1, origin.y - size * 0.95, extents.x_advance + 2, size * 1.2)
        cairo_fill(cr)
        cairo_set_source_rgba(cr, color.0, color.1, color.2, 1)
        cairo_move_to(cr, origin.x, origin.y)
        cairo_show_text(cr, text)
    }
}
