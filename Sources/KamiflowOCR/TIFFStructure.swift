import KamiflowCore

/// The page directories a TIFF file declares, walked from its own bytes rather than through libtiff.
///
/// libtiff stops counting pages at the first directory it cannot reach and reports the rest as absent, so a
/// three-page TIFF cut inside its third page reads as a good two-page file (libtiff writes a page's directory after
/// its pixels, and the cut loses it). The chain of directory offsets says how many pages the file *declares*: a link
/// that points past the end of the file, or a page whose strips or tiles end past it, is a truncated file, and the
/// scan is refused with the page named instead of being read as a shorter document.
struct TIFFStructure {
    /// How many page directories the chain declares, whether or not each can be read.
    let declaredPages: Int

    /// Walks classic TIFF (`II*\0`, `MM\0*`); BigTIFF (version 43) is left to libtiff, which reads it whole or not.
    /// Throws `corruptImage` naming the first page that is cut off or points outside the file. Stops counting after
    /// `limit` pages (the caller refuses more than that anyway).
    init?(_ bytes: [UInt8], limit: Int, subject: String) throws {
        guard bytes.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        let reader = Reader(bytes: bytes, littleEndian: littleEndian)
        guard reader.uint16(at: 2) == 42 else { return nil }
        func truncated(_ page: Int, _ what: String) -> KamiflowError {
            KamiflowError(
                .corruptImage,
                "page \(page) of the TIFF file is cut off (\(what) lies past the end of the \(bytes.count)-byte "
                    + "file): the file is truncated or damaged",
                subject: subject)
        }
        var offset = Int(reader.uint32(at: 4) ?? 0)
        var visited: Set<Int> = []
        var pages = 0
        while offset != 0 && pages <= limit {
            let page = pages + 1
            guard offset >= 8, let entries = reader.uint16(at: offset) else {
                throw truncated(page, "its directory")
            }
            let end = offset + 2 + Int(entries) * 12 + 4
            guard end <= bytes.count else { throw truncated(page, "its directory") }
            guard visited.insert(offset).inserted else {
                throw KamiflowError(
                    .corruptImage, "the TIFF's page directories form a loop at page \(page): the file is damaged",
                    subject: subject)
            }
            pages += 1
            try Self.checkData(reader, directory: offset, entries: Int(entries)) { throw truncated(page, $0) }
            offset = Int(reader.uint32(at: end - 4) ?? 0)
        }
        declaredPages = pages
    }

    /// Checks that the page's strips (or tiles) lie inside the file.
    private static func checkData(
        _ reader: Reader, directory: Int, entries: Int, fail: (String) throws -> Void
    ) throws {
        var offsets: [Int] = []
        var counts: [Int] = []
        for index in 0..<entries {
            let entry = directory + 2 + index * 12
            guard let tag = reader.uint16(at: entry) else { continue }
            // A value longer than four bytes lies elsewhere in the file (resolution, colour map, strip tables).
            if let size = reader.valueSize(ofEntryAt: entry), size > 4,
                let offset = reader.uint32(at: entry + 8).map(Int.init), size > reader.bytes.count - offset
            {
                return try fail("the value of its tag \(tag)")
            }
            switch tag {
            case 273, 324:  // StripOffsets, TileOffsets
                guard let values = reader.values(ofEntryAt: entry) else { return try fail("its strip table") }
                offsets = values
            case 279, 325:  // StripByteCounts, TileByteCounts
                guard let values = reader.values(ofEntryAt: entry) else { return try fail("its strip table") }
                counts = values
            default:
                continue
            }
        }
        guard offsets.count == counts.count else { return }  // libtiff judges a malformed directory itself
        for (start, count) in zip(offsets, counts) where start + count > reader.bytes.count {
            try fail("its image data")
        }
    }

    /// Reads TIFF integers in the file's byte order; `nil` past the end.
    private struct Reader {
        let bytes: [UInt8]
        let littleEndian: Bool

        func uint16(at offset: Int) -> UInt16? {
            guard offset >= 0, offset + 2 <= bytes.count else { return nil }
            let (a, b) = (UInt16(bytes[offset]), UInt16(bytes[offset + 1]))
            return littleEndian ? a | b << 8 : a << 8 | b
        }

        func uint32(at offset: Int) -> UInt32? {
            guard offset >= 0, offset + 4 <= bytes.count else { return nil }
            let values = (0..<4).map { UInt32(bytes[offset + $0]) }
            return littleEndian
                ? values[0] | values[1] << 8 | values[2] << 16 | values[3] << 24
                : values[0] << 24 | values[1] << 16 | values[2] << 8 | values[3]
        }

        /// How many bytes the value of the directory entry at `entry` takes; `nil` for a type TIFF 6.0 does not
        /// define (libtiff judges those).
        func valueSize(ofEntryAt entry: Int) -> Int? {
            guard let type = uint16(at: entry + 2), let count = uint32(at: entry + 4).map(Int.init) else { return nil }
            let sizes: [UInt16: Int] = [
                1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4,
            ]
            guard let size = sizes[type] else { return nil }
            return count.multipliedReportingOverflow(by: size).overflow ? Int.max : count * size
        }

        /// The SHORT or LONG values of the directory entry at `entry`, inline or at the offset it gives; `nil` when
        /// they lie past the end of the file, empty for an entry of another type (libtiff judges those).
        func values(ofEntryAt entry: Int) -> [Int]? {
            guard let type = uint16(at: entry + 2), let count = uint32(at: entry + 4).map(Int.init) else { return [] }
            let size: Int
            switch type {
            case 3: size = 2  // SHORT
            case 4: size = 4  // LONG
            default: return []
            }
            guard count <= bytes.count / size else { return nil }
            let base = count * size <= 4 ? entry + 8 : uint32(at: entry + 8).map(Int.init) ?? -1
            guard base >= 0, base + count * size <= bytes.count else { return nil }
            return (0..<count).compactMap { index in
                size == 2 ? uint16(at: base + index * 2).map(Int.init) : uint32(at: base + index * 4).map(Int.init)
            }
        }
    }
}
