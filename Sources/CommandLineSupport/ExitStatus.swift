import ArgumentParser
import Foundation
import MedGym
import Replay
import TraceStore

/// The exit statuses of `medgym` and `replay`, the same for every command, so
/// a script can tell a problem from a typo from a missing thing.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    /// It worked (and every check passed).
    case ok = 0
    /// A check found a problem (a tampered or broken episode, a failed
    /// verification, a lint failure, a regression under `--fail-on-regression`),
    /// or the command failed for the reason its message names.
    case problem = 1
    /// Something named does not exist: an episode, a store, a fixture.
    case notFound = 2
    /// The command line is wrong: an unknown option or agent, a value out of range.
    case usage = 64

    /// The status for an error a command could not get past.
    public static func of(_ error: any Error) -> ExitStatus {
        switch error {
        case is ValidationError, is AgentSpecError, is ActionResolutionError, is TierRangeError: .usage
        case is UnknownFixtureError: .notFound
        case let error as ScenarioError: error.kind == .unknownArchetype ? .notFound : .usage
        case let error as ForkError:
            switch error {
            case .stepOutOfRange, .unknownAction: .usage
            case .agentNotReplayable: .problem
            }
        case let error as DiffError:
            switch error {
            case .noEpisodes: .notFound
            case .noPairs: .problem
            }
        case let error as StoreError:
            switch error {
            case .unknownEpisode, .missingStore: .notFound
            default: .problem
            }
        default: .problem
        }
    }

    public var exitCode: ExitCode { ExitCode(rawValue) }

    /// The table `--help` and the docs show.
    public static let help = """
        Exit status: 0 ok; 1 a check found a problem (tampering, a failed verification, lint, a regression) \
        or the command failed as its message says; 2 not found (an episode, a store, a fixture, a label); 64 usage \
        (a wrong option, agent, action or value, such as --at out of range).
        """
}

/// Prints an error as one line to stderr and gives the exit status for it.
public func fail(_ error: any Error) -> ExitCode {
    warn("error: \(error)")
    return ExitStatus.of(error).exitCode
}

/// One line to standard error.
public func warn(_ line: String) {
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}

/// A value as pretty canonical JSON (sorted keys) on standard output.
public func printJSON(_ value: some Encodable) throws {
    print(try CanonicalJSON.string(value, pretty: true))
}

/// `--sign-key FILE` (default `$MEDGYM_SIGNING_KEY`): the key every stored episode is signed with.
public enum SigningOption {
    /// The key named by the option, else by `$MEDGYM_SIGNING_KEY`; nil when neither names one.
    public static func load(_ option: String?) throws -> SigningKey? {
        guard let path = option ?? ProcessInfo.processInfo.environment["MEDGYM_SIGNING_KEY"], !path.isEmpty else { return nil }
        return try SigningKey.load(path: path)
    }
}
