"""`cargo xtask report-check`: the demo's report in headless Chromium.

    python report_check.py REPORT.html SCREENSHOT.png

Opens the page over the DevTools protocol, then fails if the console logged an error, a chart
drew nothing (or only its "no data" message), or a text overflows its box (an SVG label outside
its chart, a table cell or paragraph wider than itself). Writes a full-page screenshot either way.
"""

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket  # websocket-client

CHECKS = r"""
(() => {
  const problems = [];
  document.querySelectorAll('svg.chart').forEach(svg => {
    const marks = svg.querySelectorAll('circle, rect, polyline, line.whisker').length;
    if (marks === 0 || svg.querySelector('text.empty')) problems.push(`empty chart: ${svg.id}`);
    const box = svg.getBoundingClientRect();
    svg.querySelectorAll('text').forEach(t => {
      const b = t.getBoundingClientRect();  // after transforms (the rotated axis title)
      if (b.left < box.left - 1 || b.top < box.top - 1 || b.right > box.right + 1 || b.bottom > box.bottom + 1)
        problems.push(`label outside ${svg.id}: "${t.textContent}"`);
    });
  });
  document.querySelectorAll('td, th, p, h1, h2, h3, nav a').forEach(e => {
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
      problems.push(`text wider than its box: "${e.textContent.slice(0, 60)}"`);
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    problems.push('the page scrolls sideways');
  return {problems, charts: document.querySelectorAll('svg.chart').length,
          height: Math.ceil(document.documentElement.scrollHeight)};
})()
"""


class Page:
    def __init__(self, url):
        self.socket = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)


def main():
    report, screenshot = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("Chromium is not installed: apt-get install chromium")
    profile = tempfile.mkdtemp()
    process = subprocess.Popen(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in process.stderr:
            if "DevTools listening on ws://" in line:
                port = int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
                break
        if port is None:
            sys.exit("Chromium did not open its DevTools port")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
        page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        for domain in ["Page", "Runtime", "Log"]:
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1200, height=900,
                  deviceScaleFactor=1, mobile=False)
        page.call("Page.navigate", url=report.as_uri())
        deadline = time.time() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in page.events):
            if time.time() > deadline:
                sys.exit("the report did not load within 30 s")
            page.events.append(json.loads(page.socket.recv()))
        result = page.call("Runtime.evaluate", expression=CHECKS, returnByValue=True)
        found = result["result"]["value"]
        page.call("Emulation.setDeviceMetricsOverride", width=1200, height=found["height"],
                  deviceScaleFactor=1, mobile=False)
        shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        problems = list(found["problems"])
        for event in page.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                problems.append(f"console: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                problems.append(f"console error: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                problems.append(f"console error: {params['entry'].get('text')}")
        print(f"{found['charts']} charts, page {found['height']} px high; screenshot {screenshot}")
        if problems:
            print("FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
            sys.exit(1)
        print("report-check passed: no console error, no empty chart, no overflowing text")
    finally:
        process.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
