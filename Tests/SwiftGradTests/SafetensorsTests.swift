import Foundation
import Testing
@testable import SwiftGrad

/// safetensors: byte layout per the format specification, round trips, the PyTorch-written files,
/// narrow dtypes, and broken or hostile files as thrown errors.
@Suite struct SafetensorsTests {
    /// Builds a file by hand: header JSON (padded to 8 bytes with spaces) and raw data.
    static func file(_ header: String, _ data: [UInt8], pad: Bool = true) -> [UInt8] {
        var h = Array(header.utf8)
        while pad && h.count % 8 != 0 { h.append(0x20) }
        var out: [UInt8] = []
        let n = UInt64(h.count)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        return out + h + data
    }

    static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    static func resource(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources")!.path
    }

    @Test func layoutFollowsTheSpecification() throws {
        let w = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let steps = Tensor([Int64(7)], shape: [])
        let bytes = Safetensors.encode(["w": w, "step": steps], metadata: ["format": "pt"])
        // 8-byte little-endian header length, a JSON header padded with spaces to a multiple of 8.
        let n = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(n % 8 == 0 && Int(n) + 8 + 24 + 8 == bytes.count)
        let header = Array(bytes[8 ..< 8 + Int(n)])
        let text = String(decoding: header, as: UTF8.self)
        #expect(text.hasPrefix("{") && text.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
        let close = header.lastIndex(of: UInt8(ascii: "}"))!
        #expect(header[(close + 1)...].allSatisfy { $0 == 0x20 })
        let json = try JSONSerialization.jsonObject(with: Data(header)) as! [String: Any]
        #expect(json["__metadata__"] as? [String: String] == ["format": "pt"])
        let step = json["step"] as! [String: Any], wj = json["w"] as! [String: Any]
        // The 8-byte int64 first (larger elements first, as Python's writer), then the float32.
        #expect(step["dtype"] as? String == "I64" && step["shape"] as? [Int] == [] && step["data_offsets"] as? [Int] == [0, 8])
        #expect(wj["dtype"] as? String == "F32" && wj["shape"] as? [Int] == [2, 3] && wj["data_offsets"] as? [Int] == [8, 32])
        let data = Array(bytes[(8 + Int(n))...])
        #expect(data == SafetensorsTests.bytes([Int64(7)]) + SafetensorsTests.bytes([1, 2, 3, 4, 5, 6] as [Float]))
    }

    @Test func roundTripIsBitwise() throws {
        let dir = makeTemporaryFolder()
        let tensors: [String: Tensor] = [
            "a.weight": Tensor.randn([3, 4], generator: Generator(seed: 1)),
            "a.bias": Tensor([Double.pi, -0.0, .infinity, .leastNonzeroMagnitude], dtype: .float64),
            "counts": Tensor([Int64.min, -1, 0, .max]),
            "scalar": Tensor(2.5, dtype: .float64),
            "empty": Tensor.zeros([0, 5]),
            "odd \"name\"\n": Tensor([1, 2, 3] as [Float]),
        ]
        try Safetensors.save(tensors, to: dir + "/t.safetensors", metadata: ["note": "ünïcode \"quoted\"", "epoch": "3"])
        let file = try Safetensors.read(from: dir + "/t.safetensors")
        #expect(file.metadata == ["note": "ünïcode \"quoted\"", "epoch": "3"])
        #expect(Set(file.tensors.keys) == Set(tensors.keys))
        for (name, t) in tensors {
            let back = file.tensors[name]!
            #expect(back.dtype == t.dtype && back.shape == t.shape, "\(name)")
            #expect(Safetensors.encode([name: back]) == Safetensors.encode([name: t]), "\(name) bytes differ")
        }
        #expect(file.tensors["a.bias"]!.doubles[1].sign == .minus)
    }

