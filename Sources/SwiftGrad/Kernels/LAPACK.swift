import CBLAS

// LAPACKE wrappers for Ops/Linalg*.swift. Every routine is called with LAPACK_ROW_MAJOR, so LAPACKE
// converts our row-major matrices to LAPACK's column-major layout and back; no caller ever sees a
// column-major buffer. Each kernel takes a contiguous [..., m, n] tensor, loops over the batch, and
// writes fresh output tensors (the input is never modified).

/// Float and Double with their LAPACKE routine (s* or d*), so kernels are written once.
protocol LapackElement: FloatElement {
    static func getrf(_ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ ipiv: UnsafeMutablePointer<Int32>) -> Int32
    static func getri(_ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ ipiv: UnsafePointer<Int32>) -> Int32
    static func gesv(_ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ ipiv: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Self>, _ ldb: Int32) -> Int32
    static func potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32) -> Int32
    static func geqrf(_ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ tau: UnsafeMutablePointer<Self>) -> Int32
    static func orgqr(_ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ tau: UnsafePointer<Self>) -> Int32
    static func gesdd(_ jobz: CChar, _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ s: UnsafeMutablePointer<Self>,
                      _ u: UnsafeMutablePointer<Self>, _ ldu: Int32, _ vt: UnsafeMutablePointer<Self>, _ ldvt: Int32) -> Int32
    static func syevd(_ jobz: CChar, _ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ w: UnsafeMutablePointer<Self>) -> Int32
    static func gelsd(_ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ b: UnsafeMutablePointer<Self>, _ ldb: Int32,
                      _ s: UnsafeMutablePointer<Self>, _ rcond: Self, _ rank: UnsafeMutablePointer<Int32>) -> Int32
    static func trsm(_ left: Bool, _ upper: Bool, _ trans: Bool, _ unit: Bool, _ m: Int32, _ n: Int32,
                     _ a: UnsafePointer<Self>, _ lda: Int32, _ b: UnsafeMutablePointer<Self>, _ ldb: Int32)
}

private let rowMajor = Int32(LAPACK_ROW_MAJOR)

extension Float: LapackElement {
    static func getrf(_ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ ipiv: UnsafeMutablePointer<Int32>) -> Int32 { LAPACKE_sgetrf(rowMajor, m, n, a, lda, ipiv) }
    static func getri(_ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ ipiv: UnsafePointer<Int32>) -> Int32 { LAPACKE_sgetri(rowMajor, n, a, lda, ipiv) }
    static func gesv(_ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ ipiv: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Float>, _ ldb: Int32) -> Int32 { LAPACKE_sgesv(rowMajor, n, nrhs, a, lda, ipiv, b, ldb) }
    static func potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32) -> Int32 { LAPACKE_spotrf(rowMajor, uplo, n, a, lda) }
    static func geqrf(_ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ tau: UnsafeMutablePointer<Float>) -> Int32 { LAPACKE_sgeqrf(rowMajor, m, n, a, lda, tau) }
    static func orgqr(_ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ tau: UnsafePointer<Float>) -> Int32 { LAPACKE_sorgqr(rowMajor, m, n, k, a, lda, tau) }
    static func gesdd(_ jobz: CChar, _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ s: UnsafeMutablePointer<Float>,
                      _ u: UnsafeMutablePointer<Float>, _ ldu: Int32, _ vt: UnsafeMutablePointer<Float>, _ ldvt: Int32) -> Int32 {
        LAPACKE_sgesdd(rowMajor, jobz, m, n, a, lda, s, u, ldu, vt, ldvt)
    }
    static func syevd(_ jobz: CChar, _ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ w: UnsafeMutablePointer<Float>) -> Int32 { LAPACKE_ssyevd(rowMajor, jobz, uplo, n, a, lda, w) }
    static func gelsd(_ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ b: UnsafeMutablePointer<Float>, _ ldb: Int32,
                      _ s: UnsafeMutablePointer<Float>, _ rcond: Float, _ rank: UnsafeMutablePointer<Int32>) -> Int32 {
        LAPACKE_sgelsd(rowMajor, m, n, nrhs, a, lda, b, ldb, s, rcond, rank)
    }
    static func trsm(_ left: Bool, _ upper: Bool, _ trans: Bool, _ unit: Bool, _ m: Int32, _ n: Int32,
                     _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafeMutablePointer<Float>, _ ldb: Int32) {
        cblas_strsm(CblasRowMajor, left ? CblasLeft : CblasRight, upper ? CblasUpper : CblasLower,
                    trans ? CblasTrans : CblasNoTrans, unit ? CblasUnit : CblasNonUnit, m, n, 1, a, lda, b, ldb)
    }
}

