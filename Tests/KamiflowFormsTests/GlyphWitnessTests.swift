import Foundation
import KamiflowCore
import KamiflowOCR
import Testing

@testable import KamiflowForms
@testable import KamiflowWorkflow

/// The glyph witness: free text printed in the typeface a workflow names, read a second time by comparing its glyphs
/// with the typeface's own.
@Suite("Glyph witness")
struct GlyphWitnessTests {
    static let today = CivilDate(year: 2026, month: 11, day: 21)

    static func shipped(_ name: String) throws -> Workflow {
        try #require(
            WorkflowLoader().load(file: ShippedWorkflows.directory.appendingPathComponent(name).path).workflow)
    }

    /// Scan `number` of the `count` office-scanner scans `kamiflow samples --seed SEED --defects 0.1` makes of
    /// `workflow` (its forms' "today" the command's default).
    static func officeScan(
        _ number: Int, of count: Int, seed: UInt64, format: SampleFormat, printing workflow: Workflow
    ) throws -> SampleFile {
        try SampleBatch(
            layout: FormLayout(workflow: workflow),
            configuration: SampleBatchConfiguration(
                count: count, seed: seed, profile: .officeScanner, format: format, defectRate: 0.1,
                referenceDate: CivilDate(year: 2026, month: 10, day: 1))
        ).file(number)
    }

    @Test("a name with a kanji neither Tesseract model has (颯) is read by the witness, and still goes to a person")
    func kanjiOutsideTheModels() async throws {
        // Sample 33 of seed 1111: the applicant is 岡田 颯太. jpn and Japanese have no 颯 in their character sets, so
        // Tesseract alone cannot read the name whatever it does.
        let workflow = try Self.shipped("kyufukin-shinsei.yaml")
        let batch = SampleBatch(
            layout: FormLayout(workflow: workflow),
            configuration: SampleBatchConfiguration(
                count: 33, seed: 1111, profile: .officeScanner, format: .png, defectRate: 0, referenceDate: Self.today))
        let sample = try batch.file(32)
        let printed = try #require(sample.truth.forms.first?.values["head.name"])
        #expect(printed.contains("颯"))
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn"), workers: 1)
        func headName(_ typefaces: (any TypefaceLibrary)?) async throws -> FieldResult? {
            let extractor = Extractor(
                workflows: [workflow], reader: pool,
                configuration: ExtractionConfiguration(
                    preparation: Preparation(deskew: true), today: Self.today, typefaces: typefaces))
            let result = try await extractor.extract(.bytes(sample.bytes, name: sample.name), scanID: "x")
            return result.records.first?.fields.first { $0.path == "head.name" }
        }
        let alone = try #require(try await headName(nil))
        let witnessed = try #require(try await headName(try TypefaceGlyphs(for: [workflow])))
        await pool.shutdown()
        #expect(!alone.value.textValue.contains("颯"), "\(alone.value.textValue)")
        #expect(witnessed.value.textValue.filter { !$0.isWhitespace } == printed.filter { !$0.isWhitespace })
        // The witness alone bears the name out (neither model has 颯): below the floor, so a person looks.
        #expect((witnessed.confidence ?? 100) < workflow.review.confidenceFloor)
    }

    @Test("the typeface's glyphs: JIS X 0213's kanji and kana with Latin letters and digits, not the bare strokes")
    func repertoire() throws {
        let library = try TypefaceGlyphs(for: [Self.shipped("jidou-teate-nintei.yaml")])
        let glyphs = try #require(library.templates(for: "ipagp.ttf"))
        let characters = Set(glyphs.characters)
        #expect(characters.count > 6_000)
        for character in "颯紬凜亮葵翔ソァーA7" { #expect(characters.contains(character), "\(character)") }
        for character in "丨―│、" { #expect(!characters.contains(character), "\(character)") }
        // JIS level 1 kanji, kana and Latin are common; the witness must be surer of the rest.
        for character in "神岡紬凋アぁA1" { #expect(!glyphs.isRare(character), "\(character)") }
        for character in "抻颯" { #expect(glyphs.isRare(character), "\(character)") }
    }

    @Test("a typeface that is not installed stops the workflow from loading, naming its file and the font")
    func missingTypeface() throws {
        var workflow = try Self.shipped("anketo.yaml")
        workflow.form.typeface = "no-such-face.ttf"
        #expect {
            _ = try TypefaceGlyphs(for: [workflow])
        } throws: { error in
            let message = "\(error)"
            return message.contains("no-such-face.ttf") && message.contains("anketo.yaml")
        }
    }

    @Test("look-alikes the witness cannot tell apart are chosen by their neighbours' script")
    func lookAlikesInContext() {
        #expect(GlyphWitness.inContext(Array("関東lTソフト")) == "関東ITソフト")
        #expect(GlyphWitness.inContext(Array("グリ一ンヒル")) == "グリーンヒル")
        #expect(GlyphWitness.inContext(Array("山ロ達也")) == "山口達也")
        #expect(GlyphWitness.inContext(Array("新町1丁目")) == "新町1丁目")
        #expect(GlyphWitness.inContext(Array("a1b@x.jp")) == "alb@x.jp")
        #expect(GlyphWitness.inContext(Array("10l3")) == "1013")
        #expect(GlyphWitness.lookAlike("イ", "ィ") && GlyphWitness.lookAlike("1", "l"))
        #expect(GlyphWitness.lookAlike("口", "ロ") && !GlyphWitness.lookAlike("口", "日"))
        #expect(GlyphWitness.lookAlike("千", "干") && GlyphWitness.inContext(Array("千葉県")) == "千葉県")
    }

    @Test(
        "a Latin capital the witness reads as its look-alike (関東lT…) bears out jpn's 関東ITソフトウェア健康保険組合, and the value goes through"
    )
    func lookAlikeInAgreement() async throws {
        // Sample 45 of the 200 scans the shipped workflows are measured on (docs/samples-and-eval.md: seed 20261205,
        // office-scanner JPEG, defects 0.1). The witness reads its I as l; the second model reads IT as |T.
        let workflow = try Self.shipped("kokuho-shutoku.yaml")
        let sample = try Self.officeScan(44, of: 200, seed: 20_261_205, format: .jpeg, printing: workflow)
        let printed = "関東ITソフトウェア健康保険組合"
        try #require(sample.truth.forms.first?.values["prev.insurer"] == printed)
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn"), workers: 1)
        let extractor = Extractor(
            workflows: [workflow], reader: pool,
            configuration: ExtractionConfiguration(
                preparation: Preparation(deskew: true), today: Self.today,
                typefaces: try TypefaceGlyphs(for: [workflow])))
        let result = try await extractor.extract(.bytes(sample.bytes, name: sample.name), scanID: "x")
        await pool.shutdown()
        let insurer = try #require(result.records.first?.fields.first { $0.path == "prev.insurer" })
        #expect(insurer.value.textValue == printed)
        #expect((insurer.confidence ?? 0) >= workflow.review.confidenceFloor, "\(insurer.confidence ?? 0)")
        #expect(insurer.issues.isEmpty, "\(insurer.issues)")
    }

    @Test(
        "values printed in another face than the workflow's are read without the witness, and a name's kanji Tesseract confuses is doubted"
    )
    func valuesInAnotherFace() async throws {
        // 児童手当 filled in Noto Serif CJK where the workflow names IPA Pゴシック (seed 20261207, the first of 50
        // office-scanner scans). Compared with a face the values are not in, the witness had put its own characters
        // into the addresses; both Tesseract models read the child 岡本 蓮 as 岡本夢.
        let workflow = try Self.shipped("jidou-teate-nintei.yaml")
        var printedIn = workflow
        printedIn.form.typeface = "NotoSerifCJK-Regular.ttc"
        let sample = try Self.officeScan(0, of: 50, seed: 20_261_207, format: .png, printing: printedIn)
        let truth = try #require(sample.truth.forms.first?.values)
        try #require(truth["children[0].name"] == "岡本 蓮")
        let pool = try await EnginePool(configuration: OCRConfiguration(languages: "jpn"), workers: 1)
        func extract(_ typefaces: (any TypefaceLibrary)?) async throws -> ExtractionResult {
            let extractor = Extractor(
                workflows: [workflow], reader: pool,
                configuration: ExtractionConfiguration(
                    preparation: Preparation(deskew: true), today: Self.today, typefaces: typefaces))
            return try await extractor.extract(.bytes(sample.bytes, name: sample.name), scanID: "x")
        }
        func fields(_ result: ExtractionResult) throws -> [String: FieldResult] {
            let record = try #require(result.records.first)
            return Dictionary(uniqueKeysWithValues: record.fields.map { ($0.path, $0) })
        }
        let withTypeface = try await extract(try TypefaceGlyphs(for: [workflow]))
        let named = try fields(withTypeface)
        let none = try fields(try await extract(nil))
        await pool.shutdown()
        // The page is judged, and the judgement is there for `extract` to tell the workflow's author.
        let check = try #require(withTypeface.pages.first?.typeface)
        let likeness = try #require(check.likeness)
        #expect(!check.witnessed && likeness < TypefaceCheck.threshold, "\(likeness)")
        // Read as a form without a typeface is, value for value (the witness put nothing in)...
        for (path, field) in named {
            #expect(field.value == none[path]?.value, "\(path): \(field.value) / \(none[path]?.value as Any)")
            #expect(!field.issues.contains { $0.code == Doubt.typefaceReadsOtherwise.rawValue }, "\(path)")
        }
        let address = try #require(named["claimant.address"])
        #expect(
            address.value.textValue.filter { !$0.isWhitespace }
                == truth["claimant.address"]?.filter { !$0.isWhitespace })
        // ...but for the misread name, which goes to a person, where without the typeface it went on at 89.
        let child = try #require(named["children[0].name"])
        #expect(child.value.textValue.filter { !$0.isWhitespace } == "岡本夢")
        #expect(child.issues.contains { $0.code == Doubt.kanjiUnlikeGlyph.rawValue }, "\(child.issues)")
        #expect((child.confidence ?? 100) < workflow.review.confidenceFloor)
        #expect((none["children[0].name"]?.confidence ?? 0) >= workflow.review.confidenceFloor)
    }
}
