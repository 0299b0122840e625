import CLITestSupport
import Foundation
import Testing

/// The package checks out on a case-insensitive file system (macOS's
/// default): no two paths under `Sources/` or `Tests/` differ only by case.
struct PackageLayoutTests {
    @Test func noTwoPathsDifferOnlyByCase() throws {
        for top in ["Sources", "Tests"] {
            let root = CLI.packageRoot.appendingPathComponent(top).path
            let paths = try #require(FileManager.default.subpathsOfDirectory(atPath: root) as [String]?)
            var seen: [String: String] = [:]
            var clashes: [String] = []
            for path in paths.sorted() {
                let folded = path.lowercased()
                if let other = seen[folded] { clashes.append("\(top)/\(other) and \(top)/\(path)") }
                seen[folded] = path
            }
            #expect(clashes.isEmpty, "paths that differ only by case: \(clashes)")
            #expect(paths.count > 10)
        }
    }
}