extension Double: LapackElement {
    static func getrf(_ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ ipiv: UnsafeMutablePointer<Int32>) -> Int32 { LAPACKE_dgetrf(rowMajor, m, n, a, lda, ipiv) }
    static func getri(_ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ ipiv: UnsafePointer<Int32>) -> Int32 { LAPACKE_dgetri(rowMajor, n, a, lda, ipiv) }
    static func gesv(_ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ ipiv: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Double>, _ ldb: Int32) -> Int32 { LAPACKE_dgesv(rowMajor, n, nrhs, a, lda, ipiv, b, ldb) }
    static func potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32) -> Int32 { LAPACKE_dpotrf(rowMajor, uplo, n, a, lda) }
    static func geqrf(_ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ tau: UnsafeMutablePointer<Double>) -> Int32 { LAPACKE_dgeqrf(rowMajor, m, n, a, lda, tau) }
    static func orgqr(_ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ tau: UnsafePointer<Double>) -> Int32 { LAPACKE_dorgqr(rowMajor, m, n, k, a, lda, tau) }
    static func gesdd(_ jobz: CChar, _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ s: UnsafeMutablePointer<Double>,
                      _ u: UnsafeMutablePointer<Double>, _ ldu: Int32, _ vt: UnsafeMutablePointer<Double>, _ ldvt: Int32) -> Int32 {
        LAPACKE_dgesdd(rowMajor, jobz, m, n, a, lda, s, u, ldu, vt, ldvt)
    }
    static func syevd(_ jobz: CChar, _ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ w: UnsafeMutablePointer<Double>) -> Int32 { LAPACKE_dsyevd(rowMajor, jobz, uplo, n, a, lda, w) }
    static func gelsd(_ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ b: UnsafeMutablePointer<Double>, _ ldb: Int32,
                      _ s: UnsafeMutablePointer<Double>, _ rcond: Double, _ rank: UnsafeMutablePointer<Int32>) -> Int32 {
        LAPACKE_dgelsd(rowMajor, m, n, nrhs, a, lda, b, ldb, s, rcond, rank)
    }
    static func trsm(_ left: Bool, _ upper: Bool, _ trans: Bool, _ unit: Bool, _ m: Int32, _ n: Int32,
                     _ a: UnsafePointer<Double>, _ lda: Int32, _ b: UnsafeMutablePointer<Double>, _ ldb: Int32) {
        cblas_dtrsm(CblasRowMajor, left ? CblasLeft : CblasRight, upper ? CblasUpper : CblasLower,
                    trans ? CblasTrans : CblasNoTrans, unit ? CblasUnit : CblasNonUnit, m, n, 1, a, lda, b, ldb)
    }
}

/// ASCII code of a LAPACK option letter ("L", "U", "N", "V", "S", "A").
@inline(__always) private func flag(_ c: Unicode.Scalar) -> CChar { CChar(c.value) }

extension Kernels {
    /// The matrix dimensions and number of matrices of a [..., m, n] tensor.
    @inline(__always)
    static func matrixDims(_ t: Tensor) -> (batch: Int, m: Int, n: Int) {
        _ = Runtime.threadCount   // OpenBLAS set to one thread before its first LAPACK call
        let m = t.shape[t.rank - 2], n = t.shape[t.rank - 1]
        return (m * n == 0 ? t.shape.dropLast(2).reduce(1, *) : t.count / (m * n), m, n)
    }

    /// The batch index to report in an error: nil for a single matrix.
    @inline(__always)
    static func reportedIndex(_ t: Tensor, _ i: Int) -> Int? { t.rank > 2 ? i : nil }

