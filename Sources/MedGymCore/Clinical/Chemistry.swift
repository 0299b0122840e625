import Foundation

/// The patient's blood chemistry as state: what a sample drawn now would
/// show. Disease, drugs, fluids, blood and time move it minute by minute
/// (GENERIC-RULES §1); a result reports the values at the minute of the
/// draw, never the arrival values.
///
/// pCO2 and pH are not stored: pCO2 follows ventilation (Winter's formula
/// while the patient breathes, the ventilator's 40 mmHg once intubated) and
/// pH follows Henderson–Hasselbalch. Measured sodium is the stored
/// glucose-corrected sodium less 1.6 mmol/L per 100 mg/dL of glucose above 100.
public struct Chemistry: Sendable, Hashable, Codable {
    /// mmol/L
    public var potassium: Double
    /// mg/dL
    public var glucose: Double
    /// mmol/L
    public var bicarbonate: Double
    /// β-hydroxybutyrate, mmol/L.
    public var ketones: Double
    /// mmol/L
    public var lactate: Double
    /// Glucose-corrected sodium, mmol/L.
    public var correctedSodium: Double
    /// mmol/L
    public var chloride: Double
    /// g/dL
    public var hemoglobin: Double
    /// mg/dL (moves by less than 0.3 within an ED stay: GENERIC-RULES §1.8).
    public var creatinine: Double
    /// mg/dL
    public var urea: Double
    /// High-sensitivity troponin, ng/L.
    public var troponin: Double
    /// pCO2 above (or below) Winter's target that this patient breathes at, mmHg.
    public var pco2Offset: Double

    /// Values a healthy adult shows; a fixture's `labs` override them at arrival.
    public static func normal(age: Int, sex: String) -> Chemistry {
        Chemistry(
            potassium: 4.1, glucose: 100, bicarbonate: 24, ketones: 0.1, lactate: 1.0, correctedSodium: 140,
            chloride: 103, hemoglobin: age < 12 ? 12.5 : (sex == "F" ? 13.2 : 14.6),
            creatinine: age < 12 ? 0.5 : 0.9, urea: 14, troponin: 4, pco2Offset: 0)
    }

    /// The names a fixture's `labs` may set at arrival (pCO2 as the patient's offset from Winter's formula).
    public static let arrivalNames = [
        "potassium", "glucose", "bicarbonate", "ketones", "lactate", "sodium", "chloride",
        "hemoglobin", "creatinine", "urea", "troponin", "pco2",
    ]
    /// The names that drift untreated (`labs[].per_hour`).
    public static let driftNames = ["potassium", "glucose", "bicarbonate", "ketones", "lactate", "sodium", "hemoglobin"]

    /// The names a result template may use.
    public static let names = [
        "potassium", "glucose", "bicarbonate", "ketones", "lactate", "sodium", "chloride",
        "hemoglobin", "creatinine", "urea", "troponin", "pco2", "ph", "anion_gap", "glucose_mmol",
    ]

    /// Arrival chemistry: normal values, then the fixture's.
    public init(arrival fixture: Fixture) {
        self = Chemistry.normal(age: fixture.patient.age, sex: fixture.patient.sex)
        // Glucose before sodium: the measured sodium given is corrected with the arrival glucose.
        for lab in fixture.labs where lab.name != "pco2" && lab.name != "sodium" { set(lab.name, lab.value) }
        if let sodium = fixture.lab("sodium") { set("sodium", sodium) }
        if let pco2 = fixture.lab("pco2") { pco2Offset = pco2 - Chemistry.winter(bicarbonate) }
    }

    init(
        potassium: Double, glucose: Double, bicarbonate: Double, ketones: Double, lactate: Double, correctedSodium: Double,
        chloride: Double, hemoglobin: Double, creatinine: Double, urea: Double, troponin: Double, pco2Offset: Double
    ) {
        self.potassium = potassium
        self.glucose = glucose
        self.bicarbonate = bicarbonate
        self.ketones = ketones
        self.lactate = lactate
        self.correctedSodium = correctedSodium
        self.chloride = chloride
        self.hemoglobin = hemoglobin
        self.creatinine = creatinine
        self.urea = urea
        self.troponin = troponin
        self.pco2Offset = pco2Offset
    }

