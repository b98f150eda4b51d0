import CSndFile

/// A libsndfile format: container (major format) plus sample encoding (subtype).
public struct AudioFormat: Sendable, Equatable, CustomStringConvertible {
    /// The raw libsndfile format code (`SF_FORMAT_*` major | subtype).
    public let rawValue: Int32

    /// Wraps a raw libsndfile format code.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// 32-bit float WAV, the format used when nothing else applies.
    public static let wavFloat = AudioFormat(rawValue: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_FLOAT))
    /// 16-bit PCM WAV.
    public static let wav16 = AudioFormat(rawValue: Int32(SF_FORMAT_WAV) | Int32(SF_FORMAT_PCM_16))

    /// The container part (`SF_FORMAT_TYPEMASK`).
    public var container: Int32 { rawValue & Int32(SF_FORMAT_TYPEMASK) }
    /// The sample-encoding part (`SF_FORMAT_SUBMASK`).
    public var subtype: Int32 { rawValue & Int32(SF_FORMAT_SUBMASK) }

    /// Whether samples are stored as integers (so sums are exact only to one quantisation step).
    public var isInteger: Bool {
        let s = subtype
        return s == Int32(SF_FORMAT_PCM_S8) || s == Int32(SF_FORMAT_PCM_U8) || s == Int32(SF_FORMAT_PCM_16)
            || s == Int32(SF_FORMAT_PCM_24) || s == Int32(SF_FORMAT_PCM_32)
    }

    /// Whether samples are 64-bit IEEE floats, whose finite values may lie beyond float's range.
    public var isDoublePrecision: Bool { subtype == Int32(SF_FORMAT_DOUBLE) }

    /// Whether samples are stored as IEEE floats (32 or 64 bits), which hold NaN and infinities.
    public var isFloatingPoint: Bool { subtype == Int32(SF_FORMAT_FLOAT) || isDoublePrecision }

    /// Whether the encoding cannot hold samples beyond full scale (|x| ≥ 1): every one but
    /// float, double, Vorbis and Opus. `SoundFileWriter` clamps such samples to full scale
    /// (libsndfile saturates only integer PCM and ALAC: µ-law, A-law, DPCM, DWVW and the
    /// ADPCMs wrap round, 1.01 becoming −0.17 in A-law and 1.0 becoming −1 in DWVW-16).
    public var clipsAtFullScale: Bool {
        !isFloatingPoint && subtype != Int32(SF_FORMAT_VORBIS) && subtype != Int32(SF_FORMAT_OPUS)
    }

    /// For integer PCM, the number of steps per unit of a normalised sample (2^(bits − 1):
    /// 128 for 8 bits, 32768 for 16 bits, …); nil for other encodings.
    public var pcmStepsPerUnit: Float? {
        switch subtype {
        case Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8): return 128
        case Int32(SF_FORMAT_PCM_16): return 32768
        case Int32(SF_FORMAT_PCM_24): return 8_388_608
        case Int32(SF_FORMAT_PCM_32): return 2_147_483_648
        default: return nil
        }
    }

    /// Whether the container is FLAC, which holds integer samples only.
    public var isFLAC: Bool { container == Int32(SF_FORMAT_FLAC) }
    /// Whether the container is Ogg (Vorbis or Opus).
    public var isOgg: Bool { container == Int32(SF_FORMAT_OGG) }
    /// Whether the encoding is a lossy codec (Vorbis, Opus, MPEG layers I–III, the ADPCMs, GSM
    /// 6.10, G.721/G.723): its decoded samples are not what was encoded, and encoding them again
    /// adds more loss (and block codecs pad the length to whole blocks).
    public var isLossy: Bool {
        [SF_FORMAT_VORBIS, SF_FORMAT_OPUS, SF_FORMAT_MPEG_LAYER_I, SF_FORMAT_MPEG_LAYER_II, SF_FORMAT_MPEG_LAYER_III,
         SF_FORMAT_IMA_ADPCM, SF_FORMAT_MS_ADPCM, SF_FORMAT_VOX_ADPCM, SF_FORMAT_NMS_ADPCM_16, SF_FORMAT_NMS_ADPCM_24,
         SF_FORMAT_NMS_ADPCM_32, SF_FORMAT_GSM610, SF_FORMAT_G721_32, SF_FORMAT_G723_24, SF_FORMAT_G723_40]
            .map { Int32($0) }.contains(subtype)
    }
    /// Whether the container is written by an encoder library (FLAC, Ogg Vorbis/Opus, MPEG)
    /// that may refuse a sample rate or channel count `sf_format_check` accepts: libsndfile
    /// finds out only when the file is opened or first written.
    public var isEncoded: Bool {
        [SF_FORMAT_FLAC, SF_FORMAT_OGG, SF_FORMAT_MPEG].map { Int32($0) }.contains(container)
    }

    /// The usual file extension of the container (`wav`, `flac`, `ogg`, `aiff`, `mp3`, ...; for
    /// the rarer containers libsndfile's own, e.g. `sph` for NIST Sphere).
    public var fileExtension: String {
        switch container {
        case Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_WAVEX), Int32(SF_FORMAT_RF64): return "wav"
        case Int32(SF_FORMAT_FLAC): return "flac"
        case Int32(SF_FORMAT_OGG): return "ogg"
        case Int32(SF_FORMAT_AIFF): return "aiff"
        case Int32(SF_FORMAT_AU): return "au"
        case Int32(SF_FORMAT_CAF): return "caf"
        case Int32(SF_FORMAT_W64): return "w64"
        case Int32(SF_FORMAT_MPEG): return "mp3"
        case Int32(SF_FORMAT_NIST): return "sph"   // libsndfile's own is "wav"
        default:
            var info = SF_FORMAT_INFO()
            info.format = container
            if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
               let e = info.extension, !String(cString: e).isEmpty {
                return String(cString: e)
            }
            return "wav"
        }
    }

    /// A short description such as `0x010002` with container and subtype names where known.
    public var description: String {
        var info = SF_FORMAT_INFO()
        info.format = container
        var name = "unknown container"
        if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
           let n = info.name { name = String(cString: n) }
        info = SF_FORMAT_INFO()
        info.format = subtype
        var sub = "unknown encoding"
        if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
           let n = info.name { sub = String(cString: n) }
        return "\(name), \(sub)"
    }

    /// Whether libsndfile can write this format with the given channel count and sample rate.
    public func isWritable(channels: Int, sampleRate: Int) -> Bool {
        guard SoundFileReader.sampleRateRange.contains(sampleRate), (1...1024).contains(channels) else { return false }
        var info = SF_INFO()
        info.format = rawValue
        info.channels = Int32(clamping: channels)
        info.samplerate = Int32(clamping: sampleRate)
        return sf_format_check(&info) != 0
    }
}
