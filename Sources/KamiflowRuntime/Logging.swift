import Foundation
public import KamiflowCore
public import Logging
import Synchronization

/// Keeps sensitive values (マイナンバー, account numbers: fields marked `sensitive`) out of every line the runtime
/// writes: log lines, journal errors, reason files.
///
/// Two rules, because either alone leaks: the values of sensitive fields of the scans in flight are registered
/// and replaced wherever they appear (whatever their shape), and any free-standing group of 12 digits (the shape
/// of an individual number, also with spaces or hyphens, also in full-width digits) is masked even when nobody
/// registered it, e.g. when a connector quotes a payload in an error.
public final class Redactor: Sendable {
    /// What a masked value is replaced with.
    public static let mask = "[masked]"

    private let state = Mutex(State())
    private struct State: Sendable {
        var values: [String: Set<String>] = [:]
        var all: [String: Int] = [:]
    }

    public init() {}

    /// Registers the sensitive values of `records` under `scope` (the scan id) until `release(scope)`.
    public func register(_ records: [FormRecord], scope: String) {
        var found: Set<String> = []
        for record in records {
            for field in record.fields where field.sensitive {
                if let raw = field.raw { found.formUnion(Self.variants(raw)) }
                found.formUnion(Self.variants(field.value.textValue))
            }
        }
        register(found, scope: scope)
    }

    /// Registers sensitive payload values (a mapping may derive new ones, e.g. a code from a number).
    public func register(_ requests: [DeliveryRequest], scope: String) {
        register(
            Set(requests.flatMap { $0.payload.filter(\.sensitive).compactMap(\.value).flatMap(Self.variants) }),
            scope: scope)
    }

    public func register(_ values: Set<String>, scope: String) {
        let values = values.filter { $0.count >= 3 }
        guard !values.isEmpty else { return }
        state.withLock { state in
            let new = values.subtracting(state.values[scope] ?? [])
            state.values[scope, default: []].formUnion(new)
            for value in new { state.all[value, default: 0] += 1 }
        }
    }

    /// Forgets the values registered under `scope` (the scan has settled).
    public func release(_ scope: String) {
        state.withLock { state in
            for value in state.values.removeValue(forKey: scope) ?? [] {
                let n = (state.all[value] ?? 1) - 1
                state.all[value] = n > 0 ? n : nil
            }
        }
    }

    /// `text` with every registered value and every free-standing 12-digit group replaced by `Redactor.mask`.
    public func redact(_ text: String) -> String {
        var result = text
        let values = state.withLock { Array($0.all.keys) }
        // Longest first, so that a value containing another is masked whole.
        for value in values.sorted(by: { $0.count > $1.count }) where result.contains(value) {
            result = result.replacingOccurrences(of: value, with: Self.mask)
        }
        return Self.maskDigitGroups(result)
    }

    /// A copy of `records` fit for the journal: sensitive fields keep their path, type and issues, never their text.
    public func maskedForJournal(_ records: [FormRecord]) -> [FormRecord] {
        records.map { record in
            var record = record
            record.fields = record.fields.map { field in
                var field = field
                if field.sensitive {
                    field.raw = nil
                    field.value = field.value.isEmpty ? .empty : .text(Self.mask)
                }
                field.issues = field.issues.map { issue in
                    var issue = issue
                    issue.message = redact(issue.message)
                    return issue
                }
                return field
            }
            record.issues = record.issues.map { issue in
                var issue = issue
                issue.message = redact(issue.message)
                return issue
            }
            return record
        }
    }

    /// The spellings a value may take in a message: as read, without separators, with ASCII digits.
    static func variants(_ value: String) -> Set<String> {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        let ascii = String(
            trimmed.map { c -> Character in
                if let v = c.unicodeScalars.first?.value, (0xFF10...0xFF19).contains(v), c.unicodeScalars.count == 1 {
                    return Character(Unicode.Scalar(v - 0xFF10 + 0x30)!)
                }
                return c
            })
        let compact = ascii.filter { !" -‐ー－　".contains($0) }
        return [trimmed, ascii, compact]
    }

