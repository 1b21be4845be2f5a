"""The OpenQASM 2 runner (``OPEN_QASM_V2``) for Kipu's ``kipu.sim.qsim`` and Qudora's ``qudora.sim.xg1``.

The input is a bare OpenQASM 2 string, ``{"qasm": str}``, or (Qudora only) ``{"qasm": [str, ...]}``
with one program per PUB. Programs are parsed with ``qiskit.qasm2`` and the ``qelib1.inc`` that
Qiskit's exporter writes against (its extra gates such as ``sx`` or ``rzz`` included); no file is
ever read for an ``include``. The provider of the backend picks the answer:

* **Kipu** (``input_params.mode``):

  - ``sample`` (default): ``{"counts": {...}}`` keyed **big-endian**, clbit 0 leftmost, as qsim
    answers (the official SDK reverses the keys);
  - ``statevector``: ``{"statevector": [[re, im], ...]}``;
  - ``amplitudes``: ``{"amplitudes": {bitstring: [re, im]}}`` for ``input_params.bitstrings``.

  States follow the same big-endian convention as the counts: qubit 0 is the leftmost character of a
  bitstring and the most significant bit of a statevector index. Both exact modes ignore final
  measurements and refuse mid-circuit ones.
* **Qudora**: ``{"counts", "memory"}`` in Qiskit order (bitstring keys with clbit 0 rightmost,
  memory as Qiskit hex words), or a list of those when the input was a list. With
  ``input_params.language = "OpenQASM3"`` the programs are read as OpenQASM 3 instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qiskit import QuantumCircuit, qasm2, qasm3

from qhub_providers.emulator.runners.base import Execution, InvalidJobInput
from qhub_providers.emulator.runners.circuits import (
    MAX_EXACT_QUBITS,
    active_qubits,
    amplitudes,
    check_pub_count,
    check_qubit_count,
    check_shots,
    check_simulable,
    normalized_qasm_input,
    require_int,
    require_list,
    require_mapping,
    require_str,
    sample_bits,
    statevector,
)
from qhub_providers.emulator.runners.noise import noise_model
from qhub_providers.emulator.runners.samples import (
    counts_bitstrings,
    counts_pub,
    memory_hex,
    memory_view,
    probabilities_pub,
)

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["MAX_STATEVECTOR_QUBITS", "Qasm2Job", "Qasm2Runner"]

MAX_STATEVECTOR_QUBITS = 20
"""Widest circuit whose full statevector (2**n entries of JSON) the local Hub returns."""

_KIPU, _QUDORA = "KIPU", "QUDORA"
_KIPU_MODES = ("sample", "statevector", "amplitudes")
_QUDORA_LANGUAGES = ("OpenQASM2", "OpenQASM3")
_ZERO = 1e-12
_NON_UNITARY = frozenset({"measure", "reset", "if_else", "while_loop", "for_loop", "switch_case"})


@dataclass(frozen=True)
class Qasm2Job:
    """A validated OpenQASM job: parsed circuits and how the provider wants them answered."""

    spec: BackendSpec
    circuits: tuple[QuantumCircuit, ...]
    shots: int
    as_list: bool
    """Whether the input held a list of programs (Qudora then answers with a list)."""
    mode: str = "sample"
    """Kipu's mode; always ``sample`` for Qudora."""
    bitstrings: tuple[str, ...] = ()
    """Kipu's requested basis states for ``amplitudes`` (qubit 0 leftmost)."""


