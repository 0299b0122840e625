import Foundation

/// The truth-blind yardstick: an emergency physician working by protocol,
/// who knows only what the patient shows (the complaint, the triage note,
/// the vitals, what the interview answers and the results as they arrive)
/// and nothing of the hidden truth or the answer key. Its work-up follows the
/// chief complaint and triage vitals; it acts on results as they come, waits
/// while results are pending (up to eight times), and disposes where its
/// findings point (admission for observation when nothing definitive was
/// found); once a definitive diagnosis is made and its team is at the
/// bedside, it does not wait for the rest of the results. A declined disposition is waited on and asked again, up to three
/// times, then the patient is admitted to the ward.
///
/// Deterministic: the same observations give the same actions. The difficulty
/// of a scenario is measured by how this agent scores on it (the expert reads
/// the key; the anchoring agent is scripted per fixture).
public struct ProtocolAgent: Agent {
    public let id = "protocol"
    private var age = 0
    private var sex = ""
    /// Everything seen so far, lowercased: complaint, triage, answers, results.
    private var heard = ""
    /// The results' texts alone, lowercased.
    private var results = ""
    private var vitals: ObservedVitals?
    private var fired: [String] = []
    private var queue: [String] = []
    private var taken: [String] = []
    private var disposition = "admit for observation"
    /// A definitive diagnosis was found: the patient goes as soon as the team that treats it is at the bedside.
    private var urgent = false
    private var waits = 0
    private var declines = 0
    private var closing = false
    /// The advanced life support loop's count while a pulse is absent.
    private var life = LifeSupport()

    public init() {}

    public mutating func act(on observation: Observation) -> String? {
        absorb(observation)
        if let action = life.next(observation, heard: heard, results: results) { return action }
        if let response = observation.response, response.contains(" declined: ") {
            declines += 1
            if declines > 3 { disposition = "admit to the ward" }
            queue.insert("wait", at: 0)
        }
        for rule in Self.rules
        where !fired.contains(rule.name) && rule.holds(age: age, sex: sex, heard: heard, results: results, vitals: vitals) {
            fired.append(rule.name)
            queue += rule.actions.filter { !taken.contains($0) && !queue.contains($0) }
            if let chosen = rule.disposition {
                disposition = chosen
                urgent = rule.urgent
            }
        }
        if !queue.isEmpty {
            let next = queue.removeFirst()
            if next != "wait" { taken.append(next) }
            return next
        }
        // Pending results are waited for, unless the diagnosis is made and its team has arrived.
        let teamHere = results.contains("at the bedside")
        if !observation.pending.isEmpty, waits < 8, !(urgent && teamHere) {
            waits += 1
            return "wait"
        }
        if !closing {  // the note and the handoff before the patient leaves
            closing = true
            queue = ["document note", "SBAR handoff"].filter { !taken.contains($0) }
        }
        guard !queue.isEmpty else { return disposition }
        let next = queue.removeFirst()
        taken.append(next)
        return next
    }

    private mutating func absorb(_ o: Observation) {
        if let p = o.presentation {
            age = p.age
            sex = p.sex
            heard += " " + p.chiefComplaint.lowercased() + " " + p.triageNote.lowercased()
        }
        if let response = o.response { heard += " " + response.lowercased() }
        for result in o.results {
            let text = " " + result.name.lowercased() + ": " + result.text.lowercased()
            heard += text
            results += text
        }
        vitals = o.vitals
    }

    /// A protocol step: when its conditions hold (once), these actions, and where the patient should go.
    struct Rule: Sendable {
        var name: String
        /// Any of these phrases in the complaint, triage note, answers or results (none: always).
        var heard: [String] = []
        /// Any of these phrases in a result.
        var result: [String] = []
        /// None of these phrases in a result.
        var unlessResult: [String] = []
        /// Every one of these phrases in the results (also required when set).
        var allResults: [String] = []
        /// None of these phrases heard.
        var unlessHeard: [String] = []
        /// One of these phrases also heard (required when set).
        var alsoHeard: [String] = []
        var minAge: Int?
        var maxAge: Int?
        /// Only for this sex (`F`, `M`).
        var sex: String?
        /// Holds when the systolic pressure is below this (as any other trigger does).
        var sbpBelow: Double?
        /// A value read from a result (`glucose 512`) above this.
        var resultNumber: (label: String, above: Double)?
        /// A value read from a result at or below this (also required when set).
        var resultNumberAtMost: (label: String, value: Double)?
        var actions: [String]
        var disposition: String?
        /// A diagnosis that cannot wait: once its team is at the bedside, pending results are not waited for.
        var urgent = false

