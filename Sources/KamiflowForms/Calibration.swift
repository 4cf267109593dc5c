import Foundation

/// What `kamiflow calibrate` finds on labelled scans: per field type, how often a value read with each confidence
/// is wrong, and the floor that keeps the silent errors of that type under the author's target.
///
/// A field goes straight through when its confidence is at or above its floor and nothing else (a validator, a
/// rule) flags it. So the silent errors a floor lets through are the wrong fields at or above it that no other
/// issue flags (`ConfidenceBin.wrongNotOtherwiseFlagged`). Each type gets the share `target` of its own filled
/// fields as its budget, so the workflow as a whole stays under the target too, and the lowest floor within the
/// budget is chosen: the most fields straight through that the labelled scans allow.
public struct Calibration: Hashable, Sendable, Codable {
    /// One confidence as it was met on the labelled scans.
    public struct Level: Hashable, Sendable, Codable {
        public var confidence: Int
        public var fields: Int
        public var wrong: Int
        /// Wrong fields at this confidence that no validator or rule flags.
        public var silentIfPassed: Int
        /// The share of fields read right at this confidence: what the confidence is worth as a probability.
        public var rightRate: Double { fields == 0 ? 1 : Double(fields - wrong) / Double(fields) }
    }

    /// One field type.
    public struct TypeFloor: Hashable, Sendable, Codable {
        public var type: String
        /// Filled fields of the type with a confidence (marks and text alike).
        public var fields: Int
        public var levels: [Level]
        /// The chosen floor: fields read with at least this confidence go straight through.
        public var floor: Double
        /// With that floor: fields straight through (no other issue either), and the wrong ones among them.
        public var straightThrough: Int
        public var silentErrors: Int
        /// The silent errors allowed for this type (`target` × its fields).
        public var budget: Double
    }

    /// The accepted share of silent errors (0…1).
    public var target: Double
    public var types: [TypeFloor]

    public var fields: Int { types.reduce(0) { $0 + $1.fields } }
    public var straightThrough: Int { types.reduce(0) { $0 + $1.straightThrough } }
    public var silentErrors: Int { types.reduce(0) { $0 + $1.silentErrors } }

    /// The floors of `result`'s field types for silent errors at most `target` (0…1) of each type's fields.
    ///
    /// Going down from the highest confidence met, the silent errors each floor would let through add up; the
    /// confidences above the first one that breaks the type's budget are the safe ones. The floor is then the
    /// workflow's own (`defaultFloor`, its `below_confidence`) moved only as far as the labelled scans show: down
    /// to the lowest safe confidence when that is lower (and at least `minimumEvidence` fields were read at the
    /// confidences it admits), up to just above the breaking confidence when that is higher. So a type whose
    /// scans hold no error keeps the workflow's floor rather than one taken from confidences never met, and a type
    /// with no safe confidence at all gets a floor just above its highest (at most 100).
    public static func choose(
        from result: EvaluationResult, target: Double, defaultFloor: Double = 80, minimumEvidence: Int = 20
    ) -> Calibration {
        var types: [TypeFloor] = []
        for (type, bins) in result.confidence.sorted(by: { $0.key < $1.key }) {
            let levels = bins.compactMap { key, bin -> Level? in
                guard let confidence = Int(key) else { return nil }
                return Level(
                    confidence: confidence, fields: bin.fields, wrong: bin.wrong,
                    silentIfPassed: bin.wrongNotOtherwiseFlagged)
            }.sorted { $0.confidence < $1.confidence }
            var passable: [Int: Int] = [:]
            for (key, bin) in bins {
                if let c = Int(key) { passable[c, default: 0] += bin.fields - bin.otherwiseFlagged }
            }
            let total = levels.reduce(0) { $0 + $1.fields }
            let budget = target * Double(total)
            var silent = 0
            var lowestSafe: Int?
            var breaking: Int?
            for level in levels.reversed() {
                silent += level.silentIfPassed
                if Double(silent) > budget {
                    breaking = level.confidence
                    break
                }
                lowestSafe = level.confidence
            }
            var floor = max(Double((breaking ?? -1) + 1), defaultFloor)
            if let lowestSafe, Double(lowestSafe) < floor {
                let admitted = levels.filter {
                    Double($0.confidence) >= Double(lowestSafe) && Double($0.confidence) < defaultFloor
                }
                if Double(lowestSafe) >= defaultFloor || admitted.reduce(0, { $0 + $1.fields }) >= minimumEvidence {
                    floor = Double(lowestSafe)
                }
            }
            floor = min(100, floor)
            let through = levels.filter { Double($0.confidence) >= floor }
            types.append(
                TypeFloor(
                    type: type, fields: total, levels: levels, floor: floor,
                    straightThrough: through.reduce(0) { $0 + (passable[$1.confidence] ?? 0) },
                    silentErrors: through.reduce(0) { $0 + $1.silentIfPassed }, budget: budget))
        }
        return Calibration(target: target, types: types)
    }

    /// The floors as the `review:` section of a workflow takes them.
    public var yaml: String {
        var lines = ["review:", "  silent_errors: \(Self.percentText(target))", "  floors:"]
        for type in types { lines.append("    \(type.type): \(Int(type.floor))") }
        return lines.joined(separator: "\n")
    }

    /// The report for the terminal: per type, the error rate against confidence in bands, then the floor.
    public var table: String {
        var lines: [String] = []
        lines.append("target: silent errors at most \(Self.percentText(target)) of the filled fields of each type")
        lines.append("")
        for type in types {
            lines.append(
                "\(type.type): \(type.fields) filled fields; floor \(Int(type.floor)): \(type.straightThrough) straight "
                    + "through, \(type.silentErrors) silent (allowed \(String(format: "%.2f", type.budget)))")
            // Bands of ten, the lowest 0–29 together: what a confidence is worth.
            var bands: [Int: (fields: Int, wrong: Int, silent: Int)] = [:]
            for level in type.levels {
                let band = level.confidence < 30 ? 0 : min(90, level.confidence / 10 * 10)
                bands[band, default: (0, 0, 0)].fields += level.fields
                bands[band, default: (0, 0, 0)].wrong += level.wrong
                bands[band, default: (0, 0, 0)].silent += level.silentIfPassed
            }
            for (band, tally) in bands.sorted(by: { $0.key < $1.key }) {
                let range = band == 0 ? "  0–29" : band == 90 ? "90–100" : " \(band)–\(band + 9)"
                let rate = tally.fields == 0 ? 0 : Double(tally.wrong) / Double(tally.fields)
                lines.append(
                    "  confidence \(range): \(String(tally.fields).leftPadded(6)) fields, "
                        + "\(String(tally.wrong).leftPadded(4)) wrong (\(EvaluationReport.percent(rate)) error), "
                        + "\(tally.silent) not flagged otherwise")
            }
        }
        lines.append("")
        let rate = fields == 0 ? 0 : Double(silentErrors) / Double(fields)
        let through = fields == 0 ? 0 : Double(straightThrough) / Double(fields)
        lines.append(
            "with these floors: \(straightThrough) of \(fields) filled fields straight through "
                + "(\(EvaluationReport.percent(through))), \(silentErrors) silent errors "
                + "(\(EvaluationReport.percent(rate)))")
        lines.append("")
        lines.append("# for the workflow file:")
        lines.append(yaml)
        return lines.joined(separator: "\n")
    }

    static func percentText(_ share: Double) -> String {
        var text = String(format: "%.4f", share * 100)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "%"
    }
}
