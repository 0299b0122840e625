import CZlib

/// How an event payload is kept in the `events` table: the SQLite Archive
/// (`sqlar`) convention. `size` is the payload's length in bytes; when the
/// stored value is shorter than `size` it is a zlib stream (RFC 1950) of the
/// payload, otherwise it is the payload itself, as text. So the file reads
/// with stock tools: `sqlar_uncompress(payload, size)` in the sqlite3 shell,
/// `zlib.decompress(payload)` in Python when `length(payload) < size`.
///
/// Payloads under ``threshold`` bytes stay text, so observations, actions and
/// results read with plain SQL (`json_extract(payload, '$.observation.vitals.sbp')`);
/// the score card (8 KB of JSON, a quarter once compressed) and the rare long
/// payload are compressed. Compressing every observation too would save
/// another 4 KB an episode but cost a quarter of the recording speed
/// (measured: zlib's fastest level at 0.3–0.5 ms an episode). The compressor
/// and decompressor keep their zlib state between payloads, so compressing
/// one costs a reset, not an allocation. Not thread-safe: one per connection.
final class PayloadCodec {
    /// Payloads shorter than this are stored as text.
    static let threshold = 1024

    private var deflater = z_stream()
    private var inflater = z_stream()
    private var deflaterReady = false
    private var inflaterReady = false
    private var buffer: [UInt8] = []

    init() {}

    deinit {
        if deflaterReady { deflateEnd(&deflater) }
        if inflaterReady { inflateEnd(&inflater) }
    }

    /// The value to store for `payload`: compressed bytes, or nil to store the text itself.
    func compress(_ payload: String) -> [UInt8]? {
        var payload = payload
        return payload.withUTF8 { input -> [UInt8]? in
            guard input.count >= Self.threshold, input.count < Int(UInt32.max) else { return nil }
            if !deflaterReady {
                // Level 1, zlib's fastest: measured fastest on these payloads, within 3 % of level 6 in size.
                guard
                    deflateInit2_(
                        &deflater, 1, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY,
                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
                else { return nil }
                deflaterReady = true
            } else {
                deflateReset(&deflater)
            }
            let bound = Int(deflateBound(&deflater, uLong(input.count)))
            if buffer.count < bound { buffer = [UInt8](repeating: 0, count: bound) }
            let produced = buffer.withUnsafeMutableBufferPointer { out -> Int? in
                deflater.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                deflater.avail_in = uInt(input.count)
                deflater.next_out = out.baseAddress
                deflater.avail_out = uInt(out.count)
                guard deflate(&deflater, Z_FINISH) == Z_STREAM_END else { return nil }
                return out.count - Int(deflater.avail_out)
            }
            guard let produced, produced < input.count else { return nil }
            return Array(buffer[0..<produced])
        }
    }

    /// The payload text back from a stored value of `size` bytes, or nil when
    /// the value is not a zlib stream of exactly that many bytes.
    func decompress(_ stored: UnsafeRawBufferPointer, size: Int) -> String? {
        if stored.count == size { return String(decoding: stored, as: UTF8.self) }
        guard stored.count < size, size > 0, size < Int(UInt32.max) else { return nil }
        if !inflaterReady {
            guard inflateInit_(&inflater, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
            inflaterReady = true
        } else {
            inflateReset(&inflater)
        }
        // One byte of room beyond `size` tells a stream longer than declared from one of the right length.
        if buffer.count < size + 1 { buffer = [UInt8](repeating: 0, count: size + 1) }
        let ok = buffer.withUnsafeMutableBufferPointer { out -> Bool in
            inflater.next_in = UnsafeMutablePointer(mutating: stored.baseAddress?.assumingMemoryBound(to: UInt8.self))
            inflater.avail_in = uInt(stored.count)
            inflater.next_out = out.baseAddress
            inflater.avail_out = uInt(size + 1)
            return inflate(&inflater, Z_FINISH) == Z_STREAM_END && inflater.avail_in == 0 && Int(inflater.avail_out) == 1
        }
        guard ok else { return nil }
        return String(decoding: buffer[0..<size], as: UTF8.self)
    }
}
