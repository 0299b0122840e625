import Crypto
import Foundation

/// An Ed25519 signature over what an episode's row says and the head hash
/// that seals its trace: id, fixture, tier, variant, seed, agent, label,
/// library version, parent, fork step, event count and head hash.
///
/// What it proves: the holder of the private key stored (or vouched for)
/// exactly this trace under exactly this row. What it does not: that the
/// agent named really chose the actions (only re-running a deterministic
/// agent shows that), or that the key's holder is honest.
public struct EpisodeSignature: Sendable, Hashable, Codable {
    /// The signer's Ed25519 public key, base64 of its 32 bytes.
    public var publicKey: String
    /// Base64 of the 64-byte signature.
    public var signature: String

    public init(publicKey: String, signature: String) {
        self.publicKey = publicKey
        self.signature = signature
    }

    /// The bytes signed for an episode: one field a line, after a versioned tag.
    public static func message(header h: EpisodeHeader, headHash: String, eventCount: Int) -> Data {
        let fields = [
            "medgym-episode-signature-v1", h.episodeID, h.fixture, h.tier.map(String.init) ?? "-", h.variant ?? "-",
            String(h.seed), h.agent, h.label ?? "-", h.libraryVersion, h.parentID ?? "-", h.forkStep.map(String.init) ?? "-",
            String(eventCount), headHash,
        ]
        // Fields are escaped so no value can stand for two lines.
        return Data(
            fields.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n") }
                .joined(separator: "\n").utf8)
    }

    /// Whether this signature is the key's over that episode.
    public func isValid(header: EpisodeHeader, headHash: String, eventCount: Int) -> Bool {
        guard let keyBytes = Data(base64Encoded: publicKey), let signatureBytes = Data(base64Encoded: signature),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { return false }
        return key.isValidSignature(signatureBytes, for: Self.message(header: header, headHash: headHash, eventCount: eventCount))
    }
}
