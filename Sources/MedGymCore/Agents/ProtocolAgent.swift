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
        for rule in Self.rules where !fired.contains(rule.name) && rule.holds(age: age, heard: heard, results: results, vitals: vitals) {
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
        var minAge: Int?
        var maxAge: Int?
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

        func holds(age: Int, heard text: String, results: String, vitals: ObservedVitals?) -> Bool {
            if let minAge, age < minAge { return false }
            if let maxAge, age > maxAge { return false }
            var any = heard.isEmpty && result.isEmpty && sbpBelow == nil && resultNumber == nil
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
    ]
}
