import Foundation
public import KamiflowCore

/// The printed text and the lines to write on, found blob by blob: a form's labels sit between rules and boxes,
/// where a whole-page layout analysis garbles them, so each run of text on a line is found from its ink and read on
/// its own.
extension FormInspector {
    /// A blank scanned below 250 dpi, enlarged (bilinear) to 300 dpi; `nil` at 250 dpi or more, or when the image
    /// records no resolution. Its labels are what an author renames fields after: at 150 dpi a 10 pt label is 20 px
    /// high and Tesseract garbles it (受給 read as 受絵), enlarged it reads as at 300 dpi. Millimetres do not change.
    public static func enlarged(_ image: GrayImage) -> GrayImage? {
        guard image.resolution > 0, image.resolution < 250, image.width > 1, image.height > 1 else { return nil }
        let factor = 300 / image.resolution
        let width = Int((Double(image.width) * factor).rounded())
        let height = Int((Double(image.height) * factor).rounded())
        var pixels = [UInt8](repeating: 255, count: width * height)
        image.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let sy = min(Double(image.height - 1), max(0, (Double(y) + 0.5) / factor - 0.5))
                    let y0 = Int(sy)
                    let y1 = min(image.height - 1, y0 + 1)
                    let fy = sy - Double(y0)
                    for x in 0..<width {
                        let sx = min(Double(image.width - 1), max(0, (Double(x) + 0.5) / factor - 0.5))
                        let x0 = Int(sx)
                        let x1 = min(image.width - 1, x0 + 1)
                        let fx = sx - Double(x0)
                        let top =
                            Double(source[y0 * image.width + x0]) * (1 - fx) + Double(source[y0 * image.width + x1])
                            * fx
                        let bottom =
                            Double(source[y1 * image.width + x0]) * (1 - fx) + Double(source[y1 * image.width + x1])
                            * fx
                        target[y * width + x] = UInt8((top * (1 - fy) + bottom * fy).rounded())
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, resolution: 300, pixels: pixels)
    }

    /// Horizontal rules at least 15 mm long, solid or dotted, in pixels; `free` when no vertical rule touches one.
    static func horizontalRules(
        lines: [RuledLine], smallBlobs: [PixelRect], pxPerMM: Double
    ) -> (rules: [(box: PixelRect, dotted: Bool, free: Bool)], dots: Set<PixelRect>) {
        let minimum = 15 * pxPerMM
        let tolerance = max(2, 0.6 * pxPerMM)
        let verticals = lines.filter { $0.orientation == .vertical }
        func touchesVertical(_ box: PixelRect) -> Bool {
            let y = Double(box.y) + Double(box.height) / 2
            return verticals.contains { v in
                v.position >= Double(box.x) - tolerance && v.position <= Double(box.maxX) + tolerance
                    && y >= v.start - tolerance && y <= v.end + tolerance
            }
        }
        var rules: [(box: PixelRect, dotted: Bool, free: Bool)] = []
        for line in lines where line.orientation == .horizontal && Double(line.length) >= minimum {
            rules.append((line.box, false, !touchesVertical(line.box)))
        }
        // Dotted rules: twelve or more small dots in a row, close together, 15 mm or more end to end.
        var chains: [[PixelRect]] = []
        for blob in smallBlobs.sorted(by: { $0.x < $1.x }) {
            let cy = Double(blob.y) + Double(blob.height) / 2
            if let index = chains.lastIndex(where: { chain in
                let last = chain[chain.count - 1]
                let gap = Double(blob.x - last.maxX)
                return abs(Double(last.y) + Double(last.height) / 2 - cy) <= 0.4 * pxPerMM && gap >= -1
                    && gap <= 1.5 * pxPerMM
            }) {
                chains[index].append(blob)
            } else {
                chains.append([blob])
            }
        }
        var dots: Set<PixelRect> = []
        for chain in chains where chain.count >= 12 {
            let box = chain.dropFirst().reduce(chain[0]) { union($0, $1) }
            guard Double(box.width) >= minimum, Double(box.height) <= 1.2 * pxPerMM else { continue }
            chain.forEach { dots.insert($0) }
            rules.append((box, true, !touchesVertical(box)))
        }
        return (rules, dots)
    }

