/// A printed rule found on a page: a straight horizontal or vertical run of ink, as the lines of a form's table.
public struct RuledLine: Hashable, Sendable, Codable {
    public enum Orientation: String, Hashable, Sendable, Codable { case horizontal, vertical }

    public var orientation: Orientation
    /// The ink of the line: for a horizontal line, `height` is its thickness.
    public var box: PixelRect

    public init(orientation: Orientation, box: PixelRect) {
        self.orientation = orientation
        self.box = box
    }

    /// Where the line runs across its thickness: the centre y of a horizontal line, the centre x of a vertical one.
    public var position: Double {
        orientation == .horizontal
            ? Double(box.y) + Double(box.height) / 2 : Double(box.x) + Double(box.width) / 2
    }
    /// Where the line starts and ends along its length.
    public var start: Double { Double(orientation == .horizontal ? box.x : box.y) }
    public var end: Double { Double(orientation == .horizontal ? box.maxX : box.maxY) }
    public var length: Int { orientation == .horizontal ? box.width : box.height }
    public var thickness: Int { orientation == .horizontal ? box.height : box.width }
}

/// Finds the cells a set of horizontal and vertical rules encloses.
public enum RuledGrid {
    /// The smallest rectangles closed by two horizontal and two vertical lines that meet at their four corners: a
    /// table cell, a checkbox, one box of a マス目 row, each along the centres of its four lines (where a drawing
    /// program puts the path a rule is stroked along).
    ///
    /// Lines meet when one reaches the other within `tolerance` pixels (scanned rules end a little short or run a
    /// little past their corner). For each corner where a top line meets a left line, the nearest right line that
    /// also meets the top line and the nearest bottom line that meets both close the cell; so a table gives its
    /// cells, not the table's outline. Sides shorter than `minimumSide` are ignored (letters are not cells).
    public static func cells(_ lines: [RuledLine], tolerance: Double, minimumSide: Double) -> [TemplateRect] {
        let horizontals = lines.filter { $0.orientation == .horizontal }.sorted { $0.position < $1.position }
        let verticals = lines.filter { $0.orientation == .vertical }.sorted { $0.position < $1.position }
        func meet(_ h: RuledLine, _ v: RuledLine) -> Bool {
            v.position >= h.start - tolerance && v.position <= h.end + tolerance
                && h.position >= v.start - tolerance && h.position <= v.end + tolerance
        }
        var cells: Set<TemplateRect> = []
        for (hi, top) in horizontals.enumerated() {
            let crossing = verticals.filter { meet(top, $0) && $0.end > top.position + minimumSide }
            for (li, left) in crossing.enumerated() {
                rights: for right in crossing[(li + 1)...] where right.position >= left.position + minimumSide {
                    for bottom in horizontals[(hi + 1)...] where bottom.position >= top.position + minimumSide {
                        guard meet(bottom, left), meet(bottom, right) else { continue }
                        cells.insert(
                            TemplateRect(
                                x: left.position, y: top.position, width: right.position - left.position,
                                height: bottom.position - top.position))
                        break rights
                    }
                }
            }
        }
        return cells.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
    }
}
