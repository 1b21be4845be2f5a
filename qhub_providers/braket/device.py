"""``HubBraketDevice``: a Hub backend that takes Braket programs, as an Amazon Braket ``Device``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from braket.devices import Device

from qhub_providers._connect import connect
from qhub_providers.api.errors import NotFoundError
from qhub_providers.api.models import Backend, SdkProvider
from qhub_providers.braket.batch import HubQuantumTaskBatch, Submission
from qhub_providers.braket.programs import (
    AHS_FORMAT,
    OPENQASM_FORMAT,
    HubJobInput,
    input_format_for,
    to_hub_job_input,
)
from qhub_providers.braket.states import braket_device_status
from qhub_providers.braket.task import DEFAULT_POLL_INTERVAL, DEFAULT_POLL_TIMEOUT, HubQuantumTask
from qhub_providers.braket.windows import in_execution_window
from qhub_providers.sessions import session_id_for

if TYPE_CHECKING:
    from qhub_providers.api import HubQuantumClient

__all__ = ["BRAKET_INPUT_FORMATS", "HubBraketDevice", "takes_braket_programs"]

BRAKET_INPUT_FORMATS: frozenset[str] = frozenset({OPENQASM_FORMAT, AHS_FORMAT})
"""Hub input formats that carry Braket programs; a backend taking one of them is a Braket device."""

# Options of ``AwsDevice.run`` that only make sense on AWS; named in the error so users know why.
_AWS_ONLY_OPTIONS = frozenset(
    {
        "s3_destination_folder",
        "reservation_arn",
        "experimental_capabilities",
        "device_parameters",
        "max_connections",
        "quiet",
        "aws_session",
    }
)


def _active_session_id(device_id: str) -> str | None:
    """The Hub session the calling context runs in (``with Session(device):``), for ``run`` to attach
    its jobs to. ``run`` and ``run_batch`` call it in the caller's thread, before any work moves to worker
    threads, which would not see the caller's context."""
    return session_id_for(device_id)


def takes_braket_programs(backend: Backend) -> bool:
    """Whether a Hub backend accepts Braket OpenQASM 3 or Braket AHS programs."""
    formats = backend.configuration.supported_input_formats if backend.configuration else None
    return any(str(fmt) in BRAKET_INPUT_FORMATS for fmt in formats or [])


@dataclass(frozen=True)
class _RunOptions:
    """The keyword arguments of ``run`` / ``run_batch`` beyond shots and inputs, checked."""

    gate_definitions: Any = None
    disable_qubit_rewiring: bool = False
    tags: list[str] | None = None
    name: str | None = None
    poll_timeout_seconds: float = DEFAULT_POLL_TIMEOUT
    poll_interval_seconds: float = DEFAULT_POLL_INTERVAL


_OPTION_NAMES = tuple(option.name for option in fields(_RunOptions))


def _run_options(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _RunOptions:
    if args:
        raise TypeError(
            f"{method}() got {len(args)} positional argument(s) too many; pass everything after the task "
            f"specification, shots and inputs by keyword ({', '.join(_OPTION_NAMES)})."
        )
    unknown = sorted(set(kwargs) - set(_OPTION_NAMES))
    if unknown:
        hint = ""
        if set(unknown) & _AWS_ONLY_OPTIONS:
            hint = " Options that address AWS itself (S3 folders, reservations, device parameters) have no "
            hint += "meaning on the Hub."
        raise TypeError(
            f"{method}() got unexpected keyword argument(s): {', '.join(unknown)}. A Hub Braket device "
            f"accepts: {', '.join(_OPTION_NAMES)}.{hint}"
        )
    values = dict(kwargs)
    if "tags" in values:
        values["tags"] = _hub_tags(values["tags"])
    options = _RunOptions(**values)
    if not isinstance(options.disable_qubit_rewiring, bool):
        raise TypeError(
            f"disable_qubit_rewiring must be True or False, got {options.disable_qubit_rewiring!r}"
        )
    if options.name is not None and not isinstance(options.name, str):
        raise TypeError(f"name must be a string, got {type(options.name).__name__}")
    for option in ("poll_timeout_seconds", "poll_interval_seconds"):
        value = getattr(options, option)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"{option} must be a positive number of seconds, got {value!r}")
    return options


