// Checkpoints under data parallelism: one writer (rank 0), every rank able to resume.

import SwiftGrad

/// Errors of distributed helpers that can fail on one rank and must be reported on all.
///
///     do { try group.onMainRank { try save() } } catch DistributedError.mainRankFailed(let why) { print(why) }
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// The work that rank 0 did for everyone (saving a checkpoint) threw; the message is rank 0's error.
    case mainRankFailed(String)

    /// The message, with rank 0's error text.
    public var description: String {
        switch self {
        case .mainRankFailed(let why): return "rank 0 failed: \(why)"
        }
    }
}

extension ProcessGroup {
    /// Runs `body` on rank 0 only (writing a checkpoint, a log), then lets every rank continue once it
    /// is done, so a file written there can be read by all ranks afterwards. If `body` throws on rank
    /// 0, every rank throws: rank 0 its own error, the others `DistributedError.mainRankFailed`.
    /// Collective: every rank must call it.
    ///
    ///     try group.onMainRank { try model.saveWeights(to: url) }
    ///     try model.loadWeights(from: url)              // every rank resumes from the same file
    public func onMainRank(_ body: () throws -> Void) throws {
        var failure: Error?
        if isMain {
            do { try body() } catch { failure = error }
        }
        // Rank 0 tells everyone whether it succeeded, and why not (as UTF-8 bytes).
        let message = failure.map { Array(String(describing: $0).utf8.prefix(4000)).map(Int64.init) } ?? []
        let header = Tensor([Int64(failure == nil ? 0 : 1), Int64(message.count)])
        broadcast(header, from: 0, name: "onMainRank status")
        let status = header.ints
        guard status[0] != 0 else { return }
        let text = Tensor(isMain ? message : [Int64](repeating: 0, count: status[1]), shape: [status[1]])
        if status[1] > 0 { broadcast(text, from: 0, name: "onMainRank message") }
        if let failure { throw failure }
        throw DistributedError.mainRankFailed(String(decoding: text.ints.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self))
    }
}

extension DistributedDataParallel {
    /// Copies rank 0's parameters and buffers to every rank (collective). Use it after only rank 0
    /// loaded a checkpoint (no shared file system), so every rank resumes from the same weights.
    ///
    ///     if group.isMain { try model.loadStateDict(checkpoint) }
    ///     ddp.syncFromMain()
    public func syncFromMain() {
        withNoGrad {
            for (name, p) in module.namedParameters() { group.broadcast(p, from: 0, name: name) }
            for (name, b) in module.namedBuffers() { group.broadcast(b, from: 0, name: name) }
        }
    }
}
