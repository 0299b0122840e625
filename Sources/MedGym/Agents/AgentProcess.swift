import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `cmd:` agent's shell, started in a process group of its own, so that
/// everything it starts (a script's interpreter, `sleep 300 &`, workers) can
/// be ended together: ``end(patience:)`` sends SIGTERM to the whole group,
/// SIGKILL after a short grace, and reaps the shell.
///
/// Why `posix_spawn` and not swift-subprocess: swift-subprocess (1.0.2) runs
/// a child only inside an `async` closure that owns it until the closure
/// returns, while ``Agent`` is synchronous and an agent's process lives across
/// many calls (`act` per turn, `finish` at the end). Holding it would mean a
/// task per agent parked on a semaphore and a second channel for every
/// request, reply and stop. `posix_spawn` with `POSIX_SPAWN_SETPGROUP` does
/// what is needed in one call, race-free (the child is in its group before it
/// runs a line of the command), and leaves the descriptors, the reaping and
/// the signalling here, in a few lines, without another dependency.
///
/// The child gets default signal dispositions and an empty signal mask
/// (MedGym ignores SIGPIPE, and Dispatch's worker threads, which run batch
/// episodes, block most signals: a child inheriting either could not be
/// stopped by SIGTERM or would not see a closed pipe), its standard
/// input, output and error as pipes, and no other descriptor of MedGym's.
/// Every live group is known to ``AgentProcessGroups``, which ends them all
/// when MedGym is interrupted (SIGINT, SIGTERM, SIGHUP).
final class AgentProcess: @unchecked Sendable {
    /// The shell's pid, which is also the process group's id.
    let pid: pid_t
    /// The agent's standard output, a line at a time.
    let output: LineReader
    /// The agent's standard error, a line at a time (the last one goes into a crash report).
    let errors: LineReader
    private var input: Int32
    private var waitStatus: Int32?
    private var ended = false
    private let lock = NSLock()

    /// Seconds between SIGTERM to the group and SIGKILL.
    static let termGrace = 0.5

    /// Starts `/bin/sh -c command` in a new process group.
    init(command: String, outputLimit: Int, errorLimit: Int) throws {
        AgentProcessGroups.installInterruptHandlers()
        let arguments = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        // Pipes made and the child spawned under one lock: no other agent's spawn can inherit these pipes
        // in the instant before they are marked close-on-exec (that agent would hold this one's input open).
        let spawned: Result<(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32), POSIXError> = AgentProcessGroups.spawning {
            var pipes: [(read: Int32, write: Int32)] = []
            for _ in 0..<3 {
                switch Self.pipe() {
                case .success(let pipe): pipes.append(pipe)
                case .failure(let error):
                    for pipe in pipes {
                        close(pipe.read)
                        close(pipe.write)
                    }
                    return .failure(error)
                }
            }
            let (stdin, stdout, stderr) = (pipes[0], pipes[1], pipes[2])
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
            posix_spawn_file_actions_init(&actions)
            posix_spawnattr_init(&attributes)
            defer {
                posix_spawn_file_actions_destroy(&actions)
                posix_spawnattr_destroy(&attributes)
            }
            posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
            posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
            posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
            Self.closeFrom3(&actions)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            posix_spawnattr_setpgroup(&attributes, 0)  // a new group, its id the child's pid
            var noSignals = sigset_t()
            var everySignal = sigset_t()
            sigemptyset(&noSignals)
            sigfillset(&everySignal)
            posix_spawnattr_setsigmask(&attributes, &noSignals)
            posix_spawnattr_setsigdefault(&attributes, &everySignal)
            var pid: pid_t = 0
            let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
            if status == 0 { AgentProcessGroups.register(pid) }
            close(stdin.read)
            close(stdout.write)
            close(stderr.write)
            guard status == 0 else {
                for fd in [stdin.write, stdout.read, stderr.read] { close(fd) }
                return .failure(POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO))
            }
            return .success((pid, stdin.write, stdout.read, stderr.read))
        }
        let (pid, stdinWrite, stdoutRead, stderrRead) = try spawned.get()
        self.pid = pid
        // Writes to the agent wait for room up to a deadline rather than block: an agent that never reads cannot hang MedGym.
        _ = fcntl(stdinWrite, F_SETFL, fcntl(stdinWrite, F_GETFL) | O_NONBLOCK)
        self.input = stdinWrite
        self.output = LineReader(fd: stdoutRead, limit: outputLimit)
        self.errors = LineReader(fd: stderrRead, limit: errorLimit)
    }

    deinit { end(patience: 0) }

    /// A pipe whose ends close on exec and are not 0, 1 or 2 (which the child's dup2 would clash with).
    private static func pipe() -> Result<(read: Int32, write: Int32), POSIXError> {
        var fds: [Int32] = [0, 0]
        guard systemPipe(&fds) == 0 else { return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE)) }
        for i in fds.indices {
            if fds[i] < 3 {
                let moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)
                close(fds[i])
                fds[i] = moved
            } else {
                _ = fcntl(fds[i], F_SETFD, FD_CLOEXEC)
            }
        }
        return .success((fds[0], fds[1]))
    }

    /// Closes every descriptor from 3 up in the child (glibc 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time as
    /// Swift's Glibc module does not export it): a descriptor some other part
    /// of MedGym opened without close-on-exec is not handed to the agent.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        #if os(Linux)
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
            guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        #endif
    }

    /// Whether the shell is still running (it is reaped once it has exited; its status is kept).
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return reap() == nil
    }

    /// How the shell ended, for a crash report: `status N` or `signal N`; nil while it runs.
    var exitDescription: String? {
        lock.lock()
        defer { lock.unlock() }
        guard let status = reap() else { return nil }
        let signal = status & 0x7f
        return signal == 0 ? "status \((status >> 8) & 0xff)" : "signal \(signal)"
    }

    /// The shell's wait status once it has exited (reaping it), else nil. Call with the lock held.
    private func reap() -> Int32? {
        if let waitStatus { return waitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) {
            waitStatus = result == pid ? status : 0
        }
        return waitStatus
    }

    enum WriteResult { case written, closed, timedOut }

    /// Writes all of `bytes` to the agent's input, waiting for room until `deadline`.
    func write(_ bytes: [UInt8], until deadline: Date) -> WriteResult {
        lock.lock()
        let fd = input
        lock.unlock()
        guard fd >= 0 else { return .closed }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
                continue
            }
            if written < 0 && errno == EINTR { continue }
            guard written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else { return .closed }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return .timedOut }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&poller, 1, Int32(min(left, 0.1) * 1000) + 1)
        }
        return .written
    }

    /// Closes the agent's input (it sees end of file).
    func closeInput() {
        lock.lock()
        defer { lock.unlock() }
        if input >= 0 {
            close(input)
            input = -1
        }
    }

    /// Ends the agent and everything in its process group: its input is
    /// closed, the shell gets `patience` seconds to exit by itself, then the
    /// group gets SIGTERM and, after ``termGrace`` seconds, SIGKILL; the
    /// shell is reaped and the readers of its output stopped. At most
    /// `patience` + about 0.6 s. Calling it again does nothing.
    func end(patience: Double) {
        lock.lock()
        defer { lock.unlock() }
        guard !ended else { return }
        ended = true
        if input >= 0 {
            close(input)
            input = -1
        }
        let start = Date()
        while reap() == nil && Date().timeIntervalSince(start) < patience { usleep(10_000) }
        AgentProcessGroups.endGroup(pid, grace: Self.termGrace) { [self] in reap() != nil }
        _ = reap()
        AgentProcessGroups.unregister(pid)
        output.stop()
        errors.stop()
    }
}

