// Checks a layer makes on its input before calling the functional op, so that misuse names the
// module (`Linear`, `Conv2d`, `LSTM`...) and not only the op underneath.

/// Stops unless `input` has the dtype of the layer's `parameter`, naming the module, both dtypes
/// and both shapes. A float64 input to a float32 layer is an error, as PyTorch's "expected scalar
/// type Float but found Double", not a silent promotion. Does nothing for a layer without parameters.
///
///     checkInputDType(typeName, input, weight)
func checkInputDType(_ module: @autoclosure () -> String, _ input: Tensor, _ parameter: Tensor?,
                     name: String = "weight") {
    guard let parameter else { return }
    check(input.dtype == parameter.dtype,
          "\(module()): expected an input of dtype \(parameter.dtype) (the dtype of its \(name) \(parameter.shape)) but found \(input.dtype) (input \(input.shape)); convert the input with .to(.\(parameter.dtype)) or create the layer with dtype: .\(input.dtype)")
}

/// Stops unless `shape[axis]` (counted from the end when negative) is `expected`, naming the module,
/// the input's shape and the size the layer was built for.
///
///     checkInputSize("Linear", input, axis: -1, expected: inFeatures, what: "in_features")
func checkInputSize(_ module: @autoclosure () -> String, _ input: Tensor, axis: Int, expected: Int, what: String) {
    let a = axis < 0 ? axis + input.rank : axis
    check(a >= 0 && a < input.rank && input.shape[a] == expected,
          "\(module()): input \(input.shape) does not match \(what) \(expected) (expected size \(expected) on axis \(axis))")
}
