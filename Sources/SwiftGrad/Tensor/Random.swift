import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A seedable random number generator (xoshiro256**, seeded through SplitMix64), like
/// `torch.Generator`. Same seed, same sequence, on every machine. Safe to share between threads:
/// each draw of a whole tensor takes the lock once.
///
///     let g = Generator(seed: 42)
///     let w = Tensor.randn([3, 3], generator: g)
public final class Generator: Sendable {
    struct State: Sendable {
        var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

        init(seed: UInt64) {
            var x = seed
            func splitmix() -> UInt64 {
                x &+= 0x9E37_79B9_7F4A_7C15
                var z = x
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
        }

        @inline(__always) mutating func next() -> UInt64 {
            let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
            let t = s1 << 17
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
            s3 = (s3 << 45) | (s3 >> 19)
            return result
        }
        /// Uniform in [0, 1) with 53 random bits.
        @inline(__always) mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
        /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
        @inline(__always) mutating func uniformFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }
        /// A pair of standard normals (Box-Muller); 1 - u keeps the log argument in (0, 1].
        @inline(__always) mutating func normalPair() -> (Double, Double) {
            let u1 = 1 - uniform(), u2 = uniform()
            let r = (-2 * Glibc.log(u1)).squareRoot()
            let t = 2 * Double.pi * u2
            return (r * Glibc.cos(t), r * Glibc.sin(t))
        }
        /// Uniform integer in 0..<n without modulo bias.
        @inline(__always) mutating func below(_ n: UInt64) -> UInt64 {
            let threshold = (0 &- n) % n
            while true {
                let (hi, lo) = next().multipliedFullWidth(by: n)
                if lo >= threshold { return hi }
            }
        }
    }

    let state: Locked<State>
    /// The seed this generator was created with (or last reseeded with).
    public var initialSeed: UInt64 { seedValue.withLock { $0 } }
    private let seedValue: Locked<UInt64>

    public init(seed: UInt64 = 0) {
        state = Locked(State(seed: seed))
        seedValue = Locked(seed)
    }

    /// Restarts the sequence from `seed`.
    public func manualSeed(_ seed: UInt64) {
        state.withLock { $0 = State(seed: seed) }
        seedValue.withLock { $0 = seed }
    }

    /// The full internal state, for checkpoints; `setState` restores it bit for bit.
    ///
    ///     let saved = g.getState()
    ///     g.setState(saved)
    public func getState() -> [UInt64] { state.withLock { [$0.s0, $0.s1, $0.s2, $0.s3] } }

    /// Restores a state from `getState()`: four words, not all zero (xoshiro never reaches the
    /// all-zero state and never leaves it: every draw would be 0 and a shuffle would loop forever).
    ///
    ///     let saved = g.getState()
    ///     g.setState(saved)
    public func setState(_ s: [UInt64]) {
        check(s.count == 4, "Generator.setState: expected 4 words, got \(s.count)")
        check(!Generator.isDegenerate(s), "Generator.setState: the state \(s) is all zero, which xoshiro256** can never "
              + "reach or leave (every draw would be 0); use a state from getState() or manualSeed(_:)")
        state.withLock { $0.s0 = s[0]; $0.s1 = s[1]; $0.s2 = s[2]; $0.s3 = s[3] }
    }

    /// Whether `words` is the all-zero state, the one state a xoshiro generator cannot use.
    static func isDegenerate(_ words: [UInt64]) -> Bool { words.allSatisfy { $0 == 0 } }

    /// Runs `body` with exclusive access to the raw state (one lock for a whole fill).
    /// Inside a checkpointed block, the state before the block's first draw is logged, so that the
    /// recomputation in backward draws the same numbers (Autograd/ActivationCheckpoint.swift).
    func withState<R>(_ body: (inout State) -> R) -> R {
        let ctx = ThreadContext.current
        if let capture = ctx.checkpointCapture { capture.noteGenerator(self) }
        // vmap's randomness: 'error', PyTorch's default (Autograd/Vmap.swift).
        check(ctx.vmapFrames.isEmpty, "vmap: random operations are not supported inside vmap (PyTorch's randomness='error'); draw the random tensor outside and pass it in as a batched argument")
        return state.withLock { body(&$0) }
    }

    /// A uniform Double in [0, 1).
    public func nextUniform() -> Double { withState { $0.uniform() } }
    /// A uniform integer in `range`.
    public func nextInt(in range: Range<Int>) -> Int {
        check(!range.isEmpty, "Generator.nextInt: empty range")
        return range.lowerBound + Int(withState { $0.below(UInt64(range.count)) })
    }

    /// The default generator, used when none is passed. Seed it with `manualSeed(_:)`.
    public static let `default` = Generator(seed: 0)
}

/// Seeds the default generator (PyTorch's `torch.manual_seed`).
///
///     manualSeed(0)
///     let a = Tensor.randn([2, 2])   // the same values on every run
public func manualSeed(_ seed: UInt64) {
    Generator.default.manualSeed(seed)
}