def _hub_tags(tags: Any) -> list[str] | None:
    """Hub tags from Braket's ``{"key": "value"}`` tags (written ``key=value``) or a list of strings."""
    if tags is None:
        return None
    if isinstance(tags, Mapping):
        return [f"{key}={value}" for key, value in tags.items()]
    if isinstance(tags, Sequence) and not isinstance(tags, str) and all(isinstance(t, str) for t in tags):
        return list(tags)
    raise TypeError("tags must be a dict of strings (as for AwsDevice) or a list of strings")


def _batch_columns(**columns: tuple[Any, type | tuple[type, ...]]) -> tuple[int, dict[str, list[Any]]]:
    """Each per-task argument as one value per task, and the batch size.

    An argument is either one value for every task (``None`` or an instance of its single type) or a list
    with one entry per task. Lists must agree in length; single values are repeated, so one circuit with a
    list of inputs runs once per input, as with ``AwsDevice.run_batch``.
    """
    lists = {name: list(value) for name, (value, single) in columns.items() if not _is_single(value, single)}
    sizes = {len(values) for values in lists.values()}
    if len(sizes) > 1:
        described = ", ".join(f"{name} has {len(values)}" for name, values in lists.items())
        raise ValueError(f"The per-task lists of run_batch() differ in length: {described} entries.")
    size = sizes.pop() if sizes else 1
    return size, {
        name: lists[name] if name in lists else [value] * size for name, (value, _) in columns.items()
    }


def _is_single(value: Any, single: type | tuple[type, ...]) -> bool:
    return value is None or isinstance(value, single)


