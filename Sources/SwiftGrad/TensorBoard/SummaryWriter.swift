// SummaryWriter: TensorBoard event files, as torch.utils.tensorboard.SummaryWriter writes them
// (TFRecord framing, Event/Summary protocol buffers). `tensorboard --logdir DIR` shows them.
import Foundation

/// Writes scalars, histograms, images, text and hyperparameters for TensorBoard.
///
///     let writer = try SummaryWriter(logDir: "runs/exp1")
///     try writer.addScalar("loss/train", loss.item(), step: step)
///     try writer.close()
///
/// Events are buffered and written on `flush()` (also every `flushSeconds` and on `close()`), to a
/// file named as PyTorch's: `events.out.tfevents.<time>.<host>.<pid>.<n><filenameSuffix>`.
/// Values are read back with `TensorBoardEventFile.read(_:)`.
public final class SummaryWriter {
    /// The directory the event file is in.
    public let logDir: String
    /// The event file's path.
    public let path: String
    /// Seconds between automatic flushes (checked when an event is added).
    public var flushSeconds: Double
    private var pending: [UInt8] = []
    private var lastFlush = Date()
    private var handle: FileHandle?
    private var scalarWriters: [String: SummaryWriter] = [:]
    private static let counter = SummaryCounter()

    /// Opens a new event file in `logDir` (created if missing; nil: `runs/<date>_<host><comment>`, as
    /// PyTorch's default) and writes its first event (the file version).
    public init(logDir: String? = nil, comment: String = "", filenameSuffix: String = "", flushSeconds: Double = 120) throws {
        let host = ProcessInfo.processInfo.hostName
        let dir: String
        if let logDir { dir = logDir } else {
            let f = DateFormatter()
            f.dateFormat = "MMMdd_HH-mm-ss"
            f.locale = Locale(identifier: "en_US_POSIX")
            dir = "runs/\(f.string(from: Date()))_\(host)\(comment)"
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw FileError.writeFailed(path: dir, reason: "\(error)")
        }
        self.logDir = dir
        self.flushSeconds = flushSeconds
        let name = String(format: "events.out.tfevents.%010d.%@.%d.%d", Int(Date().timeIntervalSince1970), host,
                          Int(ProcessInfo.processInfo.processIdentifier), Self.counter.next()) + filenameSuffix
        path = (dir as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw FileError.writeFailed(path: path, reason: "cannot create the event file")
        }
        handle = h
        var event = ProtobufWriter()
        event.double(1, Date().timeIntervalSince1970)
        event.string(3, "brain.Event:2")
        pending += TFRecord.frame(event.bytes)
        try flush()
    }

    deinit { try? close() }

    // MARK: Values

    /// A scalar under `tag` at `step` (PyTorch's `add_scalar`).
    ///
    ///     try writer.addScalar("loss", 0.25, step: 10)
    public func addScalar(_ tag: String, _ value: Double, step: Int, wallTime: Double? = nil) throws {
        var v = ProtobufWriter()
        v.string(1, tag)
        v.float(2, Float(value))
        try addSummary(v, step: step, wallTime: wallTime)
    }

