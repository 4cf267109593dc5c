public import KamiflowCore
import KamiflowOCR

/// How a simulated scanner degrades paper. Each effect is a knob; the named profiles are starting points.
public struct ScanProfile: Hashable, Sendable, Codable {
    public var name: String
    /// Resolution the page is scanned at.
    public var dpi: Double
    /// The page is rotated by a random angle within ± this many degrees.
    public var maxSkewDegrees: Double
    /// The page is shifted by up to this many millimetres in x and in y.
    public var maxShiftMM: Double
    /// The page is scaled by a random factor within 1 ± this (0.02 = ±2%).
    public var maxScaleError: Double
    /// Grey level of the paper (255 = pure white) and of full ink (0 = pure black).
    public var paperLevel: Double
    public var inkLevel: Double
    /// Standard deviation of per-pixel grey noise, in grey levels.
    public var noise: Double
    /// Dark specks (dust, toner) per million pixels.
    public var specksPerMegapixel: Double
    /// JPEG quality the scanner compresses with (`nil`: lossless).
    public var jpegQuality: Int?
    /// 1-bit output (fax): pixels darker than `threshold` become black, the rest white.
    public var bilevel: Bool
    public var threshold: Double

    public init(
        name: String, dpi: Double = 300, maxSkewDegrees: Double = 0, maxShiftMM: Double = 0, maxScaleError: Double = 0,
        paperLevel: Double = 255, inkLevel: Double = 0, noise: Double = 0, specksPerMegapixel: Double = 0,
        jpegQuality: Int? = nil, bilevel: Bool = false, threshold: Double = 128
    ) {
        self.name = name
        self.dpi = dpi
        self.maxSkewDegrees = maxSkewDegrees
        self.maxShiftMM = maxShiftMM
        self.maxScaleError = maxScaleError
        self.paperLevel = paperLevel
        self.inkLevel = inkLevel
        self.noise = noise
        self.specksPerMegapixel = specksPerMegapixel
        self.jpegQuality = jpegQuality
        self.bilevel = bilevel
        self.threshold = threshold
    }

    /// The printed page as it is: no skew, no noise.
    public static let clean = ScanProfile(name: "clean")

    /// An office MFP feeding A4 through its ADF: 300 dpi, a little skew, shift and scale, grey paper, sensor noise,
    /// JPEG compression.
    public static let officeScanner = ScanProfile(
        name: "office-scanner", dpi: 300, maxSkewDegrees: 2, maxShiftMM: 3, maxScaleError: 0.02, paperLevel: 242,
        inkLevel: 25, noise: 6, specksPerMegapixel: 8, jpegQuality: 80)

    /// A fax: 200 dpi, 1-bit, heavier noise and specks (sent as CCITT G4).
    public static let fax = ScanProfile(
        name: "fax", dpi: 200, maxSkewDegrees: 1.5, maxShiftMM: 4, maxScaleError: 0.02, paperLevel: 235,
        inkLevel: 30, noise: 18, specksPerMegapixel: 60, bilevel: true, threshold: 140)

    public static let named: [String: ScanProfile] = [
        "clean": .clean, "office-scanner": .officeScanner, "fax": .fax,
    ]
}

/// The geometry a simulated scan applied, so alignment tests know exactly where every zone landed.
public struct ScanGeometry: Hashable, Sendable, Codable {
    public var skewDegrees: Double
    public var shiftMM: Point
    public var scale: Double
    /// Template millimetres → scan pixels.
    public var transform: AffineTransform
}

/// Degrades rendered pages the way scanners do, in pure Swift and deterministically for a seed.
public struct ScanSimulator: Sendable {
    public var profile: ScanProfile

    public init(profile: ScanProfile) {
        self.profile = profile
    }

    /// Scans `page` (rendered at `profile.dpi`, `widthMM` wide). Returns the scan and where the template went.
    package func scan(_ page: GrayImage, seed: UInt64) -> (image: GrayImage, geometry: ScanGeometry) {
        var random = SeededRandom(seed: seed, stream: "scan")
        let angle = random.double(in: -1...1) * profile.maxSkewDegrees
        let shift = Point(
            x: random.double(in: -1...1) * profile.maxShiftMM, y: random.double(in: -1...1) * profile.maxShiftMM)
        let scale = 1 + random.double(in: -1...1) * profile.maxScaleError
        return scan(page, skewDegrees: angle, shiftMM: shift, scale: scale, random: &random)
    }

