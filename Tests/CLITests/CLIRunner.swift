import Foundation
import _TestSupport

/// Runs the built `nmf-separate` binary.
enum CLIRunner {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var stderrLines: [Substring] { stderr.split(separator: "\n") }
    }

    static let binary: String = {
        let fm = FileManager.default
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("nmf-separate").path]
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().appendingPathComponent("nmf-separate").path) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("nmf-separate").path)
        for c in ["debug", "release"] { candidates.append(TestSupport.packageRoot.appendingPathComponent(".build/\(c)/nmf-separate").path) }
        return candidates.first { fm.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    @discardableResult
    static func run(_ arguments: [String], in directory: String? = nil, executable: String? = nil,
                    environment: [String: String]? = nil) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? binary)
        if let environment { p.environment = environment }
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs the binary under a file-size limit (`ulimit -f blocks`, 512-byte blocks).
    static func run(_ arguments: [String], fileSizeLimit blocks: Int) throws -> Outcome {
        try run(["-c", "ulimit -f \(blocks); exec \"$0\" \"$@\"", binary] + arguments, executable: "/bin/sh")
    }

    /// Every entry (file or directory) below `directory`, relative paths, sorted.
    static func entries(under directory: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
        var out: [String] = []
        while let f = e.nextObject() as? String { out.append(f) }
        return out.sorted()
    }

    /// Every regular file below `directory`, relative paths, sorted.
    static func files(under directory: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
        var out: [String] = []
        while let f = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(directory)/\(f)", isDirectory: &isDir), !isDir.boolValue { out.append(f) }
        }
        return out.sorted()
    }

    /// A fresh temporary directory holding `mix.wav`: 32 000 samples of sms-tools female speech
    /// (44.1 kHz, 16-bit), the input of the figure and factor tests.
    static func speechInput() throws -> (directory: String, input: String) {
        let dir = try TestSupport.temporaryDirectory()
        let input = "\(dir)/mix.wav"
        try TestSupport.write(try TestSupport.excerpt("speech_sms_female.wav", frames: 32_000), to: input, format: .wav16)
        return (dir, input)
    }
}
