import CLITestSupport
import Foundation
import Testing

@testable import MedGym
@testable import MedGymCore

/// The scenario engine: archetypes × tiers × variants, each a fixture made from the archetype's base.
struct ScenarioTests {
    @Test func anArchetypeAtItsOwnTierAndVariantZeroIsItsBaseFixture() throws {
        for archetype in try ScenarioCatalog.archetypes() {
            let base = try FixtureLoader.fixture(named: archetype.base)
            var made = try ScenarioCatalog.fixture(ScenarioID(archetype: archetype.archetype, tier: base.tier, variant: 0))
            #expect(made.id == "\(archetype.archetype)/t\(base.tier)/v0")
            made.id = base.id
            #expect(made == base, "\(archetype.archetype)")
        }
    }

    @Test func aScenarioIsTheSameFixtureEveryTimeAndAnIDReadsBack() throws {
        let id = try #require(try ScenarioID(parsing: "ruptured_aaa/t80/v3"))
        #expect(id == ScenarioID(archetype: "ruptured_aaa", tier: 80, variant: 3) && id.description == "ruptured_aaa/t80/v3")
        let a = try FixtureLoader.fixture(named: "ruptured_aaa/t80/v3")
        let b = try FixtureLoader.fixture(named: "ruptured_aaa/t80/v3")
        #expect(a == b)
        let (encodedA, encodedB) = (try CanonicalJSON.string(a), try CanonicalJSON.string(b))
        #expect(encodedA == encodedB)
        let base = try FixtureLoader.fixture(named: "adv_aaa_30min")
        #expect(a.tier == 80 && a.truth == base.truth)
        #expect(try ScenarioID(parsing: "adv_aaa_30min") == nil)
        #expect(try ScenarioID(parsing: "cases/my_case.json") == nil)
    }

    /// Tier 1 arrives sicker than tier 100 (the same disease, easier to see), and the key never changes.
    @Test(arguments: archetypeNames)
    func higherTiersArriveLookingBetterWithTheSameKey(archetype: String) throws {
        let archetypeData = try ScenarioCatalog.archetype(named: archetype)
        let normal = archetypeData.normalVitals ?? ScenarioEngine.adultNormal
        func distance(_ f: Fixture) -> Double {
            let v = f.course.keyframes[0].vitals
            return abs(v.hr - normal.hr) / 10 + abs(v.sbp - normal.sbp) / 10 + abs(v.rr - normal.rr) / 2 + abs(v.spo2 - normal.spo2)
        }
        let easy = try FixtureLoader.fixture(named: "\(archetype)/t1/v0")
        let hard = try FixtureLoader.fixture(named: "\(archetype)/t100/v0")
        #expect(distance(easy) > distance(hard))
        // (a stable course, as the negative class has, has no pace for a tier to change)
        #expect(hard.course.ratePerMin > easy.course.ratePerMin || (easy.course.ratePerMin == 0 && hard.course.ratePerMin == 0))
        #expect(easy.answerKey == hard.answerKey && easy.policies == hard.policies)
        #expect(easy.patient.triageNote != hard.patient.triageNote)
    }

