"""The checker: runs an exercise's test cells outside the student's kernel.

While grading, no test cell executes in the student's kernel. The checker runs
each test cell's code itself, in the instructor's process, in a namespace that
the submission cannot reach: the set-up cells' code (trusted, run here too),
then, for every name that the assignment's answer cells define, a
:class:`medgrade.remote.RemoteFunction`. Calling one asks the sandboxed kernel
for a value; everything else (the references, the comparisons, the messages,
the hidden tests themselves) stays here. The static policy
(:mod:`medgrade.policy`) decides, from the submission's source, whether a part
used forbidden code; the kernel is never asked about itself.
"""

from __future__ import annotations

import ast
import base64
import builtins
import io
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch

from medgrade import remote, wire
from medgrade.checks import GradingError
from medgrade.delegation import forbidden_names
from medgrade.policy import Finding, Submission

__all__ = ["Checker", "KernelSession", "Verdict"]

RunCode = Callable[[str], list[dict[str, Any]]]  # code -> the cell's outputs


@dataclass
class Verdict:
    """The outcome of one test cell: passed, or the message that says why not."""

    grade_id: str
    passed: bool
    message: str
    internal: bool = False  # the test itself failed (a grader bug), not the answer


class KernelSession:
    """Asks a student's kernel for values; decodes its replies as plain data.

    Args:
        run_code: executes a code string in the kernel and returns the outputs.
        submission: the submission's analysed source (for delegation checks).
    """

    def __init__(self, run_code: RunCode, submission: Submission) -> None:
        self.run_code, self.submission = run_code, submission
        self.dead: str | None = None
        self.delegations: list[str] = []
        self.hung: set[Any] = set()  # targets that ran past the time limit once

    def _payload(self, fields: dict[str, Any]) -> str:
        def ref(x: Any) -> Any:
            if isinstance(x, remote.RemoteObject):
                return wire.HandleRef(x._target[1], x.type_name)
            if isinstance(x, remote.RemoteFunction):
                raise GradingError(
                    "a student's function cannot be passed as an argument"
                )
            if isinstance(x, list | tuple):
                return type(x)(ref(v) for v in x)
            if isinstance(x, dict):
                return {k: ref(v) for k, v in x.items()}
            return x

        buf = io.BytesIO()
        torch.save({k: ref(v) for k, v in fields.items()}, buf)
        return base64.b64encode(buf.getvalue()).decode("ascii")

    def request(
        self, op: str, target: tuple[str, Any], **fields: Any
    ) -> tuple[Any, Any]:
        if self.dead:
            raise remote.KernelUnavailable(self.dead)
        if target in self.hung:  # it looped once: do not spend the time limit again
            raise KeyboardInterrupt
        token = secrets.token_hex(16)
        payload = self._payload({"op": op, "target": target, **fields})
        code = f'__import__("medgrade.kernel").kernel.serve("{token}", "{payload}")'
        outputs = self.run_code(code)
        reply = None
        for out in outputs:
            if (
                out.get("output_type") == "error"
                and out.get("ename") == "KernelUnavailable"
            ):
                self.dead = out.get("evalue") or "the kernel stopped"
                raise remote.KernelUnavailable(self.dead)
            data = out.get("data", {}).get(wire.MIME)
            if isinstance(data, dict) and data.get("token") == token:
                reply = data
        if reply is None:
            self.hung.add(target)
            raise remote.student_exception(
                "RuntimeError", "the kernel gave no answer (was the call interrupted?)"
            )
        if not reply.get("ok"):
            err = reply.get("error") or {}
            if err.get("type") == "KeyboardInterrupt":
                self.hung.add(target)
            exc = remote.student_exception(
                str(err.get("type")), str(err.get("message", ""))
            )
            exc._medgrade_student = True  # type: ignore[attr-defined]
            raise exc

        def handle(h: wire.HandleRef) -> remote.RemoteObject:
            return remote.RemoteObject(self, h.id, h.type_name)

        try:
            return wire.decode(reply.get("value"), handle), wire.decode(
                reply.get("after"), handle
            )
        except wire.WireError as err:
            exc = remote.student_exception(
                "TypeError", f"the result is not plain data: {err}"
            )
            exc._medgrade_student = True  # type: ignore[attr-defined]
            raise exc from None

    def forbid(
        self,
        fn: remote.RemoteFunction,
        forbidden: list[Any],
        *,
        reason: str = "write it yourself from the definition",
        allow_library: Iterable[str] = (),
    ) -> None:
        names, methods = forbidden_names(forbidden)
        refs = self.submission.delegation(
            fn.name, names, allow_library=allow_library, value_methods=methods
        )
        if refs:
            r = refs[0]
            self.delegations.append(
                f"forbidden in {fn.name}: `{r.code}` (cell {r.cell_id!r}, line {r.line})"
            )
            raise GradingError(
                f"your answer uses {r.path} (`{r.code}`, cell {r.cell_id!r}, line "
                f"{r.line}), which is not allowed in {fn.name}: {reason}."
            )

    def value_and_grad(
        self, fn: remote.RemoteFunction, args: tuple, kwargs: dict
    ) -> Any:
        (value, grads), after = self.request(
            "value_and_grad", fn._target, args=args, kwargs=kwargs
        )
        remote._apply_after(args, kwargs, after)
        return value, grads


