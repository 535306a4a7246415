"""Execute Jupyter notebooks top to bottom in a Jupyter kernel and export them to offline HTML.

Called by lib/jupyter/run.ts with the .venv Python. For every notebook given it prints one
JSON line on stdout:

  {"notebook": ..., "ok": true|false, "seconds": 1.2, "executed": path, "html": path|null,
   "n_code_cells": 5, "error": null | {"cell_index": 3, "source_first_line": "...",
   "ename": "Error", "evalue": "boom", "traceback": [...]}}

A notebook stops at its first failing cell (later cells would only fail again; Deno's kernel
ignores stop_on_error, so the runner does not send them); the other notebooks still run.
HTML exports get plotly.js inlined once in <head> (--plotly-js) when the notebook has a
figure; the executed .ipynb never carries it. The executed copy and the HTML export are written even on failure, so
the failing output can be read in context.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import sys
import time
import traceback as tb
from pathlib import Path

# jsonschema (via nbformat) imports rfc3987_syntax when installed, which compiles a grammar
# for about 3 s at import time; it only validates "iri" formats, which notebooks never use.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jinja2 import DictLoader  # noqa: E402
import zmq  # noqa: E402
from jupyter_client import KernelManager  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402

# The stock "lab" template loads require.js, MathJax and Mermaid from CDNs. Reports must open
# offline, and require.js would also make plotly.min.js register as an AMD module instead of
# window.Plotly, so all three blocks (and the widgets loader) are emptied.
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE
)


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


class CellFailed(Exception):
    """A cell raised, timed out, or the kernel died while running it."""

    def __init__(self, ename: str, evalue: str, traceback: list[str] | None = None):
        super().__init__(f"{ename}: {evalue}")
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback or []


class DenoNotebookExecutor:
    """Runs code cells one by one and routes every IOPub message to its cell by parent id.

    nbclient stops reading a cell's outputs at its `status: idle` message. The Deno 2.x
    kernel publishes `execute_result` from an un-awaited JS call and large `display_data`
    messages can reach the client after `idle`, so nbclient silently drops them (seen with
    Deno 2.9.6: a 4.8 MB plotly.js display and small results both went missing). Here
    messages keep being routed to the cell whose request they answer, the next cell starts
    only after a short settle time (so late results keep their parent), and the end of the
    notebook waits for IOPub to go quiet.
    """

    SETTLE_SECONDS = 0.05
    FINAL_QUIET_SECONDS = 0.5
    FINAL_MAX_SECONDS = 10.0

    def __init__(self, nb, kernel_name: str, timeout: int, startup_timeout: int, cwd: str):
        self.nb = nb
        self.kernel_name = kernel_name
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.cwd = cwd
        self.cell_by_msg: dict[str, int] = {}
        self.display_ids: dict[str, list[tuple[int, int]]] = {}
        self.clear_pending: set[int] = set()
        self.idle: set[str] = set()
        self.execution_count = 0

    def run(self) -> dict | None:
        km = KernelManager(kernel_name=self.kernel_name)
        km.start_kernel(cwd=self.cwd, env=os.environ.copy())
        kc = km.client()
        kc.start_channels()
        index = None
        try:
            try:
                kc.wait_for_ready(timeout=self.startup_timeout)
            except RuntimeError as err:
                raise CellFailed("KernelStartError", f"kernel {self.kernel_name!r} did not start: {err}")
            self._kernel_info(kc)
            self.poller = zmq.Poller()
            self.poller.register(kc.shell_channel.socket, zmq.POLLIN)
            self.poller.register(kc.iopub_channel.socket, zmq.POLLIN)
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code":
                    continue
                cell.outputs = []
                cell.execution_count = None
                self._execute(km, kc, index, cell)
            self._drain(kc, self.FINAL_QUIET_SECONDS, self.FINAL_MAX_SECONDS)
            return None
        except CellFailed as err:
            self._drain(kc, self.FINAL_QUIET_SECONDS, self.FINAL_MAX_SECONDS)
            cell = self.nb.cells[index] if index is not None else None
            for output in (cell.outputs if cell is not None else []):
                if output.get("output_type") == "error":
                    err.ename = output.get("ename", err.ename)
                    err.evalue = output.get("evalue", err.evalue)
                    err.traceback = list(output.get("traceback", err.traceback))
            return {
                "cell_index": index,
                "source_first_line": first_line(cell.source) if cell is not None else "",
                "ename": err.ename,
                "evalue": err.evalue,
                "traceback": err.traceback,
            }
        finally:
            kc.stop_channels()
            try:
                km.shutdown_kernel(now=True)
            except Exception:
                pass

    def _kernel_info(self, kc) -> None:
        msg_id = kc.kernel_info()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                reply = kc.get_shell_msg(timeout=1)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                info = reply["content"].get("language_info")
                if info:
                    self.nb.metadata["language_info"] = info
                return

    def _execute(self, km, kc, index: int, cell) -> None:
        msg_id = kc.execute(cell.source, store_history=True, allow_stdin=False, stop_on_error=True)
        self.cell_by_msg[msg_id] = index
        reply = None
        deadline = time.monotonic() + self.timeout
        last_alive_check = time.monotonic()
        while reply is None or msg_id not in self.idle:
            now = time.monotonic()
            if now > deadline:
                raise CellFailed("CellTimeoutError", f"cell did not finish within {self.timeout} s")
            if now - last_alive_check > 1:
                last_alive_check = now
                if not km.is_alive():
                    raise CellFailed("DeadKernelError", "the kernel died while running this cell")
            for message in self._poll(kc, 0.2):
                if message[0] == "shell" and message[1]["parent_header"].get("msg_id") == msg_id:
                    reply = message[1]
        self._drain(kc, self.SETTLE_SECONDS, self.SETTLE_SECONDS)
        content = reply["content"]
        if content.get("execution_count"):
            cell.execution_count = content["execution_count"]
        if content.get("status") == "error":
            raise CellFailed(
                content.get("ename", "Error"),
                content.get("evalue", ""),
                content.get("traceback", []),
            )

    def _poll(self, kc, seconds: float):
        """Yields ("shell", msg) for shell replies; IOPub messages are routed on the way."""
        events = dict(self.poller.poll(int(seconds * 1000)))
        if kc.shell_channel.socket in events:
            while True:
                try:
                    yield ("shell", kc.get_shell_msg(timeout=0))
                except queue.Empty:
                    break
        if kc.iopub_channel.socket in events:
            while True:
                try:
                    self._route(kc.get_iopub_msg(timeout=0))
                except queue.Empty:
                    break

    def _drain(self, kc, quiet: float, maximum: float) -> None:
        """Routes IOPub messages until none arrived for `quiet` seconds (at most `maximum`)."""
        end = time.monotonic() + maximum
        last = time.monotonic()
        while True:
            now = time.monotonic()
            if now - last >= quiet or now >= end:
                return
            events = dict(self.poller.poll(int(min(quiet, end - now) * 1000) + 1))
            if kc.iopub_channel.socket in events:
                while True:
                    try:
                        self._route(kc.get_iopub_msg(timeout=0))
                        last = time.monotonic()
                    except queue.Empty:
                        break

    def _route(self, msg) -> None:
        parent = msg["parent_header"].get("msg_id")
        msg_type = msg["msg_type"]
        content = msg["content"]
        if msg_type == "status" and content.get("execution_state") == "idle":
            self.idle.add(parent)
            return
        index = self.cell_by_msg.get(parent)
        if index is None:
            return
        cell = self.nb.cells[index]
        if msg_type == "clear_output":
            if content.get("wait"):
                self.clear_pending.add(index)
            else:
                cell.outputs = []
            return
        if msg_type == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for cell_index, output_index in self.display_ids.get(display_id, []):
                output = self.nb.cells[cell_index].outputs[output_index]
                output["data"] = content.get("data", {})
                output["metadata"] = content.get("metadata", {})
            return
        if msg_type not in ("stream", "display_data", "execute_result", "error"):
            return
        if index in self.clear_pending:
            self.clear_pending.discard(index)
            cell.outputs = []
        if msg_type == "stream" and cell.outputs and cell.outputs[-1].get("output_type") == "stream" \
                and cell.outputs[-1].get("name") == content.get("name"):
            cell.outputs[-1]["text"] += content.get("text", "")
            return
        output = nbformat.v4.output_from_msg(msg)
        cell.outputs.append(output)
        if msg_type == "execute_result" and content.get("execution_count"):
            cell.execution_count = content["execution_count"]
        display_id = content.get("transient", {}).get("display_id")
        if display_id:
            self.display_ids.setdefault(display_id, []).append((index, len(cell.outputs) - 1))


PLOTLY_MIME = "application/vnd.plotly.v1+json"


def has_plotly_output(nb) -> bool:
    return any(
        PLOTLY_MIME in output.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def plotly_script(plotly_js: Path) -> str:
    """plotly.js as one inline <script>; "</script" in the source cannot close the element."""
    source = plotly_js.read_text(encoding="utf-8")
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", source, flags=re.IGNORECASE) + "</script>"


def export_html(nb, path: Path, plotly_js: Path | None) -> list[str]:
    """Writes the offline export. Figures draw from their text/html fallback, which needs
    plotly.js on the page: it is inlined once, in <head>, when the notebook has a figure
    (the executed .ipynb never carries it; JupyterLab draws the Plotly JSON itself)."""
    exporter = HTMLExporter(
        template_name="lab", extra_loaders=[DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})]
    )
    exporter.template_file = "offline.html.j2"
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    if plotly_js is not None and has_plotly_output(nb):
        head_end = body.find("</head>")
        if head_end < 0:
            raise RuntimeError(f"cannot inline plotly.js into {path}: the export has no </head>")
        body = body[:head_end] + plotly_script(plotly_js) + "\n" + body[head_end:]
    path.write_text(body, encoding="utf-8")
    return sorted({m.group(0) for m in EXTERNAL_RESOURCE.finditer(body)})


def run_one(path: Path, args) -> dict:
    start = time.monotonic()
    nb = nbformat.read(path, as_version=4)
    error = DenoNotebookExecutor(
        nb, args.kernel, args.timeout, args.startup_timeout, str(path.parent.resolve())
    ).run()
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / path.name
    nbformat.write(nb, executed)
    html = None
    external: list[str] = []
    if args.html:
        html = out_dir / (path.stem + ".html")
        external = export_html(nb, html, Path(args.plotly_js) if args.plotly_js else None)
    return {
        "notebook": str(path),
        "ok": error is None,
        "seconds": round(time.monotonic() - start, 3),
        "executed": str(executed),
        "html": str(html) if html else None,
        "external_resources": external,
        "n_code_cells": sum(1 for c in nb.cells if c.cell_type == "code"),
        "error": error,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--kernel", default="terraloop-deno")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--startup-timeout", type=int, default=60)
    parser.add_argument("--no-html", dest="html", action="store_false")
    parser.add_argument("--plotly-js", help="plotly.min.js to inline into HTML exports with figures")
    args = parser.parse_args()
    for name in args.notebooks:
        path = Path(name)
        try:
            result = run_one(path, args)
        except Exception as err:  # unreadable notebook, unwritable output dir
            result = {
                "notebook": str(path),
                "ok": False,
                "seconds": 0,
                "executed": None,
                "html": None,
                "external_resources": [],
                "n_code_cells": 0,
                "error": {
                    "cell_index": None,
                    "source_first_line": "",
                    "ename": type(err).__name__,
                    "evalue": str(err),
                    "traceback": tb.format_exception_only(type(err), err),
                },
            }
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
