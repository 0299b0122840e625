import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

/// `medgym serve --stdio`'s wiring: standard input a line at a time into
/// ``StdioProtocol``, its replies out with write(2), so a reader that went
/// away is an error to handle (EPIPE), not a crash. When the client goes away
/// (its input ends, or it stops reading) every encounter in progress is
/// recorded as ended by the client.
final class StdioSession {
    let server: EnvServer
    /// Set once a reply could not be written: the client is gone.
    private var outputClosed = false

    /// Threads a batch's environments step on.
    let jobs: Int

    init(server: EnvServer, jobs: Int = 1) {
        self.server = server
        self.jobs = jobs
    }

    func serve() {
        let protocolHandler = StdioProtocol(server: server, jobs: jobs) { [self] line in write(line) }
        let input = FileHandle.standardInput
        var buffer = Data()
        var scanned = 0  // bytes of `buffer` already known to hold no newline
        var discarding = false
        var closedByRequest = false
        reading: while !outputClosed {
            let chunk = input.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer[(buffer.startIndex + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                let wasDiscarding = discarding
                discarding = false
                let keep = buffer[(newline + 1)...]
                defer {
                    buffer = Data(keep)
                    scanned = 0
                }
                if wasDiscarding || line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
                if !protocolHandler.handle(Data(line)) {
                    closedByRequest = true
                    break reading
                }
                if outputClosed { break reading }
            }
            scanned = buffer.count
            if buffer.count > StdioProtocol.maxRequestBytes {
                if !discarding { protocolHandler.refuseTooLarge() }
                buffer.removeAll()
                scanned = 0
                discarding = true
            }
        }
        if !closedByRequest {
            for failure in server.closeAll(reason: EnvServer.clientGone) { warn("\(failure.code.rawValue): \(failure.message)") }
        }
    }

    /// Writes one line to standard output with write(2), so a reader that
    /// went away is an error to handle (EPIPE), not a crash.
    func write(_ line: String) {
        guard !outputClosed else { return }
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                outputClosed = true
                return
            }
            offset += written
        }
        bytes.removeAll()
    }
}
