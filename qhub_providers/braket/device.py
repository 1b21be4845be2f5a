"""``HubBraketDevice``: a Hub backend that takes Braket programs, as an Amazon Braket ``Device``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from braket.devices import Device

from qhub_providers._connect import connect
from qhub_providers.api.errors import NotFoundError
from qhub_providers.api.models import Backend, SdkProvider
from qhub_providers.braket.batch import HubQuantumTaskBatch, Submission
from qhub_providers.braket.call_args import RunCall, bind_run_call
from qhub_providers.braket.program_sets import ExpandedProgramSet, expand_program_set, layout_tag
from qhub_providers.braket.programs import (
    AHS_FORMAT,
    OPENQASM_FORMAT,
    HubJobInput,
    input_format_for,
    to_hub_job_input,
)
from qhub_providers.braket.states import braket_device_status
from qhub_providers.braket.task import HubQuantumTask
from qhub_providers.braket.windows import in_execution_window
from qhub_providers.sessions import session_id_for

if TYPE_CHECKING:
    from qhub_providers.api import HubQuantumClient

__all__ = ["BRAKET_INPUT_FORMATS", "HubBraketDevice", "resolve_backend", "takes_braket_programs"]

BRAKET_INPUT_FORMATS: frozenset[str] = frozenset({OPENQASM_FORMAT, AHS_FORMAT})
"""Hub input formats that carry Braket programs; a backend taking one of them is a Braket device."""


def _active_session_id(device_id: str) -> str | None:
    """The Hub session the calling context runs in (``with Session(device):``), for ``run`` to attach
    its jobs to. ``run`` and ``run_batch`` call it in the caller's thread, before any work moves to worker
    threads, which would not see the caller's context."""
    return session_id_for(device_id)


def takes_braket_programs(backend: Backend) -> bool:
    """Whether a Hub backend accepts Braket OpenQASM 3 or Braket AHS programs."""
    formats = backend.configuration.supported_input_formats if backend.configuration else None
    return any(str(fmt) in BRAKET_INPUT_FORMATS for fmt in formats or [])


