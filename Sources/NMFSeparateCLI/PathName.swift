/// Path-name arithmetic on plain strings, for the parts Foundation gets wrong on Linux:
/// `NSString.deletingLastPathComponent` traps (SIGILL) on some short paths such as `s`, `.`
/// and `s/`, which are ordinary user input (`-o s`, a missing input `x`).
enum PathName {
    /// The directory part of `path`, as `deletingLastPathComponent` defines it: trailing
    /// slashes are ignored, then everything from the last slash on is dropped (with the
    /// slashes before it), and a path directly under the root keeps the root.
    ///
    /// `a/b` → `a`, `a//b/` → `a`, `/s` → `/`, `/` → `/`, `s` → `""`, `s/` → `""`, `.` → `""`,
    /// `./s` → `.`. O(length).
    static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        if p == "/" { return "/" }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        var head = p[..<slash]
        while head.hasSuffix("/") { head = head.dropLast() }
        return head.isEmpty ? "/" : String(head)
    }
}
