import Foundation
import KamiflowCore
import KamiflowOCR
import Testing

@testable import KamiflowWorkflow

/// Options printed close together, as existing municipal forms print them: T・S・H・R 5 mm apart, (1)(2)(3) 6.5 mm
/// apart one under the other, 男・女, and tick boxes. Each field holds one kind of mark.
private let closeOptionsYAML = """
    kamiflow: 1
    workflow: circle-test
    form:
      register: none
      fields:
    \(circleCases.map { "    \($0.field): {type: choice, mode: one, circle: {T: [40, \($0.y), 2.5, 2.5], S: [45, \($0.y), 2.5, 2.5], H: [50, \($0.y), 2.5, 2.5], R: [55, \($0.y), 2.5, 2.5]}}" }.joined(separator: "\n"))
        method_a: {type: choice, mode: one, circle: {'1': [120, 40, 3.6, 3.6], '2': [120, 46.5, 3.6, 3.6], '3': [120, 53, 3.6, 3.6]}}
        method_b: {type: choice, mode: one, circle: {'1': [150, 40, 3.6, 3.6], '2': [150, 46.5, 3.6, 3.6], '3': [150, 53, 3.6, 3.6]}}
        method_c: {type: choice, mode: one, circle: {'1': [180, 40, 3.6, 3.6], '2': [180, 46.5, 3.6, 3.6], '3': [180, 53, 3.6, 3.6]}}
        tick_check: {type: choice, mode: one, boxes: {a: [120, 100, 4, 4], b: [135, 100, 4, 4]}}
        tick_cross: {type: choice, mode: one, boxes: {a: [120, 115, 4, 4], b: [135, 115, 4, 4]}}
        tick_fill:  {type: choice, mode: one, boxes: {a: [120, 130, 4, 4], b: [135, 130, 4, 4]}}
        tick_any:   {type: choice, mode: any, boxes: {a: [120, 145, 4, 4], b: [135, 145, 4, 4], c: [150, 145, 4, 4]}}
        tick_thin:  {type: choice, mode: one, boxes: {a: [120, 160, 4.5, 4.5], b: [135, 160, 4.5, 4.5]}}
        tick_line:  {type: choice, mode: one, boxes: {a: [120, 175, 4.5, 4.5], b: [135, 175, 4.5, 4.5]}}
    """

/// One circled-option field of the test page: which options get a ring, and how it is drawn.
private struct CircleCase {
    var field: String
    var y: Double
    /// The rings drawn: option name and pen (nothing for a field left blank).
    var rings: [(option: String, pen: Pen)]
    /// What the field must read as: the option, or `nil` for ambiguous.
    var expected: String?
}

/// A hand-drawn ellipse round an option: the extra half-width and half-height past the text, the centre's offset
/// from the text's, the pen's width, where the stroke starts and how much of the turn it covers (< 1: open).
private struct Pen {
    var grow: (x: Double, y: Double) = (1.2, 1.0)
    var offset: (x: Double, y: Double) = (0, 0)
    var width = 0.5
    var start = 0.3
    var sweep = 1.05
    var tilt = 0.1
}

private let circleCases: [CircleCase] = [
    CircleCase(field: "thin", y: 40, rings: [("S", Pen(width: 0.2))], expected: "S"),
    CircleCase(field: "thick", y: 50, rings: [("H", Pen(width: 1.0))], expected: "H"),
    // Too big: it reaches past the next option's text on both sides.
    CircleCase(field: "big", y: 60, rings: [("S", Pen(grow: (2.8, 2.0), width: 0.5))], expected: "S"),
    CircleCase(field: "small", y: 70, rings: [("R", Pen(grow: (0.5, 0.4), width: 0.3))], expected: "R"),
    // Off-centre by a quarter of the option, towards the next one.
    CircleCase(field: "offcentre", y: 80, rings: [("H", Pen(grow: (1.6, 1.0), offset: (0.65, 0.5)))], expected: "H"),
    CircleCase(field: "open", y: 90, rings: [("T", Pen(grow: (1.4, 1.0), start: 1.2, sweep: 0.75))], expected: "T"),
    // Touching the next option's text.
    CircleCase(field: "touching", y: 100, rings: [("S", Pen(grow: (2.5, 1.2), offset: (0.3, 0)))], expected: "S"),
    CircleCase(field: "two", y: 110, rings: [("S", Pen()), ("R", Pen(width: 0.4))], expected: nil),
    CircleCase(field: "none", y: 120, rings: [], expected: nil),
]

