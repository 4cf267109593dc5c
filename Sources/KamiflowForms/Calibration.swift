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
        /// Fields at this confidence with an issue other than their confidence: a person sees them whatever the
        /// floor.
        public var otherwiseFlagged: Int = 0
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
        for (type, levels) in levels(of: result) {
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
            types.append(typeFloor(type, levels: levels, floor: min(100, floor), budget: budget))
        }
        return Calibration(target: target, types: types)
    }

    /// What floors already chosen (a workflow's own, `floor(type)`) do on `result`: per type, the fields they let
    /// straight through and the silent errors among them. `kamiflow eval --html` draws its curves with these.
    public static func at(
        floors floor: (String) -> Double, from result: EvaluationResult, target: Double
    ) -> Calibration {
        Calibration(
            target: target,
            types: levels(of: result).map { type, levels in
                typeFloor(
                    type, levels: levels, floor: min(100, max(0, floor(type))),
                    budget: target * Double(levels.reduce(0) { $0 + $1.fields }))
            })
    }

    /// Each type's confidences met, lowest first, types by name.
    static func levels(of result: EvaluationResult) -> [(String, [Level])] {
        result.confidence.sorted(by: { $0.key < $1.key }).map { type, bins in
            let levels = bins.compactMap { key, bin -> Level? in
                guard let confidence = Int(key) else { return nil }
                return Level(
                    confidence: confidence, fields: bin.fields, wrong: bin.wrong,
                    silentIfPassed: bin.wrongNotOtherwiseFlagged, otherwiseFlagged: bin.otherwiseFlagged)
            }.sorted { $0.confidence < $1.confidence }
            return (type, levels)
        }
    }

    /// One type with its floor: the fields at or above it that no other issue flags go straight through, and the
    /// wrong ones among them are its silent errors.
    static func typeFloor(_ type: String, levels: [Level], floor: Double, budget: Double) -> TypeFloor {
        let through = levels.filter { Double($0.confidence) >= floor }
        return TypeFloor(
            type: type, fields: levels.reduce(0) { $0 + $1.fields }, levels: levels, floor: floor,
            straightThrough: through.reduce(0) { $0 + $1.fields - $1.otherwiseFlagged },
            silentErrors: through.reduce(0) { $0 + $1.silentIfPassed }, budget: budget)
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
            if type.budget < 1, target > 0 {
                // With fewer fields than 1/target, the target allows no error at all: one wrong field read at any
                // confidence puts the floor above it (口座番号 at 91 from one misread in 150, on the corpus), and a
                // type with no error cannot show the target is met.
                lines.append(
                    "  too few fields to show \(Self.percentText(target)): it allows no error in \(type.fields), so one "
                        + "wrong field sets the floor; label at least \(Int((1 / target).rounded(.up))) of this type")
            }
            for band in type.bands {
                lines.append(
                    "  confidence \(band.name.leftPadded(6)): \(String(band.fields).leftPadded(6)) fields, "
                        + "\(String(band.wrong).leftPadded(4)) wrong (\(EvaluationReport.percent(band.errorRate)) error), "
                        + "\(band.silent) not flagged otherwise")
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

extension Calibration {
    /// Fields of one type read with a confidence in `lower...upper`, and how they came out.
    public struct Band: Hashable, Sendable {
        public var lower: Int
        public var upper: Int
        public var fields: Int
        public var wrong: Int
        /// Wrong fields no other issue flags: silent errors when the band is at or above the floor.
        public var silent: Int

        /// `0–29`, `40–49`, `90–100`.
        public var name: String { "\(lower)–\(upper)" }
        /// The share of the band's fields read wrong.
        public var errorRate: Double { fields == 0 ? 0 : Double(wrong) / Double(fields) }
    }
}

extension Calibration.TypeFloor {
    /// The confidences met in bands of ten (the lowest, 0–29, together: few fields are read that low), lowest
    /// first; only bands with fields. What the terminal table prints and the HTML report draws.
    public var bands: [Calibration.Band] {
        var bands: [Int: Calibration.Band] = [:]
        for level in levels {
            let lower = level.confidence < 30 ? 0 : min(90, level.confidence / 10 * 10)
            var band =
                bands[lower]
                ?? Calibration.Band(
                    lower: lower, upper: lower == 0 ? 29 : lower == 90 ? 100 : lower + 9, fields: 0, wrong: 0,
                    silent: 0)
            band.fields += level.fields
            band.wrong += level.wrong
            band.silent += level.silentIfPassed
            bands[lower] = band
        }
        return bands.values.sorted { $0.lower < $1.lower }
    }
}
