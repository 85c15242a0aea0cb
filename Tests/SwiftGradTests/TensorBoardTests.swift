import Testing
import Foundation
@testable import SwiftGrad

/// A fresh temporary directory for one test.
private func temporaryDirectory(_ name: String) -> String {
    let dir = NSTemporaryDirectory() + "swiftgrad-tb-\(name)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct TensorBoardTests {
    @Test func crc32cMatchesTheCastagnoliCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func protobufVarintsAndFieldsRoundTrip() throws {
        var m = ProtobufWriter()
        m.int(2, 300); m.int(3, -1); m.double(1, 1.5); m.string(4, "hé"); m.float(5, 0.25)
        m.packedDoubles(6, [1, -2.5])
        let fields = try ProtobufReader.fields(of: m.bytes[...])
        #expect(fields.map(\.number) == [2, 3, 1, 4, 5, 6])
        #expect(fields[0].int == 300 && fields[1].int == -1 && fields[2].double == 1.5)
        #expect(fields[3].string == "hé" && fields[4].float == 0.25 && fields[5].packedDoubles == [1, -2.5])
        // 300 is the varint [0xAC, 0x02] after the key 0x10.
        #expect(Array(m.bytes[0..<3]) == [0x10, 0xAC, 0x02])
        // Every truncation of a message either decodes or throws; none reads out of bounds.
        for n in 0..<m.bytes.count { _ = try? ProtobufReader.fields(of: m.bytes[0..<n]) }
    }

    @Test func scalarsHistogramsImagesAndTextReadBack() throws {
        let dir = temporaryDirectory("values")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SummaryWriter(logDir: dir)
        #expect(writer.path.hasPrefix(dir + "/events.out.tfevents."))
        for step in 0..<3 { try writer.addScalar("loss/train", 1.0 / Double(step + 1), step: step, wallTime: 100 + Double(step)) }
        try writer.addHistogram("w", Tensor([0, 1, 1, 2, 3, 3, 3, 4] as [Double]), step: 5, bins: 4)
        try writer.addImage("img", Tensor([0, 0.5, 1, 2, -1, 0.25] as [Float]).reshape([1, 2, 3]), step: 6)
        try writer.addText("notes", "lr **2e-3**", step: 7)
        try writer.close()

        let events = try TensorBoardEventFile.read(writer.path)
        #expect(events.count == 7)
        #expect(events[0].fileVersion == "brain.Event:2" && events[0].values.isEmpty)
        #expect(events[1...3].map(\.step) == [0, 1, 2])
        #expect(events[2].wallTime == 101)
        #expect(events[1...3].map(\.values[0].tag) == ["loss/train", "loss/train", "loss/train"])
        #expect(events[1...3].map(\.values[0].kind) == [.scalar(1), .scalar(0.5), .scalar(Double(Float(1.0 / 3)))])

        guard case let .histogram(min, max, count, sum, sumSq, limits, counts) = events[4].values[0].kind else {
            Issue.record("not a histogram: \(events[4])"); return
        }
        #expect(min == 0 && max == 4 && count == 8 && sum == 17 && sumSq == 49)
        #expect(limits == [1, 2, 3, 4] && counts == [1, 2, 1, 4])

        guard case let .image(width, height, channels, png) = events[5].values[0].kind else {
            Issue.record("not an image: \(events[5])"); return
        }
        #expect(width == 3 && height == 2 && channels == 1)
        let decoded = try PNGImage(decoding: png)
        // Float values ×255, clipped to [0, 255] and truncated (0.5 → 127), as PyTorch's add_image.
        #expect(decoded.pixels == [0, 127, 255, 255, 0, 63])

        #expect(events[6].values[0].tag == "notes/text_summary" && events[6].values[0].pluginName == "text")
        #expect(events[6].values[0].kind == .text("lr **2e-3**"))
    }

    @Test func flushMakesEventsReadableBeforeCloseAndAddsAfterCloseThrow() throws {
        let dir = temporaryDirectory("flush")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SummaryWriter(logDir: dir)
        try writer.addScalar("x", 1.5, step: 3)
        try writer.flush()
        // Still open: the file already holds the version record and the scalar.
        let events = try TensorBoardEventFile.read(writer.path)
        #expect(events.count == 2 && events[1].step == 3 && events[1].values[0].kind == .scalar(1.5))
        try writer.close()
        try writer.close()          // closing twice is harmless
        #expect(throws: FileError.self) { try writer.addScalar("x", 2, step: 4) }
        #expect(try TensorBoardEventFile.read(writer.path).count == 2)
    }

    @Test func addScalarsWritesOneRunPerCurveAndHParamsWritesItsThreeSummaries() throws {
        let dir = temporaryDirectory("runs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SummaryWriter(logDir: dir)
        try writer.addScalars("loss", ["train": 0.5, "test": 0.75], step: 1)
        try writer.addHParams(["lr": 2e-3, "optimizer": "adam", "nesterov": false], metrics: ["hparam/accuracy": 0.9], runName: "trial")
        try writer.close()
        for (run, value) in [("loss_train", 0.5), ("loss_test", 0.75)] {
            let files = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(run)")
            #expect(files.count == 1)
            let events = try TensorBoardEventFile.read("\(dir)/\(run)/\(files[0])")
            #expect(events.last?.values.first?.tag == "loss" && events.last?.values.first?.kind == .scalar(value))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/trial")
        let events = try TensorBoardEventFile.read("\(dir)/trial/\(files[0])")
        let values = events.flatMap(\.values)
        #expect(values.map(\.tag) == ["_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info", "hparam/accuracy"])
        #expect(values[0...2].allSatisfy { $0.pluginName == "hparams" })
        // The session start info holds each hyperparameter by name (map entries: key 1, value 2).
        guard case .pluginData(let content) = values[1].kind else { Issue.record("no plugin data"); return }
        let start = try ProtobufReader.fields(of: content[...]).first { $0.number == 3 }!.data!
        let names = try ProtobufReader.fields(of: start).filter { $0.number == 1 }.map {
            try ProtobufReader.fields(of: $0.data!).first { $0.number == 1 }!.string!
        }
        #expect(names == ["lr", "nesterov", "optimizer"])
        #expect(values[3].kind == .scalar(Double(Float(0.9))))
    }

    @Test func damagedEventFilesThrowTypedErrors() throws {
        let dir = temporaryDirectory("damaged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SummaryWriter(logDir: dir)
        try writer.addScalar("x", 1, step: 0)
        try writer.close()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: writer.path)))
        var flipped = bytes
        flipped[bytes.count - 6] ^= 0x01
        #expect(throws: TensorBoardError.self) { try TensorBoardEventFile.decode(flipped) }
        #expect(throws: TensorBoardError.self) { try TensorBoardEventFile.decode(Array(bytes.dropLast(3))) }
        // Every truncation and every single-byte change either decodes or throws a typed error.
        for n in 0..<bytes.count { _ = try? TensorBoardEventFile.decode(Array(bytes[0..<n])) }
        for i in 0..<bytes.count {
            var b = bytes
            b[i] = ~b[i]
            _ = try? TensorBoardEventFile.decode(b)
        }
        #expect(throws: FileError.self) { try TensorBoardEventFile.read(dir + "/missing") }
    }

    @Test func pngRoundTripsAndDecodesEveryRowFilter() throws {
        let image = PNGImage(width: 4, height: 3, channels: 3, pixels: (0..<36).map { UInt8($0 * 7) })
        #expect(try PNGImage(decoding: image.encoded()) == image)
        // A 3×3 RGB PNG whose rows use the Sub, Up and Paeth filters (made with Python's zlib).
        let filtered: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 3, 0, 0, 0, 3, 8,
                                 2, 0, 0, 0, 217, 74, 34, 232, 0, 0, 0, 22, 73, 68, 65, 84, 120, 156, 99, 100, 48, 74, 97,
                                 6, 3, 38, 46, 24, 96, 1, 98, 136, 24, 0, 24, 172, 1, 58, 157, 154, 253, 96, 0, 0, 0, 0,
                                 73, 69, 78, 68, 174, 66, 96, 130]
        let decoded = try PNGImage(decoding: filtered)
        #expect(decoded.width == 3 && decoded.height == 3 && decoded.channels == 3)
        #expect(decoded.pixels == [0, 50, 100, 3, 53, 103, 6, 56, 106, 10, 60, 110, 13, 63, 113, 16, 66, 116,
                                   20, 70, 120, 23, 73, 123, 26, 76, 126])
        #expect(throws: PNGError.notPNG) { try PNGImage(decoding: [1, 2, 3]) }
        var bad = filtered
        bad[45] ^= 0xFF
        #expect(throws: PNGError.self) { try PNGImage(decoding: bad) }
        for n in 0..<filtered.count { _ = try? PNGImage(decoding: Array(filtered[0..<n])) }
    }

    @Test func makeGridLaysImagesOutAsTorchvision() throws {
        let images = Tensor.arange(0, 5, dtype: .float32).reshape([5, 1, 1, 1]).expand([5, 1, 2, 2]).contiguous() + 1
        let grid = makeGrid(images, nrow: 2, padding: 1)
        // torchvision: 2 columns × 3 rows of 2×2 cells with 1 pixel of padding; gray becomes RGB.
        #expect(grid.shape == [3, 10, 7])
        #expect(grid[0, 1, 1].item() == 1 && grid[2, 1, 4].item() == 2 && grid[1, 7, 1].item() == 5)
        #expect(grid[0, 0, 0].item() == 0 && grid[0, 7, 4].item() == 0)
        let bad = Tensor.zeros([2, 2])
        let dir = temporaryDirectory("grid")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SummaryWriter(logDir: dir)
        #expect(throws: TensorBoardError.self) { try writer.addImage("bad", bad, step: 0) }
        #expect(throws: TensorBoardError.self) { try writer.addHistogram("empty", Tensor.zeros([0]), step: 0) }
        try writer.close()
        #expect(throws: FileError.self) { try writer.addScalar("late", 1, step: 0) }
    }
}