/// The test page at `dpi`: the printed options (a glyph-like block of ink in each text rectangle, rules beside the
/// vertical group), the rings of `circleCases`, (2) circled big in method_a, (3) small and open in method_b,
/// method_c left blank; ✓, × and a filled box in the tick fields, two ✓ in `tick_any`, a ✓ in a 0.2-mm pen in
/// `tick_thin` (under the default `filled` by its fill alone) and one line straight across a box in `tick_line`.
private func closeOptionsPage(_ form: FormTemplate, dpi: Double) throws -> [UInt8] {
    let k = dpi / 25.4
    var scan = SyntheticScan(transform: KamiflowCore.AffineTransform(a: k, b: 0, c: 0, d: k, tx: 0, ty: 0), dpi: dpi)
    for placed in form.placedFields {
        guard let marks = placed.spec.marks else { continue }
        for option in marks.options {
            switch marks.style {
            case .circles:
                // A printed letter: two strokes and a bar, filling the text rectangle as a glyph does.
                let r = option.rect
                scan.fill(TemplateRect(x: r.x, y: r.y, width: 0.35, height: r.height))
                scan.fill(TemplateRect(x: r.maxX - 0.35, y: r.y, width: 0.35, height: r.height))
                scan.fill(TemplateRect(x: r.x, y: r.midY - 0.17, width: r.width, height: 0.35))
            case .boxes:
                scan.stroke(option.rect, width: 0.25)
            }
        }
    }
    // A table rule running beside the vertical groups, 3 mm left of the option texts (inside where rings are sought).
    scan.fill(TemplateRect(x: 117, y: 36, width: 0.3, height: 24))
    scan.fill(TemplateRect(x: 147, y: 36, width: 0.3, height: 24))
    func option(_ field: String, _ name: String) -> TemplateRect {
        form.placedFields.first { $0.path == field }!.spec.marks!.options.first { $0.name == name }!.rect
    }
    for c in circleCases {
        for ring in c.rings { scan.ring(around: option(c.field, ring.option), pen: ring.pen) }
    }
    scan.ring(around: option("method_a", "2"), pen: Pen(grow: (2.6, 2.0), width: 0.6))
    scan.ring(around: option("method_b", "3"), pen: Pen(grow: (0.6, 0.5), width: 0.25, start: 4, sweep: 0.76))
    scan.tick(option("tick_check", "b"))
    scan.cross(option("tick_cross", "a").expanded(by: -0.3), width: 0.5)
    scan.fill(option("tick_fill", "b").expanded(by: -0.5))
    scan.tick(option("tick_any", "a"))
    scan.tick(option("tick_any", "c"))
    scan.tick(option("tick_thin", "b"), width: 0.2)
    let crossed = option("tick_line", "a")
    scan.fill(TemplateRect(x: crossed.x - 0.5, y: crossed.midY, width: crossed.width + 1, height: 0.2))
    return try scan.png()
}

