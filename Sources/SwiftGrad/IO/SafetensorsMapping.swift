#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped into memory privately (`MAP_PRIVATE`) from a descriptor opened read-only.
/// Tensors loaded from it borrow its pages through their storage (which holds this object), so the
/// mapping lives exactly as long as the last tensor that uses it, and `deinit` unmaps it.
///
/// The pages are mapped `PROT_READ | PROT_WRITE`: a write to a mapped tensor (an in-place op, an
/// optimizer step) makes the kernel copy that page for this process first (copy-on-write), so the
/// tensor changes and the file never does. Only the pages that are touched become resident.
final class MappedFile {
    let base: UnsafeMutableRawPointer
    let length: Int

    /// Maps `length` bytes of `file` from offset 0; throws `FileError.readFailed` if `mmap` refuses.
    init(_ file: ReadableFile, length: Int) throws {
        guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, file.descriptor, 0),
              p != MAP_FAILED else {
            throw FileError.readFailed(path: file.path, reason: "mmap: \(String(cString: strerror(errno)))")
        }
        // A file cut short between the size check and the mapping would fault on access: refuse it.
        var st = stat()
        guard fstat(file.descriptor, &st) == 0, Int(st.st_size) >= length else {
            munmap(p, length)
            throw SafetensorsError.truncated(path: file.path, reason: "the file shrank while it was read")
        }
        base = p
        self.length = length
    }

    deinit { munmap(base, length) }
}

extension Safetensors {
    /// The tensors of a file read through a private mapping: a tensor whose stored dtype is the one
    /// it loads as and whose data offset is aligned for its element type borrows the mapped pages
    /// (no copy); the others (U16, U32 and BOOL, which are converted, and misaligned data) are
    /// copied out of the mapping. The header is checked against the file's size before any tensor
    /// is made, as the copying reader does.
    static func readMapped(file: ReadableFile) throws -> SafetensorsFile {
        let path = file.path
        let (headerEnd, entries, metadata) = try readHeader(file)
        try checkFitsInMemory(entries, path: path)
        guard entries.contains(where: { $0.end > $0.begin }) else {
            // Nothing to map (only empty tensors): the copying reader makes them.
            return try load(entries, metadata, path: path) { _, _, _ in }
        }
        let mapping = try MappedFile(file, length: file.size)
        let data = mapping.base + headerEnd
        return try load(entries, metadata, path: path, borrow: { e in
            let width = elementSize(e.dtype)!
            // Misaligned data (a header length that is not a multiple of 8) is copied instead.
            guard (headerEnd + e.begin) % width == 0 else { return nil }
            return Storage(borrowing: data + e.begin, byteCount: e.end - e.begin, owner: mapping)
        }) { begin, count, into in
            into.copyMemory(from: data + begin, byteCount: count)
        }
    }
}
