import Foundation
import KamiflowCore

/// Fitting the transform that carries template millimetres onto a scan's pixels.
package enum AffineFit {
    /// The least-squares affine transform taking each `from` point to its `to` point; `nil` with fewer than three
    /// pairs or when the points are collinear. Three pairs fit exactly; a fourth averages out a misplaced blob.
    package static func fit(from: [Point], to: [Point]) -> KamiflowCore.AffineTransform? {
        guard from.count == to.count, from.count >= 3 else { return nil }
        // Normal equations for [a b tx] (x') and [c d ty] (y') share the matrix MᵀM with rows (x, y, 1).
        var m = [[Double]](repeating: [0, 0, 0], count: 3)
        var bx = [0.0, 0.0, 0.0], by = [0.0, 0.0, 0.0]
        for (p, q) in zip(from, to) {
            let row = [p.x, p.y, 1]
            for i in 0..<3 {
                for j in 0..<3 { m[i][j] += row[i] * row[j] }
                bx[i] += row[i] * q.x
                by[i] += row[i] * q.y
            }
        }
        guard let sx = solve(m, bx), let sy = solve(m, by) else { return nil }
        return KamiflowCore.AffineTransform(a: sx[0], b: sx[1], c: sy[0], d: sy[1], tx: sx[2], ty: sy[2])
    }

    /// Solves a 3×3 system by Cramer's rule; `nil` when singular.
    static func solve(_ m: [[Double]], _ b: [Double]) -> [Double]? {
        func det(_ a: [[Double]]) -> Double {
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        }
        let d = det(m)
        let scale = m.flatMap { $0 }.map(abs).max() ?? 1
        guard abs(d) > 1e-9 * scale * scale * scale else { return nil }
        return (0..<3).map { column in
            var replaced = m
            for row in 0..<3 { replaced[row][column] = b[row] }
            return det(replaced) / d
        }
    }
}

/// How a page was aligned to its template, for reports and `--explain`.
public struct RegistrationResult: Hashable, Sendable, Codable {
    /// Template millimetres → page pixels.
    public var transform: KamiflowCore.AffineTransform
    /// `marks`, `border`, `anchors`, or `nominal` (the page taken as the template at its resolution).
    public var method: String
    /// How many marks or anchors were found, of how many expected.
    public var found: Int
    public var expected: Int
    /// Largest distance in pixels between a found mark and where the fitted transform puts it.
    public var residual: Double

    public init(transform: KamiflowCore.AffineTransform, method: String, found: Int, expected: Int, residual: Double) {
        self.transform = transform
        self.method = method
        self.found = found
        self.expected = expected
        self.residual = residual
    }
}