extension SyntheticScan {
    /// An elliptical pen stroke round `rect` drawn as `pen` says.
    fileprivate mutating func ring(around rect: TemplateRect, pen: Pen) {
        let cx = rect.midX + pen.offset.x, cy = rect.midY + pen.offset.y
        let rx = rect.width / 2 + pen.grow.x, ry = rect.height / 2 + pen.grow.y
        let steps = 400
        var points: [Point] = []
        for i in 0...steps {
            let t = pen.start + 2 * Double.pi * pen.sweep * Double(i) / Double(steps)
            let ex = rx * cos(t), ey = ry * sin(t)
            points.append(
                Point(
                    x: cx + ex * cos(pen.tilt) - ey * sin(pen.tilt), y: cy + ex * sin(pen.tilt) + ey * cos(pen.tilt)))
        }
        let half = pen.width / 2
        paint(TemplateRect(x: cx - rx - 1.5, y: cy - ry - 1.5, width: 2 * rx + 3, height: 2 * ry + 3)) { p in
            points.contains { ($0.x - p.x) * ($0.x - p.x) + ($0.y - p.y) * ($0.y - p.y) <= half * half }
        }
    }

    /// A ✓ over a box, its long stroke running past the box's top right corner.
    fileprivate mutating func tick(_ box: TemplateRect, width: Double = 0.4) {
        let a = Point(x: box.x + 0.15 * box.width, y: box.y + 0.5 * box.height)
        let b = Point(x: box.x + 0.42 * box.width, y: box.y + 0.9 * box.height)
        let c = Point(x: box.maxX + 0.05 * box.width, y: box.y - 0.25 * box.height)
        func near(_ p: Point, _ from: Point, _ to: Point) -> Bool {
            let vx = to.x - from.x, vy = to.y - from.y
            let t = max(0, min(1, ((p.x - from.x) * vx + (p.y - from.y) * vy) / (vx * vx + vy * vy)))
            let dx = p.x - (from.x + t * vx), dy = p.y - (from.y + t * vy)
            return (dx * dx + dy * dy).squareRoot() <= width / 2
        }
        paint(box.expanded(by: 1.5)) { near($0, a, b) || near($0, b, c) }
    }
}

extension TemplateRect {
    fileprivate var midX: Double { x + width / 2 }
    fileprivate var midY: Double { y + height / 2 }
}

@Suite("Circled options and ticks judged within their group", .serialized)
struct CircleMarkTests {
    @Test(
        "circles of every kind are read as the option they go round; two or none are ambiguous", arguments: [150, 300])
    func circlesAndTicks(dpi: Int) async throws {
        let loaded = WorkflowLoader().load(yaml: closeOptionsYAML, file: "circle-test.yaml")
        let workflow = try #require(loaded.workflow, "\(loaded.diagnostics)")
        let bytes = try closeOptionsPage(workflow.form, dpi: Double(dpi))
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "eng"), workers: 1)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(today: CivilDate(year: 2025, month: 1, day: 1)))
        let result = try await extractor.extract(.bytes(bytes, name: "circles.png"), scanID: SHA256.hex(bytes))
        await pool.shutdown()
        let record = try #require(result.records.first, "\(result.pages)")
        let marks = result.pages.first?.marks ?? [:]
        for c in circleCases {
            let field = try #require(record[c.field])
            let detail = "\(c.field): \(marks[c.field] ?? [:])"
            if let expected = c.expected {
                #expect(field.value == .choices([expected]), "\(detail)")
                #expect(field.issues.isEmpty, "\(detail) \(field.issues)")
            } else {
                #expect(field.value == .empty, "\(detail)")
                #expect(field.issues.map(\.code) == [IssueCode.ambiguousMark], "\(detail)")
            }
        }
        #expect(record["method_a"]?.value == .choices(["2"]), "\(marks["method_a"] ?? [:])")
        #expect(record["method_b"]?.value == .choices(["3"]), "\(marks["method_b"] ?? [:])")
        #expect(record["method_c"]?.value == .empty)
        #expect(record["method_c"]?.issues.map(\.code) == [IssueCode.ambiguousMark])
        #expect(record["tick_check"]?.value == .choices(["b"]), "\(marks["tick_check"] ?? [:])")
        #expect(record["tick_cross"]?.value == .choices(["a"]), "\(marks["tick_cross"] ?? [:])")
        #expect(record["tick_fill"]?.value == .choices(["b"]), "\(marks["tick_fill"] ?? [:])")
        #expect(record["tick_any"]?.value == .choices(["a", "c"]), "\(marks["tick_any"] ?? [:])")
        // A thin pen's ✓ fills little of its box but crosses it both ways: a mark, with nothing to check.
        #expect(record["tick_thin"]?.value == .choices(["b"]), "\(marks["tick_thin"] ?? [:])")
        #expect(record["tick_thin"]?.issues.isEmpty == true, "\(record["tick_thin"]?.issues ?? [])")
        // One line across a box (a stroke of something else) counts by its fill alone: neither set nor clear.
        #expect(record["tick_line"]?.value == .empty, "\(marks["tick_line"] ?? [:])")
        #expect(record["tick_line"]?.codes.contains(IssueCode.uncertainMark) == true, "\(marks["tick_line"] ?? [:])")
    }

    @Test("a neighbour's ring is not a mark: the option beside a circled one scores far below it")
    func neighbourScoresLow() async throws {
        let loaded = WorkflowLoader().load(yaml: closeOptionsYAML, file: "circle-test.yaml")
        let workflow = try #require(loaded.workflow)
        let bytes = try closeOptionsPage(workflow.form, dpi: 300)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "eng"), workers: 1)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(today: CivilDate(year: 2025, month: 1, day: 1)))
        let result = try await extractor.extract(.bytes(bytes, name: "circles.png"), scanID: SHA256.hex(bytes))
        await pool.shutdown()
        let big = try #require(result.pages.first?.marks["big"])
        // S's ring is 2.8 mm wider than its text on each side: it runs through T's and H's texts, whose sectors
        // are print and do not count for S either.
        #expect((big["S"] ?? 0) >= 0.6, "\(big)")
        #expect((big["T"] ?? 1) <= 0.45, "\(big)")
        #expect((big["H"] ?? 1) <= 0.45, "\(big)")
        #expect((big["R"] ?? 1) <= 0.2, "\(big)")
    }
}

