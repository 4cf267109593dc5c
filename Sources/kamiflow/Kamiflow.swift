import ArgumentParser

/// The `kamiflow` command: the composition root that wires flags, environment and files into the library modules.

struct Kamiflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kamiflow",
        abstract: "Turn scanned paper forms into validated records in core systems, on this machine.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, WatchCommand.self, ServeCommand.self, StatusCommand.self, JournalCommand.self,
            ReviewCommand.self, ExtractCommand.self, ValidateCommand.self, SchemaCommand.self, OCRCommand.self,
            RenderCommand.self, SamplesCommand.self, CoreSimCommand.self, ConnectionsCommand.self, EvalCommand.self,
            InspectCommand.self, OverlayCommand.self, BenchReadCommand.self, UsersCommand.self, CalibrateCommand.self,
            MastersCommand.self,
        ]
    )

    mutating func run() async throws {
        print(Self.helpMessage())
    }
}
