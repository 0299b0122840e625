import CLITestSupport
import Foundation
import Testing

/// `--out` replaces regular files atomically and never replaces anything else.
struct OutputFileTests {
    @Test func outWritesIntoDevicesAndFIFOsWithoutReplacingThem() throws {
        let dir = try TempDir.withShippedTraces()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        func export(_ out: String) throws -> CLI.Output {
            try CLI.run("replay", ["export", "trace", "ep_0fa72a32ec1d", "--out", out, "--store", store])
        }
        // A device is written to, not replaced.
        let null = try export("/dev/null")
        #expect(null.status == 0, "\(null.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType == .typeCharacterSpecial)
        let full = try export("/dev/full")
        #expect(full.status != 0 && full.stderr.contains("cannot write /dev/full: no space left on device"))
        #expect(try FileManager.default.attributesOfItem(atPath: "/dev/full")[.type] as? FileAttributeType == .typeCharacterSpecial)
        // A FIFO stays a FIFO.
        let fifo = dir.path("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat '\(fifo)' > '\(dir.path("pipe.out"))'"]
        try reader.run()
        #expect(try export(fifo).status == 0)
        reader.waitUntilExit()
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        let piped = try String(contentsOfFile: dir.path("pipe.out"), encoding: .utf8)
        #expect(piped == (try String(contentsOf: CLI.demoLog, encoding: .utf8)))
        // A regular file is replaced whole; a missing folder is a clear error.
        #expect(try export(dir.path("trace.jsonl")).status == 0)
        let missing = try export(dir.path("no/such/folder/trace.jsonl"))
        #expect(missing.status != 0 && missing.stderr.contains("no such file or directory; create its folder first"))
    }
}
