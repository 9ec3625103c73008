"""Sweeps: many runs from one command, each in its own job directory, collected into results."""
