/// An optional that a report's JSON writes as `null` when it is nil (a
/// synthesized `Encodable` leaves a nil optional out), so every row has the field.
@propertyWrapper
public struct ExplicitNull<Value: Sendable & Hashable & Encodable>: Sendable, Hashable, Encodable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
