import Testing
import Foundation
@testable import AudioIO
import _TestSupport

/// Readers opened on several threads at once (batch `--jobs`) must leave stderr as it was:
/// each open points descriptor 2 at /dev/null for a moment and puts it back.
@Suite struct StandardErrorTests {
    /// (device, inode) of what descriptor 2 refers to.
    static func identity() -> (UInt64, UInt64) {
        var st = stat()
        fstat(2, &st)
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    @Test func concurrentOpensRestoreStandardError() throws {
        let before = Self.identity()
        let path = TestSupport.audio("speech_sms_male.wav")
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 { _ = try? SoundFileReader(path: path) }
        }
        let after = Self.identity()
        #expect(before == after, "stderr now refers to \(after), was \(before)")
    }
}
