import Foundation
import MedGym

/// The agent of a run started from the live page, slowed to `pace` seconds a turn so a person can
/// follow a built-in agent. Its id and everything it records are the inner agent's, so the stored
/// episode is the one `medgym run` would store.
struct PacedAgent: Agent {
    var inner: any Agent
    let pace: Double

    var id: String { inner.id }
    var rawReply: String? { inner.rawReply }
    var replyTokens: Int? { inner.replyTokens }

    mutating func act(on observation: Observation) throws -> String? {
        let text = try inner.act(on: observation)
        if pace > 0 { Thread.sleep(forTimeInterval: pace) }
        return text
    }

    mutating func finish(score: ScoreCard) { inner.finish(score: score) }
    mutating func refused(_ refusal: TurnRefusal) { inner.refused(refusal) }
    mutating func resume(_ observation: Observation, answered text: String?, raw: String?) throws {
        try inner.resume(observation, answered: text, raw: raw)
    }
}