class HubBraketDevice(Device):
    """A Hub backend that runs Braket programs, used like ``AwsDevice``.

    ``HubBraketDevice("aws.sim.sv1")`` connects like the provider does (explicit arguments, else the
    environment); :meth:`HubBraketProvider.get_device` gives the same device.

    Args:
        device_id: The Hub backend id, e.g. ``aws.sim.sv1``, ``aws.ionq.forte``, ``aws.quera.aquila``.
        access_token: Hub access token.
        organization_id: Organization to act in.
        base_url: Quantum API root (for example a local Hub's).
        client: A ready client instead of the three arguments above.
    """

    DEFAULT_SHOTS_QPU = 1000
    DEFAULT_SHOTS_SIMULATOR = 0
    DEFAULT_MAX_PARALLEL = 10

    def __init__(
        self,
        device_id: str,
        *,
        access_token: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        client: HubQuantumClient | None = None,
    ) -> None:
        hub = connect(access_token, organization_id, base_url, client)
        try:
            backend = hub.backends.get_backend(device_id)
        except NotFoundError as missing:
            raise ValueError(f"The Hub has no backend {device_id!r}.") from missing
        self._bind(backend, hub)

    @classmethod
    def _from_backend(cls, backend: Backend, client: HubQuantumClient) -> HubBraketDevice:
        """A device for a backend record already fetched (no request)."""
        device = cls.__new__(cls)
        device._bind(backend, client)
        return device

    def _bind(self, backend: Backend, client: HubQuantumClient) -> None:
        if not takes_braket_programs(backend):
            formats = backend.configuration.supported_input_formats if backend.configuration else None
            listed = ", ".join(str(f) for f in formats or []) or "none listed"
            raise ValueError(
                f"Hub backend {backend.id!r} does not take Braket programs (its input formats: {listed}); "
                "use HubBraketProvider().devices() to list the ones that do."
            )
        super().__init__(name=str(backend.name or backend.id), status="")
        self._backend = backend
        self._client = client
        self._properties: Any = None
        self._topology: Any = None
        self._topology_built = False

    # -- what the device is ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The Hub backend id."""
        return str(self._backend.id)

    @property
    def arn(self) -> str:
        """The provider's own device id (the Braket ARN for AWS devices), else the Hub id."""
        return str(self._backend.internal_id or self._backend.id)

    @property
    def type(self) -> str:
        """``"QPU"`` or ``"SIMULATOR"``, as ``AwsDevice.type`` names them."""
        return "SIMULATOR" if str(self._backend.type) == "SIMULATOR" else "QPU"

    # What Session/Batch need to know about a device (shared with the Qiskit face's backends).
    hub_sdk = "BRAKET"

    @property
    def hub_client(self) -> HubQuantumClient:
        return self._client

    @property
    def hub_backend_id(self) -> str:
        return self.id

    @property
    def hub_provider(self) -> str:
        return str(self._backend.provider)

    @property
    def provider_name(self) -> str:
        """Who builds the hardware (``IONQ``, ``RIGETTI``, ``QUERA``, ``AWS`` ...)."""
        hardware = self._backend.hardware_provider or self._backend.provider
        return str(hardware) if hardware is not None else "UNKNOWN"

    @property
    def backend(self) -> Backend:
        """The Hub's record of this backend."""
        return self._backend

    @property
    def input_formats(self) -> tuple[str, ...]:
        """The Braket input formats this backend takes (``BRAKET_OPEN_QASM_V3``, ``BRAKET_AHS_PROGRAM``)."""
        formats = self._backend.configuration.supported_input_formats if self._backend.configuration else None
        return tuple(str(f) for f in formats or [] if str(f) in BRAKET_INPUT_FORMATS)

    @property
    def status(self) -> str:
        """``ONLINE``, ``OFFLINE`` or ``RETIRED``, asked from the Hub (a paused backend is OFFLINE)."""
        return braket_device_status(self._client.backends.get_backend_status(self.id).status)

    @property
    def properties(self) -> Any:
        """The device's Braket ``DeviceCapabilities`` (``GateModelSimulatorDeviceCapabilities``,
        ``IonqDeviceCapabilities``, ``QueraDeviceCapabilities`` ...), parsed from the Hub's
        configuration once and cached; :meth:`refresh_metadata` fetches it again."""
        if self._properties is None:
            from braket.schema_common import BraketSchemaBase

            document = self._client.backends.get_backend_config(self.id)
            try:
                self._properties = BraketSchemaBase.parse_raw_schema(json.dumps(document))
            except Exception as error:  # braket raises plain errors for headers it does not know
                raise ValueError(
                    f"The Hub's configuration of {self.id} is not a Braket device-capabilities document: "
                    f"{error}"
                ) from error
        return self._properties

    @property
    def is_available(self) -> bool:
        """True when the device is ONLINE and now lies in one of its execution windows."""
        if self.status != "ONLINE":
            return False
        service = getattr(self.properties, "service", None)
        windows = getattr(service, "executionWindows", None)
        return True if windows is None else in_execution_window(windows)

    @property
    def topology_graph(self) -> Any:
        """The qubit connectivity as a networkx ``DiGraph`` (both directions of every coupled pair); None
        for simulators and analog devices, as with ``AwsDevice``."""
        if not self._topology_built:
            self._topology = self._build_topology()
            self._topology_built = True
        return self._topology

    def queue_depth(self) -> Any:
        """The Hub's queue for this device as Braket's ``QueueDepthInfo`` (normal-priority tasks only)."""
        from braket.aws.queue_information import QueueDepthInfo, QueueType

        state = self._client.backends.get_backend_status(self.id)
        return QueueDepthInfo(
            quantum_tasks={QueueType.NORMAL: str(state.queue_size or 0), QueueType.PRIORITY: "0"},
            jobs="0",
        )

    def refresh_metadata(self) -> None:
        """Fetch the backend record again and drop the cached properties and topology."""
        self._backend = self._client.backends.get_backend(self.id)
        self._properties = None
        self._topology = None
        self._topology_built = False

    def __repr__(self) -> str:
        return f"HubBraketDevice('name': {self.name!r}, 'id': {self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HubBraketDevice) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    # -- running ---------------------------------------------------------------------------------------

    def run(
        self,
        task_specification: Any,
        shots: int | None = None,
        inputs: dict[str, float] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> HubQuantumTask:
        """Run a ``Circuit``, an OpenQASM ``Program`` or an ``AnalogHamiltonianSimulation``.

        Args:
            task_specification: What to run.
            shots: Shots; default 1000 on QPUs and 0 on simulators, as ``AwsDevice``. Zero asks a simulator
                for exact result types and is refused where the device's shots range starts above zero.
            inputs: Values of free parameters; merged over a program's own ``inputs``.
            *args: Not accepted: positional arguments after ``inputs`` raise ``TypeError``.
            **kwargs: ``gate_definitions`` (pulse-level gate calibrations of a ``Circuit``),
                ``disable_qubit_rewiring`` (run on exactly the qubits named), ``tags`` (``{"key": "value"}``,
                stored as ``key=value``, or a list of strings), ``name`` (the Hub job's name),
                ``poll_timeout_seconds`` and ``poll_interval_seconds`` (how the task waits for its result).

        Raises:
            TypeError: an unknown keyword argument, a surplus positional argument, or a specification the
                Hub cannot run.
            ValueError: shots outside the device's range, a specification of the wrong kind for this
                device, unbound parameters.
        """
        options = _run_options("run", args, kwargs)
        count = self._checked_shots(shots, task_specification)
        job_input = self._job_input(task_specification, count, inputs, options.gate_definitions, options)
        return self._submit(job_input, count, options, _active_session_id(self.id))

    def run_batch(
        self,
        task_specifications: Any,
        shots: int | Sequence[int] | None = None,
        max_parallel: int | None = None,
        inputs: dict[str, float] | list[dict[str, float]] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> HubQuantumTaskBatch:
        """Run many task specifications concurrently, at most ``max_parallel`` (default 10) at a time.

        ``task_specifications``, ``shots``, ``inputs`` and ``gate_definitions`` may each be one value for all
        tasks or a list with one per task (one circuit with a list of inputs runs once per input). Every task
        is checked and serialised before the first job is submitted.
        """
        options = _run_options("run_batch", args, kwargs)
        if max_parallel is None:
            max_parallel = self.DEFAULT_MAX_PARALLEL
        count, columns = _batch_columns(
            task_specifications=(task_specifications, _single_specification_types()),
            shots=(shots, int),
            inputs=(inputs, Mapping),
            gate_definitions=(options.gate_definitions, Mapping),
        )
        if count == 0:
            raise ValueError("run_batch() needs at least one task specification")
        specifications, shot_counts = columns["task_specifications"], columns["shots"]
        input_maps, definitions = columns["inputs"], columns["gate_definitions"]

        prepared: list[tuple[HubJobInput, int]] = []
        for specification, task_shots, task_inputs, task_definitions in zip(
            specifications, shot_counts, input_maps, definitions, strict=True
        ):
            checked = self._checked_shots(task_shots, specification)
            job_input = self._job_input(specification, checked, task_inputs, task_definitions, options)
            prepared.append((job_input, checked))

        # Read in the caller's context: the submissions (and later retries) run on worker threads, which do
        # not see the caller's context variables.
        session_id = _active_session_id(self.id)

        def submission(job_input: HubJobInput, task_shots: int) -> Submission:
            return lambda: self._submit(job_input, task_shots, options, session_id)

        return HubQuantumTaskBatch(
            [submission(job_input, task_shots) for job_input, task_shots in prepared],
            max_parallel=max_parallel,
        )

    # -- internals -------------------------------------------------------------------------------------

    def _default_shots(self) -> int:
        return self.DEFAULT_SHOTS_SIMULATOR if self.type == "SIMULATOR" else self.DEFAULT_SHOTS_QPU

    def _checked_shots(self, shots: Any, task_specification: Any) -> int:
        if shots is None:
            shots = self._default_shots()
        if isinstance(shots, bool) or not isinstance(shots, int):
            raise TypeError(
                f"shots must be an integer, got {type(shots).__name__}; a Hub device keeps results itself, "
                "so there is no S3 destination folder to pass."
            )
        low, high = self._shots_range()
        if not low <= shots <= high:
            if shots == 0:
                raise ValueError(
                    f"shots=0 (exact results from result types) is not available on {self.id}; it needs "
                    f"shots in [{low}, {high}]."
                )
            raise ValueError(f"shots={shots} is outside the range [{low}, {high}] of {self.id}.")
        return shots

    def _shots_range(self) -> tuple[int, int]:
        """The shots the device accepts, from its Braket capabilities, else from the Hub's record."""
        service = getattr(self.properties, "service", None)
        shots_range = getattr(service, "shotsRange", None)
        if shots_range:
            return int(shots_range[0]), int(shots_range[1])
        configured = self._backend.configuration.shots_range if self._backend.configuration else None
        low = configured.min if configured and configured.min is not None else 0
        high = configured.max if configured and configured.max is not None else 2**31 - 1
        return low, high

    def _job_input(
        self,
        task_specification: Any,
        shots: int,
        inputs: Mapping[str, Any] | None,
        gate_definitions: Any,
        options: _RunOptions,
    ) -> HubJobInput:
        wanted = input_format_for(task_specification)
        if wanted not in self.input_formats:
            kind = "analog Hamiltonian simulation" if wanted == AHS_FORMAT else "gate-model"
            raise ValueError(
                f"{self.id} takes {' and '.join(self.input_formats)} programs; a "
                f"{type(task_specification).__name__} is a {kind} program ({wanted})."
            )
        if inputs is not None and not isinstance(inputs, Mapping):
            raise TypeError(f"inputs must be a dict of parameter values, got {type(inputs).__name__}")
        return to_hub_job_input(
            task_specification,
            shots=shots,
            inputs=inputs,
            gate_definitions=gate_definitions,
            disable_qubit_rewiring=options.disable_qubit_rewiring,
        )

    def _submit(
        self, job_input: HubJobInput, shots: int, options: _RunOptions, session_id: str | None
    ) -> HubQuantumTask:
        job = self._client.jobs.create_job(
            backend_id=self.id,
            shots=shots,
            input=job_input.input,
            input_format=job_input.input_format,
            input_params=job_input.input_params,
            name=options.name,
            tags=options.tags,
            session_id=session_id,
            sdk_provider=str(SdkProvider.BRAKET),
        )
        return HubQuantumTask._submitted(
            job, self._client, options.poll_timeout_seconds, options.poll_interval_seconds
        )

    def _build_topology(self) -> Any:
        from braket.device_schema import GateModelQpuParadigmProperties

        paradigm = getattr(self.properties, "paradigm", None)
        if not isinstance(paradigm, GateModelQpuParadigmProperties):
            return None
        import networkx as nx  # type: ignore[import-untyped]

        if paradigm.connectivity.fullyConnected:
            return nx.complete_graph(int(paradigm.qubitCount), create_using=nx.DiGraph())
        graph = nx.DiGraph()
        for qubit, neighbours in paradigm.connectivity.connectivityGraph.items():
            graph.add_node(int(qubit))
            graph.add_edges_from((int(qubit), int(neighbour)) for neighbour in neighbours)
        return graph


def _single_specification_types() -> tuple[type, ...]:
    """The task specification classes that stand for one task (a list of them is a batch)."""
    from braket.ahs import AnalogHamiltonianSimulation
    from braket.circuits import Circuit
    from braket.circuits.serialization import SerializableProgram
    from braket.ir.openqasm import Program

    return (Circuit, Program, AnalogHamiltonianSimulation, SerializableProgram)
