/// The shape of a matrix product [m, k]·[k, n], as the GEMM kernel tests name their cases.
struct GemmShape: CustomStringConvertible, Sendable {
    let m: Int, n: Int, k: Int
    var description: String { "[\(m), \(k)]·[\(k), \(n)]" }
}
