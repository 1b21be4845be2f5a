"""``HubBackend``: any gate-based Hub backend as a Qiskit 2.x ``BackendV2``.

Everything comes from what the Hub says about the backend (its record, native configuration and
calibration); the input format is chosen from ``supported_input_formats``. ``run`` does **not** transpile:
like IBM's backends it takes circuits already fitted to :attr:`target` and says clearly what does not fit.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from qiskit.circuit import QuantumCircuit
from qiskit.providers import BackendV2, Options
from qiskit.transpiler import Target

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import Backend, CalibrationResponse
from qhub_providers.formats import BackendFacts, FormatError, format_for, format_module
from qhub_providers.qiskit.errors import CircuitNotSupportedError
from qhub_providers.qiskit.job import (
    CIRCUIT_HEADERS_PARAM,
    CIRCUIT_METADATA_PARAM,
    HubJob,
    circuit_headers_param,
    circuit_metadata_param,
)
from qhub_providers.sessions import session_id_for

if TYPE_CHECKING:
    from qhub_providers.qiskit.provider import HubQiskitProvider
    from qhub_providers.qiskit.target import HubTargetInfo

DEFAULT_SHOTS = 1024

# Options each input format understands, with their defaults (None = not sent).
FORMAT_OPTIONS: dict[str, dict[str, Any]] = {
    "BRAKET_OPEN_QASM_V3": {"verbatim": False},
    "OPEN_QASM_V2": {
        "mode": None,
        "bitstrings": None,
        "max_fused_gate_size": None,
        "cpu_threads": None,
        "backend_settings": None,
    },
    "QISKIT_QPY": {"max_execution_time": None, "log_level": None},
    "IQM_JOB_INPUT_V1": {"calibration_set_id": None, "heralding_mode": None, "qubit_mapping": None},
    "IONQ_CIRCUIT_V1": {},
    "AQT_JOB_INPUT_V1": {},
}
# run() keywords that are about the Hub job rather than the circuit (hub_input_params: further
# input_params kept with the job, such as what a primitive needs to read its run back).
JOB_KEYWORDS = ("tags", "job_name", "hub_input_params")
IGNORED_INSTRUCTIONS = frozenset({"barrier"})


@dataclass(frozen=True)
class HubBackendStatus:
    """Qiskit-style backend status: ``operational``, ``pending_jobs``, ``status_msg``."""

    backend_name: str
    operational: bool
    pending_jobs: int
    status_msg: str
    queue_avg_time: int | None = None


class HubBackend(BackendV2):
    """A Hub backend for Qiskit. Build it with ``HubQiskitProvider().get_backend(name)``.

    ``name`` is the Hub id (``aws.sim.sv1``). Metadata (configuration, target, calibration) is fetched on
    first use and cached; :meth:`refresh` drops the cache.
    """

    def __init__(self, provider: HubQiskitProvider | None, record: Backend, client: HubQuantumClient) -> None:
        configuration = record.configuration
        if configuration is None or record.id is None:
            raise ValueError(f"backend {record.id!r} has no configuration; it cannot be used from Qiskit")
        input_format = format_for(configuration.supported_input_formats or [])
        if input_format is None:
            formats = (
                ", ".join(str(f) for f in configuration.supported_input_formats or []) or "no input format"
            )
            raise ValueError(f"backend {record.id} takes {formats}, not Qiskit circuits")
        self._record = record
        self._client = client
        self.input_format = input_format
        super().__init__(
            provider=provider,
            name=record.id,
            description=record.display_name or record.name or record.id,
            backend_version="1",
        )
        shots = configuration.shots_range
        low = int(shots.min) if shots and shots.min is not None else 1
        high = int(shots.max) if shots and shots.max is not None else 1_000_000
        self._shots_range = (max(low, 1), high)
        self._options.update_options(shots=min(max(DEFAULT_SHOTS, low), high))
        self._options.set_validator("shots", self._shots_range)
        self._options.update_options(**FORMAT_OPTIONS.get(input_format, {}))

    @classmethod
    def _default_options(cls) -> Options:
        return Options(shots=DEFAULT_SHOTS, memory=False, seed_simulator=None)

    def __repr__(self) -> str:
        return f"<HubBackend('{self.name}')>"

    # -- what the Hub says ---------------------------------------------------------------------------

    @property
    def record(self) -> Backend:
        """The Hub's ``Backend`` record."""
        return self._record

    # What Session/Batch need to know about a backend (shared with the Braket face's devices).
    hub_sdk = "QISKIT"

    @property
    def hub_client(self) -> HubQuantumClient:
        return self._client

    @property
    def hub_backend_id(self) -> str:
        return str(self.name)

    @property
    def hub_provider(self) -> str:
        return self.provider_name

    @property
    def provider_name(self) -> str:
        """The Hub provider (``AWS``, ``IBM`` ...)."""
        return str(self._record.provider)

    @property
    def is_simulator(self) -> bool:
        return str(self._record.type) == "SIMULATOR"

    @cached_property
    def native_config(self) -> dict[str, Any]:
        """The provider-native configuration (``GET backends/{id}/config``)."""
        return dict(self._client.backends.get_backend_config(self.name))

    @cached_property
    def _target_info(self) -> HubTargetInfo:
        # The target builders (one module per device family) load with the first target, not with the face.
        from qhub_providers.qiskit.target import build_target

        calibration = None
        if self._record.has_calibration:
            calibration = self.calibration()
        return build_target(self._record, self.native_config, calibration)

    @property
    def target(self) -> Target:
        """The Qiskit ``Target``, built from the Hub's configuration and calibration."""
        return self._target_info.target

    @property
    def shots_range(self) -> tuple[int, int]:
        """The fewest and most shots one job may take (from the Hub's ``shots_range``)."""
        return self._shots_range

    @property
    def max_circuits(self) -> int:
        """Circuits per job (``max_pubs_per_job``)."""
        configuration = self._record.configuration
        value = configuration.max_pubs_per_job if configuration else None
        return int(value) if value else 1

    def refresh(self) -> None:
        """Forget the cached configuration, target and calibration."""
        self._record = self._client.backends.get_backend(self.name)
        for name in ("native_config", "_target_info"):
            self.__dict__.pop(name, None)

    def status(self) -> HubBackendStatus:
        """Operational state and queue length, fresh from the Hub."""
        state = self._client.backends.get_backend_status(self.name)
        status = str(state.status or "UNKNOWN")
        return HubBackendStatus(
            backend_name=self.name,
            operational=status == "ONLINE",
            pending_jobs=int(state.queue_size or 0),
            status_msg="active" if status == "ONLINE" else status.lower(),
            queue_avg_time=state.queue_avg_time,
        )

    def calibration(self, effective_at: datetime | None = None) -> CalibrationResponse | None:
        """The calibration now, or at ``effective_at`` (timezone-aware); ``None`` for simulators."""
        return self._client.backends.get_backend_calibration(self.name, effective_at=effective_at)

    def _facts(self) -> BackendFacts:
        configuration = self._record.configuration
        return BackendFacts(
            backend_id=self.name,
            num_qubits=int(configuration.qubit_count or 0) if configuration else 0,
            max_circuits=self.max_circuits,
            is_simulator=self.is_simulator,
            qubit_names=self._target_info.qubit_names,
            native_config=self.native_config,
        )

    # -- running ---------------------------------------------------------------------------------

    def check_circuit(self, circuit: QuantumCircuit) -> None:
        """Raise :class:`CircuitNotSupportedError` if ``circuit`` does not fit the target."""
        target = self.target
        label = f"circuit '{circuit.name}'"
        if circuit.num_qubits > target.num_qubits:
            raise CircuitNotSupportedError(
                f"{label} uses {circuit.num_qubits} qubits but {self.name} has {target.num_qubits}"
            )
        if circuit.parameters:
            names = ", ".join(sorted(p.name for p in circuit.parameters))
            raise CircuitNotSupportedError(
                f"{label} has unbound parameters ({names}); bind them first with circuit.assign_parameters"
            )
        for instruction in circuit.data:
            name = instruction.operation.name
            if name in IGNORED_INSTRUCTIONS:
                continue
            qargs = tuple(circuit.find_bit(q).index for q in instruction.qubits)
            if not target.instruction_supported(name, qargs):
                where = "" if name not in target.operation_names else f" on qubits {qargs}"
                raise CircuitNotSupportedError(
                    f"{label}: {self.name} does not support '{name}'{where}; "
                    f"fit the circuit to the backend first: transpile(circuit, backend)"
                )

    def _valid_shots(self, shots: Any) -> int:
        """``shots`` as an int within the backend's range; ``None`` means the backend's default."""
        if shots is None:
            # Other providers read shots=None as "the default"; never as the backend's minimum.
            shots = self._options.shots
        low, high = self._shots_range
        # numbers.Integral admits NumPy integers (shot counts are often computed), but not bool.
        integral = isinstance(shots, numbers.Integral) and not isinstance(shots, bool)
        if not integral or not low <= int(shots) <= high:
            raise ValueError(
                f"shots must be an integer between {low} and {high} on {self.name}, not {shots!r}"
            )
        return int(shots)

    def run(self, run_input: QuantumCircuit | list[QuantumCircuit], **options: Any) -> HubJob:
        """Submit circuits (fitted to :attr:`target`) as one Hub job.

        Options: ``shots``, ``memory``, ``seed_simulator`` (honoured by simulators that support it), the
        input format's own options (see :attr:`options`), plus ``tags`` and ``job_name`` for the Hub job
        (and ``hub_input_params``, further ``input_params`` to keep with it).
        Unknown options are ignored with a warning.
        """
        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else list(run_input)
        if not circuits:
            raise ValueError("run() needs at least one circuit")
        if not all(isinstance(c, QuantumCircuit) for c in circuits):
            raise TypeError("run() takes a QuantumCircuit or a list of them")
        if len(circuits) > self.max_circuits:
            raise CircuitNotSupportedError(
                f"{self.name} takes at most {self.max_circuits} circuit(s) per job, got {len(circuits)}; "
                "submit them in several jobs"
            )
        job_fields = {k: options.pop(k) for k in JOB_KEYWORDS if k in options}
        unknown = sorted(set(options) - set(self._options))
        if unknown:
            warnings.warn(
                f"{self.name} ignores unknown run options {unknown}; known: {sorted(self._options)}",
                UserWarning,
                stacklevel=2,
            )
            for key in unknown:
                options.pop(key)
        merged = {**dict(self._options.items()), **options}
        shots = self._valid_shots(merged["shots"])
        for circuit in circuits:
            self.check_circuit(circuit)
        format_options = {
            key: merged[key]
            for key in FORMAT_OPTIONS.get(self.input_format, {})
            if merged[key] not in (None, False)
        }
        module = format_module(self.input_format)
        try:
            encoded = module.encode(circuits, self._facts(), shots=shots, **format_options)
        except FormatError as exc:
            raise CircuitNotSupportedError(str(exc)) from exc
        params = dict(encoded.input_params)
        seed = merged["seed_simulator"]
        if seed is not None:
            params["seed_simulator"] = int(seed)
        stored_metadata = circuit_metadata_param(encoded.layouts)
        if stored_metadata is not None:
            params[CIRCUIT_METADATA_PARAM] = stored_metadata
        params.update(dict(job_fields.get("hub_input_params") or {}))
        stored_headers = circuit_headers_param(encoded.layouts)
        if stored_headers is not None:
            params[CIRCUIT_HEADERS_PARAM] = stored_headers
        extra: dict[str, Any] = {}
        qasm_rendering = getattr(module, "qasm_rendering", None)
        if qasm_rendering is not None:
            rendered = qasm_rendering(circuits)
            if rendered is not None:
                extra["qasm"] = rendered
        from qhub_providers._pending import PendingSubmission
        from qhub_providers.api.errors import UncertainSubmissionError

        try:
            record = self._client.jobs.create_job(
                backend_id=self.name,
                shots=encoded.shots,
                input=encoded.input,
                input_format=encoded.input_format,
                input_params=params,
                name=job_fields.get("job_name"),
                tags=job_fields.get("tags"),
                session_id=session_id_for(self.name),
                sdk_provider="QISKIT",
                **extra,
            )
        except UncertainSubmissionError as exc:
            # The job may still land: hand it back with its id found by its token when first needed
            # (see qhub_providers/_pending.py).
            return HubJob(
                self,
                "",
                client=self._client,
                layouts=encoded.layouts,
                memory=bool(merged["memory"]),
                seed=None if seed is None else int(seed),
                pending=PendingSubmission(self._client, exc),
            )
        assert record.id is not None
        return HubJob(
            self,
            record.id,
            client=self._client,
            layouts=encoded.layouts,
            memory=bool(merged["memory"]),
            seed=None if seed is None else int(seed),
            record=record,
        )