    /// Scans `page` placed exactly so: rotated by `skewDegrees` and scaled by `scale` about the page centre, then
    /// moved by `shiftMM`; the profile's tone, noise and specks come from `seed`. Alignment tests use this to try
    /// the extremes of the range registration must handle.
    package func scan(
        _ page: GrayImage, skewDegrees: Double, shiftMM: Point, scale: Double, seed: UInt64
    )
        -> (image: GrayImage, geometry: ScanGeometry)
    {
        var random = SeededRandom(seed: seed, stream: "scan")
        return scan(page, skewDegrees: skewDegrees, shiftMM: shiftMM, scale: scale, random: &random)
    }

    func scan(
        _ page: GrayImage, skewDegrees angle: Double, shiftMM shift: Point, scale: Double,
        random: inout SeededRandom
    ) -> (image: GrayImage, geometry: ScanGeometry) {
        let pxPerMM = page.resolution / 25.4
        let cx = Double(page.width) / 2, cy = Double(page.height) / 2
        let radians = angle * Double.pi / 180
        let cosA = cos(radians) * scale, sinA = sin(radians) * scale
        // page pixels → scan pixels: rotate and scale about the centre, then shift.
        let pageToScan = AffineTransform(
            a: cosA, b: -sinA, c: sinA, d: cosA,
            tx: cx - cosA * cx + sinA * cy + shift.x * pxPerMM, ty: cy - sinA * cx - cosA * cy + shift.y * pxPerMM)
        let templateToScan = pageToScan.concatenating(.scale(pxPerMM, pxPerMM))
        var image = page
        if angle != 0 || scale != 1 || shift.x != 0 || shift.y != 0 {
            image = Self.resample(page, mapping: pageToScan.inverse ?? .identity)
        }
        applyTone(&image, random: &random)
        let geometry = ScanGeometry(skewDegrees: angle, shiftMM: shift, scale: scale, transform: templateToScan)
        return (image, geometry)
    }

    /// Bilinear resampling: each output pixel reads the source at `mapping(output)`; outside the source is paper.
    static func resample(_ source: GrayImage, mapping: AffineTransform) -> GrayImage {
        let w = source.width, h = source.height
        var out = [UInt8](repeating: 255, count: w * h)
        source.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    // Walk the row incrementally: x' = a·x + b·y + tx.
                    var sx = mapping.b * Double(y) + mapping.tx
                    var sy = mapping.d * Double(y) + mapping.ty
                    for x in 0..<w {
                        if sx >= 0, sy >= 0, sx < Double(w - 1), sy < Double(h - 1) {
                            let x0 = Int(sx), y0 = Int(sy)
                            let fx = sx - Double(x0), fy = sy - Double(y0)
                            let i = y0 * w + x0
                            let top = Double(src[i]) * (1 - fx) + Double(src[i + 1]) * fx
                            let bottom = Double(src[i + w]) * (1 - fx) + Double(src[i + w + 1]) * fx
                            dst[y * w + x] = UInt8(max(0, min(255, (top * (1 - fy) + bottom * fy).rounded())))
                        }
                        sx += mapping.a
                        sy += mapping.c
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, resolution: source.resolution, pixels: out)
    }

    /// Paper and ink levels, sensor noise, specks and (for fax) the 1-bit threshold.
    func applyTone(_ image: inout GrayImage, random: inout SeededRandom) {
        let paper = profile.paperLevel, ink = profile.inkLevel
        let span = (paper - ink) / 255
        // A table of normal deviates indexed by random bits: per-pixel Box–Muller would dominate the run time.
        let table = (0..<4096).map { _ in random.gaussian() * profile.noise }
        let threshold = profile.threshold
        let bilevel = profile.bilevel
        let toneIsIdentity = paper == 255 && ink == 0 && profile.noise == 0
        if !toneIsIdentity || bilevel {
            var bits: UInt64 = 0
            var left = 0
            image.pixels.withUnsafeMutableBufferPointer { px in
                for i in px.indices {
                    if left == 0 {
                        bits = random.next()
                        left = 5
                    }
                    let n = table[Int(bits & 0xFFF)]
                    bits >>= 12
                    left -= 1
                    var v = ink + Double(px[i]) * span + n
                    if bilevel { v = v < threshold ? 0 : 255 }
                    px[i] = UInt8(max(0, min(255, v.rounded())))
                }
            }
        }
        let specks = Int(profile.specksPerMegapixel * Double(image.width * image.height) / 1_000_000)
        for _ in 0..<specks {
            let x = random.below(image.width), y = random.below(image.height)
            let radius = random.int(in: 0...1)
            let level: UInt8 = bilevel ? 0 : UInt8(random.int(in: 20...120))
            for dy in -radius...radius {
                for dx in -radius...radius {
                    let px = x + dx, py = y + dy
                    if px >= 0, py >= 0, px < image.width, py < image.height {
                        image.pixels[py * image.width + px] = level
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