    /// det, sign(det) and log|det| of each square matrix, from one LU factorization (getrf).
    /// A singular matrix gives det 0, sign 0, log|det| -inf, as in PyTorch.
    static func determinants(_ a: Tensor) -> (det: Tensor, sign: Tensor, logAbs: Tensor) {
        let a = a.dense
        let (batch, n, _) = matrixDims(a)
        let outShape = Array(a.shape.dropLast(2))
        let det = Tensor(uninitializedShape: outShape, dtype: a.dtype)
        let sign = Tensor(uninitializedShape: outShape, dtype: a.dtype)
        let logAbs = Tensor(uninitializedShape: outShape, dtype: a.dtype)
        func run<T: LapackElement>(_: T.Type) {
            let work = UnsafeMutablePointer<T>.allocate(capacity: max(n * n, 1))
            let ipiv = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
            defer { work.deallocate(); ipiv.deallocate() }
            let src = a.ptr(T.self), dp = det.ptr(T.self), sp = sign.ptr(T.self), lp = logAbs.ptr(T.self)
            for b in 0..<batch {
                work.update(from: src + b * n * n, count: n * n)
                let info = n == 0 ? 0 : T.getrf(Int32(n), Int32(n), work, Int32(n), ipiv)
                if info < 0 { dp[b] = .nan; sp[b] = .nan; lp[b] = .nan; continue }
                // Product of U's diagonal, with one sign flip per row interchange; the log sum avoids overflow.
                var product: T = 1, negative = false, logSum: T = 0
                for i in 0..<n {
                    let u = work[i * n + i]
                    product *= u
                    if u < 0 { negative.toggle() }
                    logSum += T.log(u.magnitude)
                    if ipiv[i] != Int32(i + 1) { negative.toggle() }
                }
                if info > 0 {
                    dp[b] = 0; sp[b] = 0; lp[b] = -.infinity
                } else {
                    dp[b] = negative ? -product.magnitude : product.magnitude
                    sp[b] = negative ? -1 : 1
                    lp[b] = logSum
                }
            }
        }
        if a.dtype == .float32 { run(Float.self) } else { run(Double.self) }
        return (det, sign, logAbs)
    }

    /// The inverse of each square matrix (getrf + getri). A singular matrix throws, naming its
    /// batch index, unless `nanOnSingular`, which fills that matrix with NaN instead.
    static func inverse(_ a: Tensor, op: String, nanOnSingular: Bool = false) throws(LinalgError) -> Tensor {
        let a = a.dense
        let (batch, n, _) = matrixDims(a)
        let out = a.detach().copy()
        func run<T: LapackElement>(_: T.Type) throws(LinalgError) {
            let ipiv = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
            defer { ipiv.deallocate() }
            let p = out.ptr(T.self)
            for b in 0..<batch where n > 0 {
                let m = p + b * n * n
                var info = T.getrf(Int32(n), Int32(n), m, Int32(n), ipiv)
                if info == 0 { info = T.getri(Int32(n), m, Int32(n), ipiv) }
                if info > 0 && nanOnSingular { m.update(repeating: .nan, count: n * n); continue }
                if info > 0 { throw .singular(function: op, batchIndex: reportedIndex(a, b), pivot: Int(info)) }
                if info < 0 { throw .lapackFailure(function: op, routine: "getrf/getri", info: Int(info), batchIndex: reportedIndex(a, b)) }
            }
        }
        if a.dtype == .float32 { try run(Float.self) } else { try run(Double.self) }
        return out
    }

    /// Solves A·X = B for each pair of a [batch, n, n] and a [batch, n, k] tensor (gesv).
    static func solve(_ a: Tensor, _ b: Tensor, op: String) throws(LinalgError) -> Tensor {
        let a = a.dense
        let b = b.dense
        let (batch, n, _) = matrixDims(a)
        let k = b.shape[b.rank - 1]
        let x = b.detach().copy()
        func run<T: LapackElement>(_: T.Type) throws(LinalgError) {
            let work = UnsafeMutablePointer<T>.allocate(capacity: max(n * n, 1))
            let ipiv = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
            defer { work.deallocate(); ipiv.deallocate() }
            let ap = a.ptr(T.self), xp = x.ptr(T.self)
            for i in 0..<batch where n > 0 && k > 0 {
                work.update(from: ap + i * n * n, count: n * n)
                let info = T.gesv(Int32(n), Int32(k), work, Int32(n), ipiv, xp + i * n * k, Int32(k))
                if info > 0 { throw .singular(function: op, batchIndex: reportedIndex(a, i), pivot: Int(info)) }
                if info < 0 { throw .lapackFailure(function: op, routine: "gesv", info: Int(info), batchIndex: reportedIndex(a, i)) }
            }
        }
        if a.dtype == .float32 { try run(Float.self) } else { try run(Double.self) }
        return x
    }

