import Testing
import Foundation
@testable import NMFSeparateCLI
import _TestSupport

/// Path arithmetic and the all-or-nothing commit of `OutputPlan`.
@Suite struct OutputPlanTests {
    /// `PathName.parent` gives what `NSString.deletingLastPathComponent` gives where that does
    /// not trap, and the same rule where it does (`s`, `.`, `s/`).
    @Test func parentFollowsFoundationsRule() {
        let cases: [(String, String)] = [
            ("a/b", "a"), ("a//b/", "a"), ("/s", "/"), ("/", "/"), ("//", "/"), ("s", ""), ("s/", ""), ("s//", ""),
            (".", ""), ("./s", "."), ("../x", ".."), ("a/b/c", "a/b"), ("/a/b", "/a"), ("//tmp/x", "//tmp"), ("", ""),
            ("dir/\u{301}x", "dir"), ("é/ü", "é"),
        ]
        for (path, parent) in cases { #expect(PathName.parent(of: path) == parent, "\(path)") }
        for (path, _) in cases where !["s", ".", "s/", "s//", "", "dir/\u{301}x", "//", "//tmp/x"].contains(path) {
            #expect(PathName.parent(of: path) == (path as NSString).deletingLastPathComponent, "\(path)")
        }
    }

    /// A plan whose second move fails leaves the directory as it was: the first output's old
    /// content back in place, nothing new, no hidden files.
    @Test(arguments: ["missing temporary file", "directory in the way"])
    func aFailedForcedCommitRestoresThePreviousOutputs(failure: String) throws {
        let dir = try TestSupport.temporaryDirectory()
        let out = "\(dir)/out/key"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "old a".write(toFile: "\(out)/a.txt", atomically: false, encoding: .utf8)
        try "old b".write(toFile: "\(out)/b.txt", atomically: false, encoding: .utf8)
        let plan = try OutputPlan(input: "\(dir)/in.wav", outputRoot: "\(dir)/out", outputKey: "key", names: ["a.txt", "b.txt"], force: true)
        try "new a".write(toFile: plan.temporaryPaths[0], atomically: false, encoding: .utf8)
        try "new b".write(toFile: plan.temporaryPaths[1], atomically: false, encoding: .utf8)
        if failure == "missing temporary file" {
            try FileManager.default.removeItem(atPath: plan.temporaryPaths[1])
        } else {
            try FileManager.default.removeItem(atPath: "\(out)/b.txt")
            try FileManager.default.createDirectory(atPath: "\(out)/b.txt/inside", withIntermediateDirectories: true)
        }
        #expect(throws: CLIError.self) { try plan.commit() }
        #expect(try String(contentsOfFile: "\(out)/a.txt", encoding: .utf8) == "old a")
        if failure == "missing temporary file" {
            #expect(try String(contentsOfFile: "\(out)/b.txt", encoding: .utf8) == "old b")
            #expect(CLIRunner.entries(under: out) == ["a.txt", "b.txt"])
        } else {
            #expect(CLIRunner.entries(under: out) == ["a.txt", "b.txt", "b.txt/inside"])
        }
    }

    /// The same with a commit that succeeds: the new outputs in place, the backups gone.
    @Test func aForcedCommitReplacesAndLeavesNoBackup() throws {
        let dir = try TestSupport.temporaryDirectory()
        let out = "\(dir)/out/key"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "old a".write(toFile: "\(out)/a.txt", atomically: false, encoding: .utf8)
        let plan = try OutputPlan(input: "\(dir)/in.wav", outputRoot: "\(dir)/out", outputKey: "key", names: ["a.txt", "b.txt"], force: true)
        for (i, p) in plan.temporaryPaths.enumerated() { try "new \(i)".write(toFile: p, atomically: false, encoding: .utf8) }
        try plan.commit()
        #expect(CLIRunner.entries(under: out) == ["a.txt", "b.txt"])
        #expect(try String(contentsOfFile: "\(out)/a.txt", encoding: .utf8) == "new 0")
    }
}
