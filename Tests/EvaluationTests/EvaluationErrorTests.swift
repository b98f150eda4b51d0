import Testing
import Evaluation

/// Invalid input throws a typed `EvaluationError` whose message names the signal and values.
@Suite struct EvaluationErrorTests {
    let a: [Float] = [1, 2, 3, 4]
    let b: [Float] = [0.5, -1, 2, 0]

    func error(_ body: () throws -> Void) -> EvaluationError? {
        do { try body() } catch { return error as? EvaluationError }
        return nil
    }

    @Test func errorsAreTypedThrows() {
        do {
            _ = try BSSEval.evaluate(references: [a], estimates: [a, b])
            Issue.record("expected an error")
        } catch {
            let typed: EvaluationError = error  // compiles only because the throws are typed
            #expect(typed == .sourceCountMismatch(references: 1, estimates: 2))
        }
    }

    @Test func mismatchedCounts() {
        let e = error { _ = try BSSEval.evaluate(references: [a, b], estimates: [a]) }
        #expect(e == .sourceCountMismatch(references: 2, estimates: 1))
        #expect(e?.description == "2 reference signals but 1 estimate: the counts must be equal")
    }

    @Test func mismatchedLengthsStateBoth() {
        let e = error { _ = try BSSEval.evaluate(references: [a, b], estimates: [a, [1, 2, 3]]) }
        #expect(e == .lengthMismatch(signal: "estimates[1]", samples: 3, reference: "references[0]", expected: 4))
        #expect(e?.description == "estimates[1] has 3 samples but references[0] has 4: all signals must have the same length")
        let m = error { _ = try BSSEval.evaluateMixture(references: [a, b], mixture: [1, 2, 3, 4, 5]) }
        #expect(m?.description.hasPrefix("mixture has 5 samples but references[0] has 4") == true)
        let c = error { _ = try BSSEval.evaluate(references: [[a, [1, 2]]], estimates: [[a]]) }
        #expect(c?.description.hasPrefix("references[0][1] has 2 samples but references[0][0] has 4") == true)
    }

    @Test func emptySignals() {
        #expect(error { _ = try BSSEval.evaluate(references: [[Float]()], estimates: [[Float]()]) } == .emptySignal(signal: "references[0]"))
        #expect(error { _ = try BSSEval.evaluate(references: [a], estimates: [[Float]()]) }?.description == "estimates[0] is empty (0 samples)")
        #expect(error { _ = try BSSEval.evaluate(references: [[Float]](), estimates: [[Float]]()) } == .noSources)
        #expect(error { _ = try BSSEval.evaluate(references: [[a]], estimates: [[[Float]]()]) } == .emptySignal(signal: "estimates[0]"))
    }

    @Test func silentReference() {
        let e = error { _ = try BSSEval.evaluate(references: [a, [0, 0, 0, 0]], estimates: [a, b]) }
        #expect(e == .silentReference(signal: "references[1]"))
        #expect(e?.description == "references[1] is silent (all samples are zero): BSS Eval needs a non-zero reference")
        #expect(error { _ = try ScaleInvariantSDR.compute(reference: [0, 0], estimate: [1, 1]) } == .silentReference(signal: "reference"))
    }

    @Test func moreThanEightSources() {
        let nine = [[Float]](repeating: a, count: 9)
        let e = error { _ = try BSSEval.evaluate(references: nine, estimates: nine) }
        #expect(e == .tooManySources(count: 9, maximum: 8))
        #expect(e?.description == "9 sources: at most 8 are supported (the best permutation is searched exhaustively)")
    }

    @Test func otherInvalidInput() {
        #expect(error { _ = try BSSEval.evaluate(references: [a], estimates: [[1, .nan, 3, 4]]) }
                == .nonFiniteSample(signal: "estimates[0]", index: 1))
        #expect(error { _ = try BSSEval.evaluate(references: [a], estimates: [b], filterLength: 0) }?.description
                == "filter length 0 is out of range (allowed: 1 or more)")
        #expect(error { _ = try BSSEval.evaluate(references: [a, b], estimates: [a, b], permutation: [0, 0]) }?.description
                == "[0, 0] is not a permutation of 0..<2")
        #expect(error { _ = try BSSEval.evaluate(references: [a], estimates: [b], clampDB: -3) } == .invalidClamp(-3))
    }

    /// signals × filterLength overflowing `Int` is refused as too long, not trapped.
    @Test func overflowingFilterLengths() {
        for length in [Int.max, 1 << 62, Int.max / 2 + 1] {
            #expect(error { _ = try BSSEval.evaluate(references: [a, b], estimates: [a, b], filterLength: length) }
                    == .filterTooLong(length, signals: 2, maximumOrder: BSSEval.maximumGramOrder))
            #expect(error { _ = try BSSEval.evaluateImages(references: [[a, b], [b, a]], estimates: [[a, b], [b, a]], filterLength: length) }
                    == .filterTooLong(length, signals: 4, maximumOrder: BSSEval.maximumGramOrder))
            #expect(error { _ = try BSSEval.evaluateImagesFramewise(references: [[a, b], [b, a]], estimates: [[a, b], [b, a]],
                                                                    window: 2, hop: 1, filterLength: length) }
                    == .filterTooLong(length, signals: 4, maximumOrder: BSSEval.maximumGramOrder))
        }
    }

    @Test func improvementOverABaselineOfOtherReferences() throws {
        let two = try BSSEval.evaluate(references: [a, b], estimates: [a, b])
        let one = try BSSEval.evaluate(references: [a], estimates: [b])
        #expect(error { _ = try two.improvement(over: one) } == .baselineCountMismatch(scores: 2, baseline: 1))
        #expect(error { _ = try two.improvement(over: one) }?.description
                == "baseline of 1 reference for scores of 2: an improvement compares the same references (allowed: a baseline of 2)")
        #expect(try two.improvement(over: two).sdr == [0, 0])
        let images = try BSSEval.evaluateImages(references: [[a], [b]], estimates: [[a], [b]])
        let image = try BSSEval.evaluateImages(references: [[a]], estimates: [[b]])
        #expect(error { _ = try image.improvement(over: images) } == .baselineCountMismatch(scores: 1, baseline: 2))
    }
}
