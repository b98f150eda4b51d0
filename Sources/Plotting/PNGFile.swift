import CPNG
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes 8-bit RGB PNG files through libpng's simplified API
/// (`png_image_*`), which reports errors through `png_image.message` instead of longjmp.
public enum PNGFile {
    /// Writes `image` to exactly `path` (the caller chooses temporary names and renames).
    /// - Parameters:
    ///   - image: the raster, `width × height` RGB8.
    ///   - path: the file to create or overwrite.
    /// - Throws: `PlotError.writeFailed` with the path and libpng's message.
    public static func write(_ image: RGBImage, to path: String) throws {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = png_uint_32(PNG_FORMAT_RGB)
        errno = 0
        let ok = image.pixels.withUnsafeBytes { buffer in
            png_image_write_to_file(&png, path, 0, buffer.baseAddress, png_int_32(3 * image.width), nil)
        }
        let cause = errno
        let message = Self.message(of: &png)
        png_image_free(&png)
        guard ok != 0 else {
            // libpng says "Write Error" for a full disk; the system's reason says which.
            let reason = (message.isEmpty ? "libpng reported failure" : message)
                + (cause != 0 && message == "Write Error" ? " (\(String(cString: strerror(cause))))" : "")
            throw PlotError.writeFailed(path: path, message: reason)
        }
    }

    /// Reads a PNG file of any colour type as RGB8 (alpha composited on white).
    /// - Parameter path: the file to read.
    /// - Returns: the raster.
    /// - Throws: `PlotError.readFailed` with the path and libpng's message (or the size limit).
    public static func read(from path: String) throws -> RGBImage {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&png, path) != 0 else {
            let message = Self.message(of: &png)
            png_image_free(&png)
            throw PlotError.readFailed(path: path, message: message)
        }
        let width = Int(png.width), height = Int(png.height)
        let limit = RGBImage.maximumDimension
        guard (1...limit).contains(width), (1...limit).contains(height) else {
            png_image_free(&png)
            throw PlotError.readFailed(path: path, message: "size \(width) × \(height) exceeds 1...\(limit) per side")
        }
        png.format = png_uint_32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: 3 * width * height)
        var background = png_color(red: 255, green: 255, blue: 255)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&png, &background, buffer.baseAddress, png_int_32(3 * width), nil)
        }
        let message = Self.message(of: &png)
        png_image_free(&png)
        guard ok != 0 else { throw PlotError.readFailed(path: path, message: message) }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// libpng's NUL-terminated message buffer as a Swift string.
    private static func message(of png: inout png_image) -> String {
        withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
