import KamiflowWorkflow
import Testing

@testable import KamiflowServer

/// The review station says why a reading is in doubt in the clerk's words, in each of its languages.
@Suite struct DoubtWordsTests {
    @Test("every doubt a reader can raise has the station's words, in Japanese and in English")
    func everyDoubtIsWorded() {
        for doubt in Doubt.allCases {
            for language in StationLanguage.allCases {
                // A code without words falls back to "確認が必要です（code）".
                let words = language.reason(doubt.rawValue)
                #expect(!words.contains(doubt.rawValue), "\(doubt) in \(language): \(words)")
            }
        }
    }
}
