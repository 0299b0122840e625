/// A counter-based random source: every draw is a pure function of
/// (episode seed, purpose, index).
///
/// There is no hidden mutable state, so a fork that takes another action at
/// step 13 sees exactly the same patient luck at minute 40 as the original run
/// (the common-random-numbers rule). Values come from SplitMix64 finalisers
/// applied to a key built with FNV-1a over the purpose string, which is stable
/// across processes and platforms (unlike Swift's per-process `Hasher`).
public struct SeededRandom: Sendable, Hashable, Codable {
    /// The episode seed.
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// A 64-bit value keyed by purpose and index.
    public func bits(_ purpose: String, _ index: UInt64 = 0) -> UInt64 {
        bits(purposeKey: SeededRandom.fnv1a(purpose), index)
    }

    /// The same draw with the purpose already hashed (``fnv1a(_:)``): for
    /// per-minute loops that use one purpose many times.
    public func bits(purposeKey: UInt64, _ index: UInt64) -> UInt64 {
        var x = seed ^ purposeKey
        x = SeededRandom.mix(x &+ 0x9E37_79B9_7F4A_7C15)
        x = SeededRandom.mix(x ^ (index &* 0xD1B5_4A32_D192_ED03))
        return x
    }

    /// A uniform double in [0, 1).
    public func unit(_ purpose: String, _ index: UInt64 = 0) -> Double {
        Double(bits(purpose, index) >> 11) * 0x1.0p-53
    }

    /// A uniform double in [-1, 1).
    public func symmetric(_ purpose: String, _ index: UInt64 = 0) -> Double {
        unit(purpose, index) * 2 - 1
    }

    /// A uniform integer in `0..<upperBound`.
    public func index(_ purpose: String, _ index: UInt64 = 0, below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upperBound must be positive")
        return Int(bits(purpose, index) % UInt64(upperBound))
    }

    /// SplitMix64's output function.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a over UTF-8 bytes: a process-independent string key.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

/// A sequential stream over ``SeededRandom`` for consumers that draw many
/// values in order (the random agent). Its whole state is `(seed, purpose,
/// counter)`, so it can be saved and restored exactly.
public struct RandomStream: Sendable, Hashable, Codable {
    public let source: SeededRandom
    public let purpose: String
    public private(set) var counter: UInt64
    /// The purpose hashed once (``SeededRandom/fnv1a(_:)``), not on every draw: the same draws, a
    /// leaderboard's bootstrap hashed its purpose two thousand times per fixture otherwise.
    private let purposeKey: UInt64

    enum CodingKeys: String, CodingKey { case source, purpose, counter }

    public init(seed: UInt64, purpose: String, counter: UInt64 = 0) {
        self.source = SeededRandom(seed: seed)
        self.purpose = purpose
        self.counter = counter
        self.purposeKey = SeededRandom.fnv1a(purpose)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(SeededRandom.self, forKey: .source)
        purpose = try c.decode(String.self, forKey: .purpose)
        counter = try c.decode(UInt64.self, forKey: .counter)
        purposeKey = SeededRandom.fnv1a(purpose)
    }

    /// The next value below `upperBound`.
    public mutating func next(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upperBound must be positive")
        defer { counter &+= 1 }
        return Int(source.bits(purposeKey: purposeKey, counter) % UInt64(upperBound))
    }

    /// The next uniform double in [0, 1).
    public mutating func nextUnit() -> Double {
        defer { counter &+= 1 }
        return Double(source.bits(purposeKey: purposeKey, counter) >> 11) * 0x1.0p-53
    }
}
