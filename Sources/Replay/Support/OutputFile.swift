import Foundation

/// Writing a command's output to a path the user named, without harming
/// what is there: a regular file (or a new one) is replaced atomically (a
/// temporary file in the same folder, then a rename), so a reader never sees
/// half a file; anything else that already exists (a terminal, `/dev/null`, a
/// FIFO) is written straight to, never replaced; a folder is refused.
public enum OutputFile {
    /// Writes `data` to `path`; a failure says what went wrong and what to do
    /// (for a folder, a file in it: `suggesting`, e.g. "ep_….jsonl").
    public static func write(_ data: Data, to path: String, suggesting name: String? = nil) throws(OutputError) {
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                let example = name.map { " such as " + (path as NSString).appendingPathComponent($0) } ?? " in it"
                throw OutputError(path: path, problem: "is a folder", fix: "name a file\(example) instead")
            case S_IFREG, S_IFLNK:
                break
            default:
                try writeStraight(data, to: path)
                return
            }
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw OutputError(path: path, cause: error)
        }
    }

    /// Writes into an existing non-regular file (a device or a FIFO) as it is.
    static func writeStraight(_ data: Data, to path: String) throws(OutputError) {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw OutputError(path: path, errno: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { buffer in
                Foundation.write(fd, buffer.baseAddress!.advanced(by: offset), data.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: path, errno: errno)
            }
            offset += written
        }
    }
}

/// An output that could not be written, with the reason and the fix.
public struct OutputError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var problem: String
    public var fix: String

    public init(path: String, problem: String, fix: String) {
        self.path = path
        self.problem = problem
        self.fix = fix
    }

    init(path: String, errno code: Int32) {
        self.init(path: path, problem: String(cString: strerror(code)).lowercased(), fix: Self.fix(for: code))
    }

    init(path: String, cause: any Error) {
        let underlying = (cause as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix = underlying, posix.domain == NSPOSIXErrorDomain {
            self.init(path: path, errno: Int32(posix.code))
        } else {
            switch (cause as NSError).code {
            case NSFileWriteOutOfSpaceError: self.init(path: path, errno: ENOSPC)
            case NSFileWriteNoPermissionError: self.init(path: path, errno: EACCES)
            case NSFileWriteVolumeReadOnlyError: self.init(path: path, errno: EROFS)
            case NSFileNoSuchFileError:
                self.init(path: path, errno: ENOENT)
            default:
                self.init(path: path, problem: (cause as NSError).localizedDescription, fix: "check that its folder exists and is writable")
            }
        }
    }

    static func fix(for code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: "free some space or write elsewhere"
        case EACCES, EPERM: "choose a folder you can write to"
        case EROFS: "the file system is read-only; write elsewhere"
        case ENOENT, ENOTDIR: "create its folder first, or choose another path"
        default: "check the path and try again"
        }
    }

    public var description: String { "cannot write \(path): \(problem); \(fix)" }
}
