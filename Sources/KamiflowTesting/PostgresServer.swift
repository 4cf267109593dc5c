public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of its own for a test suite: Debian's `postgresql` binaries (`/usr/lib/postgresql/*/bin`),
/// `initdb` into a temporary folder, listening on 127.0.0.1 on an ephemeral port and on a unix socket inside that
/// folder, stopped and removed by ``remove()``. No Docker, no system service, nothing outside the folder.
///
/// PostgreSQL refuses to run as root, and the test suite may run as root (CI, the machines of this project): the
/// server then runs as `nobody` through `setpriv`, and the folder is given to that user. Tests connect over TCP
/// with a password (`postgres://kamiflow:…@127.0.0.1:port/…`), as a worker on another machine would; the
/// fixture's own administration (`createdb`, `psql`) goes through the socket.
public final class PostgresServer: @unchecked Sendable {
    /// The temporary folder: `data/` (the cluster), `server.log`, and the socket.
    public let folder: String
    public let port: Int
    public let user = "kamiflow"
    /// A fresh random password per server; tests must not print it (the journal's errors must not either).
    public let password: String
    private let bin: String
    /// `setpriv` to `nobody` when this process is root, else nothing. setpriv execs the program itself, so the
    /// server process is our child and a signal reaches it directly.
    private let asServerUser: [String]
    /// The running server (`postgres` in the foreground, not daemonized by pg_ctl: a daemon would inherit the
    /// descriptors Foundation watches for its parent's exit). Guarded by `lock`.
    private var process: Process?
    private let lock = NSLock()
    /// Addresses besides 127.0.0.1, and what the server is started through (both set once, before it starts).
    private var addresses: [String] = []
    private var launcher: [String] = []

    /// Where Debian installs the server binaries (the newest major version when several are installed), or
    /// `KAMIFLOW_POSTGRES_BIN`.
    public static func binaries() -> String? {
        if let given = ProcessInfo.processInfo.environment["KAMIFLOW_POSTGRES_BIN"], !given.isEmpty { return given }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted()
        for version in versions.reversed()
        where FileManager.default.isExecutableFile(
            atPath: "\(root)/\(version)/bin/initdb")
        {
            return "\(root)/\(version)/bin"
        }
        return nil
    }

    /// Makes a cluster in a new temporary folder and starts it; throws (with the server's log) when it cannot.
    public static func start() throws -> PostgresServer {
        try start(alsoListeningOn: [], allowing: [], through: [])
    }

