extension Tensor {
    /// The graph that produced this tensor as Graphviz DOT text: one box per op (name and output
    /// shape), one ellipse per leaf (shape, and whether it requires grad).
    ///
    ///     try loss.graphviz().write(toFile: "graph.dot", atomically: true, encoding: .utf8)
    ///     // dot -Tpng graph.dot -o graph.png
    public func graphviz() -> String {
        var lines = ["digraph SwiftGrad {", "  rankdir=BT;", "  node [fontname=\"Helvetica\"];"]
        var ids: [ObjectIdentifier: Int] = [:]
        func id(_ o: AnyObject) -> (Int, Bool) {
            let k = ObjectIdentifier(o)
            if let v = ids[k] { return (v, false) }
            ids[k] = ids.count
            return (ids.count - 1, true)
        }
        guard let root = node else {
            lines.append("  n0 [shape=ellipse,label=\"leaf \(shape)\"];")
            return (lines + ["}"]).joined(separator: "\n")
        }
        var stack: [Node] = [root]
        _ = id(root)
        lines.append("  n0 [shape=box,style=filled,fillcolor=lightblue,label=\"\(root.op)\\n\(root.outputShape)\"];")
        while let n = stack.popLast() {
            let (nid, _) = id(n)
            for (i, input) in n.inputs.enumerated() {
                if let child = n.edge(i) {
                    let (cid, isNew) = id(child)
                    if isNew {
                        lines.append("  n\(cid) [shape=box,label=\"\(child.op)\\n\(child.outputShape)\"];")
                        stack.append(child)
                    }
                    lines.append("  n\(cid) -> n\(nid);")
                } else {
                    let (lid, isNew) = id(input)
                    if isNew {
                        let rg = input.leafRequiresGrad ? ", requiresGrad" : ""
                        lines.append("  n\(lid) [shape=ellipse,label=\"leaf \(input.shape)\(rg)\"];")
                    }
                    lines.append("  n\(lid) -> n\(nid);")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
