import Foundation
import KamiflowCore
import KamiflowOCR
import Testing

@testable import KamiflowForms

/// Share of dark pixels (< 128) of `rect` in `image`.
func darkShare(_ image: GrayImage, _ rect: PixelRect) -> Double {
    let r = rect.intersection(PixelRect(x: 0, y: 0, width: image.width, height: image.height))
    guard !r.isEmpty else { return 0 }
    var dark = 0
    for y in r.y..<r.maxY {
        for x in r.x..<r.maxX where image.pixels[y * image.width + x] < 128 { dark += 1 }
    }
    return Double(dark) / Double(r.area)
}

func pixelRect(_ r: PaperRect, _ transform: KamiflowCore.AffineTransform) -> PixelRect {
    transform.boundingRect(x: r.x, y: r.y, width: r.width, height: r.height)
}

@Suite("Ink on paper matches the ground truth")
struct InkTests {
    let dpi = 150.0
    var mmToPx: KamiflowCore.AffineTransform { .scale(dpi / 25.4, dpi / 25.4) }

    @Test("a ticked box holds ink inside its printed border, an unticked one none")
    func checkboxes() throws {
        let layout = TestLayouts.jidou
        for index in 0..<6 {
            let form = FormFiller().fill(layout, seed: 21, index: index)
            let image = try FormRenderer().image(layout, filled: form, dpi: dpi, seed: 5)
            guard case .options(let options, _) = layout.field("pension")!.marking else { return }
            let chosen = try #require(form.field("pension")?.truth)
            for option in options {
                // Inside the printed border (0.3 mm rule) by 0.6 mm.
                let share = darkShare(image, pixelRect(option.rect.expanded(by: -0.6), mmToPx))
                if option.name == chosen {
                    #expect(share > 0.12, "\(option.name) ticked: \(share)")
                } else {
                    #expect(share < 0.01, "\(option.name) empty: \(share)")
                }
            }
        }
    }

    @Test("a circle is drawn around the chosen printed option only")
    func circles() throws {
        let layout = TestLayouts.jidou
        guard case .options(let options, _) = layout.field("claimant.sex")!.marking else { return }
        for index in 0..<6 {
            let form = FormFiller().fill(layout, seed: 4, index: index)
            let blank = try FormRenderer().image(layout, dpi: dpi)
            let filled = try FormRenderer().image(layout, filled: form, dpi: dpi, seed: 9)
            let chosen = try #require(form.field("claimant.sex")?.truth)
            for option in options {
                // The ring between the option's printed text and 2.5 mm outside it: only the circle puts ink there.
                let ring = pixelRect(option.rect.expanded(by: 2.5), mmToPx)
                let added = darkShare(filled, ring) - darkShare(blank, ring)
                if option.name == chosen {
                    #expect(added > 0.03, "\(option.name): \(added)")
                } else {
                    #expect(abs(added) < 0.001, "\(option.name): \(added)")
                }
            }
        }
    }

    @Test("boxed characters: each cell of a filled マス目 row has ink, cells past the value none")
    func cells() throws {
        let layout = TestLayouts.jidou
        let form = FormFiller().fill(layout, seed: 30, index: 1)
        let image = try FormRenderer().image(layout, filled: form, dpi: dpi)
        guard case .cells(let cells) = layout.field("claimant.number")!.marking else { return }
        for cell in cells {
            #expect(darkShare(image, pixelRect(cell.expanded(by: -0.8), mmToPx)) > 0.03)
        }
        let blank = try FormRenderer().image(layout, dpi: dpi)
        for cell in cells {
            #expect(darkShare(blank, pixelRect(cell.expanded(by: -0.8), mmToPx)) == 0)
        }
    }
}

@Suite("Scan simulation")
struct ScanTests {
    func page(dpi: Double) throws -> GrayImage {
        try FormRenderer().image(
            TestLayouts.jidou, filled: FormFiller().fill(TestLayouts.jidou, seed: 1, index: 0),
            dpi: dpi)
    }

    @Test("the same seed gives the same scan; another seed another one", arguments: ["office-scanner", "fax"])
    func deterministic(profileName: String) throws {
        var profile = try #require(ScanProfile.named[profileName])
        profile.dpi = 100
        let source = try page(dpi: 100)
        let a = ScanSimulator(profile: profile).scan(source, seed: 77)
        let b = ScanSimulator(profile: profile).scan(source, seed: 77)
        let c = ScanSimulator(profile: profile).scan(source, seed: 78)
        #expect(a.image == b.image && a.geometry == b.geometry)
        #expect(a.image != c.image)
        #expect(abs(a.geometry.skewDegrees) <= profile.maxSkewDegrees)
        #expect(abs(a.geometry.scale - 1) <= profile.maxScaleError)
    }

    @Test("the recorded transform puts every registration mark where the scan has it")
    func transformIsExact() throws {
        var profile = ScanProfile.officeScanner
        profile.dpi = 100
        profile.noise = 0
        profile.specksPerMegapixel = 0
        profile.maxSkewDegrees = 4
        let source = try page(dpi: 100)
        for seed in UInt64(1)...4 {
            let (scan, geometry) = ScanSimulator(profile: profile).scan(source, seed: seed)
            for mark in TestLayouts.jidou.registrationMarks {
                let centre = geometry.transform.apply(Point(x: mark.midX, y: mark.midY))
                let probe = PixelRect(x: Int(centre.x) - 3, y: Int(centre.y) - 3, width: 6, height: 6)
                #expect(darkShare(scan, probe) > 0.95, "seed \(seed) mark at \(mark)")
                // 5 mm further out is paper.
                let outside = geometry.transform.apply(Point(x: mark.midX, y: mark.midY + 6))
                #expect(
                    darkShare(scan, PixelRect(x: Int(outside.x) - 2, y: Int(outside.y) - 2, width: 4, height: 4))
                        < 0.2)
            }
        }
    }

    @Test("a fax is 1-bit; an office scan has grey paper and noise")
    func tones() throws {
        var fax = ScanProfile.fax
        fax.dpi = 100
        let faxScan = ScanSimulator(profile: fax).scan(try page(dpi: 100), seed: 3).image
        #expect(Set(faxScan.pixels).isSubset(of: [0, 255]))
        var office = ScanProfile.officeScanner
        office.dpi = 100
        let officeScan = ScanSimulator(profile: office).scan(try page(dpi: 100), seed: 3).image
        let levels = Set(officeScan.pixels)
        #expect(levels.count > 50)
        let mean = Double(officeScan.pixels.reduce(0) { $0 + Int($1) }) / Double(officeScan.pixels.count)
        #expect(mean > 200 && mean < 245)
    }
}
