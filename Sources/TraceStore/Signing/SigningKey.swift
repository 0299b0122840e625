import Crypto
import Foundation

/// A recorder's Ed25519 private key, read from a key file (one line:
/// `medgym-ed25519-private BASE64`, written by `medgym keys new`).
public struct SigningKey: Sendable {
    /// The 32 private-key bytes (the key type itself is not Sendable).
    let raw: Data
    var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: raw) }  // checked on load

    init(key: Curve25519.Signing.PrivateKey) { raw = key.rawRepresentation }

    /// The matching public key, base64 (what a `--trust` file lists).
    public var publicKey: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// A new random key (the only place MedGym uses system randomness: keys, never simulation).
    public static func generate() -> SigningKey { SigningKey(key: .init()) }

    /// Reads a key file; errors name the file and what to do.
    public static func load(path: String) throws(SigningKeyError) -> SigningKey {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SigningKeyError(path: path, problem: "cannot read it (\(error.localizedDescription)); create one with 'medgym keys new --out \(path)'")
        }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, parts[0] == "medgym-ed25519-private", let raw = Data(base64Encoded: String(parts[1])),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw SigningKeyError(
                path: path,
                problem: "not a MedGym signing key (expected one line 'medgym-ed25519-private BASE64'); create one with 'medgym keys new --out \(path)'")
        }
        return SigningKey(key: key)
    }

    /// The key file's text.
    public var fileText: String { "medgym-ed25519-private \(raw.base64EncodedString())\n" }

    /// The public key as a `--trust` file line.
    public var publicLine: String { "medgym-ed25519 \(publicKey)\n" }

    /// Signs an episode's row and head hash.
    public func sign(header: EpisodeHeader, headHash: String, eventCount: Int) throws -> EpisodeSignature {
        let bytes = try key.signature(for: EpisodeSignature.message(header: header, headHash: headHash, eventCount: eventCount))
        return EpisodeSignature(publicKey: publicKey, signature: bytes.base64EncodedString())
    }
}

/// A key file that cannot be used.
public struct SigningKeyError: Error, CustomStringConvertible, Sendable, Hashable {
    public let path: String
    public let problem: String
    public var description: String { "key file \(path): \(problem)" }
}
