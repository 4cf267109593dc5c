import Foundation
public import KamiflowCore

/// The ink a reference blank has printed around its marks (circled options' surroundings, tick boxes), in template
/// millimetres: what a scan shows there that no person drew. Sampled once on the blank, on a 0.1 mm grid, and
/// widened by the registration tolerance so that the printed text of an option or a neighbour, a table rule or a
/// box side, registered a few tenths of a millimetre off, is still recognised as print.
public struct PrintedInk: Hashable, Sendable {
    /// One sampled rectangle of the blank.
    public struct Patch: Hashable, Sendable {
        public var area: TemplateRect
        public var columns: Int
        public var rows: Int
        /// `columns × rows` cells, row after row: 1 where the blank (widened) has ink.
        public var cells: [UInt8]
    }

    public var patches: [Patch]

    public init(patches: [Patch]) {
        self.patches = patches
    }

    /// The grid the blank is sampled on, in mm.
    static let cellMM = 0.1
    /// How far printed ink is widened, in mm: about the registration tolerance.
    static let widenMM = 0.4

    /// True when the blank has ink within ``widenMM`` of `p`; false outside the sampled areas.
    public func isPrinted(_ p: Point) -> Bool {
        for patch in patches
        where p.x >= patch.area.x && p.x < patch.area.maxX && p.y >= patch.area.y && p.y < patch.area.maxY {
            let column = min(patch.columns - 1, Int((p.x - patch.area.x) / Self.cellMM))
            let row = min(patch.rows - 1, Int((p.y - patch.area.y) / Self.cellMM))
            return patch.cells[row * patch.columns + column] != 0
        }
        return false
    }

    /// Samples `areas` of a blank page (`pxPerMM` pixels a millimetre, the page unmoved: template mm × pxPerMM).
    public static func of(_ page: any ReadablePage, pxPerMM: Double, areas: [TemplateRect]) -> PrintedInk {
        let widen = Int((widenMM / cellMM).rounded())
        var patches: [Patch] = []
        for area in areas {
            let columns = max(1, Int((area.width / cellMM).rounded(.up)))
            let rows = max(1, Int((area.height / cellMM).rounded(.up)))
            var ink = [UInt8](repeating: 0, count: columns * rows)
            for row in 0..<rows {
                for column in 0..<columns {
                    let x0 = Int(((area.x + Double(column) * cellMM) * pxPerMM).rounded(.down))
                    let y0 = Int(((area.y + Double(row) * cellMM) * pxPerMM).rounded(.down))
                    let x1 = Int(((area.x + Double(column + 1) * cellMM) * pxPerMM).rounded(.up))
                    let y1 = Int(((area.y + Double(row + 1) * cellMM) * pxPerMM).rounded(.up))
                    let box = PixelRect(x: x0, y: y0, width: max(1, x1 - x0), height: max(1, y1 - y0))
                    if page.fillRatio(of: box) > 0 { ink[row * columns + column] = 1 }
                }
            }
            // Widen: a cell is print when any cell within `widen` of it is (separably, rows then columns).
            var across = [UInt8](repeating: 0, count: ink.count)
            for row in 0..<rows {
                for column in 0..<columns where ink[row * columns + column] != 0 {
                    for c in max(0, column - widen)...min(columns - 1, column + widen) { across[row * columns + c] = 1 }
                }
            }
            var cells = [UInt8](repeating: 0, count: ink.count)
            for row in 0..<rows {
                for column in 0..<columns where across[row * columns + column] != 0 {
                    for r in max(0, row - widen)...min(rows - 1, row + widen) { cells[r * columns + column] = 1 }
                }
            }
            patches.append(
                Patch(
                    area: TemplateRect(
                        x: area.x, y: area.y, width: Double(columns) * cellMM, height: Double(rows) * cellMM),
                    columns: columns, rows: rows, cells: cells))
        }
        return PrintedInk(patches: patches)
    }

    /// The areas of a form whose printed ink marks are judged against: around each circled option as far as a
    /// circle is looked for, and each tick box.
    static func areas(of form: FormTemplate) -> [TemplateRect] {
        var areas: [TemplateRect] = []
        for placed in form.placedFields {
            if let box = placed.spec.box { areas.append(box.expanded(by: 0.5)) }
            guard let marks = placed.spec.marks else { continue }
            for option in marks.options {
                switch marks.style {
                case .boxes: areas.append(option.rect.expanded(by: 0.5))
                case .circles: areas.append(option.rect.expanded(by: RingGauge.textMarginMM + RingGauge.reachMM + 0.5))
                }
            }
        }
        return areas
    }
}

