import Testing
import Foundation
import NMFSeparation
import _TestSupport
@testable import NMFSeparateCLI

/// File names that are not UTF-8: Swift would read them with U+FFFD in place of each bad
/// byte and open another name, so they are refused by name instead of silently skipped.
@Suite struct NonUTF8NameTests {
    @Test func argumentsThatAreNotUTF8AreNamed() {
        let good = strdup("mix.wav"), bad = strdup("bad\u{7F}"), program = strdup("nmf-separate")
        defer { free(good); free(bad); free(program) }
        bad![2] = CChar(bitPattern: 0xFF)
        var argv: [UnsafeMutablePointer<CChar>?] = [program, good, bad, nil]
        let message = argv.withUnsafeMutableBufferPointer { CLI.undecodableArgument($0.baseAddress!, count: 3) }
        #expect(message?.contains("argument 2 ('ba\\xFF\\x7F') is not valid UTF-8") == true, "\(message ?? "nil")")
        // A label is not a file name: no file to rename.
        let option = strdup("--label")
        defer { free(option) }
        var labelled: [UnsafeMutablePointer<CChar>?] = [program, option, bad, nil]
        let labelMessage = labelled.withUnsafeMutableBufferPointer { CLI.undecodableArgument($0.baseAddress!, count: 3) }
        #expect(labelMessage?.contains("argument 2 ('ba\\xFF\\x7F'), the --label value, is not valid UTF-8 (allowed: UTF-8 text)") == true, "\(labelMessage ?? "nil")")
        var fine: [UnsafeMutablePointer<CChar>?] = [program, good, nil]
        #expect(fine.withUnsafeMutableBufferPointer { CLI.undecodableArgument($0.baseAddress!, count: 2) } == nil)
    }

    @Test func directoryScansReportNamesThatAreNotUTF8() throws {
        let dir = try TestSupport.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(dir)/in", withIntermediateDirectories: true)
        let tone: [Float] = (0..<16_000).map { (i: Int) -> Float in Float(sin(Double(i) * 0.05) * 0.3 + sin(Double(i) * 0.7) * 0.1) }
        try TestSupport.write(AudioBuffer(channels: [tone], sampleRate: 16_000), to: "\(dir)/in/good.wav", format: .wavFloat)
        // Copy it under a name with the byte 0xFE, through the C library (Swift strings cannot hold it).
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/in/good.wav"))
        var name: [UInt8] = Array("\(dir)/in/x".utf8)
        name.append(0xFE)
        name += Array(".wav".utf8)
        name.append(0)
        let fd = name.withUnsafeMutableBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
        #expect(fd >= 0)
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, data.count) }
        close(fd)
        let r = try CLIRunner.run(["\(dir)/in", "--sources", "2", "-o", "\(dir)/out", "--iterations", "3"])
        #expect(r.status == 1 && r.stderr.contains("not valid UTF-8") && r.stderr.contains("1 of 2 files failed"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/out/good/source_1.wav"))
    }
}
