// The op registry: every op the library records on the autograd graph is one case of `Op`. The
// forward records it (`recorded(.exp, ...)`), its backward sits beside that call, Docs/Derivatives.md
// has its row under the raw value, and OpRegistryTests holds its Float64 gradcheck in an exhaustive
// switch (so a new case without a gradcheck does not compile, and one without a row fails a test).
// The raw value is the op's one name: graph exports, anomaly reports, error messages and
// `Tensor.opName` all print it. See Docs/Internals.md, "The op registry".

/// A recorded op of the library. Raw values are the names users see (PyTorch's where one exists).
enum Op: String, CaseIterable, Sendable, CustomStringConvertible {
    // MARK: Arithmetic (Ops/Arithmetic.swift): tensor-tensor ops broadcast; scalar forms record one input.
    /// a + b, and x + s.
    case add = "add"
    /// a - b (x - s records `add` with -s).
    case sub = "sub"
    /// s - x.
    case rsub = "rsub"
    /// a · b, and x · s.
    case mul = "mul"
    /// a / b, and x / s (a true division by s, correctly rounded; not a multiplication by 1/s).
    case div = "div"
    /// s / x.
    case rdiv = "rdiv"
    /// -x.
    case neg = "neg"
    /// x^p with a scalar p, and x^e with a tensor e.
    case pow = "pow"
    /// Elementwise max and min of two tensors (ties share the gradient).
    case maximum = "maximum", minimum = "minimum"
    /// x limited to [min, max].
    case clamp = "clamp"
    /// `Tensor.where(cond, a, b)`; the condition is a constant.
    case `where` = "where"
    /// Python's `a % b` and C's `fmod(a, b)` (Ops/IntegerDivision.swift).
    case remainder = "remainder", fmod = "fmod"

    // MARK: Elementwise math (Ops/Math.swift)
    /// Exponentials and logarithms.
    case exp = "exp", log = "log", log1p = "log1p", expm1 = "expm1"
    /// Roots and reciprocals.
    case sqrt = "sqrt", rsqrt = "rsqrt", reciprocal = "reciprocal"
    /// |x|, sign(x) (gradient 0) and x².
    case abs = "abs", sign = "sign", square = "square"
    /// Trigonometric and hyperbolic functions, the logistic function, relu and erf.
    case sin = "sin", cos = "cos", tanh = "tanh", sigmoid = "sigmoid", relu = "relu", erf = "erf"
    /// The fused backward kernels of tanh, sigmoid and relu (g and the op's output y in, one pass),
    /// registered ops with their own derivatives so double backward works.
    case tanhBackward = "tanh_backward", sigmoidBackward = "sigmoid_backward", reluBackward = "relu_backward"
    /// The fused backward of GELU with the tanh approximation (g and the op's input x in, one pass).
    case geluTanhBackward = "gelu_tanh_backward"

    // MARK: Dtype and copies (Tensor/Creation.swift)
    /// A conversion between float dtypes.
    case to = "to"
    /// A copy with its own storage.
    case clone = "clone"

    // MARK: Reductions and scans (Ops/Reductions.swift)
    /// Sum over axes (or all); also the bias gradient of conv2d.
    case sum = "sum"
    /// The sum of a broadcast gradient back to an input's shape (the adjoint of `expand`).
    case sumToShape = "sum_to_shape"
    /// Max and min over an axis (gradient to the chosen index) or over all (shared among ties).
    case max = "max", min = "min"
    /// Products, cumulative sums and products.
    case prod = "prod", cumsum = "cumsum", cumprod = "cumprod"
    /// Reversal along an axis.
    case flip = "flip"
    /// The square root inside `norm` (gradient 0 where the norm is 0).
    case normSqrt = "norm_sqrt"
    /// The p-norm for p ∉ {0, 1, 2, ±∞} (those are composed), with PyTorch's gradient (0 at the zero vector).
    case norm = "norm"

