/// The one error type Kamiflow's modules throw across their boundaries.
///
/// A person reads these: at a terminal, in a `.reason.json` beside a failed scan, in the journal. So every error
/// names what it is about (`path`, a file or a connection) and says the cause in words; `code` lets programs branch
/// without parsing the words. The set of codes is open: modules add their own as static members.
public struct KamiflowError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable kind of failure, e.g. `imageTooLarge`.
    public struct Code: Hashable, Sendable, CustomStringConvertible, Codable {
        public var rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    public var code: Code
    /// What went wrong, in a sentence a person can act on. Never contains a sensitive field's value.
    public var message: String
    /// The file, folder or connection the error is about, when there is one.
    public var subject: String?
    /// The lower-level error that caused this one, if any.
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, subject: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.subject = subject
        self.cause = cause
    }

    public var description: String {
        var text = subject.map { "\($0): \(message)" } ?? message
        if let cause { text += " (\(cause))" }
        return text
    }
}

extension KamiflowError.Code {
    // Input files
    public static let fileNotFound = Self("fileNotFound")
    public static let permissionDenied = Self("permissionDenied")
    public static let emptyFile = Self("emptyFile")
    public static let fileTooLarge = Self("fileTooLarge")
    public static let unsupportedFormat = Self("unsupportedFormat")
    public static let corruptImage = Self("corruptImage")
    public static let imageTooLarge = Self("imageTooLarge")
    public static let tooManyPages = Self("tooManyPages")
    public static let corruptPDF = Self("corruptPDF")
    public static let io = Self("io")
    // The engine
    public static let engineUnavailable = Self("engineUnavailable")
    public static let recognitionFailed = Self("recognitionFailed")
    public static let invalidArgument = Self("invalidArgument")
    public static let cancelled = Self("cancelled")
    // Files a user writes
    public static let invalidWorkflow = Self("invalidWorkflow")
    public static let invalidDeployment = Self("invalidDeployment")
    // Delivery and journal
    public static let delivery = Self("delivery")
    public static let journal = Self("journal")
}
