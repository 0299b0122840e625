import CLITestSupport
import Foundation
import Testing

@testable import MedGym
@testable import MedGymCore

/// Actions as a model or a clinician writes them: the repository's
/// paraphrase set (`Tests/MedGymTests/Data/paraphrases.json`: sentences with
/// the one catalog action each names, and texts naming none or several,
/// which must be refused). Accuracy and false accepts are reported and held.
struct ParaphraseTests {
    struct Entry: Decodable {
        var text: String
        var expected: String?
    }

    /// Accuracy over the positive texts, and false accepts (a negative text
    /// accepted, or a positive one resolved to another action) over all texts.
    static func measure() throws -> (accuracy: Double, falseAccepts: Double, positives: Int, negatives: Int, misses: [String]) {
        let file = CLI.packageRoot.appendingPathComponent("Tests/MedGymTests/Data/paraphrases.json")
        let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: file))
        let resolver = ActionResolver(catalog: .shipped, memoize: false)
        var correct = 0
        var wrong = 0
        var positives = 0
        var negatives = 0
        var misses: [String] = []
        for entry in entries {
            let got = try? resolver.resolve(entry.text).id
            if let expected = entry.expected {
                positives += 1
                if got == expected {
                    correct += 1
                } else {
                    if got != nil { wrong += 1 }
                    misses.append("\(entry.text) → \(got ?? "refused") (expected \(expected))")
                }
            } else {
                negatives += 1
                if let got {
                    wrong += 1
                    misses.append("\(entry.text) → \(got) (expected a refusal)")
                }
            }
        }
        return (Double(correct) / Double(positives), Double(wrong) / Double(entries.count), positives, negatives, misses)
    }

    @Test func paraphrasesResolveAndNothingIsGuessed() throws {
        let result = try Self.measure()
        #expect(result.positives >= 300)
        #expect(result.negatives >= 50)
        print(
            String(
                format: "paraphrases: %d positive, %d negative; accuracy %.1f %%, false accepts %.2f %%",
                result.positives, result.negatives, result.accuracy * 100, result.falseAccepts * 100))
        for miss in result.misses { print("  miss: \(miss)") }
        // The issue's bounds: at least 95 % resolved right, at most 1 % accepted wrongly.
        #expect(result.falseAccepts <= 0.01)
        #expect(result.accuracy >= 0.95)
    }

    /// The texts the issue quotes, as a model writes them, and what they must name.
    @Test func theIssuesExamplesResolve() throws {
        let resolver = ActionResolver(catalog: .shipped, memoize: false)
        let cases = [
            ("admit to OR", "to_or"), ("take him to the operating room", "to_or"),
            ("Order a CT angiogram of the chest to rule out aortic dissection", "cta_chest"),
            ("give labetalol 20 mg IV push", "labetalol"), ("I'd like to ask about drug use", "interview_substance_use"),
            ("Start an insulin drip at 0.1 units/kg/hr", "insulin_infusion"),
        ]
        for (text, id) in cases { #expect(try resolver.resolve(text).id == id, "\(text)") }
        do {
            _ = try resolver.resolve("reassure and discharge home")
            Issue.record("two actions in one text must be refused")
        } catch {
            #expect(error.several == true && error.suggestions == ["reassure", "discharge_home"])
        }
        // A second order after the reason is still a second order: refused, not half-taken.
        do {
            _ = try resolver.resolve("CTA chest to rule out dissection and give esmolol")
            Issue.record("an order after a reason must not be dropped")
        } catch {
            #expect(error.several == true && error.suggestions == ["cta_chest", "esmolol"])
        }
        #expect(try resolver.resolve("Foley catheter to monitor urine output").id == "foley")
    }

    @Test func actionsResolveShowsWhatATextNames() throws {
        let r = try CLI.run("medgym", ["actions", "--resolve", "take him to the operating room", "--resolve", "Tell me a joke"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("take him to the operating room  → to_or"))
        #expect(r.stdout.contains("Tell me a joke  ✗ unknown action"))
    }
}
