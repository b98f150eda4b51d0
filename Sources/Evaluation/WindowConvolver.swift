/// The projection filters of every estimate channel onto every target span, as the half spectra
/// (bins 0…N/2; the filters and signals are real) of N points, and the convolution of one
/// window's references with them.
struct WindowConvolver {
    /// The subspaces whose projection filters are applied.
    let spaces: ImageSubspaces
    /// N, a power of two ≥ window + L − 1, so that the circular convolution is linear.
    let size: Int
    /// The N-point transform.
    let fft: RadixTwoFFT
    /// spectra[t][e][c][i]: the filter of span signal i of target t for channel c of estimate e
    /// (re, im; bins 0…N/2).
    private let spectra: [[[[(re: [Double], im: [Double])]]]]

    /// Solves every projection filter and transforms it.
    /// - Parameters:
    ///   - spaces: the factored subspaces.
    ///   - width: the window length in samples.
    ///   - filterLength: L.
    /// - Complexity: (J + 1)·J·C solves of order up to J·C·L (J·C for J = 1), 2·J²·C² N-point transforms;
    ///   memory 2·J²·C²·(N/2 + 1) complex doubles.
    init(spaces: ImageSubspaces, width: Int, filterLength l: Int) {
        self.spaces = spaces
        var n = 1
        while n < width + l - 1 { n <<= 1 }
        size = n
        let fft = RadixTwoFFT(size: n)
        self.fft = fft
        let j = spaces.sourceCount, c = spaces.channels
        var spectra = (0..<(j > 1 ? j + 1 : 1)).map { t in
            (0..<j).map { e in
                (0..<c).map { ch in
                    spaces.filters(target: t, estimate: e, channel: ch).map { WindowConvolver.transform($0, fft: fft) }
                }
            }
        }
        // With one source, "every source" is that source: the same span and the same filters.
        if j == 1 { spectra.append(spectra[0]) }
        self.spectra = spectra
    }

    /// Bins 0…N/2 of the N-point spectrum of the real signal `x`, zero-padded.
    static func transform<Samples: Collection<Double>>(_ x: Samples, fft: RadixTwoFFT) -> (re: [Double], im: [Double]) {
        var re = [Double](repeating: 0, count: fft.size), im = re
        for (k, v) in x.enumerated() { re[k] = v }
        re.withUnsafeMutableBufferPointer { rp in im.withUnsafeMutableBufferPointer { ip in fft.forward(rp.baseAddress!, ip.baseAddress!) } }
        let half = fft.size / 2 + 1
        return (Array(re[0..<half]), Array(im[0..<half]))
    }

    /// P_t ŝ_{e,c} on one window: Σ_i h_i ∗ r_i over the window's reference spectra, `count` samples.
    func project(target t: Int, estimate e: Int, channel c: Int,
                 referenceSpectra: [(re: [Double], im: [Double])], count: Int) -> [Double] {
        let n = size, half = n / 2 + 1
        var re = [Double](repeating: 0, count: n), im = re
        for (i, a) in spaces.signals(t).enumerated() {
            let h = spectra[t][e][c][i], r = referenceSpectra[a]
            for k in 0..<half {
                // conj(R·H), so that one forward transform gives the inverse.
                re[k] += r.re[k] * h.re[k] - r.im[k] * h.im[k]
                im[k] -= r.re[k] * h.im[k] + r.im[k] * h.re[k]
            }
        }
        // The other half: the spectrum of a real signal is Hermitian, Y[N − k] = conj(Y[k]).
        for k in half..<n {
            re[k] = re[n - k]
            im[k] = -im[n - k]
        }
        re.withUnsafeMutableBufferPointer { rp in im.withUnsafeMutableBufferPointer { ip in fft.forward(rp.baseAddress!, ip.baseAddress!) } }
        let inv = 1 / Double(n)
        return (0..<count).map { re[$0] * inv }
    }
}