    // MARK: Shape (Ops/Shape.swift)
    /// Reshape (and view, flatten, squeeze, unsqueeze), permute (and transpose, mT), expand, repeat.
    case reshape = "reshape", permute = "permute", expand = "expand", `repeat` = "repeat"
    /// Concatenation (and stack).
    case cat = "cat"
    /// A strided slice (narrow, split, chunk, subscripts) and its adjoint, scatter into zeros.
    case slice = "slice", sliceBackward = "slice_backward"
    /// Constant padding.
    case pad = "pad"

    // MARK: Views (Ops/Views.swift, Autograd/ViewAutograd.swift)
    /// A strided view (diagonal, unfold, asStrided, a view rebuilt after an in-place write to its
    /// base) and its adjoint, the scatter-add into zeros of the input's shape through the geometry.
    case asStrided = "as_strided", asStridedBackward = "as_strided_backward"
    /// A contiguous copy of a view (identity gradient).
    case contiguous = "contiguous"
    /// An in-place write into a view, recorded on the base (PyTorch's CopySlices).
    case copySlices = "copy_slices"

    // MARK: Indexing (Ops/Indexing.swift, Ops/Embedding.swift)
    /// Rows along an axis, and the index-add that is its adjoint.
    case indexSelect = "index_select", indexAdd = "index_add"
    /// Gather along an axis, and the scatter-add that is its adjoint.
    case gather = "gather", scatterAdd = "scatter_add"
    /// Embedding lookup (the padding row gets no gradient).
    case embedding = "embedding"

    // MARK: Losses (Ops/Losses.swift)
    /// Binary cross-entropy of probabilities, per element (PyTorch's finite derivative at 0 and 1).
    case binaryCrossEntropy = "binary_cross_entropy"

    // MARK: Matrix products and softmax (Ops/MatMul.swift, Ops/Softmax.swift)
    /// Matrix products with BLAS transpose flags, and b + x·Wᵀ (`linear` with a bias).
    case matmul = "matmul", addmm = "addmm"
    /// Softmax and log-softmax along an axis.
    case softmax = "softmax", logSoftmax = "log_softmax"

    // MARK: Layer normalisation (Ops/LayerNorm.swift)
    /// Layer norm over the trailing axes with an optional affine map (inputs x, weight?, bias?),
    /// and its fused backward ((dx, dweight, dbias) from g, x, weight?, packed into one node),
    /// with its own derivative.
    case layerNorm = "layer_norm", layerNormBackward = "layer_norm_backward"

    // MARK: Batch normalisation (Ops/BatchNorm.swift)
    /// Batch norm per channel with batch or fixed statistics and an optional affine map (inputs x,
    /// weight?, bias?); its backward is a kernel, or Tensor ops under createGraph.
    case batchNorm = "batch_norm"

    // MARK: Activations (Ops/Activations.swift)
    /// Smooth activations.
    case gelu = "gelu", geluTanh = "gelu_tanh", silu = "silu", mish = "mish", logSigmoid = "log_sigmoid",
         softsign = "softsign", softplus = "softplus", elu = "elu", selu = "selu"
    /// Piecewise-linear activations.
    case leakyRelu = "leaky_relu", hardtanh = "hardtanh", hardsigmoid = "hardsigmoid", hardswish = "hardswish"

    // MARK: Convolution (Ops/Convolution.swift, Ops/ConvTranspose.swift)
    /// conv2d; conv_transpose2d (also conv2d's input gradient); conv2d_weight (conv2d's weight gradient).
    case conv2d = "conv2d", convTranspose2d = "conv_transpose2d", conv2dWeight = "conv2d_weight"

