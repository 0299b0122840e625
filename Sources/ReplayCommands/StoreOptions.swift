import ArgumentParser
import CommandLineSupport
import Foundation
import TraceStore

/// `--store PATH`: which trace store to read.
struct StoreOptions: ParsableArguments {
    @Option(
        help: "Trace store: a SQLite file or postgres://USER@HOST/DATABASE (default: $MEDGYM_STORE, else traces/medgym.sqlite, which imports traces/*.jsonl).")
    var store: String?

    /// Opens the store, reporting the default store's automatic imports on
    /// stderr. Reading commands open it read-only (nothing is written, no
    /// files are left beside it) unless the default store has logs to import.
    func open(create: Bool = false, readOnly: Bool = true) throws -> any EpisodeStore {
        let (store, imports) = try StoreLocation(option: store).openStore(create: create, readOnly: readOnly && !create)
        for note in imports { warn(note.description) }
        // A writing command (fork --save, import) signs what it stores with $MEDGYM_SIGNING_KEY, when set.
        if !(readOnly && !create) { store.signingKey = try SigningOption.load(nil) }
        return store
    }
}
