// Reading TensorBoard event files back: every record's CRCs are checked and each Event decoded
// into the values this library writes (scalars, histograms, images, text, plugin data).

/// One event of an event file: its time, step and summary values (the first event of a file has
/// only `fileVersion`).
public struct TensorBoardEvent: Equatable, Sendable {
    public var wallTime: Double
    public var step: Int
    public var fileVersion: String?
    public var values: [TensorBoardValue]
}

/// One summary value of an event.
public struct TensorBoardValue: Equatable, Sendable {
    /// What the value holds.
    public enum Kind: Equatable, Sendable {
        case scalar(Double)
        case histogram(min: Double, max: Double, count: Double, sum: Double, sumOfSquares: Double,
                       bucketLimits: [Double], bucketCounts: [Double])
        case image(width: Int, height: Int, channels: Int, png: [UInt8])
        case text(String)
        /// A value with plugin metadata only (the hparams summaries): the plugin's content bytes.
        case pluginData([UInt8])
    }
    public var tag: String
    /// The plugin named in the value's metadata ("text", "hparams"), if any.
    public var pluginName: String?
    public var kind: Kind
}

/// Reads TensorBoard event files.
///
///     let events = try TensorBoardEventFile.read(writer.path)
///     for case .scalar(let v) in events.flatMap(\.values).map(\.kind) { print(v) }
public enum TensorBoardEventFile {
    /// The events of the file at `path`; a damaged file throws `TensorBoardError` (a truncated or
    /// checksum-failing record, a malformed message) or `FileError`.
    public static func read(_ path: String) throws -> [TensorBoardEvent] {
        try decode(ReadableFile(path).readAll(limit: FileLimits.physicalMemory))
    }

    /// The events of an event file's bytes.
    public static func decode(_ bytes: [UInt8]) throws -> [TensorBoardEvent] {
        try TFRecord.records(bytes).map(event)
    }

    private static func event(_ bytes: ArraySlice<UInt8>) throws -> TensorBoardEvent {
        var e = TensorBoardEvent(wallTime: 0, step: 0, fileVersion: nil, values: [])
        for f in try ProtobufReader.fields(of: bytes) {
            switch f.number {
            case 1: e.wallTime = f.double ?? 0
            case 2: e.step = Int(truncatingIfNeeded: f.int ?? 0)
            case 3: e.fileVersion = f.string
            case 5:
                guard let summary = f.data else { throw TensorBoardError.malformedMessage("summary is not a message") }
                for v in try ProtobufReader.fields(of: summary) where v.number == 1 {
                    guard let data = v.data else { throw TensorBoardError.malformedMessage("summary value is not a message") }
                    e.values.append(try value(data))
                }
            default: break
            }
        }
        return e
    }

    private static func value(_ bytes: ArraySlice<UInt8>) throws -> TensorBoardValue {
        var tag = "", plugin: String?, content: [UInt8] = []
        var kind: TensorBoardValue.Kind?
        for f in try ProtobufReader.fields(of: bytes) {
            switch f.number {
            case 1: tag = f.string ?? ""
            case 2: kind = .scalar(Double(f.float ?? .nan))
            case 4: kind = try image(f.data ?? [])
            case 5: kind = try histogram(f.data ?? [])
            case 8: if let text = try text(f.data ?? []) { kind = .text(text) }
            case 9: (plugin, content) = try pluginData(f.data ?? [], plugin: plugin, content: content)
            default: break
            }
        }
        return TensorBoardValue(tag: tag, pluginName: plugin, kind: kind ?? .pluginData(content))
    }

    // Each message kind is decoded in a function of its own (one long function with all of them
    // crashed the Swift 6.3 optimizer's CopyPropagation pass in release builds).
    @inline(never)
    private static func image(_ bytes: ArraySlice<UInt8>) throws -> TensorBoardValue.Kind {
        var w = 0, h = 0, c = 0, png: [UInt8] = []
        for g in try ProtobufReader.fields(of: bytes) {
            switch g.number {
            case 1: h = Int(truncatingIfNeeded: g.int ?? 0)
            case 2: w = Int(truncatingIfNeeded: g.int ?? 0)
            case 3: c = Int(truncatingIfNeeded: g.int ?? 0)
            case 4: png = Array(g.data ?? [])
            default: break
            }
        }
        return .image(width: w, height: h, channels: c, png: png)
    }

    @inline(never)
    private static func histogram(_ bytes: ArraySlice<UInt8>) throws -> TensorBoardValue.Kind {
        var d = [Double](repeating: 0, count: 5), limits: [Double] = [], counts: [Double] = []
        for g in try ProtobufReader.fields(of: bytes) {
            let n = g.number
            if n >= 1 && n <= 5 {
                d[n - 1] = g.double ?? 0
            } else if n == 6 {
                limits += repeatedDoubles(g)
            } else if n == 7 {
                counts += repeatedDoubles(g)
            }
        }
        return .histogram(min: d[0], max: d[1], count: d[2], sum: d[3], sumOfSquares: d[4],
                          bucketLimits: limits, bucketCounts: counts)
    }

    /// A repeated double field's values: packed (one bytes field) or one double per field.
    @inline(never)
    private static func repeatedDoubles(_ g: ProtobufField) -> [Double] {
        if let packed = g.packedDoubles { return packed }
        if let one = g.double { return [one] }
        return []
    }

    @inline(never)
    private static func text(_ bytes: ArraySlice<UInt8>) throws -> String? {
        var text: String?
        for g in try ProtobufReader.fields(of: bytes) where g.number == 8 { text = g.string ?? "" }
        return text
    }

    @inline(never)
    private static func pluginData(_ bytes: ArraySlice<UInt8>, plugin: String?, content: [UInt8]) throws -> (String?, [UInt8]) {
        var plugin = plugin, content = content
        for g in try ProtobufReader.fields(of: bytes) where g.number == 1 {
            for p in try ProtobufReader.fields(of: g.data ?? []) {
                if p.number == 1 { plugin = p.string }
                if p.number == 2 { content = Array(p.data ?? []) }
            }
        }
        return (plugin, content)
    }
}
