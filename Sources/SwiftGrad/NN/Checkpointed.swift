// Checkpointed: a module whose forward runs as a checkpointed block (Autograd/ActivationCheckpoint.swift).

/// Wraps a module so that its forward keeps no intermediate activations for backward: backward
/// runs it again (PyTorch's `checkpoint_wrapper`, with `torch.utils.checkpoint` non-reentrant).
/// The wrapper has the wrapped module's parameters, buffers and submodules under the same names,
/// so its state dict is the wrapped module's. Gradients are bitwise those of the plain module;
/// dropout masks repeat in the recomputation (the generators are set back). Forward hooks of the
/// wrapped module run again during the recomputation, as in PyTorch.
///
///     let layers = (0..<12).map { _ in Checkpointed(Sequential(Linear(256, 1024), GELU(), Linear(1024, 256))) }
///     let y = layers.reduce(x) { h, layer in layer(h) }
public final class Checkpointed: Module {
    /// The wrapped module.
    public let module: Module
    /// Whether generators are set back for the recomputation (PyTorch's `preserve_rng_state`).
    public let preserveRNGState: Bool

    public init(_ module: Module, preserveRNGState: Bool = true) {
        self.module = module
        self.preserveRNGState = preserveRNGState
        super.init()
    }

    /// The wrapped module's own members, so names and state dicts are unchanged by wrapping.
    public override func declaredMembers() -> ModuleMembers { module.members }

    public override func forward(_ input: Tensor) -> Tensor {
        // train()/eval() reach the wrapped module's children through this wrapper, not the module itself.
        module.setTrainingFlag(isTraining)
        let wrapped = module
        return checkpoint(input, preserveRNGState: preserveRNGState) { wrapped($0) }
    }

    public override var description: String { "Checkpointed(\(module.description))" }
}
