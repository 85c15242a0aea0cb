/// Why a CSV table could not be read. Lines are numbered from 1, as an editor shows them.
public enum CSVError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String)
    /// No data rows.
    case empty(path: String)
    /// A row with a different number of fields than the first.
    case raggedRow(path: String, line: Int, expected: Int, got: Int)
    /// A field that is not a number.
    case notANumber(path: String, line: Int, column: Int, text: String)
    /// The label column named or numbered does not exist.
    case unknownLabelColumn(path: String, column: String, header: [String])
    /// A label that is not a whole number when integer class labels were asked for.
    case nonIntegerLabel(path: String, line: Int, text: String)

    public var description: String {
        switch self {
        case .missingFile(let p): return "CSV file not found: \(p)"
        case .empty(let p): return "\(p): no data rows"
        case .raggedRow(let p, let l, let e, let g): return "\(p):\(l): expected \(e) fields like the first row, got \(g)"
        case .notANumber(let p, let l, let c, let t): return "\(p):\(l): field \(c + 1) '\(t)' is not a number"
        case .unknownLabelColumn(let p, let c, let h): return "\(p): no label column \(c); columns: \(h.joined(separator: ", "))"
        case .nonIntegerLabel(let p, let l, let t): return "\(p):\(l): label '\(t)' is not a whole number (use labelDType: .float32 for regression)"
        }
    }
}

/// Which column of a CSV table holds the label: by position (0-based; negative counts from the end),
/// or by header name.
///
///     let a: CSVColumn = -1          // the last column
///     let b: CSVColumn = "species"   // by name (needs a header row)
public enum CSVColumn: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, Sendable, Equatable {
    case index(Int)
    case name(String)

    public init(integerLiteral value: Int) { self = .index(value) }
    public init(stringLiteral value: String) { self = .name(value) }
}

/// A numeric table read from CSV: a feature matrix and a label column.
///
///     let table = try CSV.read("iris.csv", labelColumn: "species")
///     let loader = DataLoader(table.dataset, batchSize: 16, shuffle: true)
public struct CSVTable {
    /// The feature columns' names (from the header row, or `column1`, `column2`...).
    public let featureNames: [String]
    /// The label column's name.
    public let labelName: String
    /// `[rows, features]` float32 (or the dtype asked for).
    public let features: Tensor
    /// `[rows]`, int64 class labels by default.
    public let labels: Tensor

    /// Features and labels as a `TensorDataset`.
    public var dataset: TensorDataset { TensorDataset(features, labels) }
}

/// A reader for numeric CSV tables with one label column.
///
///     let table = try CSV.read("data.csv", labelColumn: -1, hasHeader: true)
///     print(table.features.shape, table.labels.shape)
public enum CSV {
    /// Reads a comma- (or `separator`-) separated table of numbers. Blank lines and lines starting
    /// with `#` are skipped; fields may be quoted; a UTF-8 byte-order mark is skipped. `hasHeader: nil`
    /// detects a header (a first row with a field that is not a number). Throws `CSVError` (or
    /// `FileError` for a FIFO, a directory, a device or a file larger than the machine's memory),
    /// never traps or blocks on bad input.
    ///
    ///     let t = try CSV.read("points.csv", labelColumn: "y", labelDType: .float32)
    ///     print(t.featureNames)
    public static func read(_ path: String, labelColumn: CSVColumn = -1, hasHeader: Bool? = nil, separator: Character = ",",
                            featureDType: DType = .float32, labelDType: DType = .int64) throws -> CSVTable {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch FileError.notFound { throw CSVError.missingFile(path: path) }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path, labelColumn: labelColumn, hasHeader: hasHeader,
                         separator: separator, featureDType: featureDType, labelDType: labelDType)
    }

    /// Parses CSV text (see `read`); `path` only names the source in errors.
    ///
    ///     let t = try CSV.parse("x,y\n1,0\n2,1\n", labelColumn: "y")
    ///     print(t.labels.ints)                 // [0, 1]
    public static func parse(_ text: String, path: String = "<text>", labelColumn: CSVColumn = -1, hasHeader: Bool? = nil,
                             separator: Character = ",", featureDType: DType = .float32, labelDType: DType = .int64) throws -> CSVTable {
        check(featureDType.isFloatingPoint, "CSV: featureDType must be a float type, got \(featureDType)")
        var rows: [(line: Int, fields: [String])] = []
        var lineNumber = 0
        // A UTF-8 byte-order mark (Excel and Notepad write one) is not part of the first field.
        let body = text.unicodeScalars.first == "\u{FEFF}" ? Substring(text.unicodeScalars.dropFirst()) : Substring(text)
        // "\r\n" is one Character in Swift, and a newline, so Windows files split the same way.
        for line in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            rows.append((lineNumber, split(line, separator)))
        }
        guard let first = rows.first else { throw CSVError.empty(path: path) }
        let header: [String]
        if hasHeader ?? first.fields.contains(where: { Double($0) == nil }) {
            header = first.fields
            rows.removeFirst()
        } else {
            header = (1...first.fields.count).map { "column\($0)" }
        }
        guard !rows.isEmpty else { throw CSVError.empty(path: path) }
        let width = header.count
        let label: Int
        switch labelColumn {
        case .index(let i):
            guard i >= -width && i < width else {
                throw CSVError.unknownLabelColumn(path: path, column: String(i), header: header)
            }
            label = i < 0 ? width + i : i
        case .name(let n):
            guard let i = header.firstIndex(of: n) else { throw CSVError.unknownLabelColumn(path: path, column: n, header: header) }
            label = i
        }
        var features: [Double] = []
        features.reserveCapacity(rows.count * (width - 1))
        var labels: [Double] = []
        for row in rows {
            guard row.fields.count == width else {
                throw CSVError.raggedRow(path: path, line: row.line, expected: width, got: row.fields.count)
            }
            for (c, field) in row.fields.enumerated() {
                guard let v = Double(field) else { throw CSVError.notANumber(path: path, line: row.line, column: c, text: field) }
                if c == label {
                    if labelDType == .int64 && (v != v.rounded() || abs(v) > 0x1p53) {
                        throw CSVError.nonIntegerLabel(path: path, line: row.line, text: field)
                    }
                    labels.append(v)
                } else {
                    features.append(v)
                }
            }
        }
        var names = header
        let labelName = names.remove(at: label)
        return CSVTable(featureNames: names, labelName: labelName,
                        features: Tensor(features, shape: [rows.count, width - 1], dtype: featureDType),
                        labels: Tensor(labels, shape: [rows.count], dtype: labelDType))
    }

    /// Splits one line into trimmed fields; a field in double quotes may hold the separator, `""` is a quote.
    static func split(_ line: Substring, _ separator: Character) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let ch = iterator.next() {
            if quoted {
                if ch == "\"" {
                    var lookahead = iterator
                    if lookahead.next() == "\"" { current.append("\""); iterator = lookahead } else { quoted = false }
                } else {
                    current.append(ch)
                }
            } else if ch == "\"" {
                quoted = true
            } else if ch == separator {
                fields.append(String(current.trimmingSpaces()))
                current = ""
            } else {
                current.append(ch)
            }
        }
        fields.append(String(current.trimmingSpaces()))
        return fields
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isBlank($0) })!
        return self[start...end]
    }
}
