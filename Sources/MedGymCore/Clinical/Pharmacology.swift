import Foundation

/// What the doses given so far do at one minute: their summed effect on
/// vitals (saturating per class, toxic above the label ceiling), their
/// effect on the disease's pace, the volume infused and the drugs over
/// their ceiling.
///
/// Rules (calibration, see README "Physiology"): a class's response grows
/// linearly up to one full dose, then saturates toward twice a dose; active
/// doses of one drug beyond its ceiling add the drug's toxicity per dose; a
/// benzodiazepine and an opioid both beyond one dose depress breathing and
/// consciousness further (the opioid–benzodiazepine boxed warning).
public struct DrugEffects: Sendable {
    /// Summed effect on vitals.
    public var offset: Vitals = .zero
    /// Multiplier on the disease's progression rate.
    public var rateMultiplier: Double = 1
    /// Addition to the progression rate.
    public var rateAdd: Double = 0
    /// Crystalloid, blood and other infused volume so far, mL/kg.
    public var volumeMlPerKg: Double = 0
    /// Drugs whose active doses exceed their ceiling, with the excess.
    public var overCeiling: [(action: String, excess: Double)] = []
    /// Per-hour rates on ``Chemistry`` of the active doses, weighted by activity.
    var labRates: [(lab: ChemistryLab, perHour: Double)] = []
    /// A vasopressor is active.
    public var vasopressorActive = false
    /// A vasodilator (dihydropyridine, nitrate) is active.
    public var vasodilatorActive = false
    /// Activity of drugs that bleed (anticoagulant, antiplatelet, fibrinolytic, NSAID) as a bleeding multiplier.
    public var bleedingMultiplier: Double = 1
    /// A β-blocker is on board (activity above 5 %, as for a class `running`).
    public var betaBlocked = false

    /// The response of a class to `active` dose-equivalents, in doses:
    /// linear to 1, then saturating toward 2.
    static func saturated(_ active: Double) -> Double {
        active <= 1 ? active : 1 + (1 - exp(-(active - 1)))
    }

    /// Evaluates the doses at `minute`. Classes and drugs are keyed by
    /// catalog position (looked up once per dose), so nothing here hashes or
    /// compares names.
    public static func at(_ minute: Int, doses: [Dose], catalog: ActionCatalog) -> DrugEffects {
        var result = DrugEffects()
        guard !doses.isEmpty else { return result }
        // Scratch space on the stack (this runs every simulated minute of every arm): per class the
        // summed activity and activity-weighted effect, per drug its activity and a dose of it, per
        // dose with a pace term that term; each table in order of first appearance, as the sums run.
        return withUnsafeTemporaryAllocation(of: ClassSum.self, capacity: doses.count) { classes in
            withUnsafeTemporaryAllocation(of: DrugSum.self, capacity: doses.count) { drugs in
                withUnsafeTemporaryAllocation(of: RateTerm.self, capacity: doses.count) { terms in
                    var (classCount, drugCount, termCount) = (0, 0, 0)
                    for index in doses.indices {
                        let resolved = doses[index].resolution(catalog)
                        let (rateMultiplier, rateAdd) = (doses[index].rateMultiplier, doses[index].rateAdd)
                        guard resolved.isDrug else {
                            // A non-drug action with an effect (a fixture modifier): lasting.
                            result.offset = result.offset + resolved.effect
                            if rateMultiplier != nil || rateAdd != nil {
                                terms.initializeElement(
                                    at: termCount, to: RateTerm(key: resolved.actionKey, multiplier: rateMultiplier, add: rateAdd, active: 1))
                                termCount += 1
                            }
                            continue
                        }
                        let active = resolved.activity(after: Double(minute - doses[index].minute))
                        result.volumeMlPerKg += resolved.volumeMlPerKg
                        if active > 0 {
                            for rate in resolved.labRates { result.labRates.append((rate.lab, rate.perHour * active)) }
                            if let bleed = resolved.bleeding { result.bleedingMultiplier *= 1 + (bleed - 1) * min(active, 1) }
                            if resolved.isBetaBlocker, active > 0.05 { result.betaBlocked = true }
                            if active > 0.05 {
                                if resolved.isVasopressor { result.vasopressorActive = true }
                                if resolved.isVasodilator { result.vasodilatorActive = true }
                            }
                        }
                        if let i = (0..<classCount).first(where: { classes[$0].key == resolved.classKey }) {
                            classes[i].active += active
                            classes[i].raw = classes[i].raw + resolved.effect * active
                        } else {
                            classes.initializeElement(
                                at: classCount,
                                to: ClassSum(
                                    key: resolved.classKey, active: active, raw: resolved.effect * active, benzo: resolved.isBenzodiazepine,
                                    opioid: resolved.isOpioid))
                            classCount += 1
                        }
                        if let i = (0..<drugCount).first(where: { drugs[$0].key == resolved.actionKey }) {
                            drugs[i].active += active
                        } else {
                            drugs.initializeElement(at: drugCount, to: DrugSum(key: resolved.actionKey, active: active, dose: index))
                            drugCount += 1
                        }
                        if rateMultiplier != nil || rateAdd != nil {
                            terms.initializeElement(
                                at: termCount, to: RateTerm(key: resolved.actionKey, multiplier: rateMultiplier, add: rateAdd, active: active))
                            termCount += 1
                        }
                    }
                    var benzo = 0.0
                    var opioid = 0.0
                    for entry in classes[..<classCount] where entry.active > 0 {
                        result.offset = result.offset + entry.raw * (saturated(entry.active) / entry.active)
                        if entry.benzo { benzo = entry.active }
                        if entry.opioid { opioid = entry.active }
                    }
                    for drug in drugs[..<drugCount] {
                        let resolved = doses[drug.dose].resolution(catalog)
                        guard let ceiling = resolved.ceiling, drug.active > ceiling else { continue }
                        let excess = drug.active - ceiling
                        result.overCeiling.append((resolved.action, excess))
                        if let toxicity = resolved.toxicity { result.offset = result.offset + toxicity * excess }
                    }
                    if benzo > 0.5, opioid > 0.5, benzo + opioid > 2 {
                        let synergy = benzo + opioid - 2
                        result.offset.rr -= 3 * synergy
                        result.offset.gcs -= 1.5 * synergy
                    }
                    // Pace of the disease: per drug, protective effects saturate at one
                    // dose, harmful ones grow toward twice a dose. (Terms of one drug are summed in
                    // place, in the table's first slots: a drug's first term comes before its others.)
                    var perDrug = 0
                    for t in 0..<termCount {
                        let term = terms[t]
                        if let i = (0..<perDrug).first(where: { terms[$0].key == term.key }) {
                            terms[i].active += term.active
                        } else {
                            terms[perDrug] = term
                            perDrug += 1
                        }
                    }
                    for term in terms[..<perDrug] {
                        if let m = term.multiplier {
                            let fraction = m < 1 ? min(term.active, 1) : saturated(term.active)
                            result.rateMultiplier *= max(0, 1 + (m - 1) * fraction)
                        }
                        if let a = term.add { result.rateAdd += a * min(term.active, 1) }
                    }
                    // The scratch values hold no references: nothing to deinitialize.
                    return result
                }
            }
        }
    }

