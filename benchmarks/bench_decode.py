"""Result decoding at scale: one million shots into a Qiskit ``Result``, and into Braket counts.

(a) Qiskit: a Braket ``GateModelTaskResult`` JSON document with 1,000,000 shots of 3 measured qubits is
    decoded by ``formats.braket_qasm3.decode`` and turned into a ``Result`` with hex memory by
    ``qiskit.result.to_qiskit_result``, then ``get_counts()`` is read. The same for the Qudora / OpenQASM 2
    ``{"counts", "memory"}`` shape.
(b) Braket: the same document into a ``GateModelQuantumTaskResult`` and its ``measurement_counts``, the way
    ``HubQuantumTask.result()`` does it (``qhub_providers.braket.task.braket_result``, NumPy counting), and,
    for comparison, the way Braket itself does it (``GateModelQuantumTaskResult.from_string``, timed once:
    it takes seconds). The two must give the same counts, in the same order, or the benchmark fails.

Both start from the parsed JSON, as the client has it after ``response.json()`` (Braket's ``from_string``
starts from the text, as it must). Baseline, measured in the same run: ``json.loads`` of the Braket
document, the parsing every path pays once. Target: under 0.5 s for each.

Run alone: ``.venv/bin/python -m benchmarks.bench_decode [--quick]``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence

import numpy as np

from benchmarks.common import BenchResult, interleave, ms, parse_quick, report, times, verdict

TARGET_SECONDS = 0.5


def _braket_document(shots: int) -> tuple[str, str]:
    rng = np.random.default_rng(7)
    measurements = rng.integers(0, 2, size=(shots, 3)).tolist()
    program = (
        "OPENQASM 3.0;\nqubit[3] q;\nbit[3] c;\nh q;\n"
        "c[0] = measure q[0];\nc[1] = measure q[1];\nc[2] = measure q[2];\n"
    )
    document = {
        "braketSchemaHeader": {"name": "braket.task_result.gate_model_task_result", "version": "1"},
        "measurements": measurements,
        "measuredQubits": [0, 1, 2],
        "taskMetadata": {
            "braketSchemaHeader": {"name": "braket.task_result.task_metadata", "version": "1"},
            "id": "bench",
            "shots": shots,
            "deviceId": "aws.sim.sv1",
        },
        "additionalMetadata": {
            "action": {
                "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
                "source": program,
            }
        },
    }
    return json.dumps(document), program


def _qudora_document(shots: int) -> tuple[str, str]:
    rng = np.random.default_rng(8)
    values = rng.integers(0, 8, size=shots)
    memory = [hex(int(v)) for v in values]
    counts: dict[str, int] = {}
    for v in values.tolist():
        key = format(v, "03b")
        counts[key] = counts.get(key, 0) + 1
    program = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\nh q;\nmeasure q -> c;\n'
    return json.dumps({"counts": counts, "memory": memory}), program


def run(quick: bool) -> BenchResult:
    from qhub_providers.formats import braket_qasm3, qasm2
    from qhub_providers.qiskit.result import to_qiskit_result

    shots = 200_000 if quick else 1_000_000
    repeats = 3 if quick else 5
    braket_text, braket_program = _braket_document(shots)
    qudora_text, qudora_program = _qudora_document(shots)
    braket_layouts = braket_qasm3.layouts(braket_program, {})
    qudora_layouts = qasm2.layouts(qudora_program, {})

    # The client parses the JSON answer anyway (httpx's .json()); decoding starts from parsed data.
    braket_doc = json.loads(braket_text)
    qudora_doc = json.loads(qudora_text)

    def qiskit_from(module: object, document: object, layouts: list[object]) -> None:
        samples = module.decode(document, layouts, shots)  # type: ignore[attr-defined]
        result = to_qiskit_result(
            job_id="bench",
            backend_name="bench",
            layouts=layouts,
            samples=samples,
            memory=True,  # type: ignore[arg-type]
        )
        result.get_counts()

    from braket.tasks import GateModelQuantumTaskResult

    from qhub_providers.braket.task import braket_result

    def braket_counts() -> None:
        _ = braket_result(braket_doc).measurement_counts

    timings = interleave(
        {
            "json.loads": lambda: json.loads(braket_text),
            "qiskit from braket": lambda: qiskit_from(braket_qasm3, braket_doc, braket_layouts),
            "qiskit from qudora": lambda: qiskit_from(qasm2, qudora_doc, qudora_layouts),
            "braket counts": braket_counts,
        },
        repeats,
    )
    # Braket's own path, once: the reference the fast path must agree with.
    started = time.perf_counter()
    own = GateModelQuantumTaskResult.from_string(braket_text).measurement_counts
    own_seconds = time.perf_counter() - started
    mine = braket_result(braket_doc).measurement_counts
    if list(mine.items()) != list(own.items()):
        raise RuntimeError("the fast Braket counts differ from Braket's own")
    floor = float(np.median(timings["json.loads"]))
    result = BenchResult(
        name="decode",
        title=f"Decoding {shots:,} shots (baseline: json.loads of the same document)",
        columns=["measure", "median", "baseline", "ratio", "target"],
    )
    for label, key in (
        ("(a) parsed Braket result → Qiskit Result with memory", "qiskit from braket"),
        ("(a) parsed Qudora counts+memory → Qiskit Result with memory", "qiskit from qudora"),
        ("(b) parsed Braket result → `HubQuantumTask.result().measurement_counts`", "braket counts"),
    ):
        seconds = float(np.median(timings[key]))
        result.rows.append(
            [
                label,
                ms(seconds),
                f"json.loads: {ms(floor)}",
                times(seconds / floor),
                f"< {TARGET_SECONDS} s — {verdict(seconds, TARGET_SECONDS)}",
            ]
        )
        result.figures[key] = {"median_s": seconds, "samples_s": timings[key]}
        result.chart[key] = seconds / floor
        result.check(f"{label} under {TARGET_SECONDS} s", ms(seconds), seconds < TARGET_SECONDS)
    result.rows.append(
        [
            "(b, reference) Braket's own "
            "`GateModelQuantumTaskResult.from_string(text).measurement_counts`, 1 run",
            ms(own_seconds),
            f"json.loads: {ms(floor)}",
            times(own_seconds / floor),
            "—",
        ]
    )
    fast = float(np.median(timings["braket counts"]))
    result.figures["braket_own_s"] = own_seconds
    result.notes.append(
        f"(b) the NumPy path is {own_seconds / fast:.0f}x faster than Braket's own and gives the same "
        f"`measurement_counts` ({len(own)} distinct outcomes, same order)."
    )
    result.figures["json_loads_median_s"] = floor
    result.figures["shots"] = shots
    return result


def main(argv: Sequence[str] | None = None) -> int:
    quick = parse_quick(argv, __doc__.splitlines()[0])
    report([run(quick)], quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
