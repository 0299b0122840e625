import Crypto
import Foundation

/// The public keys whose signatures a reader accepts (`--trust FILE`): one
/// key a line, `medgym-ed25519 BASE64 [comment]`; blank lines and `#`
/// comments are skipped.
public struct TrustedKeys: Sendable, Hashable {
    /// Base64 public keys, sorted.
    public let keys: [String]

    public init(keys: [String]) { self.keys = Array(Set(keys)).sorted() }

    /// Reads a trust file; a malformed line is an error naming its number.
    public static func load(path: String) throws(SigningKeyError) -> TrustedKeys {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SigningKeyError(
                path: path, problem: "cannot read it (\(error.localizedDescription)); list public keys one a line, as 'medgym keys new' prints them")
        }
        var keys: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(whereSeparator: \.isWhitespace)
            guard parts.count >= 2, parts[0] == "medgym-ed25519", let raw = Data(base64Encoded: String(parts[1])),
                (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
            else {
                throw SigningKeyError(path: path, problem: "line \(number + 1) is not 'medgym-ed25519 BASE64 [comment]' with a 32-byte Ed25519 public key")
            }
            keys.append(String(parts[1]))
        }
        guard !keys.isEmpty else { throw SigningKeyError(path: path, problem: "lists no keys; add the lines 'medgym keys new' prints") }
        return TrustedKeys(keys: keys)
    }

    /// Why `signatures` do not vouch for the episode, or nil when one valid
    /// signature is by a trusted key.
    public func refusal(_ signatures: [EpisodeSignature], header: EpisodeHeader, headHash: String, eventCount: Int) -> String? {
        let trusted = signatures.filter { keys.contains($0.publicKey) }
        if trusted.contains(where: { $0.isValid(header: header, headHash: headHash, eventCount: eventCount) }) { return nil }
        if signatures.isEmpty { return "unsigned" }
        if trusted.isEmpty {
            return "signed only by keys not trusted here (\(signatures.map { String($0.publicKey.prefix(12)) + "…" }.joined(separator: ", ")))"
        }
        return "its signature by a trusted key does not match its row and head hash"
    }
}
