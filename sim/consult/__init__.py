"""The consulting product: an organisation's assessment, its diagnosis, a roadmap and the report."""