    /// The Cholesky factor of each symmetric positive-definite matrix (potrf), lower (A = L·Lᵀ) or
    /// upper (A = Uᵀ·U); only that triangle of A is read, and the other triangle of the result is zero.
    static func cholesky(_ a: Tensor, upper: Bool, op: String) throws(LinalgError) -> Tensor {
        let a = a.dense
        let (batch, n, _) = matrixDims(a)
        let out = a.detach().copy()
        func run<T: LapackElement>(_: T.Type) throws(LinalgError) {
            let p = out.ptr(T.self)
            for b in 0..<batch where n > 0 {
                let m = p + b * n * n
                let info = T.potrf(flag(upper ? "U" : "L"), Int32(n), m, Int32(n))
                if info > 0 { throw .notPositiveDefinite(function: op, batchIndex: reportedIndex(a, b), minor: Int(info)) }
                if info < 0 { throw .lapackFailure(function: op, routine: "potrf", info: Int(info), batchIndex: reportedIndex(a, b)) }
                for i in 0..<n {
                    for j in 0..<n where upper ? j < i : j > i { m[i * n + j] = 0 }
                }
            }
        }
        if a.dtype == .float32 { try run(Float.self) } else { try run(Double.self) }
        return out
    }

    /// Householder QR of each [m, n] matrix (geqrf + orgqr): Q is [m, k] and R [k, n] with
    /// k = min(m, n) (reduced), or Q [m, m] and R [m, n] (complete).
    static func qr(_ a: Tensor, complete: Bool, op: String) throws(LinalgError) -> (q: Tensor, r: Tensor) {
        let a = a.dense
        let (batch, m, n) = matrixDims(a)
        let k = min(m, n)
        let qc = complete ? m : k, rr = complete ? m : k
        let lead = Array(a.shape.dropLast(2))
        let q = Tensor(uninitializedShape: lead + [m, qc], dtype: a.dtype)
        let r = Tensor(uninitializedShape: lead + [rr, n], dtype: a.dtype)
        func run<T: LapackElement>(_: T.Type) throws(LinalgError) {
            // The work matrix is m × ld: A in its first n columns, room for qc columns of Q.
            let ld = max(n, qc, 1)
            let work = UnsafeMutablePointer<T>.allocate(capacity: max(m * ld, 1))
            let tau = UnsafeMutablePointer<T>.allocate(capacity: max(k, 1))
            defer { work.deallocate(); tau.deallocate() }
            let ap = a.ptr(T.self), qp = q.ptr(T.self), rp = r.ptr(T.self)
            for b in 0..<batch {
                work.update(repeating: 0, count: m * ld)
                for i in 0..<m { (work + i * ld).update(from: ap + b * m * n + i * n, count: n) }
                var info: Int32 = 0
                if m > 0 && n > 0 { info = T.geqrf(Int32(m), Int32(n), work, Int32(ld), tau) }
                if info != 0 { throw .lapackFailure(function: op, routine: "geqrf", info: Int(info), batchIndex: reportedIndex(a, b)) }
                let rb = rp + b * rr * n
                for i in 0..<rr {
                    for j in 0..<n { rb[i * n + j] = j >= i && i < k ? work[i * ld + j] : 0 }
                }
                if m > 0 && qc > 0 { info = T.orgqr(Int32(m), Int32(qc), Int32(k), work, Int32(ld), tau) }
                if info != 0 { throw .lapackFailure(function: op, routine: "orgqr", info: Int(info), batchIndex: reportedIndex(a, b)) }
                for i in 0..<m { (qp + b * m * qc + i * qc).update(from: work + i * ld, count: qc) }
            }
        }
        if a.dtype == .float32 { try run(Float.self) } else { try run(Double.self) }
        return (q, r)
    }

