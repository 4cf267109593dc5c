import Foundation
import KamiflowCore
import KamiflowWorkflow

@testable import KamiflowForms

/// A hand-made layout of a 児童手当 認定請求書 with every kind of marking, so that the renderer and the filler are
/// tested independently of the workflow files.
enum TestLayouts {
    static let jidou: FormLayout = {
        func r(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> PaperRect {
            PaperRect(x: x, y: y, width: w, height: h)
        }
        func cells(_ count: Int, x: Double, y: Double, pitch: Double = 6, size: Double = 6) -> [PaperRect] {
            (0..<count).map { r(x + Double($0) * pitch, y, size, 8) }
        }
        var fields: [LayoutField] = [
            LayoutField(
                path: "submitted_on", type: .warekiDate, label: "請求年月日", marking: .zone(r(130, 32, 60, 8)),
                required: true, sample: "date.notified"),
            LayoutField(
                path: "claimant.kana", type: .katakana, label: "フリガナ", marking: .zone(r(45, 46, 80, 7)),
                required: true, sample: "person.kana"),
            LayoutField(
                path: "claimant.name", type: .text, label: "氏名", marking: .zone(r(45, 58, 80, 9)), required: true,
                sample: "person.name"),
            LayoutField(
                path: "claimant.sex", type: .choice, label: "性別",
                marking: .options(
                    [
                        PrintedOption(name: "男", rect: r(152, 59, 6, 6), style: .circle),
                        PrintedOption(name: "女", rect: r(166, 59, 6, 6), style: .circle),
                    ], exactlyOne: true),
                required: true, sample: "person.sex"),
            LayoutField(
                path: "claimant.birth", type: .warekiDate, label: "生年月日",
                marking: .eraParts(
                    eras: [
                        PrintedOption(name: "昭和", rect: r(45, 72, 10, 6), style: .circle),
                        PrintedOption(name: "平成", rect: r(58, 72, 10, 6), style: .circle),
                        PrintedOption(name: "令和", rect: r(71, 72, 10, 6), style: .circle),
                    ],
                    year: r(86, 71, 10, 8), month: r(102, 71, 10, 8), day: r(118, 71, 10, 8)),
                required: true, sample: "person.birth"),
            LayoutField(
                path: "claimant.postal", type: .postal, label: "郵便番号", marking: .cells(cells(7, x: 45, y: 86)),
                sample: "address.postal"),
            LayoutField(
                path: "claimant.address", type: .text, label: "住所", marking: .zone(r(45, 100, 145, 9)),
                required: true, sample: "address.full"),
            LayoutField(
                path: "claimant.phone", type: .phone, label: "電話番号", marking: .zone(r(45, 114, 70, 8)),
                required: true, sample: "phone"),
            LayoutField(
                path: "claimant.number", type: .mynumber, label: "個人番号", marking: .cells(cells(12, x: 45, y: 127)),
                required: true, sensitive: true, sample: "person.mynumber"),
            LayoutField(
                path: "pension", type: .choice, label: "加入年金",
                marking: .options(
                    [
                        PrintedOption(name: "厚生年金", rect: r(45, 142, 4, 4), style: .box),
                        PrintedOption(name: "国民年金", rect: r(80, 142, 4, 4), style: .box),
                        PrintedOption(name: "未加入", rect: r(115, 142, 4, 4), style: .box),
                    ], exactlyOne: true),
                required: true),
        ]
        for i in 0..<3 {
            let y = 158 + Double(i) * 12
            fields.append(
                LayoutField(
                    path: "children[\(i)].name", type: .text, label: "児童氏名", marking: .zone(r(45, y, 60, 8)),
                    sample: "child.name", groupIndex: i))
            fields.append(
                LayoutField(
                    path: "children[\(i)].birth", type: .warekiDate, label: "生年月日",
                    marking: .zone(r(130, y, 60, 8)), sample: "child.birth", groupIndex: i))
        }
        fields += [
            LayoutField(
                path: "bank.code", type: .bankCode, label: "金融機関コード", marking: .cells(cells(4, x: 45, y: 200)),
                required: true, sample: "bank.code"),
            LayoutField(
                path: "bank.branch", type: .branchCode, label: "支店コード", marking: .cells(cells(3, x: 120, y: 200)),
                required: true, sample: "bank.branch"),
            LayoutField(
                path: "bank.number", type: .accountNumber, label: "口座番号",
                marking: .cells(cells(7, x: 45, y: 214)), required: true, sample: "bank.number"),
            LayoutField(
                path: "bank.holder", type: .accountKana, label: "口座名義", marking: .zone(r(45, 228, 100, 8)),
                required: true, sample: "bank.holder"),
            LayoutField(
                path: "consent", type: .checkbox, label: "記載内容に相違ありません", marking: .checkbox(r(45, 245, 5, 5)),
                sample: "flag.true"),
        ]
        return FormLayout(
            workflow: "jidou-teate-test",
            title: PaperText("児童手当 認定請求書", box: r(25, 14, 160, 10), alignment: .center, bold: true, size: 7),
            formCode: PaperText("KF-JT-01", box: r(160, 280, 35, 5), alignment: .right),
            registrationMarks: FormLayout.cornerMarks(),
            texts: [PaperText("（あて先）テスト市長", box: r(20, 30, 60, 6))],
            fields: fields)
    }()

    static var scratchDirectory: URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kamiflow-forms-tests")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
