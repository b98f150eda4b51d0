import CSndFile

/// Containers a user can ask for with `--format`.
public enum AudioContainer: String, Sendable, CaseIterable {
    /// RIFF WAVE.
    case wav
    /// Free Lossless Audio Codec (integer samples only).
    case flac
    /// Ogg Vorbis (lossy; no sample format to choose).
    case ogg
    /// Apple AIFF.
    case aiff

    /// The libsndfile major format.
    var code: Int32 {
        switch self {
        case .wav: return Int32(SF_FORMAT_WAV)
        case .flac: return Int32(SF_FORMAT_FLAC)
        case .ogg: return Int32(SF_FORMAT_OGG)
        case .aiff: return Int32(SF_FORMAT_AIFF)
        }
    }

    /// The sample encodings this container can hold (empty: the codec decides).
    public var allowedEncodings: [SampleEncoding] {
        switch self {
        case .wav, .aiff: return SampleEncoding.allCases
        case .flac: return [.pcm16, .pcm24]
        case .ogg: return []
        }
    }
}

/// Sample encodings a user can ask for with `--sample-format`.
public enum SampleEncoding: String, Sendable, CaseIterable {
    /// 16-bit signed integers.
    case pcm16
    /// 24-bit signed integers.
    case pcm24
    /// 32-bit IEEE floats.
    case float

    /// The libsndfile subtype.
    var code: Int32 {
        switch self {
        case .pcm16: return Int32(SF_FORMAT_PCM_16)
        case .pcm24: return Int32(SF_FORMAT_PCM_24)
        case .float: return Int32(SF_FORMAT_FLOAT)
        }
    }
}

/// Why an output format cannot be chosen.
public struct OutputFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A one-line message naming the options and what is allowed.
    public let description: String
}

extension AudioFormat {
    /// The format to write: the input's container and encoding unless `container` or
    /// `encoding` say otherwise.
    ///
    /// A lossy input (Ogg Vorbis or Opus, MP3, ADPCM, GSM 6.10, G.72x; `isLossy`) gets WAV as its default container, 32-bit floats
    /// unless `encoding` says otherwise; a Sound Designer II input gets WAV with its encoding. When only the container changes, the input's encoding is kept if it is plain samples
    /// (integers, floats, µ-law or A-law) that the new container can hold, or 8-bit samples of the
    /// kind it holds (signed ↔ unsigned); otherwise (and for every codec:
    /// MPEG, Vorbis, Opus, ADPCM, GSM, …) FLAC gets 24-bit
    /// integers, Ogg gets Vorbis, and WAV or AIFF get 32-bit floats.
    /// - Parameters:
    ///   - input: the input file's format.
    ///   - container: `--format`, or `nil` for the input's.
    ///   - encoding: `--sample-format`, or `nil` for the input's (or the closest the container holds).
    /// - Throws: `OutputFormatError` when the container cannot hold the requested encoding
    ///   (FLAC cannot hold floats; Ogg Vorbis has no sample format).
    public static func output(for input: AudioFormat, container: AudioContainer?,
                              encoding: SampleEncoding?) throws -> AudioFormat {
        // A lossy input's sources go to WAV unless a container is asked for: coding them again
        // would add noise of its own, and they would no longer add up to the mixture.
        let lossyDefault = container == nil && input.isLossy
        // Sound Designer II: libsndfile keeps its header in a `._<name>` resource-fork file beside
        // the audio, which the outputs' rename into place would leave behind (and the sources
        // unreadable), so its sources go to WAV, keeping the samples' encoding.
        let sd2 = container == nil && input.container == Int32(SF_FORMAT_SD2)
        let major = container?.code ?? (lossyDefault || sd2 ? Int32(SF_FORMAT_WAV) : input.container)
        if let encoding {
            if major == Int32(SF_FORMAT_FLAC) && encoding == .float {
                throw OutputFormatError(description: "--sample-format float is not possible in FLAC, which holds integer samples only (allowed with flac: pcm16, pcm24)")
            }
            if major == Int32(SF_FORMAT_OGG) {
                throw OutputFormatError(description: "--sample-format \(encoding.rawValue) does not apply to Ogg Vorbis, a compressed format (omit it, or choose --format wav, flac or aiff)")
            }
            let chosen = AudioFormat(rawValue: major | encoding.code)
            guard chosen.isWritable(channels: 1, sampleRate: 44_100) else {
                throw OutputFormatError(description: "--sample-format \(encoding.rawValue) is not possible in the input's container (\(input)); add --format wav, flac or aiff")
            }
            return chosen
        }
        if lossyDefault { return AudioFormat(rawValue: major | Int32(SF_FORMAT_FLOAT)) }   // (a GSM WAV's container is WAV too)
        if major == input.container { return input }
        // Only plain samples carry over to another container: a codec's encoding (MPEG, Vorbis,
        // ADPCM, …) that libsndfile accepts in a WAV header it may still fail to write.
        let plain = [SF_FORMAT_PCM_S8, SF_FORMAT_PCM_U8, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24, SF_FORMAT_PCM_32,
                     SF_FORMAT_FLOAT, SF_FORMAT_DOUBLE, SF_FORMAT_ULAW, SF_FORMAT_ALAW].map { Int32($0) }
        let kept = AudioFormat(rawValue: major | input.subtype)
        if plain.contains(input.subtype), kept.isWritable(channels: 1, sampleRate: 44_100) { return kept }
        // 8-bit samples in a container that stores the other 8-bit kind (WAV unsigned, FLAC and
        // AU signed): the same width, not floats four times the size.
        let eightBit = [Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8)]
        if let i = eightBit.firstIndex(of: input.subtype) {
            let other = AudioFormat(rawValue: major | eightBit[1 - i])
            if other.isWritable(channels: 1, sampleRate: 44_100) { return other }
        }
        switch major {
        case Int32(SF_FORMAT_FLAC):
            let small = [Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8), Int32(SF_FORMAT_PCM_16)].contains(input.subtype)
            return AudioFormat(rawValue: major | (small ? Int32(SF_FORMAT_PCM_16) : Int32(SF_FORMAT_PCM_24)))
        case Int32(SF_FORMAT_OGG):
            return AudioFormat(rawValue: major | Int32(SF_FORMAT_VORBIS))
        default:
            return AudioFormat(rawValue: major | Int32(SF_FORMAT_FLOAT))
        }
    }
}