    /// Winter's formula, expected pCO2 = 1.5 × HCO3 + 8, capped at 40 for a normal bicarbonate.
    static func winter(_ bicarbonate: Double) -> Double { min(1.5 * bicarbonate + 8, 40) }

    /// Measured sodium: corrected sodium less the glucose's dilution (Katz, 1.6 per 100 mg/dL).
    public var sodium: Double { correctedSodium - 1.6 * max(glucose - 100, 0) / 100 }

    /// Na − (Cl + HCO3).
    public var anionGap: Double { sodium - chloride - bicarbonate }

    /// pCO2 of a patient breathing at `rr` (or ventilated at 40 mmHg).
    public func pco2(rr: Double, ventilated: Bool) -> Double {
        if ventilated { return 40 }
        var value = Chemistry.winter(bicarbonate) + pco2Offset
        // Hypoventilation retains CO2 (PHYSIOLOGY §2.4) [calib].
        if rr < 10 { value *= 10 / max(rr, 2) }
        return min(max(value, 10), 120)
    }

    /// Henderson–Hasselbalch: pH = 6.1 + log10(HCO3 / (0.03 × pCO2)).
    public func ph(rr: Double, ventilated: Bool) -> Double {
        6.1 + log10(max(bicarbonate, 1) / (0.03 * pco2(rr: rr, ventilated: ventilated)))
    }

    /// A value by name, as a result template or a state condition reads it.
    public func value(_ name: String, rr: Double, ventilated: Bool) -> Double? {
        switch name {
        case "potassium": potassium
        case "glucose": glucose
        case "glucose_mmol": glucose / 18
        case "bicarbonate": bicarbonate
        case "ketones": ketones
        case "lactate": lactate
        case "sodium": sodium
        case "chloride": chloride
        case "hemoglobin": hemoglobin
        case "creatinine": creatinine
        case "urea": urea
        case "troponin": troponin
        case "anion_gap": anionGap
        case "pco2": pco2(rr: rr, ventilated: ventilated)
        case "ph": ph(rr: rr, ventilated: ventilated)
        default: nil
        }
    }

    mutating func set(_ name: String, _ value: Double) {
        switch name {
        case "potassium": potassium = value
        case "glucose": glucose = value
        case "bicarbonate": bicarbonate = value
        case "ketones": ketones = value
        case "lactate": lactate = value
        case "sodium": correctedSodium = value + 1.6 * max(glucose - 100, 0) / 100
        case "chloride": chloride = value
        case "hemoglobin": hemoglobin = value
        case "creatinine": creatinine = value
        case "urea": urea = value
        case "troponin": troponin = value
        default: break
        }
    }

    /// How a result prints a value: "3.2", "520", "7.08" (fixed decimals, no Foundation formatting).
    static func format(_ name: String, _ value: Double) -> String {
        switch name {
        case "ph": fixed(value, decimals: 2)
        case "potassium", "lactate", "hemoglobin", "creatinine", "ketones", "glucose_mmol": fixed(value, decimals: 1)
        default: String(Int(value.rounded()))
        }
    }

    /// `value` rounded half away from zero to `decimals` places, written with exactly that many.
    static func fixed(_ value: Double, decimals: Int) -> String {
        let scale = decimals == 2 ? 100.0 : 10.0
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = scaled % Int(scale)
        let digits = String(fraction)
        let padded = String(repeating: "0", count: decimals - digits.count) + digits
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole).\(padded)"
    }
}

/// A laboratory value the per-minute loop moves, by position: no string in the loop.
enum ChemistryLab: Int, Sendable {
    case potassium, glucose, bicarbonate, ketones, lactate, sodium, hemoglobin

    init?(name: String) {
        switch name {
        case "potassium": self = .potassium
        case "glucose": self = .glucose
        case "bicarbonate": self = .bicarbonate
        case "ketones": self = .ketones
        case "lactate": self = .lactate
        case "sodium": self = .sodium
        case "hemoglobin": self = .hemoglobin
        default: return nil
        }
    }
}

