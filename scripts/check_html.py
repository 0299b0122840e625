#!/usr/bin/env python3
"""The HTML reports in a real browser (headless Chromium), run by .ci/run after swift test.

  python3 scripts/check_html.py [--bin .build/debug]

Builds a store with the demo, an episode whose scripted agent wrote <script>
and <img onerror> as actions, and two labelled batches; renders the
post-mortem and diff pages; loads each in Chromium and reads back the DOM the
browser built: it must hold no <script>, <img> or event-handler element from
the agent's text (the text shows, escaped), must draw its SVG charts, and must
not reference anything outside the file. A screenshot of each page is taken
(kept with --keep DIR).
"""
import argparse, os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--keep", help="copy the pages and screenshots here")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        sys.exit("no Chromium found: apt-get install chromium (.ci/run installs it)")
    replay, medgym = (os.path.join(os.path.abspath(args.bin), name) for name in ("replay", "medgym"))
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store.sqlite")
        env = dict(os.environ, MEDGYM_STORE="")

        def run(*command):
            return subprocess.run(list(command) + ["--store", store], check=True, cwd=ROOT, env=env,
                                  capture_output=True, text=True)

        run(replay, "import", os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl"))
        script = os.path.join(tmp, "agent.txt")
        with open(script, "w") as f:
            f.write("ECG\n<script>document.title='pwned'</script>\n<img src=x onerror=\"document.title='pwned'\">\nCTA chest\ndischarge home\n")
        recorded = run(medgym, "run", "--fixture", "adv_cocaine_dissection", "--agent", "script:" + script, "--reject-invalid")
        markup = re.search(r"ep_[0-9a-f]{12}", recorded.stderr).group(0)
        run(medgym, "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1-4", "--agent", "expert", "--label", "<b>v1</b>")
        run(medgym, "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1-4", "--agent", "anchoring", "--label", "<i>v2</i>")
        pages = {
            "postmortem-demo": run(replay, "postmortem", "ep_0fa72a32ec1d", "--format", "html").stdout,
            "postmortem-markup": run(replay, "postmortem", markup, "--format", "html").stdout,
            "diff": run(replay, "diff", "--baseline", "<b>v1</b>", "--candidate", "<i>v2</i>", "--format", "html").stdout,
        }
        for name, html in pages.items():
            path = os.path.join(tmp, name + ".html")
            with open(path, "w") as f:
                f.write(html)
            if re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html):
                sys.exit(f"{name}: references something outside the file")
            flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
            dom = subprocess.run([browser, *flags, "--dump-dom", "file://" + path], capture_output=True, text=True, timeout=120).stdout
            if "<svg" not in dom or "<table" not in dom:
                sys.exit(f"{name}: the browser built no chart or table (DOM of {len(dom)} characters)")
            if re.search(r"<script|<img|<[^>]*\sonerror\s*=", dom, re.IGNORECASE) or re.search(r"<title>[^<]*pwned", dom):
                sys.exit(f"{name}: agent text became markup in the browser")
            if name == "postmortem-markup" and "&lt;script&gt;document.title" not in dom:
                sys.exit(f"{name}: the agent's <script> text is not shown as text")
            if name == "diff" and "&lt;i&gt;v2&lt;/i&gt;" not in dom:
                sys.exit(f"{name}: the label is not shown as text")
            shot = os.path.join(tmp, name + ".png")
            subprocess.run([browser, *flags, "--window-size=1100,2400", f"--screenshot={shot}", "file://" + path],
                           capture_output=True, timeout=120)
            if not os.path.exists(shot) or os.path.getsize(shot) < 10_000:
                sys.exit(f"{name}: no screenshot")
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            for name in os.listdir(tmp):
                if name.endswith((".html", ".png")):
                    shutil.copy(os.path.join(tmp, name), args.keep)
        print(f"html: {len(pages)} pages render in {os.path.basename(browser)} with no agent text as markup")


if __name__ == "__main__":
    main()
