// A key/value cache for incremental decoding: preallocated per-layer storage that each decode step
// appends to in place, handing back views of the keys and values so far (no copy, no reallocation).

/// Keys and values of past positions for every attention layer, in preallocated storage
/// [batch, kvHeads, maxLength, headDim] per layer. `update(layer:keys:values:)` writes the new
/// positions in place and returns views of everything cached so far, ready for
/// `scaledDotProductAttention` (which reads the strided views directly). For inference: the
/// writes are not recorded (no gradient flows into the cache).
///
///     let cache = KVCache(layers: 2, batch: 1, kvHeads: 4, maxLength: 256, headDim: 16)
///     let (k, v) = cache.update(layer: 0, keys: kNew, values: vNew)      // kNew [1, 4, t, 16]
///     let y = scaledDotProductAttention(q, k, v, mask: cache.causalMask(queryLength: t, layer: 0))
public final class KVCache {
    public let layers: Int, batch: Int, kvHeads: Int, maxLength: Int, headDim: Int, valueDim: Int
    public let dtype: DType
    /// Per layer: [batch, kvHeads, maxLength, headDim] and [batch, kvHeads, maxLength, valueDim].
    public let keyStorage: [Tensor], valueStorage: [Tensor]
    /// Positions cached per layer.
    public private(set) var lengths: [Int]

    public init(layers: Int, batch: Int, kvHeads: Int, maxLength: Int, headDim: Int, valueDim: Int? = nil, dtype: DType = .float32) {
        let vd = valueDim ?? headDim
        check(layers > 0 && batch > 0 && kvHeads > 0 && maxLength > 0 && headDim > 0 && vd > 0,
              "KVCache: layers \(layers), batch \(batch), kvHeads \(kvHeads), maxLength \(maxLength), headDim \(headDim) and valueDim \(vd) must be positive")
        check(dtype.isFloatingPoint, "KVCache: dtype must be a float dtype, got \(dtype)")
        self.layers = layers; self.batch = batch; self.kvHeads = kvHeads; self.maxLength = maxLength
        self.headDim = headDim; self.valueDim = vd; self.dtype = dtype
        keyStorage = (0..<layers).map { _ in Tensor.zeros([batch, kvHeads, maxLength, headDim], dtype: dtype) }
        valueStorage = (0..<layers).map { _ in Tensor.zeros([batch, kvHeads, maxLength, vd], dtype: dtype) }
        lengths = [Int](repeating: 0, count: layers)
    }

    /// Positions cached in layer 0 (the past length before a step's first layer runs).
    public var length: Int { lengths[0] }

    /// Appends `keys` [batch, kvHeads, t, headDim] and `values` [batch, kvHeads, t, valueDim] to
    /// `layer` in place and returns views of all cached positions, [batch, kvHeads, length, ·].
    ///
    ///     let (k, v) = cache.update(layer: i, keys: kNew, values: vNew)
    public func update(layer: Int, keys: Tensor, values: Tensor) -> (keys: Tensor, values: Tensor) {
        check(layer >= 0 && layer < layers, "KVCache.update: layer \(layer) out of range 0..<\(layers)")
        let t = keys.rank == 4 ? keys.shape[2] : -1, start = lengths[layer]
        check(keys.rank == 4 && keys.shape == [batch, kvHeads, t, headDim] && values.shape == [batch, kvHeads, t, valueDim],
              "KVCache.update: keys must be [\(batch), \(kvHeads), t, \(headDim)] and values [\(batch), \(kvHeads), t, \(valueDim)], got keys \(keys.shape) and values \(values.shape)")
        check(start + t <= maxLength,
              "KVCache.update: \(start) cached + \(t) new positions exceed maxLength \(maxLength) (keys \(keys.shape))")
        withNoGrad {
            keyStorage[layer].narrow(axis: 2, start: start, length: t).copyFrom(keys)
            valueStorage[layer].narrow(axis: 2, start: start, length: t).copyFrom(values)
        }
        lengths[layer] = start + t
        return (cachedKeys(layer: layer), cachedValues(layer: layer))
    }

    /// The cached keys of `layer`, a view [batch, kvHeads, length, headDim].
    ///
    ///     let k = cache.cachedKeys(layer: 0)
    public func cachedKeys(layer: Int) -> Tensor { keyStorage[layer].narrow(axis: 2, start: 0, length: lengths[layer]) }

    /// The cached values of `layer`, a view [batch, kvHeads, length, valueDim].
    ///
    ///     let v = cache.cachedValues(layer: 0)
    public func cachedValues(layer: Int) -> Tensor { valueStorage[layer].narrow(axis: 2, start: 0, length: lengths[layer]) }

    /// The bool mask [queryLength, length] (true = attend) for the last `queryLength` positions
    /// over all cached ones: query i (absolute position length - queryLength + i) sees keys up to
    /// itself (bottom-right aligned; `isCausal` of SDPA is top-left aligned, right only without a past).
    ///
    ///     let mask = cache.causalMask(queryLength: 5, layer: 0)
    public func causalMask(queryLength: Int, layer: Int = 0) -> Tensor {
        let s = lengths[layer], offset = s - queryLength
        check(queryLength >= 0 && offset >= 0, "KVCache.causalMask: queryLength \(queryLength) exceeds the \(s) cached positions")
        return Tensor((0..<(queryLength * s)).map { $0 % s <= $0 / s + offset }, shape: [queryLength, s])
    }

    /// Forgets every cached position (the storage is kept and reused).
    ///
    ///     cache.reset()
    public func reset() { lengths = [Int](repeating: 0, count: layers) }
}
