import Dispatch
import Foundation
import KamiflowCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a helper program (poppler's `pdftoppm`, `pdfinfo`) on bytes we already hold, with a time limit.
///
/// PDF is a large, hostile-input format; rasterising it in a separate process keeps a crash or a memory corruption
/// in the parser out of the process that holds the engines and the journal. The input is handed over as an
/// anonymous, already-unlinked temporary file on standard input, so the helper reads exactly the bytes that were
/// checked and hashed, and nothing is left behind.
enum HelperProcess {
    struct Output {
        var status: Int32
        var timedOut: Bool
        var standardOutput: [UInt8]
        var standardError: String
    }

    static func run(
        executable: String, arguments: [String], input: [UInt8], timeout: Double, subject: String
    ) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw KamiflowError(
                .engineUnavailable,
                "\(executable) is missing or not executable; install Debian's poppler-utils (make deps does)",
                subject: subject)
        }
        let stdin = try AnonymousFile(subject: subject)
        try stdin.write(input)
        try stdin.rewind()
        let stderr = try AnonymousFile(subject: subject)
        let stdout = Pipe()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = [:]
        process.standardInput = FileHandle(fileDescriptor: stdin.descriptor, closeOnDealloc: false)
        process.standardOutput = stdout
        process.standardError = FileHandle(fileDescriptor: stderr.descriptor, closeOnDealloc: false)
        do {
            try process.run()
        } catch {
            throw KamiflowError(.io, "cannot start \(executable): \(error)", subject: subject)
        }

        // A watchdog kills the helper if it runs past the limit; the read below then sees end of file.
        let state = Mutex<(finished: Bool, timedOut: Bool)>((false, false))
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            state.withLock { state in
                guard !state.finished else { return }
                state.timedOut = true
                kill(pid, SIGKILL)
            }
        }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let timedOut = state.withLock { state in
            state.finished = true
            return state.timedOut
        }
        let errorText = String(decoding: (try? stderr.readAll()) ?? [], as: UTF8.self)
        return Output(
            status: process.terminationStatus, timedOut: timedOut, standardOutput: [UInt8](data),
            standardError: errorText)
    }
}

/// An unlinked temporary file (C's `tmpfile`), closed and gone when this object is.
final class AnonymousFile {
    private let file: UnsafeMutablePointer<FILE>
    private let subject: String

    init(subject: String) throws {
        guard let file = tmpfile() else {
            throw KamiflowError(
                .io, "cannot create a temporary file: \(String(cString: strerror(errno)))",
                subject: subject)
        }
        self.file = file
        self.subject = subject
    }

    deinit { fclose(file) }

    var descriptor: Int32 { fileno(file) }

    func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count, fflush(file) == 0 else {
            throw KamiflowError(
                .io, "cannot write a temporary file: \(String(cString: strerror(errno)))",
                subject: subject)
        }
    }

    func rewind() throws {
        // The descriptor's offset is shared with the child; put it back at the start for the next reader.
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw KamiflowError(.io, "cannot rewind a temporary file", subject: subject)
        }
        clearerr(file)
        fseek(file, 0, SEEK_SET)
    }

    func readAll() throws -> [UInt8] {
        try rewind()
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBufferPointer { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw KamiflowError(.io, "cannot read a temporary file", subject: subject)
            }
            if count == 0 { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }
}
