#if canImport(Glibc)
import Glibc
#endif

/// A regular file opened for reading without ever blocking or allocating by its size: the path is
/// checked with `stat` first (a FIFO, a directory or a device such as `/dev/zero` is refused before
/// any `open`, which on a FIFO would wait for a writer forever), opened non-blocking, and checked
/// again on the descriptor (the path could have been swapped in between). Readers then take what
/// their header announces, checked against `size`, instead of the whole file.
final class ReadableFile {
    let path: String
    /// The file's size in bytes when it was opened.
    let size: Int
    private let fd: Int32
    /// The open descriptor (read-only), for `mmap`.
    var descriptor: Int32 { fd }

    /// Opens `path`; throws `FileError.notFound`, `.notARegularFile` or `.readFailed`.
    init(_ path: String) throws {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            let e = errno
            if e == ENOENT || e == ENOTDIR { throw FileError.notFound(path: path) }
            throw FileError.readFailed(path: path, reason: String(cString: strerror(e)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw FileError.notARegularFile(path: path, kind: ReadableFile.kind(st.st_mode))
        }
        // O_NONBLOCK: should the path turn into a FIFO after the stat, open returns at once.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { throw FileError.notFound(path: path) }
            throw FileError.readFailed(path: path, reason: String(cString: strerror(e)))
        }
        var again = stat()
        guard fstat(fd, &again) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw FileError.readFailed(path: path, reason: reason)
        }
        guard (again.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileError.notARegularFile(path: path, kind: ReadableFile.kind(again.st_mode))
        }
        self.fd = fd
        self.size = Int(again.st_size)
    }

    deinit { close(fd) }

    /// What a non-regular file is, for messages.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read (fewer only
    /// at the end of the file).
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws -> Int {
        var done = 0
        while done < count {
            // At most 1 GiB per call: Linux caps a single read near 2 GiB.
            let n = pread(fd, buffer + done, Swift.min(count - done, 1 << 30), off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.readFailed(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Up to `count` bytes at `offset` (fewer only at the end of the file). `count` is bounded by
    /// the caller against `size` before anything is allocated.
    func read(count: Int, at offset: Int) throws -> [UInt8] {
        let want = Swift.max(0, Swift.min(count, size - offset))
        guard want > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: want)
        let got = try bytes.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: want, at: offset) }
        if got < want { bytes.removeLast(want - got) }
        return bytes
    }

    /// The whole file, refused with `FileError.tooLarge` when it is larger than `limit` bytes.
    func readAll(limit: Int) throws -> [UInt8] {
        guard size <= limit else { throw FileError.tooLarge(path: path, bytes: size, limit: limit) }
        return try read(count: size, at: 0)
    }
}

/// Limits shared by the readers.
enum FileLimits {
    /// The machine's physical memory in bytes: no file's contents larger than this are ever allocated.
    static let physicalMemory: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 1 << 40 }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : bytes
    }()
}