    /// Blobs of ink grouped into runs along a line: a blob joins the run whose band it shares and whose end it is
    /// near (less than 0.8 of the text's height away; a middle dot and the text either side of it, twice that).
    static func textRuns(_ blobs: [PixelRect]) -> [[PixelRect]] {
        var runs: [(box: PixelRect, blobs: [PixelRect])] = []
        for blob in blobs.sorted(by: { $0.x < $1.x }) {
            var best: (index: Int, gap: Int)?
            for (index, run) in runs.enumerated() {
                let overlap = min(blob.maxY, run.box.maxY) - max(blob.y, run.box.y)
                guard Double(overlap) >= 0.5 * Double(min(blob.height, run.box.height)) else { continue }
                let gap = blob.x - run.box.maxX
                let band = union(run.box, blob)
                let height = Double(band.height)
                let last = run.blobs[run.blobs.count - 1]
                let allowed =
                    isSeparatorDot(blob, in: band) || isSeparatorDot(last, in: band) ? 2.2 * height : 1.2 * height
                guard Double(gap) <= allowed, best == nil || gap < best!.gap else { continue }
                best = (index, gap)
            }
            if let best {
                runs[best.index].box = union(runs[best.index].box, blob)
                runs[best.index].blobs.append(blob)
            } else {
                runs.append((blob, [blob]))
            }
        }
        // A glyph whose top is a blob of its own (普, 学) may have started a run of its own: runs that overlap are one.
        var merged: [(box: PixelRect, blobs: [PixelRect])] = []
        for run in runs.sorted(by: { $0.box.x < $1.box.x }) {
            // Pieces of one glyph, one above the other (a 2 broken at 150 dpi), are one too.
            func stacked(_ a: PixelRect, _ b: PixelRect) -> Bool {
                let height = max(a.height, b.height)
                let verticalGap = max(a.y, b.y) - min(a.maxY, b.maxY)
                return min(a.maxX, b.maxX) > max(a.x, b.x) && Double(verticalGap) <= 0.4 * Double(height)
                    && Double(union(a, b).height) <= 1.5 * Double(height)
            }
            if let index = merged.firstIndex(where: {
                !$0.box.intersection(run.box).isEmpty || stacked($0.box, run.box)
            }) {
                merged[index].box = union(merged[index].box, run.box)
                merged[index].blobs = (merged[index].blobs + run.blobs).sorted { $0.x < $1.x }
            } else {
                merged.append(run)
            }
        }
        // A short run just before another on its line (a digit broken into pieces at 150 dpi, "2." before its text)
        // belongs to it.
        var joined: [(box: PixelRect, blobs: [PixelRect])] = []
        for run in merged.sorted(by: { $0.box.x < $1.box.x }) {
            if let index = joined.lastIndex(where: { previous in
                let overlap = min(previous.box.maxY, run.box.maxY) - max(previous.box.y, run.box.y)
                let gap = run.box.x - previous.box.maxX
                let height = max(previous.box.height, run.box.height)
                let short = { (r: PixelRect) in r.width <= 3 * r.height / 2 }
                return Double(overlap) >= 0.5 * Double(min(previous.box.height, run.box.height)) && gap >= 0
                    && Double(gap) <= 0.8 * Double(height) && (short(previous.box) || short(run.box))
            }) {
                joined[index].box = union(joined[index].box, run.box)
                joined[index].blobs += run.blobs
            } else {
                joined.append(run)
            }
        }
        return joined.map(\.blobs)
    }

    /// A middle dot (・) between alternatives: a small round blob in the middle of the line's height.
    static func isSeparatorDot(_ blob: PixelRect, in band: PixelRect) -> Bool {
        let height = Double(band.height)
        let side = Double(max(blob.width, blob.height))
        let center = Double(blob.y) + Double(blob.height) / 2
        let middle = Double(band.y) + height / 2
        return side <= 0.4 * height && Double(min(blob.width, blob.height)) >= 0.4 * side
            && abs(center - middle) <= 0.2 * height && height >= 6
    }

    /// Runs of print at least this tall (millimetres of ink) are headings, read a second time shrunk.
    static let headingHeight = 4.5
    /// The ink height, in pixels, a heading's second reading shrinks it to.
    static let headingLineHeight = 32.0

