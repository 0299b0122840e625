/// Generic bedside alarms that fire when the monitored state crosses a
/// threshold, once per episode each.
enum AlertRules {
    /// (id, condition, message) evaluated in this fixed order; alerts whose
    /// id is in `fired` are skipped before their message is written.
    static func check(_ now: Vitals, arrival: Vitals, skipping fired: [String] = []) -> [(id: String, text: String)] {
        var raised: [(String, String)] = []
        func raise(_ id: String, _ condition: Bool, _ text: () -> String) {
            if condition && !fired.contains(id) { raised.append((id, text())) }
        }
        raise("widening_pulse_pressure", now.pulsePressure >= arrival.pulsePressure + 20) {
            let (shown, before) = (now.observed, arrival.observed)
            return "widening pulse pressure (\(before.sbp)/\(before.dbp) → \(shown.sbp)/\(shown.dbp))"
        }
        raise("hypotension", now.sbp < 90) { "hypotension: BP \(now.observed.sbp)/\(now.observed.dbp)" }
        raise("severe_hypotension", now.sbp < 70) { "severe hypotension: BP \(now.observed.sbp)/\(now.observed.dbp)" }
        raise("desaturation", now.spo2 < 92) { "desaturation: SpO2 \(now.observed.spo2)%" }
        raise("severe_tachycardia", now.hr >= 140) { "severe tachycardia: HR \(now.observed.hr)" }
        raise("bradycardia", now.hr < 50) { "bradycardia: HR \(now.observed.hr)" }
        raise("gcs_drop", now.gcs <= arrival.gcs - 2) { "falling consciousness: GCS \(now.observed.gcs) (was \(arrival.observed.gcs))" }
        return raised
    }
}
