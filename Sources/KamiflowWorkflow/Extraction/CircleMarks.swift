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
        /// The same, 1 where the blank itself has ink (not widened).
        public var core: [UInt8]
        /// The same, widened by ``PrintedInk/tightMM`` only: for a scan whose print has been aligned to the blank's
        /// where it is judged.
        public var tight: [UInt8]

        /// The index of the cell holding `p`, when the patch does.
        func cell(_ p: Point) -> Int? {
            guard p.x >= area.x && p.x < area.maxX && p.y >= area.y && p.y < area.maxY else { return nil }
            let column = min(columns - 1, Int((p.x - area.x) / PrintedInk.cellMM))
            let row = min(rows - 1, Int((p.y - area.y) / PrintedInk.cellMM))
            return row * columns + column
        }
    }

    public var patches: [Patch]

    public init(patches: [Patch]) {
        self.patches = patches
    }

    /// The grid the blank is sampled on, in mm.
    static let cellMM = 0.1
    /// How far printed ink is widened, in mm: about the registration tolerance.
    static let widenMM = 0.4

    /// How far printed ink is widened where the scan's print has been aligned to the blank's, in mm
    /// (``RingGauge/alignment(of:printed:ink:)``): the blur and the JPEG fringe of a stroke, not the registration's
    /// error.
    static let tightMM = 0.2

    /// True when the blank has ink within ``widenMM`` of `p` (``tightMM`` when `tight`); false outside the sampled
    /// areas.
    public func isPrinted(_ p: Point, tight: Bool = false) -> Bool {
        for patch in patches {
            if let index = patch.cell(p) { return (tight ? patch.tight : patch.cells)[index] != 0 }
        }
        return false
    }

    /// Samples `areas` of a blank page (`pxPerMM` pixels a millimetre, the page unmoved: template mm × pxPerMM).
    public static func of(_ page: any ReadablePage, pxPerMM: Double, areas: [TemplateRect]) -> PrintedInk {
        let widen = Int((widenMM / cellMM).rounded()), tight = Int((tightMM / cellMM).rounded())
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
            patches.append(
                Patch(
                    area: TemplateRect(
                        x: area.x, y: area.y, width: Double(columns) * cellMM, height: Double(rows) * cellMM),
                    columns: columns, rows: rows, cells: widened(ink, columns: columns, rows: rows, by: widen),
                    core: ink, tight: widened(ink, columns: columns, rows: rows, by: tight)))
        }
        return PrintedInk(patches: patches)
    }

    /// `ink` (`columns × rows` cells) with every cell within `widen` cells of an inked one inked (separably, rows
    /// then columns).
    static func widened(_ ink: [UInt8], columns: Int, rows: Int, by widen: Int) -> [UInt8] {
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
        return cells
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
///
/// Two things keep a ring drawn off-centre, or through the option's own text, from looking like a part of one. On a
/// reference form the scan's print round each option is aligned to the blank's (``alignment(of:printed:ink:)``) and
/// masked by ``PrintedInk/tightMM`` instead of the registration's whole tolerance, so the pen's stroke shows between
/// the text's strokes. And the rays are cast a second time from the centre of the ink no one printed round the option
/// (``penCentre(_:excluding:ink:printShift:)``), when that lies over the option's text: the better of the two is the
/// score. On seed 2468's 就学援助 scans, rings scored 0.2–0.35 this way before, and 0.5–1 after; the sides of
/// neighbours' rings hardly moved.
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

    /// How far the scan's print round an option is looked for about where the registration puts it, either way, in
    /// mm: the registration's tolerance.
    static let alignMM = 0.5
    /// The share of the blank's printed cells round an option the scan must show, at the best shift, for the print
    /// to count as found (``alignment(of:printed:ink:)``).
    static let alignedShare = 0.4

    var pxPerMM: Double { (transform.a * transform.a + transform.c * transform.c).squareRoot() }

    /// The side of the box of pixels looked at for each point, in pixels.
    var side: Int { max(1, Int((0.15 * pxPerMM).rounded())) }

    /// The ring score of each option of `marks` (0…1).
    func scores(_ marks: OptionMarks) -> [String: Double] {
        // Without the blank, the printed texts of the group are what is known to be print; with it, the blank's ink.
        let texts = printed == nil ? marks.options.map { $0.rect.expanded(by: Self.textMarginMM) } : []
        let reach = Self.textMarginMM + Self.reachMM + Self.alignMM + 0.2
        // Rays about an off-centre pen ring's centre (``penCentre``) reach as far again as the text's half-width.
        let ink =
            marks.options.isEmpty
            ? nil
            : page.inkPatch(
                of: pixelBounds(
                    marks.options.map { $0.rect.expanded(by: reach + max($0.rect.width, $0.rect.height) / 2) }))
        var result: [String: Double] = [:]
        for option in marks.options {
            let shift = printed.flatMap { alignment(of: option.rect, printed: $0, ink: ink) }
            result[option.name] = score(option.rect, excluding: texts, ink: ink, printShift: shift)
        }
        return result
    }

    /// The page pixels that hold `rects` (template mm).
    func pixelBounds(_ rects: [TemplateRect]) -> PixelRect {
        let corners = rects.flatMap { r in
            [Point(x: r.x, y: r.y), Point(x: r.maxX, y: r.y), Point(x: r.x, y: r.maxY), Point(x: r.maxX, y: r.maxY)]
        }.map(transform.apply)
        let x0 = Int(corners.map(\.x).min()!.rounded(.down)) - side,
            y0 = Int(corners.map(\.y).min()!.rounded(.down)) - side
        let x1 = Int(corners.map(\.x).max()!.rounded(.up)) + side, y1 = Int(corners.map(\.y).max()!.rounded(.up)) + side
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Whether the scan holds ink about template point `p`.
    func hasInk(_ p: Point, _ ink: InkPatch?) -> Bool {
        guard let ink else { return false }
        let q = transform.apply(p)
        return ink.hasInk(
            in: PixelRect(
                x: Int(q.x.rounded(.down)) - side / 2, y: Int(q.y.rounded(.down)) - side / 2, width: side, height: side)
        )
    }

    /// Where the scan's print round an option's text lies from where the registration puts it (template mm: the
    /// blank's print at `p` is the scan's at `p` + shift), found by laying the blank's own print (not widened) over
    /// the scan's ink at every shift within ``alignMM`` on the blank's 0.1 mm grid. A registration right to a few
    /// tenths of a millimetre over the page can be that far off at one option; aligned, the print is masked by
    /// ``PrintedInk/tightMM`` and a ring drawn through the option's text shows between its strokes. `nil` when the
    /// blank has next to no print there or the scan does not show it at any shift (the print is then masked as
    /// widely as the registration's tolerance).
    func alignment(of rect: TemplateRect, printed: PrintedInk, ink: InkPatch?) -> Point? {
        let area = rect.expanded(by: Self.textMarginMM)
        let grown = area.expanded(by: Self.alignMM)
        guard ink != nil,
            let patch = printed.patches.first(where: {
                $0.area.x <= grown.x && $0.area.y <= grown.y && $0.area.maxX >= grown.maxX && $0.area.maxY >= grown.maxY
            })
        else { return nil }
        let cell = PrintedInk.cellMM
        let c0 = Int(((area.x - patch.area.x) / cell).rounded(.down)),
            r0 = Int(((area.y - patch.area.y) / cell).rounded(.down))
        let c1 = min(patch.columns - 1, Int(((area.maxX - patch.area.x) / cell).rounded(.up)))
        let r1 = min(patch.rows - 1, Int(((area.maxY - patch.area.y) / cell).rounded(.up)))
        let reach = Int((Self.alignMM / cell).rounded())
        guard c0 - reach >= 0, r0 - reach >= 0, c1 + reach < patch.columns, r1 + reach < patch.rows else { return nil }
        var printedCells: [(row: Int, column: Int)] = []
        for row in r0...r1 {
            for column in c0...c1 where patch.core[row * patch.columns + column] != 0 {
                printedCells.append((row, column))
            }
        }
        guard printedCells.count >= Self.minimumPrintedCells else { return nil }
        // The scan's ink at the centre of every cell within reach.
        let columns = c1 - c0 + 1 + 2 * reach, rows = r1 - r0 + 1 + 2 * reach
        var scan = [UInt8](repeating: 0, count: columns * rows)
        for row in 0..<rows {
            for column in 0..<columns {
                let p = Point(
                    x: patch.area.x + (Double(c0 - reach + column) + 0.5) * cell,
                    y: patch.area.y + (Double(r0 - reach + row) + 0.5) * cell)
                if hasInk(p, ink) { scan[row * columns + column] = 1 }
            }
        }
        var best = (count: -1, distance: 0, dx: 0, dy: 0)
        for dy in -reach...reach {
            for dx in -reach...reach {
                var count = 0
                for cell in printedCells {
                    count += Int(scan[(cell.row - r0 + reach + dy) * columns + cell.column - c0 + reach + dx])
                }
                let distance = dx * dx + dy * dy
                if count > best.count || (count == best.count && distance < best.distance) {
                    best = (count, distance, dx, dy)
                }
            }
        }
        guard Double(best.count) >= Self.alignedShare * Double(printedCells.count) else { return nil }
        return Point(x: Double(best.dx) * cell, y: Double(best.dy) * cell)
    }

    /// Fewer printed cells than this (0.1 mm each) round an option's text are too little print to align on.
    static let minimumPrintedCells = 40

    func score(_ rect: TemplateRect, excluding texts: [TemplateRect], ink: InkPatch?, printShift: Point?) -> Double {
        func score(about centre: Point) -> Double {
            let covered = coveredSectors(rect, about: centre, excluding: texts, ink: ink, printShift: printShift)
            let n = covered.count
            let coverage = Double(covered.filter { $0 }.count) / Double(n)
            let pairs = Double((0..<n).filter { covered[$0] && covered[($0 + n / 2) % n] }.count) / Double(n)
            return (coverage + pairs) / 2
        }
        let centred = score(about: rect.center)
        guard let centre = penCentre(rect, excluding: texts, ink: ink, printShift: printShift) else { return centred }
        return max(centred, score(about: centre))
    }

    /// The centre of the ink no one printed round an option (its text's rectangle widened as far as rays reach), when
    /// it lies over the text: where a ring drawn off-centre, or through the text, is centred. A neighbour's ring
    /// reaching the option leaves its ink to one side, past the text.
    func penCentre(_ rect: TemplateRect, excluding texts: [TemplateRect], ink: InkPatch?, printShift: Point?) -> Point?
    {
        let area = rect.expanded(by: Self.textMarginMM + Self.reachMM)
        let step = 2 * Self.stepMM
        var sum = Point(x: 0, y: 0), count = 0
        var y = area.y
        while y < area.maxY {
            var x = area.x
            while x < area.maxX {
                let p = Point(x: x, y: y)
                if !isPrint(p, excluding: texts, printShift: printShift), hasInk(p, ink) {
                    sum = Point(x: sum.x + x, y: sum.y + y)
                    count += 1
                }
                x += step
            }
            y += step
        }
        guard count >= Self.minimumPenPoints else { return nil }
        let centre = Point(x: sum.x / Double(count), y: sum.y / Double(count))
        let text = rect.expanded(by: Self.textMarginMM)
        guard centre.x >= text.x, centre.x <= text.maxX, centre.y >= text.y, centre.y <= text.maxY else { return nil }
        return centre
    }

    /// Fewer points of ink than this (on a 0.24 mm grid) are no ring to find the centre of: a stroke of about 5 mm.
    static let minimumPenPoints = 20

    /// Whether `p` lies on print: a text of the group (no blank known), or the blank's ink.
    func isPrint(_ p: Point, excluding texts: [TemplateRect], printShift: Point?) -> Bool {
        if texts.contains(where: { p.x >= $0.x && p.x <= $0.maxX && p.y >= $0.y && p.y <= $0.maxY }) { return true }
        guard let printed else { return false }
        if let shift = printShift { return printed.isPrinted(Point(x: p.x - shift.x, y: p.y - shift.y), tight: true) }
        return printed.isPrinted(p)
    }

    func coveredSectors(
        _ rect: TemplateRect, about c: Point, excluding texts: [TemplateRect], ink: InkPatch?, printShift: Point?
    ) -> [Bool] {
        let halfWidth = rect.width / 2 + Self.textMarginMM, halfHeight = rect.height / 2 + Self.textMarginMM
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
                if isPrint(p, excluding: texts, printShift: printShift) { continue }
                if hasInk(p, ink) {
                    covered[sector] = true
                    break
                }
            }
        }
        return covered
    }
}
