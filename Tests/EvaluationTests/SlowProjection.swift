/// BSS Eval's projection energy by brute force: the Gram matrix of the explicitly delayed
/// references (length T + L − 1, zero padded) solved by Gaussian elimination.
enum SlowProjection {
    static func energy(of estimate: [Float], onto references: [[Float]], taps: Int) -> Double {
        let t = estimate.count, span = t + taps - 1
        var basis = [[Double]]()
        for r in references {
            for k in 0..<taps {
                var v = [Double](repeating: 0, count: span)
                for m in 0..<t { v[m + k] = Double(r[m]) }
                basis.append(v)
            }
        }
        let y = (0..<span).map { $0 < t ? Double(estimate[$0]) : 0 }
        let n = basis.count
        func dot(_ u: [Double], _ v: [Double]) -> Double {
            var s = 0.0
            for k in 0..<span { s += u[k] * v[k] }
            return s
        }
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n { for j in 0...i { a[i][j] = dot(basis[i], basis[j]); a[j][i] = a[i][j] } }
        var b = basis.map { dot($0, y) }
        let rhs = b
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot); b.swapAt(col, pivot)
            for row in (col + 1)..<n {
                let f = a[row][col] / a[col][col]
                if f == 0 { continue }
                for j in col..<n { a[row][j] -= f * a[col][j] }
                b[row] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = b[row]
            for j in (row + 1)..<n { s -= a[row][j] * x[j] }
            x[row] = s / a[row][row]
        }
        return zip(rhs, x).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
