import KamiflowCore

/// Finds where a form template lies on a scan: the affine map from template millimetres to scan pixels.
///
/// Zones are written in millimetres on the printed form; a scan is shifted, scaled, slightly rotated and at some
/// resolution. Everything read from a page goes through the transform this type fits, so that a zone lands on
/// the same ink whatever the scanner did. Three ways, in order of reliability:
/// - **registration marks** (solid squares near the corners, printed by Kamiflow's own forms),
/// - **the printed border** of an existing municipal form (the largest rectangular frame on the page),
/// - **anchor words** (labels printed on the form, found by reading the page).
package enum TemplateAlignment {
    /// A point of the template (mm) matched with where it was found on the scan (px).
    package struct Correspondence: Hashable, Sendable {
        package var template: Point
        package var scan: Point
        package init(template: Point, scan: Point) {
            self.template = template
            self.scan = scan
        }
    }

    /// Least-squares affine fit through at least three correspondences; with exactly two, a similarity
    /// (rotation + uniform scale + shift). `nil` when the points are degenerate (collinear, coincident).
    package static func fit(_ pairs: [Correspondence]) -> AffineTransform? {
        if pairs.count == 2 { return similarity(pairs[0], pairs[1]) }
        guard pairs.count >= 3 else { return nil }
        // Normal equations for [a b tx] and [c d ty] share the matrix M = Σ [x y 1]ᵀ[x y 1].
        var m = [[Double]](repeating: [0, 0, 0], count: 3)
        var rx = [0.0, 0.0, 0.0]
        var ry = [0.0, 0.0, 0.0]
        for pair in pairs {
            let v = [pair.template.x, pair.template.y, 1]
            for i in 0..<3 {
                for j in 0..<3 { m[i][j] += v[i] * v[j] }
                rx[i] += v[i] * pair.scan.x
                ry[i] += v[i] * pair.scan.y
            }
        }
        guard let first = solve3(m, rx), let second = solve3(m, ry) else { return nil }
        return AffineTransform(a: first[0], b: first[1], c: second[0], d: second[1], tx: first[2], ty: second[2])
    }

    /// The similarity transform mapping two template points onto two scan points.
    package static func similarity(_ p: Correspondence, _ q: Correspondence) -> AffineTransform? {
        let tdx = q.template.x - p.template.x, tdy = q.template.y - p.template.y
        let sdx = q.scan.x - p.scan.x, sdy = q.scan.y - p.scan.y
        let norm = tdx * tdx + tdy * tdy
        guard norm > 1e-9 else { return nil }
        // Complex division: (sdx + i·sdy) / (tdx + i·tdy) = s·e^{iθ}.
        let cosine = (sdx * tdx + sdy * tdy) / norm
        let sine = (sdy * tdx - sdx * tdy) / norm
        let tx = p.scan.x - (cosine * p.template.x - sine * p.template.y)
        let ty = p.scan.y - (sine * p.template.x + cosine * p.template.y)
        return AffineTransform(a: cosine, b: -sine, c: sine, d: cosine, tx: tx, ty: ty)
    }

    /// The largest distance, in scan pixels, between a correspondence's scan point and where `transform` puts its
    /// template point: how well the fit explains what was found.
    package static func worstResidual(_ transform: AffineTransform, _ pairs: [Correspondence]) -> Double {
        pairs.map { pair in
            let p = transform.apply(pair.template)
            return ((p.x - pair.scan.x) * (p.x - pair.scan.x) + (p.y - pair.scan.y) * (p.y - pair.scan.y)).squareRoot()
        }.max() ?? 0
    }

    /// Finds registration marks: for each expected mark (its centre in template mm and its side in mm), the solid,
    /// square blob of ink nearest to where the nominal transform puts it, within `searchRadius` mm.
    ///
    /// - Parameters:
    ///   - nominal: template → scan with no correction (pixels per mm from the page's resolution); marks are looked
    ///     for around where this puts them, so it must be within the search radius of the truth (±10 mm shift, ±5°
    ///     and ±5% scale all are at the corners of an A4 page).
    /// - Returns: one correspondence per mark found; the caller decides whether enough were found.
    package static func locateMarks(
        on page: any ReadablePage, marks: [(centre: Point, side: Double)], nominal: AffineTransform,
        searchRadius: Double = 25
    ) -> [Correspondence] {
        let pixelsPerMM = (nominal.a * nominal.a + nominal.c * nominal.c).squareRoot()
        var found: [Correspondence] = []
        for mark in marks {
            let expected = nominal.apply(mark.centre)
            let radius = searchRadius * pixelsPerMM
            let region = PixelRect(
                x: Int(expected.x - radius), y: Int(expected.y - radius), width: Int(2 * radius),
                height: Int(2 * radius)
            ).intersection(PixelRect(x: 0, y: 0, width: page.size.width, height: page.size.height))
            guard !region.isEmpty else { continue }
            let side = mark.side * pixelsPerMM
            // A square rotated by up to 5° and scaled by up to 5% has a bounding box of 0.9–1.2 sides.
            let sides = max(2, Int(side * 0.75))...max(3, Int(side * 1.35))
            let candidates = page.inkComponents(in: region, sides: sides).filter { box in
                let aspect = Double(box.width) / Double(max(1, box.height))
                return aspect > 0.75 && aspect < 1.33 && page.fillRatio(of: box) > 0.7
            }
            let best = candidates.min { lhs, rhs in
                distance(centre(lhs), expected) < distance(centre(rhs), expected)
            }
            if let best { found.append(Correspondence(template: mark.centre, scan: centre(best))) }
        }
        return found
    }

    /// Finds the printed outer frame of a form: the largest blob of ink spanning at least `minimumSpan` of the
    /// page in both directions. Returns its corners as correspondences with the template frame `frame` (mm).
    ///
    /// The page should have been deskewed: the bounding box of a frame rotated by more than a fraction of a degree
    /// is larger than the frame.
    package static func locateBorder(
        on page: any ReadablePage, frame: (x: Double, y: Double, width: Double, height: Double),
        minimumSpan: Double = 0.5
    ) -> [Correspondence] {
        let minSide = Int(Double(min(page.size.width, page.size.height)) * minimumSpan)
        let maxSide = max(page.size.width, page.size.height)
        let boxes = page.inkComponents(in: nil, sides: minSide...maxSide)
        guard let border = boxes.max(by: { $0.area < $1.area }) else { return [] }
        let left = Double(border.x), top = Double(border.y)
        let right = Double(border.maxX), bottom = Double(border.maxY)
        return [
            Correspondence(template: Point(x: frame.x, y: frame.y), scan: Point(x: left, y: top)),
            Correspondence(template: Point(x: frame.x + frame.width, y: frame.y), scan: Point(x: right, y: top)),
            Correspondence(template: Point(x: frame.x, y: frame.y + frame.height), scan: Point(x: left, y: bottom)),
            Correspondence(
                template: Point(x: frame.x + frame.width, y: frame.y + frame.height), scan: Point(x: right, y: bottom)),
        ]
    }

    /// Finds anchor words (labels printed on the form) among the words read from the page: each anchor's expected
    /// text, matched after removing spaces, gives the centre of the words that spell it.
    package static func locateAnchors(
        _ anchors: [(text: String, centre: Point)], in words: [RecognizedWord]
    ) -> [Correspondence] {
        var result: [Correspondence] = []
        for anchor in anchors {
            let target = anchor.text.filter { !$0.isWhitespace }
            guard !target.isEmpty else { continue }
            // Words in reading order; an anchor may be split over consecutive words (jpn splits label text).
            outer: for start in words.indices {
                var text = ""
                var box = words[start].box
                for end in start..<min(words.count, start + 6) {
                    text += words[end].text.filter { !$0.isWhitespace }
                    box = union(box, words[end].box)
                    if text == target {
                        result.append(Correspondence(template: anchor.centre, scan: centre(box)))
                        break outer
                    }
                    if !target.hasPrefix(text) { break }
                }
            }
        }
        return result
    }

    package static func centre(_ box: PixelRect) -> Point {
        Point(x: Double(box.x) + Double(box.width) / 2, y: Double(box.y) + Double(box.height) / 2)
    }

    private static func union(_ a: PixelRect, _ b: PixelRect) -> PixelRect {
        let x = min(a.x, b.x), y = min(a.y, b.y)
        return PixelRect(x: x, y: y, width: max(a.maxX, b.maxX) - x, height: max(a.maxY, b.maxY) - y)
    }

    private static func distance(_ p: Point, _ q: Point) -> Double {
        ((p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)).squareRoot()
    }

    /// Solves the 3×3 system `m · x = r` by Gaussian elimination with partial pivoting.
    private static func solve3(_ m: [[Double]], _ r: [Double]) -> [Double]? {
        var a = m
        var b = r
        for column in 0..<3 {
            guard let pivot = (column..<3).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }),
                abs(a[pivot][column]) > 1e-9
            else { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<3 {
                let factor = a[row][column] / a[column][column]
                for k in column..<3 { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [0.0, 0.0, 0.0]
        for row in stride(from: 2, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<3 { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}
