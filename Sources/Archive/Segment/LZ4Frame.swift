import CLZ4

/// One LZ4 frame (the standard lz4 frame format): compression of a payload, and decoding
/// of the frame that starts at a given place in a buffer.
///
/// Frames carry their content size and a content checksum, so `lz4 -t` validates them and
/// a reader knows how much to allocate.
enum LZ4Frame {
    /// Compresses `payload` into one frame. Levels 0-2 use the fast compressor; 3-12 are
    /// LZ4-HC levels (smaller, slower to write, as fast to read).
    static func compress(_ payload: [UInt8], level: Int32) -> [UInt8] {
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.blockSizeID = LZ4F_max64KB
        prefs.frameInfo.blockMode = LZ4F_blockLinked
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.frameType = LZ4F_frame
        prefs.frameInfo.contentSize = UInt64(payload.count)
        prefs.compressionLevel = level
        let bound = LZ4F_compressFrameBound(payload.count, &prefs)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            payload.withUnsafeBytes { src in
                LZ4F_compressFrame(dst.baseAddress, bound, src.baseAddress, payload.count, &prefs)
            }
        }
        // Compression into a buffer of the library's own bound cannot fail.
        precondition(LZ4F_isError(written) == 0, "LZ4F_compressFrame failed")
        out.removeLast(out.count - written)
        return out
    }

    /// The outcome of decoding the frame at the start of a buffer.
    enum Decoded {
        /// A whole, valid frame: its payload and its length in the buffer.
        case frame(payload: [UInt8], length: Int)
        /// The buffer ends inside the frame (a torn write).
        case incomplete
        /// The bytes are not a valid frame (bad magic, bad checksum, corrupt block).
        case invalid(String)
    }

    /// The largest frame payload a reader accepts, so a damaged header cannot make it
    /// allocate without bound.
    static let maxPayload = 64 << 20

    /// A decompression context, kept by a scanner across the frames it reads: making one
    /// per frame cost an allocation of its buffers each time. One thread at a time.
    final class Decompressor {
        fileprivate let context: OpaquePointer

        init?() {
            var ctx: OpaquePointer?
            guard LZ4F_isError(LZ4F_createDecompressionContext(&ctx, UInt32(LZ4F_VERSION))) == 0, let ctx else { return nil }
            context = ctx
        }

        deinit { LZ4F_freeDecompressionContext(context) }
    }

    /// Decodes the frame at the start of `buffer` with a context of its own.
    static func decode(_ buffer: UnsafeRawBufferPointer) -> Decoded {
        guard let decompressor = Decompressor() else { return .invalid("cannot create an LZ4 decompression context") }
        return decode(buffer, with: decompressor)
    }

    /// Decodes the frame at the start of `buffer` with `decompressor`, reset first.
    static func decode(_ buffer: UnsafeRawBufferPointer, with decompressor: Decompressor) -> Decoded {
        guard buffer.count >= 7 else {
            // Too short for a header; a torn write if it starts like a frame.
            let magic: [UInt8] = [0x04, 0x22, 0x4D, 0x18]
            return zip(buffer, magic).allSatisfy { $0 == $1 } ? .incomplete : .invalid("not an LZ4 frame")
        }
        let ctx = decompressor.context
        LZ4F_resetDecompressionContext(ctx)
        var info = LZ4F_frameInfo_t()
        var consumed = buffer.count
        let headerResult = LZ4F_getFrameInfo(ctx, &info, buffer.baseAddress, &consumed)
        if LZ4F_isError(headerResult) != 0 {
            let name = String(cString: LZ4F_getErrorName(headerResult))
            // A header cut short by the end of the buffer is a torn write, not damage.
            if name.contains("frameHeader_incomplete") || name.contains("srcSize_tooSmall") { return .incomplete }
            return .invalid(name)
        }
        guard info.contentSize <= UInt64(maxPayload) else {
            return .invalid("frame declares \(info.contentSize) bytes of content")
        }
        var outcome = Decoded.incomplete
        // Not zero-filled first: the decoder writes every byte, or the payload is dropped.
        let payload = [UInt8](unsafeUninitializedCapacity: Int(info.contentSize)) { dst, initialized in
            var srcOffset = consumed
            var dstOffset = 0
            initialized = 0
            while true {
                var srcSize = buffer.count - srcOffset
                var dstSize = dst.count - dstOffset
                let hint = LZ4F_decompress(
                    ctx, dst.baseAddress.map { $0 + dstOffset }, &dstSize, buffer.baseAddress.map { $0 + srcOffset }, &srcSize, nil)
                if LZ4F_isError(hint) != 0 {
                    outcome = .invalid(String(cString: LZ4F_getErrorName(hint)))
                    return
                }
                srcOffset += srcSize
                dstOffset += dstSize
                if hint == 0 {
                    guard dstOffset == dst.count else {
                        outcome = .invalid("frame content shorter than declared")
                        return
                    }
                    initialized = dst.count
                    outcome = .frame(payload: [], length: srcOffset)
                    return
                }
                if srcOffset >= buffer.count { return }  // incomplete
                if srcSize == 0 && dstSize == 0 {
                    outcome = .invalid("LZ4 decoder made no progress")
                    return
                }
            }
        }
        guard case .frame(_, let length) = outcome else { return outcome }
        return .frame(payload: payload, length: length)
    }
}