    /// Singular values (descending) and, if `vectors`, U and Vᵀ of each [m, n] matrix (gesdd):
    /// U [m, k] and Vᵀ [k, n] with k = min(m, n), or U [m, m] and Vᵀ [n, n] when `full`.
    static func svd(_ a: Tensor, vectors: Bool, full: Bool, op: String) throws(LinalgError) -> (u: Tensor?, s: Tensor, vh: Tensor?) {
        let a = a.dense
        let (batch, m, n) = matrixDims(a)
        let k = min(m, n)
        let ucols = full ? m : k, vrows = full ? n : k
        let lead = Array(a.shape.dropLast(2))
        let s = Tensor(uninitializedShape: lead + [k], dtype: a.dtype)
        let u = vectors ? Tensor(uninitializedShape: lead + [m, ucols], dtype: a.dtype) : nil
        let vh = vectors ? Tensor(uninitializedShape: lead + [vrows, n], dtype: a.dtype) : nil
        func run<T: LapackElement>(_: T.Type) throws(LinalgError) {
            let work = UnsafeMutablePointer<T>.allocate(capacity: max(m * n, 1))
            let dummy = UnsafeMutablePointer<T>.allocate(capacity: max(m, n, 1))
            defer { work.deallocate(); dummy.deallocate() }
            let ap = a.ptr(T.self), sp = s.ptr(T.self)
            let job = flag(!vectors ? "N" : full ? "A" : "S")
            for b in 0..<batch {
                if k == 0 {
                    // An empty matrix: U and Vᵀ of a full SVD are identities.
                    if let u { let p = u.ptr(T.self) + b * m * ucols; p.update(repeating: 0, count: m * ucols); for i in 0..<min(m, ucols) { p[i * ucols + i] = 1 } }
                    if let vh { let p = vh.ptr(T.self) + b * vrows * n; p.update(repeating: 0, count: vrows * n); for i in 0..<min(vrows, n) { p[i * n + i] = 1 } }
                    continue
                }
                work.update(from: ap + b * m * n, count: m * n)
                let up = u.map { $0.ptr(T.self) + b * m * ucols } ?? dummy
                let vp = vh.map { $0.ptr(T.self) + b * vrows * n } ?? dummy
                let info = T.gesdd(job, Int32(m), Int32(n), work, Int32(n), sp + b * k,
                                   up, Int32(vectors ? ucols : 1), vp, Int32(max(n, 1)))
                if info != 0 {
                    throw .lapackFailure(function: op, routine: "gesdd", info: Int(info), batchIndex: reportedIndex(a, b))
                }
            }
        }
        if a.dtype == .float32 { try run(Float.self) } else { try run(Double.self) }
        return (u, s, vh)
    }

    /// Eigenvalues (ascending) and, if `vectors`, orthonormal eigenvectors (as columns) of each
    /// symmetric matrix, reading only its lower or upper triangle (syevd).
    static func eigh(_ a: Tensor, upper: Bool, vectors: Bool, op: String) throws(LinalgError) -> (values: Tensor, vectors: Tensor?) {
        let a = a.dense
        let (batch, n, _) = matrixDims(a)
        let w = Tensor(uninitializedShape: Array(a.shape.dropLast()), dtype: a.dtype)
        let v = a.detach().copy()
        func run<T: LapackElement>(_: T.Type) throws(LinalgError) {
            let vp = v.ptr(T.self), wp = w.ptr(T.self)
            for b in 0..<batch where n > 0 {
                let info = T.syevd(flag(vectors ? "V" : "N"), flag(upper ? "U" : "L"), Int32(n), vp + b * n * n, Int32(n), wp + b * n)
                if info != 0 {
                    throw .lapackFailure(function: op, routine: "syevd", info: Int(info), batchIndex: reportedIndex(a, b))
                }
            }
        }
        if a.dtype == .float32 { try run(Float.self) } else { try run(Double.self) }
        return (w, vectors ? v : nil)
    }

