import Testing
import CSndFile
@testable import AudioIO

/// The format the sources are written in when only the container is asked for.
@Suite struct OutputFormatChoiceTests {
    static func format(_ container: Int, _ subtype: Int) -> AudioFormat {
        AudioFormat(rawValue: Int32(container) | Int32(subtype))
    }

    /// 8-bit samples keep their width in a container that stores the other 8-bit kind (WAV holds
    /// only unsigned bytes, AU and FLAC only signed ones), instead of becoming 32-bit floats.
    @Test(arguments: [
        (format(SF_FORMAT_AIFF, SF_FORMAT_PCM_S8), AudioContainer.wav, format(SF_FORMAT_WAV, SF_FORMAT_PCM_U8)),
        (format(SF_FORMAT_WAV, SF_FORMAT_PCM_U8), .aiff, format(SF_FORMAT_AIFF, SF_FORMAT_PCM_U8)),   // (AIFF-C holds unsigned)
        (format(SF_FORMAT_AU, SF_FORMAT_PCM_S8), .wav, format(SF_FORMAT_WAV, SF_FORMAT_PCM_U8)),
        (format(SF_FORMAT_WAV, SF_FORMAT_PCM_U8), .flac, format(SF_FORMAT_FLAC, SF_FORMAT_PCM_S8)),
    ])
    func eightBitSamplesStayEightBit(input: AudioFormat, container: AudioContainer, expected: AudioFormat) throws {
        #expect(try AudioFormat.output(for: input, container: container, encoding: nil) == expected)
    }

    /// Plain samples the new container holds are kept; what it cannot hold gets the documented
    /// fallbacks (24-bit FLAC, float WAV or AIFF).
    @Test func otherEncodingsFollowTheDocumentedFallbacks() throws {
        #expect(try AudioFormat.output(for: Self.format(SF_FORMAT_AIFF, SF_FORMAT_PCM_24), container: .wav, encoding: nil)
                == Self.format(SF_FORMAT_WAV, SF_FORMAT_PCM_24))
        #expect(try AudioFormat.output(for: Self.format(SF_FORMAT_WAV, SF_FORMAT_FLOAT), container: .flac, encoding: nil)
                == Self.format(SF_FORMAT_FLAC, SF_FORMAT_PCM_24))
        #expect(try AudioFormat.output(for: Self.format(SF_FORMAT_WAV, SF_FORMAT_IMA_ADPCM), container: .aiff, encoding: nil)
                == Self.format(SF_FORMAT_AIFF, SF_FORMAT_FLOAT))
    }
}
