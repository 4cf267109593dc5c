import Foundation
import KamiflowCore
import KamiflowTesting
import Testing

/// The review station over HTTPS: `kamiflow review serve --tls-certificate --tls-key` with a certificate the test
/// makes itself (openssl), on 127.0.0.1. A client that trusts only that certificate gets the pages, the cookies are
/// `Secure`, plain HTTP on the same port gets no page, and a missing key file is refused with its name.
@Suite("review station over TLS", .serialized)
struct ReviewStationTLSTests {
    /// A self-signed certificate for 127.0.0.1 and its key, as PEM files in `folder`.
    static func makeCertificate(in folder: TemporaryFolder) throws -> (certificate: String, key: String) {
        let (certificate, key) = (folder.file("station.crt"), folder.file("station.key"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days",
            "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw KamiflowError(.io, "openssl could not make a certificate") }
        return (certificate, key)
    }

    @Test("with a certificate and key the station speaks HTTPS only, and its cookies are Secure")
    func servesHTTPS() async throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (certificate, key) = try Self.makeCertificate(in: folder)
        let (process, base) = try ReviewWebTests.serve(
            in: folder.path, extra: ["--tls-certificate", certificate, "--tls-key", key])
        defer { process.terminate() }
        #expect(base.hasPrefix("https://127.0.0.1:"))
        let answer = try PythonClient.run(
            script: """
                import ssl, sys, urllib.request
                base, certificate = sys.argv[1], sys.argv[2]
                context = ssl.create_default_context(cafile=certificate)
                login = urllib.request.urlopen(base + "/login", context=context)
                print(login.status)
                print(login.headers["Set-Cookie"])
                print(urllib.request.urlopen(base + "/health", context=context).read().decode().strip())
                try:
                    urllib.request.urlopen(base.replace("https://", "http://") + "/login", timeout=10).read()
                    print("plain http answered")
                except Exception as error:
                    print("plain http refused")
                try:
                    urllib.request.urlopen(base + "/health", context=ssl.create_default_context(), timeout=10)
                    print("untrusted certificate accepted")
                except Exception:
                    print("untrusted certificate refused")
                """, arguments: [base, certificate])
        #expect(answer.status == 0, "\(answer.errorOutput)")
        let lines = answer.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "200")
        let cookie = lines.dropFirst().first ?? ""
        #expect(
            cookie.hasPrefix("kf_login=") && cookie.contains("; Secure") && cookie.contains("HttpOnly"), "\(cookie)")
        #expect(lines.dropFirst(2).first == "ok")
        #expect(lines.contains("plain http refused"))
        #expect(lines.contains("untrusted certificate refused"))
    }

    @Test("a certificate without its key, or a key file that is not there, is refused naming the cause")
    func refusesIncompleteConfiguration() throws {
        try #require(KamiflowBinary.isBuilt, "kamiflow not built at \(KamiflowBinary.path)")
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (certificate, _) = try Self.makeCertificate(in: folder)
        let alone = try KamiflowBinary.run(
            ["review", "serve", "--port", "0", "--workflow", shippedJidouTeate, "--tls-certificate", certificate],
            in: folder.path)
        #expect(alone.status != 0)
        #expect(alone.errors.contains("--tls-key"), "\(alone.errors)")
        let missing = folder.file("no-such.key")
        let absent = try KamiflowBinary.run(
            [
                "review", "serve", "--port", "0", "--workflow", shippedJidouTeate, "--tls-certificate", certificate,
                "--tls-key", missing,
            ], in: folder.path)
        #expect(absent.status != 0)
        #expect(absent.errors.contains("no-such.key"), "\(absent.errors)")
    }
}