    // MARK: Pooling and resampling (Ops/Pooling.swift, Ops/Upsample.swift)
    /// Max pooling; the gradient goes to each window's argmax through `max_pool_backward`.
    case maxPool2d = "max_pool2d", maxPool1d = "max_pool1d",
         adaptiveMaxPool2d = "adaptive_max_pool2d", adaptiveMaxPool1d = "adaptive_max_pool1d"
    /// The backward of every max pool: g scattered (added) to the saved argmax index of each window.
    case maxPoolBackward = "max_pool_backward"
    /// Weighted window sums: average pooling and resampling.
    case avgPool2d = "avg_pool2d", avgPool1d = "avg_pool1d",
         adaptiveAvgPool2d = "adaptive_avg_pool2d", adaptiveAvgPool1d = "adaptive_avg_pool1d",
         upsampleNearest2d = "upsample_nearest2d", upsampleNearest1d = "upsample_nearest1d",
         upsampleBilinear2d = "upsample_bilinear2d", upsampleLinear1d = "upsample_linear1d"
    /// The adjoints of the window sums (their backward; the adjoint's backward is the window sum).
    case avgPool2dBackward = "avg_pool2d_backward", avgPool1dBackward = "avg_pool1d_backward",
         adaptiveAvgPool2dBackward = "adaptive_avg_pool2d_backward",
         adaptiveAvgPool1dBackward = "adaptive_avg_pool1d_backward",
         upsampleNearest2dBackward = "upsample_nearest2d_backward",
         upsampleNearest1dBackward = "upsample_nearest1d_backward",
         upsampleBilinear2dBackward = "upsample_bilinear2d_backward",
         upsampleLinear1dBackward = "upsample_linear1d_backward"

    // MARK: Recurrent (Ops/RecurrentCells.swift, Ops/RecurrentSequence.swift)
    /// One LSTM step after the products, and a whole one-direction LSTM layer.
    case lstmCell = "lstm_cell", lstmSequence = "lstm_sequence"
    /// The fused backward kernel of `lstm_cell` (dPre, dC from g, pre, c), with its own derivative.
    case lstmCellBackward = "lstm_cell_backward"
    /// The fused backward-through-time kernel of `lstm_sequence` ((dWhh, dh0, dc0, dgates) from g,
    /// Whh, h0, c0, gates), with its own derivative (the adjoint recurrence, forward in time).
    case lstmSequenceBackward = "lstm_sequence_backward"

    // MARK: Linear algebra (Ops/Linalg*.swift)
    /// Inverse, determinant, log |det|.
    case linalgInv = "linalg_inv", linalgDet = "linalg_det", linalgSlogdet = "linalg_slogdet"
    /// Solves: general, triangular, least squares; the pseudo-inverse.
    case linalgSolve = "linalg_solve", linalgSolveTriangular = "linalg_solve_triangular",
         linalgLstsq = "linalg_lstsq", linalgPinv = "linalg_pinv"
    /// Decompositions (several outputs packed into one node).
    case linalgCholesky = "linalg_cholesky", linalgQr = "linalg_qr", linalgEigh = "linalg_eigh", linalgSvd = "linalg_svd"
    /// A diagonal of each matrix, and the embedding of a vector on one.
    case linalgDiagonal = "linalg_diagonal", linalgDiagEmbed = "linalg_diag_embed"
    /// The matrix exponential.
    case linalgMatrixExp = "linalg_matrix_exp"

    // MARK: Math family (Ops/MathTrig, MathRounding, MathExpLog, MathSpecial)
    /// Trigonometric and hyperbolic functions and their inverses; the two-argument arctangent.
    case tan = "tan", asin = "asin", acos = "acos", atan = "atan", atan2 = "atan2"
    case sinh = "sinh", cosh = "cosh", asinh = "asinh", acosh = "acosh", atanh = "atanh"
    /// Rounding (gradient zero), the hypotenuse, and the sign transfer.
    case floor = "floor", ceil = "ceil", round = "round", trunc = "trunc"
    case hypot = "hypot", copysign = "copysign"
    /// Base-2 and base-10 logarithms and powers, and the log of a sum of exponentials.
    case log2 = "log2", log10 = "log10", exp2 = "exp2", logaddexp = "logaddexp", logaddexp2 = "logaddexp2"
    /// Special functions: complementary and inverse error functions, log-gamma and its
    /// derivatives, x·log y, the modified Bessel functions I₀ and I₁.
    case erfc = "erfc", erfinv = "erfinv", lgamma = "lgamma", digamma = "digamma", polygamma = "polygamma"
    case xlogy = "xlogy", i0 = "i0", specialI1 = "special_i1"
    // MARK: Neural-network functions of issue 16 with kernels (Ops/CTCLoss.swift, Ops/UpsampleBicubicArea.swift)
    /// Connectionist temporal classification: per-sample negative log-likelihood by the α recursion;
    /// backward by α·β (no double backward, as PyTorch).
    case ctcLoss = "ctc_loss"
    /// Bicubic resampling (a window sum with four cubic taps per axis, Ops/UpsampleBicubicArea.swift)
    /// and its adjoint.
    case upsampleBicubic2d = "upsample_bicubic2d", upsampleBicubic2dBackward = "upsample_bicubic2d_backward"

