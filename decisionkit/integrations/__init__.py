"""Bridges to other libraries (imported on use; each imports its library inside).

- :mod:`decisionkit.integrations.sklearn`: net-benefit and utility scorers for
  ``TunedThresholdClassifierCV``, and Bayes decisions from ``predict_proba`` and a cost matrix.
"""
