"""nbgrader's execution step, rebuilt so that no submission decides its own grade.

:class:`SandboxedExecute` replaces nbgrader's ``Execute`` preprocessor in
``autograde`` (``nbgrader_config.py``), so ``nbgrader autograde``, ``make grade``
and the formgrader all grade the same way:

1. **Which cells are whose** comes from the gradebook, not from the submitted
   notebook: test cells and locked cells are the instructor's (nbgrader has
   already restored their source); every other code cell is the student's. The
   grading flags of known cells are reset from the gradebook too.
2. **The student's code runs sandboxed** (:mod:`medgrade.sandbox`), top to
   bottom, test cells skipped, with a time limit per cell and per notebook and
   a cap on stored output.
3. **The test cells run in the checker** (:mod:`medgrade.checker`), here, after
   the student's code: the set-up cells are re-run in a trusted namespace, the
   student's functions are proxies that return plain data, and the static
   policy (:mod:`medgrade.policy`) judges delegation and tampering. Each test
   cell's output is written by the checker: a pass line or an error with a
   message, which nbgrader's ``SaveAutoGrades`` then scores.
4. **A report** per notebook (flags: forbidden constructs, a dead kernel, time
   limits, flooding, sandbox evidence) goes to ``.medgrade/reports/`` in the
   course directory, outside every sandbox; ``medgrade.batch`` puts the flags
   into ``grades.csv``.
"""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode

from medgrade import wire
from medgrade.checker import Checker, KernelSession, Verdict
from medgrade.checks import render
from medgrade.kernelboot import MARK
from medgrade.policy import Cell, Submission, _bound_names
from medgrade.sandbox import SandboxedKernelManager

__all__ = ["SandboxedExecute", "read_reports"]

REPORTS = Path(".medgrade") / "reports"


def _part(grade_id: str) -> str:
    name = grade_id.removeprefix("test_")
    for suffix in ("_visible", "_hidden"):
        name = name.removesuffix(suffix)
    return name


@dataclass(frozen=True)
class _SourceCell:
    cell_type: str
    locked: bool
    source: str


class _Plan:
    """The instructor's view of a submitted notebook, from the gradebook."""

    def __init__(self, nb: NotebookNode, resources: dict[str, Any]) -> None:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            grade = {c.name: float(c.max_score) for c in source.grade_cells}
            solution = {c.name for c in source.solution_cells}
            cells = {
                c.name: _SourceCell(c.cell_type, bool(c.locked), c.source)
                for c in source.source_cells
            }
        stubs = [
            c.source
            for n, c in cells.items()
            if n in solution and c.cell_type == "code"
        ]
        self.tests: list[int] = []
        self.setup: list[str] = []
        self.self_check: int | None = None
        code_cells: list[Cell] = []
        for i, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id")
            known = gid in cells and cells[gid].cell_type == cell.cell_type
            if not known:
                cell.metadata.pop(
                    "nbgrader", None
                )  # a student's own cell: no grading role
            else:  # the gradebook's flags and source, whatever the submission says
                meta.update(
                    grade=gid in grade,
                    solution=gid in solution,
                    locked=cells[gid].locked,
                )
                if gid in grade:
                    meta["points"] = grade[gid]
                if gid not in solution:
                    cell.source = cells[gid].source
            if cell.cell_type != "code":
                continue
            trusted = known and gid not in solution
            if trusted and gid in grade:
                self.tests.append(i)
                continue
            if trusted and gid.startswith("setup"):
                self.setup.append(cell.source)
            if trusted and gid == "self_check":
                self.self_check = i
            code_cells.append(
                Cell(gid if known else f"cell {i + 1}", cell.source, trusted)
            )
        self.submission = Submission(code_cells)
        self.answer_names = set()
        for stub in stubs:
            try:
                for node in ast.parse(stub).body:
                    self.answer_names |= set(_bound_names(node))
            except SyntaxError:
                continue


