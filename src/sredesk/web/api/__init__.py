"""Expose the desk's use cases as a versioned JSON API under /api/v1."""
