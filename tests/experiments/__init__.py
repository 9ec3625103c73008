"""Tests of the experiments (headline, statistics)."""
