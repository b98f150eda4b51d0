import Foundation
import _TestSupport

/// Shared builders for the plotting tests.
enum Fixtures {
    /// A fresh empty directory, removed when the test process exits.
    static func temporaryDirectory() throws -> URL {
        URL(fileURLWithPath: try TestSupport.temporaryDirectory())
    }
}
