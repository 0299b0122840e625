import CLITestSupport
import Foundation
import Testing

/// `cmd:` agents run in a process group of their own, and a timeout, the
/// end of a batch or an interrupt of MedGym ends the whole group: nothing an
/// agent started (children, grandchildren, a child that ignores SIGTERM)
/// outlives the run. Each test tags its agents' processes with a marker no
/// other process has (`sleep 300.<digits>`), and looks for them in /proc.
@Suite(.serialized) struct AgentProcessGroupTests {
    /// A marker argument unique to one test: `300.` and eight random digits.
    static func marker() -> String { "300." + String(UInt64.random(in: 10_000_000...99_999_999)) }

    /// An agent that answers nothing and leaves a tree behind: a child shell
    /// with two sleeping children, a child that ignores SIGTERM, and a
    /// sleep in the foreground; all of them carry `marker`.
    static func hungAgent(_ marker: String) -> String {
        "cmd:sh -c 'sleep \(marker) & sleep \(marker)' & (trap '' TERM; sleep \(marker)) & sleep \(marker)"
    }

    /// Processes alive (not zombies) whose command line holds `marker`, with their process group (MedGym itself, whose
    /// arguments hold it too, left out).
    static func alive(_ marker: String) -> [(pid: pid_t, group: pid_t)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> (pid_t, pid_t)? in
            guard let pid = pid_t(name),
                let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                String(decoding: cmdline, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(marker),
                !String(decoding: cmdline.prefix { $0 != 0 }, as: UTF8.self).hasSuffix("medgym"),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let paren = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: paren)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", fields[0] != "X", let group = pid_t(fields[2]) else { return nil }
            return (pid, group)
        }
    }

    /// Waits up to `seconds` for `count` marked processes to be running.
    static func waitFor(_ count: Int, _ marker: String, seconds: Double = 10) -> [(pid: pid_t, group: pid_t)] {
        let deadline = Date().addingTimeInterval(seconds)
        var found = alive(marker)
        while found.count < count && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            found = alive(marker)
        }
        return found
    }

    /// Kills whatever a failed test left behind.
    static func sweep(_ marker: String) {
        for process in alive(marker) { kill(process.pid, SIGKILL) }
    }

    @Test func aTimedOutAgentEndsWithEverythingItStarted() throws {
        let marker = Self.marker()
        defer { Self.sweep(marker) }
        let started = Date()
        let run = try CLI.start(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", Self.hungAgent(marker),
                "--agent-timeout", "1", "--no-store",
            ])
        // The whole tree is up, in a group of its own (not the test's, not MedGym's).
        let tree = Self.waitFor(5, marker, seconds: 5)
        #expect(tree.count >= 5, "\(tree)")
        #expect(Set(tree.map(\.group)).count == 1)
        #expect(tree.first?.group != getpgrp() && tree.first?.group != getpgid(run.processIdentifier))
        run.waitUntilExit()
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.terminationStatus == 0)
        // 1 s of timeout, at most about a second to end the group (SIGKILL for the child ignoring SIGTERM).
        #expect(elapsed < 4, "the run took \(elapsed) s")
        let left = Self.alive(marker)
        #expect(left.isEmpty, "left running: \(left)")
        if let group = tree.first?.group {
            #expect(Self.alive(marker).allSatisfy { $0.group != group })
        }
    }

    @Test func aBatchOfHungAgentsLeavesNoOrphans() throws {
        let marker = Self.marker()
        defer { Self.sweep(marker) }
        let started = Date()
        let batch = try CLI.run(
            "medgym",
            [
                "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1-6", "--agent", Self.hungAgent(marker),
                "--agent-timeout", "1", "--jobs", "3", "--no-store",
            ])
        let elapsed = Date().timeIntervalSince(started)
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.stdout.contains("6 episodes"))
        // Three at a time (--jobs 3, whatever the cores): two rounds of 1 s and the stops.
        #expect(elapsed < 8, "the batch took \(elapsed) s")
        let left = Self.alive(marker)
        #expect(left.isEmpty, "left running: \(left)")
    }

    @Test func anInterruptedMedGymEndsItsAgentsFirst() throws {
        for (command, signal) in [("run", SIGINT), ("batch", SIGTERM)] {
            let marker = Self.marker()
            defer { Self.sweep(marker) }
            let arguments =
                command == "run"
                ? ["run", "--fixture", "adv_cocaine_dissection", "--agent", Self.hungAgent(marker), "--agent-timeout", "60", "--no-store"]
                : [
                    "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1-2", "--agent", Self.hungAgent(marker),
                    "--agent-timeout", "60", "--jobs", "2", "--no-store",
                ]
            let medgym = try CLI.start("medgym", arguments)
            let tree = Self.waitFor(command == "run" ? 5 : 10, marker)
            #expect(tree.count >= 5, "\(command): \(tree)")
            let interrupted = Date()
            kill(medgym.processIdentifier, signal)
            medgym.waitUntilExit()
            let elapsed = Date().timeIntervalSince(interrupted)
            // MedGym still dies of the signal, as a shell expects, once its agents are gone.
            #expect(medgym.terminationReason == .uncaughtSignal && medgym.terminationStatus == signal, "\(command)")
            #expect(elapsed < 3, "\(command): ending took \(elapsed) s")
            // A member that ignored SIGTERM got SIGKILL just before MedGym died: it can run nothing more,
            // but a loaded machine may take a moment to finish its exit.
            var left = Self.alive(marker)
            for _ in 0..<20 where !left.isEmpty {
                Thread.sleep(forTimeInterval: 0.05)
                left = Self.alive(marker)
            }
            #expect(left.isEmpty, "\(command) left running: \(left)")
        }
    }
}
