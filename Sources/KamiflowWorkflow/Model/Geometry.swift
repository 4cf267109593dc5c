import KamiflowCore

/// A rectangle on the paper form, in millimetres from the page's top-left corner (y grows downwards).
///
/// Workflow files give every zone, box and text position this way (`[x, y, w, h]`), so that one description serves
/// both the renderer that prints the blank form and the reader that maps it onto a scan at any resolution.
public struct TemplateRect: Hashable, Sendable, Codable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var center: Point { Point(x: x + width / 2, y: y + height / 2) }

    /// The same rectangle moved by `dx`, `dy` millimetres (rows of a repeating group).
    public func offsetBy(dx: Double, dy: Double) -> TemplateRect {
        TemplateRect(x: x + dx, y: y + dy, width: width, height: height)
    }

    /// Grown by `margin` on every side (shrunk when negative).
    public func expanded(by margin: Double) -> TemplateRect {
        TemplateRect(x: x - margin, y: y - margin, width: width + 2 * margin, height: height + 2 * margin)
    }

    /// The smallest rectangle holding both.
    public func union(_ other: TemplateRect) -> TemplateRect {
        let left = min(x, other.x)
        let top = min(y, other.y)
        return TemplateRect(x: left, y: top, width: max(maxX, other.maxX) - left, height: max(maxY, other.maxY) - top)
    }

    /// True when the two share some area; rectangles that only touch along an edge do not overlap.
    public func overlaps(_ other: TemplateRect, tolerance: Double = 0.01) -> Bool {
        min(maxX, other.maxX) - max(x, other.x) > tolerance && min(maxY, other.maxY) - max(y, other.y) > tolerance
    }

    /// True when `other` lies wholly inside this rectangle.
    public func contains(_ other: TemplateRect) -> Bool {
        other.x >= x - 1e-9 && other.y >= y - 1e-9 && other.maxX <= maxX + 1e-9 && other.maxY <= maxY + 1e-9
    }

    /// `[x, y, w, h]`, as written in workflow files.
    public var description: String {
        "[\([x, y, width, height].map(Self.format).joined(separator: ", "))]"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

extension TemplateRect {
    /// The rectangles bounding a list of rectangles, `nil` for an empty list.
    public static func bounding(_ rects: [TemplateRect]) -> TemplateRect? {
        guard var result = rects.first else { return nil }
        for rect in rects.dropFirst() { result = result.union(rect) }
        return result
    }
}

/// A movement on the template in millimetres, e.g. the `step` from one row of a repeating group to the next.
public struct TemplateOffset: Hashable, Sendable, Codable {
    public var dx: Double
    public var dy: Double
    public init(dx: Double, dy: Double) {
        self.dx = dx
        self.dy = dy
    }
}

/// A paper size. Forms are designed in millimetres; `dpi` only says at what resolution scans are expected.
public struct PageSpec: Hashable, Sendable, Codable {
    /// `A4`, `A3`, `B5`, `B4`, `Letter` or `custom`.
    public var name: String
    public var width: Double
    public var height: Double
    /// The resolution the form is expected to be scanned at (300 unless the file says otherwise).
    public var dpi: Double

    public init(name: String, width: Double, height: Double, dpi: Double = 300) {
        self.name = name
        self.width = width
        self.height = height
        self.dpi = dpi
    }

    /// The whole page as a rectangle.
    public var bounds: TemplateRect { TemplateRect(x: 0, y: 0, width: width, height: height) }

    /// ISO A4 portrait, the size of almost every municipal form.
    public static let a4 = PageSpec(name: "A4", width: 210, height: 297)

    /// Named sizes a workflow may use (portrait, millimetres).
    public static let named: [String: (width: Double, height: Double)] = [
        "A4": (210, 297), "A3": (297, 420), "A5": (148, 210), "B4": (257, 364), "B5": (182, 257),
        "Letter": (215.9, 279.4),
    ]
}

extension AffineTransform {
    /// The transform from template millimetres to pixels of an unskewed scan at `dpi`.
    public static func millimetres(toPixelsAt dpi: Double) -> AffineTransform {
        let scale = dpi / 25.4
        return .scale(scale, scale)
    }

    /// The pixel rectangle bounding `rect` (template millimetres) under this transform.
    public func pixelRect(_ rect: TemplateRect) -> PixelRect {
        boundingRect(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
    }
}
