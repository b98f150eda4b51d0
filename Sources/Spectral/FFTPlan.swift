import CFFTW3
import DSPCore
#if canImport(Glibc)
import Glibc
#endif

/// FFTW plans for one real transform size, created once and executed many times.
///
/// Plan creation goes through one global lock (only `fftwf_execute*` is thread-safe);
/// execution uses FFTW's new-array interface on buffers from `fftwf_alloc_*`, so one plan
/// serves any number of threads, each with its own `FFTBuffers`.
package final class FFTPlan: @unchecked Sendable {
    /// The transform length.
    package let size: Int
    private let forwardPlan: fftwf_plan
    private let inversePlan: fftwf_plan
    private static let planLock = PThreadLock()

    /// The transform lengths accepted by `FFTPlan` and `FFTBuffers` (FFTW takes 32-bit lengths).
    package static let sizeRange = 1...Int(Int32.max)

    /// Plans the forward (real → complex) and inverse (complex → real) transforms of `size`.
    /// - Parameter size: the transform length, in `sizeRange`.
    /// - Precondition (checked in release builds too): `size` is in `sizeRange` (the process stops with a message naming it otherwise).
    package init(size: Int) {
        require(Self.sizeRange.contains(size), "FFTPlan size \(size) is out of range (allowed: \(Self.sizeRange))")
        self.size = size
        let buffers = FFTBuffers(size: size)
        let (f, i) = Self.planLock.withLock {
            (fftwf_plan_dft_r2c_1d(Int32(size), buffers.real, buffers.complex, UInt32(FFTW_ESTIMATE)),
             fftwf_plan_dft_c2r_1d(Int32(size), buffers.complex, buffers.real, UInt32(FFTW_ESTIMATE | FFTW_DESTROY_INPUT)))
        }
        guard let f, let i else { fatalError("FFTW could not plan a transform of size \(size)") }
        forwardPlan = f
        inversePlan = i
    }

    deinit {
        Self.planLock.withLock {
            fftwf_destroy_plan(forwardPlan)
            fftwf_destroy_plan(inversePlan)
        }
    }

    /// Unnormalised forward transform of `buffers.real` (size samples) into `buffers.complex` (size/2+1 bins).
    /// - Precondition (checked in release builds too): `buffers` were made for this size.
    package func forward(_ buffers: FFTBuffers) {
        require(buffers.size == size, "FFTPlan of size \(size) given FFTBuffers of size \(buffers.size) (allowed: the same size)")
        fftwf_execute_dft_r2c(forwardPlan, buffers.real, buffers.complex)
    }

    /// Unnormalised inverse transform of `buffers.complex` into `buffers.real` (scaled by `size`); destroys the input.
    /// - Precondition (checked in release builds too): `buffers` were made for this size.
    package func inverse(_ buffers: FFTBuffers) {
        require(buffers.size == size, "FFTPlan of size \(size) given FFTBuffers of size \(buffers.size) (allowed: the same size)")
        fftwf_execute_dft_c2r(inversePlan, buffers.complex, buffers.real)
    }
}

/// SIMD-aligned work buffers for one `FFTPlan` size (one set per thread).
package final class FFTBuffers {
    /// `size` real samples.
    package let real: UnsafeMutablePointer<Float>
    /// `size/2 + 1` complex bins as interleaved (re, im) pairs.
    package let complex: UnsafeMutablePointer<fftwf_complex>
    /// The transform length.
    package let size: Int

    /// Allocates buffers for transforms of length `size`.
    /// - Parameter size: the transform length, in `FFTPlan.sizeRange`.
    /// - Precondition (checked in release builds too): `size` is in `FFTPlan.sizeRange` and the memory can be allocated (the
    ///   process stops with a message naming the size otherwise).
    package init(size: Int) {
        require(FFTPlan.sizeRange.contains(size), "FFTBuffers size \(size) is out of range (allowed: \(FFTPlan.sizeRange))")
        self.size = size
        guard let r = fftwf_alloc_real(size) else { fatalError("FFTW could not allocate \(size) samples") }
        guard let c = fftwf_alloc_complex(size / 2 + 1) else {
            fftwf_free(r)
            fatalError("FFTW could not allocate \(size / 2 + 1) complex bins")
        }
        real = r
        complex = c
        real.initialize(repeating: 0, count: size)
    }

    deinit {
        fftwf_free(real)
        fftwf_free(complex)
    }

    /// The complex bins viewed as `2 × (size/2 + 1)` floats (re, im, re, im, ...).
    package var complexFloats: UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(complex).assumingMemoryBound(to: Float.self)
    }
}