    /// A server that other "machines" reach: it also listens on `addresses` and lets clients of `networks` (CIDR,
    /// e.g. `10.213.16.0/24`) in with the password, and runs through `launcher` (`ip netns exec NS`: in a network
    /// namespace of the test's own, where those addresses are). The fixture's own administration still goes through
    /// the socket in its folder, which every namespace of the machine reaches.
    public static func start(
        alsoListeningOn addresses: [String], allowing networks: [String], through launcher: [String]
    ) throws -> PostgresServer {
        guard let bin = binaries() else {
            throw Failure(
                "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: install Debian's 'postgresql' "
                    + "(make deps does)")
        }
        var template = Array((NSTemporaryDirectory() + "kf-pg-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure("cannot make a temporary folder for PostgreSQL")
        }
        let folder = String(cString: made)
        let server = PostgresServer(folder: folder, bin: bin, port: try freePort())
        server.addresses = addresses
        server.launcher = launcher
        do {
            try server.initialize(allowing: networks)
            try server.startServer()
        } catch {
            server.remove()
            throw error
        }
        return server
    }

    private init(folder: String, bin: String, port: Int) {
        self.folder = folder
        self.bin = bin
        self.port = port
        self.password = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        asServerUser =
            getuid() == 0
            ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []
    }

    /// The address of database `database` over TCP, password included, TLS off (the server has no certificate).
    public func url(database: String) -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// The same address without the password (for a journal that takes it from the environment).
    public func urlWithoutPassword(database: String, host: String = "127.0.0.1") -> String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Creates a new, empty database and returns its name.
    @discardableResult
    public func createDatabase(
        _ name: String = "j_"
            + UUID().uuidString.prefix(12).lowercased()
            .replacingOccurrences(of: "-", with: "_")
    ) throws -> String {
        try runChecked(bin + "/createdb", ["-h", folder, "-p", String(port), "-U", user, name])
        return name
    }

    /// Runs one SQL statement through `psql` as the cluster's owner and returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try runChecked(
            bin + "/psql", ["-h", folder, "-p", String(port), "-U", user, "-d", database, "-X", "-A", "-t", "-c", sql])
    }

    /// Stops the server (fast shutdown: open connections are closed, as when a database server restarts).
    public func stop() throws {
        let running = lock.withLock { () -> Process? in
            defer { process = nil }
            return process
        }
        guard let running else { return }
        // SIGINT: PostgreSQL's fast shutdown.
        running.interrupt()
        running.waitUntilExit()
    }

    /// Starts it again after ``stop()``, on the same port and with the same data.
    public func startAgain() throws { try startServer() }

    /// Stops the server if it runs and removes its folder.
    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The server's log, for a failure message.
    public var log: String { (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? "" }

    // MARK: Plumbing

    private func initialize(allowing networks: [String]) throws {
        let passwordFile = folder + "/password"
        try Data(password.utf8).write(to: URL(fileURLWithPath: passwordFile))
        if !asServerUser.isEmpty {
            // The server's user owns the folder; its password file is readable by it alone.
            for path in [folder, passwordFile] {
                try FileManager.default.setAttributes(
                    [.ownerAccountID: 65534, .groupOwnerAccountID: 65534, .posixPermissions: 0o700], ofItemAtPath: path)
            }
        }
        try runChecked(
            bin + "/initdb",
            [
                "-D", folder + "/data", "-U", user, "--pwfile=" + passwordFile, "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ])
        try? FileManager.default.removeItem(atPath: passwordFile)
        if !networks.isEmpty {
            let hba = folder + "/data/pg_hba.conf"
            let lines = networks.map { "host all all \($0) scram-sha-256\n" }.joined()
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: hba))
            handle.seekToEndOfFile()
            handle.write(Data(lines.utf8))
            try handle.close()
        }
    }

    private func startServer() throws {
        // Durability is not what these tests measure: no fsync. Enough connections for several pools at once.
        let arguments = [
            "-D", folder + "/data", "-h", (["127.0.0.1"] + addresses).joined(separator: ","), "-p", String(port), "-k",
            folder, "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
            "-c", "shared_buffers=32MB",
        ]
        let server = Process()
        let command = launcher + asServerUser + [bin + "/postgres"] + arguments
        server.executableURL = URL(fileURLWithPath: command[0])
        server.arguments = Array(command.dropFirst())
        server.currentDirectoryURL = URL(fileURLWithPath: folder)
        let logPath = folder + "/server.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        server.standardOutput = log
        server.standardError = log
        server.standardInput = FileHandle.nullDevice
        try server.run()
        try? log.close()
        lock.withLock { process = server }
        // Ready when it accepts connections (pg_isready), for at most a minute on a loaded machine.
        for _ in 0..<600 {
            guard server.isRunning else { break }
            if let (status, _) = try? run(bin + "/pg_isready", ["-h", folder, "-p", String(port), "-U", user]),
                status == 0
            {
                return
            }
            usleep(100_000)
        }
        try? stop()
        throw Failure("PostgreSQL did not start\n\(self.log)")
    }

    /// Runs a program as the server's user; throws with its output when it fails.
    @discardableResult
    private func runChecked(_ executable: String, _ arguments: [String]) throws -> String {
        let (status, output) = try run(executable, arguments)
        guard status == 0 else {
            throw Failure("\((executable as NSString).lastPathComponent) failed (\(status)): \(output)")
        }
        return output
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        let command = asServerUser + [executable] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        // Output to a file, not a pipe, read once the program has exited.
        let outputPath = folder + "/command-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A port nobody listens on now: bound to 0 and given back (PostgreSQL takes it a moment later).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure("cannot find a free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Why the fixture could not do what was asked, with the tool's output.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}