def resolve_backend(client: HubQuantumClient, device_id: Any) -> Backend:
    """The Hub backend of a Hub id (``aws.sim.sv1``) or of a device ARN (``Devices.Amazon.SV1``,
    ``device.arn``); ``ValueError`` naming the Braket devices when there is none."""
    if isinstance(device_id, Enum):
        device_id = device_id.value
    if not isinstance(device_id, str) or not device_id:
        raise TypeError(f"a device is named by its Hub id or its ARN, got {device_id!r}")
    if not device_id.startswith("arn:"):
        try:
            return client.backends.get_backend(device_id)
        except NotFoundError as missing:
            raise ValueError(
                f"The Hub has no backend {device_id!r}; HubBraketProvider().devices() lists the Braket ones."
            ) from missing
    records = client.backends.get_backends()
    for record in records:
        if record.internal_id and str(record.internal_id).lower() == device_id.lower():
            return record
    known = sorted(
        f"{record.internal_id} ({record.id})" for record in records if takes_braket_programs(record)
    )
    raise ValueError(
        f"No Hub backend has the ARN {device_id!r}. The Hub's Braket devices: {'; '.join(known) or 'none'}."
    )


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
        device_id: The Hub backend id, e.g. ``aws.sim.sv1``, ``aws.ionq.forte``, ``aws.quera.aquila``, or the
            device's ARN (``Devices.Amazon.SV1``, ``"arn:aws:braket:::device/quantum-simulator/amazon/sv1"``).
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
        self._bind(resolve_backend(hub, device_id), hub)

    @staticmethod
    def get_devices(
        arns: Any = None,
        names: Any = None,
        types: Any = None,
        statuses: Any = None,
        provider_names: Any = None,
        order_by: str = "name",
        aws_session: Any = None,
        *,
        access_token: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        client: HubQuantumClient | None = None,
    ) -> list[HubBraketDevice]:
        """``AwsDevice.get_devices`` on the Hub: the Braket devices matching the filters, ordered by
        ``order_by`` (``name`` by default, as on AWS). Connects like the constructor; an ``aws_session``
        raises ``TypeError``. See :meth:`HubBraketProvider.devices`."""
        from qhub_providers.braket.provider import HubBraketProvider

        if aws_session is not None:
            raise TypeError("The Hub takes no aws_session; pass access_token=... or client=... instead.")
        provider = HubBraketProvider(access_token, organization_id, base_url, client)
        return provider.devices(arns, names, types, statuses, provider_names, order_by)

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

    def run(self, task_specification: Any, *args: Any, **kwargs: Any) -> HubQuantumTask:
        """Run a ``Circuit``, an OpenQASM ``Program``, a ``ProgramSet`` or an ``AnalogHamiltonianSimulation``.

        The arguments are ``AwsDevice.run``'s: ``run(task_specification, s3_destination_folder=None,
        shots=None, poll_timeout_seconds=432000, poll_interval_seconds=1, inputs=None, gate_definitions=None,
        reservation_arn=None, experimental_capabilities=None, **kwargs)``. A whole number in second place is
        read as shots, in ``LocalSimulator.run``'s order ``run(task_specification, shots, inputs)``.

        Parameters, by name or in ``AwsDevice.run``'s order (they arrive through ``*args``/``**kwargs``):

        - ``task_specification``: What to run.
        - ``s3_destination_folder``: Ignored, with one warning: the Hub keeps results itself.
        - ``shots``: Shots; default 1000 on QPUs and 0 on simulators, as ``AwsDevice``. Zero asks a simulator
          for exact result types and is refused where the device's shots range starts above zero. For
          a program set, the total over its executables (default: its ``total_shots``).
        - ``poll_timeout_seconds``: How long ``task.result()`` waits.
        - ``poll_interval_seconds``: The longest pause between two polls.
        - ``inputs``: Values of free parameters; merged over a program's own ``inputs``.
        - ``gate_definitions``: Pulse-level gate calibrations of a ``Circuit``.
        - ``reservation_arn``: Must be None: the Hub has no reservations (``ValueError`` says what to do).
        - ``experimental_capabilities``: Must be None (``ValueError``).
        - ``**kwargs``: ``disable_qubit_rewiring`` (run on exactly the qubits named), ``device_parameters``
          (only ``paradigmParameters.disableQubitRewiring`` is honoured), ``tags`` (``{"key":
          "value"}``, stored as ``key=value``, or a list of strings), ``logger`` and ``quiet`` (for the
          task, as ``AwsQuantumTask`` takes them), ``name`` (the Hub job's name).

        Raises:
            TypeError: an unknown keyword argument, a surplus positional argument, or a specification the
                Hub cannot run.
            ValueError: shots outside the device's range, a specification of the wrong kind for this
                device, unbound parameters, a result type the device does not offer, an AWS-only option.
        """
        call = bind_run_call("run", args, kwargs)
        prepared = self._prepare(task_specification, call.shots, call.inputs, call.gate_definitions, call)
        return self._submit(prepared, call, _active_session_id(self.id))

    def run_batch(self, task_specifications: Any, *args: Any, **kwargs: Any) -> HubQuantumTaskBatch:
        """Run many task specifications concurrently, at most ``max_parallel`` (default 10) at a time.

        The arguments are ``AwsDevice.run_batch``'s: ``run_batch(task_specifications,
        s3_destination_folder=None, shots=None, max_parallel=None, max_connections=100,
        poll_timeout_seconds=432000, poll_interval_seconds=1, inputs=None, gate_definitions=None,
        reservation_arn=None, experimental_capabilities=None, **kwargs)``; a whole number (or list of them)
        in second place is read in ``LocalSimulator.run_batch``'s order ``(shots, max_parallel, inputs)``.
        ``max_connections`` is accepted and not needed. ``task_specifications``, ``shots``, ``inputs`` and
        ``gate_definitions`` may each be one value for all tasks or a list with one per task (one circuit
        with a list of inputs runs once per input). Every task is checked and serialised before the first
        job is submitted.
        """
        call = bind_run_call("run_batch", args, kwargs)
        max_parallel = self.DEFAULT_MAX_PARALLEL if call.max_parallel is None else call.max_parallel
        count, columns = _batch_columns(
            task_specifications=(task_specifications, _single_specification_types()),
            shots=(call.shots, int),
            inputs=(call.inputs, Mapping),
            gate_definitions=(call.gate_definitions, Mapping),
        )
        if count == 0:
            raise ValueError("run_batch() needs at least one task specification")
        specifications, shot_counts = columns["task_specifications"], columns["shots"]
        input_maps, definitions = columns["inputs"], columns["gate_definitions"]

        prepared = [
            self._prepare(specification, task_shots, task_inputs, task_definitions, call)
            for specification, task_shots, task_inputs, task_definitions in zip(
                specifications, shot_counts, input_maps, definitions, strict=True
            )
        ]

        # Read in the caller's context: the submissions (and later retries) run on worker threads, which do
        # not see the caller's context variables.
        session_id = _active_session_id(self.id)

        def submission(task: _Prepared) -> Submission:
            return lambda: self._submit(task, call, session_id)

        return HubQuantumTaskBatch([submission(task) for task in prepared], max_parallel=max_parallel)

    # -- internals -------------------------------------------------------------------------------------

    def _default_shots(self) -> int:
        return self.DEFAULT_SHOTS_SIMULATOR if self.type == "SIMULATOR" else self.DEFAULT_SHOTS_QPU

    def _checked_shots(self, shots: Any, task_specification: Any) -> int:
        if shots is None:
            shots = self._default_shots()
        if isinstance(shots, bool) or not isinstance(shots, int):
            raise TypeError(f"shots must be an integer, got {type(shots).__name__}")
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

    def _prepare(
        self, task_specification: Any, shots: Any, inputs: Any, gate_definitions: Any, call: RunCall
    ) -> _Prepared:
        """Check one task against the device and serialise it, before anything is sent."""
        if _is_program_set(task_specification):
            return self._prepare_program_set(task_specification, shots, inputs, gate_definitions, call)
        count = self._checked_shots(shots, task_specification)
        self._check_result_types(task_specification, count)
        job_input = self._job_input(task_specification, count, inputs, gate_definitions, call)
        return _Prepared(task_specification, job_input, count)

    def _prepare_program_set(
        self, program_set: Any, shots: Any, inputs: Any, gate_definitions: Any, call: RunCall
    ) -> _Prepared:
        from braket.device_schema import DeviceActionType

        action = getattr(self.properties, "action", {}).get(DeviceActionType.OPENQASM_PROGRAM_SET)
        if action is None:
            raise ValueError(
                f"{self.id} does not run program sets (its properties list no "
                f"{DeviceActionType.OPENQASM_PROGRAM_SET.value} action); run the programs with run_batch()."
            )
        if inputs:
            raise ValueError(
                "A program set carries its own inputs: bind them per program with "
                "CircuitBinding(circuit, input_sets={...}) instead of run(..., inputs=...)."
            )
        if call.disable_qubit_rewiring:
            raise ValueError("disable_qubit_rewiring applies to single programs, not to program sets.")
        # Braket's ProgramSet, or its serialised form (braket.ir.openqasm.ProgramSet), as AWS takes both.
        expanded = expand_program_set(program_set, gate_definitions or None)
        executables = len(expanded.sources)
        limit = getattr(action, "maximumExecutables", None)
        if limit is not None and executables > limit:
            raise ValueError(
                f"The program set has {executables} executables; {self.id} runs at most {limit} per task. "
                f"program_set.split({limit}) gives program sets that fit; run them with run_batch()."
            )
        if shots is None:
            if not getattr(program_set, "shots_per_executable", None):
                raise ValueError(
                    "Give the shots: ProgramSet(..., shots_per_executable=n), or run(program_set, "
                    "shots=total)."
                )
            shots = program_set.shots_per_executable * executables
        if isinstance(shots, bool) or not isinstance(shots, int) or shots <= 0:
            raise ValueError(f"A program set needs shots > 0 (the total over its executables), got {shots!r}")
        per_executable, remainder = divmod(shots, executables)
        if remainder:
            raise ValueError(
                f"shots={shots} is the total over {executables} executables and must be a multiple of it."
            )
        low, high = self._shots_range()
        if not low <= per_executable <= high:
            raise ValueError(
                f"{per_executable} shots per executable is outside the range [{low}, {high}] of {self.id}."
            )
        most = getattr(action, "maximumTotalShots", None)
        if most is not None and shots > most:
            raise ValueError(
                f"shots={shots} exceeds the {most} shots {self.id} runs per program set; split it with "
                "program_set.split(n) and run the parts with run_batch()."
            )
        params: dict[str, Any] = {"inputs": expanded.inputs} if expanded.inputs else {}
        job_input = HubJobInput(
            input={"qasm": expanded.sources}, input_format=OPENQASM_FORMAT, input_params=params
        )
        return _Prepared(program_set, job_input, shots, expanded)

    def _check_result_types(self, task_specification: Any, shots: int) -> None:
        """Refuse, before sending, an ``AdjointGradient`` the device does not offer at these shots (as AWS
        would after). Only simulators that list it compute it, and only with shots=0; a device that does not
        would hand back a bare expectation value. The other result types are the Hub's to judge."""
        wanted = [
            result_type
            for result_type in getattr(task_specification, "result_types", None) or []
            if type(result_type).__name__ == "AdjointGradient"
        ]
        if not wanted:
            return
        from braket.device_schema import DeviceActionType

        action = getattr(self.properties, "action", {}).get(DeviceActionType.OPENQASM)
        offered = {item.name: item for item in getattr(action, "supportedResultTypes", None) or []}
        entry = offered.get("AdjointGradient")
        if entry is None:
            raise ValueError(
                f"{self.id} does not compute the AdjointGradient result type (it offers "
                f"{', '.join(offered) or 'none'}). Run it with shots=0 on a device whose properties list "
                "AdjointGradient (on AWS, SV1; the local Hub's simulators cannot compute it), or estimate "
                "the gradient with the parameter-shift rule."
            )
        low, high = entry.minShots, entry.maxShots
        if (low is not None and shots < low) or (high is not None and shots > high):
            raise ValueError(
                f"{self.id} computes AdjointGradient only with shots in [{low}, {high}], not shots={shots}; "
                "run it with shots=0."
            )

    def _job_input(
        self,
        task_specification: Any,
        shots: int,
        inputs: Mapping[str, Any] | None,
        gate_definitions: Any,
        options: RunCall,
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

    def _submit(self, prepared: _Prepared, call: RunCall, session_id: str | None) -> HubQuantumTask:
        job_input = prepared.job_input
        tags = call.tags
        if prepared.expanded is not None:
            tags = [*(tags or []), layout_tag(prepared.expanded)]
        from qhub_providers._pending import PendingSubmission
        from qhub_providers.api.errors import UncertainSubmissionError
        from qhub_providers.api.models import Job

        job: Job | PendingSubmission
        try:
            job = self._client.jobs.create_job(
                backend_id=self.id,
                shots=prepared.shots,
                input=job_input.input,
                input_format=job_input.input_format,
                input_params=job_input.input_params,
                name=call.name,
                tags=tags,
                session_id=session_id,
                sdk_provider=str(SdkProvider.BRAKET),
            )
        except UncertainSubmissionError as exc:
            # The job may still land: its id is found by its token when first needed.
            job = PendingSubmission(self._client, exc)
        return HubQuantumTask._submitted(
            job,
            self._client,
            call.poll_timeout_seconds,
            call.poll_interval_seconds,
            backend=self._backend,
            logger=call.logger,
            quiet=call.quiet,
            task_specification=prepared.task_specification,
            expanded=prepared.expanded,
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


@dataclass(frozen=True)
class _Prepared:
    """One task, checked and serialised, ready to submit (again, on a retry)."""

    task_specification: Any
    job_input: HubJobInput
    shots: int
    expanded: ExpandedProgramSet | None = None


def _is_program_set(task_specification: Any) -> bool:
    from braket.ir.openqasm import ProgramSet as SerialisedProgramSet
    from braket.program_sets import ProgramSet

    return isinstance(task_specification, ProgramSet | SerialisedProgramSet)


def _single_specification_types() -> tuple[type, ...]:
    """The task specification classes that stand for one task (a list of them is a batch)."""
    from braket.ahs import AnalogHamiltonianSimulation
    from braket.circuits import Circuit
    from braket.circuits.serialization import SerializableProgram
    from braket.ir.openqasm import Program
    from braket.ir.openqasm import ProgramSet as SerialisedProgramSet
    from braket.program_sets import ProgramSet

    return (
        Circuit,
        Program,
        AnalogHamiltonianSimulation,
        SerializableProgram,
        ProgramSet,
        SerialisedProgramSet,
    )
