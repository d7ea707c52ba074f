"""Drive the desk from the shell: thin Typer commands that call the services."""
