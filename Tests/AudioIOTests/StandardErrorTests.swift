import Testing
import Foundation
@testable import AudioIO
import _TestSupport

/// Readers opened on several threads at once (batch `--jobs`) must leave stderr as it was:
/// each open points descriptor 2 at /dev/null for a moment and puts it back.
@Suite struct StandardErrorTests {
    /// (device, inode) of what descriptor 2 refers to, read under `StandardError.lock`: other
    /// tests running at the same time open readers too, and one of them may be inside its
    /// moment of /dev/null (a sample taken then failed a CI run).
    static func identity() -> (UInt64, UInt64) {
        StandardError.lock.withLock {
            var st = stat()
            fstat(2, &st)
            return (UInt64(st.st_dev), UInt64(st.st_ino))
        }
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
