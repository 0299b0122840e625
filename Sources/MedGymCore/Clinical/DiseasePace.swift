/// Pace from the physiology reached, for the shared disease courses: the
/// truth's conditions name which apply (GENERIC-RULES §3). A multiplier on
/// the course's progression rate, evaluated every minute.
///
/// - `aortic_dissection`: wall shear rises with pressure and the rate of
///   pressure rise (HR): ×1 at SBP ≤ 120 and HR ≤ 80, ×1.5 above either,
///   ×2 at SBP > 140 or HR > 100, ×3 at SBP > 160; SBP < 90 is not
///   protective (tamponade, rupture: ×4); a vasopressor on board ×1.5 more
///   (contractility and dP/dt beyond the pressure it makes); a vasodilator without a β-blocker
///   on board ×1.5 more (reflex dP/dt) (§3.1) [calib].
/// - `haemorrhage`: bleeding rises with pressure, ×(SBP/90)² above 90; clot
///   may hold below 80 (×0.85) (§3.2) [calib].
/// - Either bleeds faster under anticoagulants, antiplatelets,
///   fibrinolytics and NSAIDs (the drugs' `bleeding_multiplier`, §2C).
struct DiseasePace: Sendable {
    let dissection: Bool
    let haemorrhage: Bool

    init(conditions: [String]) {
        dissection = conditions.contains("aortic_dissection")
        haemorrhage = conditions.contains("haemorrhage")
    }

    func multiplier(vitals v: Vitals, drugs: DrugEffects) -> Double {
        var factor = 1.0
        if dissection {
            let shear: Double
            if v.sbp < 90 {
                shear = 4
            } else if v.sbp > 160 {
                shear = 3
            } else if v.sbp > 140 || v.hr > 100 {
                shear = 2
            } else if v.sbp > 120 || v.hr > 80 {
                shear = 1.5
            } else {
                shear = 1
            }
            factor *= shear
            // A vasopressor or inotrope adds contractility and dP/dt on top of the pressure it makes.
            if drugs.vasopressorActive { factor *= 1.5 }
            if !drugs.betaBlocked, drugs.vasodilatorActive {
                factor *= 1.5
            }
        }
        if haemorrhage {
            if v.sbp > 90 { factor *= (v.sbp / 90) * (v.sbp / 90) } else if v.sbp < 80 { factor *= 0.85 }
        }
        if dissection || haemorrhage { factor *= drugs.bleedingMultiplier }  // once, whichever bleeds
        return factor
    }

    /// Progress a dose of blood takes back in a haemorrhage: volume and
    /// oxygen content restored, per mL/kg (§3.2: each unit buys 15–20 min) [calib].
    static let progressPerBloodMlPerKg = 0.012
}