/// How a circle drawn round a printed option is recognised: by the shape of the stroke around the option, sector by
/// sector, never by the option's own printed ink and never by an amount of ink a neighbour's circle could leave.
///
/// From the centre of the option's text, rays go out in `sectors` directions; each starts at the text rectangle
/// (inside it on a reference form, whose print is masked) and runs ``reachMM`` past it. A sector is *covered* when
/// one of its rays meets ink that is not print (the blank's ink at the registered position, else the group's
/// printed option texts). A circle round the option covers nearly every sector, and nearly every sector together
/// with the opposite one; a circle round a neighbour reaches only the sectors that face that neighbour, and hardly
/// ever their opposites. The option's score is the mean of the two fractions (`covered` and `opposite pairs`): 1 for
/// a closed ring, 0.4–0.6 for a ring open by a quarter or running through the text, under 0.2 for the side of a
/// neighbour's ring (seed-4242 corpus scans at 300 dpi).
struct RingGauge {
    let page: any ReadablePage
    let transform: KamiflowCore.AffineTransform
    let printed: PrintedInk?

    /// Directions looked in.
    static let sectors = 32
    /// Rays per sector.
    static let raysPerSector = 2
    /// The margin around an option's text rectangle where rays start (the text's own ink and its blur), in mm.
    static let textMarginMM = 0.35
    /// How far past that margin a circle is looked for, in mm: a pen ring 2.8 mm wider than its text and a quarter
    /// of the option off-centre still lies within it.
    static let reachMM = 4.2
    /// Where rays start on a reference form, as a share of the way from the option's centre to its text margin.
    static let insideShare = 0.75
    /// The step along a ray, in mm.
    static let stepMM = 0.12

    var pxPerMM: Double { (transform.a * transform.a + transform.c * transform.c).squareRoot() }

    /// The ring score of each option of `marks` (0…1).
    func scores(_ marks: OptionMarks) -> [String: Double] {
        // Without the blank, the printed texts of the group are what is known to be print; with it, the blank's ink.
        let texts = printed == nil ? marks.options.map { $0.rect.expanded(by: Self.textMarginMM) } : []
        var result: [String: Double] = [:]
        for option in marks.options {
            result[option.name] = score(option.rect, excluding: texts)
        }
        return result
    }

    func score(_ rect: TemplateRect, excluding texts: [TemplateRect]) -> Double {
        let covered = coveredSectors(rect, excluding: texts)
        let n = covered.count
        let coverage = Double(covered.filter { $0 }.count) / Double(n)
        let pairs = Double((0..<n).filter { covered[$0] && covered[($0 + n / 2) % n] }.count) / Double(n)
        return (coverage + pairs) / 2
    }

    func coveredSectors(_ rect: TemplateRect, excluding texts: [TemplateRect]) -> [Bool] {
        let c = rect.center
        let halfWidth = rect.width / 2 + Self.textMarginMM, halfHeight = rect.height / 2 + Self.textMarginMM
        let side = max(1, Int((0.15 * pxPerMM).rounded()))
        let steps = Int((Self.reachMM / Self.stepMM).rounded())
        let rays = Self.sectors * Self.raysPerSector
        var covered = [Bool](repeating: false, count: Self.sectors)
        for ray in 0..<rays {
            let sector = ray / Self.raysPerSector
            if covered[sector] { continue }
            let angle = 2 * Double.pi * (Double(ray) + 0.5) / Double(rays)
            let dx = cos(angle), dy = sin(angle)
            // Where the ray leaves the text rectangle (with its margin). With the blank's ink known, from a quarter of
            // the way inside it: a ring drawn too small crosses the text's own rectangle, and the print is masked.
            let edge = min(
                abs(dx) > 1e-9 ? halfWidth / abs(dx) : .infinity, abs(dy) > 1e-9 ? halfHeight / abs(dy) : .infinity)
            let start = printed == nil ? edge : edge * Self.insideShare
            for step in 0...steps {
                let t = start + Double(step) * Self.stepMM
                let p = Point(x: c.x + t * dx, y: c.y + t * dy)
                if texts.contains(where: { p.x >= $0.x && p.x <= $0.maxX && p.y >= $0.y && p.y <= $0.maxY }) {
                    continue
                }
                if printed?.isPrinted(p) == true { continue }
                let q = transform.apply(p)
                let box = PixelRect(
                    x: Int(q.x.rounded(.down)) - side / 2, y: Int(q.y.rounded(.down)) - side / 2, width: side,
                    height: side)
                if page.fillRatio(of: box) > 0 {
                    covered[sector] = true
                    break
                }
            }
        }
        return covered
    }
}