/// Every agent process group alive in this process, so that none outlives
/// MedGym: each is ended by its agent (a timeout, a crash, the end of the
/// episode, or the agent released), ``endAll()`` ends whatever is left (a
/// batch's end), and an interrupt (SIGINT, SIGTERM, SIGHUP) ends them all
/// before MedGym dies of it. (A SIGKILL to MedGym cannot be caught: its
/// agents then live on, as does a process that leaves its group on purpose.)
public enum AgentProcessGroups {
    /// Slots holding live group ids (0: free). A fixed C array, so that the
    /// signal handler can read it without a lock or an allocation; written
    /// under `lock` (an aligned 32-bit store the handler sees whole).
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<Int32> = {
        let slots = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        return slots
    }()
    private static let capacity = 4096
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// Process groups alive now.
    public static var live: [pid_t] {
        lock.lock()
        defer { lock.unlock() }
        return (0..<capacity).map { slots[$0] }.filter { $0 != 0 }
    }

    private static let spawnLock = NSLock()

    /// Runs a spawn (which registers its pid) under a lock, one at a time, with
    /// the interrupts held off so that a handler running meanwhile cannot miss it.
    static func spawning<T>(_ body: () -> T) -> T {
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var all = sigset_t()
        var previous = sigset_t()
        sigemptyset(&all)
        for signal in interrupts { sigaddset(&all, signal) }
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return body()
    }

    static func register(_ group: pid_t) {
        lock.lock()
        defer { lock.unlock() }
        for i in 0..<capacity where slots[i] == 0 {
            slots[i] = group
            return
        }
    }

    static func unregister(_ group: pid_t) {
        lock.lock()
        defer { lock.unlock() }
        for i in 0..<capacity where slots[i] == group { slots[i] = 0 }
    }

