import CLITestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `medgym serve --http`, the real binary on a real store: the list (filtered, sorted, paged, each row
/// checked), one episode whole, the resolver's suggestions, a fork from the page's endpoint, errors
/// that name the parameter and the fix, pages served with a same-origin policy, and a list that
/// grows while another process records.
struct ViewerServerTests {
    /// A running viewer and the URL it printed.
    struct Viewer {
        let process: Process
        let base: URL

        static func start(store: String, extra: [String] = []) throws -> Viewer {
            try attach(try CLI.start("medgym", ["serve", "--http", "--port", "0", "--store", store] + extra, capture: true))
        }

        /// The viewer `process` runs, once it prints its URL.
        static func attach(_ process: Process) throws -> Viewer {
            let out = (process.standardOutput as! Pipe).fileHandleForReading
            var line = Data()
            while true {
                let byte = out.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line += byte
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let start = text.range(of: "http://"), let end = text[start.lowerBound...].firstIndex(of: " "),
                let url = URL(string: String(text[start.lowerBound..<end]))
            else {
                process.terminate()
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no URL in: \(text)"])
            }
            return Viewer(process: process, base: url)
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }

        func get(_ path: String) async throws -> (status: Int, body: Data, headers: [String: String]) {
            try await send(URLRequest(url: URL(string: path, relativeTo: base)!))
        }

        func post(_ path: String, _ json: String) async throws -> (status: Int, body: Data, headers: [String: String]) {
            var request = URLRequest(url: URL(string: path, relativeTo: base)!)
            request.httpMethod = "POST"
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            return try await send(request)
        }

        private func send(_ request: URLRequest) async throws -> (status: Int, body: Data, headers: [String: String]) {
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = response as! HTTPURLResponse
            var headers: [String: String] = [:]
            for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
            return (http.statusCode, data, headers)
        }
    }

    func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theViewerServesTheListAnEpisodeAForkAndTheirErrors() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        let batch = try CLI.run("medgym", ["batch", "--fixtures", "adv_*", "--seeds", "1-2", "--agent", "expert,anchoring", "--store", store])
        #expect(batch.status == 0, "\(batch.stderr)")
        let viewer = try Viewer.start(store: store)
        defer { viewer.stop() }
        #expect(viewer.base.host == "127.0.0.1", "loopback unless told otherwise")

        let all = try object(try await viewer.get("/api/episodes").body)
        #expect(all["total"] as? Int == 13)
        let rows = try #require(all["rows"] as? [[String: Any]])
        #expect(rows.count == 13 && rows.allSatisfy { $0["check"] as? String == "checked" })
        #expect(rows.last?["episode_id"] as? String == "ep_0fa72a32ec1d", "newest first: the demo was stored first")

        let sorted = try object(try await viewer.get("/api/episodes?fixture=adv_a*&sort=composite&order=asc&limit=2").body)
        #expect(sorted["total"] as? Int == 4)
        let composites = try #require(sorted["rows"] as? [[String: Any]]).compactMap { $0["composite"] as? Double }
        #expect(composites.count == 2 && composites[0] <= composites[1])
        let facets = try object(try await viewer.get("/api/facets").body)
        let specialties = try #require((facets["facets"] as? [[String: Any]])?.first { $0["name"] as? String == "specialty" }?["values"] as? [String])
        #expect(!specialties.isEmpty)
        var bySpecialty = 0
        for specialty in specialties {
            let query = specialty.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? specialty
            bySpecialty += try object(try await viewer.get("/api/episodes?specialty=\(query)&limit=1").body)["total"] as? Int ?? 0
        }
        #expect(bySpecialty == 13, "every episode falls under one specialty")
        let tiered = try object(try await viewer.get("/api/episodes?min_tier=1&max_tier=100&from=2000-01-01&until=2999-12-31").body)
        #expect(tiered["total"] as? Int == 13)
        #expect(try object(try await viewer.get("/api/episodes?until=2000-01-01").body)["total"] as? Int == 0)
        let page2 = try object(try await viewer.get("/api/episodes?limit=5&offset=10").body)
        #expect((page2["rows"] as? [Any])?.count == 3)

        for (query, message) in [
            ("min_tier=x", "min_tier 'x' is not a whole number in 1…100"), ("fxture=adv", "unknown parameter 'fxture'"),
            ("sort=colour", "sort 'colour' is not a column"), ("limit=100000", "limit '100000' is not a whole number in 1…500"),
        ] {
            let reply = try await viewer.get("/api/episodes?\(query)")
            #expect(reply.status == 400)
            #expect((try object(reply.body)["error"] as? String) == message, "\(query)")
        }
        let near = try object(try await viewer.get("/api/episodes?fxture=adv").body)
        #expect((near["suggestions"] as? [String])?.contains("fixture") == true)

        let demo = try object(try await viewer.get("/api/episodes/ep_0fa72a32ec1d").body)
        let events = try #require(demo["events"] as? [[String: Any]])
        #expect(events.first?["kind"] as? String == "episode_started" && events.last?["kind"] as? String == "score")
        let texts = events.filter { $0["kind"] as? String == "action_received" }.compactMap { ($0["payload"] as? [String: Any])?["text"] as? String }
        #expect(texts.contains("reassure, no imaging"))
        let unknown = try await viewer.get("/api/episodes/ep_0fa72a32ec1e")
        #expect(unknown.status == 404)
        #expect((try object(unknown.body)["suggestions"] as? [String]) == ["ep_0fa72a32ec1d"])

        let postmortem = try object(try await viewer.get("/api/episodes/ep_0fa72a32ec1d/postmortem").body)
        #expect(postmortem["verdict"] as? String == "missed")
        #expect((postmortem["decisive"] as? [String: Any])?["step"] as? Int == 13)
        let sweep = try object(try await viewer.get("/api/episodes/ep_0fa72a32ec1d/sweep").body)
        let swept = try #require(sweep["steps"] as? [[String: Any]])
        #expect(swept.count == 28 && swept[12]["regret"] as? Double == 10)
        let training = try object(try await viewer.get("/api/episodes/ep_0fa72a32ec1d/training").body)
        #expect((training["rlvr"] as? [Any])?.count == 28 && ((training["grpo"] as? [Any])?.isEmpty == false))
        #expect(try await viewer.get("/api/episodes/ep_0fa72a32ec1e/sweep").status == 404)

        let cta = try object(try await viewer.get("/api/actions?q=CT%20angio%20thorax").body)
        #expect(cta["action"] as? String == "cta_chest")
        let typing = try object(try await viewer.get("/api/actions?q=esmo").body)
        #expect(typing["action"] == nil && (typing["suggestions"] as? [String])?.first == "esmolol", "completed as typed")
        let nothing = try object(try await viewer.get("/api/actions?q=zzqx").body)
        #expect(nothing["action"] == nil && (nothing["suggestions"] as? [String]) == [])

        let fork = try await viewer.post("/api/fork", #"{"episode": "ep_0fa72a32ec1d", "step": 13, "action": "CTA chest"}"#)
        #expect(fork.status == 200)
        let arms = try object(fork.body)
        #expect((arms["actual"] as? [String: Any])?["outcome"] as? String == "missed_aad")
        #expect((arms["counterfactual"] as? [String: Any])?["outcome"] as? String == "caught_aad")
        let refused = try await viewer.post("/api/fork", #"{"episode": "ep_0fa72a32ec1d", "step": 13, "action": "CTA chest", "save": true}"#)
        #expect(refused.status == 403)
        #expect((try object(refused.body)["error"] as? String)?.contains("--allow-save") == true)
        let badStep = try await viewer.post("/api/fork", #"{"episode": "ep_0fa72a32ec1d", "step": 99, "action": "CTA chest"}"#)
        #expect(badStep.status == 400)
        #expect((try object(badStep.body)["error"] as? String)?.contains("1") == true)
        let notJSON = try await viewer.post("/api/fork", "step 13")
        #expect(notJSON.status == 400)

        let page = try await viewer.get("/")
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        #expect(String(decoding: page.body, as: UTF8.self).contains("/assets/viewer.js"))
        for path in ["/episodes/ep_0fa72a32ec1d", "/fork", "/assets/viewer.js", "/assets/viewer.css"] {
            #expect(try await viewer.get(path).status == 200, "\(path)")
        }
        #expect(try await viewer.get("/assets/secrets.txt").status == 404)

        let diff = try object(try await viewer.get("/api/diff?baseline=expert&candidate=anchoring").body)
        let regressions = try #require(diff["regressions"] as? [[String: Any]])
        #expect(diff["pairs"] as? Int == 6 && !regressions.isEmpty)
        #expect(regressions.allSatisfy { ($0["candidate_episode"] as? String)?.hasPrefix("ep_") == true })
        #expect(try await viewer.get("/api/diff?baseline=expert").status == 400)
        let board = try object(try await viewer.get("/api/leaderboard?by=archetype").body)
        #expect((board["rows"] as? [[String: Any]])?.first?["agent"] as? String == "expert")
        let grouping = try await viewer.get("/api/leaderboard?by=colour")
        #expect(grouping.status == 400)
        #expect((try object(grouping.body)["suggestions"] as? [String]) == ["fixture", "archetype", "specialty", "tier"])
        for path in ["/diff", "/leaderboard"] { #expect(try await viewer.get(path).status == 200, "\(path)") }

        // Another process records into the same store while the viewer reads it.
        let more = try CLI.run("medgym", ["batch", "--fixtures", "em_anaphylaxis", "--seeds", "1-3", "--agent", "expert", "--store", store])
        #expect(more.status == 0, "\(more.stderr)")
        #expect(try object(try await viewer.get("/api/episodes").body)["total"] as? Int == 16)
    }

    @Test func saveIsAllowedOnlyWhenAskedAndBadFlagsAreRefused() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        let viewer = try Viewer.start(store: store, extra: ["--allow-save"])
        defer { viewer.stop() }
        let saved = try await viewer.post("/api/fork", #"{"episode": "ep_0fa72a32ec1d", "step": 13, "action": "CTA chest", "save": true}"#)
        #expect(saved.status == 200)
        let id = try #require(try object(saved.body)["saved_as"] as? String)
        let forks = try object(try await viewer.get("/api/episodes?forks=true").body)
        #expect((forks["rows"] as? [[String: Any]])?.contains { $0["episode_id"] as? String == id } == true)

        let both = try CLI.run("medgym", ["serve", "--http", "--mcp"])
        #expect(both.status == 64 && both.stderr.contains("choose one transport"))
        let port = try CLI.run("medgym", ["serve", "--http", "--port", "70000"])
        #expect(port.status == 64 && port.stderr.contains("--port 70000 is out of range; use 0…65535"))
        // The port the running viewer holds, asked for again: the address is named, and the fix.
        let taken = try #require(viewer.base.port)
        let busy = try CLI.run("medgym", ["serve", "--http", "--port", String(taken), "--store", store])
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("cannot listen on 127.0.0.1:\(taken) (") && busy.stderr.contains("choose another --port (0 takes any free one) or --host"))
        let host = try CLI.run("medgym", ["serve", "--http", "--host", "nope.invalid", "--port", "0", "--store", store])
        #expect(host.status == 1 && host.stderr.contains("cannot listen on nope.invalid:0"))
    }

    /// The live page's run: started from its endpoint, every turn streamed (server-sent events), then
    /// recorded as `medgym run` records it: the anchored agent on the demo's fixture and seed is the
    /// demo episode itself, already stored. Starting runs needs --allow-run.
    @Test func aLiveRunStreamsEveryTurnAndIsRecordedAsMedgymRunRecordsIt() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        let closed = try Viewer.start(store: store)
        let refused = try await closed.post("/api/live", #"{"fixture": "adv_cocaine_dissection", "agent": "anchoring"}"#)
        closed.stop()
        #expect(refused.status == 403)
        #expect((try object(refused.body)["error"] as? String)?.contains("--allow-run") == true)

        let viewer = try Viewer.start(store: store, extra: ["--allow-run"])
        defer { viewer.stop() }
        let typo = try await viewer.post("/api/live", #"{"fixture": "adv_cocaine_dissectio", "agent": "anchoring"}"#)
        #expect(typo.status == 400)
        #expect((try object(typo.body)["suggestions"] as? [String])?.contains("adv_cocaine_dissection") == true)
        let started = try await viewer.post("/api/live", #"{"fixture": "adv_cocaine_dissection", "seed": 42, "agent": "anchoring", "pace_ms": 0}"#)
        #expect(started.status == 200)
        let stream = try #require(try object(started.body)["stream"] as? String)
        // The stream ends with the run: read whole, it holds every line published.
        let body = String(decoding: try await viewer.get(stream).body, as: UTF8.self)
        let lines = try body.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map {
            try object(Data($0.dropFirst(6).utf8))
        }
        let actions = lines.filter { $0["type"] as? String == "action" }
        #expect(actions.count == 28 && actions.first?["text"] as? String == "order ECG")
        let alerts = lines.compactMap { ($0["observation"] as? [String: Any])?["alerts"] as? [String] }.flatMap { $0 }
        #expect(alerts.contains { $0.contains("tearing back pain") })
        let end = try #require(lines.last)
        #expect(end["type"] as? String == "end" && end["episode_id"] as? String == "ep_0fa72a32ec1d" && end["already_stored"] as? Bool == true)
        #expect((end["score"] as? [String: Any])?["outcome"] as? String == "missed_aad")
        let runs = try #require(try JSONSerialization.jsonObject(with: try await viewer.get("/api/live").body) as? [[String: Any]])
        #expect(runs.count == 1 && runs[0]["state"] as? String == "stored" && runs[0]["source"] as? String == "viewer")
        #expect(runs.first?["episode_id"] as? String == "ep_0fa72a32ec1d" && runs.first?["already_stored"] as? Bool == true)
        #expect(try await viewer.get("/api/live/run_9/stream").status == 404)
        #expect(try await viewer.get("/live").status == 200)
    }

    /// An `openai:MODEL` agent from the live page: its endpoint and the variable holding its key are
    /// given with the request (the key itself stays in the viewer's environment), and the stored episode
    /// records the endpoint as `medgym run --base-url` does.
    @Test func aLiveRunCanBeAModelAtAnEndpoint() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let key = "sk-viewer-test-4e1b"
        let text: (String) -> [String: Any] = { ["body": ["choices": [["message": ["role": "assistant", "content": $0]]], "usage": ["total_tokens": 50]]] }
        let script = [
            text("ECG"), text("CTA chest"), ["body": "{not json"], text("esmolol"), text("call cardiothoracic surgery"),
            text("to the operating room"),
        ]
        let scriptPath = dir.path("script.json")
        try JSONSerialization.data(withJSONObject: script).write(to: URL(fileURLWithPath: scriptPath))
        let (log, portPath) = (dir.path("requests.jsonl"), dir.path("port.txt"))
        let fake = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Agents/fake_openai.py").path
        let quoted = [fake, scriptPath, key, log, portPath].map { "'" + $0 + "'" }.joined(separator: " ")
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        launcher.arguments = ["-c", "python3 \(quoted) </dev/null >/dev/null 2>&1 &"]
        try CLI.withNoSignalsBlocked { try launcher.run() }
        launcher.waitUntilExit()
        var fields: [String] = []
        for _ in 0..<200 where fields.count < 2 {
            try await Task.sleep(for: .milliseconds(50))
            fields = ((try? String(contentsOfFile: portPath, encoding: .utf8)) ?? "").split(separator: " ").map(String.init)
        }
        let (port, pid) = try (#require(fields.first.flatMap { Int($0) }), #require(fields.last.flatMap { pid_t($0) }))
        defer { kill(pid, SIGKILL) }
        let endpoint = "http://127.0.0.1:\(port)/v1"

        let store = dir.path("store.sqlite")
        let process = try CLI.start(
            "medgym", ["serve", "--http", "--port", "0", "--allow-run", "--store", store], env: ["MEDGYM_TEST_KEY": key], capture: true)
        let viewer = try Viewer.attach(process)
        defer { viewer.stop() }
        let missing = try await viewer.post("/api/live", #"{"fixture": "adv_cocaine_dissection", "agent": "openai:test-model"}"#)
        #expect(missing.status == 400)
        #expect((try object(missing.body)["error"] as? String)?.contains("needs base_url") == true)
        let started = try await viewer.post(
            "/api/live",
            #"{"fixture": "adv_cocaine_dissection", "agent": "openai:test-model", "pace_ms": 0, "base_url": "\#(endpoint)", "api_key_env": "MEDGYM_TEST_KEY"}"#)
        #expect(started.status == 200, "\(String(decoding: started.body, as: UTF8.self))")
        let stream = try #require(try object(started.body)["stream"] as? String)
        let lines = try String(decoding: try await viewer.get(stream).body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("data: ") }.map { try object(Data($0.dropFirst(6).utf8)) }
        let texts = lines.filter { $0["type"] as? String == "action" }.compactMap { $0["text"] as? String }
        #expect(Array(texts.prefix(2)) == ["ECG", "CTA chest"])
        // A reply that is not JSON is a failed turn: streamed too.
        #expect(lines.contains { $0["type"] as? String == "failure" && ($0["kind"] as? String)?.isEmpty == false })
        let id = try #require(lines.last?["episode_id"] as? String, "\(lines.last ?? [:])")
        let episode = try object(try await viewer.get("/api/episodes/\(id)").body)
        let start = try #require((episode["events"] as? [[String: Any]])?.first?["payload"] as? [String: Any])
        let recorded = (start["provenance"] as? [String: Any])?["endpoint"] as? [String: Any]
        #expect(recorded?["base_url"] as? String == endpoint)
        #expect(!String(decoding: try await viewer.get("/api/episodes/\(id)").body, as: UTF8.self).contains(key), "the key is never stored")
    }

    /// The OpenAPI document names every endpoint the server answers and every parameter the list
    /// takes: each documented path answers (no route is missing), and each documented list parameter
    /// with a value of its type is accepted (none is misspelt).
    @Test func theOpenAPIDocumentMatchesTheEndpoints() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        let viewer = try Viewer.start(store: store)
        defer { viewer.stop() }
        let served = try await viewer.get("/api/openapi.json")
        #expect(served.status == 200 && served.headers["content-type"]?.hasPrefix("application/json") == true)
        let document = try object(served.body)
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for (path, operations) in paths.sorted(by: { $0.key < $1.key }) where operations["get"] != nil {
            let concrete = path.replacingOccurrences(of: "{id}", with: "ep_0fa72a32ec1d").replacingOccurrences(of: "{run}", with: "1")
            let answer = try await viewer.get(concrete)
            // A missing route is Hummingbird's bare 404; the API's own 4xx bodies say what is wrong.
            let said = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["error"] as? String
            #expect(answer.status == 200 || (said?.isEmpty == false && !said!.contains("Not Found")), "\(path): \(answer.status) \(said ?? "")")
        }
        let list = try #require(paths["/api/episodes"]?["get"] as? [String: Any])
        let parameters = try #require(list["parameters"] as? [[String: Any]])
        #expect(parameters.count == 17)
        for parameter in parameters {
            let name = try #require(parameter["name"] as? String)
            let schema = parameter["schema"] as? [String: Any] ?? [:]
            let value =
                (schema["enum"] as? [String])?.first
                ?? ["integer": "1", "number": "0", "boolean": "true"][schema["type"] as? String ?? ""] ?? "x"
            let answer = try await viewer.get("/api/episodes?\(name)=\(value)")
            #expect(answer.status == 200, "\(name)=\(value): \(String(decoding: answer.body, as: UTF8.self))")
        }
    }

    /// The pages set every value from a trace as text, never as markup: an agent's reply that holds
    /// `<script>` shows as those characters.
    @Test func thePagesNeverWriteTraceTextAsMarkup() throws {
        let script = try String(contentsOf: CLI.packageRoot.appendingPathComponent("Sources/Viewer/Pages/viewer.js"), encoding: .utf8)
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
            #expect(!script.contains(sink), "\(sink)")
        }
    }
}
