import Glibc
import KamiflowCore
import Testing

@testable import KamiflowWorkflow

@Suite struct TemplateAlignmentTests {
    /// 300 dpi, rotated 4°, scaled 1.04, shifted by (-110, 95) px: the kind of scan the alignment must survive.
    static let truth: AffineTransform = {
        let angle = 4.0 * Double.pi / 180
        let scale = 300 / 25.4 * 1.04
        return AffineTransform(
            a: scale * cos(angle), b: -scale * sin(angle), c: scale * sin(angle), d: scale * cos(angle),
            tx: -110, ty: 95)
    }()

    static let corners = [Point(x: 10.5, y: 10.5), Point(x: 199.5, y: 10.5), Point(x: 10.5, y: 286.5),
                          Point(x: 199.5, y: 286.5)]

    @Test func recoversAnAffineMapFromFourMarks() throws {
        let pairs = Self.corners.map { TemplateAlignment.Correspondence(template: $0, scan: Self.truth.apply($0)) }
        let fitted = try #require(TemplateAlignment.fit(pairs))
        for probe in [Point(x: 100, y: 150), Point(x: 0, y: 0), Point(x: 210, y: 297)] {
            let expected = Self.truth.apply(probe), got = fitted.apply(probe)
            #expect(abs(expected.x - got.x) < 1e-6 && abs(expected.y - got.y) < 1e-6)
        }
        #expect(TemplateAlignment.worstResidual(fitted, pairs) < 1e-6)
    }

    @Test func averagesOutNoiseInTheMarkCentres() throws {
        // Centres found on a real scan wobble by a pixel or two; the fit must not amplify that inside the page.
        let wobble = [(1.5, -1.0), (-1.0, 2.0), (0.5, 1.5), (-2.0, -0.5)]
        let pairs = zip(Self.corners, wobble).map { corner, delta in
            let p = Self.truth.apply(corner)
            return TemplateAlignment.Correspondence(template: corner, scan: Point(x: p.x + delta.0, y: p.y + delta.1))
        }
        let fitted = try #require(TemplateAlignment.fit(pairs))
        let centre = Point(x: 105, y: 148.5)
        let error = hypot(fitted.apply(centre).x - Self.truth.apply(centre).x,
                          fitted.apply(centre).y - Self.truth.apply(centre).y)
        #expect(error < 2)
    }

    @Test func fitsASimilarityThroughTwoPoints() throws {
        let angle = -3.0 * Double.pi / 180, scale = 200 / 25.4
        let truth = AffineTransform(
            a: scale * cos(angle), b: -scale * sin(angle), c: scale * sin(angle), d: scale * cos(angle), tx: 40,
            ty: -25)
        let pairs = [Point(x: 30, y: 40), Point(x: 150, y: 220)].map {
            TemplateAlignment.Correspondence(template: $0, scan: truth.apply($0))
        }
        let fitted = try #require(TemplateAlignment.fit(pairs))
        let probe = Point(x: 180, y: 20)
        #expect(abs(fitted.apply(probe).x - truth.apply(probe).x) < 1e-6)
        #expect(abs(fitted.apply(probe).y - truth.apply(probe).y) < 1e-6)
    }

    @Test func refusesDegeneratePoints() {
        let p = TemplateAlignment.Correspondence(template: Point(x: 1, y: 1), scan: Point(x: 5, y: 5))
        #expect(TemplateAlignment.fit([p, p]) == nil)
        let collinear = (0..<4).map {
            TemplateAlignment.Correspondence(
                template: Point(x: Double($0), y: Double($0)), scan: Point(x: Double($0) * 3, y: Double($0) * 3))
        }
        #expect(TemplateAlignment.fit(collinear) == nil)
        #expect(TemplateAlignment.fit([p]) == nil)
    }

    @Test func findsAnchorTextSplitOverSeveralWords() {
        let words = [
            RecognizedWord(text: "児童", box: PixelRect(x: 100, y: 200, width: 60, height: 30), confidence: 90),
            RecognizedWord(text: "手当", box: PixelRect(x: 165, y: 202, width: 60, height: 30), confidence: 90),
            RecognizedWord(text: "認定請求書", box: PixelRect(x: 230, y: 200, width: 150, height: 32), confidence: 90),
            RecognizedWord(text: "氏名", box: PixelRect(x: 100, y: 400, width: 60, height: 30), confidence: 90),
        ]
        let found = TemplateAlignment.locateAnchors(
            [(text: "児童手当 認定請求書", centre: Point(x: 70, y: 20)), (text: "氏名", centre: Point(x: 20, y: 50)),
             (text: "住所", centre: Point(x: 20, y: 70))], in: words)
        #expect(found.count == 2)
        #expect(found.first?.scan == Point(x: 240, y: 216))
        #expect(found.last?.template == Point(x: 20, y: 50))
    }
}