        func holds(age: Int, sex patientSex: String = "", heard text: String, results: String, vitals: ObservedVitals?) -> Bool {
            if let minAge, age < minAge { return false }
            if let maxAge, age > maxAge { return false }
            if let sex, sex != patientSex { return false }
            if !allResults.allSatisfy({ ProtocolAgent.affirms($0, in: results) }) { return false }
            if unlessHeard.contains(where: { ProtocolAgent.affirms($0, in: text) }) { return false }
            if !alsoHeard.isEmpty, !alsoHeard.contains(where: { ProtocolAgent.affirms($0, in: text) }) { return false }
            var any = (heard.isEmpty && result.isEmpty && sbpBelow == nil && resultNumber == nil) || !allResults.isEmpty
            if heard.contains(where: { ProtocolAgent.affirms($0, in: text) }) { any = true }
            if result.contains(where: { ProtocolAgent.affirms($0, in: results) }) { any = true }
            if let sbpBelow, let vitals, Double(vitals.sbp) < sbpBelow { any = true }
            if let (label, above) = resultNumber, ProtocolAgent.number(after: label, in: results).map({ $0 > above }) == true { any = true }
            if let (label, limit) = resultNumberAtMost, ProtocolAgent.number(after: label, in: results).map({ $0 <= limit }) != true { return false }
            return any && !unlessResult.contains(where: { ProtocolAgent.affirms($0, in: results) })
        }
    }

    /// Whether `text` says `phrase` without denying it: an occurrence counts unless its clause (since
    /// the last `.`, `;`, `:` or `,`) says no, not, without or negative for it first ("no aortic
    /// dissection" does not say dissection).
    static func affirms(_ phrase: String, in text: String) -> Bool {
        var searchFrom = text.startIndex
        while let range = text.range(of: phrase, range: searchFrom..<text.endIndex) {
            let clauseStart = text[..<range.lowerBound].lastIndex { ".;:,".contains($0) }.map { text.index(after: $0) } ?? text.startIndex
            let before = " " + text[clauseStart..<range.lowerBound]
            if !["no ", " not ", "without ", "negative for ", " nor "].contains(where: { before.contains($0 == "no " ? " no " : $0) }) { return true }
            searchFrom = range.upperBound
        }
        return false
    }

    /// The first number after `label` in `text` (`glucose 512 mg/dl` → 512).
    static func number(after label: String, in text: String) -> Double? {
        var rest = Substring(text)
        while let range = rest.range(of: label) {
            rest = rest[range.upperBound...]
            let digits = rest.drop { $0 == " " || $0 == ":" }.prefix { $0.isNumber || $0 == "." }
            if let value = Double(digits) { return value }
        }
        return nil
    }

