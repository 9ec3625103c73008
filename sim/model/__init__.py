"""The model: an IT organisation's layers, levers, people, teams and their work, week by week.

Nothing here imports anything else of OrgStack's: configuration composition, the API,
sweeps, the consulting product and the command line are built on top of it.

Modules:
    schema: frozen dataclasses with validation, and the one error bad input raises.
    params: the organisation, the parameters of the dynamics and a run's configuration.
    levers: management levers and interventions that move them over time.
    programmes: interventions as programmes leadership keeps or abandons; shocks.
    flow: work items in the teams' queues, compiled (numba): arrivals, serving, deploys, failures.
    structure: who depends on whom (other teams, the platform).
    leadership, workforce, capabilities, operating: the rules of each part of a week.
    organisation: a week of a batch of worlds, every rule in its order.
    agents: leadership, business units and teams, as Mesa agents viewing the organisation's arrays.
    batches: which runs share a model, and which go to a worker together.
    model: ``OrgModel``, the Mesa model of an organisation.
    metrics, record: the weekly frame's columns, DORA cluster and maturity, and its recording.
    compiled: how the compiled parts are compiled and cached.
"""