/// Boxed 0s written with a slash inside (VL Gothic, Takao Gothic) read as 9 by every model: told apart by the height
/// of their counter.
@Suite("Slashed zeros in boxes")
struct SlashedZeroTests {
    /// A glyph drawn on a white 40×60 image by `inside` (true where there is ink).
    static func glyph(_ inside: (Double, Double) -> Bool) -> GrayImage {
        let w = 40, h = 60
        var pixels = [UInt8](repeating: 255, count: w * h)
        for y in 0..<h {
            for x in 0..<w where inside(Double(x), Double(y)) { pixels[y * w + x] = 20 }
        }
        return GrayImage(width: w, height: h, resolution: 300, pixels: pixels)
    }

    /// An oval ring centred at (cx, cy) with radii rx, ry and a stroke 3 px wide.
    static func ring(_ x: Double, _ y: Double, cx: Double, cy: Double, rx: Double, ry: Double) -> Bool {
        let r = (((x - cx) / rx) * ((x - cx) / rx) + ((y - cy) / ry) * ((y - cy) / ry)).squareRoot()
        return abs(r - 1) * min(rx, ry) < 1.5
    }

    @Test("a slashed 0's counter spans most of its height unbroken; a 9's and a 6's about half, an 8's in two")
    func counters() throws {
        let zero = Self.glyph { x, y in
            Self.ring(x, y, cx: 20, cy: 30, rx: 12, ry: 22)
                || (abs((x - 20) + (y - 30) * 0.5) < 1.5 && abs(y - 30) < 18)
        }
        let nine = Self.glyph { x, y in
            Self.ring(x, y, cx: 20, cy: 18, rx: 11, ry: 10) || (abs(x - 30) < 1.5 && y >= 18 && y <= 52)
        }
        let six = Self.glyph { x, y in
            Self.ring(x, y, cx: 20, cy: 40, rx: 11, ry: 11) || (abs(x - 9.5) < 1.5 && y >= 8 && y <= 40)
        }
        // An 8: two counters one above the other, spanning together as much of its height as a 0's.
        let eight = Self.glyph { x, y in
            Self.ring(x, y, cx: 20, cy: 17, rx: 10, ry: 10) || Self.ring(x, y, cx: 20, cy: 40, rx: 12, ry: 13)
        }
        let zeroShare = try #require(FieldReader.counterShare(zero))
        let nineShare = try #require(FieldReader.counterShare(nine))
        let sixShare = try #require(FieldReader.counterShare(six))
        let eightShare = try #require(FieldReader.counterShare(eight))
        #expect(zeroShare >= FieldReader.zeroCounterShare, "\(zeroShare)")
        #expect(nineShare < FieldReader.zeroCounterShare, "\(nineShare)")
        #expect(sixShare < FieldReader.zeroCounterShare, "\(sixShare)")
        #expect(eightShare < FieldReader.zeroCounterShare, "\(eightShare)")
        // Two counters one above the other make an 8; a 0's, a 9's or a 6's one does not.
        #expect(FieldReader.isEight(eight))
        #expect(!FieldReader.isEight(zero) && !FieldReader.isEight(nine) && !FieldReader.isEight(six))
        #expect(FieldReader.counterShare(Self.glyph { x, _ in abs(x - 20) < 2 }) == nil)
    }

