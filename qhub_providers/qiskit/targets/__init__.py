"""Builders of Qiskit targets, one module per kind of backend description the Hub serves.

:mod:`.braket` reads Braket device capabilities, :mod:`.ibm` IBM configuration and properties, :mod:`.iqm`
an IQM dynamic quantum architecture and :mod:`.generic` the Hub's own configuration. The public entry
point is :func:`qhub_providers.qiskit.target.build_target`.
"""
