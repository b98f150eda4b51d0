import Testing
import Spectral

/// `real` and `imaginary` check (bin, frame) in every build: out of range stops the process
/// instead of reading another bin's value.
@Suite struct ComplexSpectrogramIndexTests {
    @Test func indicesAreChecked() async {
        var x = ComplexSpectrogram(bins: 3, frames: 2)
        x.storage[2 * (1 * 3 + 2)] = 5
        x.storage[2 * (1 * 3 + 2) + 1] = -1
        #expect(x.real(2, 1) == 5 && x.imaginary(2, 1) == -1 && x.magnitude(2, 1) == Float(26).squareRoot())
        await #expect(processExitsWith: .failure) { _ = ComplexSpectrogram(bins: 3, frames: 2).real(3, 0) }
        await #expect(processExitsWith: .failure) { _ = ComplexSpectrogram(bins: 3, frames: 2).imaginary(0, 2) }
        // `storage` is settable: once it no longer holds 2 · bins · frames values, even an element
        // inside both the shape and the array stops (the offsets assume the full storage).
        await #expect(processExitsWith: .failure) {
            var y = ComplexSpectrogram(bins: 3, frames: 2)
            y.storage.removeLast()
            _ = y.magnitude(0, 0)
        }
    }
}
