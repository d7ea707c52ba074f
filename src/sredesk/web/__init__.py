"""Serve the desk over HTTP: the JSON API now, the web desk's pages later."""
