import CLITestSupport
import Foundation
import TraceStore

/// The one demo-store helper: a fresh store in a temporary folder holding
/// the committed demo episode (`ep_0fa72a32ec1d`), imported in process.
enum DemoStore {
    /// A store file in `dir` with the demo in it; its path (for the binaries).
    static func path(in dir: TempDir) throws -> String {
        let path = dir.path("store.sqlite")
        try TraceImporter(store: try TraceStore(path: path)).importLog(atPath: CLI.demoLog.path)
        return path
    }

    /// A new folder and an open store in it with the demo; remove the folder when done.
    static func opened() throws -> (TraceStore, TempDir) {
        let dir = try TempDir()
        let store = try TraceStore(path: try path(in: dir))
        return (store, dir)
    }
}
