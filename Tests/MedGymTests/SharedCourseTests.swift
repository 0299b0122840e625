import CLITestSupport
import Foundation
import Testing

@testable import MedGym
@testable import MedGymCore

/// Shared disease courses: stated once with a source, drawn from a person's
/// baseline by any archetype that names one instead of drawing keyframes.
struct SharedCourseTests {
    static let baseline: [String: Double] = ["hr": 84, "sbp": 116, "dbp": 72, "rr": 16, "spo2": 99, "temp": 36.7, "gcs": 15, "pain": 6]

    /// The ruptured ectopic with its keyframes replaced by a shared course, written to a temp file.
    func ectopic(naming name: String, scale: Double? = nil, in dir: TempDir) throws -> String {
        let url = CLI.packageRoot.appendingPathComponent("Sources/MedGym/Resources/archetypes/ob_ruptured_ectopic.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var course = try #require(object["course"] as? [String: Any])
        course["keyframes"] = nil
        var reference: [String: Any] = ["name": name, "baseline": Self.baseline]
        if let scale { reference["scale"] = scale }
        course["library"] = reference
        object["course"] = course
        let file = dir.path("ob_ruptured_ectopic.json")
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func everyShippedCourseIsSourcedAndOrdered() throws {
        let library = try ShippedContent.courses
        #expect(
            library.courses.map(\.course) == [
                "acute_coronary_occlusion", "bradyarrhythmia", "distributive_shock", "haemorrhagic_shock", "obstructive_shock", "raised_icp",
                "stable", "ventilatory_failure",
            ])
        // Archetypes run them: the shipped fixtures naming each.
        let users = try FixtureLoader.shipped().compactMap(\.course.library?.name).sorted()
        #expect(
            users == [
                "acute_coronary_occlusion", "bradyarrhythmia", "distributive_shock", "haemorrhagic_shock", "obstructive_shock", "raised_icp",
                "stable", "stable", "stable", "stable", "ventilatory_failure",
            ])
        // Every archetype but the three curated (pinned by their recorded traces) and the septic shock names one.
        let own = try FixtureLoader.shipped().filter { $0.course.library == nil }.map(\.id)
        #expect(own == ["adv_aaa_30min", "adv_cocaine_dissection", "adv_pediatric_dka", "im_septic_shock"])
        for course in library.courses {
            #expect(!course.source.guideline.isEmpty && !course.source.section.isEmpty)
            #expect(course.stages.first?.progress == 0 && course.stages.last?.progress == 1)
            #expect(zip(course.stages, course.stages.dropFirst()).allSatisfy { $0.progress < $1.progress })
        }
    }

    @Test func anArchetypeNamingACourseDrawsItsKeyframesFromTheBaseline() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let fixture = try FixtureLoader.fixture(named: try ectopic(naming: "haemorrhagic_shock", in: dir))
        let shared = try #require(try ShippedContent.courses["haemorrhagic_shock"])
        #expect(fixture.course.library?.name == "haemorrhagic_shock")
        #expect(fixture.course.keyframes.map(\.progress) == shared.stages.map(\.progress))
        // Class III: 30–40 % lost, HR over 120 and the systolic falling, from this person's 84 and 116.
        let classIII = try #require(fixture.course.keyframes.first { $0.progress == 0.55 })
        #expect(classIII.vitals.hr == 84 + 46 && classIII.vitals.sbp == 116 - 30)
        // Scaled: half the change at every stage.
        let half = try FixtureLoader.fixture(named: try ectopic(naming: "haemorrhagic_shock", scale: 0.5, in: dir))
        let halfClassIII = try #require(half.course.keyframes.first { $0.progress == 0.55 })
        #expect(abs(halfClassIII.vitals.hr - 107) < 1e-9, "\(halfClassIII.vitals.hr)")
        // It plays like any fixture: the expert catches the bleed and the patient is alive at the end.
        var expert = AgentSpec.expert.makeAgent(fixture: fixture, seed: 1)
        let episode = try EpisodeRunner(fixture: fixture).run(seed: 1, agent: &expert)
        #expect(episode.finalState.alive && episode.score.outcome.hasPrefix("caught_"), "\(episode.score.composite)")
    }

    @Test func anUnknownCourseIsRefusedWithFileAndField() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try ectopic(naming: "no_such_course", in: dir)
        #expect(
            throws: FixtureError(
                file: file, field: "course.library.name",
                problem:
                    "'no_such_course' is not a shared course; use one of acute_coronary_occlusion, bradyarrhythmia, distributive_shock, haemorrhagic_shock, obstructive_shock, raised_icp, stable, ventilatory_failure"
            )
        ) {
            try FixtureLoader.fixture(named: file)
        }
    }

    @Test func anArrestPlanChanceOutsideZeroToOneIsRefused() throws {
        let url = CLI.packageRoot.appendingPathComponent("Sources/MedGym/Resources/archetypes/scc_tension_pneumothorax.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var course = try #require(object["course"] as? [String: Any])
        var arrest = try #require(course["arrest"] as? [String: Any])
        arrest["rosc_when_treated"] = 6
        course["arrest"] = arrest
        object["course"] = course
        let dir = try TempDir()
        defer { dir.remove() }
        let file = dir.path("scc_tension_pneumothorax.json")
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
        #expect(
            throws: FixtureError(
                file: file, field: "course.arrest.rosc_when_treated", problem: "is 6.0; it is a chance per rhythm check, between 0 and 1")
        ) {
            try FixtureLoader.fixture(named: file)
        }
    }
}
