/// The nmf-separate library: audio source separation by non-negative matrix factorization.
///
/// Import this umbrella module to get every public type: `SoundFileReader`/`SoundFileWriter`
/// (AudioIO), `STFT` (Spectral), `NMF` (Factorization) and `Separator` (Separation).
@_exported import AudioIO
@_exported import DSPCore
@_exported import Evaluation
@_exported import Factorization
@_exported import Spectral
@_exported import Separation
