"""Validation: the calibration to published figures, and the checks of what the model predicts.

Modules:
    worlds: many configurations run in parallel, keeping what validation needs of each.
    parameters: the model's numeric parameters by dotted name (``operating.overtime``).
    population: a synthetic population of organisations drawn from one latent maturity.
    calibration: the fit of the parameters to published DORA figures, stage by stage.
    emergence: the six patterns the seeds expect to emerge, measured as findings.
    uncertainty: which parameters are uncertain, over which range.
    sensitivity: Sobol and Morris sensitivity of the outcomes to those parameters.
    robustness: how often the recommended course wins across the uncertain parameters.
    validate: ``make validate``, all of the above written to docs/validation.md.
"""