    @Test func readsThePyTorchFiles() throws {
        let lenet = try Safetensors.load(from: SafetensorsTests.resource("lenet_torch.safetensors"))
        #expect(lenet.values.reduce(0) { $0 + $1.count } == 61_706)
        #expect(lenet["features.0.weight"]!.shape == [6, 1, 5, 5] && lenet["features.0.weight"]!.dtype == .float32)
        #expect(lenet["classifier.1.weight"]!.shape == [120, 400])
        let lstm = try Safetensors.load(from: SafetensorsTests.resource("charlstm_torch.safetensors"))
        #expect(lstm.values.reduce(0) { $0 + $1.count } == 16_220)
        #expect(lstm["lstm.weight_ih_l0"]!.shape == [128, 16] && lstm["embedding.weight"]!.shape == [28, 16])
        // Re-encoding what PyTorch wrote and reading it back changes nothing.
        let again = try Safetensors.decode(Safetensors.encode(lenet))
        for (k, v) in lenet { #expect(again.tensors[k]!.scalars == v.scalars) }
    }

    @Test func halfAndBFloat16AreConvertedExactly() throws {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x8000, 0x7C00, 0xFC00, 0x3555, 0x7E00]
        let expected: [Float] = [1, -2, 65504, 0x1p-24, 1023 * 0x1p-24, -0.0, .infinity, -.infinity, 0.333251953125, .nan]
        let brains: [UInt16] = [0x3F80, 0xC040, 0x7F80, 0x0001, 0x4049]
        let expectedB: [Float] = [1, -3, .infinity, Float(bitPattern: 0x0001_0000), 3.140625]
        let header = #"{"h":{"dtype":"F16","shape":[10],"data_offsets":[0,20]},"b":{"dtype":"BF16","shape":[5],"data_offsets":[20,30]}}"#
        let file = try Safetensors.decode(SafetensorsTests.file(header, SafetensorsTests.bytes(halves) + SafetensorsTests.bytes(brains)))
        let h = file.tensors["h"]!.scalars, b = file.tensors["b"]!.scalars
        // Loaded as they are stored (2 bytes per element), read out here as float32.
        #expect(file.tensors["h"]!.dtype == .float16 && file.tensors["b"]!.dtype == .bfloat16)
        #expect(file.storedDTypes["h"] == "F16" && file.storedDTypes["b"] == "BF16")
        for (got, want) in zip(h, expected) {
            #expect(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN), "\(got) vs \(want)")
        }
        for (got, want) in zip(b, expectedB) { #expect(got.bitPattern == want.bitPattern) }
        // Every finite half converts to the value it denotes: sign · 2^(e-15) · (1 + m/1024), or subnormal.
        for bits in UInt16(0) ... 0x7BFF {
            let e = Int(bits >> 10), m = Double(bits & 0x3FF)
            let value = e == 0 ? m * 0x1p-24 : (1 + m / 1024) * pow(2, Double(e - 15))
            if Tensor(shape: [1], scalars: [Float16(bitPattern: bits)]).doubles[0] != value { Issue.record("half \(bits)"); break }
        }
    }

    @Test func readsAFileWrittenByPythonSafetensors() throws {
        // Made by `safetensors.numpy.save_file` with a float16 and an int32 array and metadata {"m": "1"}.
        let f = try Safetensors.read(from: SafetensorsTests.resource("python_f16_i32.safetensors"))
        #expect(f.metadata == ["m": "1"])
        #expect(f.storedDTypes == ["h": "F16", "x": "I32"])
        #expect(f.tensors["h"]!.scalars == [1, -2, 65504, 0.3330078125])   // float16(0.333) = 0x3554
        #expect(f.tensors["x"]!.ints == [0, 1, 2, 3, 4] && f.tensors["x"]!.dtype == .int32)
    }

    @Test func narrowIntegersKeepTheirDType() throws {
        let header = #"{"i":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"U8","shape":[2],"data_offsets":[8,10]},"m":{"dtype":"BOOL","shape":[2],"data_offsets":[10,12]}}"#
        let data = SafetensorsTests.bytes([Int32(-5), Int32(1 << 30)]) + [255, 3] + [1, 0]
        let f = try Safetensors.decode(SafetensorsTests.file(header, data))
        #expect(f.tensors["i"]!.ints == [-5, 1 << 30] && f.tensors["u"]!.ints == [255, 3] && f.tensors["m"]!.ints == [1, 0])
        #expect(f.tensors["i"]!.dtype == .int32 && f.tensors["u"]!.dtype == .uint8 && f.tensors["m"]!.dtype == .bool)
    }

    /// The error a decode throws, or nil.
    static func error(_ bytes: [UInt8]) -> SafetensorsError? {
        do { _ = try Safetensors.decode(bytes); return nil } catch let e as SafetensorsError { return e } catch { return nil }
    }

    @Test func brokenFilesThrow() {
        func f(_ h: String, _ d: [UInt8]) -> [UInt8] { SafetensorsTests.file(h, d) }
        let four = SafetensorsTests.bytes([1, 2, 3, 4] as [Float])
        let ok = #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        #expect(SafetensorsTests.error(f(ok, four)) == nil)
        func expectCase(_ bytes: [UInt8], _ what: String, _ matches: (SafetensorsError) -> Bool) {
            guard let e = SafetensorsTests.error(bytes) else { Issue.record("\(what): no error"); return }
            #expect(matches(e), "\(what): \(e)")
        }
        expectCase([1, 2, 3], "short file") { if case .truncated = $0 { true } else { false } }
        expectCase(Array(f(ok, four).prefix(20)), "header cut") { if case .headerTooLarge = $0 { true } else { false } }
        expectCase([0, 0, 0, 0, 0, 0, 0, 0x80] + [UInt8](repeating: 32, count: 16), "2^63 header") { if case .headerTooLarge = $0 { true } else { false } }
        expectCase(f("{not json", four), "bad JSON") { if case .invalidHeader = $0 { true } else { false } }
        expectCase(f("[1,2]", []), "not an object") { if case .invalidHeader = $0 { true } else { false } }
        expectCase(f(#"{"x":{"dtype":"F32","shape":[4]}}"#, four), "no offsets") { if case .invalidHeader = $0 { true } else { false } }
        expectCase(f(#"{"x":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"#, [1, 2, 3, 4]), "F8") {
            $0 == .unsupportedDType(path: "<bytes>", tensor: "x", dtype: "F8_E4M3")
        }
        expectCase(f(#"{"x":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}"#, four), "shape vs offsets") { if case .sizeMismatch = $0 { true } else { false } }
        expectCase(f(#"{"x":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#, four), "negative dim") { if case .sizeMismatch = $0 { true } else { false } }
        expectCase(f(#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}"#, four), "begin > end") { if case .invalidOffsets = $0 { true } else { false } }
        expectCase(f(#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#, four), "past the end") { if case .invalidOffsets = $0 { true } else { false } }
        expectCase(f(ok, four + [0, 0, 0, 0]), "trailing bytes") { if case .invalidOffsets = $0 { true } else { false } }
        expectCase(f(ok, Array(four.prefix(10))), "truncated data") { if case .invalidOffsets = $0 { true } else { false } }
        let twoOverlapping = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        expectCase(f(twoOverlapping, four), "overlap") { if case .invalidOffsets = $0 { true } else { false } }
        let hole = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
        expectCase(f(hole, four), "hole") { if case .invalidOffsets = $0 { true } else { false } }
        expectCase(f(#"{"__metadata__":{"n":3}}"#, []), "non-string metadata") { if case .invalidHeader = $0 { true } else { false } }
        expectCase(f(#"{"x":{"dtype":"F32","shape":[4.5],"data_offsets":[0,16]}}"#, four), "fractional dim") { if case .sizeMismatch = $0 { true } else { false } }
    }

    @Test func absurdSizesAreRefusedBeforeAllocating() {
        func f(_ h: String, _ d: [UInt8]) -> [UInt8] { SafetensorsTests.file(h, d) }
        // 10^12 float32 elements whose offsets agree with the shape but lie far past the 16-byte file.
        let huge = #"{"x":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4000000000000]}}"#
        #expect(SafetensorsTests.error(f(huge, [UInt8](repeating: 0, count: 16))) != nil)
        // A shape whose byte count overflows Int.
        let overflow = #"{"x":{"dtype":"F64","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}"#
        #expect(SafetensorsTests.error(f(overflow, [UInt8](repeating: 0, count: 8))) != nil)
        // Offsets beyond 2^53 (not exact in JSON numbers).
        let far = #"{"x":{"dtype":"U8","shape":[1],"data_offsets":[99999999999999999999,1e30]}}"#
        #expect(SafetensorsTests.error(f(far, [0])) != nil)
    }

    @Test func everyPrefixAndRandomCorruptionThrowsOrLoads() {
        let good = Safetensors.encode(["w": Tensor.arange(6, dtype: .float32).reshape([2, 3]), "n": Tensor([Int64(3)])], metadata: ["k": "v"])
        for cut in 0 ..< good.count {
            #expect(SafetensorsTests.error(Array(good.prefix(cut))) != nil, "prefix \(cut) loaded")
        }
        let g = Generator(seed: 3)
        for _ in 0..<400 {
            var b = good
            for _ in 0 ..< g.nextInt(in: 1 ..< 4) { b[g.nextInt(in: 0 ..< b.count)] = UInt8(g.nextInt(in: 0 ..< 256)) }
            _ = try? Safetensors.decode(b)
        }
    }

    @Test func missingFileIsAFileError() {
        #expect(throws: FileError.notFound(path: "/nonexistent/x.safetensors")) {
            try Safetensors.load(from: "/nonexistent/x.safetensors")
        }
    }
}

/// A stand-in for a module: named float32 parameters with LeNet's PyTorch names and shapes.
final class NamedParameters: StateDictConvertible {
    var tensors: [String: Tensor]
    init(_ shapes: [String: [Int]]) { tensors = shapes.mapValues { Tensor.zeros($0) } }
    func stateDict() -> [String: Tensor] { tensors }
    func loadStateDict(_ state: [String: Tensor]) throws {
        for (k, v) in state { tensors[k] = v.copy() }
    }
}

@Suite struct WeightsTests {
    static let lenetShapes: [String: [Int]] = [
        "features.0.weight": [6, 1, 5, 5], "features.0.bias": [6], "features.3.weight": [16, 6, 5, 5], "features.3.bias": [16],
        "classifier.1.weight": [120, 400], "classifier.1.bias": [120], "classifier.3.weight": [84, 120],
        "classifier.3.bias": [84], "classifier.5.weight": [10, 84], "classifier.5.bias": [10],
    ]

    @Test func loadsPyTorchLeNetWeightsByName() throws {
        let model = NamedParameters(WeightsTests.lenetShapes)
        let path = SafetensorsTests.resource("lenet_torch.safetensors")
        let report = try model.loadWeights(from: path)
        #expect(report.missingKeys.isEmpty && report.unexpectedKeys.isEmpty)
        let file = try Safetensors.load(from: path)
        for (k, v) in file { #expect(model.tensors[k]!.scalars == v.scalars, "\(k)") }
        // Saved again by SwiftGrad, the file holds the same tensors under the same names.
        let dir = makeTemporaryFolder()
        try model.saveWeights(to: dir + "/lenet.safetensors")
        let again = try Safetensors.read(from: dir + "/lenet.safetensors")
        #expect(again.metadata == ["format": "pt"] && Set(again.tensors.keys) == Set(file.keys))
    }

    @Test func strictLoadingListsTheKeys() throws {
        let path = SafetensorsTests.resource("lenet_torch.safetensors")
        var shapes = WeightsTests.lenetShapes
        shapes["classifier.5.weight"] = nil
        shapes["classifier.5.bias"] = nil
        shapes["extra.weight"] = [3]
        shapes["extra.bias"] = [3]
        // Both kinds at once: one error listing both, as PyTorch's load_state_dict.
        #expect(throws: StateDictError.incompatibleKeys(missing: ["extra.bias", "extra.weight"],
                                                        unexpected: ["classifier.5.bias", "classifier.5.weight"])) {
            try NamedParameters(shapes).loadWeights(from: path)
        }
        shapes["classifier.5.weight"] = [10, 84]
        shapes["classifier.5.bias"] = [10]
        #expect(throws: StateDictError.missingKeys(["extra.bias", "extra.weight"])) {
            try NamedParameters(shapes).loadWeights(from: path)
        }
        shapes["classifier.5.weight"] = nil
        shapes["classifier.5.bias"] = nil
        shapes["extra.weight"] = nil
        shapes["extra.bias"] = nil
        #expect(throws: StateDictError.unexpectedKeys(["classifier.5.bias", "classifier.5.weight"])) {
            try NamedParameters(shapes).loadWeights(from: path)
        }
        let loose = NamedParameters(shapes.merging(["extra.weight": [3]]) { a, _ in a })
        let report = try loose.loadWeights(from: path, strict: false)
        #expect(report.missingKeys == ["extra.weight"] && report.unexpectedKeys == ["classifier.5.bias", "classifier.5.weight"])
        #expect(loose.tensors["features.0.bias"]!.scalars != [Float](repeating: 0, count: 6))
    }

    @Test func wrongShapeOrDTypeIsAnErrorAndChangesNothing() throws {
        let path = SafetensorsTests.resource("lenet_torch.safetensors")
        var shapes = WeightsTests.lenetShapes
        shapes["classifier.1.weight"] = [400, 120]
        let model = NamedParameters(shapes)
        #expect(throws: StateDictError.shapeMismatch(key: "classifier.1.weight", expected: [400, 120], got: [120, 400])) {
            try model.loadWeights(from: path)
        }
        #expect(model.tensors["features.0.bias"]!.scalars == [Float](repeating: 0, count: 6))
        let doubles = NamedParameters(["w": [2]])
        #expect(throws: StateDictError.dtypeMismatch(key: "w", expected: .float32, got: .float64)) {
            try doubles.loadWeights(["w": Tensor([1, 2], dtype: .float64)])
        }
    }

    /// The header parser (a direct scanner, not a JSON tree) reads any valid JSON layout: whitespace,
    /// escaped and non-ASCII names, unknown fields of any nesting, numbers written as 4.0 or 4e0;
    /// and refuses duplicates, lone surrogates, bad escapes and trailing garbage.
    @Test func headerParserReadsAnyJSONLayout() throws {
        let four = SafetensorsTests.bytes([1, 2, 3, 4] as [Float])
        let header = " {\n \"__metadata__\" : { \"k\\u00e9y\" : \"v\\\"q\\n\" } ,\t"
            + #""w\u00e9\ud83d\ude00\/x" : {"extra": [1, {"a": [true, false, null, "}]"]}, {}], "dtype":"F32","#
            + #""shape" : [ 4.0 ] , "data_offsets":[0,1.6e1],"more":{}}, "ü":{"dtype":"U8","shape":[],"data_offsets":[16,17]}}"#
        let f = try Safetensors.decode(SafetensorsTests.file(header, four + [9]))
        #expect(f.metadata == ["k\u{e9}y": "v\"q\n"])
        #expect(f.tensors["w\u{e9}\u{1F600}/x"]?.scalars == [1, 2, 3, 4])
        #expect(f.tensors["ü"]?.ints == [9] && f.tensors["ü"]?.shape == [])
        let bad = [
            #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#,
            #"{"\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#,
            #"{"\q":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#,
            #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}} x"#,
            #"{"a":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}}"#,
            #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":[}}"#,
            #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},}"#,
            #"{"__metadata__":{},"__metadata__":{}}"#,
        ]
        for h in bad {
            #expect(throws: SafetensorsError.self, "\(h)") { _ = try Safetensors.decode(SafetensorsTests.file(h, [0])) }
        }
        // Raw bytes that are not UTF-8 in a name.
        var raw = SafetensorsTests.file(#"{"ab":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, [0])
        raw[10] = 0xFF
        #expect { _ = try Safetensors.decode(raw) } throws: { e in
            if case .invalidHeader(_, let reason)? = e as? SafetensorsError { reason == "not UTF-8" } else { false }
        }
    }
}
