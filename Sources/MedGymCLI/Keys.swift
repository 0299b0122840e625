import ArgumentParser
import CommandLineSupport
import Foundation
import TraceStore

/// `medgym keys new`: an Ed25519 signing key for recorders.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Signing keys: a recorder that holds one signs every episode it stores.",
        subcommands: [New.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Write a new Ed25519 private key (mode 600) and its public key (FILE.pub, for --trust files).",
            discussion: "Example: medgym keys new --out lab.key, then medgym run … --sign-key lab.key and replay verify --all --trust lab.key.pub")

        @Option(help: "Where to write the private key (the public key goes to FILE.pub).")
        var out: String

        func run() throws {
            do {
                let key = SigningKey.generate()
                try KeyFiles.write(key, to: out)
                print("wrote \(out) (private: keep it; record with --sign-key \(out) or MEDGYM_SIGNING_KEY=\(out))")
                print("wrote \(out).pub (public: add its line to the --trust file of whoever checks your episodes)")
                print(key.publicLine, terminator: "")
            } catch {
                throw fail(error)
            }
        }
    }
}

/// Writes key files without ever replacing one.
enum KeyFiles {
    static func write(_ key: SigningKey, to path: String) throws {
        for file in [path, path + ".pub"] where FileManager.default.fileExists(atPath: file) {
            throw ValidationError("\(file) already exists; a key is never overwritten (choose another --out)")
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(key.fileText.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(path) (does its folder exist and is it writable?)")
        }
        guard FileManager.default.createFile(atPath: path + ".pub", contents: Data(key.publicLine.utf8)) else {
            throw ValidationError("cannot write \(path).pub (does its folder exist and is it writable?)")
        }
    }
}
