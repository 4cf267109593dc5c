import Foundation
import KamiflowCore
import KamiflowWorkflow
import Testing

@testable import KamiflowForms

/// `kamiflow calibrate`'s arithmetic on hand-made confidences.
@Suite("Calibration arithmetic")
struct CalibrationTests {
    /// 1,000 text fields: 900 at 95 (one wrong, flagged by a rule), 60 at 86 (none wrong), 30 at 44 (one wrong,
    /// unflagged), 10 at 30 (three wrong, unflagged). 100 dates at 44, none wrong. 10 emails at 44, none wrong.
    static var result: EvaluationResult {
        var r = EvaluationResult(workflow: "hand")
        r.confidence["text"] = [
            "095": ConfidenceBin(fields: 900, wrong: 1, otherwiseFlagged: 1, wrongNotOtherwiseFlagged: 0),
            "086": ConfidenceBin(fields: 60, wrong: 0, otherwiseFlagged: 2, wrongNotOtherwiseFlagged: 0),
            "044": ConfidenceBin(fields: 30, wrong: 1, otherwiseFlagged: 0, wrongNotOtherwiseFlagged: 1),
            "030": ConfidenceBin(fields: 10, wrong: 3, otherwiseFlagged: 0, wrongNotOtherwiseFlagged: 3),
        ]
        r.confidence["wareki-date"] = ["044": ConfidenceBin(fields: 100)]
        r.confidence["email"] = ["044": ConfidenceBin(fields: 10)]
        return r
    }

    @Test("the lowest floor within each type's budget, moved from the workflow's own only as far as the scans show")
    func floors() throws {
        // 0.1% of 1,000 text fields allows one silent error: 44 is the lowest floor within it, 30 would let 4 through.
        let calibration = Calibration.choose(from: Self.result, target: 0.001, defaultFloor: 80)
        let text = try #require(calibration.types.first { $0.type == "text" })
        #expect(text.floor == 44)
        #expect(text.budget == 1)
        #expect(text.silentErrors == 1)
        // 900 − 1 + 60 − 2 + 30 fields with no other issue pass.
        #expect(text.straightThrough == 987)
        #expect(text.levels.map(\.confidence) == [30, 44, 86, 95])
        #expect(abs(text.levels[0].rightRate - 0.7) < 1e-12)
        // A stricter target: no silent error at all, so the floor goes just above 44 — the workflow's own 80.
        let strict = try #require(
            Calibration.choose(from: Self.result, target: 0.0005, defaultFloor: 80).types.first { $0.type == "text" })
        #expect(strict.floor == 80)
        #expect(strict.silentErrors == 0 && strict.straightThrough == 957)
        // Dates: no error anywhere, and 100 fields at 44 are evidence enough to go below 80.
        #expect(calibration.types.first { $0.type == "wareki-date" }?.floor == 44)
        // Emails: no error either, but ten fields are too few to move the floor.
        #expect(calibration.types.first { $0.type == "email" }?.floor == 80)
        #expect(calibration.fields == 1110 && calibration.silentErrors == 1)
        // 1,000 text fields allow one error at 0.1 %; 100 dates and 10 emails allow none, and the report says so.
        let report = calibration.table.split(separator: "\n").filter { $0.contains("too few fields") }
        #expect(report.count == 2 && report.allSatisfy { $0.contains("label at least 1000") })
        #expect(
            calibration.yaml
                == "review:\n  silent_errors: 0.1%\n  floors:\n    email: 80\n    text: 44\n    wareki-date: 44")
    }

    @Test("a type whose highest confidence is already too often wrong gets a floor above everything it met")
    func nothingSafe() throws {
        var r = EvaluationResult(workflow: "hand")
        r.confidence["text"] = [
            "097": ConfidenceBin(fields: 10, wrong: 5, otherwiseFlagged: 0, wrongNotOtherwiseFlagged: 5)
        ]
        let text = try #require(Calibration.choose(from: r, target: 0.0005).types.first)
        #expect(text.floor == 98)
        #expect(text.straightThrough == 0 && text.silentErrors == 0)
        // Ten fields cannot show 0.05 %: the report says how many it would take.
        #expect(
            Calibration.choose(from: r, target: 0.0005).table.contains(
                "too few fields to show 0.05%: it allows no error in 10, so one wrong field sets the floor; "
                    + "label at least 2000 of this type"))
    }

    @Test("eval bins filled fields by confidence and counts forms that only review.always holds back")
    func binsAndAlways() throws {
        let geometry = ScanGeometry(skewDegrees: 0, shiftMM: Point(x: 0, y: 0), scale: 1, transform: .identity)
        let truth = GroundTruth(
            workflow: "hand", image: "h.png", format: "png", profile: .clean, seed: 1,
            forms: [
                FormTruth(
                    page: 0, sample: 0, values: ["name": "山田太郎", "account": "1234567", "note": ""],
                    types: ["name": .text, "account": .accountNumber, "note": .text], defects: [], dpi: 300,
                    geometry: geometry)
            ])
        let record = FormRecord(
            workflow: "hand", scanID: "x", index: 0, pages: [0],
            fields: [
                FieldResult(path: "name", type: "text", value: .text("山田太郎"), confidence: 44.5),
                FieldResult(
                    path: "account", type: "account-number", value: .text("1234561"), confidence: 92,
                    issues: [Issue(code: IssueCode.alwaysReviewed, severity: .info, message: "always")]),
                FieldResult(path: "note", type: "text", value: .empty),
            ], route: .review)
        var result = EvaluationResult(workflow: "hand")
        Evaluator(layout: nil, includeCrops: false) { _ in [] }.score(truth: truth, records: [record], into: &result)
        #expect(result.straightThroughForms == 0 && result.straightThroughFormsWithoutAlways == 1)
        #expect(result.filledFields == 2 && result.unflaggedFilledFields == 2)
        #expect(result.confidence["text"]?["044"] == ConfidenceBin(fields: 1))
        #expect(
            result.confidence["account-number"]?["092"]
                == ConfidenceBin(fields: 1, wrong: 1, wrongNotOtherwiseFlagged: 1))
        #expect(result.silentErrors == 1)
    }
}

