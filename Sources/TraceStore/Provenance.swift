import Foundation
import MedGym

/// Who and what recorded a trace, written into its `episode_started` event
/// (trace format 2) so the hash chain, the head hash and the content-derived
/// episode id cover it: the agent, its model label, the library version and
/// the answer key it was scored against. Only `created_at` stays outside.
public struct Provenance: Sendable, Hashable, Codable {
    /// The agent id (`expert`, `anchoring`, `script:path`, …).
    public var agent: String
    /// The model or version label, if any.
    public var label: String?
    /// The MedGym release that recorded the trace.
    public var libraryVersion: String
    /// SHA-256 of the answer key's canonical JSON (the fixture digest covers
    /// the whole case; this names the key alone, to compare scores across fixture edits).
    public var answerKeyDigest: String
    /// For a model agent (`openai:MODEL`): the endpoint and sampling
    /// settings (never the key, only the name of its variable). Absent otherwise.
    public var endpoint: EndpointSettings?
    /// For an agent driving `medgym serve`: the settings its caller declared
    /// (model name, sampling temperature, …), as text. Absent otherwise.
    public var settings: [String: String]?

    public init(
        agent: String, label: String?, libraryVersion: String = MedGymVersion.current, answerKeyDigest: String,
        endpoint: EndpointSettings? = nil, settings: [String: String]? = nil
    ) {
        self.agent = agent
        self.label = label
        self.libraryVersion = libraryVersion
        self.answerKeyDigest = answerKeyDigest
        self.endpoint = endpoint
        self.settings = settings
    }

    /// Where a header disagrees with the provenance in its chain, as
    /// `field: header says X, the trace says Y`; empty when they agree.
    ///
    /// A saved fork's row names `fork:<continuation>` and its parent while
    /// its chain, which begins with the parent's events, names the parent's
    /// agent; its label and library version must still match.
    public func disagreements(with header: EpisodeHeader) -> [String] {
        var found: [String] = []
        let forkAgents = ForkAgentNames.all
        if header.agent != agent && !(header.parentID != nil && forkAgents.contains(header.agent)) {
            found.append("agent: the header says '\(header.agent)', the trace's episode_started says '\(agent)'")
        }
        if header.label != label {
            found.append("label: the header says \(Self.quoted(header.label)), the trace's episode_started says \(Self.quoted(label))")
        }
        if header.libraryVersion != libraryVersion && header.parentID == nil {
            found.append("library_version: the header says '\(header.libraryVersion)', the trace's episode_started says '\(libraryVersion)'")
        }
        return found
    }

    static func quoted(_ text: String?) -> String { text.map { "'\($0)'" } ?? "none" }
}

/// The agent names a saved fork's row may carry.
enum ForkAgentNames {
    static let all = ["fork:original", "fork:expert", "fork:none", "fork:agent"]
}
