"""The shipped weights (.npz, never pickled) and their cards (.json); data only, no code.

Found through models.weights.weights_dir(), so an installed package uses its own copy.
"""
