import Testing

@testable import KamiflowCore

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func matchesTheFIPSVectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func hashesInPiecesTheSameAsWhole() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256()
        for chunk in stride(from: 0, to: bytes.count, by: 777) {
            hasher.update(bytes[chunk..<min(chunk + 777, bytes.count)])
        }
        let pieces = hasher.finalize()
        var whole = SHA256()
        whole.update(bytes)
        #expect(pieces == whole.finalize())
    }

    @Test func millionAs() {
        #expect(
            SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct CivilDateTests {
    @Test func rejectsDaysThatDoNotExist() {
        #expect(CivilDate(validYear: 2023, month: 2, day: 29) == nil)
        #expect(CivilDate(validYear: 2024, month: 2, day: 29) != nil)
        #expect(CivilDate(validYear: 1900, month: 2, day: 29) == nil)
        #expect(CivilDate(validYear: 2000, month: 2, day: 29) != nil)
        #expect(CivilDate(validYear: 2024, month: 4, day: 31) == nil)
    }

    @Test func countsDaysFromTheEpoch() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2019, month: 5, day: 1).daysSinceEpoch == 18017)
        #expect(CivilDate(year: 1969, month: 12, day: 31).daysSinceEpoch == -1)
    }

    @Test(arguments: [0, 18017, -1, -719_468, 11_016, 47_541, -36_524, 60])
    func daysFromTheEpochRoundTrip(days: Int) {
        #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
    }

    @Test func addsDays() {
        #expect(CivilDate(daysSinceEpoch: 18017) == CivilDate(year: 2019, month: 5, day: 1))
        #expect(CivilDate(year: 2024, month: 2, day: 28).adding(days: 1) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate(year: 2023, month: 2, day: 28).adding(days: 1) == CivilDate(year: 2023, month: 3, day: 1))
        #expect(CivilDate(year: 2020, month: 1, day: 1).adding(days: -1) == CivilDate(year: 2019, month: 12, day: 31))
        #expect(CivilDate(year: 1970, month: 1, day: 1).adding(days: -1) == CivilDate(year: 1969, month: 12, day: 31))
    }

    @Test func printsISO() {
        #expect(CivilDate(year: 989, month: 1, day: 8).description == "0989-01-08")
    }
}

@Suite struct AffineTransformTests {
    @Test func inverseUndoesTheTransform() throws {
        let t = AffineTransform(a: 1.02, b: -0.05, c: 0.05, d: 1.02, tx: 30, ty: -12)
        let inverse = try #require(t.inverse)
        let p = Point(x: 123.4, y: 567.8)
        let back = inverse.apply(t.apply(p))
        #expect(abs(back.x - p.x) < 1e-9 && abs(back.y - p.y) < 1e-9)
    }

    @Test func concatenationAppliesTheRightOneFirst() {
        let scale = AffineTransform.scale(2, 3)
        let shift = AffineTransform(a: 1, b: 0, c: 0, d: 1, tx: 10, ty: 20)
        let p = shift.concatenating(scale).apply(Point(x: 1, y: 1))
        #expect(p == Point(x: 12, y: 23))
    }
}

@Suite("A table column indexed for one-edit lookups")
struct TableIndexTests {
    /// Every value one edit from each reading, found by the index, is what comparing the reading with every value
    /// finds; a swap of two characters is two edits.
    @Test func findsWhatAFullScanFinds() {
        let values = ["山田 和也", "山田 和夫", "山田 拓也", "山田 和", "山 和也", "田中 花子", "山田　和也", "ヤマダ カズヤ"]
        let index = TableIndex(values: values)
        #expect(index.exact("山田和也") == "山田 和也")  // spaces dropped, the table's own first spelling kept
        #expect(index.exact("ﾔﾏﾀﾞ ｶｽﾞﾔ") == "ヤマダ カズヤ")  // NFKC
        #expect(index.exact("山田和世") == nil)
        for reading in ["山田和世", "山田和也", "山田和", "山田和也子", "田山和也", "山和也", "ヤマダカスヤ", "田中花"] {
            let read = Array(MasterTableColumn.folded(reading))
            let scanned = Set(
                values.filter {
                    let value = Array(MasterTableColumn.folded($0))
                    return value != read && TableIndex.oneEditApart(value, read)
                }.map { MasterTableColumn.folded($0) })
            #expect(Set(index.oneEditFrom(reading).map { MasterTableColumn.folded($0) }) == scanned, "\(reading)")
        }
        // A substitution, a substitution, a deletion.
        #expect(index.oneEditFrom("山田和世") == ["山田 和", "山田 和也", "山田 和夫"])
        // 山田 swapped is two edits from 山田 和也; it is one (a deletion) from 山 和也.
        #expect(index.oneEditFrom("田山和也") == ["山 和也"])
        #expect(
            TableIndex.oneEditApart(Array("abc"), Array("abxc")) && !TableIndex.oneEditApart(Array("ab"), Array("ba")))
    }
}
