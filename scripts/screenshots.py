"""Take the screenshots of docs/ui.md: a demo node on a loopback port, Debian's Chromium, PNGs.

Run from the repository root after ``scripts/bootstrap test``:

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]     (default: docs/img)

The node runs on a temporary SQLite file with the ASEAN preset and the demo data, signed in as the
demo user of ThaiCERT; nothing outside the machine is contacted.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from gotong.app import create_app
from gotong.db.engine import make_engine
from gotong.demo import DEMO_PASSWORD, demo_email, load_demo
from gotong.node import init_node
from gotong.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PAGES = [
    ("login", "/login"),
    ("dashboard", "/"),
    ("alerts", "/alerts"),
    ("search", "/search?value=198.51.100.23"),
    ("intel", "/intel?type=indicator"),
    ("object", None),  # the first indicator of the list
    ("submit", "/intel/new"),
    ("tokens", "/admin/tokens"),
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        engine = make_engine(url)
        init_node(engine, preset="asean")
        load_demo(engine)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        settings = Settings(
            database_url=url, port=port, node_key_file=f"{tmp}/node.key", feed_scheduler=False, federation=False
        )
        server = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1200, "height": 860}, base_url=base)
                for name, path in PAGES:
                    if name == "dashboard":  # sign in once the sign-in page is taken
                        page.get_by_label("E-mail address").fill(demo_email("ThaiCERT"))
                        page.get_by_label("Password").fill(DEMO_PASSWORD)
                        page.get_by_role("button", name="Sign in").click()
                        page.wait_for_url(f"{base}/")
                    if path is None:
                        page.goto("/intel?type=indicator")
                        page.get_by_role("table").locator("tbody a").first.click()
                        page.wait_for_load_state()
                    else:
                        page.goto(path)
                    page.screenshot(path=str(out / f"ui-{name}.png"))
                    print(out / f"ui-{name}.png")
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            engine.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
