import CLITestSupport
import Foundation
import Testing
import TraceStore

/// Messages that say what is wrong and what to do, for stores that cannot be read as they are.
struct StoreMessagesTests {
    @Test func aMigrationThatFailsSaysSoNotThatItNeedsWriteAccess() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        do {
            let store = try TraceStore(path: path)
            // Claim an older schema while already holding the next migration's table: migrating must fail.
            try store.connection.execute("UPDATE medgym_schema SET version = \(StoreSchema.current - 1)")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let r = try CLI.run("replay", ["list", "--store", path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("and migrating it to \(StoreSchema.current) failed") && r.stderr.contains("the file was not changed"), "\(r.stderr)")
        #expect(!r.stderr.contains("needs write access"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aReaderWaitsForAStoreAnotherProcessIsCreating() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        _ = FileManager.default.createFile(atPath: path, contents: Data())  // the creator has opened the file, nothing written yet
        let reader = try CLI.start("replay", ["list", "--store", path], capture: true)
        usleep(200_000)
        _ = try TraceStore(path: path)  // the creator finishes
        reader.waitUntilExit()
        let out = String(decoding: (reader.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(reader.terminationStatus == 0 && out.contains("0 episodes"), "\(out)")
    }
}