    /// Each run read as one line, in pixels, with its alternatives when middle dots split it.
    func readTexts(
        on page: any ReadablePage, pxPerMM: Double, excluding printed: [PixelRect], dots: Set<PixelRect>
    ) -> [(text: String, box: PixelRect, confidence: Double, blobs: [PixelRect], alternatives: [RecognizedWord])] {
        let blobs = page.inkComponents(in: nil, sides: 1...Int(9 * pxPerMM)).filter { blob in
            guard !dots.contains(blob), Double(max(blob.width, blob.height)) >= 0.15 * pxPerMM else { return false }
            // A checkbox's outline is a blob of its own.
            return !printed.contains { box in
                abs(box.x - blob.x) < Int(pxPerMM) && abs(box.maxX - blob.maxX) < Int(pxPerMM)
                    && abs(box.y - blob.y) < Int(pxPerMM) && abs(box.maxY - blob.maxY) < Int(pxPerMM)
            }
        }
        let margin = Int((0.6 * pxPerMM).rounded())
        func read(_ box: PixelRect, isolated: Bool = false) -> Reading? {
            let zone = PixelRect(
                x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin, height: box.height + 2 * margin)
            // Printed labels are read as they stand on the page, not isolated (RecognitionOptions.isolatesWriting).
            var options = RecognitionOptions(
                segmentation: .singleLine, language: labelLanguage, lineHeight: labelLineHeight)
            options.isolatesWriting = isolated
            return try? page.recognize(zone, options: options)
        }
        var texts:
            [(text: String, box: PixelRect, confidence: Double, blobs: [PixelRect], alternatives: [RecognizedWord])] =
                []
        for run in Self.textRuns(blobs) {
            let box = run.dropFirst().reduce(run[0]) { union($0, $1) }
            // Specks, and ink too tall for a line of print (a stamp box, a logo).
            guard Double(box.height) >= 1.0 * pxPerMM, Double(box.height) <= 9 * pxPerMM else { continue }
            guard var reading = read(box) else { continue }
            if reading.confidence < 10, let isolated = read(box, isolated: true),
                isolated.confidence > reading.confidence
            {
                // Tesseract sometimes finds no line in the page's rectangle (普通・当座 in a cell) where it reads the
                // same ink isolated.
                reading = isolated
            }
            if Double(box.height) >= Self.headingHeight * pxPerMM,
                let smaller = try? page.recognize(
                    PixelRect(
                        x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin,
                        height: box.height + 2 * margin),
                    options: RecognitionOptions(
                        segmentation: .singleLine, language: labelLanguage, lineHeight: Self.headingLineHeight)),
                smaller.confidence > reading.confidence
            {
                // A title in large bold print (5–6 mm of ink, 60–70 px at 300 dpi) is read worse as it stands than
                // shrunk: 印鑑登録申請書's 印 came back as "Eh". Its strokes are thick, so isolating loses none.
                reading = smaller
            }
            // A cell's side caught in the rectangle reads as a bar.
            let text = TextFolding.tidy(reading.text.filter { !"|｜".contains($0) })
            guard !text.isEmpty, reading.confidence >= 10 else { continue }
            // Alternatives: the blobs between middle dots, when Tesseract read a middle dot too. A dot stands apart:
            // no other blob shares its columns (the dots of ： and of 普 do).
            var segments: [[PixelRect]] = [[]]
            let readDots = text.filter { "・･·".contains($0) }.count
            // Candidates, best first: the dot with the widest space on its narrower side (a full-width ・ stands in
            // the middle of its own square).
            let candidates = run.enumerated().filter { index, blob in
                Self.isSeparatorDot(blob, in: box)
                    && !run.contains { other in other != blob && other.maxX > blob.x - 1 && other.x < blob.maxX + 1 }
                    && index > 0 && index < run.count - 1
            }.map { index, blob in
                (index, min(blob.x - run[..<index].map(\.maxX).max()!, run[(index + 1)...].map(\.x).min()! - blob.maxX))
            }.sorted { $0.1 > $1.1 }
            let separators = Set(candidates.prefix(readDots).map(\.0))
            for (index, blob) in run.enumerated() {
                if separators.contains(index) {
                    segments.append([])
                } else {
                    segments[segments.count - 1].append(blob)
                }
            }
            var alternatives: [RecognizedWord] = []
            if segments.count >= 2, segments.allSatisfy({ !$0.isEmpty }) {
                let parts = text.split(whereSeparator: { "・･·.".contains($0) }).map {
                    TextFolding.removingSpaces(String($0))
                }
                for (index, segment) in segments.enumerated() {
                    let rect = segment.dropFirst().reduce(segment[0]) { union($0, $1) }
                    var name = parts.count == segments.count ? parts[index] : ""
                    if name.isEmpty, let own = read(rect) {
                        name = TextFolding.removingSpaces(own.text)
                    }
                    alternatives.append(RecognizedWord(text: name, box: rect, confidence: reading.confidence))
                }
            }
            texts.append((text, box, reading.confidence, run, alternatives))
        }
        return texts.sorted { ($0.box.y, $0.box.x) < ($1.box.y, $1.box.x) }
    }
}
