import Foundation
import KamiflowCore
import Testing

@testable import KamiflowForms

@Suite("Rendering printed and filled forms")
struct RenderingTests {
    let renderer = FormRenderer()
    let filler = FormFiller(configuration: FillConfiguration(defectRate: 0))

    @Test("the same seed gives the same PNG and PDF bytes")
    func deterministic() throws {
        let form = filler.fill(TestLayouts.jidou, seed: 42, index: 3)
        let a = try renderer.png(TestLayouts.jidou, filled: form, dpi: 100, seed: 42)
        let b = try renderer.png(
            TestLayouts.jidou, filled: filler.fill(TestLayouts.jidou, seed: 42, index: 3),
            dpi: 100, seed: 42)
        #expect(a == b)
        #expect(Array(a.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let pdfA = try renderer.pdf(TestLayouts.jidou, forms: [nil, form], seed: 42)
        let pdfB = try renderer.pdf(TestLayouts.jidou, forms: [nil, form], seed: 42)
        #expect(pdfA == pdfB)
        #expect(String(decoding: pdfA.prefix(5), as: UTF8.self) == "%PDF-")
        try Data(a).write(to: TestLayouts.scratchDirectory.appendingPathComponent("jidou-filled.png"))
    }

    @Test("another seed fills another person")
    func seedsDiffer() throws {
        let a = filler.fill(TestLayouts.jidou, seed: 1, index: 0)
        let b = filler.fill(TestLayouts.jidou, seed: 2, index: 0)
        #expect(a != b)
    }

    @Test("a vector PDF has one page per form")
    func pdfPages() throws {
        let forms = (0..<3).map { filler.fill(TestLayouts.jidou, seed: 7, index: $0) as FilledForm? }
        let pdf = try renderer.pdf(TestLayouts.jidou, forms: [nil] + forms)
        let text = String(decoding: pdf, as: UTF8.self)
        #expect(
            text.components(separatedBy: "/Type /Page\n").count - 1 + text.components(separatedBy: "/Type /Page ").count
                - 1 >= 4)
        let url = TestLayouts.scratchDirectory.appendingPathComponent("jidou.pdf")
        try Data(pdf).write(to: url)
    }
}
