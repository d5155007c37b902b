"""Campaign files: schema, YAML loading with line numbers, validation errors."""