extension AudioFormat {
    /// Bits one sample takes in this encoding: exact for plain samples, the most a codec
    /// spends otherwise (DWVW's word width; the ADPCMs' code width; GSM 6.10's 33 bytes per 160
    /// samples), 16 for one not listed.
    var bitsPerSample: Double {
        switch subtype {
        case Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8), Int32(SF_FORMAT_ULAW), Int32(SF_FORMAT_ALAW),
             Int32(SF_FORMAT_DPCM_8): return 8
        case Int32(SF_FORMAT_PCM_16), Int32(SF_FORMAT_DPCM_16), Int32(SF_FORMAT_DWVW_16): return 16
        case Int32(SF_FORMAT_PCM_24), Int32(SF_FORMAT_DWVW_24): return 24
        case Int32(SF_FORMAT_PCM_32), Int32(SF_FORMAT_FLOAT): return 32
        case Int32(SF_FORMAT_DOUBLE): return 64
        case Int32(SF_FORMAT_DWVW_12): return 12
        case Int32(SF_FORMAT_IMA_ADPCM), Int32(SF_FORMAT_MS_ADPCM), Int32(SF_FORMAT_VOX_ADPCM), Int32(SF_FORMAT_G721_32): return 4
        case Int32(SF_FORMAT_G723_24): return 3
        case Int32(SF_FORMAT_G723_40): return 5
        case Int32(SF_FORMAT_GSM610): return 33.0 * 8 / 160
        default: return 16
        }
    }

    /// The largest audio data, in bytes, that containers with 32-bit chunk sizes (WAV, AIFF, …)
    /// hold: 4 GiB less a margin for the header and metadata.
    public static let classicSizeLimit: Int64 = (1 << 32) - (1 << 20)

    /// This format for `frames` frames of `channels` channels: as it is when its container can
    /// hold them, else a plain or extensible WAV becomes RF64 (EBU Tech 3306: WAV with 64-bit
    /// sizes, which libsndfile, ffmpeg and sox read; same encoding, same `.wav` extension). Beyond
    /// 4 GiB a WAV's 32-bit size field wraps round and readers see a fraction of the file.
    /// - Throws: `OutputFormatError` for another container whose sizes are 32-bit (AIFF, …), or a
    ///   WAV encoding RF64 cannot hold (the ADPCMs, GSM), when the data would not fit, naming the
    ///   size. (AU is not limited: libsndfile writes its "unknown" size beyond 2 GiB.)
    public func holding(frames: Int, channels: Int) throws -> AudioFormat {
        let unlimited = [SF_FORMAT_RF64, SF_FORMAT_W64, SF_FORMAT_CAF, SF_FORMAT_FLAC, SF_FORMAT_OGG, SF_FORMAT_MPEG,
                         SF_FORMAT_AU].map { Int32($0) }
        if unlimited.contains(container) { return self }
        let bytes = Double(max(frames, 0)) * Double(max(channels, 0)) * bitsPerSample / 8
        guard bytes > Double(Self.classicSizeLimit) else { return self }
        let wav = container == Int32(SF_FORMAT_WAV) || container == Int32(SF_FORMAT_WAVEX)
        if wav {
            let large = AudioFormat(rawValue: Int32(SF_FORMAT_RF64) | subtype)
            if large.isWritable(channels: channels, sampleRate: 44_100) { return large }
        }
        let advice = wav ? "choose --sample-format pcm16, pcm24 or float, which WAV holds as RF64 beyond 4 GiB, or --format flac"
                         : "choose --format wav, written as RF64 beyond 4 GiB, or flac"
        throw OutputFormatError(description: String(format: "each source would take %.1f GiB of audio data, beyond the 4 GiB that ", bytes / Double(1 << 30))
                                + "\(self) holds (allowed: up to \(Self.classicSizeLimit) bytes; \(advice))")
    }

    /// This format, as WAVE_FORMAT_EXTENSIBLE when it is a plain WAV and `channelMap` states a
    /// layout to keep: a plain WAV header has no channel mask, so libsndfile would write the
    /// layout nowhere (AIFF and FLAC have no place for one either and are left as they are).
    /// - Parameter channelMap: the input's layout (`SoundFileReader.channelMap`), or nil.
    public func keepingLayout(_ channelMap: [Int32]?) -> AudioFormat {
        guard channelMap != nil, container == Int32(SF_FORMAT_WAV) else { return self }
        let extensible = AudioFormat(rawValue: Int32(SF_FORMAT_WAVEX) | subtype)
        return extensible.isWritable(channels: 2, sampleRate: 44_100) ? extensible : self
    }

    /// Whether this format's container can also hold 32-bit float samples (WAV, AIFF, AU, CAF,
    /// … can; FLAC, XI and VOC cannot).
    public var containerHoldsFloats: Bool {
        AudioFormat(rawValue: container | Int32(SF_FORMAT_FLOAT)).isWritable(channels: 1, sampleRate: 44_100)
    }
}
