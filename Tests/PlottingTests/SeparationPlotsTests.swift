import DSPCore
import Foundation
import Testing
@testable import Plotting
import Separation
@testable import Factorization

@Suite struct SeparationPlotsTests {
    @Test func everyFigureDecodesWithTheLayoutSize() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plots = try Fixtures.twoSourcePlots()
        let figures: [(String, HeatmapSpec, (String) throws -> Void)] = [
            ("spectrogram", plots.spectrogramSpec(), plots.writeSpectrogram),
            ("templates", plots.templatesSpec(), plots.writeTemplates),
            ("activations", plots.activationsSpec(), plots.writeActivations),
            ("mask0", try plots.maskSpec(source: 0), { try plots.writeMask(source: 0, to: $0) }),
            ("mask1", try plots.maskSpec(source: 1), { try plots.writeMask(source: 1, to: $0) }),
        ]
        for (name, spec, write) in figures {
            let path = dir.appendingPathComponent("\(name).png").path
            try write(path)
            let image = try PNGFile.read(from: path)
            let layout = HeatmapLayout(spec)
            #expect(image.width == layout.width && image.height == layout.height, "\(name)")
            #expect(image == (try plots.render(spec).image), "\(name)")
        }
    }

    @Test func spectrogramSizesFollowTheInput() throws {
        let small = try Fixtures.tonePlots(frames: 200).spectrogramSpec()
        #expect(small.plotWidth == 320 && small.plotHeight == 257)
        let wide = try Fixtures.tonePlots(frames: 700).spectrogramSpec()
        #expect(wide.plotWidth == 700)
        let long = try Fixtures.tonePlots(frames: 5_000).spectrogramSpec()
        #expect(long.plotWidth == 1000 && long.values.count == 1000 * 257)
    }

    @Test func toneRowHasTheTopColourAndFarRowsTheBottomColour() throws {
        let plots = try Fixtures.tonePlots()
        let (image, layout) = try plots.render(plots.spectrogramSpec())
        let bins = Fixtures.fftSize / 2 + 1
        let toneRow = Fixtures.imageRow(forBin: Fixtures.toneBin, bins: bins, layout: layout)
        let farRow = Fixtures.imageRow(forBin: 200, bins: bins, layout: layout)
        for x in [layout.plotX, layout.plotX + layout.plotWidth / 2, layout.plotX + layout.plotWidth - 1] {
            #expect(image.pixel(x: x, y: toneRow) == ColorMap.standard.top)
            #expect(image.pixel(x: x, y: farRow) == ColorMap.standard.bottom)
        }
        // Low frequencies are at the bottom: the tone (bin 32 of 257) lies in the lowest sixth.
        #expect(toneRow > layout.plotY + layout.plotHeight * 5 / 6)
        // Each frequency tick sits at the row of its bin (kHz axis; bin spacing 31.25 Hz).
        let spec = plots.spectrogramSpec()
        #expect(spec.yLabel == "frequency (kHz)")
        #expect(spec.yTicks.count >= 4)
        for tick in spec.yTicks {
            let bin = try #require(Double(tick.label)) * 1000 / 31.25
            let row = Fixtures.imageRow(forBin: Int(bin.rounded()), bins: bins, layout: layout)
            #expect(abs(layout.y(atFraction: tick.fraction) - row) <= 1, "tick \(tick.label)")
        }
    }

    @Test func ensembleMasksAreTheMeanOfTheRunsMasks() throws {
        let a = try Fixtures.twoSourcePlots(power: 1)
        // A second run: the same sounds with the noise twice as loud, its sources in the other order.
        var h2 = a.activations
        for n in 0..<h2.columns { h2[1, n] *= 2 }
        let w2 = Matrix(rows: a.basis.rows, columns: 2, columnMajor: Array(a.basis.column(1)) + Array(a.basis.column(0)))
        var h2swapped = h2
        for n in 0..<h2.columns { h2swapped[0, n] = h2[1, n]; h2swapped[1, n] = h2[0, n] }
        let second = SeparationRun(factorization: NMFResult(basis: w2, activations: h2swapped, iterations: 0, divergenceHistory: []),
                                   groups: [[1], [0]], seed: 1)
        let b = try SeparationPlots(spectrogram: a.spectrogram, basis: w2, activations: h2swapped, groups: [[1], [0]], maskPower: 1,
                                    sampleRate: a.sampleRate, hop: a.hop, fftSize: a.fftSize)
        let both = try SeparationPlots(spectrogram: a.spectrogram, basis: a.basis, activations: a.activations, groups: a.groups,
                                       maskPower: 1, sampleRate: a.sampleRate, hop: a.hop, fftSize: a.fftSize, additionalRuns: [second])
        for s in 0..<2 {
            let ma = try a.maskSpec(source: s).values, mb = try b.maskSpec(source: s).values, m = try both.maskSpec(source: s).values
            for i in m.indices { #expect(abs(m[i] - (ma[i] + mb[i]) / 2) < 1e-5) }
            #expect(zip(ma, mb).contains { abs($0 - $1) > 0.05 }, "the runs' masks differ")
        }
        #expect(try both.maskSpec(source: 0).title.hasSuffix("mean of 2 runs)") && !(try a.maskSpec(source: 0).title.contains("runs")))
        let m0 = try both.maskSpec(source: 0).values, m1 = try both.maskSpec(source: 1).values
        for i in m0.indices { #expect(abs(m0[i] + m1[i] - 1) < 1e-5) }
        #expect(throws: PlotError.self) {
            var bad = second
            bad.groups = [[0, 1]]
            _ = try SeparationPlots(spectrogram: a.spectrogram, basis: a.basis, activations: a.activations, groups: a.groups,
                                    maskPower: 1, sampleRate: a.sampleRate, hop: a.hop, fftSize: a.fftSize, additionalRuns: [bad])
        }
    }

    @Test func spatialMasksAreTheMeanOfTheChannelsMasks() throws {
        let a = try Fixtures.twoSourcePlots(power: 1)
        // Component 0 leans left (0.8 / 0.2), component 1 right (0.3 / 0.7): channel c's masks
        // are those of H with its rows scaled by the gains of c, and the figure is their mean.
        var q = Matrix(rows: 2, columns: 2)
        q[0, 0] = 0.8; q[1, 0] = 0.2; q[0, 1] = 0.3; q[1, 1] = 0.7
        let spatial = try SeparationPlots(spectrogram: a.spectrogram, basis: a.basis, activations: a.activations, groups: a.groups,
                                          maskPower: 1, sampleRate: a.sampleRate, hop: a.hop, fftSize: a.fftSize, channelGains: q)
        let channels = try (0..<2).map { c -> SeparationPlots in
            var h = a.activations
            for j in 0..<h.columns { for k in 0..<2 { h[k, j] *= q[c, k] } }
            return try SeparationPlots(spectrogram: a.spectrogram, basis: a.basis, activations: h, groups: a.groups,
                                       maskPower: 1, sampleRate: a.sampleRate, hop: a.hop, fftSize: a.fftSize)
        }
        for s in 0..<2 {
            let m = try spatial.maskSpec(source: s).values
            let left = try channels[0].maskSpec(source: s).values, right = try channels[1].maskSpec(source: s).values
            for i in m.indices { #expect(abs(m[i] - (left[i] + right[i]) / 2) < 1e-5) }
            #expect(zip(left, right).contains { abs($0 - $1) > 0.05 }, "the channels' masks differ")
        }
        #expect(try spatial.maskSpec(source: 0).title.hasSuffix("mean of 2 channels)"))
        #expect(throws: PlotError.self) {
            _ = try SeparationPlots(spectrogram: a.spectrogram, basis: a.basis, activations: a.activations, groups: a.groups,
                                    maskPower: 1, sampleRate: a.sampleRate, hop: a.hop, fftSize: a.fftSize,
                                    channelGains: Matrix(rows: 2, columns: 3, repeating: 0.5))
        }
    }

    @Test func masksOfComplementarySourcesSumToOne() throws {
        let plots = try Fixtures.twoSourcePlots()
        let m0 = try plots.maskSpec(source: 0), m1 = try plots.maskSpec(source: 1)
        for i in m0.values.indices { #expect(abs(m0.values[i] + m1.values[i] - 1) < 1e-5) }
        let (image, layout) = try plots.render(m0)
        let bins = Fixtures.fftSize / 2 + 1
        let row = Fixtures.imageRow(forBin: Fixtures.toneBin, bins: bins, layout: layout)
        let early = layout.plotX + 10, late = layout.plotX + layout.plotWidth - 10
        let value = { (x: Int) in m0.values[(row - layout.plotY) * layout.plotWidth + x - layout.plotX] }
        #expect(value(early) > 0.99)   // the tone dominates its bin while active
        #expect(value(late) < 0.01)    // and is silent later
        #expect(image.pixel(x: early, y: row) == ColorMap.standard.color(value(early)))
        let (image1, _) = try plots.render(m1)
        #expect(image1.pixel(x: early, y: row) == ColorMap.standard.color(1 - value(early)))
    }

    @Test func allLabelsAreCoveredByTheFont() throws {
        for plots in [try Fixtures.twoSourcePlots(), try Fixtures.tonePlots(frames: 50_000)] {
            var specs = [plots.spectrogramSpec(), plots.templatesSpec(), plots.activationsSpec()]
            for s in plots.groups.indices { specs.append(try plots.maskSpec(source: s)) }
            for text in specs.flatMap(\.allText) { #expect(BitmapFont.covers(text), "'\(text)'") }
        }
    }

    @Test func invalidInputsThrow() throws {
        let v = Matrix(rows: 257, columns: 10, repeating: 1), w = Matrix(rows: 257, columns: 3, repeating: 1)
        let h = Matrix(rows: 3, columns: 10, repeating: 1)
        func make(_ v: Matrix = v, _ w: Matrix = w, _ h: Matrix = h, groups: [[Int]] = [[0, 2], [1]],
                  power: Float = 2, rate: Int = 16_000, hop: Int = 128, fft: Int = 512) throws -> SeparationPlots {
            try SeparationPlots(spectrogram: v, basis: w, activations: h, groups: groups, maskPower: power,
                                sampleRate: rate, hop: hop, fftSize: fft)
        }
        _ = try make()
        let bad: [(String, () throws -> SeparationPlots)] = [
            ("basis.rows", { try make(v, Matrix(rows: 256, columns: 3)) }),
            ("activations.rows", { try make(v, w, Matrix(rows: 2, columns: 10)) }),
            ("activations.columns", { try make(v, w, Matrix(rows: 3, columns: 11)) }),
            ("spectrogram.rows", { try make(fft: 256) }),
            ("groups", { try make(groups: [[0], [1]]) }),
            ("groups[1]", { try make(groups: [[0, 1], [1, 2]]) }),
            ("groups[0]", { try make(groups: [[0, 3], [1, 2]]) }),
            ("groups[1]", { try make(groups: [[0, 1, 2], []]) }),
            ("maskPower", { try make(power: 0) }),
            ("maskPower", { try make(power: .nan) }),
            ("maskPower", { try make(power: .infinity) }),
            ("sampleRate", { try make(rate: 0) }),
            ("hop", { try make(hop: -1) }),
            ("fftSize", { try make(fft: 0) }),
        ]
        for (name, build) in bad {
            do {
                _ = try build()
                Issue.record("\(name): no error")
            } catch let error as PlotError {
                guard case .invalidParameter(let n, _, _) = error else { Issue.record("\(error)"); continue }
                #expect(n == name, "\(error)")
            }
        }
        let plots = try make()
        for s in [-1, 2] {
            #expect(throws: PlotError.invalidParameter(name: "source", value: "\(s)", allowed: "0..<2 (zero-based)")) {
                try plots.writeMask(source: s, to: "/tmp/never-written.png")
            }
        }
    }

    @Test func emptyZeroAndNonFiniteInputsGiveUniformImages() throws {
        let empty = try SeparationPlots(spectrogram: Matrix(rows: 0, columns: 0), basis: Matrix(rows: 0, columns: 0),
                                        activations: Matrix(rows: 0, columns: 0), groups: [], maskPower: 1,
                                        sampleRate: 8000, hop: 1, fftSize: 1)
        let zero = try SeparationPlots(spectrogram: Matrix(rows: 9, columns: 5), basis: Matrix(rows: 9, columns: 2),
                                       activations: Matrix(rows: 2, columns: 5), groups: [[1], [0]], maskPower: 2,
                                       sampleRate: 8000, hop: 4, fftSize: 16)
        var specs = [empty.spectrogramSpec(), empty.templatesSpec(), empty.activationsSpec(),
                     zero.spectrogramSpec(), zero.templatesSpec(), zero.activationsSpec()]
        specs.append(try zero.maskSpec(source: 0))
        for spec in specs {
            let (image, layout) = try zero.render(spec)
            let first = image.pixel(x: layout.plotX, y: layout.plotY)
            #expect(spec.values.allSatisfy { $0 == spec.values.first }, "\(spec.title)")
            let last = image.pixel(x: layout.plotX + layout.plotWidth - 1, y: layout.plotY + layout.plotHeight - 1)
            #expect(last == first, "\(spec.title)")
        }
        #expect(try zero.maskSpec(source: 1).values.allSatisfy { $0 == 0.5 })

        var v = Matrix(rows: 9, columns: 5, repeating: 1)
        v[0, 0] = .nan; v[1, 1] = .infinity; v[2, 2] = -.infinity; v[3, 3] = -5
        var w = Matrix(rows: 9, columns: 2, repeating: 1)
        w[4, 0] = .nan; w[5, 1] = .greatestFiniteMagnitude
        var h = Matrix(rows: 2, columns: 5, repeating: 1)
        h[0, 2] = .infinity; h[1, 3] = .greatestFiniteMagnitude
        let odd = try SeparationPlots(spectrogram: v, basis: w, activations: h, groups: [[0], [1]], maskPower: 3,
                                      sampleRate: 8000, hop: 4, fftSize: 16)
        var oddSpecs = [odd.spectrogramSpec(), odd.templatesSpec(), odd.activationsSpec()]
        oddSpecs += [try odd.maskSpec(source: 0), try odd.maskSpec(source: 1)]
        for spec in oddSpecs { #expect(spec.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, "\(spec.title)") }
        _ = try odd.render(oddSpecs[0])
    }

    @Test func longInputsArePooledKeepingShortEvents() throws {
        // 20,000 frames, one click frame in the middle: max-pooling must keep it visible.
        var v = Matrix(rows: 65, columns: 20_000, repeating: 1e-6)
        for f in 0..<65 { v[f, 12_345] = 1 }
        let w = Matrix(rows: 65, columns: 1, repeating: 1), h = Matrix(rows: 1, columns: 20_000, repeating: 1)
        let plots = try SeparationPlots(spectrogram: v, basis: w, activations: h, groups: [[0]], maskPower: 1,
                                        sampleRate: 8000, hop: 32, fftSize: 128)
        let spec = plots.spectrogramSpec()
        #expect(spec.plotWidth == 1000 && spec.plotHeight == 240)
        let column = 12_345 * 1000 / 20_000
        #expect(spec.values[100 * spec.plotWidth + column] == 1)
        #expect(spec.values[100 * spec.plotWidth + column + 2] == 0)
    }

    @Test func manySourcesAndExtremeScalesStillRender() throws {
        let k = 30, frames = 7, bins = 5
        let v = Matrix(rows: bins, columns: frames, repeating: 1)
        let w = Matrix(rows: bins, columns: k, repeating: 1), h = Matrix(rows: k, columns: frames, repeating: 1)
        for (rate, hop, fft) in [(1, Int.max / 8, 8), (Int.max, 1, 8), (8000, 1, Int.max)] {
            let plots = try SeparationPlots(spectrogram: v, basis: w, activations: h, groups: (0..<k).map { [$0] },
                                            maskPower: 1e-3, sampleRate: rate, hop: hop, fftSize: fft)
            let specs = [plots.spectrogramSpec(), plots.templatesSpec(), plots.activationsSpec(),
                         try plots.maskSpec(source: 29)]
            for spec in specs {
                let (image, layout) = try plots.render(spec)
                #expect(image.width == layout.width && image.height < 2000, "\(spec.title)")
            }
            #expect(specs[2].legend.count == 20 && specs[2].legend.last?.0 == "+11 more")
        }
    }
}