    // MARK: Attention (Ops/ScaledDotProductAttention.swift)
    /// Fused scaled dot-product attention (flash-style tiling; inputs q, k, v and an optional float
    /// mask). Its backward is a kernel (block scores recomputed from q, k and the saved logsumexp);
    /// double backward is not supported, as PyTorch's fused kernels.
    case scaledDotProductAttention = "scaled_dot_product_attention"

    // MARK: Sorting, statistics and scatter (Ops/Sorting, OrderStatistics, Scans, Scatter)
    /// Max and min over several axes (gradient shared among ties).
    case amax = "amax", amin = "amin"
    /// The median of all elements, with or without NaNs (gradient shared among elements equal to it).
    case median = "median", nanmedian = "nanmedian"
    /// The running log-sum-exp along an axis.
    case logcumsumexp = "logcumsumexp"
    /// Scatter by assignment (source or a constant; Ops/Scatter.swift) and with a reduction.
    case scatter = "scatter", scatterReduce = "scatter_reduce"

    // MARK: LU family (Ops/LinalgLU.swift)
    /// LU factorization with partial pivoting: the factors L and U of A = P·L·U (P is constant).
    case linalgLu = "linalg_lu"

    // MARK: Bessel and error-function family of torch.special (Ops/MathSpecialBessel.swift)
    /// Bessel functions of the first and second kind J₀, J₁, Y₀, Y₁, the modified ones I₀, I₁, K₀, K₁
    /// (PyTorch's `special.bessel_*`, `special.modified_bessel_*`), K₀ and K₁ scaled by eˣ, and the
    /// spherical j₀ = sin x/x.
    case besselJ0 = "special_bessel_j0", besselJ1 = "special_bessel_j1"
    case besselY0 = "special_bessel_y0", besselY1 = "special_bessel_y1"
    case modifiedBesselI0 = "special_modified_bessel_i0", modifiedBesselI1 = "special_modified_bessel_i1"
    case modifiedBesselK0 = "special_modified_bessel_k0", modifiedBesselK1 = "special_modified_bessel_k1"
    case scaledModifiedBesselK0 = "special_scaled_modified_bessel_k0", scaledModifiedBesselK1 = "special_scaled_modified_bessel_k1"
    case sphericalBesselJ0 = "special_spherical_bessel_j0"
    /// The scaled complementary error function eˣ²·erfc(x) and the log of the standard normal CDF.
    case erfcx = "special_erfcx", logNdtr = "special_log_ndtr"

    /// The op's name (its raw value), so `"\(op): ..."` in a message prints the recorded name.
    var description: String { rawValue }

    /// The op's name where a kernel or a check needs it as a string (a misuse message's prefix):
    /// `Kernels.unary(.exp, x, name: Op.exp.name)`, so no op name is spelled twice.
    var name: String { rawValue }
}

/// What a graph node records: an op of the registry, or a user's custom op (`recordedAsCustomOp`)
/// under the name the user gave it.
enum RecordedOp: Equatable, CustomStringConvertible {
    case builtin(Op)
    case custom(String)

    /// The registry op, or nil for a custom op.
    var builtin: Op? {
        if case .builtin(let op) = self { return op }
        return nil
    }

    /// The name shown in graph exports, anomaly reports, error messages and `Tensor.opName`.
    var description: String {
        switch self {
        case .builtin(let op): return op.rawValue
        case .custom(let name): return name
        }
    }
}
