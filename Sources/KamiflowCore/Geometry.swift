/// A rectangle in image pixels, origin at the top-left, y growing downwards (as Leptonica and Tesseract count).
public struct PixelRect: Hashable, Sendable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var area: Int { width * height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// The part of this rectangle inside `other`; empty (zero size) when they do not meet.
    public func intersection(_ other: PixelRect) -> PixelRect {
        let left = max(x, other.x)
        let top = max(y, other.y)
        let right = min(maxX, other.maxX)
        let bottom = min(maxY, other.maxY)
        return PixelRect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }

    /// This rectangle grown by `dx`/`dy` on each side (negative values shrink it).
    public func insetBy(dx: Int, dy: Int) -> PixelRect {
        PixelRect(x: x + dx, y: y + dy, width: max(0, width - 2 * dx), height: max(0, height - 2 * dy))
    }

    public var description: String { "\(x),\(y),\(width),\(height)" }
}

/// A rectangle with fractional coordinates, y growing downwards: on a paper form in millimetres from the page's
/// top-left corner, or on a scan in pixels (a cell of printed rules, which runs along the centres of its lines).
///
/// Workflow files give every zone, box and text position in millimetres (`[x, y, w, h]`), so that one description
/// serves both the renderer that prints the blank form and the reader that maps it onto a scan at any resolution;
/// registration then matches those rectangles with the cells found on the scan, so both are one type.
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

    /// A number as workflow files and messages write it: `12`, not `12.0`.
    package static func format(_ value: Double) -> String {
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

/// The size of an image in pixels.
public struct PixelSize: Hashable, Sendable, Codable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public var area: Int { width * height }
}

/// A point in some plane (template millimetres or image pixels, as the context says).
public struct Point: Hashable, Sendable, Codable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// An affine map `(x, y) → (a·x + b·y + tx, c·x + d·y + ty)`, used to carry template coordinates onto a scan.
public struct AffineTransform: Hashable, Sendable, Codable {
    public var a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double

    public init(a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.tx = tx
        self.ty = ty
    }

    public static let identity = AffineTransform(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0)

    public static func scale(_ sx: Double, _ sy: Double) -> AffineTransform {
        AffineTransform(a: sx, b: 0, c: 0, d: sy, tx: 0, ty: 0)
    }

    public func apply(_ p: Point) -> Point {
        Point(x: a * p.x + b * p.y + tx, y: c * p.x + d * p.y + ty)
    }

    /// `self` after `other`: first `other`, then `self`.
    public func concatenating(_ other: AffineTransform) -> AffineTransform {
        AffineTransform(
            a: a * other.a + b * other.c, b: a * other.b + b * other.d,
            c: c * other.a + d * other.c, d: c * other.b + d * other.d,
            tx: a * other.tx + b * other.ty + tx, ty: c * other.tx + d * other.ty + ty)
    }

    public var inverse: AffineTransform? {
        let det = a * d - b * c
        guard abs(det) > 1e-12 else { return nil }
        let ia = d / det, ib = -b / det, ic = -c / det, id = a / det
        return AffineTransform(a: ia, b: ib, c: ic, d: id, tx: -(ia * tx + ib * ty), ty: -(ic * tx + id * ty))
    }

    /// The axis-aligned pixel rectangle that bounds the image of the rectangle `(x, y, width, height)`.
    public func boundingRect(x: Double, y: Double, width: Double, height: Double) -> PixelRect {
        let corners = [
            apply(Point(x: x, y: y)), apply(Point(x: x + width, y: y)),
            apply(Point(x: x, y: y + height)), apply(Point(x: x + width, y: y + height)),
        ]
        let minX = corners.map(\.x).min()!, maxX = corners.map(\.x).max()!
        let minY = corners.map(\.y).min()!, maxY = corners.map(\.y).max()!
        let left = Int(minX.rounded()), top = Int(minY.rounded())
        return PixelRect(x: left, y: top, width: Int(maxX.rounded()) - left, height: Int(maxY.rounded()) - top)
    }
}
