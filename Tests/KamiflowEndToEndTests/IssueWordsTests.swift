import KamiflowWorkflow
import Testing

@testable import KamiflowServer

/// The review station says why a field waits in the clerk's words, in each of its languages, for every issue code
/// a field can carry: a reader's doubt, a validator, master data, the review policy.
@Suite struct IssueWordsTests {
    @Test("every issue code and every doubt a reader can raise has the station's words, in Japanese and in English")
    func everyCodeIsWorded() {
        #expect(IssueCode.all.contains(Doubt.slashedZero.rawValue) && IssueCode.all.contains(IssueCode.master))
        for code in IssueCode.all {
            for language in StationLanguage.allCases {
                // A code without words falls back to "確認が必要です（code）" or "Needs a check (code)".
                let words = language.reason(code)
                #expect(
                    !words.hasSuffix("（\(code)）") && !words.hasSuffix("(\(code))"), "\(code) in \(language): \(words)")
            }
        }
    }
}
