"""Validation: the calibration to published figures, and the checks of what the model predicts.

Modules:
    worlds: many configurations run in parallel, keeping what validation needs of each.
    population: a synthetic population of organisations drawn from one latent maturity.
    calibration: the fit of the parameters, stage by stage.
    uncertainty: which parameters are uncertain, over which range.
    sensitivity: Sobol and Morris sensitivity of the outcomes to those parameters.
    robustness: how often the lessons hold across the uncertain parameters.
    validate: ``make validate``, all of the above written to docs/validation.md.
"""
