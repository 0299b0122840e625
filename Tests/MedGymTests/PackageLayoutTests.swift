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

/// The core (`MedGymCore`) does no I/O: no bundle, file, process, network or
/// clock access, so it can be handed its content from memory and gives the
/// same answers anywhere. What touches the outside world lives in `MedGym`.
struct CoreHasNoIOTests {
    static let forbidden = [
        "Bundle.", "FileManager", "FileHandle", "Data(contentsOf", "String(contentsOf", "posix_spawn", "fopen(",
        "import CCurl", "Date()", "ProcessInfo", "getenv(", "URLSession", "clock_gettime", "DispatchTime.now",
    ]

    @Test func coreSourcesNameNoOutsideWorldAPI() throws {
        let root = CLI.packageRoot.appendingPathComponent("Sources/MedGymCore")
        let files = try #require(FileManager.default.subpathsOfDirectory(atPath: root.path) as [String]?).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 30)
        var hits: [String] = []
        for file in files.sorted() {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.components(separatedBy: "//").first ?? ""
                for name in Self.forbidden where code.contains(name) { hits.append("MedGymCore/\(file):\(number + 1): \(name)") }
            }
        }
        #expect(hits.isEmpty, "I/O in the core: \(hits)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("Resources").path))
    }
}