    private static func digitValue(_ c: Character) -> Bool {
        guard c.unicodeScalars.count == 1, let v = c.unicodeScalars.first?.value else { return false }
        return (0x30...0x39).contains(v) || (0xFF10...0xFF19).contains(v)
    }

    private static func isWordCharacter(_ c: Character) -> Bool {
        c.isLetter || digitValue(c) || c == "_"
    }

    /// Masks runs of exactly 12 digits (optionally split by single spaces or hyphens) not glued to other letters or
    /// digits: the shape of a マイナンバー. Hashes and ids (hex with letters) and dates are left alone.
    static func maskDigitGroups(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            guard digitValue(chars[i]), i == 0 || !isWordCharacter(chars[i - 1]) else {
                out.append(chars[i])
                i += 1
                continue
            }
            var j = i
            var digits = 0
            var end = i
            while j < chars.count {
                if digitValue(chars[j]) {
                    digits += 1
                    j += 1
                    end = j
                } else if " -－".contains(chars[j]), j + 1 < chars.count, digitValue(chars[j + 1]), digits > 0 {
                    j += 1
                } else {
                    break
                }
            }
            let glued = end < chars.count && isWordCharacter(chars[end])
            if digits == 12 && !glued {
                out += mask
            } else {
                out += String(chars[i..<end])
            }
            i = end
        }
        return out
    }
}

/// The output format of log lines: `text` for people at a terminal, `json` (one object per line) for collectors.
public enum LogFormat: String, Sendable, CaseIterable, Codable {
    case text
    case json
}

/// A swift-log handler that writes one line per event, every part of it passed through a `Redactor`.
public struct KamiflowLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let format: LogFormat
    private let redactor: Redactor
    private let sink: @Sendable (String) -> Void

    /// - Parameter sink: where finished lines go; standard error by default. Tests capture lines here.
    public init(
        label: String, format: LogFormat, redactor: Redactor, level: Logger.Level = .info,
        sink: @escaping @Sendable (String) -> Void = KamiflowLogHandler.standardError
    ) {
        self.label = label
        self.format = format
        self.redactor = redactor
        self.logLevel = level
        self.sink = sink
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        let timestamp = Self.timestamp(Date())
        let message = redactor.redact(event.message.description)
        let fields = merged.keys.sorted().map { ($0, redactor.redact(Self.flatten(merged[$0]!))) }
        switch format {
        case .text:
            // One event, one line: a value (a file name, a core system's answer) never breaks the line or passes
            // for another field.
            var line = "\(timestamp) \(event.level.rawValue.uppercased()) \(label): \(Self.escaped(message))"
            for (key, value) in fields { line += " \(Self.escaped(key))=\(Self.quotedIfNeeded(value))" }
            sink(line)
        case .json:
            var object: [String: String] = [
                "time": timestamp, "level": event.level.rawValue, "logger": label,
                "message": message,
            ]
            for (key, value) in fields where object[key] == nil { object[key] = value }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(object) { sink(String(decoding: data, as: UTF8.self)) }
        }
    }

    /// `text` with line breaks, other control characters and backslashes written as escapes (`\n`, `\u{7}`, `\\`),
    /// so that what a line holds cannot end it.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _
            where scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A field's value as `key=value`: quoted, with `"` escaped, when it holds a space, a quote or `=`, or is empty.
    static func quotedIfNeeded(_ value: String) -> String {
        let escaped = escaped(value)
        guard escaped.isEmpty || escaped.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\u{3000}" })
        else { return escaped }
        return "\"" + escaped.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): "[" + a.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let d): "{" + d.keys.sorted().map { "\($0): \(flatten(d[$0]!))" }.joined(separator: ", ") + "}"
        }
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