def _loaded_names(source: str) -> set[str]:
    try:
        tree = ast.parse(_transform(source))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _transform(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _taint_message(findings: list[Finding], scope: str) -> str:
    shown = "; ".join(str(f) for f in findings[:3])
    more = f" (and {len(findings) - 3} more)" if len(findings) > 3 else ""
    return (
        f"{scope} uses code that the grader does not allow in answers: {shown}{more}. "
        "This part scores zero; your instructor will review the submission."
    )


@dataclass
class Checker:
    """Runs test cells in a trusted namespace with the student's names as proxies.

    Args:
        session: the student's kernel.
        setup_sources: the assignment's set-up cells (trusted; run here too).
        answer_names: names the assignment's answer cells define.
    """

    session: KernelSession
    setup_sources: list[str]
    answer_names: set[str]
    namespace: dict[str, Any] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.namespace = {"__builtins__": builtins, "__name__": "__medgrade_checker__"}
        token = remote.activate(self.session)
        try:
            for source in self.setup_sources:
                exec(compile(_transform(source), "<set-up>", "exec"), self.namespace)  # noqa: S102
        finally:
            remote._ACTIVE.reset(token)
        for name in self.answer_names:
            self.namespace[name] = remote.RemoteFunction(self.session, name)
        self.global_findings = self.session.submission.global_findings()

    def _tainted(self, source: str) -> str | None:
        if self.global_findings:
            return _taint_message(
                self.global_findings, "Your notebook (outside any function)"
            )
        for name in sorted(_loaded_names(source) & self.answer_names):
            findings = self.session.submission.findings_for(name)
            if findings:
                return _taint_message(findings, f"`{name}` (or code it uses)")
        return None

    def run(self, grade_id: str, source: str) -> Verdict:
        """Run one test cell and return its verdict."""
        for name in self.answer_names:  # a test may not rebind what later tests call
            self.namespace[name] = remote.RemoteFunction(self.session, name)
        tainted = self._tainted(source)
        if tainted:
            return self._record(Verdict(grade_id, False, tainted))
        token = remote.activate(self.session)
        try:
            exec(compile(_transform(source), f"<{grade_id}>", "exec"), self.namespace)  # noqa: S102
            verdict = Verdict(grade_id, True, "tests passed")
        except GradingError as err:
            verdict = Verdict(grade_id, False, str(err))
        except remote.KernelUnavailable as err:
            verdict = Verdict(
                grade_id,
                False,
                f"your notebook's kernel stopped ({err}), so this test could not run",
            )
        except NotImplementedError:
            verdict = Verdict(grade_id, False, "not implemented yet")
        except KeyboardInterrupt:
            verdict = Verdict(
                grade_id,
                False,
                "stopped after the time limit: does your function finish "
                "(no infinite loop) and run in well under a second on small inputs?",
            )
        except BaseException as err:  # noqa: BLE001 - the answer raised, or the test is broken
            student = getattr(err, "_medgrade_student", False)
            verdict = Verdict(
                grade_id, False, f"{type(err).__name__}: {err}", internal=not student
            )
        finally:
            remote._ACTIVE.reset(token)
        return self._record(verdict)

    def _record(self, verdict: Verdict) -> Verdict:
        self.verdicts.append(verdict)
        return verdict

    def summary(self) -> str:
        """A self-check replacement: which test cells passed, for the feedback."""
        lines = [f"{'✓' if v.passed else '✗'} {v.grade_id}" for v in self.verdicts]
        return "\n".join(["Grader's verdicts:", *lines])


def json_safe(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str))
