/// Path-name arithmetic on plain strings, for the parts Foundation gets wrong on Linux:
/// `NSString.deletingLastPathComponent` traps (SIGILL) on some short paths such as `s`, `.`
/// and `s/`, which are ordinary user input (`-o s`, a missing input `x`).
enum PathName {
    /// The directory part of `path`, as `deletingLastPathComponent` defines it: trailing
    /// slashes are ignored, then everything from the last slash on is dropped (with the
    /// slashes before it), and a path directly under the root keeps the root.
    ///
    /// `a/b` → `a`, `a//b/` → `a`, `/s` → `/`, `/` → `/`, `s` → `""`, `s/` → `""`, `.` → `""`,
    /// `./s` → `.`. Works on the UTF-8 bytes, so a slash followed by a combining mark is still
    /// a separator, as it is for the kernel. O(length).
    static func parent(of path: String) -> String {
        let slash = UInt8(ascii: "/")
        let bytes = Array(path.utf8)
        var end = bytes.count
        while end > 1, bytes[end - 1] == slash { end -= 1 }
        if end == 1, bytes[0] == slash { return "/" }
        guard let last = bytes[..<end].lastIndex(of: slash) else { return "" }
        var head = last
        while head > 0, bytes[head - 1] == slash { head -= 1 }
        return head == 0 ? "/" : String(decoding: bytes[..<head], as: UTF8.self)
    }

    /// The directory that holds `path`: its `parent`, or `.` for a bare name (`s` → `.`).
    static func directory(of path: String) -> String {
        let parent = parent(of: path)
        return parent.isEmpty ? "." : parent
    }
}
