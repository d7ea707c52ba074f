"""Talk to GitHub's REST API and GraphQL endpoint for the desk's bridge."""
