"""The model: an IT organisation's layers, levers, teams and their weekly dynamics.

Nothing here imports anything else of OrgStack's: configuration composition, the API,
sweeps, the consulting product and the command line are built on top of it.

Modules:
    schema: frozen dataclasses with validation, and the one error bad input raises.
    params: the organisation, the parameters of the dynamics and a run's configuration.
    levers: management levers and interventions that move them over time.
    agents: business units and teams, as Mesa agents viewing the model's arrays.
    mechanisms: the weekly dynamics, compiled (numba).
    batches: many worlds of one shape stepped together.
    model: ``OrgModel``, a Mesa model of one organisation.
    metrics: DORA metrics, clusters and maturity, and the recorder of weekly results.
"""
