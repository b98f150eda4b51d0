/// The nmf-separate library: audio source separation by non-negative matrix factorization.
///
/// Import this umbrella module to get every public type: `SoundFileReader`/`SoundFileWriter`
/// (AudioIO), `STFT` (Spectral), `NMF` (Factorization), `Separator` (Separation),
/// `BSSEval` (Evaluation) and `SeparationPlots` (Plotting).
@_exported import AudioIO
@_exported import DSPCore
@_exported import Evaluation
@_exported import Factorization
@_exported import Plotting
@_exported import Spectral
@_exported import Separation
