import KamiflowCore

/// A problem found in a workflow file, located like a compiler message:
/// `Workflows/x.yaml:14:7: error: unknown field type 'wareki' (did you mean 'wareki-date'?)`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        /// The workflow cannot be used.
        case error
        /// The workflow works but probably not as meant (overlapping zones, a suspicious value).
        case warning
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation

    public init(_ severity: Severity, _ message: String, at location: SourceLocation) {
        self.severity = severity
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// What loading a workflow file gave: the model when there were no errors, and every diagnostic found.
public struct LoadResult: Sendable {
    public var workflow: Workflow?
    /// In file order (line, then column).
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}

/// Near-miss suggestions for unknown names, by edit distance.
package enum Suggestion {
    /// The candidate closest to `word`, if it is close enough to be what the author meant.
    package static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lower = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let c = candidate.lowercased()
            var distance = editDistance(lower, c)
            // A truncated name (`wareki` for `wareki-date`) is a near miss however many letters are missing.
            if lower.count >= 3, c.hasPrefix(lower) || lower.hasPrefix(c) { distance = min(distance, 1) }
            if distance <= max(1, min(3, lower.count / 3)), distance < (best?.1 ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// `" (did you mean 'x'?)"` or the empty string.
    package static func hint(for word: String, in candidates: some Sequence<String>) -> String {
        closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Edit distance over characters. Swapping two neighbours counts as one edit (optimal string alignment) since
    /// `lable` for `label` is the commonest typing slip; `swapsCountOnce: false` counts it as two, as a misread
    /// (not a mistyped) text is judged: an OCR engine does not swap characters, so a swap is two misreads.
    package static func editDistance(_ a: String, _ b: String, swapsCountOnce: Bool = true) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if swapsCountOnce, i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
