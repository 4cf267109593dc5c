import Foundation
public import KamiflowCore

/// The printed structure of a reference form (`form.reference`): where its long ruled lines cross or end, in
/// template millimetres. It is found on the blank once and matched on every scan; nothing here comes from the zones.
public struct ReferenceStructure: Hashable, Sendable {
    /// Crossings and corners of horizontal and vertical rules, and the ends of rules that meet nothing (a write-in
    /// line), in millimetres.
    public var points: [Point]
    /// The blank's ink around the form's marks (`PrintedInk.areas`), so that a mark is judged by what a person drew
    /// there and not by what was printed; `nil` when not sampled.
    public var printed: PrintedInk?

    public init(points: [Point], printed: PrintedInk? = nil) {
        self.points = points
        self.printed = printed
    }

    /// Rules at least this long count (shorter runs are strokes of printed text).
    static let minimumLengthMM = 6.0
    /// Rules at most this thick (thicker runs are solid blocks).
    static let maximumThicknessMM = 1.0
    /// Two rules meet when one reaches the other within this distance (scanned rules end a little short).
    static let meetingMM = 0.8

    /// The structure of a page at `pxPerMM` pixels a millimetre, in millimetres.
    public static func of(_ page: any ReadablePage, pxPerMM: Double) -> ReferenceStructure {
        ReferenceStructure(
            points: points(on: page, pxPerMM: pxPerMM).map { Point(x: $0.x / pxPerMM, y: $0.y / pxPerMM) })
    }

    /// The same points in the page's pixels.
    static func points(on page: any ReadablePage, pxPerMM: Double) -> [Point] {
        let lines = page.ruledLines(
            minimumLength: Int(minimumLengthMM * pxPerMM), maximumThickness: max(2, Int(maximumThicknessMM * pxPerMM)))
        let horizontals = lines.filter { $0.orientation == .horizontal }
        let verticals = lines.filter { $0.orientation == .vertical }
        let reach = meetingMM * pxPerMM
        func meet(_ h: RuledLine, _ v: RuledLine) -> Bool {
            v.position >= h.start - reach && v.position <= h.end + reach && h.position >= v.start - reach
                && h.position <= v.end + reach
        }
        var points: [Point] = []
        var metH = Set<Int>(), metV = Set<Int>()
        for (i, h) in horizontals.enumerated() {
            for (j, v) in verticals.enumerated() where meet(h, v) {
                points.append(Point(x: v.position, y: h.position))
                metH.insert(i)
                metV.insert(j)
            }
        }
        // A rule that crosses nothing (住所 written on a line) is placed by its two ends.
        for (i, h) in horizontals.enumerated() where !metH.contains(i) && Double(h.length) >= 20 * pxPerMM {
            points += [Point(x: h.start, y: h.position), Point(x: h.end, y: h.position)]
        }
        for (j, v) in verticals.enumerated() where !metV.contains(j) && Double(v.length) >= 20 * pxPerMM {
            points += [Point(x: v.position, y: v.start), Point(x: v.position, y: v.end)]
        }
        // Crossings of doubled or thick rules found twice: keep one per 0.5 mm.
        var kept: [Point] = []
        for p in points.sorted(by: { ($0.y, $0.x) < ($1.y, $1.x) })
        where !kept.contains(where: { abs($0.x - p.x) < 0.5 * pxPerMM && abs($0.y - p.y) < 0.5 * pxPerMM }) {
            kept.append(p)
        }
        return kept
    }
}

extension Registrar {
    /// How far a registered point may lie from where the fit puts it, and how many must agree.
    static let referenceToleranceMM = 0.6

