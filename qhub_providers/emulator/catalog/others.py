"""Backends served through the Hub's generic configuration: Azure IonQ, QUDORA, Kipu, AQT and Quandela.

For these, ``backends/{id}/config`` is the record's own ``configuration``; the Qiskit face builds its
``Target`` from ``configuration.gates``, ``instructions`` and ``connectivity``.
"""

from __future__ import annotations

from dataclasses import replace

from qhub_providers.emulator.catalog.calibration import TRAPPED_ION, GateBasedCalibration
from qhub_providers.emulator.catalog.records import (
    PERCEVAL_SDK,
    QHUB_SDK,
    QISKIT_SDK,
    BackendFacts,
    Documentation,
    build_spec,
)
from qhub_providers.emulator.catalog.spec import BackendSpec

IONQ_QIS_GATES = (
    "cx", "h", "rx", "rxx", "ry", "ryy", "rz", "rzz", "s", "sdg", "swap", "sx", "sxdg", "t", "tdg",
    "x", "y", "z",
)  # fmt: skip
"""Qiskit names of IonQ's ``qis`` gates (``cnot`` is ``cx``, ``v`` is ``sx``, ``xx`` is ``rxx`` …)."""

QASM2_GATES = (
    "ccx", "cp", "crx", "cry", "crz", "cswap", "cx", "cy", "cz", "h", "id", "p", "rx", "rxx", "ry",
    "rz", "rzz", "s", "sdg", "swap", "sx", "sxdg", "t", "tdg", "u", "x", "y", "z",
)  # fmt: skip
"""Gates of OpenQASM 2's ``qelib1.inc`` that the QASM 2 simulators accept."""

AQT_BASIS = ("r", "rz", "rxx")

_AQT_PROFILE = replace(
    TRAPPED_ION,
    t1_us=(1.0e6, 1.2e6),
    t2_us=(5e4, 2e5),
    one_qubit_error=(1e-4, 5e-4),
    two_qubit_error=(8e-3, 1.8e-2),
    one_qubit_length_ns=20_000.0,
    two_qubit_length_ns=250_000.0,
    readout_length_ns=1_500_000.0,
    reset_length_ns=100_000.0,
)
"""Calcium-40 optical qubits: the metastable level lives about a second."""


def azure_ionq_simulator() -> BackendSpec:
    """IonQ's ideal cloud simulator as offered through Azure Quantum."""
    facts = BackendFacts(
        id="azure.ionq.simulator",
        internal_id="ionq.simulator",
        provider="AZURE",
        hardware_provider="IONQ",
        name="ionq.simulator",
        display_name="IonQ Simulator (Azure)",
        technology="UNKNOWN",
        is_simulator=True,
        num_qubits=29,
        input_format="IONQ_CIRCUIT_V1",
        runner="ionq",
        shots=(1, 10_000),
        documentation=Documentation(
            "IonQ's idealized GPU-accelerated simulator for up to 29 qubits, using IonQ's abstract gate set.",
            "https://learn.microsoft.com/azure/quantum/provider-ionq",
            "https://status.ionq.co/",
            "US",
            (QHUB_SDK, QISKIT_SDK),
        ),
        basis_gates=IONQ_QIS_GATES,
        instructions=("measure", "barrier"),
        output_format="IONQ_RESULT_V1",
        access_type="FREE",
    )
    return build_spec(facts)


def qudora_xg1() -> BackendSpec:
    """QUDORA's simulator of its trapped-ion architecture."""
    facts = BackendFacts(
        id="qudora.sim.xg1",
        internal_id="qudora-xg1-sim",
        provider="QUDORA",
        hardware_provider="QUDORA",
        name="XG1 Simulator",
        display_name="QUDORA XG1 Simulator",
        technology="UNKNOWN",
        is_simulator=True,
        num_qubits=20,
        input_format="OPEN_QASM_V2",
        runner="qasm2",
        shots=(1, 10_000),
        documentation=Documentation(
            "Simulator of QUDORA's near-field trapped-ion quantum processors, programmed in OpenQASM 2.",
            "https://www.qudora.com/",
            "https://www.qudora.com/",
            "DE",
            (QHUB_SDK, QISKIT_SDK),
        ),
        basis_gates=QASM2_GATES,
        instructions=("measure", "barrier", "reset"),
        max_pubs_per_job=10,
        memory_result_supported=True,
        access_type="FREE",
    )
    return build_spec(facts)


