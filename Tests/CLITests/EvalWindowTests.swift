import Testing
@testable import NMFSeparateCLI

/// `eval --window S --hop S`: seconds to samples as museval converts them.
@Suite struct EvalWindowTests {
    /// museval frames with `int(window * rate)` samples: 0.25 s at 22,050 Hz is 5,512 samples
    /// (rounding gave 5,513 and 59 windows where museval scores 60, up to 0.56 dB apart).
    @Test func secondsBecomeSamplesAsInMuseval() {
        #expect(EvalCommand.samples(0.25, rate: 22_050) == 5_512)
        #expect(EvalCommand.samples(1, rate: 44_100) == 44_100)
        #expect(EvalCommand.samples(0.1, rate: 44_100) == 4_410)
        #expect(EvalCommand.samples(1e-9, rate: 44_100) == 1)
    }
}
