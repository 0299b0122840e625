extension Scorer {
    /// The most composite any episode of this fixture can score, whatever is done: each scored entry at
    /// its best (an answer-key item earned in time, or whichever of its missed, late and out-of-order
    /// points is higher; the disposition accepted or partial; survival certain; cost and efficiency
    /// whole; no harm), plus what the two-decimal rounding of nine dimensions and their sum can add.
    /// Nil when the catalog could charge positive points on the harm dimension (no ceiling is known then).
    ///
    /// A sweep uses it to know, before playing any arm, that no alternative can beat the recorded
    /// action by a critical margin (``ScoreCard/composite`` never exceeds it: tested over swept arms).
    public var compositeCeiling: Double? {
        let risks = catalog.actions.compactMap(\.risk)
        if risks.contains(where: { risk in (risk.dangers ?? []).contains { $0.points > 0 } || (risk.unindicated?.points ?? 0) > 0 }) {
            return nil
        }
        let key = fixture.answerKey
        var total = max(0, key.survival.points)
        total += ([key.disposition.points, -key.disposition.points] + key.disposition.partial.map(\.points)).reduce(0) { max($0, $1) }
        for item in key.items {
            total += max(0, item.points, item.points * (item.lateFraction ?? 0.5), item.missedPoints ?? 0, item.outOfOrderPoints ?? 0)
        }
        // Harm: the key's harm items and unsafe dispositions at their positive points, if any; the catalog's
        // charges (and the physiology's: hypotension, hypoxia, arrest, death) are never positive.
        for harm in key.harmful { total += max(0, harm.points) }
        for unsafe in key.disposition.harmful { total += max(0, unsafe.points) }
        total += max(0, key.cost.points) + max(0, key.efficiency.points)
        // Each of nine dimension totals and the composite is rounded to two decimals: at most 0.005 up each.
        return total + 0.05
    }
}
