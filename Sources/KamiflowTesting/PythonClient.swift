public import Foundation

/// Runs Python 3 as an independent client in tests: Python's own csv, cp932 and JSON Schema implementations check
/// what Kamiflow wrote, so a bug cannot hide by being mirrored in the Swift reader.
public enum PythonClient {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var errorOutput: String
    }

    /// The repository root, found from this file's path (tests run from anywhere).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `python3 arguments…` with `input` on stdin and waits for it.
    public static func run(_ arguments: [String], input: Data = Data()) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
            errorOutput: String(decoding: err, as: UTF8.self))
    }

    /// Validates the YAML document at `document` against the JSON Schema (draft 2020-12) at `schema` with Python's
    /// jsonschema, after checking the schema itself: status 0 when it conforms, 1 with one line per error
    /// (`path message`) when it does not.
    public static func validate(document: String, schema: String) throws -> Result {
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1], encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
            doc = json.loads(json.dumps(yaml.safe_load(open(sys.argv[2], encoding="utf-8"))))
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
            for e in errors: print("/".join(map(str, e.path)), e.message[:300])
            sys.exit(1 if errors else 0)
            """
        return try run(script: script, arguments: [schema, document])
    }

    /// Runs a script given as text (`python3 -c`).
    public static func run(script: String, arguments: [String] = [], input: Data = Data()) throws -> Result {
        try run(["-c", script] + arguments, input: input)
    }
}
