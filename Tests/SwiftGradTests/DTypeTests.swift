import Testing
@testable import SwiftGrad

/// Dtypes: the promotion table and result-type rules against PyTorch 2.13's values (literals below,
/// printed by torch.promote_types / torch.result_type), conversions between every pair, creation,
/// printing and safetensors for every dtype.
@Suite struct DTypeTests {
    static let order: [DType] = [.bool, .uint8, .int8, .int16, .int32, .int64, .float16, .bfloat16, .float32, .float64]

    /// torch.promote_types(row, column), rows and columns in `order`.
    static let promoteTypes: [[DType]] = [
        [.bool, .uint8, .int8, .int16, .int32, .int64, .float16, .bfloat16, .float32, .float64],
        [.uint8, .uint8, .int16, .int16, .int32, .int64, .float16, .bfloat16, .float32, .float64],
        [.int8, .int16, .int8, .int16, .int32, .int64, .float16, .bfloat16, .float32, .float64],
        [.int16, .int16, .int16, .int16, .int32, .int64, .float16, .bfloat16, .float32, .float64],
        [.int32, .int32, .int32, .int32, .int32, .int64, .float16, .bfloat16, .float32, .float64],
        [.int64, .int64, .int64, .int64, .int64, .int64, .float16, .bfloat16, .float32, .float64],
        [.float16, .float16, .float16, .float16, .float16, .float16, .float16, .float32, .float32, .float64],
        [.bfloat16, .bfloat16, .bfloat16, .bfloat16, .bfloat16, .bfloat16, .float32, .bfloat16, .float32, .float64],
        [.float32, .float32, .float32, .float32, .float32, .float32, .float32, .float32, .float32, .float64],
        [.float64, .float64, .float64, .float64, .float64, .float64, .float64, .float64, .float64, .float64],
    ]

    @Test func promotionTableMatchesPyTorch() {
        for (i, a) in Self.order.enumerated() {
            for (j, b) in Self.order.enumerated() {
                #expect(DType.result(a, b) == Self.promoteTypes[i][j], "\(a) + \(b)")
            }
        }
    }

    @Test func resultTypeRulesMatchPyTorch() {
        // torch.result_type with 0-d tensors and Python scalars.
        #expect(DType.resultType(tensors: [(.int32, 1), (.float64, 0)]) == .float64)
        #expect(DType.resultType(tensors: [(.float16, 1), (.float64, 0)]) == .float16)
        #expect(DType.resultType(tensors: [(.uint8, 1), (.int64, 0)]) == .uint8)
        #expect(DType.resultType(tensors: [(.int8, 1)], scalars: [2.5]) == .float32)
        #expect(DType.resultType(tensors: [(.bool, 1)], scalars: [2]) == .int64)
        #expect(DType.resultType(tensors: [(.bool, 1), (.int8, 0)]) == .int8)
        #expect(DType.resultType(tensors: [(.int8, 0), (.uint8, 0)]) == .int16)
        #expect(DType.resultType(tensors: [(.bfloat16, 0)], scalars: [2.5]) == .bfloat16)
        #expect(DType.resultType(tensors: [(.int64, 1)], scalars: [1e30]) == .float32)
        // Through the ops.
        let i32 = Tensor([1, 2, 3], dtype: .int32)
        #expect((i32 + Tensor(1.0, dtype: .float64)).dtype == .float64)
        #expect((Tensor([1.0], dtype: .float16) + Tensor(1.0, dtype: .float64)).dtype == .float16)
        #expect((Tensor([1.0], dtype: .float32) + Tensor([1.0], dtype: .float64)).dtype == .float64)
        #expect((i32 + 1).dtype == .int32 && (i32 * 2.5).dtype == .float32)
        #expect((Tensor([3]) + 1e30).dtype == .float32 && (Tensor([3]) + 1e30).item() == 1e30.nearestFloat)
        #expect((i32 / 2).dtype == .float32 && (i32 / 2).scalars == [0.5, 1, 1.5])
        #expect((Tensor([5], dtype: .int16) * Tensor([1.5] as [Float])).scalars == [7.5])
        #expect((Tensor([true]) + 1).dtype == .int64 && (Tensor([true]) + 1).ints == [2])
        #expect((Tensor([true]) + 1.5).dtype == .float32)
    }

