import Glibc
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

@Suite struct AffineFitTests {
    /// 300 dpi, rotated 4°, scaled 1.04, shifted by (-110, 95) px: the kind of scan the alignment must survive.
    static let truth: AffineTransform = {
        let angle = 4.0 * Double.pi / 180
        let scale = 300 / 25.4 * 1.04
        return AffineTransform(
            a: scale * cos(angle), b: -scale * sin(angle), c: scale * sin(angle), d: scale * cos(angle),
            tx: -110, ty: 95)
    }()

    static let corners = [
        Point(x: 10.5, y: 10.5), Point(x: 199.5, y: 10.5), Point(x: 10.5, y: 286.5),
        Point(x: 199.5, y: 286.5),
    ]

    @Test func recoversAnAffineMapFromFourMarks() throws {
        let fitted = try #require(AffineFit.fit(from: Self.corners, to: Self.corners.map(Self.truth.apply)))
        for probe in [Point(x: 100, y: 150), Point(x: 0, y: 0), Point(x: 210, y: 297)] {
            let expected = Self.truth.apply(probe), got = fitted.apply(probe)
            #expect(abs(expected.x - got.x) < 1e-6 && abs(expected.y - got.y) < 1e-6)
        }
    }

    @Test func averagesOutNoiseInTheMarkCentres() throws {
        // Centres found on a real scan wobble by a pixel or two; the fit must not amplify that inside the page.
        let wobble = [(1.5, -1.0), (-1.0, 2.0), (0.5, 1.5), (-2.0, -0.5)]
        let found = zip(Self.corners, wobble).map { corner, delta in
            let p = Self.truth.apply(corner)
            return Point(x: p.x + delta.0, y: p.y + delta.1)
        }
        let fitted = try #require(AffineFit.fit(from: Self.corners, to: found))
        let centre = Point(x: 105, y: 148.5)
        let error = hypot(
            fitted.apply(centre).x - Self.truth.apply(centre).x,
            fitted.apply(centre).y - Self.truth.apply(centre).y)
        #expect(error < 2)
    }

    @Test func refusesDegeneratePoints() {
        let p = Point(x: 1, y: 1), q = Point(x: 5, y: 5)
        #expect(AffineFit.fit(from: [p, p, p], to: [q, q, q]) == nil)
        let line = (0..<4).map { Point(x: Double($0), y: Double($0)) }
        #expect(AffineFit.fit(from: line, to: line.map { Point(x: $0.x * 3, y: $0.y * 3) }) == nil)
        #expect(AffineFit.fit(from: [p, q], to: [q, p]) == nil)
    }
}
