"""The Braket face: Hub backends as Amazon Braket devices, Hub jobs as quantum tasks.

>>> from qhub_providers.braket import HubBraketProvider
>>> device = HubBraketProvider().get_device("aws.sim.sv1")          # doctest: +SKIP  (or the device ARN)
>>> device.run(Circuit().h(0).cnot(0, 1), shots=1000).result().measurement_counts   # doctest: +SKIP

Code written for ``AwsDevice`` / ``AwsQuantumTask`` runs by swapping the device (or the task class): the same
arguments in the same order, the same shapes of results and metadata, devices named by ARN or Hub id. Needs
the ``braket`` extra; it never imports Qiskit.
"""

from __future__ import annotations

try:
    import braket.devices  # noqa: F401  # fail here, with the fix, rather than deep inside a submodule
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"the Braket face needs the amazon-braket-sdk: pip install 'qhub-providers[braket]' ({missing})"
    ) from missing

from qhub_providers.braket.batch import HubQuantumTaskBatch
from qhub_providers.braket.device import HubBraketDevice
from qhub_providers.braket.provider import HubBraketProvider
from qhub_providers.braket.task import GradientMissingError, HubQuantumTask
from qhub_providers.least_busy import NoMatchingBackendError
from qhub_providers.sessions import Batch, Session

__all__ = [
    "Batch",
    "GradientMissingError",
    "HubBraketDevice",
    "HubBraketProvider",
    "HubQuantumTask",
    "HubQuantumTaskBatch",
    "NoMatchingBackendError",
    "Session",
]