    @Test func dtypeProperties() {
        #expect(Self.order.map(\.byteSize) == [1, 1, 1, 2, 4, 8, 2, 2, 4, 8])
        #expect(Self.order.filter(\.isFloatingPoint) == [.float16, .bfloat16, .float32, .float64])
        #expect(Self.order.filter { $0.isIntegral() } == [.uint8, .int8, .int16, .int32, .int64])
        #expect(DType.bool.isIntegral(includingBool: true) && !DType.bool.isIntegral())
        #expect(DType.bfloat16.description == "bfloat16" && DType.uint8.description == "uint8")
        for d in Self.order { #expect(Tensor.zeros([3], dtype: d).storage.byteCount >= 3 * d.byteSize) }
    }

    @Test func floatToIntegerConversionsMatchPyTorchOnX86() {
        // torch.tensor([300.7, -1.5, nan, 1e20, -1e20, inf, 3e9, -3e9]).to(dtype).tolist()
        let f = Tensor([300.7, -1.5, .nan, 1e20, -1e20, .infinity, 3e9, -3e9])
        #expect(f.to(.uint8).ints == [44, 255, 0, 0, 0, 0, 0, 0])
        #expect(f.to(.int8).ints == [44, -1, 0, 0, 0, 0, 0, 0])
        #expect(f.to(.int16).ints == [300, -1, 0, 0, 0, 0, 0, 0])
        let m32 = Int(Int32.min)
        #expect(f.to(.int32).ints == [300, -1, m32, m32, m32, m32, m32, m32])
        let m64 = Int(Int64.min)
        #expect(f.to(.int64).ints == [300, -1, m64, m64, m64, m64, 3_000_000_000, -3_000_000_000])
        #expect(f.to(.float16).to(.int16).ints == [300, -1, 0, 0, 0, 0, 0, 0])
        #expect(f.to(.bool).bools == [true, true, true, true, true, true, true, true])
        #expect(Tensor([0.0, -0.0, 2]).to(.bool).bools == [false, false, true])
    }

    @Test func conversionsBetweenEveryPairKeepSmallValues() {
        let values: [Double] = [0, 1, 2, 5, 100]
        for a in Self.order where a != .bool {
            let x = Tensor(values, dtype: a)
            for b in Self.order where b != .bool {
                #expect(x.to(b).doubles == values, "\(a) -> \(b)")
                #expect(x.to(b).dtype == b)
            }
            #expect(x.to(.bool).bools == [false, true, true, true, true], "\(a) -> bool")
            #expect(Tensor([true, false]).to(a).doubles == [1, 0], "bool -> \(a)")
        }
        // Integers narrow by keeping the low bits, as a C cast.
        #expect(Tensor([300, -1, 128]).to(.uint8).ints == [44, 255, 128])
        #expect(Tensor([300, -1, 128]).to(.int8).ints == [44, -1, -128])
        #expect(Tensor([70000], dtype: .int32).to(.int16).ints == [4464])
        #expect(Tensor([300, -1], dtype: .uint8).ints == [44, 255])
    }

    @Test func reducedPrecisionRoundsToNearestEven() {
        // torch: tensor([0.1]).bfloat16().view(int16) == 15821; float16: 11878.
        let b = Tensor([0.1], dtype: .bfloat16), h = Tensor([0.1], dtype: .float16)
        #expect(b.ptr(UInt16.self)[0] == 15821 && h.ptr(UInt16.self)[0] == 11878)
        // Ties go to even: 1 + 2^-8 rounds down to 1, 1 + 3·2^-8 up to 1 + 2^-6.
        #expect(Tensor([1.00390625, 1.01171875], dtype: .bfloat16).doubles == [1.0, 1.015625])
        // Overflow to infinity, NaN stays NaN (with its sign).
        #expect(Tensor([65504, 70000], dtype: .float16).doubles == [65504, .infinity])
        #expect(Tensor([3.4e38], dtype: .bfloat16).doubles == [.infinity])
        let nan = Tensor([.nan, -.nan], dtype: .bfloat16).doubles
        #expect(nan[0].isNaN && nan[1].isNaN && nan[0].sign == .plus && nan[1].sign == .minus)
        #expect(Tensor([-2.5, 1e-40], dtype: .bfloat16).to(.float32).scalars[0] == -2.5)
        #expect(Tensor([0.1], dtype: .float16).toArray(as: Float16.self) == [Float16(0.1)])
    }

    @Test func creationForEveryDType() {
        for d in Self.order {
            #expect(Tensor.zeros([2, 2], dtype: d).doubles == [0, 0, 0, 0], "\(d)")
            #expect(Tensor.ones([3], dtype: d).doubles == [1, 1, 1], "\(d)")
            #expect(Tensor.full([2], 1, dtype: d).dtype == d)
            #expect(Tensor([1, 0, 1], dtype: d).doubles == [1, 0, 1], "\(d)")
            #expect(Tensor([true, false], dtype: d).doubles == [1, 0], "\(d)")
            #expect(Tensor.arange(0, 3, dtype: d).dtype == d)
        }
        #expect(Tensor.arange(4, dtype: .int8).ints == [0, 1, 2, 3])
        #expect(Tensor.full([2], 7, dtype: .uint8).ints == [7, 7])
        #expect(Tensor.full([1], 2.5, dtype: .bfloat16).doubles == [2.5])
        #expect(Tensor.randn([100], dtype: .bfloat16).dtype == .bfloat16)
        #expect(Tensor.rand([10], dtype: .float16).doubles.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(Tensor.randint(0, 5, [10], dtype: .uint8).ints.allSatisfy { (0..<5).contains($0) })
        #expect(Tensor(shape: [2], scalars: [Int32(3), -4]).dtype == .int32)
        #expect(Tensor(shape: [2], scalars: [true, false]).bools == [true, false])
        #expect(Tensor([1.5], dtype: .bfloat16).item() == 1.5 && Tensor([7], dtype: .int16).item(as: Int16.self) == 7)
    }

    @Test func printingEveryDType() {
        #expect(Tensor([true, false]).description == "tensor([ True, False])")
        #expect(Tensor([true, false], shape: [2, 1]).description == "tensor([[ True],\n        [False]])")
        #expect(Tensor([1, 2], dtype: .int32).description == "tensor([1, 2], dtype: int32)")
        #expect(Tensor([1, 2], dtype: .uint8).description == "tensor([1, 2], dtype: uint8)")
        #expect(Tensor([1, 2]).description == "tensor([1, 2])")
        #expect(Tensor([1.5], dtype: .bfloat16).description == "tensor([1.5000], dtype: bfloat16)")
        #expect(Tensor([1, 2.5], dtype: .float16).description == "tensor([1.0000, 2.5000], dtype: float16)")
        #expect(Tensor([1.5]).description == "tensor([1.5000])")
        #expect(Tensor([1.5], dtype: .float64).description == "tensor([1.5000], dtype: float64)")
    }

    @Test func safetensorsKeepsEveryDType() throws {
        var tensors: [String: Tensor] = [:]
        for d in Self.order { tensors[d.rawValue] = Tensor([1, 0, 3], dtype: d == .bool ? .bool : d) }
        tensors["bf"] = Tensor([0.1, -2.5e30, .infinity], dtype: .bfloat16)
        let bytes = Safetensors.encode(tensors)
        let file = try Safetensors.decode(bytes)
        let back = file.tensors
        #expect(file.storedDTypes["bfloat16"] == "BF16" && file.storedDTypes["bool"] == "BOOL" && file.storedDTypes["uint8"] == "U8")
        for (name, t) in tensors {
            let r = try #require(back[name])
            #expect(r.dtype == t.dtype && r.shape == t.shape, "\(name)")
            let n = t.count * t.dtype.byteSize
            #expect(Array(UnsafeRawBufferPointer(start: r.storage.pointer, count: n)) ==
                    Array(UnsafeRawBufferPointer(start: t.storage.pointer, count: n)), "\(name): bytes differ")
        }
    }

    @Test func bfloat16CheckpointLoadsIntoAFloat32Model() throws {
        let model = Linear(2, 1)
        let state = ["weight": Tensor([[0.5, -1.5]], dtype: .bfloat16), "bias": Tensor([0.25], dtype: .bfloat16)]
        try model.loadWeights(state)
        #expect(model.weight.dtype == .float32 && model.weight.scalars == [0.5, -1.5])
    }
}

private extension Double {
    /// The value rounded to float32, as a Double.
    var nearestFloat: Double { Double(Float(self)) }
}