    /// A class's summed activity and activity-weighted effect, keyed by catalog position.
    private struct ClassSum {
        var key: Int
        var active: Double
        var raw: Vitals
        var benzo: Bool
        var opioid: Bool
    }

    /// A drug's summed activity, and the position of a dose of it (for its ceiling and toxicity).
    private struct DrugSum {
        var key: Int
        var active: Double
        var dose: Int
    }

    /// A dose's pull on the disease's pace, weighted by its activity.
    private struct RateTerm {
        var key: Int
        var multiplier: Double?
        var add: Double?
        var active: Double
    }
}

extension DrugEffects {
    /// Drug classes active at `minute` (activity above 5 %), in the order first given.
    public static func activeClasses(at minute: Int, doses: [Dose], catalog: ActionCatalog) -> [String] {
        var names: [String] = []
        for dose in doses {
            let resolved = dose.resolution(catalog)
            guard resolved.isDrug, resolved.activity(after: Double(minute - dose.minute)) > 0.05,
                !names.contains(resolved.className)
            else { continue }
            names.append(resolved.className)
        }
        return names
    }
}

extension Vitals {
    /// All fields zero: the identity for offsets.
    public static let zero = Vitals(hr: 0, sbp: 0, dbp: 0, rr: 0, spo2: 0, temp: 0, gcs: 0, pain: 0)

    /// An offset as a full vector (absent fields are zero).
    public init(_ offset: VitalsOffset) {
        self = .zero
        for (name, delta) in offset.sortedEntries { self[field: name] = delta }
    }

    static func + (a: Vitals, b: Vitals) -> Vitals {
        Vitals(
            hr: a.hr + b.hr, sbp: a.sbp + b.sbp, dbp: a.dbp + b.dbp, rr: a.rr + b.rr, spo2: a.spo2 + b.spo2,
            temp: a.temp + b.temp, gcs: a.gcs + b.gcs, pain: a.pain + b.pain)
    }

    static func * (a: Vitals, k: Double) -> Vitals {
        Vitals(
            hr: a.hr * k, sbp: a.sbp * k, dbp: a.dbp * k, rr: a.rr * k, spo2: a.spo2 * k,
            temp: a.temp * k, gcs: a.gcs * k, pain: a.pain * k)
    }
}