    /// SIGTERM to the group, SIGKILL after `grace` seconds if any of it is
    /// left, then waits (up to another `grace`) for it to be gone. `leaderGone`
    /// reaps the group's leader and tells whether it has exited.
    static func endGroup(_ group: pid_t, grace: Double, leaderGone: () -> Bool) {
        func empty() -> Bool { leaderGone() && !hasLiveMembers(group) }
        guard !empty() else { return }
        kill(-group, SIGTERM)
        kill(-group, SIGCONT)  // a stopped process acts on SIGTERM only once continued
        let start = Date()
        while !empty() {
            if Date().timeIntervalSince(start) >= grace { break }
            usleep(5_000)
        }
        guard !empty() else { return }
        kill(-group, SIGKILL)
        while !empty() && Date().timeIntervalSince(start) < 2 * grace { usleep(5_000) }
    }

    /// Whether a process of `group` is alive. A member that has died but not
    /// been reaped yet (a zombie, which its new parent, init, reaps in its own
    /// time: up to a second or more on some machines) does not count: it runs
    /// nothing and holds nothing open.
    static func hasLiveMembers(_ group: pid_t) -> Bool {
        if kill(-group, 0) != 0 && errno == ESRCH { return false }
        #if os(Linux)
            guard let proc = opendir("/proc") else { return true }
            defer { closedir(proc) }
            var buffer = [UInt8](repeating: 0, count: 512)
            while let entry = readdir(proc) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard let pid = Int32(name) else { continue }
                let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard count > 0 else { continue }
                // "pid (comm) S ppid pgrp …": the command name may hold spaces and parentheses, so start after the last ')'.
                let text = buffer[..<count]
                guard let paren = text.lastIndex(of: UInt8(ascii: ")")) else { continue }
                let fields = text[(paren + 1)...].split(separator: UInt8(ascii: " "), maxSplits: 4)
                guard fields.count >= 3, let state = fields[0].first, let pgrp = Int32(String(decoding: fields[2], as: UTF8.self)),
                    pgrp == group
                else { continue }
                if state != UInt8(ascii: "Z") && state != UInt8(ascii: "X") { return true }
            }
            return false
        #else
            return true
        #endif
    }

    /// Ends every agent process group still alive (at the end of a batch, or before MedGym exits).
    public static func endAll() {
        for group in live {
            endGroup(group, grace: AgentProcess.termGrace) {
                var status: Int32 = 0
                let result = waitpid(group, &status, WNOHANG)
                return result == group || (result < 0 && errno == ECHILD)
            }
            unregister(group)
        }
    }

    static let interrupts: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs, once, handlers for SIGINT, SIGTERM and SIGHUP that end every
    /// agent group and then let the signal do what it would have done (a
    /// signal MedGym was started ignoring stays ignored).
    static func installInterruptHandlers() {
        #if os(Linux)
            lock.lock()
            defer { lock.unlock() }
            guard !installed else { return }
            installed = true
            _ = slots  // initialised before a handler can read it
            for signal in interrupts {
                var current = sigaction()
                sigaction(signal, nil, &current)
                guard current.__sigaction_handler.sa_handler == nil else { continue }  // SIG_IGN or a handler of someone else's
                var action = sigaction()
                action.__sigaction_handler.sa_handler = { signal in AgentProcessGroups.interrupted(signal) }
                sigemptyset(&action.sa_mask)
                action.sa_flags = 0
                sigaction(signal, &action, nil)
            }
        #endif
    }

    /// The signal handler: only async-signal-safe calls (kill, waitpid,
    /// nanosleep, sigaction, sigprocmask, raise, _exit) over the fixed slots.
    private static func interrupted(_ signal: Int32) {
        for i in 0..<capacity where slots[i] != 0 {
            kill(-slots[i], SIGTERM)
            kill(-slots[i], SIGCONT)
        }
        var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
        for _ in 0..<Int(AgentProcess.termGrace * 100) {
            var left = false
            for i in 0..<capacity where slots[i] != 0 {
                var status: Int32 = 0
                _ = waitpid(slots[i], &status, WNOHANG)
                if kill(-slots[i], 0) == 0 { left = true }
            }
            if !left { break }
            nanosleep(&pause, nil)
        }
        for i in 0..<capacity where slots[i] != 0 { kill(-slots[i], SIGKILL) }
        // Die of the signal, as without this handler: its default action, unblocked in this thread (a
        // raise left pending until the handler returns would meet a mask that may block it for good).
        systemSignal(signal, SIG_DFL)
        var this = sigset_t()
        sigemptyset(&this)
        sigaddset(&this, signal)
        pthread_sigmask(SIG_UNBLOCK, &this, nil)
        raise(signal)
        _exit(128 + signal)
    }
}

// The C functions under other names: inside a type with a `write` method, or beside Swift's `signal` parameters.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
    #else
        Darwin.write(fd, buffer, count)
    #endif
}

private func systemPipe(_ fds: UnsafeMutablePointer<Int32>) -> Int32 {
    #if canImport(Glibc)
        Glibc.pipe(fds)
    #else
        Darwin.pipe(fds)
    #endif
}

private func systemSignal(_ signal: Int32, _ handler: sighandler_t?) {
    #if canImport(Glibc)
        _ = Glibc.signal(signal, handler)
    #else
        _ = Darwin.signal(signal, handler)
    #endif
}
