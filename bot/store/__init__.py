"""The SQL post log: models, engine and migrations, queries."""
