import Foundation

/// The golden JSON files the TypeScript tests decode too (`sfu/src/protocol/fixtures`), read from
/// the repository checkout the tests were built from.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // ShellTests
        .deletingLastPathComponent() // ios-shell
        .deletingLastPathComponent() // repository
        .appendingPathComponent("sfu/src/protocol/fixtures")

    static func files(_ folder: String) throws -> [(name: String, data: Data)] {
        let dir = root.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".json") }
            .sorted()
            .map { ($0, try Data(contentsOf: dir.appendingPathComponent($0))) }
    }

    static func json(_ data: Data) throws -> NSDictionary {
        try JSONSerialization.jsonObject(with: data) as! NSDictionary
    }
}