/// Aligns a page to a form template: by registration marks, the printed border, or anchor words.
package struct Registrar {
    let form: FormTemplate

    /// The transform of an unmoved, unscaled scan at the page's resolution.
    package static func nominal(for page: any ReadablePage) -> KamiflowCore.AffineTransform {
        .millimetres(toPixelsAt: page.report.resolution > 0 ? page.report.resolution : 300)
    }

    /// Registers `page`, or explains why it cannot be registered.
    package func register(_ page: any ReadablePage) -> Result<RegistrationResult, KamiflowError> {
        let nominal = Self.nominal(for: page)
        switch form.registration {
        case .none:
            return .success(RegistrationResult(transform: nominal, method: "nominal", found: 0, expected: 0, residual: 0))
        case .marks(let marks):
            return registerByMarks(page, marks: marks, nominal: nominal)
        case .border(let rect):
            return registerByBorder(page, border: rect, nominal: nominal)
        case .anchors(let anchors):
            return registerByAnchors(page, anchors: anchors, nominal: nominal)
        }
    }

    /// Finds the four solid squares near where the nominal transform puts them. The search window allows for
    /// ±10 mm shift, ±5 % scale and ±5° skew; the blob must be about the mark's size and mostly ink.
    func registerByMarks(_ page: any ReadablePage, marks: CornerMarks, nominal: KamiflowCore.AffineTransform)
        -> Result<RegistrationResult, KamiflowError>
    {
        let pxPerMM = nominal.a
        let side = marks.size * pxPerMM
        let sides = Int((side * 0.7).rounded(.down))...Int((side * 1.45).rounded(.up))
        // ±5° about the page centre moves a corner up to 13 mm; with ±10 mm shift and ±5 % scale, 30 mm either way.
        let window = (marks.size + 2 * 30) * pxPerMM
        var template: [Point] = []
        var found: [Point] = []
        for center in marks.centers(on: form.page) {
            let expected = nominal.apply(center)
            let region = PixelRect(
                x: Int(expected.x - window / 2), y: Int(expected.y - window / 2), width: Int(window), height: Int(window))
            let candidates = page.inkComponents(in: region, sides: sides).filter { blob in
                page.fillRatio(of: blob) >= 0.7 && Double(max(blob.width, blob.height)) / Double(min(blob.width, blob.height)) < 1.35
            }
            let best = candidates.min { a, b in
                distance(centerOf(a), expected) < distance(centerOf(b), expected)
            }
            if let best {
                template.append(center)
                found.append(centerOf(best))
            }
        }
        guard found.count >= 3, let transform = AffineFit.fit(from: template, to: found) else {
            return .failure(
                KamiflowError(
                    .recognitionFailed,
                    "found \(found.count) of the 4 registration marks on page \(page.index + 1); the scan may be cropped, rotated by more than 5° or not this form"))
        }
        let residual = zip(template, found).map { distance(transform.apply($0), $1) }.max() ?? 0
        return .success(
            RegistrationResult(transform: transform, method: "marks", found: found.count, expected: 4, residual: residual))
    }

    /// The printed border is the largest blob about the border's size: its box gives scale and shift.
    func registerByBorder(_ page: any ReadablePage, border: TemplateRect, nominal: KamiflowCore.AffineTransform)
        -> Result<RegistrationResult, KamiflowError>
    {
        let expected = nominal.pixelRect(border)
        let low = Int(Double(min(expected.width, expected.height)) * 0.85)
        let high = Int(Double(max(expected.width, expected.height)) * 1.15)
        let blobs = page.inkComponents(in: nil, sides: low...high).filter {
            abs(Double($0.width) / Double(expected.width) - 1) < 0.12 && abs(Double($0.height) / Double(expected.height) - 1) < 0.12
        }
        guard let box = blobs.max(by: { $0.area < $1.area }) else {
            return .failure(KamiflowError(.recognitionFailed, "the printed border of the form was not found on page \(page.index + 1)"))
        }
        let sx = Double(box.width) / border.width, sy = Double(box.height) / border.height
        let transform = KamiflowCore.AffineTransform(
            a: sx, b: 0, c: 0, d: sy, tx: Double(box.x) - sx * border.x, ty: Double(box.y) - sy * border.y)
        return .success(RegistrationResult(transform: transform, method: "border", found: 1, expected: 1, residual: 0))
    }

    /// Reads each anchor's neighbourhood and takes the centre of the word that holds its text.
    func registerByAnchors(_ page: any ReadablePage, anchors: [Registration.Anchor], nominal: KamiflowCore.AffineTransform)
        -> Result<RegistrationResult, KamiflowError>
    {
        var template: [Point] = []
        var found: [Point] = []
        for anchor in anchors {
            let region = nominal.pixelRect(anchor.zone.expanded(by: 14))
            guard let reading = try? page.recognize(region, options: RecognitionOptions(segmentation: .singleBlock)) else {
                continue
            }
            let wanted = TextFolding.removingSpaces(TextFolding.nfkc(anchor.text))
            let words = reading.words.filter { !$0.text.isEmpty }
            // jpn splits text into many one-character words: match on consecutive runs.
            var match: PixelRect?
            for start in words.indices where match == nil {
                var text = ""
                var box = words[start].box
                for index in start..<words.count {
                    text += TextFolding.removingSpaces(TextFolding.nfkc(words[index].text))
                    box = union(box, words[index].box)
                    if text.contains(wanted) { match = box; break }
                    if text.count > wanted.count + 4 { break }
                }
            }
            if let match {
                template.append(anchor.zone.center)
                found.append(centerOf(match))
            }
        }
        guard found.count >= 3, let transform = AffineFit.fit(from: template, to: found) else {
            return .failure(
                KamiflowError(.recognitionFailed, "found \(found.count) of \(anchors.count) anchor words on page \(page.index + 1)"))
        }
        let residual = zip(template, found).map { distance(transform.apply($0), $1) }.max() ?? 0
        return .success(
            RegistrationResult(transform: transform, method: "anchors", found: found.count, expected: anchors.count, residual: residual))
    }
}

func centerOf(_ rect: PixelRect) -> Point {
    Point(x: Double(rect.x) + Double(rect.width) / 2, y: Double(rect.y) + Double(rect.height) / 2)
}

func distance(_ a: Point, _ b: Point) -> Double { ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() }

func union(_ a: PixelRect, _ b: PixelRect) -> PixelRect {
    let x = min(a.x, b.x), y = min(a.y, b.y)
    return PixelRect(x: x, y: y, width: max(a.maxX, b.maxX) - x, height: max(a.maxY, b.maxY) - y)
}
