import Foundation
import MedGym
import TraceStore

/// Plays one text first (the action at the fork step), then hands over.
struct LeadAgent: Agent {
    let id: String
    var lead: String?
    var follower: any Agent
    var started = false

    mutating func act(on observation: Observation) throws -> String? {
        if !started {
            started = true
            if let lead { return lead }
        }
        return try follower.act(on: observation)
    }
}