    /// Least-squares (minimum-norm) solutions of A·X ≈ B for a [batch, m, n] A and a [batch, m, k] B
    /// (gelsd, SVD based): X [batch, n, k], the effective rank of each A, and its singular values.
    static func lstsq(_ a: Tensor, _ b: Tensor, rcond: Double, op: String) throws(LinalgError) -> (x: Tensor, rank: [Int], s: Tensor) {
        let a = a.dense
        let b = b.dense
        let (batch, m, n) = matrixDims(a)
        let k = b.shape[b.rank - 1]
        let lead = Array(a.shape.dropLast(2))
        let x = Tensor(uninitializedShape: lead + [n, k], dtype: a.dtype)
        let s = Tensor(uninitializedShape: lead + [min(m, n)], dtype: a.dtype)
        var ranks = [Int](repeating: 0, count: batch)
        func run<T: LapackElement>(_: T.Type) throws(LinalgError) {
            // gelsd overwrites a B of max(m, n) rows with the solution in its first n rows.
            let rows = max(m, n, 1)
            let aw = UnsafeMutablePointer<T>.allocate(capacity: max(m * n, 1))
            let bw = UnsafeMutablePointer<T>.allocate(capacity: max(rows * k, 1))
            defer { aw.deallocate(); bw.deallocate() }
            let ap = a.ptr(T.self), bp = b.ptr(T.self), xp = x.ptr(T.self), sp = s.ptr(T.self)
            for i in 0..<batch {
                if m == 0 || n == 0 || k == 0 {
                    (xp + i * n * k).update(repeating: 0, count: n * k)
                    continue
                }
                aw.update(from: ap + i * m * n, count: m * n)
                bw.update(repeating: 0, count: rows * k)
                bw.update(from: bp + i * m * k, count: m * k)
                var rank: Int32 = 0
                let info = T.gelsd(Int32(m), Int32(n), Int32(k), aw, Int32(n), bw, Int32(k), sp + i * min(m, n), T(rcond), &rank)
                if info != 0 {
                    throw .lapackFailure(function: op, routine: "gelsd", info: Int(info), batchIndex: reportedIndex(a, i))
                }
                ranks[i] = Int(rank)
                (xp + i * n * k).update(from: bw, count: n * k)
            }
        }
        if a.dtype == .float32 { try run(Float.self) } else { try run(Double.self) }
        return (x, ranks, s)
    }

    /// Triangular solves with cblas trsm: op(A)·X = B (`left`) or X·op(A) = B, op(A) = Aᵀ if `transA`.
    /// B is [batch, r, c]; A is [batch, n, n] or one shared [n, n] matrix (`sharedA`). Never fails: a
    /// zero on the diagonal gives inf/NaN, as in PyTorch.
    static func triangularSolve(_ a: Tensor, _ b: Tensor, upper: Bool, left: Bool, unit: Bool, transA: Bool, sharedA: Bool) -> Tensor {
        let a = a.dense
        let b = b.dense
        let x = b.detach().copy()
        let (batch, r, c) = matrixDims(b)
        let n = a.shape[a.rank - 1]
        func run<T: LapackElement>(_: T.Type) {
            let ap = a.ptr(T.self), xp = x.ptr(T.self)
            for i in 0..<batch where r > 0 && c > 0 {
                T.trsm(left, upper, transA, unit, Int32(r), Int32(c), ap + (sharedA ? 0 : i * n * n), Int32(n), xp + i * r * c, Int32(c))
            }
        }
        if a.dtype == .float32 { run(Float.self) } else { run(Double.self) }
        return x
    }

    /// The diagonal at `offset` of each [n, m] matrix of a contiguous [batch, n, m] tensor: [batch, len].
    static func diagonal(_ a: Tensor, offset: Int, into out: Tensor) {
        let a = a.dense
        let (batch, n, m) = matrixDims(a)
        let len = out.shape[out.rank - 1]
        if batch == 0 || len == 0 { return }
        let start = offset >= 0 ? offset : -offset * m
        copyStrided(a, start, [n * m, m + 1], into: out, 0, [len, 1], shape: [batch, len])
    }

    /// Writes each row of a [batch, len] tensor onto the diagonal at `offset` of a zeroed [batch, n, m] tensor.
    static func diagEmbed(_ v: Tensor, offset: Int, into out: Tensor) {
        let v = v.dense
        let (batch, n, m) = matrixDims(out)
        let len = v.shape[v.rank - 1]
        if batch == 0 || len == 0 { return }
        let start = offset >= 0 ? offset : -offset * m
        copyStrided(v, 0, [len, 1], into: out, start, [n * m, m + 1], shape: [batch, len])
    }
}