    /// Several scalars in one chart (PyTorch's `add_scalars`): each goes to its own event file in
    /// `logDir/<mainTag>_<name>`, under the tag `mainTag`.
    ///
    ///     try writer.addScalars("loss", ["train": 0.3, "test": 0.4], step: 1)
    public func addScalars(_ mainTag: String, _ values: [String: Double], step: Int, wallTime: Double? = nil) throws {
        let time = wallTime ?? Date().timeIntervalSince1970
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            let key = "\(mainTag)_\(name)".replacingOccurrences(of: "/", with: "_")
            let child: SummaryWriter
            if let existing = scalarWriters[key] { child = existing } else {
                child = try SummaryWriter(logDir: (logDir as NSString).appendingPathComponent(key), flushSeconds: flushSeconds)
                scalarWriters[key] = child
            }
            try child.addScalar(mainTag, value, step: step, wallTime: time)
        }
    }

    /// A histogram of `values` (any shape; float or integer) in `bins` equal-width buckets between the
    /// smallest and largest value (PyTorch's `add_histogram` with integer `bins`).
    ///
    ///     try writer.addHistogram("fc1.weight", model.fc1.weight, step: epoch)
    public func addHistogram(_ tag: String, _ values: Tensor, step: Int, bins: Int = 30, wallTime: Double? = nil) throws {
        guard bins >= 1 else { throw TensorBoardError.invalidInput("addHistogram('\(tag)'): bins must be at least 1, got \(bins)") }
        let x = values.toArray(as: Double.self)
        guard !x.isEmpty else { throw TensorBoardError.invalidInput("addHistogram('\(tag)'): values of shape \(values.shape) are empty") }
        guard x.allSatisfy({ $0.isFinite }) else {
            throw TensorBoardError.invalidInput("addHistogram('\(tag)'): values of shape \(values.shape) contain NaN or infinity")
        }
        let lo = x.min()!, hi = x.max()!
        let width = hi > lo ? (hi - lo) / Double(bins) : 1
        var counts = [Double](repeating: 0, count: bins)
        for v in x { counts[Swift.min(bins - 1, Int((v - lo) / width))] += 1 }
        let limits = (1...bins).map { $0 == bins ? (hi > lo ? hi : lo + 1) : lo + Double($0) * width }
        var h = ProtobufWriter()
        h.double(1, lo); h.double(2, hi); h.double(3, Double(x.count))
        h.double(4, x.reduce(0, +)); h.double(5, x.reduce(0) { $0 + $1 * $1 })
        h.packedDoubles(6, limits); h.packedDoubles(7, counts)
        var v = ProtobufWriter()
        v.string(1, tag)
        v.message(5, h)
        try addSummary(v, step: step, wallTime: wallTime)
    }

    /// An image (PyTorch's `add_image`): float values in [0, 1] (scaled by 255) or uint8 values, with
    /// `dataFormats` "CHW" (default; 1, 3 or 4 channels), "HWC" or "HW".
    ///
    ///     try writer.addImage("predictions", makeGrid(images, nrow: 8), step: epoch)
    public func addImage(_ tag: String, _ image: Tensor, step: Int, dataFormats: String = "CHW", wallTime: Double? = nil) throws {
        let png = try PNGImage(tensor: image, dataFormats: dataFormats, op: "addImage('\(tag)')")
        var img = ProtobufWriter()
        img.int(1, Int64(png.height)); img.int(2, Int64(png.width)); img.int(3, Int64(png.channels))
        img.bytes(4, png.encoded())
        var v = ProtobufWriter()
        v.string(1, tag)
        v.message(4, img)
        try addSummary(v, step: step, wallTime: wallTime)
    }

    /// Text (PyTorch's `add_text`; TensorBoard renders it as Markdown), under `<tag>/text_summary`.
    ///
    ///     try writer.addText("notes", "lr **2e-3**", step: 0)
    public func addText(_ tag: String, _ text: String, step: Int, wallTime: Double? = nil) throws {
        var v = ProtobufWriter()
        v.string(1, "\(tag)/text_summary")
        v.message(9, Self.pluginMetadata("text", content: []))
        var shape = ProtobufWriter(), dim = ProtobufWriter()
        dim.int(1, 1)
        shape.message(2, dim)
        var tensor = ProtobufWriter()
        tensor.int(1, 7)            // DT_STRING
        tensor.message(2, shape)
        tensor.string(8, text)
        v.message(8, tensor)
        try addSummary(v, step: step, wallTime: wallTime)
    }

    /// Hyperparameters and the metrics they reached (PyTorch's `add_hparams`), for TensorBoard's
    /// HParams tab: written, with each metric as a scalar, to `logDir/<runName>` (default: the time).
    ///
    ///     try writer.addHParams(["lr": 2e-3, "optimizer": "adam"], metrics: ["hparam/accuracy": 0.97])
    public func addHParams(_ hparams: [String: HParamValue], metrics: [String: Double], runName: String? = nil) throws {
        let run = runName ?? String(format: "%.6f", Date().timeIntervalSince1970)
        let child = try SummaryWriter(logDir: (logDir as NSString).appendingPathComponent(run), flushSeconds: flushSeconds)
        let names = hparams.keys.sorted()
        // Experiment: the hyperparameters' names and types, and the metrics' tags.
        var experiment = ProtobufWriter()
        for name in names {
            var info = ProtobufWriter()
            info.string(1, name)
            switch hparams[name]! {
            case .number: info.int(4, 3)    // DATA_TYPE_FLOAT64
            case .string: info.int(4, 1)    // DATA_TYPE_STRING
            case .bool: info.int(4, 2)      // DATA_TYPE_BOOL
            }
            experiment.message(4, info)
        }
        for tag in metrics.keys.sorted() {
            var metricName = ProtobufWriter(), info = ProtobufWriter()
            metricName.string(2, tag)
            info.message(1, metricName)
            experiment.message(5, info)
        }
        var start = ProtobufWriter()
        for name in names {
            var value = ProtobufWriter()
            switch hparams[name]! {
            case .number(let d): value.double(2, d)
            case .string(let s): value.string(3, s)
            case .bool(let b): value.bool(4, b)
            }
            var entry = ProtobufWriter()
            entry.string(1, name)
            entry.message(2, value)
            start.message(1, entry)
        }
        start.double(5, Date().timeIntervalSince1970)
        var end = ProtobufWriter()
        end.int(1, 1)    // STATUS_SUCCESS
        end.double(2, Date().timeIntervalSince1970)
        for (tag, field, body) in [("_hparams_/experiment", 2, experiment), ("_hparams_/session_start_info", 3, start),
                                   ("_hparams_/session_end_info", 4, end)] {
            var data = ProtobufWriter()
            data.int(1, 0)       // plugin data version
            data.message(field, body)
            var v = ProtobufWriter()
            v.string(1, tag)
            v.message(9, Self.pluginMetadata("hparams", content: data.bytes))
            try child.addSummary(v, step: 0, wallTime: nil)
        }
        for (tag, value) in metrics.sorted(by: { $0.key < $1.key }) { try child.addScalar(tag, value, step: 0) }
        try child.close()
    }

    // MARK: Files

    /// Writes buffered events to the file (and those of `addScalars`' files), so TensorBoard sees
    /// them before the writer closes.
    ///
    ///     try writer.flush()
    public func flush() throws {
        for child in scalarWriters.values { try child.flush() }
        guard let handle else { return }
        if !pending.isEmpty {
            do { try handle.write(contentsOf: pending) } catch {
                throw FileError.writeFailed(path: path, reason: "\(error)")
            }
            pending.removeAll(keepingCapacity: true)
        }
        lastFlush = Date()
    }

    /// Flushes and closes the file; later adds are errors.
    ///
    ///     try writer.close()
    public func close() throws {
        guard handle != nil else { return }
        try flush()
        for child in scalarWriters.values { try child.close() }
        try? handle?.close()
        handle = nil
    }

    private func addSummary(_ value: ProtobufWriter, step: Int, wallTime: Double?) throws {
        guard handle != nil else { throw FileError.writeFailed(path: path, reason: "the SummaryWriter is closed") }
        var summary = ProtobufWriter()
        summary.message(1, value)
        var event = ProtobufWriter()
        event.double(1, wallTime ?? Date().timeIntervalSince1970)
        event.int(2, Int64(step))
        event.message(5, summary)
        pending += TFRecord.frame(event.bytes)
        if pending.count > 1 << 20 || Date().timeIntervalSince(lastFlush) >= flushSeconds { try flush() }
    }

    private static func pluginMetadata(_ plugin: String, content: [UInt8]) -> ProtobufWriter {
        var data = ProtobufWriter()
        data.string(1, plugin)
        if !content.isEmpty { data.bytes(2, content) }
        var meta = ProtobufWriter()
        meta.message(1, data)
        return meta
    }
}

/// A hyperparameter's value for `SummaryWriter.addHParams`: a number, a string or a bool (literals work).
public enum HParamValue: Equatable, Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
                         ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case number(Double)
    case string(String)
    case bool(Bool)
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// Numbers event files within one process, as PyTorch's global uid.
private final class SummaryCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n - 1 }
}