    @Test("an 8 whose hairlines are fainter than the page's threshold has counters in its faint ink; a 3 has none")
    func faintEight() throws {
        // An 8 drawn dark but for its hairlines at the left and right of each loop (grey 175), as Takao Mincho at
        // 150 dpi: at the threshold its counters open onto the paper; counting faint ink, they are closed.
        var eight = Self.glyph { x, y in
            Self.ring(x, y, cx: 20, cy: 17, rx: 10, ry: 10) || Self.ring(x, y, cx: 20, cy: 40, rx: 12, ry: 13)
        }
        for y in 0..<eight.height {
            for x in 0..<eight.width where eight.pixels[y * eight.width + x] < 255 && abs(x - 20) > 7 {
                eight.pixels[y * eight.width + x] = 175
            }
        }
        #expect(FieldReader.counterBands(eight) == nil)
        let faint = try #require(FieldReader.counterBands(eight, inkBelow: FieldReader.faintInk))
        #expect(faint.bands.count == 2)
        // A 3: the right halves of two rings, open on the left however faint its strokes are counted.
        let three = Self.glyph { x, y in
            x >= 16
                && (Self.ring(x, y, cx: 18, cy: 17, rx: 10, ry: 10) || Self.ring(x, y, cx: 18, cy: 40, rx: 12, ry: 13))
        }
        #expect(FieldReader.counterBands(three, inkBelow: FieldReader.faintInk) == nil)
    }

    @Test("dots of a rule under a digit, a few rows below it, do not count in its height")
    func ruleDotsBelow() throws {
        // A slashed 0 over rows 6–42 and, after a gap of rows, the dots a cleaned dotted rule leaves (rows 55–57).
        func dots(_ x: Double, _ y: Double) -> Bool { y >= 55 && y <= 57 && Int(x) % 6 < 3 }
        let zero = Self.glyph { x, y in
            Self.ring(x, y, cx: 20, cy: 24, rx: 11, ry: 17)
                || (abs((x - 20) + (y - 24) * 0.5) < 1.5 && abs(y - 24) < 14) || dots(x, y)
        }
        let nine = Self.glyph { x, y in
            Self.ring(x, y, cx: 20, cy: 15, rx: 10, ry: 9) || (abs(x - 29) < 1.5 && y >= 15 && y <= 42) || dots(x, y)
        }
        let zeroShare = try #require(FieldReader.counterShare(zero))
        let nineShare = try #require(FieldReader.counterShare(nine))
        #expect(zeroShare >= FieldReader.zeroCounterShare, "\(zeroShare)")
        #expect(nineShare < FieldReader.zeroCounterShare, "\(nineShare)")
    }
}
