/// The leading singular triplets of a matrix by randomized subspace iteration
/// (Halko, Martinsson & Tropp 2011, "Finding structure with randomness", Algorithms 4.4
/// and 5.1), seeded so that the result is the same on every machine and thread count.
///
/// - Complexity: O(rows · columns · (rank + oversampling) · (2 · powerIterations + 2)).
package struct TruncatedSVD: Sendable {
    /// Left singular vectors, rows × rank (orthonormal columns).
    package let u: Matrix
    /// Singular values, largest first.
    package let singularValues: [Float]
    /// Right singular vectors, columns × rank (orthonormal columns), so that A ≈ U·diag(σ)·Vᵀ.
    package let v: Matrix

    /// Computes the `rank` leading triplets of `a`.
    /// - Parameters:
    ///   - a: the matrix, rows × columns, at least 1 × 1.
    ///   - rank: number of triplets, 1 ≤ rank ≤ min(rows, columns) (values outside are clamped to that range).
    ///   - seed: seed of the random test matrix.
    ///   - powerIterations: subspace iterations (default 4, ≥ 0) sharpening the spectrum's decay.
    ///   - threads: worker threads; results do not depend on it.
    /// - Precondition: `a` has at least one row and one column and `rows × columns` elements, and
    ///   `powerIterations` ≥ 0 (the process stops with a message naming the values otherwise).
    package init(_ a: Matrix, rank: Int, seed: UInt64, powerIterations: Int = 4, threads: Int = Parallel.defaultThreadCount) {
        let m = a.rows, n = a.columns
        require(m >= 1 && n >= 1, "TruncatedSVD of a \(m) × \(n) matrix (allowed: at least 1 × 1)")
        require(a.storage.count == m * n, "TruncatedSVD matrix storage holds \(a.storage.count) elements (allowed: \(m) × \(n))")
        require(powerIterations >= 0, "TruncatedSVD powerIterations \(powerIterations) is out of range (allowed: 0 or more)")
        let r = max(1, min(rank, m, n))
        let l = min(r + 8, m, n)
        var rng = SeededGenerator(seed: seed)
        var omega = [Double](repeating: 0, count: n * l)
        for i in 0..<omega.count { omega[i] = Double(rng.nextUnitFloat()) * 2 - 1 }
        // Q: orthonormal basis of the range of (A Aᵀ)^q A Ω (m × l, column-major).
        var q = Self.orthonormalize(Self.multiply(a, omega, columns: l, threads: threads), rows: m, columns: l)
        for _ in 0..<powerIterations {
            let z = Self.orthonormalize(Self.multiplyTransposed(a, q, columns: l, threads: threads), rows: n, columns: l)
            q = Self.orthonormalize(Self.multiply(a, z, columns: l, threads: threads), rows: m, columns: l)
        }
        // B = Qᵀ A (l × n), held as Bᵀ = Aᵀ Q (n × l); B Bᵀ = U_B Σ² U_Bᵀ by Jacobi.
        let bt = Self.multiplyTransposed(a, q, columns: l, threads: threads)
        var gram = [Double](repeating: 0, count: l * l)
        for i in 0..<l {
            for j in i..<l {
                var s = 0.0
                for t in 0..<n { s += bt[i * n + t] * bt[j * n + t] }
                gram[i * l + j] = s
                gram[j * l + i] = s
            }
        }
        let (values, vectors) = SymmetricEigen.decompose(gram, size: l)
        var u = Matrix(rows: m, columns: r), vt = Matrix(rows: n, columns: r)
        var sigma = [Float](repeating: 0, count: r)
        for c in 0..<r {
            let s = max(values[c], 0).squareRoot()
            sigma[c] = Float(s)
            // u_c = Q · e_c, v_c = Bᵀ e_c / σ_c.
            for i in 0..<m {
                var x = 0.0
                for k in 0..<l { x += q[k * m + i] * vectors[k * l + c] }
                u[i, c] = Float(x)
            }
            for t in 0..<n {
                var x = 0.0
                for k in 0..<l { x += bt[k * n + t] * vectors[k * l + c] }
                vt[t, c] = s > 0 ? Float(x / s) : 0
            }
        }
        self.u = u
        self.singularValues = sigma
        self.v = vt
    }

    /// A · X for X columns × `columns` (column-major doubles): rows × `columns`, summed over
    /// fixed chunks of A's columns in chunk order.
    static func multiply(_ a: Matrix, _ x: [Double], columns l: Int, threads: Int) -> [Double] {
        let m = a.rows, n = a.columns
        let chunks = max(1, min(16, n / 64))
        var partial = [[Double]](repeating: [], count: chunks)
        let lock = PThreadLock()
        a.storage.withUnsafeBufferPointer { ap in
            Parallel.forEachBlock(chunks, threads: threads) { chunk in
                var out = [Double](repeating: 0, count: m * l)
                for j in Parallel.blockRange(chunk, of: chunks, count: n) {
                    let col = ap.baseAddress! + j * m
                    for c in 0..<l {
                        let w = x[c * n + j]
                        if w == 0 { continue }
                        out.withUnsafeMutableBufferPointer { op in
                            let o = op.baseAddress! + c * m
                            for i in 0..<m { o[i] += Double(col[i]) * w }
                        }
                    }
                }
                lock.withLock { partial[chunk] = out }
            }
        }
        var sum = [Double](repeating: 0, count: m * l)
        for p in partial { for i in 0..<sum.count { sum[i] += p[i] } }
        return sum
    }

    /// Aᵀ · Y for Y rows × `columns` (column-major doubles): columns × `columns`.
    static func multiplyTransposed(_ a: Matrix, _ y: [Double], columns l: Int, threads: Int) -> [Double] {
        let m = a.rows, n = a.columns
        var out = [Double](repeating: 0, count: n * l)
        let chunks = max(1, min(16, n / 64))
        a.storage.withUnsafeBufferPointer { ap in
            out.withUnsafeMutableBufferPointer { op in
                let o = op.baseAddress!
                Parallel.forEachBlock(chunks, threads: threads) { chunk in
                    for j in Parallel.blockRange(chunk, of: chunks, count: n) {
                        let col = ap.baseAddress! + j * m
                        for c in 0..<l {
                            var s = 0.0
                            for i in 0..<m { s += Double(col[i]) * y[c * m + i] }
                            o[c * n + j] = s
                        }
                    }
                }
            }
        }
        return out
    }

    /// Modified Gram–Schmidt, twice for stability; a column that vanishes (rank deficiency)
    /// is set to zero, which later yields a zero singular value for it.
    static func orthonormalize(_ x: [Double], rows m: Int, columns l: Int) -> [Double] {
        var q = x
        for _ in 0..<2 {
            for c in 0..<l {
                for p in 0..<c {
                    var d = 0.0
                    for i in 0..<m { d += q[p * m + i] * q[c * m + i] }
                    for i in 0..<m { q[c * m + i] -= d * q[p * m + i] }
                }
                var norm = 0.0
                for i in 0..<m { norm += q[c * m + i] * q[c * m + i] }
                norm = norm.squareRoot()
                if norm > 1e-300 {
                    for i in 0..<m { q[c * m + i] /= norm }
                } else {
                    for i in 0..<m { q[c * m + i] = 0 }
                }
            }
        }
        return q
    }
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations
/// (Golub & Van Loan, Matrix Computations, §8.5).
package enum SymmetricEigen {
    /// Eigenvalues (descending) and eigenvectors (column c of the row-major `size × size`
    /// result, element (i, c) at `i * size + c`) of the symmetric row-major matrix `a`.
    /// - Parameters:
    ///   - a: `size × size` elements, row by row.
    ///   - size: the order n, ≥ 0.
    /// - Precondition: `a` holds exactly `size × size` elements (the process stops with a message otherwise).
    /// - Complexity: O(size³) per sweep, a handful of sweeps.
    package static func decompose(_ a: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
        let (square, overflow) = n.multipliedReportingOverflow(by: n)
        require(n >= 0 && !overflow && a.count == square,
                "SymmetricEigen.decompose of \(a.count) elements with size \(n) (allowed: size ≥ 0 and size × size elements)")
        var m = a
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<60 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += m[i * n + j] * m[i * n + j] } }
            let diagonal = (0..<n).reduce(0.0) { $0 + m[$1 * n + $1] * m[$1 * n + $1] }
            if off <= 1e-30 * diagonal || off == 0 { break }
            for p in 0..<n {
                for r in (p + 1)..<max(p + 1, n) where m[p * n + r] != 0 {
                    let theta = (m[r * n + r] - m[p * n + p]) / (2 * m[p * n + r])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let mkp = m[k * n + p], mkr = m[k * n + r]
                        m[k * n + p] = c * mkp - s * mkr
                        m[k * n + r] = s * mkp + c * mkr
                    }
                    for k in 0..<n {
                        let mpk = m[p * n + k], mrk = m[r * n + k]
                        m[p * n + k] = c * mpk - s * mrk
                        m[r * n + k] = s * mpk + c * mrk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkr = v[k * n + r]
                        v[k * n + p] = c * vkp - s * vkr
                        v[k * n + r] = s * vkp + c * vkr
                    }
                }
            }
        }
        let order = (0..<n).sorted { m[$0 * n + $0] > m[$1 * n + $1] }
        var values = [Double](repeating: 0, count: n), vectors = [Double](repeating: 0, count: n * n)
        for (c, o) in order.enumerated() {
            values[c] = m[o * n + o]
            for i in 0..<n { vectors[i * n + c] = v[i * n + o] }
        }
        return (values, vectors)
    }
}