def kipu_qsim() -> BackendSpec:
    """Kipu Quantum's state-vector simulator."""
    facts = BackendFacts(
        id="kipu.sim.qsim",
        internal_id="qsim",
        provider="KIPU",
        hardware_provider="KIPU",
        name="qsim",
        display_name="Kipu qsim Simulator",
        technology="UNKNOWN",
        is_simulator=True,
        num_qubits=30,
        input_format="OPEN_QASM_V2",
        runner="qasm2",
        shots=(1, 100_000),
        documentation=Documentation(
            "Kipu Quantum's high-performance state-vector simulator; samples, statevectors or amplitudes.",
            "https://kipu-quantum.com/",
            "https://kipu-quantum.com/",
            "DE",
            (QHUB_SDK, QISKIT_SDK),
        ),
        basis_gates=QASM2_GATES,
        instructions=("measure", "barrier"),
        access_type="FREE",
    )
    return build_spec(facts)


def _aqt_facts(backend_id: str, *, simulator: bool) -> BackendFacts:
    kind = "simulator of IBEX" if simulator else "IBEX Q1"
    return BackendFacts(
        id=backend_id,
        internal_id="aqt/default/simulator_no_noise" if simulator else "aqt/default/ibex",
        provider="AQT",
        hardware_provider="AQT",
        name="simulator_no_noise" if simulator else "ibex",
        display_name="AQT Ideal Simulator" if simulator else "AQT IBEX Q1",
        technology="UNKNOWN" if simulator else "TRAPPED_ION",
        is_simulator=simulator,
        num_qubits=12,
        input_format="AQT_JOB_INPUT_V1",
        runner="aqt",
        shots=(1, 2000),
        documentation=Documentation(
            f"Alpine Quantum Technologies {kind}: 12 calcium-ion qubits with all-to-all connectivity.",
            "https://www.aqt.eu/",
            "https://arnica.aqt.eu/",
            "AT",
            (QHUB_SDK, QISKIT_SDK),
        ),
        basis_gates=AQT_BASIS,
        instructions=("measure", "barrier"),
        max_pubs_per_job=50,
        memory_result_supported=True,
        supports_sessions=True,
        access_type="FREE" if simulator else "PAY_PER_USE",
        queue_size=0 if simulator else 2,
        queue_avg_time=0 if simulator else 300,
    )


def aqt_ideal_simulator() -> BackendSpec:
    """AQT's noise-free cloud simulator of IBEX."""
    return build_spec(_aqt_facts("aqt.sim.ideal", simulator=True))


def aqt_ibex() -> BackendSpec:
    """AQT's IBEX Q1 trapped-ion QPU."""
    facts = _aqt_facts("aqt.qpu.ibex", simulator=False)
    calibration = GateBasedCalibration(
        facts.id,
        facts.num_qubits,
        profile=_AQT_PROFILE,
        one_qubit_gates=("r", "rz"),
        two_qubit_gates=("rxx",),
        edges=None,
    )
    return build_spec(facts, calibration=calibration)


PHOTONIC_REFUSAL = (
    "The local Hub cannot simulate photonic Perceval jobs; run them on the Kipu Quantum Hub or with "
    "Perceval's own simulators."
)


def quandela_belenos() -> BackendSpec:
    """Quandela's Belenos photonic QPU (listed, but its jobs are refused locally)."""
    facts = BackendFacts(
        id="quandela.qpu.belenos",
        internal_id="qpu:belenos",
        provider="QUANDELA",
        hardware_provider="QUANDELA",
        name="qpu:belenos",
        display_name="Quandela Belenos",
        technology="PHOTONIC",
        is_simulator=False,
        num_qubits=12,
        input_format="PERCEVAL",
        runner="perceval",
        shots=(1, 1_000_000),
        documentation=Documentation(
            "Quandela Belenos: a photonic processor with up to 12 single photons in 24 optical modes.",
            "https://www.quandela.com/",
            "https://cloud.quandela.com/",
            "FR",
            (QHUB_SDK, PERCEVAL_SDK),
        ),
        instructions=(),
        gate_based=False,
        photonic_properties={"min_modes": 1, "max_modes": 24, "min_photons": 1, "max_photons": 12},
        queue_size=1,
        queue_avg_time=120,
    )
    return build_spec(facts, refuse_jobs=PHOTONIC_REFUSAL)


def other_backends() -> list[BackendSpec]:
    """The Azure, QUDORA, Kipu, AQT and Quandela backends of the catalog."""
    return [
        azure_ionq_simulator(),
        qudora_xg1(),
        kipu_qsim(),
        aqt_ideal_simulator(),
        aqt_ibex(),
        quandela_belenos(),
    ]
