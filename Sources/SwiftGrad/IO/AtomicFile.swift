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
    /// A FIFO, a directory, a device (`/dev/zero`), a socket: refused before it is opened, since
    /// reading a FIFO waits for a writer forever and a device may never end.
    case notARegularFile(path: String, kind: String)
    /// The file (or what its header announces) is larger than the reader accepts: `limit` is the
    /// reader's cap or the machine's physical memory.
    case tooLarge(path: String, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .notFound(let p): return "no such file: \(p)"
        case .readFailed(let p, let r): return "cannot read \(p): \(r)"
        case .writeFailed(let p, let r): return "cannot write \(p): \(r)"
        case .notARegularFile(let p, let k): return "cannot read \(p): it is \(k), not a regular file"
        case .tooLarge(let p, let b, let l): return "cannot read \(p): it needs \(b) bytes, more than the limit of \(l)"
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

    /// The file's bytes. Throws `FileError` (never traps or blocks) when it is missing, unreadable,
    /// not a regular file, or larger than `limit` (by default the machine's physical memory).
    static func read(_ path: String, limit: Int = FileLimits.physicalMemory) throws -> [UInt8] {
        try ReadableFile(path).readAll(limit: limit)
    }

    /// Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the folder.
    /// A symbolic link is followed (its target is replaced, the link stays); an existing file keeps
    /// its permission bits; temporary files that killed saves left next to the target are removed.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let hook = interruption
        let target = try resolveLinks(path)
        let (dir, name) = splitPath(target)
        let stem = temporaryStem(name)
        var started = timespec()
        clock_gettime(CLOCK_REALTIME, &started)
        removeStaleTemporaries(in: dir, stem: stem, olderThan: started)
        var existing = stat()
        let keepMode: mode_t? = stat(target, &existing) == 0 && (existing.st_mode & S_IFMT) == S_IFREG
            ? existing.st_mode & 0o7777 : nil
        let tmp = dir + "/." + stem + temporaryMarker + "\(getpid())-\(UInt32.random(in: 0 ... .max))"
        // 0o666 as `touch` and every shell redirection: the umask decides for a new file.
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
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
        if let keepMode, fchmod(fd, keepMode) != 0 { throw fail("fchmod") }
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
        guard rename(tmp, target) == 0 else { throw fail("rename") }
        keepTemporary = true  // it is the target now
        // Makes the rename itself durable.
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
        try stage(.renamed)
    }

    // MARK: Paths

    /// What follows the stem in a temporary file's name, before `<pid>-<random>`.
    static let temporaryMarker = ".tmp-"

    /// `path` with every symbolic link in its last component followed (a dangling link gives the
    /// path it points to, which the save creates).
    static func resolveLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = buffer.withUnsafeMutableBytes { readlink(current, $0.baseAddress!.assumingMemoryBound(to: CChar.self), Int(PATH_MAX)) }
            guard n > 0 else { throw FileError.writeFailed(path: path, reason: "readlink: \(String(cString: strerror(errno)))") }
            let destination = String(decoding: buffer[0..<n], as: UTF8.self)
            current = destination.hasPrefix("/") ? destination : splitPath(current).dir + "/" + destination
        }
        throw FileError.writeFailed(path: path, reason: "too many levels of symbolic links")
    }

    /// The folder (`.` when there is none) and the last component.
    static func splitPath(_ path: String) -> (dir: String, name: String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let dir = slash == path.utf8.startIndex ? "/" : String(path[..<slash])
        return (dir, String(path[path.index(after: slash)...]))
    }

    /// The part of a temporary file's name that comes from the target's name: the name itself, or
    /// for a long one (whose temporary name would pass the 255-byte limit of file names) its first
    /// 160 bytes and a 64-bit hash of the whole, so `.<stem>.tmp-<pid>-<random>` always fits.
    static func temporaryStem(_ name: String) -> String {
        guard name.utf8.count > 200 else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325       // FNV-1a
        for b in name.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        var prefix = ""
        for scalar in name.unicodeScalars {
            if prefix.utf8.count + String(scalar).utf8.count > 160 { break }
            prefix.unicodeScalars.append(scalar)
        }
        let hex = String(hash, radix: 16)
        return prefix + "~" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Removes temporary files of earlier saves to the same target that a killed process left
    /// behind: named `.<stem>.tmp-<pid>-<random>`, last modified before this save started, and
    /// written by a process that no longer runs (a save still in progress elsewhere is left alone).
    static func removeStaleTemporaries(in dir: String, stem: String, olderThan start: timespec) {
        guard let folder = opendir(dir) else { return }
        defer { closedir(folder) }
        let prefix = Array(("." + stem + temporaryMarker).utf8)
        while let entry = readdir(folder) {
            // The name is read through a pointer, up to its NUL: readdir's record is only as long
            // as the name, so copying the whole fixed-size `d_name` field reads past it.
            let namePointer = (UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!)
                .assumingMemoryBound(to: CChar.self)
            let name = Array(UnsafeRawBufferPointer(start: namePointer, count: strlen(namePointer)))
            guard name.count > prefix.count, name.starts(with: prefix) else { continue }
            let rest = name[prefix.count...].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
            guard rest.count == 2, let pid = Int32(String(decoding: rest[0], as: UTF8.self)), pid > 0,
                  UInt32(String(decoding: rest[1], as: UTF8.self)) != nil else { continue }
            // Our own process, or one that still runs (EPERM: it exists but is another user's).
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            let file = dir + "/" + String(decoding: name, as: UTF8.self)
            var st = stat()
            guard lstat(file, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let m = st.st_mtim
            guard m.tv_sec < start.tv_sec || (m.tv_sec == start.tv_sec && m.tv_nsec < start.tv_nsec) else { continue }
            unlink(file)
        }
    }
}
