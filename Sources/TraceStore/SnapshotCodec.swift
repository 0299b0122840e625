import Foundation
import MedGym

/// How snapshots are stored: each row is the state after its step, except
/// that `actions` holds only the actions that step added. The full state
/// after step N is row N with the actions of rows 0…N concatenated — no
/// simulation, and each row stays small instead of repeating the history.
public enum SnapshotCodec {
    /// One stored row.
    public struct Row: Sendable, Hashable {
        public var step: Int
        public var json: String
        public var stateHash: String
    }

    /// Rows for consecutive snapshots starting at step 0.
    public static func rows(_ snapshots: [StateSnapshot]) throws -> [Row] {
        var previousCount = 0
        return try snapshots.map { snapshot in
            var state = snapshot.state
            state.actions = Array(state.actions.dropFirst(previousCount))
            previousCount = snapshot.state.actions.count
            let data = try CanonicalJSON.data(state)
            return Row(step: snapshot.step, json: String(decoding: data, as: UTF8.self), stateHash: TraceHash.sha256(data))
        }
    }

    /// Full states from consecutive rows starting at step 0.
    public static func states(_ rows: [Row]) throws -> [StateSnapshot] {
        var actions: [ActionRecord] = []
        return try rows.map { row in
            var state = try CanonicalJSON.decode(EpisodeState.self, from: Data(row.json.utf8))
            actions += state.actions
            state.actions = actions
            return StateSnapshot(step: row.step, state: state)
        }
    }
}
