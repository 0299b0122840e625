/// The protocol agent's adult advanced life support loop (AHA 2025 / ERC
/// 2025 algorithm, GENERIC-RULES §4.1), run while the observation says the
/// patient has no pulse: CPR in 2-minute cycles; a shock before each cycle
/// in VF or pulseless VT; bag-valve-mask ventilation; adrenaline 1 mg at once
/// in a non-shockable rhythm and after the second shock in a shockable one,
/// then every other cycle; amiodarone after the third shock; a monitored VF
/// shocked before the first cycle; each new arrest worked afresh; and the
/// reversible causes it can read from what it has seen (a high potassium,
/// an opioid, a bleed, an absent breath sound) — nothing of the hidden truth.
struct LifeSupport: Sendable {
    private var cycles = 0
    private var shocks = 0
    private var adrenalineAtCycle: Int?
    private var amiodarone = false
    private var airway = false
    private var lastWasCPR = false
    private var causesTreated: [String] = []
    /// Cause treatments known beforehand (the expert reads them from the key), given first.
    private var knownTreatments: [String]

    init(knownTreatments: [String] = []) {
        self.knownTreatments = knownTreatments
    }

    /// The next action while in arrest, or nil when the patient has a pulse.
    mutating func next(_ o: Observation, heard: String, results: String) -> String? {
        let started = o.alerts.contains { $0.hasPrefix("cardiac arrest: no pulse") }
        let ongoing = o.response?.contains("Cardiac arrest, minute") == true
        let returned = o.alerts.contains { $0.hasPrefix("return of spontaneous circulation") }
        guard (started || ongoing) && !returned else {
            lastWasCPR = false
            return nil
        }
        if started {  // a new arrest (or a re-arrest): the loop starts again
            self = LifeSupport(knownTreatments: knownTreatments)
        }
        let text = (o.alerts + [o.response ?? ""]).joined(separator: " ")
        let shockable = text.contains("ventricular fibrillation") || text.contains("pulseless ventricular tachycardia")
        if cycles == 0, shockable, shocks == 0 {  // witnessed, monitored VF: the shock first (AHA/ERC)
            shocks += 1
            return "defibrillate at 200 J"
        }
        if cycles == 0 { return cpr() }
        if lastWasCPR, shockable {
            lastWasCPR = false
            shocks += 1
            return "defibrillate at 200 J"
        }
        lastWasCPR = false
        if !airway {
            airway = true
            return "bag valve mask ventilation"
        }
        if let known = knownTreatments.first(where: { !causesTreated.contains($0) }) {
            causesTreated.append(known)
            return known
        }
        let adrenalineDue: Bool
        if let given = adrenalineAtCycle {
            adrenalineDue = cycles - given >= 2
        } else {
            adrenalineDue = !shockable || shocks >= 2
        }
        if adrenalineDue {
            adrenalineAtCycle = cycles
            return "epinephrine 1 mg IV"
        }
        if shockable, shocks >= 3, !amiodarone {
            amiodarone = true
            return "amiodarone 300 mg IV"
        }
        if let treatment = cause(heard: heard, results: results) {
            causesTreated.append(treatment)
            return treatment
        }
        return cpr()
    }

    private mutating func cpr() -> String {
        cycles += 1
        lastWasCPR = true
        return "CPR"
    }

    /// A reversible cause the agent has evidence of, not yet treated.
    private func cause(heard: String, results: String) -> String? {
        var candidates: [String] = []
        if let k = ProtocolAgent.number(after: "k ", in: results) ?? ProtocolAgent.number(after: "potassium ", in: results), k >= 6.0 {
            candidates.append("calcium chloride")
        }
        // (Not "fentanyl": the agent's own analgesia answers "fentanyl IV: done.")
        if ["heroin", "pinpoint", "methadone", "track marks", "syringe"].contains(where: { ProtocolAgent.affirms($0, in: heard) }) {
            candidates.append("naloxone")
        }
        if ["ruptured", "free fluid", "retroperitoneal", "haemorrhage", "hemorrhage", "bleeding"].contains(where: { ProtocolAgent.affirms($0, in: results) }) {
            candidates.append("activate massive transfusion protocol")
        }
        if ["absent breath sounds", "breath sounds absent", "tracheal deviation", "trachea is now deviated", "pneumothorax"].contains(where: {
            ProtocolAgent.affirms($0, in: heard)
        }) {
            candidates.append("needle decompression")
        }
        return candidates.first { !causesTreated.contains($0) }
    }
}
