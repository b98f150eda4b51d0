#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small in-place complex FFT of power-of-two size in `Double`, iterative radix-2
/// decimation in time (Cooley & Tukey 1965).
///
/// Internal to `Evaluation` so that the module needs no FFT library: the correlations of
/// BSS Eval only need a few thousand transforms of one fixed size, where this is fast enough.
/// Data are in split form (separate real and imaginary arrays). The forward transform is
/// X[k] = Σₙ x[n]·e^(−2πi·kn/N), unnormalised.
///
/// - Complexity: O(N log N) per transform; the tables take O(N) memory.
struct RadixTwoFFT: Sendable {
    /// The transform size N, a power of two ≥ 1.
    let size: Int
    /// log₂ N.
    private let order: Int
    /// cos(2πk/N) for k < N/2.
    private let cosines: [Double]
    /// sin(2πk/N) for k < N/2 (the forward transform uses −sin).
    private let sines: [Double]
    /// The bit-reversal permutation of 0..<N.
    private let reversed: [Int32]

    /// Builds the twiddle and bit-reversal tables.
    /// - Parameter size: the transform size, a power of two ≥ 1.
    init(size: Int) {
        precondition(size >= 1 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        var order = 0
        while (1 << order) < size { order += 1 }
        self.order = order
        let half = max(size / 2, 1)
        var c = [Double](repeating: 1, count: half), s = [Double](repeating: 0, count: half)
        for k in 0..<half {
            let angle = 2 * Double.pi * Double(k) / Double(size)
            c[k] = cos(angle)
            s[k] = sin(angle)
        }
        cosines = c
        sines = s
        var r = [Int32](repeating: 0, count: size)
        for i in 0..<size {
            var x = i, y = 0
            for _ in 0..<order { y = (y << 1) | (x & 1); x >>= 1 }
            r[i] = Int32(y)
        }
        reversed = r
    }

    /// The forward transform of (re + i·im), in place.
    /// - Parameters:
    ///   - re: the real parts, `size` values.
    ///   - im: the imaginary parts, `size` values.
    func forward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        let n = size
        if n == 1 { return }
        reversed.withUnsafeBufferPointer { rev in
            for i in 0..<n {
                let j = Int(rev[i])
                if j > i {
                    swap(&re[i], &re[j])
                    swap(&im[i], &im[j])
                }
            }
        }
        cosines.withUnsafeBufferPointer { cp in
            sines.withUnsafeBufferPointer { sp in
                let cs = cp.baseAddress!, sn = sp.baseAddress!
                // Length-2 butterflies need no twiddles.
                var i = 0
                while i < n {
                    let ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1]
                    re[i] = ar + br; im[i] = ai + bi
                    re[i + 1] = ar - br; im[i + 1] = ai - bi
                    i += 2
                }
                var half = 2
                while half < n {
                    let span = half * 2
                    let stride = n / span
                    var start = 0
                    while start < n {
                        let a = start, b = start + half
                        for k in 0..<half {
                            let wr = cs[k * stride], wi = -sn[k * stride]
                            let xr = re[b + k], xi = im[b + k]
                            let tr = xr * wr - xi * wi
                            let ti = xr * wi + xi * wr
                            let ur = re[a + k], ui = im[a + k]
                            re[a + k] = ur + tr; im[a + k] = ui + ti
                            re[b + k] = ur - tr; im[b + k] = ui - ti
                        }
                        start += span
                    }
                    half = span
                }
            }
        }
    }
}
