#!/usr/bin/env python3
"""The viewer (`medgym serve --http`) driven in a real browser: Selenium with Debian's chromium and
chromium-driver, run by .ci/run after swift test.

  python3 scripts/check_viewer.py [--bin .build/debug] [--screenshots docs/viewer]

Against a store holding the demo, an episode whose scripted agent wrote <script> and <img onerror>
as actions, and expert and anchoring batches, with the viewer started by the real binary on a free
loopback port (--allow-run):

- the live page starts an episode (the anchored agent on the demo's seed), at least five turns
  stream in before it ends, an alert appears, and the score shows at the end;
- an episode another process records (`medgym run` with a cmd: agent that takes half a second a
  turn) appears in the live page's list of runs; its watch link streams it turn by turn (more rows
  arrive while it is still running), then its score and stored id;
- the diff page compares expert with anchoring, and clicking a regression row opens its episode;
- the fork page forks step 13 of the demo with "CTA chest" (the resolver's completion shown as it
  is typed) and shows missed_aad against caught_aad;
- the demo's page shows its post-mortem (premature closure at step 13), the regret of its 28 steps
  (the bar of step 13 opens the fork there with cta_chest) and its training rows;
- the scripted agent's <script> shows as text, and the page holds no element made from it;
- the list grows while a second process records a batch into the store;
- no console error, and no request leaves 127.0.0.1 (Chrome's network log).

With --screenshots DIR, the live, episode, fork and diff pages are saved there (docs/viewer/).

With --scale N (or --scale-store FILE, a store already made), the list page is measured against a
store of N recorded episodes (expert and anchoring over every shipped fixture): the time from
navigation to the first page of rows in the document, and from a filter's change to its rows, each
the median of five, must be under 300 ms.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    sys.exit("viewer: " + message)


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100"):
        options.add_argument(flag)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver_path = shutil.which("chromedriver")
    if not driver_path:
        fail("no chromedriver: apt-get install chromium-driver (.ci/run installs it)")
    return webdriver.Chrome(service=Service(driver_path), options=options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--screenshots", help="save the live, episode, fork and diff pages here")
    parser.add_argument("--scale", type=int, default=0, help="also measure the list against a store of this many episodes")
    parser.add_argument("--scale-store", help="measure the list against this store (made before)")
    args = parser.parse_args()
    if args.scale or args.scale_store:
        return measure_scale(args)
    replay, medgym = (os.path.join(os.path.abspath(args.bin), name) for name in ("replay", "medgym"))
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store.sqlite")
        env = dict(os.environ, MEDGYM_STORE="")

        def run(*command):
            return subprocess.run(list(command) + ["--store", store], check=True, cwd=ROOT, env=env, capture_output=True, text=True)

        run(replay, "import", os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl"))
        script = os.path.join(tmp, "agent.txt")
        with open(script, "w") as f:
            f.write("ECG\n<script>document.title='pwned'</script>\n<img src=x onerror=\"document.title='pwned'\">\nCTA chest\ndischarge home\n")
        recorded = run(medgym, "run", "--fixture", "adv_cocaine_dissection", "--agent", "script:" + script, "--reject-invalid")
        markup = re.search(r"ep_[0-9a-f]{12}", recorded.stderr).group(0)
        run(medgym, "batch", "--fixtures", "adv_*", "--seeds", "1-2", "--agent", "expert,anchoring")

        server = subprocess.Popen([medgym, "serve", "--http", "--port", "0", "--allow-run", "--store", store], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        driver = None
        try:
            line = server.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            if not match:
                fail(f"the server printed no loopback URL: {line!r} {server.stderr.read() if server.poll() is not None else ''}")
            base = match.group(0)
            driver = browser()
            wait = WebDriverWait(driver, 60)
            shots = {}

            # Live: start an episode from the page and watch it stream.
            driver.get(base + "/live")
            wait.until(lambda d: not d.find_element(By.ID, "start").get_attribute("disabled"))
            form = driver.find_element(By.ID, "live")
            for name, value in (("fixture", "adv_cocaine_dissection"), ("seed", "42"), ("agent", "anchoring"), ("pace_ms", "150")):
                field = form.find_element(By.NAME, name)
                field.clear()
                field.send_keys(value)
            driver.find_element(By.ID, "start").click()
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr")) >= 5)
            streaming = len(driver.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr"))
            if not driver.find_element(By.ID, "score").get_attribute("hidden"):
                fail("the score showed before five turns had streamed in")
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#alerts li"))
            wait.until(lambda d: d.find_element(By.ID, "score").is_displayed())
            headline = driver.find_element(By.ID, "headline").text
            turns = len(driver.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr"))
            if "missed_aad" not in headline or "ep_0fa72a32ec1d" not in headline or turns != 28:
                fail(f"the live run ended with {headline!r} after {turns} turns (expected missed_aad, the demo's id, 28 turns)")
            shots["live"] = driver.get_screenshot_as_png()

            # Live: an episode another process records, watched from the list of runs.
            slow = os.path.join(ROOT, "Tests", "ReplayTests", "Agents", "slow.py")
            other = subprocess.Popen([medgym, "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent",
                                      f"cmd:python3 {slow} 0.5", "--store", store], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            driver.get(base + "/live")
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#runs tbody tr.running a"))
            watching = driver.find_element(By.CSS_SELECTOR, "#runs tbody tr.running")
            if "run" not in watching.text or "cmd:python3" not in watching.text:
                fail(f"the running row does not name its source and agent: {watching.text!r}")
            watching.find_element(By.TAG_NAME, "a").click()
            wait.until(lambda d: "run=" in d.current_url and d.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr"))
            seen_first = len(driver.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr"))
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr")) > seen_first)
            if driver.find_element(By.ID, "score").is_displayed():
                fail("the other process's run showed its score before it ended")
            grown = len(driver.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr"))
            wait.until(lambda d: d.find_element(By.ID, "score").is_displayed())
            _, errors = other.communicate(timeout=60)
            stored = re.search(r"recorded (ep_[0-9a-f]{12})", errors)
            headline = driver.find_element(By.ID, "headline").text
            if other.returncode != 0 or not stored or stored.group(1) not in headline or "caught_aad" not in headline:
                fail(f"the watched run ended with {headline!r}; medgym run said {errors!r}")
            watched = len(driver.find_elements(By.CSS_SELECTOR, "#trajectory tbody tr"))

            # Diff: a regression row opens its episode.
            driver.get(base + "/diff?baseline=expert&candidate=anchoring")
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#regressions tbody tr.regression"))
            shots["diff"] = driver.get_screenshot_as_png()
            first = driver.find_element(By.CSS_SELECTOR, "#regressions tbody tr.regression")
            episode = first.get_attribute("data-episode")
            first.find_elements(By.TAG_NAME, "td")[0].click()
            wait.until(lambda d: d.current_url.endswith("/episodes/" + episode))
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#timeline tbody tr"))
            if episode not in driver.find_element(By.ID, "title").text:
                fail(f"clicking the regression row did not open {episode}")

            # Fork step 13 of the demo from the page.
            driver.get(base + "/fork?episode=ep_0fa72a32ec1d&step=13")
            action = driver.find_element(By.NAME, "action")
            action.send_keys("CTA chest")
            wait.until(lambda d: "cta_chest" in d.find_element(By.ID, "resolved").text)
            driver.find_element(By.CSS_SELECTOR, "#fork button[type=submit]").click()
            wait.until(lambda d: d.find_element(By.ID, "arms").is_displayed())
            actual = driver.find_element(By.CSS_SELECTOR, "#actual dd.outcome").text
            counterfactual = driver.find_element(By.CSS_SELECTOR, "#counterfactual dd.outcome").text
            if (actual, counterfactual) != ("missed_aad", "caught_aad"):
                fail(f"the fork read {actual} → {counterfactual}, not missed_aad → caught_aad")
            shots["fork"] = driver.get_screenshot_as_png()

            # The agent's markup is text.
            driver.get(base + "/episodes/" + markup)
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#timeline tbody tr"))
            body = driver.find_element(By.TAG_NAME, "body").text
            scripts = driver.find_elements(By.TAG_NAME, "script")
            if "<script>document.title='pwned'</script>" not in body or "pwned" in driver.title:
                fail("the agent's <script> is not shown as text")
            if len(scripts) != 1 or driver.find_elements(By.TAG_NAME, "img"):
                fail("the agent's text became elements of the page")
            # The demo's page: its post-mortem, the regret per step (a bar opens the fork there), its training rows.
            driver.get(base + "/episodes/ep_0fa72a32ec1d")
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#timeline tbody tr"))
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg.regret rect")) == 28)
            wait.until(lambda d: "GRPO pairs" in d.find_element(By.ID, "training-counts").text)
            wait.until(lambda d: "premature closure" in d.find_element(By.ID, "decisive").text)
            shots["episode"] = driver.get_screenshot_as_png()
            driver.find_elements(By.CSS_SELECTOR, "svg.regret rect")[12].click()
            wait.until(lambda d: "/fork?" in d.current_url and "step=13" in d.current_url)
            if driver.find_element(By.NAME, "action").get_attribute("value") != "cta_chest":
                fail("the regret bar of step 13 did not open the fork with its best action (cta_chest)")

            # The list grows while another process records.
            driver.get(base + "/")
            wait.until(lambda d: " of " in d.find_element(By.ID, "range").text)
            before = int(driver.find_element(By.ID, "range").text.split(" of ")[1])
            run(medgym, "batch", "--fixtures", "em_anaphylaxis", "--seeds", "1-3", "--agent", "expert")
            wait.until(lambda d: d.find_element(By.ID, "range").text.endswith(f" of {before + 3}"))
            shots["list"] = driver.get_screenshot_as_png()

            errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
            if errors:
                fail(f"console errors: {errors[:3]}")
            outside, seen = set(), 0
            for entry in driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                if message.get("method") == "Network.requestWillBeSent":
                    seen += 1
                    url = message["params"]["request"]["url"]
                    if not (url.startswith(base + "/") or url == base or url.startswith("data:")):
                        outside.add(url)
            if seen < 10:
                fail(f"the network log saw only {seen} requests: it is not being read")
            if outside:
                fail(f"requests left 127.0.0.1: {sorted(outside)[:5]}")
            if args.screenshots:
                os.makedirs(args.screenshots, exist_ok=True)
                for name in ("live", "episode", "fork", "diff"):
                    with open(os.path.join(args.screenshots, name + ".png"), "wb") as f:
                        f.write(shots[name])
            print(f"viewer: live run streamed ({streaming}+ turns seen before the end, 28 in all, an alert, the score); "
                  f"a medgym run in another process watched from the list of runs ({seen_first} turns, then {grown} while it ran, "
                  f"{watched} in all, its score and id {stored.group(1)}); "
                  f"a diff row opened {episode}; the fork read missed_aad → caught_aad; the demo's post-mortem, regret chart "
                  f"(a bar opens its fork) and training rows; agent markup shown as text; "
                  f"the list grew by 3 while another process recorded; no console error; no request left 127.0.0.1")
        finally:
            if driver:
                driver.quit()
            server.terminate()
            server.wait(timeout=30)


def measure_scale(args):
    """The list page's first rows and a filter's rows, timed in the browser, against a large store."""
    medgym = os.path.join(os.path.abspath(args.bin), "medgym")
    with tempfile.TemporaryDirectory() as tmp:
        store = args.scale_store
        if not store:
            store = os.path.join(tmp, "scale.sqlite")
            seeds = -(-args.scale // 30)  # 15 fixtures × 2 agents a seed
            subprocess.run([medgym, "batch", "--fixtures", "*", "--seeds", f"1-{seeds}", "--agent", "expert,anchoring", "--store", store,
                            "--jobs", "2", "--yes"], check=True, capture_output=True, text=True)
        server = subprocess.Popen([medgym, "serve", "--http", "--port", "0", "--store", store], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=dict(os.environ, MEDGYM_STORE=""))
        driver = None
        try:
            base = re.search(r"http://127\.0\.0\.1:\d+", server.stdout.readline()).group(0)
            driver = browser()
            wait = WebDriverWait(driver, 60)
            firsts, filters, total = [], [], 0
            for _ in range(5):
                driver.get(base + "/")
                wait.until(lambda d: d.execute_script("return performance.getEntriesByName('list-rendered').length") > 0)
                firsts.append(driver.execute_script("return performance.getEntriesByName('list-rendered')[0].startTime"))
                total = int(driver.find_element(By.ID, "range").text.split(" of ")[1])
                driver.find_element(By.ID, "follow").click()  # no re-reads while the filter is timed
                wait.until(lambda d: len(Select(d.find_element(By.NAME, "outcome")).options) > 2)
                driver.execute_script("performance.clearMarks()")
                # As a person choosing an outcome: the value changes and the form hears it.
                driver.execute_script(
                    "const s = document.querySelector('select[name=outcome]'); s.value = s.options[2].value;"
                    " s.dispatchEvent(new Event('input', {bubbles: true}))")
                after = ("const f = performance.getEntriesByName('filter-changed')[0].startTime;"
                         " const r = performance.getEntriesByName('list-rendered').map((e) => e.startTime).filter((t) => t > f);"
                         " return r.length ? r[0] - f : null")
                wait.until(lambda d: d.execute_script(after) is not None)
                filters.append(driver.execute_script(after))
            first, changed = sorted(firsts)[2], sorted(filters)[2]
            print(f"viewer at scale: {total} episodes; first rows {first:.0f} ms (of {', '.join(f'{x:.0f}' for x in firsts)}), "
                  f"a filter's rows {changed:.0f} ms (of {', '.join(f'{x:.0f}' for x in filters)}); median of five, goal under 300 ms")
            if first >= 300 or changed >= 300:
                fail(f"the list is too slow at {total} episodes: first rows {first:.0f} ms, a filter {changed:.0f} ms")
        finally:
            if driver:
                driver.quit()
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