    /// The protocols, in the order they are checked. Sources: chest pain and acute aortic syndrome —
    /// 2021 AHA/ACC chest pain guideline (initial ECG, high-sensitivity troponin, chest radiograph) and
    /// 2022 ACC/AHA aortic disease guideline (pain quality, pulse and pressure differentials, CT
    /// angiography, heart-rate and pressure control, surgical consultation); cocaine —
    /// 2008 AHA scientific statement on cocaine-associated chest pain (benzodiazepines first);
    /// flank pain in the elderly — ESVS 2024 AAA guideline (bedside ultrasound of the aorta when
    /// rupture is possible, vascular surgery at once); the vomiting child — ISPAD 2022 DKA chapter
    /// (capillary glucose, ketones, venous gas; fluids before insulin, potassium, PICU).
    static let rules: [Rule] = [
        Rule(name: "arrival", actions: ["cardiac monitor", "IV access", "history of present illness"]),
        // Chest pain.
        Rule(
            name: "chest_pain", heard: ["chest"], minAge: 16,
            actions: ["12-lead ECG", "describe the pain quality and radiation", "troponin", "chest x-ray"]),
        Rule(name: "stimulant", heard: ["cocaine", "party", "lines of"], minAge: 12, actions: ["ask about drug use", "lorazepam 2 mg IV"]),
        Rule(
            name: "aortic_features", heard: ["tearing", "ripping", "through to the back", "shoulder blades", "into my back"], minAge: 16,
            actions: ["blood pressure in both arms", "CTA chest"]),
        Rule(name: "wide_mediastinum", result: ["mediastinum borderline wide", "widened mediastinum", "mediastinum wide"], actions: ["CTA chest"]),
        Rule(
            name: "aortic_dissection", result: ["dissection", "intimal flap"],
            actions: ["esmolol infusion", "fentanyl 50 mcg IV", "call cardiothoracic surgery", "type and crossmatch", "explain diagnosis", "update family"],
            disposition: "emergency surgery", urgent: true),
        // Flank or abdominal pain in an adult; in the elderly, the aorta first.
        Rule(
            name: "flank_pain", heard: ["flank", "loin", "abdominal pain", "groin"], minAge: 16,
            actions: ["abdominal exam", "CBC", "BMP", "urinalysis"]),
        Rule(
            name: "possible_rupture", heard: ["faint", "syncope", "collapse", "aneurysm", "swelling of the aorta", "aorta"], minAge: 55,
            sbpBelow: 100, actions: ["two large bore IVs", "bedside ultrasound aorta"]),
        Rule(name: "renal_colic", heard: ["groin", "flank", "loin"], minAge: 16, maxAge: 54, actions: ["ketorolac", "CT stone protocol"]),
        Rule(
            name: "ruptured_aaa", result: ["retroperitoneal", "ruptured aaa", "presumed ruptured"],
            actions: [
                "call vascular surgery", "activate massive transfusion protocol", "type and crossmatch", "explain diagnosis", "update family",
            ],
            disposition: "to theatre", urgent: true),
        // The vomiting child.
        Rule(
            name: "vomiting_child", heard: ["vomit", "tummy"], maxAge: 15,
            actions: ["assess hydration", "fingerstick glucose", "BMP"]),
        Rule(
            name: "gastroenteritis", heard: ["vomit", "tummy"], maxAge: 15, resultNumberAtMost: ("glucose", 250),
            actions: ["ondansetron", "oral rehydration trial"], disposition: "discharge home"),
        Rule(
            name: "dka", resultNumber: ("glucose", 250),
            actions: [
                "ketones", "venous blood gas", "neuro exam", "normal saline bolus 10 ml/kg over 20 minutes", "call PICU",
                "maintenance fluids with potassium", "wait", "insulin infusion 0.1 units/kg/h", "neuro checks", "explain diagnosis", "update parents",
            ],
            disposition: "admit to PICU", urgent: true),
        // Lower abdominal pain or a faint in a woman who may be pregnant: the test first, then blood and the surgeon.
        Rule(
            name: "possible_pregnancy", heard: ["abdominal pain", "pelvic", "spotting", "vaginal", "missed period", "late period", "fainted", "a faint"],
            minAge: 12, maxAge: 55, sex: "F", actions: ["pregnancy test"]),
        Rule(
            name: "positive_pregnancy_test", result: ["pregnancy test positive"],
            actions: ["two large bore IVs", "FAST ultrasound", "type and crossmatch"]),
        Rule(
            name: "ruptured_ectopic", allResults: ["pregnancy test positive", "free fluid"],
            actions: ["activate massive transfusion protocol", "call gynaecology", "explain diagnosis", "update family"],
            disposition: "to theatre", urgent: true),
        // Chest trauma: the primary survey; a tension pneumothorax is decompressed on the examination, not the film.
        Rule(
            name: "chest_trauma", heard: ["crash", "came off", "collision", "fell from", "hit by", "kerb"],
            actions: ["non rebreather", "respiratory exam", "FAST ultrasound", "chest x-ray"]),
        Rule(
            name: "tension_pneumothorax", heard: ["breath sounds absent", "absent breath sounds", "trachea is now deviated"],
            actions: ["needle decompression", "chest tube", "call general surgery", "explain diagnosis"],
            disposition: "admit to ICU", urgent: true),
        // Anaphylaxis: IM adrenaline before anything else, a second dose, fluids, and hours of observation.
        Rule(
            name: "anaphylaxis",
            heard: ["lips swelling", "lip swelling", "swollen lips", "tongue swelling", "hives", "urticaria", "angioedema", "allergic reaction", "stung"],
            minAge: 12,
            actions: ["IM adrenaline", "non rebreather", "normal saline bolus", "salbutamol", "adrenaline 0.5 mg IM into the thigh", "skin exam"],
            disposition: "admit for observation"),
        // Pleuritic pain with a worry of a clot: the D-dimer (no rule-out rule applied), and a CTA when it is raised.
        Rule(
            name: "clot_concern", heard: ["blood clot", "a clot", "clots", "long drive", "long flight", "dvt", "pulmonary embol", "long journey"],
            minAge: 16,
            actions: ["D-dimer"]),
        Rule(name: "d_dimer_raised", result: ["above the 0.50 cut-off", "d-dimer raised", "d-dimer elevated"], actions: ["CTA chest"]),
        // A child with a fit and a fever: look for the source; meningism or a long sleep after it, more.
        Rule(
            name: "febrile_seizure_child", heard: ["seizure", "convuls", "a fit", "fitted", "shaking episode"], maxAge: 5,
            actions: ["neuro exam", "general appearance", "skin exam", "past medical history", "acetaminophen", "urinalysis"]),
        Rule(
            name: "meningism", heard: ["neck stiff", "stiff neck", "bulging fontanelle", "petechia", "purpura", "not vaccinated"], maxAge: 5,
            actions: ["blood cultures", "lumbar puncture", "antibiotics"], disposition: "admit to the ward"),
        Rule(
            name: "prolonged_postictal", heard: ["slept for", "asleep for", "nearly ten minutes", "brain scan"], maxAge: 5,
            actions: ["CBC", "BMP", "CT head"], disposition: "admit for observation"),
        Rule(
            name: "simple_febrile_seizure", heard: ["seizure", "convuls", "a fit", "fitted"], result: ["no sign of a urinary tract infection"],
            unlessHeard: ["one side", "twice", "again", "fitting for twenty", "half an hour", "slept for", "asleep for", "nearly ten minutes"],
            maxAge: 5, actions: [], disposition: "discharge home"),
        // Sudden speech or one-sided weakness: glucose, the stroke team, CT and vessel imaging; lysis when the CT
        // shows no bleed and the CTA an occlusion, pressure lowered first; thrombectomy at the comprehensive centre.
        Rule(
            name: "stroke",
            heard: [
                "trouble speaking", "words out", "facial droop", "face drooping", "arm drift", "weak right", "weak left",
                "right-sided weakness", "left-sided weakness", "slurred speech",
            ],
            minAge: 18, actions: ["fingerstick glucose", "code stroke", "neuro exam", "CT head", "CTA head and neck"]),
        Rule(
            name: "lvo_stroke", allResults: ["no intracranial haemorrhage", "occlusion"],
            actions: ["labetalol", "alteplase", "explain diagnosis", "update family"], disposition: "transfer", urgent: true),
        // A knock on the head: examine and send home with advice; scan when a risk is heard.
        Rule(
            name: "head_injury", heard: ["hit head", "hit my head", "head injury", "banged", "beam"], minAge: 16,
            actions: ["neuro exam", "general exam", "home medications"], disposition: "discharge home"),
        Rule(
            name: "head_ct_risk", heard: ["vomited twice", "blacked out", "warfarin", "apixaban", "asking for a scan", "knocked out"],
            alsoHeard: ["hit head", "hit my head", "head injury", "banged", "beam"], minAge: 16, actions: ["CT head"]),
        // Unresponsive: glucose, oxygen, a gas; an opioid toxidrome is ventilated and given naloxone, twice if need be.
        Rule(
            name: "unresponsive", heard: ["unresponsive", "hard to wake", "hard to rouse", "found down"], minAge: 12,
            actions: ["fingerstick glucose", "supplemental oxygen", "neuro exam", "venous blood gas", "current medications"]),
        Rule(
            name: "opioid_toxidrome", heard: ["heroin", "methadone", "syringe", "pinpoint", "track marks"], minAge: 12,
            actions: [
                "bag valve mask ventilation", "naloxone 0.4 mg IV", "12-lead ECG", "observe and reassess", "naloxone 0.4 mg IV push",
                "explain diagnosis",
            ],
            disposition: "admit to ICU"),
        // Fever and the sepsis screen (Surviving Sepsis 2021): cultures, lactate, urine; shock from an infection treated within the hour.
        Rule(
            name: "sepsis_screen", heard: ["fever", "rigors", "shaking chills", "temperature of 38", "temperature of 39"], minAge: 16,
            actions: ["blood cultures", "lactate", "urinalysis", "CBC", "BMP"]),
        Rule(
            name: "septic_shock", result: ["nitrite positive"], minAge: 16, resultNumber: ("lactate", 3.9),
            actions: [
                "broad-spectrum IV antibiotics", "0.9% saline bolus", "0.9% saline bolus", "0.9% saline bolus", "norepinephrine infusion",
                "explain diagnosis",
            ],
            disposition: "admit to ICU", urgent: true),
        // A dialysis patient who is weak: ECG and potassium; hyperkalaemia treated at once (UK Kidney Association 2023).
        Rule(
            name: "renal_weakness", heard: ["dialysis", "kidney failure", "kidney patient"], minAge: 16,
            actions: ["12-lead ECG", "venous blood gas", "BMP"]),
        Rule(
            name: "hyperkalaemia", result: ["peaked t", "hyperkalaemia"], minAge: 16, resultNumber: ("k ", 6.0),
            actions: [
                "calcium chloride", "insulin bolus", "dextrose", "salbutamol 10 mg nebulised", "call nephrology", "fingerstick glucose",
                "explain diagnosis",
            ],
            disposition: "admit to ICU", urgent: true),
        // Chest pain's equivalents and the infarct on the ECG: aspirin, heparin, the cath lab (ACC/AHA 2025).
        Rule(
            name: "acs_equivalent", heard: ["clammy", "sweating", "sweaty"],
            alsoHeard: ["chest", "epigastr", "indigestion", "heartburn", "high in the stomach", "jaw"], minAge: 35,
            actions: ["12-lead ECG", "troponin"]),
        Rule(
            name: "stemi", result: ["st elevation", "stemi"], minAge: 16,
            actions: ["aspirin", "call cardiology", "heparin", "explain diagnosis", "update family"], disposition: "to the cath lab",
            urgent: true),
    ]
}
