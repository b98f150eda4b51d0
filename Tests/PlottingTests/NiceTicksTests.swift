import Testing
@testable import Plotting

@Suite struct NiceTicksTests {
    @Test func niceTicksUseOneTwoFiveSteps() {
        let ticks = NiceTicks.ticks(lo: -0.004, hi: 8.4, length: 1000, gap: 24) { $0.count * 12 }
        let values = ticks.compactMap { Double($0.label) }
        #expect(values.first == 0)
        let step = values[1] - values[0]
        #expect([0.5, 1, 2].contains(step))
        #expect(ticks.allSatisfy { $0.fraction >= 0 && $0.fraction <= 1 })
        #expect(NiceTicks.label(-0.0001, step: 0.1) == "0.0")
        #expect(NiceTicks.niceStep(span: 80, maxCount: 5) == 20)
        let degenerate = NiceTicks.ticks(lo: 3, hi: 3, length: 100, gap: 10) { _ in 10 }
        #expect(!degenerate.isEmpty)
    }
}
