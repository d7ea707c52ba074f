"""Carry out the desk's use cases: each takes a unit of work and ports, and owns its commit."""