class SandboxedExecute(Execute):
    """Execute a submission sandboxed and check its tests outside the kernel."""

    notebook_timeout = Integer(
        int(os.environ.get("MEDGRADE_NOTEBOOK_TIMEOUT", "600")),
        help="wall-clock limit for one notebook (s)",
    ).tag(config=True)
    output_limit_kb = Integer(2048, help="stored output per notebook (KiB)").tag(
        config=True
    )
    report_root = Unicode("", help="course directory for .medgrade/reports").tag(
        config=True
    )

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kw)

    # ------------------------------------------------------------ nbgrader hook
    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any], km: Any = None
    ) -> tuple[NotebookNode, dict[str, Any]]:
        from jupyter_core.utils import run_sync
        from nbclient.client import NotebookClient

        start = time.monotonic()
        self.flags: list[str] = []
        plan = _Plan(nb, resources)
        self.flags += [
            f"forbidden construct: {f}" for f in plan.submission.all_findings()
        ]
        self.flags += [f"syntax error: {e}" for e in plan.submission.syntax_errors]
        self._work_files = self._assignment_files(resources)
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        verdicts = run_sync(self._grade)(plan)
        self._write_outputs(nb, plan, verdicts)
        self._report(resources, plan, verdicts, time.monotonic() - start)
        return nb, resources

    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        if isinstance(km, SandboxedKernelManager):
            km.work_files = self._work_files
            self._sandbox_mode = km.sandbox
        return km

    def _assignment_files(self, resources: dict[str, Any]) -> list[str]:
        """The instructor's own files of the assignment (never the student's extras)."""
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        src = Path(
            coursedir.format_path(
                coursedir.source_directory, ".", resources["nbgrader"]["assignment"]
            )
        )
        return sorted(
            str(p) for p in src.glob("*") if p.is_file() and p.suffix != ".ipynb"
        )

    # ------------------------------------------------------------ execution
    async def _grade(self, plan: _Plan) -> list[Verdict]:
        deadline = time.monotonic() + self.notebook_timeout
        self._dead: str | None = None
        self._stored = 0
        async with self.async_setup_kernel():
            self.audit_log = getattr(self.km, "audit_log", None)
            reply = await self.async_wait_for_reply(
                await ensure_async(self.kc.kernel_info())
            )
            if reply and "language_info" in reply["content"]:
                self.nb.metadata["language_info"] = reply["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if index in plan.tests or cell.cell_type != "code" or self._dead:
                    continue
                await self._run_cell(cell, index, deadline)
            loop = asyncio.get_running_loop()
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                verdicts = await loop.run_in_executor(
                    pool, self._check, plan, loop, deadline
                )
        return verdicts

    async def _run_cell(self, cell: NotebookNode, index: int, deadline: float) -> None:
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            await asyncio.wait_for(
                self.async_execute_cell(
                    cell, index, execution_count=self.code_cells_executed + 1
                ),
                timeout=left,
            )
        except (TimeoutError, CellTimeoutError):
            if not self._dead:
                await self._kill(
                    f"the notebook ran past its {self.notebook_timeout} s limit"
                )
        except DeadKernelError:
            if not self._dead:
                self._dead = (
                    "the kernel died (a crash, os._exit, or a memory or CPU limit)"
                )
                self.flags.append(f"kernel died while running cell {index + 1}")

    async def _shutdown(self) -> None:
        try:
            await self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - it may be gone already
            pass

    async def _kill(self, why: str) -> None:
        self._dead = why
        self.flags.append(why)
        try:
            await self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - it may be gone already
            pass

    async def _probe(self, code: str, deadline: float) -> list[dict[str, Any]]:
        if self._dead:
            return [
                {
                    "output_type": "error",
                    "ename": "KernelUnavailable",
                    "evalue": self._dead,
                }
            ]
        cell = NotebookNode(
            cell_type="code", source=code, metadata={}, outputs=[], execution_count=None
        )
        self.nb.cells.append(cell)
        index = len(self.nb.cells) - 1
        self._probing, self._probe_bytes = True, 0
        try:
            await self._run_cell(cell, index, deadline)
        finally:
            self._probing = False
            self.nb.cells.pop(index)
        if self._dead:
            return [
                {
                    "output_type": "error",
                    "ename": "KernelUnavailable",
                    "evalue": self._dead,
                }
            ]
        return json.loads(json.dumps(cell.outputs))  # plain dicts, as they came

    def _check(
        self, plan: _Plan, loop: asyncio.AbstractEventLoop, deadline: float
    ) -> list[Verdict]:
        """The checker phase, on a worker thread while the loop talks to the kernel."""

        def run_code(code: str) -> list[dict[str, Any]]:
            future = asyncio.run_coroutine_threadsafe(self._probe(code, deadline), loop)
            return future.result()

        session = KernelSession(run_code, plan.submission)
        if self._dead:
            session.dead = self._dead
        checker = Checker(session, plan.setup, plan.answer_names)
        verdicts = []
        for index in plan.tests:
            cell = self.nb.cells[index]
            verdicts.append(
                checker.run(cell.metadata["nbgrader"]["grade_id"], cell.source)
            )
        self.summary = checker.summary()
        self.flags += session.delegations
        return verdicts

    # ------------------------------------------------------------ outputs
    def output(
        self, outs: list, msg: dict, display_id: str | None, cell_index: int
    ) -> Any:
        size = len(json.dumps(msg.get("content", {}), default=str))
        if getattr(self, "_probing", False):  # keep only the checker's replies, bounded
            if msg.get("msg_type") != "display_data" or wire.MIME not in msg[
                "content"
            ].get("data", {}):
                return None
            self._probe_bytes += size
            if self._probe_bytes > wire.MAX_BYTES:
                return None
            return super().output(outs, msg, display_id, cell_index)
        self._stored += size
        if self._stored > self.output_limit_kb * 1024:
            if (
                not self._dead
            ):  # a flood costs the submission its kernel, nobody else's time
                self._dead = f"the notebook printed more than {self.output_limit_kb} KiB (output limit)"
                self.flags.append(
                    f"output limit: more than {self.output_limit_kb} KiB of output"
                )
                asyncio.ensure_future(self._shutdown())
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _write_outputs(
        self, nb: NotebookNode, plan: _Plan, verdicts: list[Verdict]
    ) -> None:
        for index, verdict in zip(plan.tests, verdicts):
            part = _part(verdict.grade_id)
            if verdict.passed:
                out = NotebookNode(
                    output_type="stream",
                    name="stdout",
                    text=f"✓ {part}: tests passed\n",
                )
            else:
                out = NotebookNode(
                    output_type="error", ename="GradingError", evalue=verdict.message,
                    traceback=render(verdict.message),
                )  # fmt: skip
            nb.cells[index].outputs = [out]
            nb.cells[index].execution_count = None
            if verdict.internal:
                self.flags.append(
                    f"grader error in {verdict.grade_id}: {verdict.message[:200]}"
                )
        if plan.self_check is not None:
            nb.cells[plan.self_check].outputs = [
                NotebookNode(
                    output_type="stream", name="stdout", text=self.summary + "\n"
                )
            ]

    # ------------------------------------------------------------ report
    def _evidence(self) -> list[str]:
        path = getattr(self, "audit_log", None)
        if not path or not os.path.exists(path):
            return []
        with open(path, errors="replace") as f:
            lines = [ln.strip() for ln in f if ln.startswith(MARK)]
        os.remove(path)
        seen: list[str] = []
        for ln in lines:
            item = "sandbox: " + ln.removeprefix(MARK).strip()
            if item not in seen:
                seen.append(item)
        return seen[:50]

    def _report(
        self,
        resources: dict[str, Any],
        plan: _Plan,
        verdicts: list[Verdict],
        elapsed: float,
    ) -> None:
        info = resources["nbgrader"]
        sandbox = getattr(self, "_sandbox_mode", None) or os.environ.get(
            "MEDGRADE_SANDBOX", "bwrap"
        )
        flags = self.flags + self._evidence()
        if sandbox != "bwrap":
            flags.append("graded without the sandbox (MEDGRADE_SANDBOX=off)")
        report = {
            "student": info["student"],
            "assignment": info["assignment"],
            "notebook": info["notebook"],
            "sandbox": sandbox,
            "seconds": round(elapsed, 2),
            "flags": flags,
            "tests": {v.grade_id: v.passed for v in verdicts},
        }
        from nbgrader.coursedir import CourseDirectory

        root = Path(self.report_root or CourseDirectory(config=self.config).root)
        out = root / REPORTS / info["assignment"] / info["student"]
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{info['notebook']}.json").write_text(json.dumps(report, indent=1))


def read_reports(course: Path, assignment: str, student: str) -> list[dict[str, Any]]:
    """The reports that grading wrote for one student's assignment."""
    folder = Path(course) / REPORTS / assignment / student
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