/// What moves the chemistry in one minute: the drugs' lab rates, the
/// disease's untreated drift, perfusion and the bleeding (GENERIC-RULES §1).
struct ChemistryStep {
    /// Per-hour rates of the active doses (catalog `labs`), already weighted by activity.
    var drugRates: [(lab: ChemistryLab, perHour: Double)]
    /// Perfusion is failing: MAP < 65 or shock index ≥ 1 in an adult; SBP below 70 + 2 × age in a child (PALS).
    var hypoperfused: Bool
    var map: Double
    /// The fixture's untreated drift per hour, by lab.
    var drift: [(lab: ChemistryLab, perHour: Double)]
    /// Haemorrhage: the fraction of blood volume lost so far (0 when not bleeding).
    var bloodLoss: Double
    /// Haemoglobin before any bleeding.
    var baselineHemoglobin: Double
    var baselineLactate: Double

    /// Lactate left after a minute of clearance (t½ 180 min).
    static let lactateClearance = exp(-0.693_147 / 180)
    /// Share of the haemoglobin gap closed in a minute of plasma refill (t½ 120 min).
    static let plasmaRefill = 1 - exp(-0.693_147 / 120)

    func apply(to c: inout Chemistry) {
        // Insulin meaningfully on board (a glucose rate below −5 mg/dL/h): a decayed bolus no longer counts.
        let insulinActive = drugRates.contains { $0.lab == .glucose && $0.perHour < -5 }
        for (lab, perHour) in drift {
            // Insulin stops ketogenesis and hepatic glucose output: the untreated drift of these labs halts.
            if insulinActive, lab == .glucose || lab == .ketones || lab == .bicarbonate { continue }
            add(lab, perHour / 60, to: &c)
        }
        for rate in drugRates { add(rate.lab, rate.perHour / 60, to: &c) }
        // Counter-regulation (glucagon, adrenaline) resists hypoglycaemia, ≈ +60 mg/dL/h below 70 [calib].
        if c.glucose < 70 { c.glucose += 1.0 }
        // Lactate: produced while perfusion fails, cleared with t½ ≈ 3 h once restored (GENERIC-RULES §1.4) [calib].
        let before = c.lactate
        if map < 50 {
            c.lactate += 2.0 / 60
        } else if hypoperfused {
            c.lactate += 1.0 / 60
        } else if c.lactate > baselineLactate {
            c.lactate = baselineLactate + (c.lactate - baselineLactate) * Self.lactateClearance
        }
        // Lactic acid consumes bicarbonate one for one; lactate cleared gives it back.
        c.bicarbonate -= c.lactate - before
        // Haemoglobin falls as plasma refills the vessels after a bleed, t½ ≈ 2 h (GENERIC-RULES §1.5) [calib].
        if bloodLoss > 0 {
            let equilibrium = baselineHemoglobin * (1 - bloodLoss)
            if c.hemoglobin > equilibrium { c.hemoglobin -= (c.hemoglobin - equilibrium) * Self.plasmaRefill }
        }
        c.potassium = min(max(c.potassium, 1.2), 9.5)
        c.glucose = min(max(c.glucose, 15), 1500)
        c.ketones = max(c.ketones, 0.1)
        c.bicarbonate = min(max(c.bicarbonate, 2), 45)
        c.lactate = min(max(c.lactate, 0.5), 25)
    }

    private func add(_ lab: ChemistryLab, _ delta: Double, to c: inout Chemistry) {
        switch lab {
        case .potassium: c.potassium += delta
        case .glucose: c.glucose += delta
        case .ketones:
            // Ketones cleared are bicarbonate regenerated, one for one.
            let next = max(c.ketones + delta, 0.1)
            c.bicarbonate -= next - c.ketones
            c.ketones = next
        case .bicarbonate: c.bicarbonate += delta
        case .lactate: c.lactate += delta
        case .sodium: c.correctedSodium += delta
        case .hemoglobin: c.hemoglobin += delta
        }
    }
}
