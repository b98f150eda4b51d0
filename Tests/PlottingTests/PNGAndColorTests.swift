import Foundation
import Testing
@testable import Plotting

@Suite struct PNGAndColorTests {
    @Test func pngRoundTripKeepsEveryPixel() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var image = try RGBImage(width: 37, height: 11, background: RGBColor(10, 20, 30))
        image.fillRect(x: 3, y: 2, width: 5, height: 4, RGBColor(200, 100, 50))
        image.setPixel(x: 36, y: 10, RGBColor(1, 2, 3))
        image.drawText("Hz", x: 10, y: 1, scale: 1)
        let path = dir.appendingPathComponent("a.png").path
        try PNGFile.write(image, to: path)
        let back = try PNGFile.read(from: path)
        #expect(back == image)
    }

    @Test func unwritablePathThrowsNamingThePath() throws {
        let image = try RGBImage(width: 4, height: 4)
        let path = "/nonexistent-directory-\(UUID().uuidString)/figure.png"
        #expect(throws: PlotError.self) { try PNGFile.write(image, to: path) }
        do {
            try PNGFile.write(image, to: path)
        } catch let error as PlotError {
            guard case .writeFailed(let p, let message) = error else { Issue.record("wrong case \(error)"); return }
            #expect(p == path)
            #expect(!message.isEmpty)
            #expect(error.description.contains(path))
        }
    }

    @Test func unreadableFileThrowsNamingThePath() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("not.png").path
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PlotError.self) { _ = try PNGFile.read(from: path) }
        do { _ = try PNGFile.read(from: path) } catch { #expect("\(error)".contains(path)) }
        #expect(throws: PlotError.self) { _ = try PNGFile.read(from: dir.appendingPathComponent("missing.png").path) }
    }

    @Test func imageSizeIsValidated() {
        #expect(throws: PlotError.self) { _ = try RGBImage(width: 0, height: 5) }
        #expect(throws: PlotError.self) { _ = try RGBImage(width: 5, height: -1) }
        #expect(throws: PlotError.self) { _ = try RGBImage(width: RGBImage.maximumDimension + 1, height: 5) }
    }

    @Test func drawingOutsideTheRasterIsClipped() throws {
        var image = try RGBImage(width: 8, height: 8)
        image.fillRect(x: -100, y: -100, width: Int.max, height: 103, .black)
        image.horizontalLine(x0: -5, x1: 50, y: 7, .black)
        image.drawText("Wide text far outside", x: 5, y: 5, scale: 8)
        image.setPixel(x: 8, y: 0, .black)
        #expect(image.pixel(x: 0, y: 0) == .black)
        #expect(image.pixel(x: 8, y: 0) == nil)
    }

    @Test func colorMapLuminanceIsMonotone() {
        let map = ColorMap.standard
        #expect(map.table.count == 256)
        for i in 1..<256 { #expect(map.table[i].luma >= map.table[i - 1].luma, "entry \(i)") }
        #expect(map.top.luma - map.bottom.luma > 200)
        // Dark purple at the bottom (blue and red above green), light yellow at the top (blue lowest).
        #expect(map.bottom.b > map.bottom.g && map.bottom.r > map.bottom.g)
        #expect(map.top.b < map.top.r && map.top.b < map.top.g)
    }

    @Test func colorLookupIsSafeForAnyValue() {
        let map = ColorMap.standard
        #expect(map.color(.nan) == map.bottom)
        #expect(map.color(-.infinity) == map.bottom)
        #expect(map.color(.infinity) == map.top)
        #expect(map.color(1) == map.top)
        #expect(map.color(0) == map.bottom)
        #expect(map.color(2) == map.top)
    }

    @Test func cubehelixRefusesNonFiniteOrOutOfRangeParameters() throws {
        #expect(try ColorMap(cubehelixStart: 3.2, rotations: 0.45, hue: 2.0, gamma: 1.0, lightness: 0.06...0.94) == .standard)
        func name(_ body: () throws -> ColorMap) -> String? {
            do { _ = try body() } catch let PlotError.invalidParameter(name, _, _) { return name } catch { return "\(error)" }
            return nil
        }
        #expect(name { try ColorMap(cubehelixStart: .nan, rotations: 0.45, hue: 2, gamma: 1) } == "cubehelix start")
        #expect(name { try ColorMap(cubehelixStart: 1, rotations: -.infinity, hue: 2, gamma: 1) } == "cubehelix rotations")
        #expect(name { try ColorMap(cubehelixStart: 1, rotations: 0.45, hue: .infinity, gamma: 1) } == "cubehelix hue")
        #expect(name { try ColorMap(cubehelixStart: 1, rotations: 0.45, hue: -1, gamma: 1) } == "cubehelix hue")
        #expect(name { try ColorMap(cubehelixStart: 1, rotations: 0.45, hue: 2, gamma: .nan) } == "cubehelix gamma")
        #expect(name { try ColorMap(cubehelixStart: 1, rotations: 0.45, hue: 2, gamma: -1) } == "cubehelix gamma")
        #expect(name { try ColorMap(cubehelixStart: 1, rotations: 0.45, hue: 2, gamma: 1, lightness: 0...Double.infinity) } == "cubehelix lightness")
        #expect(throws: PlotError.invalidParameter(name: "cubehelix gamma", value: "nan", allowed: "a finite number > 0")) {
            try ColorMap(cubehelixStart: 1, rotations: 0.45, hue: 2, gamma: .nan)
        }
        // Finite but extreme parameters overflow the helix angle to NaN: clamped, not trapped.
        let extreme = try ColorMap(cubehelixStart: 1e308, rotations: 1e308, hue: 1e308, gamma: 1e-300,
                                   lightness: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        #expect(extreme.table.count == 256)
    }

    @Test func linesAndTextAtExtremeCoordinatesClipWithoutTrapping() throws {
        var image = try RGBImage(width: 8, height: 6)
        let red = RGBColor(255, 0, 0)
        image.horizontalLine(x0: Int.min, x1: 0, y: 1, red)
        #expect(image.pixel(x: 0, y: 1) == red && image.pixel(x: 1, y: 1) == .white)
        image.horizontalLine(x0: Int.max, x1: Int.min, y: 2, red)
        #expect((0..<8).allSatisfy { image.pixel(x: $0, y: 2) == red })
        image.verticalLine(x: 1, y0: Int.max, y1: -2, red)
        #expect((0..<6).allSatisfy { image.pixel(x: 1, y: $0) == red })
        image.verticalLine(x: 3, y0: Int.min, y1: Int.min + 1, red)
        #expect((0..<6).allSatisfy { image.pixel(x: 3, y: $0) == ($0 == 2 ? red : .white) })
        let before = image
        image.drawText("AB", x: Int.max, y: 0)
        image.drawText("AB", x: Int.min, y: Int.max, rotated: true)
        image.drawText("AB", x: 0, y: Int.min, scale: 8, rotated: true)
        #expect(image == before)
        // In-range lines are unchanged: both ends inclusive, in either order.
        var a = try RGBImage(width: 8, height: 6), b = a
        a.horizontalLine(x0: 5, x1: 2, y: 3, red)
        b.fillRect(x: 2, y: 3, width: 4, height: 1, red)
        #expect(a == b)
    }

    @Test func sourcePaletteColoursAreDistinct() {
        let colors = SourcePalette.colors
        #expect(Set(colors).count == colors.count)
        #expect(SourcePalette.color(colors.count) == colors[0])
        #expect(SourcePalette.color(-1) == colors.last)
    }

    @Test func fontCoversTheRequiredCharacters() {
        let required = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .,:-+()/%_="
        for ch in required { #expect(BitmapFont.covers(String(ch)), "missing glyph '\(ch)'") }
        #expect(!BitmapFont.covers("é"))
        for ch in required where ch != " " {
            #expect(BitmapFont.glyph(ch).contains { $0 != 0 }, "glyph '\(ch)' is blank")
        }
    }
}
