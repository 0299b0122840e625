/// Generic bedside alarms that fire when the monitored state crosses a
/// threshold, once per episode each.
enum AlertRules {
    /// (id, condition, message) evaluated in this fixed order.
    static func check(_ now: Vitals, arrival: Vitals) -> [(id: String, text: String)] {
        let shown = now.observed
        let before = arrival.observed
        var raised: [(String, String)] = []
        if now.pulsePressure >= arrival.pulsePressure + 20 {
            raised.append(("widening_pulse_pressure",
                           "widening pulse pressure (\(before.sbp)/\(before.dbp) → \(shown.sbp)/\(shown.dbp))"))
        }
        if now.sbp < 90 { raised.append(("hypotension", "hypotension: BP \(shown.sbp)/\(shown.dbp)")) }
        if now.sbp < 70 { raised.append(("severe_hypotension", "severe hypotension: BP \(shown.sbp)/\(shown.dbp)")) }
        if now.spo2 < 92 { raised.append(("desaturation", "desaturation: SpO2 \(shown.spo2)%")) }
        if now.hr >= 140 { raised.append(("severe_tachycardia", "severe tachycardia: HR \(shown.hr)")) }
        if now.hr < 50 { raised.append(("bradycardia", "bradycardia: HR \(shown.hr)")) }
        if now.gcs <= arrival.gcs - 2 { raised.append(("gcs_drop", "falling consciousness: GCS \(shown.gcs) (was \(before.gcs))")) }
        return raised
    }
}
