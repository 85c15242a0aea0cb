import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be read or written (the operating system's view; format errors have their
/// own types: `IDXError`, `SafetensorsError`, `CSVError`, `CheckpointError`).
public enum FileError: Error, CustomStringConvertible, Equatable {
    case notFound(path: String)
    case readFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let p): return "no such file: \(p)"
        case .readFailed(let p, let r): return "cannot read \(p): \(r)"
        case .writeFailed(let p, let r): return "cannot write \(p): \(r)"
        }
    }
}

/// The stages of an atomic save, named so tests can simulate an interruption at each of them.
enum SaveStage: String, CaseIterable, Sendable {
    case createdTemporary, wroteHalf, wroteAll, synced, renamed
}

/// Reading whole files and writing them atomically: the bytes go to a temporary file in the same
/// folder, which is flushed to disk (`fsync`) and then renamed over the target, so a reader sees the
/// old file or the new one, never a mix, even if the process dies half-way.
enum AtomicFile {
    /// Test hook: called at each stage of a save; throwing simulates a crash at that point (the
    /// temporary file is left behind as a real crash would leave it).
    @TaskLocal static var interruption: (@Sendable (SaveStage) throws -> Void)? = nil

    /// The file's bytes. Throws `FileError` (never traps) when it is missing or unreadable.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let e = errno
            if e == ENOENT { throw FileError.notFound(path: path) }
            throw FileError.readFailed(path: path, reason: String(cString: strerror(e)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError.readFailed(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError.readFailed(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        try bytes.withUnsafeMutableBytes { buf in
            while done < size {
                let n = Glibc.read(fd, buf.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.readFailed(path: path, reason: String(cString: strerror(errno)))
                }
                if n == 0 { break }
                done += n
            }
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the folder.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let hook = interruption
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        var closed = false
        var keepTemporary = false
        defer {
            if !closed { close(fd) }
            if !keepTemporary { unlink(tmp) }
        }
        func fail(_ what: String) -> FileError {
            .writeFailed(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        func stage(_ s: SaveStage) throws {
            do { try hook?(s) } catch { keepTemporary = true; throw error }
        }
        try stage(.createdTemporary)
        try bytes.withUnsafeBytes { buf in
            var done = 0
            var announcedHalf = false
            while done < buf.count {
                // Writes in chunks so an interruption can land in the middle of the data.
                let chunk = Swift.min(buf.count - done, Swift.max(1, buf.count / 2), 1 << 26)
                let n = Glibc.write(fd, buf.baseAddress! + done, chunk)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail("write")
                }
                done += n
                if !announcedHalf && done >= buf.count / 2 && done < buf.count { announcedHalf = true; try stage(.wroteHalf) }
            }
        }
        try stage(.wroteAll)
        guard fsync(fd) == 0 else { throw fail("fsync") }
        try stage(.synced)
        closed = true
        guard close(fd) == 0 else { throw fail("close") }
        guard rename(tmp, path) == 0 else { throw fail("rename") }
        keepTemporary = true  // it is the target now
        // Makes the rename itself durable.
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
        try stage(.renamed)
    }
}
