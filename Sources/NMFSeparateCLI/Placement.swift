import Foundation

/// Moving a finished file into place without replacing one that appeared meanwhile.
enum Placement {
    /// Moves `temporary` to `destination` unless `destination` exists: `link` then `unlink`,
    /// which fails with EEXIST instead of replacing; on a file system without hard links (vfat,
    /// exFAT, some FUSE and SMB mounts: EPERM, ENOTSUP, ENOSYS, EMLINK) a `rename` after
    /// checking that `destination` is absent (there a file appearing in between is replaced).
    /// A failed `unlink` of the temporary name after a successful link is not a failure.
    /// - Returns: nil when moved, else the errno (EEXIST when `destination` exists).
    static func moveWithoutReplacing(_ temporary: String, to destination: String) -> Int32? {
        if link(temporary, destination) == 0 {
            unlink(temporary)
            return nil
        }
        let error = errno
        guard [EPERM, ENOTSUP, ENOSYS, EMLINK].contains(error) else { return error }
        var info = stat()
        if lstat(destination, &info) == 0 { return EEXIST }
        return rename(temporary, destination) == 0 ? nil : errno
    }
}
