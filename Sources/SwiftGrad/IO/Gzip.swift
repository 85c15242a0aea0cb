import CZlib

/// gzip compression through the system zlib (used for `.gz` IDX files).
enum Gzip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    enum Failure: Error { case corrupt(String) }

    /// Decompresses at most `maxOutput` bytes. The output grows with the data actually inflated, so a
    /// small file never causes a large allocation. `complete` is false when the stream has more data
    /// than `maxOutput` or ends early (truncated file).
    static func decompress(_ input: [UInt8], maxOutput: Int) throws -> (bytes: [UInt8], complete: Bool, truncated: Bool) {
        var out = [UInt8](repeating: 0, count: Swift.min(maxOutput, Swift.max(1024, input.count * 4)))
        var produced = 0
        var stream = z_stream()
        // 15 + 32: a window of 2^15 and automatic gzip/zlib header detection.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.corrupt("zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var ended = false
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            while produced < maxOutput {
                if produced == out.count {
                    out.append(contentsOf: repeatElement(0, count: Swift.min(out.count, maxOutput - out.count)))
                }
                let room = out.count - produced
                let status: Int32 = out.withUnsafeMutableBufferPointer { o in
                    stream.next_out = o.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                produced += room - Int(stream.avail_out)
                if status == Z_STREAM_END {
                    // Concatenated gzip members are one file (as `gunzip` treats them).
                    if stream.avail_in >= 2 && stream.next_in[0] == 0x1f && stream.next_in[1] == 0x8b {
                        guard inflateReset(&stream) == Z_OK else { throw Failure.corrupt("zlib reset failed") }
                        continue
                    }
                    ended = true
                    break
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }  // input ran out: truncated
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    let msg = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw Failure.corrupt("corrupt gzip data (\(msg))")
                }
            }
        }
        out.removeLast(out.count - produced)
        return (out, ended, !ended && produced < maxOutput)
    }

    /// gzip-compresses `input` (level 6, like `gzip`).
    static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a window of 2^15 with a gzip (not zlib) wrapper.
        let ok = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        check(ok == Z_OK, "gzip: zlib deflateInit2 failed (\(ok))")
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        input.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                let status = deflate(&stream, Z_FINISH)
                check(status == Z_STREAM_END, "gzip: deflate did not finish (\(status))")
            }
        }
        out.removeLast(Int(stream.avail_out))
        return out
    }
}
