import DSPCore

/// The Cholesky factor G = R·Rᵀ (R lower triangular) of a symmetric positive definite matrix, in `Double`.
///
/// BSS Eval needs quadratic forms bᵀG⁻¹b = ‖R⁻¹b‖² (the energy of the projection of a signal
/// onto a span of delayed references, one forward substitution) and, for the framewise image
/// metrics, the projection filters G⁻¹b themselves (`solve`).
/// The factorisation is blocked (panels of 64 columns) and its trailing updates run on several
/// threads column by column, so the result is identical for any thread count.
///
/// - Complexity: O(n³/3) flops to factor, O(n²) per quadratic form; memory n² doubles.
struct CholeskyFactor {
    /// The order n of the matrix.
    let order: Int
    /// R, column-major; only the lower triangle (rows ≥ column) is meaningful.
    private let lower: [Double]

    /// Panel width of the blocked factorisation. (The inner loops are `while` loops over raw
    /// pointers: as fast as `for` in release, and several times faster in debug builds.)
    private static let panel = 64

    /// Factors a symmetric matrix, or returns nil when a pivot is not positive (the matrix is
    /// not numerically positive definite).
    /// - Parameters:
    ///   - matrix: n × n, column-major; only the lower triangle is read.
    ///   - order: n.
    ///   - diagonalLoading: added to every diagonal element before factoring.
    ///   - threads: worker threads for the trailing updates.
    init?(matrix: [Double], order n: Int, diagonalLoading: Double = 0, threads: Int = Parallel.defaultThreadCount) {
        precondition(matrix.count == n * n, "matrix must be n × n")
        var a = matrix
        if diagonalLoading != 0 { for i in 0..<n { a[i * n + i] += diagonalLoading } }
        let ok = a.withUnsafeMutableBufferPointer { ap -> Bool in
            let base = ap.baseAddress!
            var k0 = 0
            while k0 < n {
                let k1 = min(k0 + CholeskyFactor.panel, n)
                // Factor the panel columns k0..<k1 (earlier panels have already been applied).
                for k in k0..<k1 {
                    let ck = base + k * n
                    for p in k0..<k {
                        let f = base[p * n + k]
                        if f == 0 { continue }
                        let cp = base + p * n
                        var i = k
                        while i < n {
                            ck[i] -= f * cp[i]
                            i += 1
                        }
                    }
                    let pivot = ck[k]
                    if !(pivot > 0) || !pivot.isFinite { return false }
                    let d = pivot.squareRoot()
                    ck[k] = d
                    let inv = 1 / d
                    var i = k + 1
                    while i < n {
                        ck[i] *= inv
                        i += 1
                    }
                }
                // Trailing update: A[j..<n, j] −= Σ_p A[j, p]·A[j..<n, p] for p in the panel.
                let trailing = n - k1
                if trailing > 0 {
                    let chunks = min(trailing, 32)
                    Parallel.forEachBlock(chunks, threads: trailing >= 256 ? threads : 1) { chunk in
                        for j in Parallel.blockRange(chunk, of: chunks, count: trailing) {
                            CholeskyFactor.update(column: j + k1, panel: k0..<k1, base: base, order: n)
                        }
                    }
                }
                k0 = k1
            }
            return true
        }
        if !ok { return nil }
        order = n
        lower = a
    }

    /// Subtracts the panel's contributions from column `j`, rows j..<n, four panel columns at a time.
    @inline(__always)
    private static func update(column j: Int, panel: Range<Int>, base: UnsafeMutablePointer<Double>, order n: Int) {
        let cj = base + j * n
        var p = panel.lowerBound
        while p + 4 <= panel.upperBound {
            let c0 = base + p * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n
            let f0 = c0[j], f1 = c1[j], f2 = c2[j], f3 = c3[j]
            var i = j
            while i < n {
                cj[i] -= f0 * c0[i] + f1 * c1[i] + f2 * c2[i] + f3 * c3[i]
                i += 1
            }
            p += 4
        }
        while p < panel.upperBound {
            let c0 = base + p * n
            let f0 = c0[j]
            var i = j
            while i < n {
                cj[i] -= f0 * c0[i]
                i += 1
            }
            p += 1
        }
    }

    /// Factors `matrix`, adding a growing diagonal load when it is not numerically positive
    /// definite: none first (as fast_bss_eval's default), then 10⁻¹²·m, 10⁻¹¹·m, … up to
    /// 10⁻²·m with m the largest diagonal element.
    /// - Parameters:
    ///   - matrix: n × n symmetric positive semi-definite, column-major.
    ///   - order: n.
    ///   - threads: worker threads.
    /// - Returns: the factor and the load that was used (0 when none was needed).
    static func factorWithLoading(matrix: [Double], order n: Int,
                                  threads: Int = Parallel.defaultThreadCount) -> (CholeskyFactor, Double) {
        if let f = CholeskyFactor(matrix: matrix, order: n, threads: threads) { return (f, 0) }
        var scale = 0.0
        for i in 0..<n { scale = max(scale, abs(matrix[i * n + i])) }
        if !(scale > 0) || !scale.isFinite { scale = 1 }
        var load = 1e-12 * scale
        while true {
            if let f = CholeskyFactor(matrix: matrix, order: n, diagonalLoading: load, threads: threads) {
                return (f, load)
            }
            if load > 1e-2 * scale {
                // Cannot happen for a finite positive semi-definite matrix; keep the last resort explicit.
                let identityLoad = scale
                return (CholeskyFactor(matrix: matrix, order: n, diagonalLoading: identityLoad, threads: threads)!, identityLoad)
            }
            load *= 10
        }
    }

    /// x = G⁻¹b, by forward substitution with R and back substitution with Rᵀ.
    /// - Parameter b: n values.
    /// - Returns: n values.
    /// - Complexity: O(n²).
    func solve(_ b: [Double]) -> [Double] {
        let n = order
        var y = forwardSubstitution(b)
        lower.withUnsafeBufferPointer { lp in
            y.withUnsafeMutableBufferPointer { yp in
                let l = lp.baseAddress!, v = yp.baseAddress!
                var k = n - 1
                while k >= 0 {
                    let ck = l + k * n
                    var sum = v[k]
                    var i = k + 1
                    while i < n {
                        sum -= ck[i] * v[i]
                        i += 1
                    }
                    v[k] = sum / ck[k]
                    k -= 1
                }
            }
        }
        return y
    }

    /// ‖R⁻¹b‖² = bᵀG⁻¹b, by forward substitution.
    /// - Parameter b: n values.
    /// - Complexity: O(n²).
    func quadraticForm(_ b: [Double]) -> Double {
        var sum = 0.0
        for v in forwardSubstitution(b) { sum += v * v }
        return sum
    }

    /// R⁻¹b, column by column.
    private func forwardSubstitution(_ b: [Double]) -> [Double] {
        precondition(b.count == order, "vector length must equal the matrix order")
        let n = order
        var y = b
        lower.withUnsafeBufferPointer { lp in
            y.withUnsafeMutableBufferPointer { yp in
                let l = lp.baseAddress!, v = yp.baseAddress!
                for k in 0..<n {
                    let ck = l + k * n
                    let yk = v[k] / ck[k]
                    v[k] = yk
                    if yk == 0 { continue }
                    var i = k + 1
                    while i < n {
                        v[i] -= ck[i] * yk
                        i += 1
                    }
                }
            }
        }
        return y
    }
}
