"""Connect the services to the world: the database, and later mail and GitHub, each with a fake."""
