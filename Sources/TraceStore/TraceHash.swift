import Crypto
import Foundation
import MedGym

/// The hash chain: each event's hash is SHA-256 over the previous event's
/// hash and the event's own fields, so changing any byte of any event breaks
/// every hash after it.
public enum TraceHash {
    /// `prev_hash` of an episode's first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 (hex) over the newline-separated fields
    /// `prev_hash, seq, step, sim_minute, kind, rng_state, payload`.
    public static func hash(of event: TraceEvent) -> String {
        // Fed field by field: the same bytes as the joined text, without building it.
        var hasher = SHA256()
        func feed(_ text: String, newline: Bool = true) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            if newline { withUnsafeBytes(of: UInt8(ascii: "\n")) { hasher.update(bufferPointer: $0) } }
        }
        feed(event.prevHash)
        feed(String(event.seq))
        feed(String(event.step))
        feed(String(event.simMinute))
        feed(event.kind.rawValue)
        feed(event.rngState)
        feed(event.payload, newline: false)
        return hex(hasher.finalize())
    }

    /// SHA-256 (hex) of arbitrary bytes.
    public static func sha256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// SHA-256 of an answer key's canonical JSON.
    public static func digest(of key: AnswerKey) throws -> String {
        sha256(try CanonicalJSON.data(key))
    }

    /// The digest recorded for a fixture: SHA-256 of its canonical JSON.
    public static func digest(of fixture: Fixture) throws -> String {
        sha256(try CanonicalJSON.data(fixture))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
