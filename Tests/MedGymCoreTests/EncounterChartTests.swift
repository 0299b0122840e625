import Foundation
import MedGymCore
import Testing

/// The chart a `--prompt chart` corpus row shows: everything the conversation
/// held that bears on the next decision, in one message, never the truth.
struct EncounterChartTests {
    @Test func theChartHoldsEveryActionAndResultAndNotTheDiagnosis() throws {
        let resolver = ActionResolver(catalog: try ActionCatalog(json: try InMemoryContentTests.read("catalog/actions.json")))
        let data = try InMemoryContentTests.read("archetypes/adv_cocaine_dissection.json")
        let fixture = try FixtureDecoder.decode(data, file: "memory", resolver: resolver)
        var anchoring = AnchoringAgent(fixture: fixture, resolver: resolver)
        let episode = try EpisodeRunner(fixture: fixture, resolver: resolver).run(seed: 42, agent: &anchoring)
        let entries = episode.steps.map { EncounterChart.Entry(text: $0.text ?? "", observation: $0.result.observation) }
        let limits = EncounterChart.Limits(fixture)
        let chart = EncounterChart.render(arrival: episode.initialObservation, entries: entries, limits: limits)

        #expect(chart.hasPrefix("34M, chest pain"))
        #expect(chart.contains("The encounter ends at minute \(fixture.timeLimitMin) or after \(fixture.maxSteps) actions."))
        #expect(chart.contains("after \(entries.count) actions"))
        for entry in entries { #expect(chart.contains(entry.text), "\(entry.text) is missing") }
        for result in entries.flatMap(\.observation.results) { #expect(chart.contains("\(result.name) (ordered minute \(result.orderedAt)")) }
        #expect(!chart.contains(fixture.id) && !chart.lowercased().contains(fixture.truth.name.lowercased()))
        // The same facts, however many turns they took to arrive: one message, far shorter than the transcript.
        let transcript = ([episode.initialObservation] + entries.map(\.observation)).map { ChatTranscript.render($0, limits: limits) }
        #expect(chart.count < transcript.joined(separator: "\n").count + entries.map(\.text.count).reduce(0, +))
        // Before any action: the presentation, the limits and the vitals, nothing done.
        let start = EncounterChart.render(arrival: episode.initialObservation, entries: [], limits: nil)
        #expect(start.contains("after 0 actions") && !start.contains("Done so far"))
    }
}
