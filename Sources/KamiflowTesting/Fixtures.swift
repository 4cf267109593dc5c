import Foundation

/// Where the repository's test inputs live, found from this source file so tests run from any directory.
public enum Fixtures {
    /// The repository's root folder.
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KamiflowTesting
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()
        .path

    /// `Fixtures/` under the repository root.
    public static var directory: String { repositoryRoot + "/Fixtures" }

    /// The path of `name` under `Fixtures/ocr/`, the reading engine's fixtures.
    public static func ocr(_ name: String) -> String { directory + "/ocr/" + name }

    /// The `Samples/` folder of sample scans.
    public static var samples: String { repositoryRoot + "/Samples" }
}