    /// Aligns a (deskewed) scan to its reference by the reference's own printed structure.
    ///
    /// Every pairing of a reference point with a scan point votes, at each of 21 scales within ±5 %, for a
    /// translation in 1 mm bins (within 25 mm of an unmoved scan); the best-supported similarity transform then
    /// matches points within 2 mm, an affine transform is fitted to them, and matching and fitting are repeated at
    /// 1 mm and at the tolerance. The page registers when at least eight points and a fifth of the reference's
    /// agree within the tolerance (a 150-dpi scan loses many thin rules) and they span half the page each way;
    /// else it is unregistered, with the counts.
    func registerByReference(
        _ page: any ReadablePage, structure: ReferenceStructure, nominal: KamiflowCore.AffineTransform
    )
        -> Result<RegistrationResult, KamiflowError>
    {
        let pxPerMM = nominal.a
        let reference = structure.points
        let found = ReferenceStructure.points(on: page, pxPerMM: pxPerMM)
        let needed = max(8, reference.count / 5)
        func failure(_ matched: Int, _ why: String = "") -> Result<RegistrationResult, KamiflowError> {
            .failure(
                KamiflowError(
                    .recognitionFailed,
                    "unregistered: \(matched) of the reference's \(reference.count) printed line crossings and ends matched on page \(page.index + 1) (\(found.count) found on the page, \(needed) needed\(why)); the scan may be cropped, rotated, of another form or of another resolution than it records"
                ))
        }
        guard reference.count >= 4, found.count >= 4 else { return failure(0) }
        let reach = 25 * pxPerMM
        var best: (score: Int, scale: Double, t: SIMD2<Double>)?
        for step in -10...10 {
            let s = pxPerMM * (1 + Double(step) * 0.005)
            var votes: [SIMD2<Int>: [Int: SIMD2<Double>]] = [:]
            for (r, point) in reference.enumerated() {
                for q in found {
                    let t = SIMD2(q.x - s * point.x, q.y - s * point.y)
                    guard abs(t.x - nominal.tx) < reach, abs(t.y - nominal.ty) < reach else { continue }
                    let bin = SIMD2(Int((t.x / pxPerMM).rounded(.down)), Int((t.y / pxPerMM).rounded(.down)))
                    votes[bin, default: [:]][r] = t
                }
            }
            for bin in votes.keys where (votes[bin]?.count ?? 0) * 9 > (best?.score ?? 0) {
                var members: [Int: SIMD2<Double>] = [:]
                for dx in -1...1 {
                    for dy in -1...1 {
                        for (r, t) in votes[bin &+ SIMD2(dx, dy)] ?? [:] where members[r] == nil { members[r] = t }
                    }
                }
                if members.count > (best?.score ?? 0) {
                    let mean = members.values.reduce(SIMD2<Double>(0, 0), +) / Double(members.count)
                    best = (members.count, s, mean)
                }
            }
        }
        guard let best, best.score >= 4 else { return failure(best?.score ?? 0) }
        var transform = KamiflowCore.AffineTransform(
            a: best.scale, b: 0, c: 0, d: best.scale, tx: best.t.x, ty: best.t.y)
        var pairs: [(Point, Point)] = []
        for toleranceMM in [2.0, 1.0, Self.referenceToleranceMM] {
            pairs = Self.nearest(reference, found, transform: transform, tolerance: toleranceMM * pxPerMM)
            guard pairs.count >= 4, let fitted = AffineFit.fit(from: pairs.map(\.0), to: pairs.map(\.1)) else {
                return failure(pairs.count)
            }
            transform = fitted
        }
        pairs = Self.nearest(reference, found, transform: transform, tolerance: Self.referenceToleranceMM * pxPerMM)
        guard pairs.count >= needed else { return failure(pairs.count) }
        // Points bunched in one table fix that table, not the page: they must span half of it each way.
        let xs = pairs.map(\.0.x), ys = pairs.map(\.0.y)
        let spanX = (xs.max() ?? 0) - (xs.min() ?? 0), spanY = (ys.max() ?? 0) - (ys.min() ?? 0)
        let refXs = reference.map(\.x), refYs = reference.map(\.y)
        let fullX = (refXs.max() ?? 0) - (refXs.min() ?? 0), fullY = (refYs.max() ?? 0) - (refYs.min() ?? 0)
        guard spanX >= 0.5 * fullX, spanY >= 0.5 * fullY else {
            return failure(pairs.count, "; they span \(Int(spanX)) × \(Int(spanY)) mm of \(Int(fullX)) × \(Int(fullY))")
        }
        let scale = (transform.a * transform.d - transform.b * transform.c).squareRoot() / pxPerMM
        guard abs(scale - 1) < 0.06 else {
            return failure(pairs.count, "; the fit scales the page by \(Int((scale * 100).rounded())) %")
        }
        let residual = pairs.map { distance(transform.apply($0.0), $0.1) }.max() ?? 0
        return .success(
            RegistrationResult(
                transform: transform, method: "reference", found: pairs.count, expected: reference.count,
                residual: residual, points: pairs.map(\.1)))
    }

    /// Each reference point with the nearest found point within `tolerance` pixels of where `transform` puts it;
    /// a found point serves one reference point at most.
    static func nearest(
        _ reference: [Point], _ found: [Point], transform: KamiflowCore.AffineTransform, tolerance: Double
    )
        -> [(Point, Point)]
    {
        var used = Set<Int>()
        var pairs: [(Point, Point)] = []
        for r in reference {
            let expected = transform.apply(r)
            var bestIndex: Int?
            var bestDistance = tolerance
            for (i, q) in found.enumerated() where !used.contains(i) {
                let d = distance(expected, q)
                if d < bestDistance {
                    bestDistance = d
                    bestIndex = i
                }
            }
            if let bestIndex {
                used.insert(bestIndex)
                pairs.append((r, found[bestIndex]))
            }
        }
        return pairs
    }
}

/// The reference blanks' structures, read once per extractor (a blank is decoded and its rules found the first time
/// a scan is extracted, then kept).
final class ReferenceCache: @unchecked Sendable {
    private let lock = NSLock()
    private var found: [String: ReferenceStructure] = [:]

    /// One entry per workflow: the structure of its reference when it is registered by it, else `nil`. A reference
    /// that cannot be decoded is an error naming the file (every scan of that workflow would be unregistered).
    func structures(of workflows: [Workflow], reader: any TextReader) async throws -> [ReferenceStructure?] {
        var result: [ReferenceStructure?] = []
        for workflow in workflows {
            guard let path = workflow.form.reference, workflow.form.registration == .lines else {
                result.append(nil)
                continue
            }
            let key = "\(workflow.id)\u{0}\(path)"
            if let known = lock.withLock({ found[key] }) {
                result.append(known)
                continue
            }
            let fallbackDPI = workflow.form.page.dpi
            let areas = PrintedInk.areas(of: workflow.form)
            let structure = try await reader.withPages(of: .file(path: path), preparation: Preparation()) { page in
                let dpi = page.report.resolution > 0 ? page.report.resolution : fallbackDPI
                var structure = ReferenceStructure.of(page, pxPerMM: dpi / 25.4)
                structure.printed = PrintedInk.of(page, pxPerMM: dpi / 25.4, areas: areas)
                return structure
            }.first
            guard let structure else {
                throw KamiflowError(.invalidWorkflow, "the reference image has no page", subject: path)
            }
            lock.withLock { found[key] = structure }
            result.append(structure)
        }
        return result
    }
}
