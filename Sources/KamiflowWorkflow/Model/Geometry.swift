public import KamiflowCore

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
