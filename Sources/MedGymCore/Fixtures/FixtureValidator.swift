/// Checks what the decoder cannot: ranges, ordering, references to catalog
/// actions, citations and resolvable policy texts.
struct FixtureValidator {
    let resolver: ActionResolver
    var catalog: ActionCatalog { resolver.catalog }
    let file: String

    func validate(_ f: Fixture) throws(FixtureError) {
        func fail(_ field: String, _ problem: String) -> FixtureError {
            FixtureError(file: file, field: field, problem: problem)
        }
        let base = file.split(separator: "/").last.map(String.init) ?? file
        if base.hasSuffix(".json"), base != "\(f.id).json" {
            throw fail("id", "is '\(f.id)' but the file is named '\(base)'; rename one so they match")
        }
        if !(1...100).contains(f.tier) { throw fail("tier", "is \(f.tier); it must be between 1 and 100") }
        if f.timeLimitMin <= 0 { throw fail("time_limit_min", "must be a positive number of minutes") }
        if f.maxSteps <= 0 { throw fail("max_steps", "must be positive") }

        let course = f.course
        if course.keyframes.isEmpty { throw fail("course.keyframes", "needs at least one keyframe") }
        for (i, pair) in zip(course.keyframes, course.keyframes.dropFirst()).enumerated()
        where pair.1.progress <= pair.0.progress {
            throw fail("course.keyframes[\(i + 1)].progress", "must be greater than the previous keyframe's")
        }
        if course.deathAtProgress <= course.startProgress {
            throw fail("course.death_at_progress", "must be greater than start_progress")
        }
        if course.ratePerMin < 0 { throw fail("course.rate_per_min", "must not be negative") }
        if !(0..<1).contains(course.rateJitter) { throw fail("course.rate_jitter", "must be in [0, 1)") }
        for (field, _) in course.noise.sortedEntries where !Vitals.fieldNames.contains(field) {
            throw fail("course.noise.\(field)", "is not a vital sign; use one of \(Vitals.fieldNames.joined(separator: ", "))")
        }

        func check(_ ids: [String], _ field: String, kinds: [ActionKind]? = nil) throws(FixtureError) {
            for (i, id) in ids.enumerated() {
                guard let action = catalog[id] else {
                    let near = resolver.nearest(id)
                    throw fail("\(field)[\(i)]", "'\(id)' is not a catalog action" + (near.isEmpty ? "" : "; nearest: \(near.joined(separator: ", "))"))
                }
                if let kinds, !kinds.contains(action.kind) {
                    throw fail("\(field)[\(i)]", "'\(id)' is a \(action.kind.rawValue) action; expected \(kinds.map(\.rawValue).joined(separator: " or "))")
                }
            }
        }
        func cite(_ c: Citation, _ field: String) throws(FixtureError) {
            if c.guideline.trimmingCharacters(in: .whitespaces).isEmpty { throw fail("\(field).guideline", "is empty; name the clinical source") }
            if c.section.trimmingCharacters(in: .whitespaces).isEmpty { throw fail("\(field).section", "is empty; give the section or recommendation") }
            if !(1950...2100).contains(c.year) { throw fail("\(field).year", "is \(c.year); give the guideline's year") }
        }

        if let plan = course.arrest {
            if plan.reversedBy.isEmpty {
                throw fail("course.arrest.reversed_by", "is empty; name the actions that treat the course's cause during the arrest")
            }
            try check(plan.reversedBy, "course.arrest.reversed_by")
            if let p = plan.roscWhenTreated, !(0...1).contains(p) {
                throw fail("course.arrest.rosc_when_treated", "is \(p); it is a chance per rhythm check, between 0 and 1")
            }
            try cite(plan.source, "course.arrest.source")
        }
        for (i, lab) in f.labs.enumerated() {
            if !Chemistry.arrivalNames.contains(lab.name) {
                throw fail(
                    "labs[\(i)].name",
                    "'\(lab.name)' is not a laboratory value the chemistry keeps; use one of \(Chemistry.arrivalNames.joined(separator: ", "))")
            }
            if lab.perHour != nil, !Chemistry.driftNames.contains(lab.name) {
                throw fail(
                    "labs[\(i)].per_hour",
                    "'\(lab.name)' does not drift in the model; drift one of \(Chemistry.driftNames.joined(separator: ", ")) or remove per_hour")
            }
        }
        for (i, result) in f.results.enumerated() {
            for (field, text) in [("text", result.text), ("text_unconfirmed", result.textUnconfirmed ?? "")] {
                for name in ResultTemplate.placeholders(text) where !Chemistry.names.contains(name) {
                    throw fail(
                        "results[\(i)].\(field)", "placeholder {\(name)} is not a laboratory value; use one of \(Chemistry.names.joined(separator: ", "))")
                }
            }
        }
        for (i, item) in f.answerKey.items.enumerated() {
            for (j, predicate) in (item.target ?? []).enumerated() {
                if let vital = predicate.vital, !(Vitals.fieldNames + ["map", "shock_index"]).contains(vital) {
                    throw fail("answer_key.items[\(i)].target[\(j)].vital", "'\(vital)' is not a vital sign")
                }
                if let lab = predicate.lab, !Chemistry.names.contains(lab) {
                    throw fail("answer_key.items[\(i)].target[\(j)].lab", "'\(lab)' is not a laboratory value")
                }
            }
        }
        for (i, m) in f.modifiers.enumerated() {
            try check([m.action], "modifiers[\(i)].action")
            try check(m.unlessAfter ?? [], "modifiers[\(i)].unless_after")
            try check(m.onlyAfter ?? [], "modifiers[\(i)].only_after")
            for (field, _) in (m.vitals ?? VitalsOffset()).sortedEntries where !Vitals.fieldNames.contains(field) {
                throw fail("modifiers[\(i)].vitals.\(field)", "is not a vital sign")
            }
        }
        for (i, entry) in f.interview.enumerated() {
            try check([entry.topic], "interview[\(i)].topic", kinds: [.interview])
            if entry.answers.isEmpty { throw fail("interview[\(i)].answers", "needs at least one answer") }
        }
        for (i, entry) in f.exam.enumerated() { try check([entry.action], "exam[\(i)].action", kinds: [.exam]) }
        for (i, entry) in f.results.enumerated() {
            try check([entry.action], "results[\(i)].action", kinds: [.lab, .ecg, .imaging, .consult])
        }
        for (i, rule) in f.admission.enumerated() {
            try check([rule.disposition], "admission[\(i)].disposition", kinds: [.disposition])
            try check(rule.requires.actionIDs, "admission[\(i)].requires")
            try cite(rule.source, "admission[\(i)].source")
        }
        if f.course.timeCompression.factor < 1 {
            throw fail("course.time_compression.factor", "must be at least 1 (how many times faster than the natural history)")
        }
        for (i, rule) in (f.course.pressureRules ?? []).enumerated() {
            guard let vital = rule.condition.vital, Vitals.fieldNames.contains(vital) else {
                throw fail("course.pressure_rules[\(i)].condition.vital", "must name a vital sign")
            }
            try cite(rule.source, "course.pressure_rules[\(i)].source")
        }

        let key = f.answerKey
        try check(key.outcome.confirms, "answer_key.outcome.confirms")
        try cite(key.outcome.source, "answer_key.outcome.source")
        try cite(key.survival.source, "answer_key.survival.source")
        let post = key.postEd
        if post.horizonDays <= 0 { throw fail("answer_key.post_ed.horizon_days", "must be a positive number of days") }
        if post.courses.isEmpty { throw fail("answer_key.post_ed.courses", "needs at least one course") }
        let dispositionIDs = catalog.actions.filter { $0.kind == .disposition }.map(\.id)
        for id in dispositionIDs + ["none"] where !post.courses.contains(where: { $0.dispositions.contains(id) }) {
            throw fail("answer_key.post_ed.courses", "no course covers disposition '\(id)'; every disposition (and 'none') needs one")
        }
        for (i, course) in post.courses.enumerated() {
            let field = "answer_key.post_ed.courses[\(i)]"
            try check(course.dispositions.filter { $0 != "none" }, "\(field).dispositions", kinds: [.disposition])
            try check(course.requires?.actionIDs ?? [], "\(field).requires")
            if !(0...1).contains(course.mortality) { throw fail("\(field).mortality", "must be a probability between 0 and 1") }
            try cite(course.source, "\(field).source")
            for (j, adjustment) in (course.adjustments ?? []).enumerated() {
                try check(
                    (adjustment.when.given ?? []) + (adjustment.when.notGiven ?? []) + (adjustment.when.notResulted ?? []), "\(field).adjustments[\(j)].when")
                for finding in adjustment.when.finding ?? [] where !f.course.findings.contains(where: { $0.id == finding }) {
                    throw fail("\(field).adjustments[\(j)].when.finding", "'\(finding)' is not a course finding id")
                }
                try cite(adjustment.source, "\(field).adjustments[\(j)].source")
            }
        }
        try check(key.disposition.accepted, "answer_key.disposition.accepted", kinds: [.disposition])
        for (i, p) in key.disposition.partial.enumerated() { try check(p.actions, "answer_key.disposition.partial[\(i)].actions", kinds: [.disposition]) }
        for (i, p) in key.disposition.harmful.enumerated() { try check(p.actions, "answer_key.disposition.harmful[\(i)].actions", kinds: [.disposition]) }
        try cite(key.disposition.source, "answer_key.disposition.source")
        var seen: [String] = []
        for (i, item) in key.items.enumerated() {
            let field = "answer_key.items[\(i)]"
            if seen.contains(item.id) { throw fail("\(field).id", "'\(item.id)' is used twice") }
            seen.append(item.id)
            if item.actions.isEmpty { throw fail("\(field).actions", "needs at least one action") }
            try check(item.actions, "\(field).actions")
            try check(item.before ?? [], "\(field).before")
            try check(item.requires?.actionIDs ?? [], "\(field).requires")
            if item.points < 0 { throw fail("\(field).points", "must not be negative; use missed_points for a penalty") }
            if [.survival, .disposition, .cost, .harm, .efficiency].contains(item.dimension) {
                throw fail("\(field).dimension", "'\(item.dimension.rawValue)' is scored by its own rule; use workup, red_flag, communication or documentation")
            }
            try cite(item.source, "\(field).source")
        }
        for (i, harm) in key.harmful.enumerated() {
            let field = "answer_key.harmful[\(i)]"
            if seen.contains(harm.id) { throw fail("\(field).id", "'\(harm.id)' is used twice") }
            seen.append(harm.id)
            try check(harm.actions, "\(field).actions")
            try check(harm.unlessAfter ?? [], "\(field).unless_after")
            if let when = harm.when {
                // A harm item reads the monitor and the actions before it; any other field would be silently ignored.
                let unread: [(String, Bool)] = [
                    ("lab", when.lab != nil), ("condition", when.condition != nil), ("not_condition", when.notCondition != nil),
                    ("running", when.running != nil), ("age_below", when.ageBelow != nil), ("age_at_least", when.ageAtLeast != nil),
                    ("ventilated", when.ventilated != nil), ("gcs_fall_at_least", when.gcsFallAtLeast != nil),
                    ("arrest", when.arrest != nil), ("shockable", when.shockable != nil),
                ]
                if let (name, _) = unread.first(where: \.1) {
                    throw fail(
                        "\(field).when.\(name)",
                        "a harm item reads only \(HarmItem.readableConditionFields.joined(separator: ", ")); state the condition with those, or leave the danger to the catalog's risk rules"
                    )
                }
                // The monitor's values as recorded with the action: the eight fields, not derived ones.
                if let vital = when.vital, !Vitals.fieldNames.contains(vital) {
                    throw fail(
                        "\(field).when.vital", "'\(vital)' is not a monitor field a harm item can read; use one of \(Vitals.fieldNames.joined(separator: ", "))"
                    )
                }
                if (when.vital != nil) != (when.above != nil || when.below != nil) {
                    throw fail("\(field).when", "a vital and a bound (above or below) go together")
                }
                try check((when.done ?? []) + (when.notDone ?? []), "\(field).when")
            }
            if harm.points > 0 { throw fail("\(field).points", "must be zero or negative") }
            try cite(harm.source, "\(field).source")
        }
        try cite(key.cost.source, "answer_key.cost.source")
        try cite(key.efficiency.source, "answer_key.efficiency.source")
        if key.efficiency.targetMin >= f.timeLimitMin {
            throw fail("answer_key.efficiency.target_min", "must be below time_limit_min (\(f.timeLimitMin))")
        }

        for (name, texts) in [("expert", f.policies.expert), ("anchoring", f.policies.anchoring)] {
            if texts.isEmpty { throw fail("policies.\(name)", "needs at least one action") }
            for (i, text) in texts.enumerated() {
                do {
                    _ = try resolver.resolve(text)
                } catch {
                    throw fail("policies.\(name)[\(i)]", error.description)
                }
            }
        }
    }
}