    /// The expert survives and scores ≥ +75 at every tier band and on several people; the anchoring agent scores below.
    @Test(arguments: archetypeNames)
    func theExpertHoldsAtEveryTierAndVariant(archetype: String) throws {
        for tier in [1, 50, 100] {
            for variant in [0, 1, 4, 9] {
                let fixture = try FixtureLoader.fixture(named: "\(archetype)/t\(tier)/v\(variant)")
                for seed: UInt64 in [1, 7] {
                    var expert = AgentSpec.expert.makeAgent(fixture: fixture, seed: seed)
                    let card = try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &expert).score
                    #expect(card.composite >= 75 && card.outcome.hasPrefix("caught_"), "\(fixture.id) seed \(seed): \(card.composite) \(card.outcome)")
                    var anchoring = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: seed)
                    let anchored = try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &anchoring).score
                    #expect(anchored.composite < card.composite, "\(fixture.id) seed \(seed)")
                }
            }
        }
    }

    @Test func theCatalogueCountsDistinctPresentations() throws {
        let all = try ScenarioListing.list()
        let archetypes = try ScenarioCatalog.archetypes()
        #expect(all.scenarios.count == archetypes.map { 100 * $0.variants }.reduce(0, +))
        // The issue's floors: 1,500 distinct presentations from 15 archetypes over six specialties, three negative-class.
        #expect(all.distinct >= 1_500, "\(all.distinct)")
        #expect(all.archetypes == archetypes.count && all.archetypes >= Self.archetypeFloor)
        #expect(all.specialties >= 6 && all.negativeClass >= 3)
        let some = try ScenarioListing.list(archetype: "ruptured_aaa", tiers: 40...60)
        #expect(some.scenarios.count == 21 * 10 && some.scenarios.allSatisfy { $0.archetype == "ruptured_aaa" && (40...60).contains($0.tier) })
        let ids = some.scenarios.map { ScenarioID(archetype: $0.archetype, tier: $0.tier, variant: $0.variant) }
        #expect(ids == ids.sorted() && ids.map(\.description) == some.scenarios.map(\.id))
    }

    @Test func badScenarioIDsAreTypedErrorsNamingTheFix() throws {
        #expect(throws: ScenarioError.self) { try ScenarioID(parsing: "ruptured_aaa/t0/v1") }
        do {
            _ = try FixtureLoader.fixture(named: "no_such_case/t10/v1")
            Issue.record("an unknown archetype loaded")
        } catch let error as ScenarioError {
            #expect(error.kind == .unknownArchetype && error.description.contains(Self.archetypeNames.joined(separator: ", ")))
        }
        do {
            _ = try FixtureLoader.fixture(named: "ruptured_aaa/t10/v99")
            Issue.record("a variant out of range loaded")
        } catch let error as ScenarioError {
            #expect(error.kind == .outOfRange && error.description.contains("variants 0 to 9"))
        }
        #expect(throws: TierRangeError(text: "0-20")) { try TierRange.parse("0-20") }
        let (range, one) = (try TierRange.parse("40-60"), try TierRange.parse("7"))
        #expect(range == 40...60 && one == 7...7)
        #expect(try TierRange.parseVariants("0-1") == 0...1)
        #expect(throws: TierRangeError(text: "-1", what: "variants")) { try TierRange.parseVariants("-1") }
        // Scenario patterns, as batch --fixtures takes them.
        let pattern = try #require(try ScenarioPattern(parsing: "ruptured_*/t1-20/v0-4"))
        #expect(pattern.matches(ScenarioID(archetype: "ruptured_aaa", tier: 20, variant: 4)))
        #expect(!pattern.matches(ScenarioID(archetype: "ruptured_aaa", tier: 21, variant: 0)))
        #expect(!pattern.matches(ScenarioID(archetype: "paediatric_dka", tier: 5, variant: 0)))
        #expect(try ScenarioPattern(parsing: "adv_*") == nil)
        #expect(
            try ScenarioCatalog.ids(matching: try #require(try ScenarioPattern(parsing: "*/t100/v9"))).count
                == ScenarioCatalog.archetypes().count)
        for bad in ["ruptured_aaa/t0-20/*", "ruptured_aaa/x1/*", "ruptured_aaa/t5/v3-1"] {
            #expect(throws: ScenarioError.self, "\(bad)") { try ScenarioPattern(parsing: bad) }
        }
    }

    @Test func aBrokenArchetypeFileIsReportedWithFileAndField() throws {
        let base = try FixtureLoader.fixture(named: "adv_aaa_30min")
        let good = try Data(contentsOf: try #require(ScenarioCatalog.archetypeURLs().first { $0.lastPathComponent == "ruptured_aaa.json" }))
        var object = try #require(try JSONSerialization.jsonObject(with: good) as? [String: Any])
        var tiering = try #require(object["tiering"] as? [String: Any])
        var answers = try #require(tiering["answers"] as? [[String: Any]])
        answers[0]["topic"] = "interview_no_such_topic"
        tiering["answers"] = answers
        object["tiering"] = tiering
        let broken = try JSONSerialization.data(withJSONObject: object)
        #expect(
            throws: FixtureError(
                file: "scenarios/x.json", field: "tiering.answers[0].topic", problem: "'interview_no_such_topic' is not an interview topic of adv_aaa_30min")
        ) {
            try ArchetypeDecoder.decode(broken, file: "scenarios/x.json", base: base)
        }
        object["variants"] = 0
        #expect(throws: FixtureError.self) { try ArchetypeDecoder.decode(try JSONSerialization.data(withJSONObject: object), file: "x", base: base) }
    }

    /// A scenario id works where a fixture name does: a run is recorded under it and verifies.
    @Test func aScenarioRunsRecordsAndVerifiesFromTheCommandLine() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let env = ["MEDGYM_STORE": dir.path("store.sqlite")]
        let run = try CLI.run("medgym", ["run", "--fixture", "aortic_dissection/t90/v2", "--seed", "3", "--json"], env: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("aortic_dissection/t90/v2"))
        let verify = try CLI.run("replay", ["verify", "--all"], env: env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let count = try CLI.run("medgym", ["scenarios", "--count"])
        let total = try ScenarioCatalog.archetypes().map { 100 * $0.variants }.reduce(0, +)
        #expect(count.status == 0 && count.stdout.contains("\(total) scenarios"))
        let show = try CLI.run("medgym", ["scenarios", "show", "ruptured_aaa/t80/v3", "--answer-key"])
        #expect(show.status == 0 && show.stdout.contains("Answer key") && show.stdout.contains("ruptured_aaa/t80/v3"))
        let blind = try CLI.run("medgym", ["scenarios", "show", "ruptured_aaa/t80/v3"])
        #expect(blind.status == 0 && !blind.stdout.lowercased().contains("aneurysm") && !blind.stdout.contains("Answer key"))
        let bad = try CLI.run("medgym", ["scenarios", "--tier", "0-200"])
        #expect(bad.status == 64 && bad.stderr.contains("invalid tiers '0-200'"))
        let badPattern = try CLI.run("medgym", ["batch", "--fixtures", "ruptured_aaa/t0-5/*", "--no-store"], env: env)
        #expect(badPattern.status == 64 && badPattern.stderr.contains("tiers run from 1 to 100"), "\(badPattern.stderr)")
        let noVariant = try CLI.run("medgym", ["scenarios", "difficulty", "--variants", "20-30"])
        #expect(noVariant.status == 64 && noVariant.stderr.contains("no scenario matches"), "\(noVariant.stderr)")
        let badVariant = try CLI.run("medgym", ["scenarios", "difficulty", "--variants", "x"])
        #expect(badVariant.status == 64 && badVariant.stderr.contains("invalid variants 'x'"), "\(badVariant.stderr)")
        // A batch over scenario patterns prints its summary by specialty and tier band.
        let batch = try CLI.run(
            "medgym", ["batch", "--fixtures", "ruptured_aaa/t1-40/v0-1", "--seeds", "1", "--agent", "expert", "--no-store"], env: env)
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.stdout.contains("80 fixture × agent groups, by specialty and tier band:"))
        #expect(batch.stdout.contains("vascular_surgery · tiers 1–20 × expert: 40 fixtures, 40 episodes, mean composite +"))
        #expect(batch.stdout.contains("vascular_surgery · tiers 21–40 × expert: 40 fixtures, 40 episodes"))
        // A leaderboard over scenarios ranks per tier band, specialty or archetype when asked.
        let recorded = try CLI.run(
            "medgym", ["batch", "--fixtures", "ruptured_aaa/t15-25/v0,adv_aaa_30min", "--seeds", "1-2", "--agent", "expert,anchoring"], env: env)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let byTier = try CLI.run("medgym", ["leaderboard", "--by", "tier"], env: env)
        #expect(byTier.status == 0, "\(byTier.stderr)")
        #expect(byTier.stdout.contains("per tier band"))
        let bands = ["tiers 1–20", "tiers 21–40", "tiers 41–60", "tiers 81–100"].map { byTier.stdout.range(of: "\n" + $0 + "\n")?.lowerBound }
        #expect(bands.allSatisfy { $0 != nil } && bands.map { $0! } == bands.map { $0! }.sorted(), "\(byTier.stdout)")
        let bySpecialty = try CLI.run("medgym", ["leaderboard", "--by", "specialty", "--json"], env: env)
        #expect(bySpecialty.status == 0 && bySpecialty.stdout.contains("\"grouping\" : \"specialty\""))
        #expect(bySpecialty.stdout.contains("\"fixture\" : \"vascular_surgery\"") && bySpecialty.stdout.contains("\"fixture\" : \"emergency_medicine\""))
        let byArchetype = try CLI.run("medgym", ["leaderboard", "--by", "archetype"], env: env)
        #expect(byArchetype.stdout.contains("\nruptured_aaa\n") && byArchetype.stdout.contains("\nadv_aaa_30min\n"))
        let badBy = try CLI.run("medgym", ["leaderboard", "--by", "colour"], env: env)
        #expect(badBy.status == 64 && badBy.stderr.contains("fixture"))
        let unknown = try CLI.run("medgym", ["run", "--fixture", "no_such_case/t10/v1"])
        #expect(unknown.status == 2 && unknown.stderr.contains("known archetypes"))
    }

    /// `medgym bench` plays the catalogue once by the expert, without a store and into a file store.
    @Test func theBenchmarkPlaysTheCatalogue() throws {
        let bench = try CLI.run(
            "medgym", ["bench", "--episodes", "1", "--recordings", "1", "--forks", "1", "--batch", "2", "--corpus", "0", "--catalogue", "12", "--json"])
        #expect(bench.status == 0, "\(bench.stderr)")
        for name in ["catalogue_scenarios_made_per_second", "catalogue_scenarios_per_second", "catalogue_recorded_per_second"] {
            #expect(bench.stdout.contains("\"\(name)\""), "\(name)")
        }
        #expect(bench.stdout.contains("on each of 12 scenarios; 12 caught"))
        // Each figure with its reference measured in the same run, and the whole-process figures.
        for name in [
            "json_canonical_encodes_per_second", "reference_foundation_json_encodes_per_second", "reference_empty_process_start",
            "medgym_version_process", "mcp_tool_call", "reference_mcp_ping",
        ] {
            #expect(bench.stdout.contains("\"\(name)\""), "\(name)")
        }
    }

    /// Difficulty is real: on every archetype at tiers 1–100, variant 0 (at least 500 scenarios) the
    /// truth-blind protocol agent scores at least 20 points lower at tiers 81–100 than at 1–20, and the
    /// expert holds at +75 or more in every band.
    @Test func theTruthBlindAgentFallsWithTheTierWhileTheExpertHolds() throws {
        let fixtures = try ScenarioCatalog.scenarios().filter { $0.id.variant == 0 }.map(\.fixture)
        #expect(fixtures.count == 100 * Self.archetypeNames.count && fixtures.count >= 500)
        let table = try ScenarioDifficulty.measure(fixtures, seeds: [1])
        #expect(table.agents == ["protocol", "expert"] && table.bands.count == 5)
        let (easy, hard) = (table.bands[0], table.bands[4])
        #expect(easy.tiers == 1...20 && hard.tiers == 81...100)
        #expect(easy.meanComposite[0] - hard.meanComposite[0] >= 20, "\(table.text)")
        for band in table.bands {
            #expect(band.meanComposite[1] >= 75, "\(table.text)")
            #expect(band.meanComposite[0] < band.meanComposite[1], "\(table.text)")
        }
    }

    /// The protocol agent knows nothing of the truth: it is made without the fixture, and the same
    /// observations give the same actions.
    @Test func theProtocolAgentIsTruthBlindAndDeterministic() throws {
        let fixture = try FixtureLoader.fixture(named: "ruptured_aaa/t90/v4")
        func play() throws -> [String] {
            var agent = AgentSpec.truthBlind.makeAgent(fixture: fixture, seed: 3)
            #expect(agent.id == "protocol")
            return try EpisodeRunner(fixture: fixture).run(seed: 3, agent: &agent).steps.map(\.result.action)
        }
        let (a, b) = (try play(), try play())
        #expect(a == b && a.contains("pocus_aorta") && a.last == "to_or")
        #expect(try AgentSpec.parse("protocol", readFile: { _ in "" }) == .truthBlind)
        // A result that denies a finding does not say it.
        #expect(!ProtocolAgent.affirms("dissection", in: "cta chest: normal aorta, no aortic dissection or aneurysm."))
        #expect(!ProtocolAgent.affirms("dissection", in: "cta chest: there is no evidence of dissection."))
        #expect(ProtocolAgent.affirms("dissection", in: "cta chest: no effusion. stanford type a dissection."))
        #expect(ProtocolAgent.affirms("retroperitoneal", in: "ct: no urinary stone. infrarenal aaa with a retroperitoneal hematoma."))
        let cli = try CLI.run("medgym", ["scenarios", "difficulty", "--archetype", "ruptured_aaa", "--tier", "1-40", "--variants", "0"])
        #expect(cli.status == 0 && cli.stdout.contains("1–20") && cli.stdout.contains("21–40") && cli.stdout.contains("protocol"))
    }

    /// Every shipped archetype (a test below checks this list against the catalogue).
    static let archetypeNames = [
        "acute_ischaemic_stroke", "anaphylaxis", "aortic_dissection", "hyperkalaemia", "low_risk_chest_pain", "minor_head_injury",
        "opioid_overdose", "paediatric_dka", "perc_negative_pleuritic_pain", "ruptured_aaa", "ruptured_ectopic", "septic_shock",
        "simple_febrile_seizure", "stemi_vf", "tension_pneumothorax",
    ]
    static let archetypeFloor = 15

    @Test func theLintListIsEveryArchetype() throws {
        #expect(try ScenarioCatalog.archetypes().map(\.archetype).sorted() == Self.archetypeNames)
    }

    /// The lint `medgym fixtures lint --tiers` runs passes on every archetype across its tiers.
    @Test(arguments: archetypeNames)
    func everyArchetypeLintsAcrossItsTiers(archetype: String) throws {
        let report = try ScenarioLint.check([try ScenarioCatalog.archetype(named: archetype)])
        #expect(report.passed, "\(report.text)")
        #expect(report.text.contains("1 archetypes valid across their tiers"))
    }
}
