import Foundation
import TraceStore

/// How `replay` reaches a store held by a database server: it does not link the server's client
/// (postgres-nio and SwiftNIO would add milliseconds to every `replay` start, most of which never
/// see a server), so a command naming one (`--store postgres://…`, `--from`/`--to`, or
/// `MEDGYM_STORE`) runs as `medgym replay …`, from the `medgym` beside it: the same commands, the
/// same output and exit status.
public enum ServerDelegation {
    /// Whether `arguments` (without the program name) name a server store, or, when they name no
    /// store at all (`--store`, `--from`, `--to`), `environment`'s `MEDGYM_STORE` does.
    public static func namesServerStore(_ arguments: [String], environment: [String: String]) -> Bool {
        let named = arguments.contains { argument in
            let value = argument.hasPrefix("--") ? String(argument.drop { $0 != "=" }.dropFirst()) : argument
            return StoreServers.scheme(of: value) != nil
        }
        if named { return true }
        let storeOptions = ["--store", "--from", "--to"]
        let chosen = arguments.contains { argument in storeOptions.contains { argument == $0 || argument.hasPrefix($0 + "=") } }
        guard !chosen, let store = environment[StoreLocation.environmentVariable] else { return false }
        return StoreServers.scheme(of: store) != nil
    }

    /// Replaces this process with `medgym replay ARGS` when the arguments name a server store; returns
    /// otherwise. A missing `medgym` is one line on stderr and exit status 1.
    public static func runAsMedGymIfAServerStoreIsNamed() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard namesServerStore(arguments, environment: ProcessInfo.processInfo.environment) else { return }
        let here = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        let medgym = here.deletingLastPathComponent().appendingPathComponent("medgym").path
        guard FileManager.default.isExecutableFile(atPath: medgym) else {
            warn("error: a postgres:// store is opened through medgym, and there is no \(medgym); build it (swift build) or run medgym replay …")
            exit(ExitStatus.problem.rawValue)
        }
        let argv = (["medgym", "replay"] + arguments).map { strdup($0) } + [nil]
        execv(medgym, argv)
        warn("error: could not run \(medgym): \(String(cString: strerror(errno)))")
        exit(ExitStatus.problem.rawValue)
    }
}