class Qasm2Runner:
    """Simulates OpenQASM 2 programs with Aer for the Kipu and Qudora simulators."""

    def prepare(
        self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int
    ) -> Qasm2Job:
        """Parse and validate the programs; raise :class:`InvalidJobInput` if they cannot run."""
        provider = spec.provider.upper()
        if provider not in (_KIPU, _QUDORA):
            raise InvalidJobInput(f"the OpenQASM 2 runner serves Kipu and Qudora backends, not {spec.id}")
        count = check_shots(spec, shots)
        params = input_params or {}
        sources, as_list = _sources(job_input, allow_list=provider == _QUDORA)
        check_pub_count(spec, len(sources), "input.qasm")
        language = _qudora_language(params) if provider == _QUDORA else "OpenQASM2"
        circuits: list[QuantumCircuit] = []
        for index, source in enumerate(sources):
            field = (
                f"input.qasm[{index}]"
                if as_list
                else ("input" if isinstance(job_input, str) else "input.qasm")
            )
            circuit = _parse(source, language, field)
            check_qubit_count(spec, circuit.num_qubits, field)
            circuits.append(circuit)
        if provider == _QUDORA:
            for index, circuit in enumerate(circuits):
                check_simulable(circuit, f"program {index}")
            return Qasm2Job(spec=spec, circuits=tuple(circuits), shots=count, as_list=as_list)
        mode, bitstrings = _kipu_mode(params, circuits[0])
        return Qasm2Job(
            spec=spec, circuits=tuple(circuits), shots=count, as_list=False, mode=mode, bitstrings=bitstrings
        )

    def execute(self, prepared: Qasm2Job, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Run the programs the way the backend's provider answers."""
        if prepared.spec.provider.upper() == _QUDORA:
            return _execute_qudora(prepared, seed, noise)
        if prepared.mode == "statevector":
            return _execute_statevector(prepared)
        if prepared.mode == "amplitudes":
            return _execute_amplitudes(prepared)
        return _execute_kipu_sample(prepared, seed, noise)

    def normalized_input(self, prepared: Qasm2Job) -> dict[str, Any]:
        """Every parsed program rendered back to OpenQASM 2 (Qiskit's exporter)."""
        return normalized_qasm_input(list(prepared.circuits), [prepared.shots] * len(prepared.circuits))


# --- reading the input ------------------------------------------------------------------------------


def _sources(job_input: Any, *, allow_list: bool) -> tuple[list[str], bool]:
    """The program texts and whether they came as a list."""
    if isinstance(job_input, str):
        return [job_input], False
    if not isinstance(job_input, Mapping):
        raise InvalidJobInput('input must be an OpenQASM 2 string or an object {"qasm": ...}', status=400)
    qasm = job_input.get("qasm")
    if isinstance(qasm, str):
        return [qasm], False
    if isinstance(qasm, list):
        if not allow_list:
            raise InvalidJobInput("input.qasm must be one OpenQASM 2 string on this backend", status=400)
        return [require_str(s, f"input.qasm[{k}]") for k, s in enumerate(qasm)], True
    if allow_list:
        raise InvalidJobInput("input.qasm must be a string or an array of strings", status=400)
    return [require_str(qasm, "input.qasm")], False


def _qudora_language(params: Mapping[str, Any]) -> str:
    language = params.get("language") or "OpenQASM2"
    if language not in _QUDORA_LANGUAGES:
        raise InvalidJobInput(
            f"input_params.language must be OpenQASM2 or OpenQASM3, got {language!r}", status=400
        )
    if params.get("backend_settings") is not None:
        require_mapping(params["backend_settings"], "input_params.backend_settings")
    return str(language)


def _parse(source: str, language: str, field: str) -> QuantumCircuit:
    """Parse one program; a syntax or semantic error becomes 400 with the parser's own message."""
    if language == "OpenQASM3":
        try:
            return qasm3.loads(source)
        except qasm3.QASM3ImporterError as error:
            raise InvalidJobInput(f"{field} is not valid OpenQASM 3: {error}", status=400) from error
    try:
        return qasm2.loads(
            source,
            include_path=(),  # never read a file named by the program
            custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS,
            custom_classical=qasm2.LEGACY_CUSTOM_CLASSICAL,
        )
    except qasm2.QASM2ParseError as error:
        message = getattr(error, "message", str(error))
        raise InvalidJobInput(f"{field} is not valid OpenQASM 2: {message}", status=400) from error


def _kipu_mode(params: Mapping[str, Any], circuit: QuantumCircuit) -> tuple[str, tuple[str, ...]]:
    mode = params.get("mode") or "sample"
    if mode not in _KIPU_MODES:
        raise InvalidJobInput(
            f"input_params.mode must be one of {', '.join(_KIPU_MODES)}, got {mode!r}", status=400
        )
    for name in ("max_fused_gate_size", "cpu_threads"):
        if params.get(name) is not None:
            require_int(params[name], f"input_params.{name}", minimum=0)
    if mode == "sample":
        check_simulable(circuit, "the program")
        return mode, ()
    _check_exact(circuit, mode)
    if mode == "statevector":
        return mode, ()
    if params.get("bitstrings") is None:
        raise InvalidJobInput("mode amplitudes needs input_params.bitstrings (the basis states to evaluate)")
    bitstrings: list[str] = []
    for k, value in enumerate(require_list(params["bitstrings"], "input_params.bitstrings")):
        text = require_str(value, f"input_params.bitstrings[{k}]")
        if len(text) != circuit.num_qubits or set(text) - {"0", "1"}:
            raise InvalidJobInput(
                f"input_params.bitstrings[{k}] must be {circuit.num_qubits} characters of 0 and 1, "
                f"got {text!r}",
                status=400,
            )
        bitstrings.append(text)
    return mode, tuple(bitstrings)


def _check_exact(circuit: QuantumCircuit, mode: str) -> None:
    """The exact modes need a unitary circuit (final measurements aside) of a size we can hold."""
    unitary = circuit.remove_final_measurements(inplace=False)
    for instruction in unitary.data:
        if instruction.operation.name in _NON_UNITARY:
            raise InvalidJobInput(
                f"mode {mode} needs a circuit without mid-circuit measurement, reset or classical control"
            )
    if mode == "statevector" and circuit.num_qubits > MAX_STATEVECTOR_QUBITS:
        raise InvalidJobInput(
            "mode statevector returns 2**n amplitudes; the local Hub allows at most "
            f"{MAX_STATEVECTOR_QUBITS} qubits, the program has {circuit.num_qubits}"
        )
    width = len(active_qubits(unitary))
    if width > MAX_EXACT_QUBITS:
        raise InvalidJobInput(
            f"mode {mode} needs the exact state of {width} qubits; "
            f"the local Hub holds at most {MAX_EXACT_QUBITS}"
        )


# --- answering --------------------------------------------------------------------------------------


def _execute_qudora(prepared: Qasm2Job, seed: int, noise: dict[str, Any] | None) -> Execution:
    model = noise_model(prepared.spec, noise)
    bits = sample_bits(list(prepared.circuits), prepared.shots, seed=seed, noise_model=model)
    results: list[dict[str, Any]] = []
    pubs: list[dict[str, Any]] = []
    for index, (circuit, shot_bits) in enumerate(zip(prepared.circuits, bits, strict=True)):
        counts = counts_bitstrings(shot_bits)
        results.append({"counts": counts, "memory": memory_hex(shot_bits)})
        pubs.append(counts_pub(index, counts, shots=prepared.shots, qubits=circuit.num_clbits))
    memory = None
    if len(results) == 1:
        memory = memory_view(results[0]["memory"], qubits=prepared.circuits[0].num_clbits)
    return Execution(
        native_result=results if prepared.as_list else results[0],
        normalized={"pubs": pubs},
        memory=memory,
    )


def _execute_kipu_sample(prepared: Qasm2Job, seed: int, noise: dict[str, Any] | None) -> Execution:
    circuit = prepared.circuits[0]
    model = noise_model(prepared.spec, noise)
    (shot_bits,) = sample_bits([circuit], prepared.shots, seed=seed, noise_model=model)
    counts = counts_bitstrings(shot_bits)
    return Execution(
        native_result={"counts": {key[::-1]: n for key, n in counts.items()}},
        normalized={"pubs": [counts_pub(0, counts, shots=prepared.shots, qubits=circuit.num_clbits)]},
        memory=None,
    )


def _execute_statevector(prepared: Qasm2Job) -> Execution:
    circuit = prepared.circuits[0].remove_final_measurements(inplace=False)
    width = circuit.num_qubits
    state = statevector(circuit)
    # Qiskit indexes with qubit 0 as the least significant bit; qsim with qubit 0 as the most.
    big_endian = state.reshape([2] * width).transpose().reshape(-1) if width else state
    probabilities = {
        format(index, f"0{width}b"): float(abs(amplitude) ** 2)
        for index, amplitude in enumerate(state)
        if abs(amplitude) ** 2 > _ZERO
    }
    return Execution(
        native_result={
            "statevector": [[float(a.real), float(a.imag)] for a in big_endian],
            "metadata": {"num_qubits": width},
        },
        normalized={"pubs": [probabilities_pub(0, probabilities, qubits=width)]},
        memory=None,
    )


def _execute_amplitudes(prepared: Qasm2Job) -> Execution:
    circuit = prepared.circuits[0].remove_final_measurements(inplace=False)
    width = circuit.num_qubits
    # A requested bitstring has qubit 0 leftmost, so reading it reversed gives Qiskit's index.
    values = amplitudes(circuit, [int(text[::-1], 2) if text else 0 for text in prepared.bitstrings])
    return Execution(
        native_result={
            "amplitudes": {
                text: [float(a.real), float(a.imag)]
                for text, a in zip(prepared.bitstrings, values, strict=True)
            },
            "metadata": {"num_qubits": width},
        },
        normalized={
            "pubs": [
                probabilities_pub(
                    0,
                    {
                        text[::-1]: float(abs(a) ** 2)
                        for text, a in zip(prepared.bitstrings, values, strict=True)
                    },
                    qubits=width,
                )
            ]
        },
        memory=None,
    )