/// The calibration curve as `kamiflow calibrate --html` and `kamiflow eval --html` draw it.
@Suite("Calibration report")
struct CalibrationReportTests {
    @Test("the page holds each type's bands, its floor on the chart, and what the floor lets through, in numbers")
    func page() throws {
        let calibration = Calibration.choose(from: CalibrationTests.result, target: 0.001, defaultFloor: 80)
        let html = CalibrationReport.page(calibration, workflow: "hand", scans: 100)
        #expect(!html.contains("<script"))
        #expect(html.components(separatedBy: "<svg").count == 4)  // text, wareki-date, email
        #expect(html.contains("<h3><code>text</code>: 1000 filled fields, floor 44</h3>"))
        #expect(
            html.contains(
                "At the floor 44: <b>987 of 1000</b> go straight through (98.70%); <b>1</b> silent errors (0.10% of"))
        #expect(html.contains("the target allows 1.00"))
        // The bands of text: 0–29 has none; 44 is the only confidence of 40–49, so the whole band passes.
        #expect(
            html.contains(
                "<tr class=\"review\"><td>30–39</td><td class=\"n\">10</td><td class=\"n\">3</td>"
                    + "<td class=\"n\">30.00%</td><td class=\"n\">3</td><td>to a person</td></tr>"))
        #expect(
            html.contains(
                "<tr class=\"through\"><td>40–49</td><td class=\"n\">30</td><td class=\"n\">1</td>"
                    + "<td class=\"n\">3.33%</td><td class=\"n\">1</td><td>straight through</td></tr>"))
        #expect(
            html.contains(
                "<td>90–100</td><td class=\"n\">900</td><td class=\"n\">1</td><td class=\"n\">0.11%</td>"
                    + "<td class=\"n\">0</td><td>straight through</td>"))
        #expect(!html.contains("<td>0–29</td>"))
        // The chart: 30 % wrong at most, so the axis goes to 50 %; the floor at 44 on 560 px from x = 64.
        let text = try #require(html.components(separatedBy: "<div class=\"curve\" id=\"type-text\">").last)
        let svg = try #require(text.components(separatedBy: "</svg>").first)
        #expect(svg.contains(">50.00%</text>"))
        #expect(svg.contains("x1=\"310.4\" x2=\"310.4\""))
        #expect(svg.contains(">floor 44</text>"))
        #expect(svg.contains(">3/10</text>") && svg.contains(">1/900</text>"))
        // All types: text 987, dates 100 (floor 44), emails none (their floor stays 80, all read at 44).
        #expect(
            html.contains("All types: <b>1087 of 1110</b> filled fields straight through (97.93%), <b>1</b> silent"))
        #expect(html.contains("<pre>review:\n  silent_errors: 0.1%\n  floors:\n    email: 80"))
    }

    @Test("eval's report draws the curve at the workflow's own floors")
    func evalSection() throws {
        let result = CalibrationTests.result
        let calibration = Calibration.at(floors: { $0 == "wareki-date" ? 40 : 80 }, from: result, target: 0.0005)
        let text = try #require(calibration.types.first { $0.type == "text" })
        #expect(text.floor == 80 && text.straightThrough == 957 && text.silentErrors == 0)
        #expect(calibration.types.first { $0.type == "wareki-date" }?.straightThrough == 100)
        let html = EvaluationReport.html(result, calibration: calibration)
        #expect(html.contains("<h2>Confidence against errors</h2>"))
        #expect(html.contains("the workflow's floor for the type"))
        #expect(html.contains("At the floor 80: <b>957 of 1000</b> go straight through (95.70%); <b>0</b> silent"))
        #expect(html.contains(">floor 40</text>"))
        #expect(!EvaluationReport.html(result).contains("Confidence against errors"))
    }
}
