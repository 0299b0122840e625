import Foundation
import MedGym

/// The portable event log: one JSON object a line. The first line is the
/// header (`{"episode": {...}, "format": "medgym-trace", "version": 1}`),
/// then one line per event with its payload inline, keys sorted.
public enum TraceLog {
    public static let formatName = "medgym-trace"
    public static let version = 1

    /// The log of one episode, ending with a newline.
    /// Signatures go in the header line (absent when there are none, so an
    /// unsigned log reads as before).
    public static func encode(header: EpisodeHeader, events: [TraceEvent], signatures: [EpisodeSignature] = []) throws -> String {
        var out = try CanonicalJSON.string(
            LogHeader(
                episode: header, format: formatName, version: version,
                signatures: signatures.isEmpty ? nil : signatures))
        out += "\n"
        let id = try quoted(header.episodeID)
        for e in events {
            out += "{\"episode_id\":\(id),\"hash\":\(try quoted(e.hash)),\"kind\":\(try quoted(e.kind.rawValue)),"
            out += "\"payload\":\(e.payload),\"prev_hash\":\(try quoted(e.prevHash)),\"rng_state\":\(try quoted(e.rngState)),"
            out += "\"seq\":\(e.seq),\"sim_minute\":\(e.simMinute),\"step\":\(e.step)}\n"
        }
        return out
    }

    /// Reads a log: header and events, each event's hash and link checked.
    /// Errors name the file and line.
    public static func decode(_ text: String, file: String, headerOnly: Bool = false) throws(StoreError) -> (header: EpisodeHeader, events: [TraceEvent]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, !first.isEmpty else {
            throw .badLog(file: file, line: 1, problem: "empty file; expected a medgym-trace header line")
        }
        let header: LogHeader
        do {
            header = try CanonicalJSON.decode(LogHeader.self, from: Data(first.utf8))
        } catch {
            throw .badLog(file: file, line: 1, problem: "not a medgym-trace header (\(describe(error)))")
        }
        guard header.format == formatName else {
            throw .badLog(file: file, line: 1, problem: "format is '\(header.format)', expected '\(formatName)'")
        }
        guard header.version <= version else {
            throw .badLog(file: file, line: 1, problem: "log version \(header.version) is newer than this MedGym reads (\(version)); upgrade MedGym")
        }
        guard EpisodeID.isValid(header.episode.episodeID) else {
            throw .badLog(file: file, line: 1, problem: "episode_id '\(header.episode.episodeID)' is not ep_ and 12 hex digits")
        }
        var events: [TraceEvent] = []
        if headerOnly { return (header.episode, events) }
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let number = offset + 1
            let row: Line
            do {
                row = try CanonicalJSON.decode(Line.self, from: Data(line.utf8))
            } catch {
                throw .badLog(file: file, line: number, problem: "not a trace event (\(describe(error)))")
            }
            guard row.episodeID == header.episode.episodeID else {
                throw .badLog(file: file, line: number, problem: "episode_id '\(row.episodeID)' differs from the header's '\(header.episode.episodeID)'")
            }
            guard let kind = TraceEventKind(rawValue: row.kind) else {
                throw .badLog(
                    file: file, line: number, problem: "unknown kind '\(row.kind)'; known: \(TraceEventKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard row.seq == events.count else {
                throw .badLog(file: file, line: number, problem: "seq \(row.seq) out of order; expected \(events.count)")
            }
            let payload: String
            do { payload = try CanonicalJSON.string(row.payload) } catch {
                throw .badLog(file: file, line: number, problem: "payload cannot be encoded: \(error)")
            }
            let event = TraceEvent(
                seq: row.seq, step: row.step, simMinute: row.simMinute, kind: kind, payload: payload,
                rngState: row.rngState, prevHash: row.prevHash, hash: row.hash)
            let expectedPrev = events.last?.hash ?? TraceHash.genesis
            guard event.prevHash == expectedPrev else {
                throw .badLog(file: file, line: number, problem: "event \(row.seq): prev_hash does not match the previous event's hash")
            }
            guard TraceHash.hash(of: event) == event.hash else {
                throw .badLog(file: file, line: number, problem: "event \(row.seq) (\(kind.rawValue)): hash does not match its content; the log was altered")
            }
            events.append(event)
        }
        guard !events.isEmpty else { throw .badLog(file: file, line: 2, problem: "the log has a header but no events") }
        return (header.episode, events)
    }

    static func quoted(_ text: String) throws -> String {
        try CanonicalJSON.string(text)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "bad field '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context): context.debugDescription
        default: "\(error)"
        }
    }

    struct LogHeader: Codable {
        var episode: EpisodeHeader
        var format: String
        var version: Int
        var signatures: [EpisodeSignature]?
    }

    /// The signatures a log's header line carries (none when it carries none
    /// or is not a log; ``decode(_:file:headerOnly:)`` reports a bad header).
    public static func signatures(in text: String) -> [EpisodeSignature] {
        let first = text.prefix { $0 != "\n" }
        return (try? CanonicalJSON.decode(LogHeader.self, from: Data(first.utf8)))?.signatures ?? []
    }

    /// One event line: the event with its episode id and its payload as a
    /// JSON object (what `replay show --json` prints too).
    public struct Line: Codable, Sendable, Hashable {
        public var episodeID: String
        public var seq: Int
        public var step: Int
        public var simMinute: Int
        public var kind: String
        public var payload: TracePayload
        public var rngState: String
        public var prevHash: String
        public var hash: String

        /// The line for a stored event (decoding its payload).
        public init(episodeID: String, event: TraceEvent) throws {
            self.episodeID = episodeID
            seq = event.seq
            step = event.step
            simMinute = event.simMinute
            kind = event.kind.rawValue
            payload = try event.decodedPayload()
            rngState = event.rngState
            prevHash = event.prevHash
            hash = event.hash
        }
    }
}
