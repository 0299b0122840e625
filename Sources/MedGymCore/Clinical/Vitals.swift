/// The monitored vital signs a clinician sees at the bedside.
///
/// Values are kept as doubles internally and rounded when observed, so that
/// small drifts accumulate smoothly between minutes.
public struct Vitals: Sendable, Hashable, Codable {
    public var hr: Double
    public var sbp: Double
    public var dbp: Double
    public var rr: Double
    public var spo2: Double
    public var temp: Double
    public var gcs: Double
    public var pain: Double

    public init(hr: Double, sbp: Double, dbp: Double, rr: Double, spo2: Double, temp: Double, gcs: Double, pain: Double) {
        self.hr = hr
        self.sbp = sbp
        self.dbp = dbp
        self.rr = rr
        self.spo2 = spo2
        self.temp = temp
        self.gcs = gcs
        self.pain = pain
    }

    /// The monitor's rounded values as vitals.
    public init(observed o: ObservedVitals) {
        self.init(
            hr: Double(o.hr), sbp: Double(o.sbp), dbp: Double(o.dbp), rr: Double(o.rr), spo2: Double(o.spo2),
            temp: o.temp, gcs: Double(o.gcs), pain: Double(o.pain))
    }

    /// Systolic minus diastolic pressure.
    public var pulsePressure: Double { sbp - dbp }

    /// Mean arterial pressure, DBP + (SBP − DBP) / 3.
    public var map: Double { dbp + (sbp - dbp) / 3 }

    /// Shock index, HR / SBP.
    public var shockIndex: Double { sbp > 0 ? hr / sbp : 0 }

    /// The fields in a fixed order, for keyed access in fixture files.
    public static let fieldNames = ["hr", "sbp", "dbp", "rr", "spo2", "temp", "gcs", "pain"]

    /// Reads a field by name; `nil` for an unknown name.
    /// The position of a field name in ``subscript(index:)`` (hr 0 … pain 7).
    public static func fieldIndex(_ name: String) -> Int? {
        ["hr", "sbp", "dbp", "rr", "spo2", "temp", "gcs", "pain"].firstIndex(of: name)
    }

    /// A field by position (see ``fieldIndex(_:)``): no string in the per-minute loop.
    public subscript(index i: Int) -> Double {
        get {
            switch i {
            case 0: hr
            case 1: sbp
            case 2: dbp
            case 3: rr
            case 4: spo2
            case 5: temp
            case 6: gcs
            default: pain
            }
        }
        set {
            switch i {
            case 0: hr = newValue
            case 1: sbp = newValue
            case 2: dbp = newValue
            case 3: rr = newValue
            case 4: spo2 = newValue
            case 5: temp = newValue
            case 6: gcs = newValue
            default: pain = newValue
            }
        }
    }

    public subscript(field name: String) -> Double? {
        get {
            switch name {
            case "hr": hr
            case "sbp": sbp
            case "dbp": dbp
            case "rr": rr
            case "spo2": spo2
            case "temp": temp
            case "gcs": gcs
            case "pain": pain
            default: nil
            }
        }
        set {
            guard let value = newValue else { return }
            switch name {
            case "hr": hr = value
            case "sbp": sbp = value
            case "dbp": dbp = value
            case "rr": rr = value
            case "spo2": spo2 = value
            case "temp": temp = value
            case "gcs": gcs = value
            case "pain": pain = value
            default: break
            }
        }
    }

    /// Linear interpolation between two vitals sets.
    public static func interpolate(_ a: Vitals, _ b: Vitals, fraction t: Double) -> Vitals {
        func lerp(_ x: Double, _ y: Double) -> Double { x + (y - x) * t }
        return Vitals(
            hr: lerp(a.hr, b.hr), sbp: lerp(a.sbp, b.sbp), dbp: lerp(a.dbp, b.dbp),
            rr: lerp(a.rr, b.rr), spo2: lerp(a.spo2, b.spo2), temp: lerp(a.temp, b.temp),
            gcs: lerp(a.gcs, b.gcs), pain: lerp(a.pain, b.pain))
    }

    /// Adds an offset field by field.
    public func adding(_ offset: VitalsOffset) -> Vitals {
        var result = self
        for (name, delta) in offset.sortedEntries {
            if let current = result[field: name] { result[field: name] = current + delta }
        }
        return result
    }

    /// Clamps every field to the range a living (or just-dead) patient can show.
    public func clamped() -> Vitals {
        Vitals(
            hr: hr.clamped(0, 240), sbp: sbp.clamped(0, 280), dbp: dbp.clamped(0, min(200, max(sbp - 5, 0))),
            rr: rr.clamped(0, 70), spo2: spo2.clamped(40, 100), temp: temp.clamped(30, 43),
            gcs: gcs.clamped(3, 15), pain: pain.clamped(0, 10))
    }

    /// The rounded values a monitor displays.
    public var observed: ObservedVitals {
        ObservedVitals(
            hr: Int(hr.rounded()), sbp: Int(sbp.rounded()), dbp: Int(dbp.rounded()),
            rr: Int(rr.rounded()), spo2: Int(spo2.rounded()), temp: (temp * 10).rounded() / 10,
            gcs: Int(gcs.rounded()), pain: Int(pain.rounded()))
    }
}

/// Vitals as shown on the monitor: integers, temperature to one decimal.
public struct ObservedVitals: Sendable, Hashable, Codable {
    public var hr: Int
    public var sbp: Int
    public var dbp: Int
    public var rr: Int
    public var spo2: Int
    public var temp: Double
    public var gcs: Int
    public var pain: Int

    /// "HR 118 · BP 168/96 · RR 20 · SpO2 96% · T 37.2 · GCS 15 · pain 7/10"
    public var summary: String {
        "HR \(hr) · BP \(sbp)/\(dbp) · RR \(rr) · SpO2 \(spo2)% · T \(temp) · GCS \(gcs) · pain \(pain)/10"
    }
}

/// A change to some vital signs, keyed by field name (`hr`, `sbp`, …).
///
/// Stored as a sorted array so that iteration order never depends on hashing.
public struct VitalsOffset: Sendable, Hashable, Codable {
    public private(set) var sortedEntries: [(String, Double)]

    public init(_ entries: [String: Double] = [:]) {
        sortedEntries = entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public var isEmpty: Bool { sortedEntries.isEmpty }

    /// Field-by-field sum.
    public func adding(_ other: VitalsOffset) -> VitalsOffset {
        var merged: [String: Double] = [:]
        for (k, v) in sortedEntries { merged[k, default: 0] += v }
        for (k, v) in other.sortedEntries { merged[k, default: 0] += v }
        return VitalsOffset(merged)
    }

    public init(from decoder: any Decoder) throws {
        let raw = try [String: Double](from: decoder)
        self.init(raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var dict: [String: Double] = [:]
        for (k, v) in sortedEntries { dict[k] = v }
        try dict.encode(to: encoder)
    }

    public static func == (lhs: VitalsOffset, rhs: VitalsOffset) -> Bool {
        lhs.sortedEntries.elementsEqual(rhs.sortedEntries) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public func hash(into hasher: inout Hasher) {
        for (k, v) in sortedEntries {
            hasher.combine(k)
            hasher.combine(v)
        }
    }
}

extension Double {
    func clamped(_ low: Double, _ high: Double) -> Double { Swift.min(Swift.max(self, low), high) }
}
