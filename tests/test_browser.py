"""The book and JupyterLab in a real headless browser, the way readers and students use them.

Book: `_build/html` is served on loopback and every page is opened in Chromium;
a page fails on an image that did not load, an empty figure, a broken internal
link or missing asset, a JavaScript error in the console, a widget left without
a static figure, a request to the internet other than the ones listed below, raw TeX
where an equation should be (MathJax is served by the book itself: `make mathjax`), or
visible code wider than its code block.

JupyterLab: started on loopback with a token (as `make lab` does, on a copy of a
chapter), the chapter is opened with *Open With → Notebook*, every cell is run
from the *Run* menu, and the slice viewer's slider is dragged: the displayed
slice must change and no cell may raise.

Screenshots go to ``test-output/browser/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import numpy as np
import pytest
import yaml
from browser_kit import (
    OUTPUT,
    ROOT,
    assert_not_blank,
    chromium,
    free_port,
    png_pixels,
    require_chromium,
    serve,
)

pytestmark = pytest.mark.slow

# Requests a page may make to the internet (each is aborted here): the URL path
# that is expected, and why. Console errors caused only by these are ignored.
# None: MathJax, which Sphinx would load from a CDN, is served from _static/mathjax.
EXTERNAL_OK: dict[str, str] = {}
MATHJAX = "_static/mathjax/tex-mml-chtml.js"
# A figure smaller than this (px), or with grey levels this flat, is empty.
MIN_FIGURE_PX = 50
MIN_FIGURE_STD = 2.0
# The chapter opened in JupyterLab: it shows a 3D phantom in the slice viewer.
LAB_CHAPTER = "01_tasks"
SCREENSHOTS = {"chapters/intro.html": "landing", "chapters/01_tasks.html": "01_tasks"}

PAGE_INFO_JS = """
async () => {
  // Widget outputs and, from the page's saved widget state, whether each is a
  // progress bar (a box holding a *ProgressModel): transient, not content.
  const stateEl = document.querySelector(
    'script[type="application/vnd.jupyter.widget-state+json"]');
  const state = stateEl ? JSON.parse(stateEl.textContent).state : {};
  const isProgress = id => {
    const m = state[id];
    if (!m) return false;
    if (/ProgressModel$/.test(m.model_name)) return true;
    return (m.state.children || []).some(c => isProgress(c.replace("IPY_MODEL_", "")));
  };
  const widgetViews = () => [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')].map(e => {
      const id = JSON.parse(e.textContent).model_id;
      return {model: (state[id] || {}).model_name || "?", progress: isProgress(id)};
    });
  const imgs = [...document.images];
  for (const img of imgs) img.loading = "eager";
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener("load", done, {once: true});
    img.addEventListener("error", done, {once: true});
    setTimeout(done, 15000);
  })));
  const images = imgs.map(img => {
    const figure = img.closest(".cell_output, figure, .figure") !== null;
    let std = null;
    if (figure && img.naturalWidth > 0) {
      const scale = Math.min(1, 400 / Math.max(img.naturalWidth, img.naturalHeight));
      const w = Math.max(1, Math.round(img.naturalWidth * scale));
      const h = Math.max(1, Math.round(img.naturalHeight * scale));
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, w, h);
      ctx.drawImage(img, 0, 0, w, h);
      const d = ctx.getImageData(0, 0, w, h).data;
      let s = 0, s2 = 0;
      for (let i = 0; i < d.length; i += 4) {
        const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        s += y;
        s2 += y * y;
      }
      const n = w * h;
      std = Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
    }
    return {src: img.currentSrc || img.src, width: img.naturalWidth,
            height: img.naturalHeight, figure, std};
  });
  // Equations: wait for MathJax (served by the book) to typeset, then count the math
  // elements, those typeset (an mjx-container inside), and text that is still raw TeX.
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await Promise.race([window.MathJax.startup.promise,
                        new Promise(done => setTimeout(done, 20000))]);
  }
  const article = document.querySelector("article") || document.body;
  const maths = [...article.querySelectorAll(".math")];
  const rawTex = [];
  const BS = String.fromCharCode(92);  // a backslash
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("script, style, pre, code, mjx-container, textarea")) {
      continue;
    }
    const text = node.textContent;
    const marks = [BS + "(", BS + ")", BS + "[", BS + "]", "$$"];
    const found = marks.map(m => text.indexOf(m)).filter(i => i >= 0);
    if (found.length) {
      const at = Math.min(...found);
      rawTex.push(text.slice(Math.max(0, at - 30), at + 50));
    }
  }
  // Visible code (inputs and code blocks; collapsed hide-input cells have no layout)
  // that scrolls sideways. Printed outputs are not code.
  const codeBlocks = "div.cell_input pre, div.highlight-python pre, " +
                     "div.highlight-ipython3 pre, div.highlight-bash pre";
  const scrolling = [...article.querySelectorAll(codeBlocks)]
    .filter(pre => !pre.closest(".cell_output"))
    .filter(pre => pre.offsetParent !== null && pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => `${pre.scrollWidth} > ${pre.clientWidth} px: ` +
                pre.textContent.split(String.fromCharCode(10))
                  .reduce((a, b) => b.length > a.length ? b : a, ""));
  return {
    math: {elements: maths.length,
           typeset: maths.filter(m => m.querySelector("mjx-container")).length,
           raw: rawTex,
           version: window.MathJax && window.MathJax.version || null},
    scrolling,
    images,
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    widget_views: widgetViews(),
    outputs: [...document.querySelectorAll(".cell_output pre")].map(
      e => e.textContent.slice(0, 300)),
  };
}
"""
# What an ipywidget prints where no widget manager runs.
WIDGET_REPR = re.compile(
    r"^\s*(VBox|HBox|Box|GridBox|IntSlider|FloatSlider|Output|interactive|Image)\("
)


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return [f"{f}.html" for f in files]


def expected_external(url: str) -> bool:
    return urlsplit(url).path in EXTERNAL_OK


# --------------------------------------------------------------------------- book


@pytest.fixture(scope="module")
def crawl(book_build, tmp_path_factory):
    """Open every page of the built book in Chromium and record what went wrong."""
    require_chromium()
    proc = book_build["proc"]
    if proc.returncode != 0:
        problems = [
            line
            for line in (proc.stdout + proc.stderr).splitlines()
            if "WARNING" in line or "ERROR" in line
        ]
        pytest.fail(
            "the book did not build (see test_book):\n"
            + "\n".join(problems or [proc.stderr[-3000:]])
        )
    html = book_build["html"]
    pages = sorted(
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith(("_", "."))
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    found = {
        "pages": pages,
        "console": [],
        "missing": [],
        "info": {},
        "screenshots": {},
        "redirect": None,
    }
    current = [""]
    profile = tmp_path_factory.mktemp("chromium-book")
    with serve(html) as base, chromium(profile) as (context, blocked):
        found["base"] = base
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and found["console"].append((current[0], m.text, m.location.get("url")))
            ),
        )
        page.on(
            "pageerror",
            lambda e: found["console"].append((current[0], f"uncaught: {e}", "")),
        )
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and r.url.startswith(base)
                and found["missing"].append((current[0], r.url, r.status))
            ),
        )
        page.on(
            "requestfailed",
            lambda r: (
                r.url.startswith(base)
                and found["missing"].append((current[0], r.url, r.failure))
            ),
        )
        for rel in pages:
            current[0] = rel
            page.goto(base + rel, wait_until="load")
            if rel == "index.html":  # a redirect to the landing page
                page.wait_for_url(f"{base}{toc_pages()[0]}", timeout=15000)
                found["redirect"] = page.url
                continue
            found["info"][rel] = page.evaluate(PAGE_INFO_JS)
            page.wait_for_timeout(100)  # late console messages
            if rel in SCREENSHOTS:
                path = OUTPUT / f"{SCREENSHOTS[rel]}.png"
                page.screenshot(path=str(path), full_page=True)
                found["screenshots"][rel] = path
        found["blocked"] = list(blocked)
        found["links"] = check_links(base, found["info"])
    return found


def check_links(base: str, info: dict) -> list[str]:
    """Fetch every internal link target (200 expected) and find its anchor."""
    targets: dict[str, set[tuple[str, str]]] = {}
    for page, page_info in info.items():
        for href in page_info["links"]:
            if href.startswith(base):
                url, fragment = urldefrag(href)
                targets.setdefault(url.split("?")[0], set()).add(
                    (page, unquote(fragment))
                )
    assert targets, "no internal link found"
    broken = []
    for url, uses in sorted(targets.items()):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, body = err.code, b""
        if status != 200:
            broken += [f"{page}: {url} -> {status}" for page, _ in sorted(uses)]
            continue
        if not url.endswith((".html", "/")):
            continue
        text = body.decode("utf-8", "replace")
        ids = set(re.findall(r'\b(?:id|name)="([^"]+)"', text))
        broken += [
            f"{page}: {url}#{fragment} (no such anchor)"
            for page, fragment in sorted(uses)
            if fragment and fragment not in ids
        ]
    return broken


def test_book_every_page_opens(crawl):
    opened = set(crawl["info"])
    missing = [p for p in toc_pages() if p not in opened]
    assert not missing, f"pages of toc.yml not found in _build/html: {missing}"
    assert crawl["redirect"], "index.html does not lead to the landing page"


def test_book_console_has_no_errors(crawl):
    errors = [
        f"{page}: {text} ({url})"
        for page, text, url in crawl["console"]
        if not (text.startswith("Failed to load resource") and expected_external(url))
    ]
    assert not errors, "JavaScript console errors:\n" + "\n".join(errors)


def test_book_needs_nothing_else_from_the_internet(crawl):
    unexpected = sorted({u for u in crawl["blocked"] if not expected_external(u)})
    assert not unexpected, (
        "pages request these URLs outside the book (list them in EXTERNAL_OK with a "
        "reason, or ship the asset):\n" + "\n".join(unexpected)
    )


def test_book_images_load_and_figures_are_not_empty(crawl):
    problems = []
    figures = 0
    for page, info in crawl["info"].items():
        for img in info["images"]:
            inline = img["src"].startswith("data:")
            where = f"{page}: " + (
                "an inline image" if inline else img["src"].rsplit("/", 1)[-1]
            )
            if img["width"] == 0:
                problems.append(f"{where} did not load")
            elif img["figure"]:
                figures += 1
                if min(img["width"], img["height"]) < MIN_FIGURE_PX:
                    problems.append(
                        f"{where} is a {img['width']}x{img['height']} px figure"
                    )
                elif img["std"] < MIN_FIGURE_STD:
                    problems.append(
                        f"{where} is blank (grey-level std {img['std']:.2f})"
                    )
    assert not problems, "\n".join(problems)
    assert figures > 0, "no figure found in the whole book"


def test_book_internal_links_and_assets_resolve(crawl):
    problems = [
        f"{page}: {url} ({status})" for page, url, status in crawl["missing"]
    ] + crawl["links"]
    assert not problems, "broken internal links or missing assets:\n" + "\n".join(
        problems
    )


def test_book_widgets_are_replaced_by_static_figures(crawl):
    """The static book has no kernel: a widget must not leave an empty box behind.

    Progress bars (tqdm's widget in a notebook) are exempt: they are transient,
    render as nothing, and hold no content.
    """
    problems = []
    for page, info in crawl["info"].items():
        views = [v["model"] for v in info["widget_views"] if not v["progress"]]
        if views:
            problems.append(
                f"{page}: widget output(s) {views} cannot render in the static book: "
                "tag the cell remove-output and show a static figure next to it"
            )
        problems += [
            f"{page}: a widget printed as text: {text.strip()[:80]!r}"
            for text in info["outputs"]
            if WIDGET_REPR.match(text)
        ]
    assert not problems, "\n".join(problems)


def test_book_math_is_typeset_offline(crawl, book_build):
    """MathJax comes from the book itself; no page shows raw TeX, and every page
    with equations shows them typeset (MathJax output elements)."""
    assert (book_build["html"] / MATHJAX).is_file(), (
        f"{MATHJAX} is not in the built book: run `make mathjax` (make book and "
        "make test install it) and rebuild"
    )
    problems, with_math = [], 0
    for page, info in crawl["info"].items():
        math = info["math"]
        problems += [f"{page}: raw TeX on the page: {raw!r}" for raw in math["raw"]]
        if math["elements"]:
            with_math += 1
            if math["version"] is None:
                problems.append(f"{page}: has equations but MathJax did not load")
            if math["typeset"] < math["elements"]:
                problems.append(
                    f"{page}: {math['elements'] - math['typeset']} of "
                    f"{math['elements']} equations not typeset"
                )
    assert not problems, "\n".join(problems)
    assert with_math >= 5, f"only {with_math} pages have equations: math not rendered?"


def test_book_visible_code_does_not_scroll_horizontally(crawl):
    """On the chapter pages, at the browser width of the crawl (1280 px)."""
    problems = [
        f"{page}: {line}"
        for page, info in crawl["info"].items()
        if re.match(r"chapters/\d\d[a-z]?_", page)
        for line in info["scrolling"]
    ]
    assert not problems, "code blocks wider than the page:\n" + "\n".join(problems)


def test_book_screenshots_are_not_blank(crawl):
    assert set(crawl["screenshots"]) == set(SCREENSHOTS)
    for page, path in crawl["screenshots"].items():
        assert_not_blank(path.read_bytes(), f"screenshot of {page} ({path})")


# --------------------------------------------------------------------- JupyterLab

LAB_SETTINGS = {
    # No "would you like news?" toast over the notebook, no update checks.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

CELLS_JS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== "code") continue;
    const outputs = cell.outputs.toJSON();
    out.push({
      count: cell.executionCount,
      errors: outputs.filter(o => o.output_type === "error")
                     .map(o => `${o.ename}: ${o.evalue}`),
      source: cell.sharedModel.getSource().slice(0, 80),
    });
  }
  return out;
}
"""
RUN_FINISHED_JS = f"""
() => {{
  const cells = ({CELLS_JS})();
  const busy = [...document.querySelectorAll(
    ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt")]
    .some(e => e.textContent.includes("*"));
  return !busy && (cells.every(c => c.count !== null) || cells.some(c => c.errors.length));
}}
"""


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on loopback with a token, on a copy of the chapter, offline-guarded."""
    require_chromium()
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "chapters" / f"{LAB_CHAPTER}.md", root)
    settings = tmp_path / "settings"
    for name, value in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    netlog = tmp_path / "net.log"
    env = dict(os.environ)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(ROOT / "tests" / "offline"),
        MEDLEARN_NETLOG=str(netlog),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    log = (tmp_path / "lab.log").open("w")
    cmd = [str(Path(sys.executable).parent / "jupyter"), "lab"]
    cmd += [f"--notebook-dir={root}", "--allow-root", "--no-browser"]
    cmd += ["--ServerApp.open_browser=False", "--ServerApp.ip=127.0.0.1"]
    cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    cmd += [f"--IdentityProvider.token={token}"]
    cmd += [f"--LabApp.user_settings_dir={settings}"]
    cmd += [f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"]
    cmd += ["--LabApp.expose_app_in_browser=True"]  # read cell outputs exactly
    server = subprocess.Popen(
        cmd,
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(
                    f"{base}api/status?token={token}", timeout=5
                ):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "JupyterLab did not start:\n"
                        + (tmp_path / "lab.log").read_text()[-3000:]
                    )
                time.sleep(0.5)
        yield {"base": base, "token": token, "netlog": netlog, "tmp": tmp_path}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the server's own process group
            server.wait()
        log.close()


def _run_chapter_and_slide(page):
    """Open the chapter, run all cells, drag the slice viewer's slider.

    Returns the slice numbers and the viewer's image (PNG) before and after.
    """
    # A student opens the chapter as a notebook: right click -> Open With -> Notebook.
    page.locator(".jp-DirListing-item", has_text=f"{LAB_CHAPTER}.md").click(
        button="right"
    )
    page.locator(".lm-Menu-item", has_text="Open With").hover()
    page.locator(".lm-Menu-item .lm-Menu-itemLabel").get_by_text(
        "Notebook", exact=True
    ).click()
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell")
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=90_000)

    # ... and runs every cell from the Run menu.
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(RUN_FINISHED_JS, timeout=300_000, polling=1000)
    cells = page.evaluate(CELLS_JS)
    raised = [f"{c['source']!r}: {e}" for c in cells for e in c["errors"]]
    assert not raised, "cells raised in JupyterLab:\n" + "\n".join(raised)
    not_run = [c["source"] for c in cells if c["count"] is None]
    assert not not_run, f"cells that did not run: {not_run}"

    # The slice viewer: a slider and the slice it shows.
    viewer = (
        page.locator(".jp-NotebookPanel .widget-vbox")
        .filter(has=page.locator(".widget-hslider"))
        .filter(has=page.locator("img.widget-image"))
        .first
    )
    viewer.scroll_into_view_if_needed()
    image = viewer.locator("img.widget-image")
    readout = viewer.locator(".widget-readout")
    page.wait_for_function("img => img.naturalWidth > 0", arg=image.element_handle())
    before, src_before, slice_before = (
        image.screenshot(),
        image.get_attribute("src"),
        readout.inner_text(),
    )

    # Drag the slider's handle to a third of its track.
    handle = viewer.locator(".noUi-handle")
    handle.hover()  # scrolled into view, layout settled
    box = handle.bounding_box()
    track = viewer.locator(".noUi-base").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] / 3, y, steps=10)
    page.mouse.up()
    page.wait_for_function(
        "([e, v]) => e.textContent.trim() !== v",
        arg=[readout.element_handle(), slice_before],
        timeout=10_000,
    )

    page.wait_for_function(
        "([img, src]) => img.src !== src && img.complete && img.naturalWidth > 0",
        arg=[image.element_handle(), src_before],
        timeout=60_000,
    )
    page.wait_for_timeout(300)  # the new slice is painted
    after = image.screenshot()
    viewer.locator(".widget-hslider").evaluate(  # slider and slice in the screenshot
        "e => e.scrollIntoView({block: 'center'})"
    )
    return slice_before, readout.inner_text(), before, after


def test_jupyterlab_runs_a_chapter_and_the_slice_viewer_responds(lab):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with chromium(lab["tmp"] / "profile", width=1400, height=1000) as (context, _):
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{lab['base']}lab?reset&token={lab['token']}")
        try:
            slice_before, slice_after, before, after = _run_chapter_and_slide(page)
        except Exception:
            page.screenshot(path=str(OUTPUT / "jupyterlab_failure.png"))
            raise
        page.screenshot(path=str(OUTPUT / "jupyterlab_slice_viewer.png"))

    assert slice_after != slice_before, f"the slider stayed at {slice_before}"
    a, b = png_pixels(before), png_pixels(after)
    assert a.shape != b.shape or np.abs(a - b).mean() > 1.0, (
        f"slice {slice_before} and slice {slice_after} look the same"
    )
    assert_not_blank(after, f"slice {slice_after} in the viewer")
    assert_not_blank(
        (OUTPUT / "jupyterlab_slice_viewer.png").read_bytes(), "JupyterLab screenshot"
    )
    attempts = lab["netlog"].read_text() if lab["netlog"].exists() else ""
    assert attempts == "", f"network access attempted from JupyterLab:\n{attempts}"


def test_api_reference_covers_every_module():
    """Each public top-level module or package of medlearn has its section in chapters/api.md.

    Private modules (``medlearn._helpers``) are not part of the API.
    """
    documented = set(
        re.findall(
            r"automodule:: medlearn\.(\w+)", (ROOT / "chapters/api.md").read_text()
        )
    )
    modules = {
        p.stem
        for p in (ROOT / "medlearn").iterdir()
        if not p.stem.startswith("_")
        and (p.suffix == ".py" or (p / "__init__.py").is_file())
    }
    assert modules - documented == set(), (
        f"chapters/api.md lacks a section for medlearn.{sorted(modules - documented)}"
    )
    assert documented - modules == set(), f"no such module: {documented - modules}"


def test_binder_environment_has_the_same_pins():
    """Binder installs .binder/environment.yml, then postBuild installs medlearn."""
    main = yaml.safe_load((ROOT / "environment.yml").read_text())
    binder = yaml.safe_load((ROOT / ".binder" / "environment.yml").read_text())

    def pins(env):
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        return [r for r in pip if not r.startswith("-e")]

    assert pins(binder) == pins(main)
    assert [d for d in binder["dependencies"] if not isinstance(d, dict)] == [
        d for d in main["dependencies"] if not isinstance(d, dict)
    ]
    post_build = (ROOT / ".binder" / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post_build
    assert os.access(ROOT / ".binder" / "postBuild", os.X_OK)
