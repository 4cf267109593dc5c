import Foundation
public import KamiflowCore

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
    /// Where on the page the registration found what it aligned by, in pixels: the marks' centres, the anchor
    /// words' centres, the border's corners, or the top-left corners of the matched cells.
    public var points: [Point]

    public init(
        transform: KamiflowCore.AffineTransform, method: String, found: Int, expected: Int, residual: Double,
        points: [Point] = []
    ) {
        self.transform = transform
        self.method = method
        self.found = found
        self.expected = expected
        self.residual = residual
        self.points = points
    }
}

/// Aligns a page to a form template: by registration marks, the printed border, or anchor words.
package struct Registrar {
    let form: FormTemplate
    /// The printed structure of `form.reference`, found on the blank (`nil` for forms Kamiflow prints).
    let reference: ReferenceStructure?

    package init(form: FormTemplate, reference: ReferenceStructure? = nil) {
        self.form = form
        self.reference = reference
    }

    /// The transform of an unmoved, unscaled scan at the page's resolution.
    package static func nominal(for page: any ReadablePage) -> KamiflowCore.AffineTransform {
        .millimetres(toPixelsAt: page.report.resolution > 0 ? page.report.resolution : 300)
    }

    /// Registers `page`, or explains why it cannot be registered.
    package func register(_ page: any ReadablePage) -> Result<RegistrationResult, KamiflowError> {
        let nominal = Self.nominal(for: page)
        switch form.registration {
        case .none:
            return .success(
                RegistrationResult(transform: nominal, method: "nominal", found: 0, expected: 0, residual: 0))
        case .marks(let marks):
            let byMarks = registerByMarks(page, marks: marks, nominal: nominal)
            // A photocopy that lost its marks, or a render printed without them: the form's own cells still align it.
            guard case .failure(let marksFailed) = byMarks else { return byMarks }
            switch registerByLines(page, nominal: nominal) {
            case .success(let byLines):
                return .success(byLines)
            case .failure(let linesFailed):
                var error = marksFailed
                error.message += "; by its printed boxes instead: \(linesFailed.message)"
                return .failure(error)
            }
        case .lines where form.reference != nil:
            // A form Kamiflow did not print: by the blank's own rules, never by boxes the zones imply.
            guard let reference else {
                return .failure(
                    KamiflowError(
                        .recognitionFailed, "unregistered: the printed structure of the reference image was not read"))
            }
            return registerByReference(page, structure: reference, nominal: nominal)
        case .lines:
            return registerByLines(page, nominal: nominal)
        case .border(let rect):
            return registerByBorder(page, border: rect, nominal: nominal)
        case .anchors(let anchors):
            return registerByAnchors(page, anchors: anchors, nominal: nominal)
        }
    }

    /// Finds the four solid squares near where the nominal transform puts them. The search window allows for
    /// ±10 mm shift, ±5 % scale and ±5° skew; the blob must be about the mark's size and mostly ink.
    func registerByMarks(
        _ page: any ReadablePage, marks: CornerMarks, nominal: KamiflowCore.AffineTransform
    )
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
                x: Int(expected.x - window / 2), y: Int(expected.y - window / 2), width: Int(window),
                height: Int(window))
            let candidates = page.inkComponents(in: region, sides: sides).filter { blob in
                page.fillRatio(of: blob) >= 0.7
                    && Double(max(blob.width, blob.height)) / Double(min(blob.width, blob.height)) < 1.35
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
                    "found \(found.count) of the 4 registration marks on page \(page.index + 1); the scan may be cropped, rotated by more than 5° or not this form"
                ))
        }
        let residual = zip(template, found).map { distance(transform.apply($0), $1) }.max() ?? 0
        return .success(
            RegistrationResult(
                transform: transform, method: "marks", found: found.count, expected: 4, residual: residual,
                points: found))
    }

    /// The printed border's four sides, each the outermost long rule near where the template puts it.
    ///
    /// Sides rather than the border's blob: a scan moved to the edge of the glass loses a corner of the frame (its
    /// bounding box then lies), while what is left of each side still gives its position. A side must be at least
    /// 30 % as long as the border's and lie within 30 mm of where an unmoved scan would have it (±10 mm shift, ±5 %
    /// scale, what deskewing leaves of ±5° skew).
    func registerByBorder(
        _ page: any ReadablePage, border: TemplateRect, nominal: KamiflowCore.AffineTransform
    )
        -> Result<RegistrationResult, KamiflowError>
    {
        let pxPerMM = nominal.a
        let expected = nominal.pixelRect(border)
        let reach = 30 * pxPerMM
        let lines = page.ruledLines(
            minimumLength: Int(0.3 * Double(min(expected.width, expected.height))),
            maximumThickness: max(2, Int(1.2 * pxPerMM)))
        let horizontals = lines.filter {
            $0.orientation == .horizontal && Double($0.length) >= 0.3 * Double(expected.width)
        }
        let verticals = lines.filter {
            $0.orientation == .vertical && Double($0.length) >= 0.3 * Double(expected.height)
        }
        let top = horizontals.filter { abs($0.position - Double(expected.y)) < reach }.min { $0.position < $1.position }
        let bottom = horizontals.filter { abs($0.position - Double(expected.maxY)) < reach }.max {
            $0.position < $1.position
        }
        let left = verticals.filter { abs($0.position - Double(expected.x)) < reach }.min { $0.position < $1.position }
        let right = verticals.filter { abs($0.position - Double(expected.maxX)) < reach }.max {
            $0.position < $1.position
        }
        guard let top, let bottom, let left, let right else {
            let missing = [("top", top), ("bottom", bottom), ("left", left), ("right", right)].filter { $0.1 == nil }
                .map(\.0)
            return .failure(
                KamiflowError(
                    .recognitionFailed,
                    "the printed border of the form was not found on page \(page.index + 1) (no \(missing.joined(separator: ", ")) side)"
                ))
        }
        let sx = (right.position - left.position) / border.width
        let sy = (bottom.position - top.position) / border.height
        guard abs(sx / pxPerMM - 1) < 0.12, abs(sy / pxPerMM - 1) < 0.12 else {
            return .failure(
                KamiflowError(
                    .recognitionFailed,
                    "the rules found for the border on page \(page.index + 1) make it \(Int(sx / pxPerMM * 100)) % × \(Int(sy / pxPerMM * 100)) % of its size"
                ))
        }
        let transform = KamiflowCore.AffineTransform(
            a: sx, b: 0, c: 0, d: sy, tx: left.position - sx * border.x, ty: top.position - sy * border.y)
        return .success(
            RegistrationResult(
                transform: transform, method: "border", found: 4, expected: 4, residual: 0,
                points: [Point(x: left.position, y: top.position), Point(x: right.position, y: bottom.position)]))
    }

    /// Matches the printed cells found on the page (closed rectangles of ruled lines) to the boxes the template
    /// prints: value cells, label cells, マス目, checkboxes.
    ///
    /// Every pairing of a template box with a found cell of about its size (at one of 31 scales within ±6 %) votes
    /// for a translation in 1 mm bins; the scale and translation with the most boxes behind them wins (a repeated
    /// row shifted by one step matches one row fewer). The affine transform is then fitted to the corners of every
    /// box matched within 1.2 mm, and fitted again after matching with it. The page must be deskewed (rotation is
    /// left to the final fit: within the search it blurs the vote by at most 0.7 mm at 0.2°).
    func registerByLines(
        _ page: any ReadablePage, nominal: KamiflowCore.AffineTransform
    )
        -> Result<RegistrationResult, KamiflowError>
    {
        let frames = form.printedBoxes
        let pxPerMM = nominal.a
        let cells = FormInspector.cells(on: page, pxPerMM: pxPerMM)
        let needed = max(4, frames.count / 4)
        func failure(_ found: Int) -> Result<RegistrationResult, KamiflowError> {
            .failure(
                KamiflowError(
                    .recognitionFailed,
                    "matched \(found) of the \(frames.count) printed boxes of the form on page \(page.index + 1) "
                        + "(\(cells.count) cells found, \(needed) needed); the scan may be cropped, rotated or not this form"
                ))
        }
        guard frames.count >= 4, !cells.isEmpty else { return failure(0) }
        let sizeTolerance = 1.2 * pxPerMM
        let reach = 40 * pxPerMM
        var best: (score: Int, scale: Double, tx: Double, ty: Double)?
        for step in -15...15 {
            let s = pxPerMM * (1 + Double(step) * 0.004)
            var votes: [SIMD2<Int>: [Int: SIMD2<Double>]] = [:]
            for (f, frame) in frames.enumerated() {
                for cell in cells
                where abs(cell.width - frame.width * s) < sizeTolerance
                    && abs(cell.height - frame.height * s) < sizeTolerance
                {
                    let t = SIMD2(cell.x - s * frame.x, cell.y - s * frame.y)
                    guard abs(t.x - nominal.tx) < reach, abs(t.y - nominal.ty) < reach else { continue }
                    let bin = SIMD2(Int((t.x / pxPerMM).rounded(.down)), Int((t.y / pxPerMM).rounded(.down)))
                    votes[bin, default: [:]][f] = t
                }
            }
            for bin in votes.keys {
                // A translation near a bin's edge splits its votes: count the 3×3 neighbourhood, each box once.
                var members: [Int: SIMD2<Double>] = [:]
                for dx in -1...1 {
                    for dy in -1...1 {
                        for (f, t) in votes[bin &+ SIMD2(dx, dy)] ?? [:] where members[f] == nil { members[f] = t }
                    }
                }
                if members.count > (best?.score ?? 0) {
                    let mean = members.values.reduce(SIMD2<Double>(0, 0), +) / Double(members.count)
                    best = (members.count, s, mean.x, mean.y)
                }
            }
        }
        guard let best, best.score >= needed else { return failure(best?.score ?? 0) }
        var transform = KamiflowCore.AffineTransform(a: best.scale, b: 0, c: 0, d: best.scale, tx: best.tx, ty: best.ty)
        var pairs: [(TemplateRect, TemplateRect)] = []
        for _ in 0..<2 {
            pairs = Self.match(frames, cells, transform: transform, tolerance: 1.2 * pxPerMM)
            guard pairs.count >= needed else { return failure(pairs.count) }
            var from: [Point] = [], to: [Point] = []
            for (frame, cell) in pairs {
                from += [
                    Point(x: frame.x, y: frame.y), Point(x: frame.maxX, y: frame.maxY),
                    Point(x: frame.maxX, y: frame.y), Point(x: frame.x, y: frame.maxY),
                ]
                to += [
                    Point(x: cell.x, y: cell.y), Point(x: cell.maxX, y: cell.maxY),
                    Point(x: cell.maxX, y: cell.y), Point(x: cell.x, y: cell.maxY),
                ]
            }
            guard let fitted = AffineFit.fit(from: from, to: to) else { return failure(pairs.count) }
            transform = fitted
        }
        let residual =
            pairs.map { frame, cell in
                max(
                    distance(transform.apply(Point(x: frame.x, y: frame.y)), Point(x: cell.x, y: cell.y)),
                    distance(transform.apply(Point(x: frame.maxX, y: frame.maxY)), Point(x: cell.maxX, y: cell.maxY)))
            }.max() ?? 0
        return .success(
            RegistrationResult(
                transform: transform, method: "lines", found: pairs.count, expected: frames.count, residual: residual,
                points: pairs.map { Point(x: $0.1.x, y: $0.1.y) }))
    }

    /// Each template box with the found cell whose four sides lie within `tolerance` pixels of where `transform`
    /// puts them (the nearest, when several do).
    static func match(
        _ frames: [TemplateRect], _ cells: [TemplateRect], transform: KamiflowCore.AffineTransform,
        tolerance: Double
    ) -> [(TemplateRect, TemplateRect)] {
        frames.compactMap { frame in
            let a = transform.apply(Point(x: frame.x, y: frame.y))
            let b = transform.apply(Point(x: frame.maxX, y: frame.maxY))
            let near = cells.filter {
                abs($0.x - a.x) < tolerance && abs($0.y - a.y) < tolerance && abs($0.maxX - b.x) < tolerance
                    && abs($0.maxY - b.y) < tolerance
            }
            return near.min { abs($0.x - a.x) + abs($0.y - a.y) < abs($1.x - a.x) + abs($1.y - a.y) }.map {
                (frame, $0)
            }
        }
    }

    /// Reads each anchor's neighbourhood (30 mm round where an unmoved scan has it) and fits the words found.
    ///
    /// A label may be printed more than once near its place (氏名 in 配偶者氏名): the anchors found once fix a
    /// first similarity transform (the two farthest apart), and each anchor then takes the occurrence closest to
    /// where that puts it.
    func registerByAnchors(
        _ page: any ReadablePage, anchors: [Registration.Anchor], nominal: KamiflowCore.AffineTransform
    )
        -> Result<RegistrationResult, KamiflowError>
    {
        let pxPerMM = nominal.a
        var candidates = anchors.map { Self.occurrences(of: $0, on: page, nominal: nominal) }
        if candidates.contains(where: \.isEmpty),
            let words = try? page.recognize(nil, options: RecognitionOptions(segmentation: .auto)).words
        {
            // A short label among circles, ticks and a large title reads as noise in a window of its own and
            // cleanly in the layout analysis of the whole page (性別 came back as "‘ait"): one page pass for all.
            for index in anchors.indices where candidates[index].isEmpty {
                let window = nominal.pixelRect(anchors[index].zone.expanded(by: 30))
                let wanted = TextFolding.removingSpaces(TextFolding.nfkc(anchors[index].text))
                candidates[index] = Self.runs(holding: wanted, in: words.filter { !$0.text.isEmpty })
                    .filter { !window.intersection($0).isEmpty }.map(centerOf)
            }
        }
        func failure(_ found: Int) -> Result<RegistrationResult, KamiflowError> {
            .failure(
                KamiflowError(
                    .recognitionFailed, "found \(found) of \(anchors.count) anchor words on page \(page.index + 1)"))
        }
        // First guess: a similarity from two unique anchors at least 30 mm apart, the pair whose guess puts the
        // most other anchors within 6 mm of a place they were read (then the pair farthest apart); else the nominal
        // transform moved by a unique anchor's offset, else the nominal transform. One anchor read in the wrong
        // place (配偶者 found in 配偶者氏名, a label read twice) must not make the guess: it would mislead every other
        // anchor's search (measured: a zone corner 36 mm off on a −4.5° scan).
        let unique = anchors.indices.filter { candidates[$0].count == 1 }
        var guess = nominal
        var farthest: (Int, Int)?
        var best: (support: Int, apart: Double) = (0, 0)
        for i in unique {
            for j in unique where j > i {
                let apart = distance(anchors[i].zone.center, anchors[j].zone.center)
                guard apart > 30 else { continue }
                let trial = Self.similarity(
                    from: (anchors[i].zone.center, anchors[j].zone.center), to: (candidates[i][0], candidates[j][0]))
                let support = zip(anchors, candidates).filter { anchor, points in
                    let predicted = trial.apply(anchor.zone.center)
                    return points.contains { distance($0, predicted) < 6 * pxPerMM }
                }.count
                if support > best.support || (support == best.support && apart > best.apart) {
                    best = (support, apart)
                    farthest = (i, j)
                }
            }
        }
        if let (i, j) = farthest {
            guess = Self.similarity(
                from: (anchors[i].zone.center, anchors[j].zone.center), to: (candidates[i][0], candidates[j][0]))
        } else if let i = unique.first {
            let at = nominal.apply(anchors[i].zone.center)
            guess.tx += candidates[i][0].x - at.x
            guess.ty += candidates[i][0].y - at.y
        }
        var template: [Point] = []
        var found: [Point] = []
        for (anchor, points) in zip(anchors, candidates) {
            let predicted = guess.apply(anchor.zone.center)
            guard let best = points.min(by: { distance($0, predicted) < distance($1, predicted) }),
                distance(best, predicted) < (farthest == nil ? 30 : 6) * pxPerMM
            else { continue }
            template.append(anchor.zone.center)
            found.append(best)
        }
        guard found.count >= 3, var transform = Self.fit(from: template, to: found) else { return failure(found.count) }
        // A word box off by a character's part ("(請求" with its bracket) pulls the fit: with five or more anchors,
        // the worst one is dropped while it lies more than 0.8 mm from the fit of the others.
        while found.count >= 5 {
            let residuals = zip(template, found).map { distance(transform.apply($0), $1) }
            guard let worst = residuals.indices.max(by: { residuals[$0] < residuals[$1] }),
                residuals[worst] > 0.8 * pxPerMM
            else { break }
            template.remove(at: worst)
            found.remove(at: worst)
            guard let refitted = Self.fit(from: template, to: found) else { break }
            transform = refitted
        }
        let residual = zip(template, found).map { distance(transform.apply($0), $1) }.max() ?? 0
        return .success(
            RegistrationResult(
                transform: transform, method: "anchors", found: found.count, expected: anchors.count,
                residual: residual,
                points: found))
    }

    /// The centres of every run of words holding `anchor`'s text within 30 mm of its place. Tesseract's layout
    /// analysis drops some short words in a busy neighbourhood in one mode and keeps them in another: sparse text
    /// first, then one block, then automatic.
    static func occurrences(
        of anchor: Registration.Anchor, on page: any ReadablePage, nominal: KamiflowCore.AffineTransform
    )
        -> [Point]
    {
        let region = nominal.pixelRect(anchor.zone.expanded(by: 30))
        let wanted = TextFolding.removingSpaces(TextFolding.nfkc(anchor.text))
        guard !wanted.isEmpty else { return [] }
        for mode in [PageSegmentation.sparseText, .singleBlock, .auto] {
            guard let reading = try? page.recognize(region, options: RecognitionOptions(segmentation: mode)) else {
                continue
            }
            let found = runs(holding: wanted, in: reading.words.filter { !$0.text.isEmpty })
            if !found.isEmpty { return found.map(centerOf) }
        }
        return []
    }

    /// The boxes of runs of consecutive words whose text is `wanted` with at most one misread character in four
    /// (電話番呈 for 電話番号 on a blurred scan), or that hold it. jpn splits text into many one-character words, so
    /// runs are tried from every word; a match ends the search past its last word.
    static func runs(holding wanted: String, in words: [RecognizedWord]) -> [PixelRect] {
        let texts = words.map { TextFolding.removingSpaces(TextFolding.nfkc($0.text)) }
        let allowed = wanted.count / 4
        var matches: [PixelRect] = []
        var start = 0
        while start < words.count {
            var text = ""
            var end: Int?
            for index in start..<words.count {
                // Consecutive in reading order is not enough (sparse text jumps between lines): the next word must
                // follow on the same line, at most a character's height further right.
                if index > start {
                    let a = words[index - 1].box, b = words[index].box
                    let overlap = min(a.maxY, b.maxY) - max(a.y, b.y)
                    let gap = b.x - a.maxX
                    guard overlap * 2 > min(a.height, b.height), gap > -a.width / 2, gap < max(a.height, b.height)
                    else { break }
                }
                text += texts[index]
                if text.contains(wanted) || allowed > 0 && Suggestion.editDistance(text, wanted) <= allowed {
                    end = index
                    break
                }
                if text.count > wanted.count + 4 { break }
            }
            guard let end else {
                start += 1
                continue
            }
            var box = words[start...end].dropFirst().reduce(words[start].box) { union($0, $1.box) }
            // A run longer than the text (配偶者氏名 for 配偶者): the text's share of the run, characters being about
            // equally wide in a line of Japanese.
            if text.count > wanted.count, let range = text.range(of: wanted) {
                let before = text.distance(from: text.startIndex, to: range.lowerBound)
                let share = Double(box.width) / Double(text.count)
                box = PixelRect(
                    x: box.x + Int(Double(before) * share), y: box.y, width: Int(Double(wanted.count) * share),
                    height: box.height)
            }
            matches.append(box)
            start = end + 1
        }
        return matches
    }

    /// The similarity (scale, rotation, translation) taking the two `from` points to the two `to` points.
    /// The transform anchors found at `found` give: a full affine fit when they spread at least 40 mm both across
    /// and down the template, else the closest similarity (turn, one scale, shift). Labels of one column (x within
    /// 20 mm of each other) leave an affine fit free to shear and stretch across the page: on a −4.5° scan such a fit
    /// put a zone at the far side 36 mm off while the anchors themselves agreed within 0.3 mm.
    static func fit(from template: [Point], to found: [Point]) -> KamiflowCore.AffineTransform? {
        let xs = template.map(\.x), ys = template.map(\.y)
        guard let minX = xs.min(), let maxX = xs.max(), let minY = ys.min(), let maxY = ys.max() else { return nil }
        if maxX - minX >= 40 && maxY - minY >= 40 { return AffineFit.fit(from: template, to: found) }
        let n = Double(template.count)
        let from = (x: xs.reduce(0, +) / n, y: ys.reduce(0, +) / n)
        let to = (x: found.map(\.x).reduce(0, +) / n, y: found.map(\.y).reduce(0, +) / n)
        var dot = 0.0, cross = 0.0, norm = 0.0
        for (p, q) in zip(template, found) {
            let u = (x: p.x - from.x, y: p.y - from.y), v = (x: q.x - to.x, y: q.y - to.y)
            dot += u.x * v.x + u.y * v.y
            cross += u.x * v.y - u.y * v.x
            norm += u.x * u.x + u.y * u.y
        }
        guard norm > 0 else { return nil }
        let a = dot / norm, b = cross / norm
        return KamiflowCore.AffineTransform(
            a: a, b: -b, c: b, d: a, tx: to.x - (a * from.x - b * from.y), ty: to.y - (b * from.x + a * from.y))
    }

    static func similarity(from: (Point, Point), to: (Point, Point)) -> KamiflowCore.AffineTransform {
        let u = (x: from.1.x - from.0.x, y: from.1.y - from.0.y)
        let v = (x: to.1.x - to.0.x, y: to.1.y - to.0.y)
        let n = u.x * u.x + u.y * u.y
        // v = (a + ib) u as complex numbers.
        let a = (v.x * u.x + v.y * u.y) / n, b = (v.y * u.x - v.x * u.y) / n
        return KamiflowCore.AffineTransform(
            a: a, b: -b, c: b, d: a, tx: to.0.x - (a * from.0.x - b * from.0.y),
            ty: to.0.y - (b * from.0.x + a * from.0.y))
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

extension FormTemplate {
    /// The closed boxes the form prints, as registration by lines looks for them: each value cell (a zone grown by
    /// the cell margin), each マス目 box, checkboxes, ticked options' boxes, and the label cells of written fields
    /// (first row of a group only: later rows may print their labels as a column heading).
    package var printedBoxes: [TemplateRect] {
        var boxes: [TemplateRect] = []
        for placed in placedFields {
            let spec = placed.spec
            if let zone = spec.zone { boxes.append(zone.expanded(by: cellMargin)) }
            if let cells = spec.cells { boxes += cells.rects }
            if let box = spec.box { boxes.append(box) }
            if let marks = spec.marks, marks.style == .boxes { boxes += marks.options.map(\.rect) }
            if let label = spec.labelZone, placed.row ?? 0 == 0,
                spec.zone != nil || spec.cells != nil || spec.parts != nil
            {
                boxes.append(label)
            }
        }
        var unique: [TemplateRect] = []
        for box in boxes where !unique.contains(box) { unique.append(box) }
        return unique
    }
}
